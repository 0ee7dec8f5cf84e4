-- Sorting in the core (ds:order in binding/rows.c): when every filter of a query is the
-- core's, a sort by field names is made in C and the export walks the ids in that
-- order. The order must be the Lua comparator's (lua/bqw/collate.lua) over the records
-- built in the query's script, and every export byte-identical to the Lua path.
local bqw = require("bqw")
local H = require("tests.lua.helpers")
local Query = require("bqw.query").Query
local collate = require("bqw.collate")
local sort = require("bqw.sort")

--- The default digest with four document titles that share a long start (longer than
--- the collation key the core keeps beside each text), one a prefix of the others and
--- one the same title in Simplified (equal to another once converted to hans).
local function long_titles_text()
  local lines = H.digest_lines()
  for _, n in ipairs({ 9, 13, 15, 17 }) do
    assert(lines[n]:find("^●《"), "line " .. n .. " is a document")
  end
  lines[9] = "●《廣東省鄉村振興促進條例實施細則補充規定第一部分乙》"
  lines[13] = "●《廣東省鄉村振興促進條例實施細則補充規定第一部分甲》"
  lines[15] = "●《广东省乡村振兴促进条例实施细则补充规定第一部分乙》"
  lines[17] = "●《廣東省鄉村振興促進條例實施細則補充規定第一部分》"
  return table.concat(lines, "\n")
end

local SPECS = {
  "city", "-city", "region,-year", "year", "-year,city", "issuers", "-issuers", "years",
  "measures", "title", "-title", "text", "date,id", "kind,-line", "-kind", "doctype",
  "mentions", "category,-period_from", "period_to", "measure", "-id", "section_title",
  "parent", "level,-headline", "action,city,-id",
}

local WHERES = { false, "kind=document", "year>=2024 or city=广州", "not region=粤北", "kind=meeting" }

--- The ids of the query's records sorted by the Lua comparator, records built in the
--- script (what the export path did before the core sorted).
local function oracle(ds, where, script, spec)
  local list = {}
  for r in ds:query(where or nil, { script = script }):iter() do
    list[#list + 1] = ds:record(r.id, { script = script })
  end
  local keys = assert(collate.parse_keys(spec))
  sort.stable(list, collate.comparator(keys))
  local ids = {}
  for i, r in ipairs(list) do
    ids[i] = r.id
  end
  return ids
end

local function ids_of(q)
  local ids = {}
  for r in q:iter() do
    ids[#ids + 1] = r.id
  end
  return ids
end

--- The result of f with the core's order switched off (the Lua path of before).
local function without_core_order(f)
  local saved = Query._c_order
  Query._c_order = function()
    return nil
  end
  local ok, result = pcall(f)
  Query._c_order = saved
  assert(ok, result)
  return result
end

describe("sorting in the core", function()
  local datasets
  setup(function()
    datasets = {
      default = assert(bqw.load()),
      long_titles = assert(bqw.load_string(long_titles_text(), "long.txt")),
    }
    local simplified = io.open(H.root .. "/tests/fixtures/digest-simplified.txt", "rb")
    if simplified then
      datasets.simplified = assert(bqw.load_string(simplified:read("a"), "simplified.txt"))
      simplified:close()
    end
  end)

  it("orders as the Lua comparator over records in the script, ties by id", function()
    local n = 0
    for name, ds in pairs(datasets) do
      for _, script in ipairs({ "original", "hans", "hant" }) do
        for _, where in ipairs(WHERES) do
          for _, spec in ipairs(SPECS) do
            local q = ds:query(where or nil, { script = script }):sort(spec)
            assert(q:_c_order(), "the core sorts " .. spec)
            local got, want = ids_of(q), oracle(ds, where, script, spec)
            assert.same(want, got, ("%s %s %s %s"):format(name, script, tostring(where), spec))
            n = n + 1
          end
        end
      end
    end
    assert.is_true(n >= 3 * #WHERES * #SPECS * 2)
  end)

  it("ties texts that show the same in the script, and orders long shared starts", function()
    local ds = datasets.long_titles
    local ids = {}
    for _, id in ipairs(ids_of(ds:query("kind=document", { script = "hans" }):sort("title"))) do
      local t = ds:record(id, { script = "hans" }).title
      if t:find("补充规定", 1, true) then
        ids[#ids + 1] = id
      end
    end
    -- 第一部分 < 第一部分甲 < 第一部分乙 (twice, equal in hans: by id)
    local titles = {}
    for i, id in ipairs(ids) do
      titles[i] = ds:record(id, { script = "hans" }).title:match("第一部分(.*)$")
    end
    assert.same({ "", "甲", "乙", "乙" }, titles)
    assert.is_true(ids[3] < ids[4])
    assert.same(oracle(ds, "kind=document", "original", "-title"), ids_of(ds:query("kind=document", { script = "original" }):sort("-title")))
  end)

  it("keeps limit, a comparison function, a Lua filter and a host's tick on the Lua path", function()
    local ds = datasets.default
    local q = ds:query("kind=document"):sort("city"):limit(3)
    assert.same({ table.unpack(oracle(ds, "kind=document", "hans", "city"), 1, 3) }, ids_of(q))
    assert.is_nil(ds:query():sort(function(a, b)
      return a.id > b.id
    end):_c_order())
    assert.is_nil(ds:query(function()
      return true
    end):sort("city"):_c_order())
    assert.is_nil(ds:query(nil, { tick = function() end }):sort("city"):_c_order())
  end)

  it("exports byte-identical to the Lua path, rows written by the core where they were", function()
    local n = 0
    for name, ds in pairs(datasets) do
      for _, format in ipairs({ "csv", "tsv", "ndjson", "json", "markdown", "html" }) do
        for _, shape in ipairs({ "record", "measure" }) do
          for _, script in ipairs({ "original", "hans", "hant" }) do
            for _, case in ipairs({
              { sort = "city" },
              { sort = "-year,title", where = "kind=document or kind=city" },
              { sort = "region,-city", where = "year>=2024" },
              { sort = "title" },
            }) do
              local opts = { shape = shape, script = script, sort = case.sort, where = case.where }
              local got = assert(ds:export(format, opts))
              local want = without_core_order(function()
                return assert(ds:export(format, opts))
              end)
              if got ~= want then
                error(("%s %s %s: %s"):format(name, format, require("bqw.json").encode(opts), H.first_difference(got, want)))
              end
              n = n + 1
            end
          end
        end
      end
    end
    assert.is_true(n >= 144)
    -- csv: no row through Lua
    local plugin = assert(bqw.plugins.get("export", "csv"))
    local record, calls = plugin.record, 0
    plugin.record = function(...)
      calls = calls + 1
      return record(...)
    end
    local ok, err = pcall(function()
      assert(datasets.default:export("csv", { sort = "city", shape = "measure" }))
    end)
    plugin.record = record
    assert(ok, err)
    assert.equal(0, calls)
  end)
end)
