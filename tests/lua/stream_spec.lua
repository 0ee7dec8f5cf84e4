-- Records streamed: queries build one record at a time, export plugins receive rows
-- one at a time (begin / record / finish, or an iterator), and a plugin written for
-- the first contract (an array) still works.
local bqw = require("bqw")
local H = require("tests.lua.helpers")
local plugin_dir = H.plugin_dir

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

describe("filters the core tests", function()
  local core = require("bqw.core")
  local query = require("bqw.query")
  local EXPRESSIONS = {
    "kind=city",
    "level=province",
    "section=city",
    "section=province",
    "section~政策",
    "category=縣域發展",
    "category~縣域",
    "city=广州",
    "city=廣州",
    "city~州",
    "region=粤北",
    "region=粵北",
    "region!=粤北",
    "year>=2025",
    "year=2023..2025",
    "year<2023",
    "year>2025",
    "year<=2024",
    "year<99999999999999999999",
    "id>=40",
    "id=1..21",
    "not kind=city",
    "kind=city or year=2027",
    "(region=粤北 or region=粤东) and not year>2025",
    "kind=document text~振兴",
    "kind=target year=2027",
  }

  --- The ids a query finds: through the core's filters (a dataset) and through the
  --- filter plugins alone (an array of the same records, which the core cannot test).
  local function both(handle, ds, expr)
    local via_core, via_lua = {}, {}
    for r in ds:query(expr, { script = "original" }):iter() do
      via_core[#via_core + 1] = r.id
    end
    local records = handle:records()
    for r in query.new(records, { dataset = ds }):where(expr):iter() do
      via_lua[#via_lua + 1] = r.id
    end
    return via_core, via_lua
  end

  it("find what the filter plugins find, on the digest and a generated corpus", function()
    local path = os.tmpname()
    assert.truthy(os.execute(("lua5.4 %s/bench/gen_corpus.lua 1 %s 2>/dev/null"):format(
      require("tests.lua.helpers").quote(require("tests.lua.helpers").root), path)))
    for _, file in ipairs({ false, path }) do
      local ds = assert(file and bqw.load(file) or bqw.load())
      local handle = file and core.load(file) or core.load()
      local nonempty = 0
      for _, expr in ipairs(EXPRESSIONS) do
        local a, b = both(handle, ds, expr)
        assert.same(b, a, expr)
        nonempty = nonempty + (#a > 0 and 1 or 0)
      end
      assert.is_true(nonempty >= #EXPRESSIONS - 2)
      handle:close()
    end
    os.remove(path)
  end)

  it("build no record that fails them", function()
    local handle = core.load()
    local built = 0
    local q = query.new({
      count = handle:count(),
      get = function(id)
        built = built + 1
        return handle:record(id)
      end,
      compile = function(expr)
        return handle:query_compile(expr)
      end,
      next_match = function(f, from)
        return handle:next_match(f, from)
      end,
    }):where("kind=city region=粤北")
    local ids = {}
    for r in q:iter() do
      ids[#ids + 1] = r.id
    end
    assert.equal(5, #ids)
    assert.equal(5, built)
    assert.equal(5, q:count())
    assert.equal(5, built) -- counting builds nothing
    handle:close()
  end)

  it("combine a user filter with the engine's in one expression (issue 19)", function()
    local dir = plugin_dir({
      ["filter/even.lua"] = 'return { name = "even", kind = "filter", description = "even ids", ops = { "=" }, '
        .. 'parse = function(v) if v ~= "yes" and v ~= "no" then return nil, "yes or no" end return v end, '
        .. 'match = function(r, _, v) return (r.id % 2 == 0) == (v == "yes") end }',
      ["filter/boom.lua"] = 'return { name = "boom", kind = "filter", description = "fails", '
        .. 'match = function(r) if r.id == 7 then error("boom at 7", 0) end return true end }',
    })
    bqw.setup({ plugin_path = { dir } })
    local ds = assert(bqw.load())
    local want = {}
    for r in ds:query("region~粵"):iter() do
      if r.id % 2 == 0 then
        want[#want + 1] = r.id
      end
    end
    local got = {}
    for r in ds:query("region~粵 even=yes"):iter() do
      got[#got + 1] = r.id
    end
    local n = ds:query("even=no or kind=city"):count()
    local refused, bad = ds:query("kind=city even=maybe")
    local run_ok, run_err = pcall(function()
      return ds:query("boom=1 kind=document"):count()
    end)
    bqw.setup({ plugin_path = false })
    os.execute("rm -rf '" .. dir .. "'")
    assert.is_true(#want > 0)
    assert.same(want, got)
    assert.is_true(n > 21)
    assert.is_nil(refused)
    assert.truthy(bad:find("--where:1:16: error: bad value for even: yes or no", 1, true), bad)
    assert.is_false(run_ok)
    assert.truthy(tostring(run_err):find("plugin boom (" .. dir .. "/filter/boom.lua): error: boom at 7", 1, true), run_err)
  end)

  it("leave a replaced filter plugin to Lua", function()
    local dir = plugin_dir({
      ["filter/kind.lua"] = 'return { name = "kind", kind = "filter", description = "x", '
        .. 'match = function(r) return r.id == 3 end }',
    })
    bqw.setup({ plugin_path = { dir } })
    local ds = assert(bqw.load())
    local ids = {}
    for r in ds:query("kind=city"):iter() do
      ids[#ids + 1] = r.id
    end
    bqw.setup({ plugin_path = false })
    os.execute("rm -rf '" .. dir .. "'")
    assert.same({ 3 }, ids)
  end)
end)

describe("search hits", function()
  it("carry the text in the script and the spans the core found in it", function()
    local core = require("bqw.core")
    local ds = assert(bqw.load())
    local checked = 0
    for _, script in ipairs({ "hans", "hant", "original" }) do
      for _, q in ipairs({ { "乡村振兴" }, { "广州" }, { "粵北" }, { "xczx", true }, { "2025年" } }) do
        local result = assert(ds:search(q[1], { script = script, pinyin = q[2], limit = 500 }))
        for _, hit in ipairs(result.hits) do
          local want = hit.field == "measure" and hit.record.measures[hit.item] or hit.record[hit.field]
          assert.equal(want, hit.text)
          assert.same(core.match_spans(want, q[1], q[2]), hit.spans)
          assert.is_true(#hit.spans > 0)
          checked = checked + 1
        end
      end
    end
    assert.is_true(checked > 50)
  end)
end)

describe("the xlsx export", function()
  local core = require("bqw.core")
  if not core.xlsx then
    return
  end

  it("writes each row to the workbook before the next record is built", function()
    local ds = assert(bqw.load())
    local tested, rows_at_test = 0, {}
    local real = core.xlsx
    local cells_by_row = {}
    core.xlsx = function(path)
      local wb = assert(real(path))
      -- a proxy that notes which rows of the first sheet have been written
      return setmetatable({
        cell = function(_, sheet, row, ...)
          if sheet == 1 then
            cells_by_row[row] = true
          end
          return wb:cell(sheet, row, ...)
        end,
      }, {
        __index = function(_, k)
          local f = wb[k]
          return function(_, ...)
            return f(wb, ...)
          end
        end,
      })
    end
    local ok, err = pcall(function()
      assert(ds:export("xlsx", {
        stream = { write = function(self)
          return self
        end },
        where = function()
          tested = tested + 1
          local n = 0
          for _ in pairs(cells_by_row) do
            n = n + 1
          end
          rows_at_test[tested] = n
          return true
        end,
      }))
    end)
    core.xlsx = real
    assert(ok, err)
    assert.equal(ds:count(), tested)
    -- when record k is tested, the header and the k - 1 rows before it are written
    for k = 1, tested do
      assert.equal(k, rows_at_test[k], "record " .. k)
    end
  end)
end)

describe("the sqlite export", function()
  local core = require("bqw.core")
  if not core.sqlite then
    return
  end

  it("inserts each record before the next record is built", function()
    local ds = assert(bqw.load())
    local tested, inserted, at_test = 0, 0, {}
    local real = core.sqlite
    core.sqlite = function(path)
      local db = assert(real(path))
      local record_stmt
      return setmetatable({
        prepare = function(_, sql)
          local n, err = db:prepare(sql)
          if sql:find("^INSERT INTO records ") then
            record_stmt = n
          end
          return n, err
        end,
        run = function(_, stmt, ...)
          if stmt == record_stmt then
            inserted = inserted + 1
          end
          return db:run(stmt, ...)
        end,
      }, {
        __index = function(_, k)
          local f = db[k]
          return function(_, ...)
            return f(db, ...)
          end
        end,
      })
    end
    local ok, err = pcall(function()
      assert(ds:export("sqlite", {
        stream = { write = function(self)
          return self
        end },
        where = function()
          tested = tested + 1
          at_test[tested] = inserted
          return true
        end,
      }))
    end)
    core.sqlite = real
    assert(ok, err)
    assert.equal(ds:count(), tested)
    assert.equal(ds:count(), inserted)
    for k = 1, tested do
      assert.equal(k - 1, at_test[k], "record " .. k)
    end
  end)
end)

describe("the xlsx export of a long cell", function()
  local core = require("bqw.core")
  if not core.xlsx then
    return
  end

  it("cuts a cell over Excel's limit and warns through opts.warn, naming the record and line", function()
    local lines = H.digest_lines()
    assert.truthy(lines[12]:find("^◎"))
    lines[12] = "◎" .. ("探索雙向飛地經濟模式"):rep(4000) -- 40,001 characters on line 12
    local path = H.temp_file(table.concat(lines, "\n"))
    local ds = assert(bqw.load(path))
    local warnings, cuts = {}, {}
    local real = core.xlsx
    core.xlsx = function(p)
      local wb = assert(real(p))
      return setmetatable({
        cell = function(_, ...)
          local ok, cut = wb:cell(...)
          cuts[#cuts + 1] = cut
          return ok, cut
        end,
      }, {
        __index = function(_, k)
          local f = wb[k]
          return function(_, ...)
            return f(wb, ...)
          end
        end,
      })
    end
    local ok, err = pcall(function()
      for _, shape in ipairs({ "record", "measure" }) do
        assert(ds:export("xlsx", {
          shape = shape,
          stream = { write = function(self)
            return self
          end },
          warn = function(message)
            warnings[#warnings + 1] = message
          end,
        }))
      end
    end)
    core.xlsx = real
    os.remove(path)
    assert(ok, err)
    assert.equal(2, #warnings)
    assert.equal(2, #cuts)
    local r = ds:record(1)
    assert.equal(12, r.measure_lines[3])
    local at = path .. ":" .. r.line .. ":1: warning: export xlsx: record 1, column measures: "
    assert.truthy(warnings[1]:find(at, 1, true), warnings[1])
    at = path .. ":12:1: warning: export xlsx: record 1, column measure: 40000 characters"
    assert.truthy(warnings[2]:find(at, 1, true), warnings[2])
    -- 40,000 characters less what fits beside the marker
    assert.truthy(cuts[2] > 40000 - 32767 and cuts[2] < 40000 - 32767 + 100, cuts[2])
  end)
end)
