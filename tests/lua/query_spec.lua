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

  it("chains where, sort, limit, count, iteration", function()
    local q = ds:query({ kind = "city" })
    assert.equal(21, q:count())
    local sorted = q:sort("city"):all()
    assert.equal("东莞", sorted[1].city)
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
  local function err(expr)
    local tree, e = query.parse(expr)
    assert.is_nil(tree, expr)
    return e
  end

  it("points at the offending character", function()
    local e = err("region=粤北 yaer>=2025")
    assert.equal(11, e.column)
    assert.truthy(e.message:find('unknown filter "yaer", did you mean "year"?', 1, true))
    assert.truthy(tostring(e):find("\n  region=粤北 yaer>=2025\n            ^", 1, true), tostring(e))
    e = err("region=粤北 and (year>=2025")
    assert.truthy(e.message:find("expected ) to close the ( at column 15", 1, true))
    e = err("year>=soon")
    assert.equal(7, e.column)
    assert.truthy(e.message:find("bad value for year", 1, true))
    e = err("kind~doc")
    assert.truthy(e.message:find('filter "kind" does not take ~', 1, true))
    assert.equal(5, e.column)
    e = err("text~'open")
    assert.truthy(e.message:find("unterminated quoted value", 1, true))
    assert.equal(6, e.column)
    assert.truthy(err("region=").message:find("expected a value after region=", 1, true))
    assert.truthy(err("(kind=city").message:find("expected )", 1, true))
    assert.truthy(err("kind=city)").message:find("unmatched )", 1, true))
    assert.truthy(err("or kind=city").message:find("unknown filter", 1, true))
  end)

  it("takes quoted values with spaces, operators and escapes", function()
    local tree = assert(query.parse([[text~"a b=c" or text~'it\'s']]))
    assert.equal("or", tree.op)
    assert.equal("a b=c", tree[1].value)
    assert.equal("it's", tree[2].value)
  end)

  it("never runs user text as code", function()
    local ds = assert(bqw.load())
    _G.bqw_pwned = nil
    assert.equal(0, ds:query([[text~"]] .. [[\"); bqw_pwned = true; --"]]):count())
    assert.is_nil(_G.bqw_pwned)
    assert.is_nil((query.parse("os.exit(1)")))
  end)
end)
