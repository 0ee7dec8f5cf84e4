-- Rows written by the core (binding/rows.c): when every filter of an export is the
-- core's, the built-in csv, tsv, ndjson and json exports have their rows formatted in
-- C, and the bytes must be those the Lua path writes (plugin.record / dkjson) for
-- every shape, script, column list and option, on text full of what quoting, formula
-- neutralisation and JSON escaping must handle.
local bqw = require("bqw")
local H = require("tests.lua.helpers")

local FORMATS = { "csv", "tsv", "ndjson", "json" }

--- The default digest with its first document's title and measures replaced by text
--- holding quotes, separators, formula starts, controls and the characters dkjson
--- writes as \u escapes.
local function tricky_text()
  local lines = H.digest_lines()
  assert(lines[9]:find("^●《"), "line 9 is the first document")
  lines[9] = "●《關于\"引\",a\tb=c 措施\226\128\168x\194\173y\239\187\191z\1w\127v\\u》"
  lines[10] = "◎=SUM(A1)\"q\",\tt\226\129\160 \239\191\189 \216\128 \220\143 \225\158\180 \194\128"
  lines[11] = "◎-1 \\ \8 \12 / \226\128\141\226\128\175\226\128\176 \239\191\176"
  lines[12] = "◎@x\ry"
  return table.concat(lines, "\n")
end

local function tricky_dataset()
  local ds = assert(bqw.load_string(tricky_text(), "tricky.txt"))
  assert(ds:record(1).measures[1]:find('"q"', 1, true), "the loader kept the tricky text")
  return ds
end

--- Every combination the spec exports: format, options.
local function cases()
  local out = {}
  for _, format in ipairs(FORMATS) do
    for _, shape in ipairs({ "record", "measure" }) do
      for _, script in ipairs({ "original", "hans", "hant" }) do
        local extras = {
          {},
          { where = "kind=document" },
          { where = "year>=2024 or city=广州" },
        }
        if format ~= "json" then
          extras[#extras + 1] = {
            columns = "id,text,measure,years,measures,issuers,mentions,measure_lines,title,period_from,bqw",
          }
        end
        if format == "csv" or format == "tsv" then
          extras[#extras + 1] = { raw_cells = true }
        end
        if format == "csv" then
          extras[#extras + 1] = { bom = true }
        end
        if format == "ndjson" then
          extras[#extras + 1] = { array = true }
          extras[#extras + 1] = { array = true, where = "kind=document", columns = "id,title,measure" }
          extras[#extras + 1] = { array = true, where = "id=99999", allow_empty = true }
        end
        for _, extra in ipairs(extras) do
          local opts = { shape = shape, script = script }
          for k, v in pairs(extra) do
            opts[k] = v
          end
          out[#out + 1] = { format = format, opts = opts }
        end
      end
    end
  end
  return out
end

--- The same options with the filter as a Lua function, so the rows go through Lua.
local function lua_path(ds, opts)
  local copy = {}
  for k, v in pairs(opts) do
    copy[k] = v
  end
  local q = ds:query(opts.where)
  local keep = {}
  for r in q:iter() do
    keep[r.id] = true
  end
  copy.where = function(r)
    return keep[r.id] == true
  end
  return copy
end

describe("rows written by the core", function()
  local datasets
  setup(function()
    datasets = { default = assert(bqw.load()), tricky = tricky_dataset() }
  end)

  it("are byte-identical to the Lua path for every format, shape, script and option", function()
    local n = 0
    for name, ds in pairs(datasets) do
      for _, case in ipairs(cases()) do
        local native = assert(ds:export(case.format, case.opts))
        local through_lua = assert(ds:export(case.format, lua_path(ds, case.opts)))
        if native ~= through_lua then
          error(("%s %s %s: %s"):format(name, case.format, require("bqw.json").encode(case.opts), H.first_difference(native, through_lua)))
        end
        n = n + 1
      end
    end
    assert.is_true(n > 100)
  end)

  it("agree with the first contract (an array of records) of the same plugins", function()
    local ds = datasets.tricky
    for _, format in ipairs(FORMATS) do
      for _, shape in ipairs({ "record", "measure" }) do
        local plugin = assert(bqw.plugins.get("export", format))
        local chunks = {}
        local sink = {
          write = function(self, ...)
            for i = 1, select("#", ...) do
              chunks[#chunks + 1] = tostring((select(i, ...)))
            end
            return self
          end,
        }
        -- write_from's plugins take records; the json plugin (stream) takes rows
        local list = ds:query():all()
        if plugin.stream then
          list = require("bqw.export_util").rows(list, shape)
        end
        plugin.write(sink, list, { shape = shape }, {
          util = require("bqw.export_util"),
          meta = ds:meta(),
          version = bqw.version,
        })
        assert.equal(table.concat(chunks), assert(ds:export(format, { shape = shape })), format .. " " .. shape)
      end
    end
  end)

  it("are the path taken when every filter is the core's, and not otherwise", function()
    local ds = datasets.default
    for _, format in ipairs({ "csv", "tsv", "ndjson" }) do
      local plugin = assert(bqw.plugins.get("export", format))
      local record = plugin.record
      local calls = 0
      plugin.record = function(...)
        calls = calls + 1
        return record(...)
      end
      local ok, err = pcall(function()
        assert(ds:export(format, { where = "kind=document", shape = "measure" }))
        assert.equal(0, calls, format .. ": no row went through Lua")
        assert(ds:export(format, { where = function(r)
          return r.kind == "document"
        end }))
        assert.is_true(calls > 0, format .. ": a Lua filter sends the rows through Lua")
      end)
      plugin.record = record
      assert(ok, err)
    end
  end)

  it("make ndjson's objects one JSON array with array = true, [] for none", function()
    local ds = datasets.tricky
    for _, where in ipairs({ "kind=document", function(r)
      return r.kind == "document"
    end }) do
      local lines = assert(ds:export("ndjson", { where = where }))
      local array = assert(ds:export("ndjson", { where = where, array = true }))
      assert.equal("[" .. lines:sub(1, -2):gsub("\n", ",") .. "]", array)
      local n = select(2, lines:gsub("\n", ""))
      assert.is_true(n > 1)
      assert.equal(n, #require("bqw.json").decode(array))
      for _, none in ipairs({ "id=99999", function()
        return false
      end }) do
        assert.equal("[]", ds:export("ndjson", { where = none, array = true, allow_empty = true }))
      end
    end
  end)

  it("stream the JSON document: the count first, then the rows one at a time", function()
    local ds = datasets.default
    local text = assert(ds:export("json", { shape = "measure", where = "kind=document" }))
    local doc = require("bqw.json").decode(text)
    assert.equal(#doc.records, doc.count)
    assert.is_true(doc.count > 0)
    local chunks = 0
    assert(ds:export("json", {
      stream = {
        write = function(self)
          chunks = chunks + 1
          return self
        end,
      },
    }))
    assert.is_true(chunks >= 3, "head, rows and tail written apart")
  end)

  it("json, markdown and html never collect the rows in a list", function()
    local util = require("bqw.export_util")
    local collect = util.collect
    util.collect = function()
      error("rows collected")
    end
    local ok, err = pcall(function()
      for _, format in ipairs({ "json", "markdown", "html" }) do
        for _, where in ipairs({ "kind=document", function(r)
          return r.kind ~= "meeting"
        end }) do
          assert(datasets.default:export(format, { where = where, shape = "measure" }))
        end
      end
    end)
    util.collect = collect
    assert(ok, err)
    -- and the tables are those of the rows collected in a list (the first contract)
    for _, format in ipairs({ "markdown", "html" }) do
      local plugin = assert(bqw.plugins.get("export", format))
      local chunks = {}
      local sink = {
        write = function(self, ...)
          for i = 1, select("#", ...) do
            chunks[#chunks + 1] = tostring((select(i, ...)))
          end
          return self
        end,
      }
      local ds = datasets.tricky
      plugin.write(sink, util.rows(ds:query():all(), "measure"), { shape = "measure" }, {
        util = util,
        meta = ds:meta(),
        version = bqw.version,
      })
      assert.equal(table.concat(chunks), assert(ds:export(format, { shape = "measure" })), format)
    end
  end)

  it("markdown and html build each record twice, not once per section", function()
    -- the first pass finds the sections and their records' ids; a section's pass
    -- builds only its own records (ctx.rows_of), whatever the order and shape
    local ds = datasets.default
    local records = ds:query():count()
    for _, format in ipairs({ "markdown", "html" }) do
      for _, opts in ipairs({ { shape = "measure" }, { sort = "city" }, { script = "hant", shape = "record" } }) do
        local looked = 0
        opts.where = function()
          looked = looked + 1
          return true
        end
        local through_ids = assert(ds:export(format, opts))
        assert.equal(records, looked, format .. ": the Lua filter sees each record once")
        -- and the document is the one the passes over every row write
        local rows_of = require("bqw.export_util").section_passes
        require("bqw.export_util").section_passes = function(rows, o)
          return rows_of(rows, o)
        end
        local ok, every = pcall(ds.export, ds, format, opts)
        require("bqw.export_util").section_passes = rows_of
        assert(ok, every)
        assert.equal(every, through_ids, format)
      end
    end
  end)

  it("escape JSON strings as dkjson does", function()
    local core = require("bqw.core")
    local json = require("bqw.json")
    local ds = datasets.tricky
    local fmt = core.row_format({ format = "ndjson", shape = "record", columns = { "title" } })
    local handle = assert(core.load_buffer(tricky_text(), "tricky.txt"))
    local chunk = handle:write_rows(fmt, nil, 1, 1)
    assert.equal(json.encode({ title = ds:record(1, { script = "original" }).title }) .. "\n", chunk)
    assert.truthy(chunk:find("\\u2028", 1, true))
    assert.truthy(chunk:find("\\u00ad", 1, true))
    assert.truthy(chunk:find("\\u0001", 1, true))
    assert.truthy(chunk:find("\\u007f", 1, true))
  end)
end)
