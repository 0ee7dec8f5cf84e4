-- The field schema (core/bqw_schema.h) as the Lua side sees it: core.schema(), the
-- record tables made from it, the lists bqw.fields derives, `bqw fields` and the
-- generated field tables of the docs.
local bqw = require("bqw")
local core = require("bqw.core")
local fields = require("bqw.fields")
local json = require("bqw.json")
local H = require("tests.lua.helpers")

local KINDS = { document = true, city = true, guiding = true, target = true, meeting = true, other = true }
local TYPES = { text = true, integer = true, date = true, texts = true, integers = true }

describe("the field schema", function()
  it("describes every field: a unique name, a type, kinds, a description", function()
    local schema = core.schema()
    assert.is_true(#schema >= 20)
    local seen = {}
    for _, f in ipairs(schema) do
      assert.is_nil(seen[f.name], f.name)
      seen[f.name] = true
      assert.is_true(TYPES[f.type] ~= nil, f.name)
      assert.is_true(#f.kinds >= 1, f.name)
      for _, k in ipairs(f.kinds) do
        assert.is_true(KINDS[k] ~= nil, f.name .. ": " .. k)
      end
      -- code (issue 23) is computed from the codebooks when a query or facet asks for
      -- it; it becomes a row key with the exports' code columns (issue 23, item 3)
      if f.name ~= "code" then
        assert.is_true(f.record ~= f.measure, f.name .. ": a record's key or a measure row's")
      end
      assert.is_true(#f.description > 10, f.name)
      if f.also then
        assert.is_not_nil(fields.BY_NAME[f.also], f.name)
      end
    end
  end)

  it("gives record tables exactly its record fields, in every script", function()
    -- the digest, and a later edition for the fields only it fills (docno, date_to)
    local edition = (os.getenv("BQW_SOURCE_DIR") or ".") .. "/tests/fixtures/digest-edition.txt"
    local used = {}
    -- (default_path() is nil for the embedded digest: a pair, not a list, of paths)
    for _, path in pairs({ digest = bqw.default_path() or false, edition = edition }) do
      local raw = assert(core.load(path or nil))
      for _, script in ipairs({ "original", "hans", "hant" }) do
        for _, r in ipairs(raw:records(1, raw:count(), script)) do
        for k, v in pairs(r) do
          local f = fields.BY_NAME[k]
          assert(f and f.record, ("record %d has %s, no record field"):format(r.id, k))
          local kind_ok = false
          for _, kind in ipairs(f.kinds) do
            kind_ok = kind_ok or kind == r.kind
          end
          assert(kind_ok, ("record %d (%s) has %s"):format(r.id, r.kind, k))
          local want = (f.type == "integer" and "number") or (fields.LIST[k] and "table") or "string"
          assert.equal(want, type(v), k)
          used[k] = true
        end
      end
      end
    end
    for _, name in ipairs(fields.RECORD) do
      assert(used[name], name .. " is in no record of the digest or the edition")
    end
  end)

  it("orders JSON keys, lists every column set's fields and finds each filter word", function()
    local at
    for i, k in ipairs(json.KEY_ORDER) do
      if k == fields.NAMES[1] then
        at = i
        break
      end
    end
    assert.is_not_nil(at)
    for i, name in ipairs(fields.NAMES) do
      assert.equal(name, json.KEY_ORDER[at + i - 1])
      assert.equal(fields.LIST[name] == true, json.ARRAY_FIELDS[name] == true, name)
    end
    for set, names in pairs(fields.COLUMNS) do
      local seen = {}
      for _, name in ipairs(names) do
        assert(fields.BY_NAME[name], set .. ": " .. name)
        assert(not seen[name], set .. ": " .. name .. " twice")
        seen[name] = true
      end
    end
    -- every row key: every field but code (issue 23: no row key until the exports' code columns)
    assert.equal(#fields.NAMES - 1, #fields.COLUMNS.ndjson, "ndjson orders every row key")
    for _, name in ipairs(fields.COLUMNS.flat_measure) do
      assert.is_false(fields.BY_NAME[name].measures, name)
    end
    for _, name in ipairs(fields.COLUMNS.flat_record) do
      assert.is_false(fields.BY_NAME[name].measure, name)
    end
    assert.equal("issuers", fields.BY_FILTER.issuer.name)
    assert.equal("years", fields.BY_FILTER.year.name)
  end)

  it("is what bqw fields prints, as a table and as JSON", function()
    local out, err, code = H.bqw({ "fields" })
    assert.equal(0, code, err)
    local lines = {}
    for line in out:gmatch("[^\n]+") do
      lines[#lines + 1] = line
    end
    assert.equal(#fields.ALL + 1, #lines)
    assert.truthy(lines[1]:find("^FIELD%s+FILTER%s+TYPE%s+KINDS%s+USE%s+DESCRIPTION$"))
    for i, f in ipairs(fields.ALL) do
      local name, filter, type_ = lines[i + 1]:match("^(%S+)%s+(%S+)%s+(%S+)")
      assert.equal(f.name, name)
      assert.equal(f.filter or "-", filter)
      assert.equal(f.type, type_)
      assert.truthy(lines[i + 1]:find(f.description, 1, true), f.name)
    end
    out, err, code = H.bqw({ "fields", "--json" })
    assert.equal(0, code, err)
    assert.same(core.schema(), json.decode(out))
  end)

  it("fills the field tables of README.md and doc/bqw.txt, and the check fails when one is stale", function()
    local gen = H.root .. "/tools/gen_fields_ref.lua"
    local readme = H.read_file(H.root .. "/README.md")
    local doc = H.read_file(H.root .. "/doc/bqw.txt")
    for _, f in ipairs(fields.ALL) do
      assert.truthy(readme:find("| `" .. f.name .. "` |", 1, true), f.name)
      assert.truthy(doc:find("\n    " .. f.name .. " ", 1, true), f.name)
    end
    local r, d = H.temp_file(readme, ".md"), H.temp_file(doc, ".txt")
    local out, err, code = H.bqw({ "run", gen, "check", r, d })
    assert.equal(0, code, err)
    assert.truthy(out:find("fields reference ok", 1, true))
    -- a description edited by hand in either is stale
    H.write_file(r, (readme:gsub("source line where the record starts", "where it starts")))
    out, err, code = H.bqw({ "run", gen, "check", r, d })
    assert.equal(1, code, out)
    assert.truthy(err:find(r .. ": error: the field table differs", 1, true), err)
    H.write_file(r, readme)
    H.write_file(d, (doc:gsub("source line where the record starts", "where it starts")))
    out, err, code = H.bqw({ "run", gen, "check", r, d })
    assert.equal(1, code, out)
    assert.truthy(err:find(d .. ": error: the field table differs", 1, true), err)
    -- and write makes them fresh again
    local _, werr, wcode = H.bqw({ "run", gen, "write", r, d })
    assert.equal(0, wcode, werr)
    assert.equal(doc, H.read_file(d))
    os.remove(r)
    os.remove(d)
  end)
end)
