-- Filters, their composition, the chainable query and the --where language.
local bqw = require("bqw")
local query = require("bqw.query")

local function ids(list)
  local out = {}
  for i, r in ipairs(list) do
    out[i] = r.id
  end
  return out
end

describe("ds:query", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("takes a table of filters (and)", function()
    -- 粤北's entries: only 韶关 (line 84) names 2027
    assert.same({ 27 }, ids(ds:query({ region = "粤北", year = 2027 }):all()))
    assert.same({ 27, 36, 37, 40 }, ids(ds:query({ year = 2027, level = "city" }):all()))
    assert.same({ 31, 46 }, ids(ds:query({ year = ">2027" }):all()))
    assert.same({ 26, 30, 32, 38, 39 }, ids(ds:query({ year = { "=", 2025 }, kind = "city" }):all()))
  end)

  it("answers each filter", function()
    local function count(expr)
      return ds:query(expr):count()
    end
    assert.equal(21, count("kind=document"))
    assert.equal(21, count("level=city"))
    assert.equal(35, count("level=province"))
    assert.equal(10, count("section=timeline"))
    assert.equal(10, count("section=“百千萬工程”重要會議一覽"))
    assert.equal(3, count("category=鄉村振興"))
    assert.equal(1, count("city=广州"))
    assert.equal(1, count("city=廣州"))
    assert.equal(5, count("region=粤北"))
    assert.equal(5, count("region=粵北"))
    assert.equal(1, count("issuer=广东省交通运输厅"))
    assert.equal(1, count("issuer=廣東省交通運輸廳"))
    assert.equal(3, count("issuer~厅"))
    assert.equal(2, count("doctype=通知"))
    assert.equal(1, count("doctype=导则"))
    assert.equal(8, count("doctype=意见")) -- 9, 12, 16, 26, 31, 35, 36, 39
    assert.equal(1, count("mentions=深汕合作区"))
    assert.same({ 12, 34, 35, 38 }, ids(ds:query("text~潛力板"):all())) -- lines 44, 110, 113, 123
    assert.equal(1, count("id=12"))
    assert.equal(21, count("id=1..21"))
  end)

  it("compares years: =, >=, <=, >, <, ranges", function()
    assert.same({ 26, 30, 32, 38, 39 }, ids(ds:query("level=city year=2025"):all()))
    local ge = ds:query("year>=2027"):count()
    local eq27, eq35 = ds:query("year=2027"):count(), ds:query("year=2035"):count()
    assert.is_true(ge >= eq27 and ge >= eq35 and ge > 0)
    -- a range asks for one year inside it
    local in_range = ds:query():where(function(r)
      for _, y in ipairs(r.years) do
        if y >= 2023 and y <= 2025 then
          return true
        end
      end
      return false
    end)
    assert.equal(in_range:count(), ds:query("year=2023..2025"):count())
    assert.equal(0, ds:query("year<2022"):count())
    assert.same({ 31, 46 }, ids(ds:query("year>2027"):all()))
    assert.same({ 13, 15, 18, 27, 31, 36, 37, 40, 45, 46 }, ids(ds:query("year>=2027"):all()))
  end)

  it("composes with or, not and parentheses", function()
    assert.equal(9, ds:query("region=粤北 or region=粤东"):count())
    assert.equal(16, ds:query("level=city not region=粤北"):count())
    assert.equal(16, ds:query("level=city region!=粤北"):count())
    assert.equal(
      ds:query("kind=city (region=粤北 or region=粤西) year=2027"):count(),
      ds:query("kind=city region=粤北 year=2027"):count() + ds:query("kind=city region=粤西 year=2027"):count()
    )
    assert.equal(ds:count() - 21, ds:query("not kind=document"):count())
    assert.equal(3, ds:query([[text~"潛力板" and not city=江门]]):count())
  end)

  it("sorts with a host's tick: stable, the same order, and ticking while it sorts", function()
    -- a host's coroutine yields in the tick: a sort of 100,000s of records must tick
    -- while it compares, not only while it scans (table.sort cannot yield)
    local records = {}
    for i = 1, 3000 do
      records[i] = { id = i, n = (i * 7919) % 17 }
    end
    local function scan_ticks(q)
      local ticks = 0
      q._ctx.tick = function()
        ticks = ticks + 1
      end
      return q, function()
        return ticks
      end
    end
    local plain, plain_ticks = scan_ticks(query.new(records, {}))
    local want = ids(plain:all())
    local q, ticks = scan_ticks(query.new(records, {}))
    local got = q:sort(function(a, b)
      return a.n < b.n
    end):all()
    assert.equal(3000, #got)
    for i = 2, #got do
      local a, b = got[i - 1], got[i]
      assert.is_true(a.n < b.n or (a.n == b.n and a.id < b.id), "stable at " .. i)
    end
    assert.equal(#want, #got)
    -- 3000 records take ~30,000 comparisons: many more ticks than scanning alone
    assert.is_true(ticks() > plain_ticks() + 50, ("ticks %d, scan alone %d"):format(ticks(), plain_ticks()))
  end)

  it("chains where, sort, limit, count, iteration", function()
    local q = ds:query({ kind = "city" })
    assert.equal(21, q:count())
    local sorted = q:sort("city"):all()
    assert.equal("潮州", sorted[1].city) -- pinyin order: chao < dong
    assert.equal("东莞", sorted[2].city)
    local last3 = ids(q:sort("-id"):limit(3):all())
    assert.same({ 42, 41, 40 }, last3)
    local n = 0
    for r in q:where(function(r)
      return #r.measures == 2
    end):iter() do
      n = n + 1
      assert.equal(2, #r.measures)
    end
    assert.equal(11, n)
    assert.equal("广州", q:first().city)
    -- queries do not share state
    assert.equal(21, q:count())
  end)

  it("returns copies that do not change the dataset", function()
    local r = ds:query("id=1"):first()
    r.title = "changed"
    r.measures[1] = "changed"
    assert.are_not.equal("changed", ds:query("id=1"):first().title)
    assert.are_not.equal("changed", ds:query("id=1"):first().measures[1])
  end)
end)

describe("the --where language", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  --- The engine's refusal of expr: { text = the caret message, column, message }.
  local function err(expr)
    local q, text = ds:query(expr)
    assert.is_nil(q, expr)
    local col, message = text:match("^%-%-where:1:(%d+): error: ([^\n]*)")
    return { text = text, column = tonumber(col), message = message }
  end

  it("points at the offending character", function()
    local e = err("region=粤北 yaer>=2025")
    assert.equal(11, e.column)
    assert.truthy(e.message:find('unknown filter "yaer", did you mean "year"?', 1, true))
    assert.truthy(e.text:find("\n  region=粤北 yaer>=2025\n            ^", 1, true), e.text)
    e = err("region=粤北 and (year>=2025")
    assert.truthy(e.message:find("expected ) to close the ( at column 15", 1, true))
    e = err("year>=soon")
    assert.equal(7, e.column)
    assert.truthy(e.message:find("bad value for year", 1, true))
    e = err("kind>doc") -- kind~doc is a containment test since issue 19
    assert.truthy(e.message:find('filter "kind" does not take >', 1, true))
    assert.equal(5, e.column)
    e = err("text~'open")
    assert.truthy(e.message:find("unterminated quoted value", 1, true))
    assert.equal(6, e.column)
    assert.truthy(err("region=").message:find("expected a value after region=", 1, true))
    assert.truthy(err("(kind=city").message:find("expected )", 1, true))
    assert.truthy(err("kind=city)").message:find("unmatched )", 1, true))
    assert.truthy(err("or kind=city").message:find("unknown filter", 1, true))
    -- an empty or blank expression is no filter: every record (issue 19)
    assert.equal(ds:count(), ds:query("  "):count())
    assert.equal(ds:count(), ds:query(""):count())
  end)

  it("takes quoted values with spaces, operators and escapes", function()
    assert.truthy(ds:query([[text~"a b=c" or text~'it\'s']]))
    local n = ds:query("city=广州"):count()
    assert.is_true(n > 0)
    assert.equal(n, ds:query([[city="广州" or city='广\州']]):count())
    assert.equal(n, ds:query({ city = "广州" }):count())
    -- a table's value is quoted: its spaces and operators are the value's
    assert.equal(0, ds:query({ text = "no such) or (kind=city" }):count())
  end)

  it("never runs user text as code", function()
    _G.bqw_pwned = nil
    assert.equal(0, ds:query([[text~"]] .. [[\"); bqw_pwned = true; --"]]):count())
    assert.is_nil(_G.bqw_pwned)
    assert.is_nil((ds:query("os.exit(1)")))
  end)
end)

describe("sorting in pinyin order", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  local function cities(list)
    local out = {}
    for i, r in ipairs(list) do
      out[i] = r.city
    end
    return out
  end

  it("orders Chinese text by pinyin, not by code point", function()
    local got = cities(ds:query({ kind = "city" }):sort("city"):all())
    assert.same({ "潮州", "东莞", "佛山", "广州", "河源", "惠州", "江门", "揭阳", "茂名", "梅州", "清远",
      "汕头", "汕尾", "韶关", "深圳", "阳江", "云浮", "湛江", "肇庆", "中山", "珠海" }, got)
    -- descending is the exact reverse (the names are distinct)
    local down = cities(ds:query({ kind = "city" }):sort("-city"):all())
    for i = 1, #got do
      assert.equal(got[i], down[#got + 1 - i])
    end
    assert.same(down, cities(ds:query({ kind = "city" }):sort("city", true):all()))
  end)

  it("takes several keys, numbers numerically, missing values last", function()
    local rs = ds:query({ kind = "city" }):sort("region,-id"):all()
    assert.equal("珠三角", rs[#rs].region) -- zhu after yue
    for i = 2, #rs do
      if rs[i].region == rs[i - 1].region then
        assert.is_true(rs[i].id < rs[i - 1].id)
      end
    end
    local by_year = ds:query():sort("period_from"):all()
    assert.equal(2022, by_year[1].period_from)
    assert.is_nil(by_year[#by_year].period_from)
    local collate = require("bqw.collate")
    assert.is_true(collate.less(9, 10)) -- not "10" < "9"
    assert.is_true(collate.less(2025, "二〇二五"))
    assert.is_true(collate.less("潮州", "东莞"))
    assert.is_false(collate.less("东莞", "东莞"))
    assert.same({ "广州", "佛山", "东莞" }, collate.sort({ "东莞", "广州", "佛山" }) and { "广州", "佛山", "东莞" })
    assert.same({ "东莞", "佛山", "广州" }, collate.sort({ "广州", "东莞", "佛山" }))
  end)

  it("names an unknown field", function()
    -- the schema's sortable fields, named in alphabetical order
    local sortable = {}
    for _, f in ipairs(require("bqw.fields").ALL) do
      if f.sort then
        sortable[#sortable + 1] = f.name
      end
    end
    table.sort(sortable)
    assert.is_true(#sortable > 20)
    assert.has_error(function()
      ds:query():sort("town")
    end, ('bqw: sort: unknown sort field "town" (fields: %s)'):format(table.concat(sortable, ", ")))
  end)

  it("orders views and exports with the sort option", function()
    local v = assert(ds:view("table", { where = "kind=city", sort = "city", columns = { "city" } }))
    assert.equal("潮州", v.lines[3]:match("^(%S+)"))
    local csv = assert(ds:export("csv", { where = "kind=city", sort = "-city", columns = "city" }))
    assert.equal("city\r\n珠海\r\n", csv:sub(1, #"city\r\n珠海\r\n"))
  end)
end)

describe("ds:facet", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("counts what --where selects, for every field", function()
    -- the digest, and an edition that fills the fields it leaves empty (docno_*)
    local edition = assert(bqw.load(os.getenv("BQW_SOURCE_DIR") .. "/tests/fixtures/digest-edition.txt"))
    for _, field in ipairs(require("bqw.facet").NAMES) do
      local total = 0
      for _, d in ipairs({ ds, edition }) do
        local counts = assert(d:facet(field))
        total = total + #counts
        for i, c in ipairs(counts) do
          local expr = ("%s=%q"):format(field, tostring(c.value))
          assert.equal(d:query(expr):count(), c.count, expr)
          if i > 1 then
            local p = counts[i - 1]
            assert.is_true(p.count > c.count or (p.count == c.count and require("bqw.collate").less(p.value, c.value)))
          end
        end
      end
      assert.is_true(total > 0, field)
    end
  end)

  it("gives values in the script asked for, which --where takes back", function()
    for _, script in ipairs({ "hant", "original" }) do
      for _, field in ipairs({ "category", "doctype", "region", "issuer" }) do
        for _, c in ipairs(assert(ds:facet(field, { script = script }))) do
          local expr = ("%s=%q"):format(field, tostring(c.value))
          assert.equal(ds:query(expr):count(), c.count, script .. " " .. expr)
        end
      end
    end
    local hant = {}
    for _, c in ipairs(ds:facet("doctype", { script = "hant" })) do
      hant[c.value] = c.count
    end
    assert.equal(8, hant["意見"])
  end)

  it("gives the regions of the city entries, narrowed by where", function()
    assert.same({
      { value = "珠三角", count = 9 },
      { value = "粤北", count = 5 },
      { value = "粤东", count = 4 },
      { value = "粤西", count = 3 },
    }, ds:facet("region"))
    assert.same({ { value = "珠三角", count = 9 } }, ds:facet("region", { where = "city=广州 or city=深圳 or region=珠三角" }))
    local years = ds:facet("year")
    assert.equal("number", type(years[1].value))
  end)

  it("counts in the core what Lua counts over the records (every field, script, a where the core tests and one it cannot)", function()
    local facet = require("bqw.facet")
    for _, script in ipairs({ "hans", "hant", "original" }) do
      for _, where in ipairs({ false, "kind=document or region=粤北", "text~发展", "issuer~广东" }) do
        for _, field in ipairs(facet.NAMES) do
          -- code is no record key: tests/lua/code_spec.lua checks its facet against
          -- the codings
          if field ~= "code" then
            local q = ds:query(where or nil, { script = script })
            local oracle = facet.count(q:all(), field)
            local got = assert(ds:facet(field, { where = where or nil, script = script }))
            assert.same(oracle, got, ("%s %s %s"):format(script, tostring(where), field))
          end
        end
      end
    end
    -- the core path is the one taken when the core tests the whole where
    local q = ds:query("kind=document")
    assert.is_true((q:_core_filter()))
    assert.is_true((ds:query("text~发展"):_core_filter()))
    -- every built-in filter is the engine's (issue 19): issuer~ too
    assert.is_true((ds:query("issuer~广东"):_core_filter()))
  end)

  it("tests text~ in the core with the records the search index finds", function()
    local function found(r, words)
      return ds:_search_ids(words)[r.id] == true
    end
    local reference = {
      ["text~发展"] = function(r, s)
        return s(r, "发展")
      end,
      ["text=振興"] = function(r, s)
        return s(r, "振興")
      end,
      ["text~广州 or region=粤北"] = function(r, s)
        return s(r, "广州") or r.region == "粤北"
      end,
      ["not text~乡村"] = function(r, s)
        return not s(r, "乡村")
      end,
      [ [[text~"潛力板" and not city=江门]] ] = function(r, s)
        return s(r, "潛力板") and r.city ~= "江门"
      end,
      ["text~乡村振兴 and year>=2024"] = function(r, s)
        local any = false -- the filter year tests every year a record names (years)
        for _, y in ipairs(r.years or {}) do
          any = any or y >= 2024
        end
        return s(r, "乡村振兴") and any
      end,
      ["text~没有这样的话"] = function(r, s)
        return s(r, "没有这样的话")
      end,
    }
    for _, where in ipairs({
      "text~发展",
      "text=振興",
      "text~广州 or region=粤北",
      "not text~乡村",
      [[text~"潛力板" and not city=江门]],
      "text~乡村振兴 and year>=2024",
      "text~没有这样的话",
    }) do
      local q = ds:query(where)
      assert.is_true((q:_core_filter()), where)
      -- the expression written out in Lua over every record, each text~ a lookup in
      -- the search index (ds:_search_ids), not the query engine
      local pred = reference[where]
      local want = {}
      for _, r in ipairs(ds:query():all()) do
        if pred(r, found) then
          want[#want + 1] = r.id
        end
      end
      assert.same(want, ids(q:all()), where)
      assert.equal(#want, q:count(), where)
    end
    -- a search the index refuses is a bad value, with a caret under it (issue 19),
    -- returned as nil, message, name
    local q, err, name = ds:query([[text~" "]])
    assert.is_nil(q)
    assert.equal('--where:1:6: error: bad value for text: empty search query: give some text to find\n'
      .. '  text~" "\n       ^', err)
    assert.equal("EINVAL", name)
  end)

  it("names an unknown field and a bad where", function()
    local counts, err = ds:facet("town")
    assert.is_nil(counts)
    assert.equal('unknown facet field "town" (fields: kind, section, section_title, category, city, region, action, '
      .. 'docno_issuer, docno_year, level, issuer, doctype, year, mentions, code)', err)
    counts, err = ds:facet("region", { where = "region=" })
    assert.is_nil(counts)
    assert.truthy(err:find("^%-%-where:1:"))
  end)
end)

describe("the overview view", function()
  it("counts through the core's facets: it builds only the meetings and targets it lists", function()
    local ds = assert(bqw.load())
    local methods = getmetatable(ds._handle).__index
    local real, built = methods.record, {}
    methods.record = function(h, id, ...)
      built[#built + 1] = id
      return real(h, id, ...)
    end
    local ok, result = pcall(ds.view, ds, "overview", { width = 100 })
    methods.record = real
    assert(ok, result)
    assert(result, "no view")
    local listed = ds:query("kind=meeting or kind=target"):count()
    assert.equal(listed, #built)
    for _, id in ipairs(built) do
      local kind = ds:record(id).kind
      assert.truthy(kind == "meeting" or kind == "target", kind)
    end
    -- and draws what counting the records in Lua draws
    local text = table.concat(result.lines, "\n")
    assert.truthy(text:find("全省政策%s+21 documents, 31 measures"))
    assert.truthy(text:find("63 measures in all %(31 provincial, 32 city%)"))
  end)
end)
