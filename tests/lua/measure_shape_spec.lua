-- The measure shape selects measures, not records (issue 19, item 5): with --shape
-- measure, `text` and `measure` test each row's own measure and `measure_index` its
-- index, on every path an export takes (the core's rows, a sort, the Lua path of ids
-- or a user plugin, Markdown and HTML sections, the loop), and an export whose filter
-- selects no measure writes nothing (ENODATA, exit 1).
local bqw = require("bqw")
local H = require("tests.lua.helpers")

-- the 5 measures that name 县城 (their records hold 8)
local COUNTY = { "29.2", "30.1", "31.1", "35.1", "41.1" }

--- The "id.measure_index" of each row of a TSV export with those two columns.
local function row_ids(tsv)
  local out = {}
  for id, m in tsv:gmatch("\n(%d+)\t(%d*)") do
    out[#out + 1] = id .. "." .. m
  end
  return out
end

local function sorted(list)
  local copy = { table.unpack(list) }
  table.sort(copy)
  return copy
end

local function export_ids(ds, opts)
  opts.shape, opts.columns = "measure", { "id", "measure_index" }
  local text, err = ds:export("tsv", opts)
  assert(text, err)
  return row_ids(text)
end

local plugin_dir = H.plugin_dir

describe("the measure shape", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("selects the measures that name a text, on the core's path and a sort's", function()
    assert.same(COUNTY, export_ids(ds, { where = "text~县城" }))
    assert.same(COUNTY, export_ids(ds, { where = "text~縣城" }))
    assert.same(COUNTY, export_ids(ds, { where = "measure~县城" }))
    local by_city = export_ids(ds, { where = "text~县城", sort = "city" })
    assert.same(COUNTY, sorted(by_city))
    assert.are_not.same(COUNTY, by_city) -- 惠州 first, in pinyin order
    assert.same(COUNTY, sorted(export_ids(ds, { where = "text~县城", sort = "-id" })))
  end)

  it("selects them on the Lua path (ids, a Lua filter) too", function()
    local ids = { 41, 29, 30, 31, 35, 1, 2 }
    assert.same({ "41.1", "29.2", "30.1", "31.1", "35.1" }, export_ids(ds, { where = "text~县城", ids = ids }))
    local only = export_ids(ds, {
      where = "text~县城",
      ids = { 29, 30, 31, 35, 41 },
    })
    assert.same(COUNTY, only)
  end)

  it("not, measure_index and a record's field combine row by row", function()
    local all = export_ids(ds, {})
    local others = export_ids(ds, { where = "not text~县城" })
    assert.equal(#all - 5, #others)
    local seen = {}
    for _, r in ipairs(others) do
      seen[r] = true
    end
    for _, r in ipairs(COUNTY) do
      assert.is_nil(seen[r], r)
    end
    assert.same(others, export_ids(ds, { where = "text!~县城" }))
    assert.same({ "29.2" }, export_ids(ds, { where = "city=梅州 and text~县城" }))
    assert.same({ "29.1", "29.2", "30.1", "31.1", "35.1", "41.1" }, export_ids(ds, { where = "city=梅州 or text~县城" }))
    local second = export_ids(ds, { where = "measure_index=2" })
    assert.is_true(#second > 0)
    for _, r in ipairs(second) do
      assert.truthy(r:match("%.2$"), r)
    end
    assert.same({ "30.1" }, export_ids(ds, { where = "measure_index=1 and text~县城 and city=惠州" }))
  end)

  it("counts the rows it writes in every format", function()
    local where = "text~县城"
    local csv = assert(ds:export("csv", { where = where, shape = "measure" }))
    assert.equal(5, select(2, csv:gsub("\r\n%d", "")))
    local nd = assert(ds:export("ndjson", { where = where, shape = "measure" }))
    assert.equal(5, select(2, nd:gsub("\n", "")))
    local json = assert(ds:export("json", { where = where, shape = "measure" }))
    assert.truthy(json:find('"count": 5', 1, true) or json:find('"count":5', 1, true), json:sub(1, 300))
    assert.equal(5, select(2, json:gsub('"measure_index":', "")))
    for _, format in ipairs({ "markdown", "html" }) do
      local doc = assert(ds:export(format, { where = where, shape = "measure" }))
      assert.truthy(doc:find("5 records, 5 rows", 1, true) or doc:find(", 5 rows", 1, true), format)
      -- the measures of those records that do not name 县城 are not in it
      local r29 = ds:records()[29] -- in the export's script
      assert.is_nil(doc:find(r29.measures[1]:sub(1, 30), 1, true), format)
      assert.truthy(doc:find(r29.measures[2]:sub(1, 30), 1, true), format)
    end
  end)

  it("hands user plugins of each contract the same rows", function()
    local dir = plugin_dir({
      ["export/mlist.lua"] = [[
return { name = "mlist", kind = "export", description = "first contract", shapes = { "measure" },
  default_shape = "measure",
  write = function(out, records, opts, ctx)
    for _, row in ipairs(ctx.util.rows(records, opts.shape)) do
      out:write(row.id, ".", row.measure_index or "", "\n")
    end
  end }]],
      ["export/miter.lua"] = [[
return { name = "miter", kind = "export", description = "iterator", shapes = { "measure" },
  default_shape = "measure", stream = true,
  write = function(out, rows) for row in rows do out:write(row.id, ".", row.measure_index or "", "\n") end end }]],
      ["export/mrec.lua"] = [[
return { name = "mrec", kind = "export", description = "entries", shapes = { "measure" },
  default_shape = "measure",
  record = function(out, row) out:write(row.id, ".", row.measure_index or "", "\n") end }]],
    })
    bqw.setup({ plugin_path = { dir } })
    local results = {}
    for _, name in ipairs({ "mlist", "miter", "mrec" }) do
      results[name] = { ds:export(name, { where = "text~县城" }) }
    end
    local none = { ds:export("miter", { where = "text~县城 and measure_index=3" }) }
    bqw.setup({ plugin_path = false })
    os.execute("rm -rf '" .. dir .. "'")
    for name, r in pairs(results) do
      assert.equal(table.concat(COUNTY, "\n") .. "\n", r[1], name .. ": " .. tostring(r[2]))
    end
    assert.is_nil(none[1])
    assert.equal("ENODATA", none[3])
  end)

  it("exports no measure as an export of no record: ENODATA, exit 1, the file kept", function()
    local where = "text~县城 and measure_index=3" -- records 29, 30, 31 match, no measure
    local text, err, name = ds:export("csv", { where = where, shape = "measure" })
    assert.is_nil(text)
    assert.equal("ENODATA", name, err)
    for _, format in ipairs({ "json", "markdown", "ndjson" }) do
      assert.equal("ENODATA", select(3, ds:export(format, { where = where, shape = "measure" })), format)
    end
    local path = H.temp_file("old\n", ".csv")
    local _, _, code = H.bqw({ "export", "--format", "csv", "--shape", "measure", "--where", where, "-o", path })
    assert.equal(1, code)
    assert.equal("old\n", H.read_file(path))
    local out, _, ok_code = H.bqw({ "export", "--format", "csv", "--shape", "measure", "--where", "text~县城" })
    assert.equal(0, ok_code)
    assert.equal(5, select(2, out:gsub("\r\n%d", "")))
    os.remove(path)
  end)

  it("in the loop: the same rows", function()
    local path = os.tmpname()
    local loop = assert(bqw.loop())
    local result
    assert(loop:export(ds, "tsv", {
      output = path,
      slice = 3,
      where = "text~县城",
      shape = "measure",
      columns = { "id", "measure_index" },
    }, {
      done = function(ok, err)
        result = ok or err
      end,
    }))
    loop:run()
    loop:close()
    assert.is_true(result)
    assert.same(COUNTY, row_ids(H.read_file(path)))
    os.remove(path)
  end)
end)
