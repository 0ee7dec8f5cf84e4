-- Records streamed: queries build one record at a time, export plugins receive rows
-- one at a time (begin / record / finish, or an iterator), and a plugin written for
-- the first contract (an array) still works.
local bqw = require("bqw")

local function mkdir_p(path)
  assert(os.execute("mkdir -p '" .. path .. "'"))
end

local function plugin_dir(files)
  local dir = os.tmpname()
  os.remove(dir)
  for name, text in pairs(files) do
    mkdir_p(dir .. "/" .. name:match("^(.*)/"))
    local fh = assert(io.open(dir .. "/" .. name, "w"))
    fh:write(text)
    fh:close()
  end
  return dir
end

-- The first contract: an array of records, read with # and ipairs, shaped by the helper.
local LIST_PLUGIN = [[
return {
  name = "listy", kind = "export", description = "first contract", shapes = { "record", "measure" },
  write = function(out, records, opts, ctx)
    out:write(#records, " records\n")
    for _, row in ipairs(ctx.util.rows(records, opts.shape)) do
      out:write(row.id, " ", row.measure_index or "-", "\n")
      ctx.tick()
    end
  end,
}
]]

-- write(out, rows) with stream = true: rows is an iterator, read once.
local ITER_PLUGIN = [[
return {
  name = "itery", kind = "export", description = "iterator", shapes = { "record", "measure" },
  stream = true,
  write = function(out, rows, opts, ctx)
    assert(type(rows) == "function", "rows is an iterator")
    local n = 0
    for row in rows do
      n = n + 1
      out:write(row.id, " ", row.measure_index or "-", "\n")
      ctx.tick()
    end
    assert(rows() == nil, "an iterator read to its end stays at its end")
    out:write(n, " rows\n")
  end,
}
]]

-- begin / record / finish, with state kept in ctx.
local ENTRY_PLUGIN = [[
return {
  name = "entries", kind = "export", description = "entries", shapes = { "record", "measure" },
  begin = function(out, _, ctx)
    ctx.rows = 0
    out:write("begin\n")
  end,
  record = function(out, row, _, ctx)
    ctx.rows = ctx.rows + 1
    out:write(row.id, " ", row.measure_index or "-", "\n")
  end,
  finish = function(out, _, ctx)
    out:write(ctx.rows, " rows\n")
  end,
}
]]

describe("streamed records", function()
  local ds, dir
  setup(function()
    dir = plugin_dir({
      ["export/listy.lua"] = LIST_PLUGIN,
      ["export/itery.lua"] = ITER_PLUGIN,
      ["export/entries.lua"] = ENTRY_PLUGIN,
    })
    bqw.setup({ plugin_path = { dir } })
    ds = assert(bqw.load())
  end)
  teardown(function()
    bqw.setup({ plugin_path = false })
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("a query's iterator tests a record only when the loop asks for the next", function()
    local tested = 0
    local it = ds:query(function()
      tested = tested + 1
      return true
    end):iter()
    local first = it()
    assert.equal(1, first.id)
    assert.equal(1, tested)
    it()
    assert.equal(2, tested)
    assert.equal(1, ds:query():where(function(r)
      tested = tested + 1
      return r.id == 1
    end):first().id)
  end)

  it("an export writes its first row before the next record is built", function()
    local tested, at_write = 0, {}
    local sink = {
      write = function(self)
        at_write[#at_write + 1] = tested
        return self
      end,
    }
    assert(ds:export("entries", {
      stream = sink,
      where = function()
        tested = tested + 1
        return true
      end,
    }))
    assert.equal(0, at_write[1]) -- begin's header, before any record is built
    assert.equal(1, at_write[2]) -- the first row, before the second record is
    assert.equal(ds:count(), tested)
  end)

  it("gives the three contracts the same rows, in both shapes", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local listy = assert(ds:export("listy", { shape = shape, where = "kind=city" }))
      local itery = assert(ds:export("itery", { shape = shape, where = "kind=city" }))
      local entries = assert(ds:export("entries", { shape = shape, where = "kind=city" }))
      local body = listy:gsub("^%d+ records\n", "")
      assert.equal(21, tonumber(listy:match("^(%d+) records")))
      assert.equal(body, (itery:gsub("%d+ rows\n$", "")))
      assert.equal("begin\n" .. body, (entries:gsub("%d+ rows\n$", "")))
      local rows = select(2, body:gsub("\n", ""))
      assert.equal(shape == "record" and 21 or 32, rows)
      assert.equal(rows, tonumber(entries:match("(%d+) rows\n$")))
    end
  end)

  it("a background export slices a begin / record / finish plugin by itself", function()
    local out = os.tmpname()
    local loop = assert(bqw.loop())
    local progress, result = {}, nil
    assert(loop:export(ds, "entries", { output = out, slice = 10 }, {
      progress = function(done, total)
        progress[#progress + 1] = done .. "/" .. total
      end,
      done = function(ok, err)
        result = ok or err
      end,
    }))
    loop:run()
    loop:close()
    assert.is_true(result)
    assert.is_true(#progress >= 6, table.concat(progress, " "))
    local fh = assert(io.open(out, "rb"))
    local text = fh:read("a")
    fh:close()
    os.remove(out)
    assert.truthy(text:find("^begin\n1 %-\n"))
    assert.truthy(text:find("\n56 rows\n$"))
  end)

  it("refuses an export plugin with neither write nor record", function()
    local bad = plugin_dir({
      ["export/nothing.lua"] = 'return { name = "nothing", kind = "export", description = "x", begin = function() end }',
    })
    bqw.setup({ plugin_path = { bad, dir } })
    local _, err = ds:export("nothing")
    bqw.setup({ plugin_path = { dir } })
    os.execute("rm -rf '" .. bad .. "'")
    assert.truthy(err and err:find('needs a function "write"', 1, true), err)
  end)
end)
