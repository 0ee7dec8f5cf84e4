-- The --where language under hostile input: nothing loops, nothing overflows the
-- stack, every failure is a caret message (issue 10, items 1 and 9).
local bqw = require("bqw")
local H = require("tests.lua.helpers")

--- The query engine's answer for expr over ds (ds:query compiles, nothing runs): the
--- query, or nil and { text = the caret message, column, message }.
local function compile(ds, expr)
  local q, text = ds:query(expr)
  if q then
    return q
  end
  local col, message = tostring(text):match("^%-%-where:1:(%d+): error: ([^\n]*)")
  return nil, { text = text, column = tonumber(col), message = message }
end

--- Runs f with a hook that raises after `budget` VM instructions, so a regression that
--- loops fails the test instead of hanging the suite.
local function bounded(budget, f, ...)
  local args = table.pack(...)
  debug.sethook(function()
    debug.sethook()
    error("budget exhausted: the parser did not finish", 0)
  end, "", budget)
  local results = table.pack(pcall(f, table.unpack(args, 1, args.n)))
  debug.sethook()
  return table.unpack(results, 1, results.n)
end

--- H.bqw under a time limit: a regression that loops fails here instead of hanging.
local function bqw_bounded(words)
  local err_path = os.tmpname()
  local parts = { "timeout", "60", H.quote(H.exe) }
  for _, w in ipairs(words) do
    parts[#parts + 1] = H.quote(w)
  end
  local pipe = assert(io.popen(table.concat(parts, " ") .. " 2>" .. H.quote(err_path), "r"))
  local out = pipe:read("a")
  local _, _, code = pipe:close()
  local fh = assert(io.open(err_path, "rb"))
  local err = fh:read("a")
  fh:close()
  os.remove(err_path)
  return out, err, code
end

--- True when err is a clean failure: a caret message, or a message with no Lua source
--- position in it (a runtime error or a traceback would carry one).
local function clean(err)
  if type(err) == "table" then
    return type(err.text) == "string" and err.text:match("^%-%-where:1:%d+: error: ") ~= nil
  end
  return type(err) == "string" and not err:match("%.lua:%d+:") and not err:match("stack traceback")
end

describe("--where lexer", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("refuses a lone ! with a caret under it, instead of looping", function()
    for _, expr in ipairs({ "!", "year=2025 !", "! kind=city", "(!)", "kind=city and !", "!!" }) do
      local ok, tree, err = bounded(1e6, compile, ds, expr)
      assert.is_true(ok, tostring(tree))
      assert.is_nil(tree)
      assert.matches("a lone ! is not an operator", err.message, 1, true)
      assert.equal(expr:find("!", 1, true), err.column)
    end
  end)

  it("reads year!2025 as an unknown filter and suggests !=", function()
    local ok, tree, err = bounded(1e6, compile, ds, "year!2025")
    assert.is_true(ok, tostring(tree))
    assert.is_nil(tree)
    assert.matches('did you mean "year!=2025"?', err.text, 1, true)
  end)

  it("keeps a ! that ends a value inside the word", function()
    assert.truthy(compile(ds, "text~好!"))
    -- the value is the word with its "!", as quoted
    assert.equal(ds:query([[text~"好!" or text~"好！"]]):count(), ds:query("text~好! or text~好！"):count())
    assert.is_true(ds:query("text~好"):count() > ds:query("text~好!"):count())
    assert.equal(ds:count() - 5, compile(ds, "region!=粤北"):count())
  end)

  it("gives the CLI exit 2 and the caret message", function()
    local out, err, code = bqw_bounded({ "list", "--where", "year!2025" })
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^%-%-where:1:1: error: unknown filter", err)
    out, err, code = bqw_bounded({ "list", "--where", "year=2025 !" })
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^%-%-where:1:11: error: a lone ! is not an operator", err)
    assert.matches("\n  year=2025 !\n            %^", err)
  end)
end)

describe("--where semantics (issue 19)", function()
  it("gives one answer whatever else the expression holds, folding script, width and case", function()
    local function count(expr)
      local out, err, code = bqw_bounded({ "list", "--where", expr })
      assert.equal(0, code, err)
      return select(2, out:gsub("\n", ""))
    end
    assert.equal(12, count("region~粵"))
    assert.equal(12, count("region~粤"))
    assert.equal(12, count("region~粵 or kind=ｍｅｅｔｉｎｇ and year=1900"))
    assert.equal(1, count("city~廣"))
    assert.equal(count("section~会议"), count("section~會議"))
    assert.is_true(count("section~会议") > 0)
  end)

  it("refuses a value a closed vocabulary does not know, with a did-you-mean, exit 2", function()
    for expr, message in pairs({
      ["kind=meetings"] = '--where:1:6: error: unknown value "meetings" for kind, did you mean "meeting"? '
        .. "(kind: document, city, guiding, target, meeting, other)",
      ["region=华南"] = '--where:1:8: error: unknown value "华南" for region',
      ["level=county"] = '--where:1:7: error: unknown value "county" for level',
      ["city=zhuhai"] = '--where:1:6: error: unknown value "zhuhai" for city, did you mean "珠海"?',
    }) do
      local out, err, code = bqw_bounded({ "list", "--where", expr })
      assert.equal(2, code, expr)
      assert.equal("", out)
      assert.equal(message, err:sub(1, #message), expr)
    end
  end)
end)

describe("--where nesting", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("refuses 200,000 parentheses through ds:query with a message, not a stack overflow", function()
    local deep = ("("):rep(200000) .. "kind=city" .. (")"):rep(200000)
    local q, err, name = ds:query(deep)
    assert.is_nil(q)
    assert.equal("EINVAL", name)
    assert.matches("^%-%-where:1:101: error: nested more than 100 levels deep", err)
    assert.is_nil(err:find("stack overflow", 1, true))
    -- the excerpt is a window around the caret, not the whole 400 kB
    assert.is_true(#err < 1000)
  end)

  it("refuses a long chain of not the same way", function()
    local q, err = compile(ds, ("not "):rep(200000) .. "kind=city")
    assert.is_nil(q)
    assert.matches("nested more than 100 levels deep", err.message, 1, true)
    assert.equal(401, err.column)
  end)

  it("accepts nesting up to the limit", function()
    local n = 100 -- the engine's limit (core/query.c)
    assert.equal(21, ds:query(("("):rep(n) .. "kind=city" .. (")"):rep(n)):count())
    assert.equal(21, ds:query(("not "):rep(n) .. "kind=city"):count()) -- an even number of nots
  end)

  it("gives the CLI exit 2 for deep nesting", function()
    local deep = ("("):rep(60000) .. "kind=city" .. (")"):rep(60000) -- an argument holds at most 128 kB
    local out, err, code = bqw_bounded({ "list", "--where", deep })
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^%-%-where:1:101: error: nested more than 100 levels deep", err)
    assert.is_nil(err:find("traceback", 1, true))
  end)
end)

describe("--where property", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  -- Pieces of expressions: valid filters and values, operators (whole and broken),
  -- quotes, parentheses, keywords, unicode (Chinese, bidi override, emoji), junk bytes.
  local pieces = {
    "kind", "region", "year", "text", "id", "city", "level", "issuer", "section", "category",
    "doctype", "mentions", "yaer", "regoin", "bogus",
    "=", "!=", "~", "!~", ">=", "<=", ">", "<", "!", "!!", "=!", "==", "~~", "<>", "=>",
    "(", ")", "((", "))", "'", '"', "\\", "\\\"", "not", "and", "or", "NOT", "AND", "Or",
    "city", "粤北", "粵北", "乡村振兴", "2025", "2023..2025", "2027..2023", "..", "99999999999999999999",
    "-1", "0", "1e308", "nan", "\u{202E}", "\u{2066}", "😀", "\0", "\x1b[2J", "\xff", "\xe4\xb8", "\t", "\n",
    " ", " ", " ", "",
  }

  local valid = {
    { "kind", { "=", "!=" }, { "city", "document", "meeting", "x" } },
    { "region", { "=", "!=", "~" }, { "粤北", "粵北", "'粤 北'", "\"\\\"\"" } },
    { "year", { "=", ">=", "<=", ">", "<", "!=" }, { "2025", "2023..2027", "99999999999999999999", "0" } },
    { "id", { "=", ">", "<" }, { "1", "1..21", "100000" } },
    { "text", { "~", "=", "!~" }, { "振兴", "乡村", "xczx", "'a b'", "\u{202E}" } },
  }

  --- One expression compiled by the engine and, when it compiles, counted; returns its
  --- CPU time.
  local function run(expr)
    local start = os.clock()
    -- an instruction budget turns a hang into a failure that names the expression
    local ok, tree, err = bounded(2e7, compile, ds, expr)
    assert(ok, ("ds:query raised on %q: %s"):format(expr, tostring(tree)))
    if tree then
      local run_ok, run_err = bounded(2e7, function()
        return tree:count()
      end)
      assert(run_ok or clean(run_err), ("ds:query failed uncleanly on %q: %s"):format(expr, tostring(run_err)))
    else
      assert(clean(err), ("ds:query gave an unclean error on %q: %s"):format(expr, tostring(err.text)))
    end
    return os.clock() - start, tree ~= nil
  end

  it("returns or fails cleanly on 10,000 random expressions (fixed seed), none slow", function()
    -- text tests build the search index once per dataset (on the first or the second
    -- search): that is the load's cost, not an expression's, so it is paid up front
    ds:query("text~乡村"):count()
    ds:query("text~振兴"):count()
    math.randomseed(20261129)
    -- 50 ms of CPU time each, as issue 10 asks (os.clock: CPU, not wall, so a busy
    -- machine does not fail it); the sanitizer build is several times slower
    local limit = os.getenv("BQW_SANITIZED") and 0.5 or 0.05
    local slowest, slowest_expr, total_start = 0, nil, os.clock()
    local trees = 0
    for _ = 1, 10000 do
      local parts = {}
      for j = 1, math.random(1, 12) do
        if math.random() < 0.4 then
          -- a well-formed test, so that a fair share reaches the evaluator
          local t = valid[math.random(#valid)]
          parts[j] = t[1] .. t[2][math.random(#t[2])] .. t[3][math.random(#t[3])]
        else
          parts[j] = pieces[math.random(#pieces)]
          if math.random() < 0.3 then
            parts[j] = parts[j] .. string.char(math.random(0, 255))
          end
        end
      end
      local expr = table.concat(parts, math.random() < 0.7 and " " or "")
      local took, parsed = run(expr)
      if took > limit then
        -- CPU time still counts a page fault, a GC cycle or a migration between
        -- cores: an expression that is really slow is slow every time
        took = math.min(took, (run(expr)), (run(expr)))
      end
      if parsed then
        trees = trees + 1
      end
      if took > slowest then
        slowest, slowest_expr = took, expr
      end
    end
    print(("where property test: slowest of 10,000 took %.1f ms CPU (limit %g ms)"):format(
      slowest * 1000, limit * 1000))
    assert(slowest < limit, ("%q took %.3f s"):format(tostring(slowest_expr), slowest))
    assert.is_true(os.clock() - total_start < 120)
    assert.is_true(trees > 100) -- the generator does reach the evaluator
  end)
end)
