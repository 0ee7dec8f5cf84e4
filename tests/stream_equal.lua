-- Streamed views and lists print what the other path makes: on a generated corpus
-- (bench/gen_corpus.lua, 10 MB by default), each case's lines drawn for a sink (records
-- built with only the view's fields, one at a time, lines made by Builder:cells) are
-- compared with those of ds:view without a sink (every record whole, in an array), their
-- highlights too; `bqw list` / `bqw view table` are compared byte for byte with those
-- lines; `bqw list --json` (the engine's ndjson rows joined) with bqw.json over the
-- records of ds:query. An output-equality test, not a timing one.
--
--   bqw run tests/stream_equal.lua SOURCE_DIR BQW_EXE [SIZE_MB]
local bqw = require("bqw")
local json = require("bqw.json")
local render = require("bqw.render")

local src, exe, size = arg[1], arg[2], arg[3] or "10"
assert(src and exe, "usage: bqw run tests/stream_equal.lua SOURCE_DIR BQW_EXE [SIZE_MB]")

local corpus = os.tmpname()
local function sh_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end
assert(
  os.execute(("lua5.4 %s %s %s >/dev/null 2>&1"):format(sh_quote(src .. "/bench/gen_corpus.lua"), size, sh_quote(corpus))),
  "gen_corpus failed"
)
local ds = assert(bqw.load(corpus))

local failures = 0
local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write(("stream_equal: " .. fmt .. "\n"):format(...))
end

-- The first line where two arrays of strings differ, or nil.
local function first_difference(a, b)
  for i = 1, math.max(#a, #b) do
    if a[i] ~= b[i] then
      return i
    end
  end
end

local function highlight_key(h)
  return ("%d:%d:%d:%s"):format(h.line, h.first, h.last, h.group)
end

local CASES = {
  { cli = { "list" }, view = "list", opts = {} },
  { cli = { "list", "--sort", "city" }, view = "list", opts = { sort = "city" } },
  { cli = { "list", "--where", "region=粤北", "--width", "60" }, view = "list", opts = { where = "region=粤北", width = 60 } },
  { view = "list", opts = { script = "hant", sort = "-year" } },
  { cli = { "view", "table" }, view = "table", opts = {} },
  {
    cli = { "view", "table", "--columns", "id,city,region,years,measures", "--sort", "region" },
    view = "table",
    opts = { columns = { "id", "city", "region", "years", "measures" }, sort = "region" },
  },
  {
    cli = { "view", "table", "--columns", "id,line,year,label,title", "--width", "70", "--where", "kind=target" },
    view = "table",
    opts = { columns = { "id", "line", "year", "label", "title" }, width = 70, where = "kind=target" },
  },
  { view = "table", opts = { columns = "city,headline,label", script = "hans", sort = "city,-id" } },
}

local function cli_output(args)
  local words = { sh_quote(exe) }
  for _, a in ipairs(args) do
    words[#words + 1] = sh_quote(a)
  end
  words[#words + 1] = "--color never --data " .. sh_quote(corpus)
  local p = assert(io.popen(table.concat(words, " ")))
  local text = p:read("a")
  local ok = p:close()
  return ok and text or nil
end

local cases = 0
for _, case in ipairs(CASES) do
  cases = cases + 1
  local name = case.cli and table.concat(case.cli, " ") or (case.view .. " (script " .. case.opts.script .. ")")
  local opts = {}
  for k, v in pairs(case.opts) do
    opts[k] = v
  end
  opts.width = opts.width or 100
  local whole = assert(ds:view(case.view, opts))
  local lines, highlights = {}, {}
  opts.sink = function(chunk)
    for i, l in ipairs(chunk.lines) do
      lines[chunk.first + i - 1] = l
    end
    for _, h in ipairs(chunk.highlights) do
      highlights[#highlights + 1] = highlight_key({ line = h.line + chunk.first - 1, first = h.first, last = h.last, group = h.group })
    end
  end
  local streamed = assert(ds:view(case.view, opts))
  if #whole.lines < 3 then
    fail("%s: %d lines: the case shows too little to test", name, #whole.lines)
  end
  local at = first_difference(lines, whole.lines)
  if at then
    fail("%s: line %d differs:\n  streamed %s\n  whole    %s", name, at, tostring(lines[at]), tostring(whole.lines[at]))
  end
  if streamed.count ~= whole.count then
    fail("%s: count %d streamed, %d whole", name, streamed.count, whole.count)
  end
  local want = {}
  for _, h in ipairs(whole.highlights) do
    want[#want + 1] = highlight_key(h)
  end
  at = first_difference(highlights, want)
  if at then
    fail("%s: highlight %d differs: %s streamed, %s whole", name, at, tostring(highlights[at]), tostring(want[at]))
  end
  if case.cli then
    local text = cli_output(case.cli)
    local expected = table.concat(render.lines(whole, false), "\n") .. "\n"
    if text ~= expected then
      fail("%s: the command's %s bytes differ from the %d of the whole view", name, text and #text or "no", #expected)
    end
  end
end

-- list against the line as list drew it before Builder:cells, one segment table each
do
  cases = cases + 1
  local util = require("bqw.view_util")
  local b = util.builder()
  for _, r in ipairs(assert(ds:query()):all()) do
    local id = ("%3d "):format(r.id)
    local kind = util.pad(r.kind, 9)
    local line = ("L%-4d "):format(r.line)
    local room = 100 - util.width(id) - util.width(kind) - util.width(line)
    b:line({ { id, "BqwId" }, { kind, "BqwKind" }, { line, "BqwLine" }, { util.truncate(util.label(r), room), "BqwTitle" } }, r.id)
  end
  local want, whole = b:result(), assert(ds:view("list", { width = 100 }))
  local at = first_difference(whole.lines, want.lines)
  if at then
    fail("list: line %d differs from the segments':\n  %s\n  %s", at, tostring(whole.lines[at]), tostring(want.lines[at]))
  end
  local got, exp = {}, {}
  for i, h in ipairs(whole.highlights) do
    got[i] = highlight_key(h)
  end
  for i, h in ipairs(want.highlights) do
    exp[i] = highlight_key(h)
  end
  at = first_difference(got, exp)
  if at then
    fail("list: highlight %d differs from the segments': %s, %s", at, tostring(got[at]), tostring(exp[at]))
  end
end

-- list --json against bqw.json over the records a query builds whole
local JSON_CASES = {
  { args = { "--where", "kind=document" }, where = "kind=document" },
  { args = { "--sort=-city", "--where", "kind=city" }, where = "kind=city", sort = "-city" },
}
for _, case in ipairs(JSON_CASES) do
  cases = cases + 1
  local q = assert(ds:query(case.where))
  if case.sort then
    q = q:sort(case.sort)
  end
  local parts = {}
  for r in q:iter() do
    parts[#parts + 1] = json.encode(r)
  end
  local expected = "[" .. table.concat(parts, ",") .. "]\n"
  local args = { "list", "--json" }
  for _, a in ipairs(case.args) do
    args[#args + 1] = a
  end
  local text = cli_output(args)
  if #parts < 3 or text ~= expected then
    fail("list --json %s: %s bytes, %d expected (%d records)", table.concat(case.args, " "), text and #text or "no", #expected, #parts)
  end
end

os.remove(corpus)
if failures > 0 then
  io.stderr:write(("stream_equal: %d difference(s)\n"):format(failures))
  os.exit(1)
end
print(("stream equal: %d cases, %d records"):format(cases, ds:count()))
