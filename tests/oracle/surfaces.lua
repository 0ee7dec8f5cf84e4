-- surfaces.lua -- one search, one answer on every surface (issue 19, item 4): a few
-- hundred seeded queries compared across
--   * the Lua API, ds:search (the reference: record ids in hit order);
--   * the CLI, `bqw search --json` (the same ids in the same order);
--   * SQLite FTS5 through the bqw tokenizer (`bqw export --format sqlite`, records_fts and
--     measures_fts; a record matches when one of its columns holds every word, as in bqw
--     search): the same set (SQL gives no rank here);
--   * the HTML report's search box in headless Chromium (`bqw report`, the page's own
--     script, driven by a copy of the page with a few lines appended that type each query
--     and read the rows shown): the same set (the table keeps source order);
--   * Neovim's `:Bqw search` (headless, the plugin from this tree): the same ids in the
--     same order;
--   * ds:query('text~"…"') (`text` goes through the search index): the same set; and
--     Neovim's `:Bqw view list text~"…"`: the ds:query ids in the same order;
--   * with --only …,nvim-export: `:Bqw export csv` from 20 search and 20 list views
--     writes what the view shows, in its order (issue 19's Neovim case).
--
--   build/bqw run tests/oracle/surfaces.lua [--count N] [--seed S] [--only a,b] [--data FILE]
--
-- --data reads another digest (an absolute path; every surface reads it, through
-- $BQW_DATA for the children).
--
-- Queries: words cut from the records' searchable texts (title, city, headline, measures,
-- prose, category) as published, in Simplified and in Traditional (opencc, once), with
-- full-width and case variants, one or two words, and a few words found nowhere. Surfaces
-- whose tool is missing (sqlite3, chromium, nvim or the LuaJIT module) are skipped with a
-- note. Prints each disagreement and exits 1 on any; "surfaces ok" otherwise.
local SRC = os.getenv("BQW_SOURCE_DIR") or (arg[0]:match("^(.*)/tests/oracle/[^/]*$") or ".")
local EXE = os.getenv("BQW_EXE") or (SRC .. "/build/bqw")
local BUILD = os.getenv("BQW_BUILD_DIR") or (EXE:match("^(.*)/[^/]*$") or SRC .. "/build")
package.path = SRC .. "/tests/oracle/?.lua;" .. package.path .. ";" .. SRC .. "/?.lua"
local common = require("common")
local bqw = require("bqw")

local opts = { count = 300, seed = tonumber(os.getenv("BQW_ORACLE_SEED") or "") or 19 }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--count" or a == "--seed" then
      opts[a:sub(3)] = assert(tonumber(arg[i + 1]), a .. " needs a number")
    elseif a == "--only" then
      opts.only = arg[i + 1]
    elseif a == "--data" then
      opts.data = arg[i + 1]
    else
      error("unknown argument " .. a)
    end
    i = i + 2
  end
end
local function wanted(surface)
  return not opts.only or ("," .. opts.only .. ","):find("," .. surface .. ",", 1, true)
end
print(("surfaces: seed %d, %d queries"):format(opts.seed, opts.count))
math.randomseed(opts.seed)
local R = math.random

local TMP = common.temp_dir()
local sh_quote, read, write = common.sh_quote, common.try_read, common.write
local lines_of, chars = common.lines_of, common.chars
local function have(tool)
  return os.execute("command -v " .. tool .. " >/dev/null 2>&1")
end
local json = require("bqw.json")

-- ---- the queries ---------------------------------------------------------------------

local ds = assert(bqw.load(opts.data))
-- every child (the CLI, Neovim) reads the same digest: $BQW_DATA
local ENV = opts.data and ("BQW_DATA=%s "):format(sh_quote(opts.data)) or ""
local texts = {}
for _, r in ipairs(ds:records({ script = "original" })) do
  for _, k in ipairs({ "title", "city", "headline", "text", "category" }) do
    if r[k] then
      texts[#texts + 1] = r[k]
    end
  end
  for _, m in ipairs(r.measures or {}) do
    texts[#texts + 1] = m
  end
end
local hans, hant
do
  local flat = {}
  for i, t in ipairs(texts) do
    flat[i] = t:gsub("[\r\n]", " ")
  end
  hans = common.opencc_lines(flat, "t2s.json", TMP)
  hant = common.opencc_lines(flat, "s2t.json", TMP)
end
local function word()
  local i = R(#texts)
  local t = ({ texts[i], hans[i], hant[i] })[R(3)]:gsub("[\r\n]", " ")
  local cs = chars(t)
  local n = R(1, math.min(5, #cs))
  local at = R(1, #cs - n + 1)
  local w = table.concat(cs, "", at, at + n - 1):gsub("%s", "")
  if w == "" then
    return word()
  end
  local x = R(10)
  if x == 1 then
    w = w:upper()
  elseif x == 2 then
    w = w:gsub("[!-~]", function(c)
      return utf8.char(c:byte() + 0xFEE0)
    end)
  end
  return w
end
local queries = {}
for i = 1, opts.count do
  local q = word()
  if R(5) == 1 then
    q = q .. " " .. word()
  end
  if R(40) == 1 then
    q = ({ "龘", "不存在的词", "Xyzzy" })[R(3)]
  end
  queries[i] = q
end

-- ---- the reference: the Lua API -----------------------------------------------------------

local function unique(ids)
  local seen, out = {}, {}
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      out[#out + 1] = id
    end
  end
  return out
end
local function api(q)
  local res = assert(ds:search(q, { limit = 1000000 }))
  local ids = {}
  for _, h in ipairs(res.hits) do
    ids[#ids + 1] = h.id
  end
  return unique(ids)
end
local reference = {}
for i, q in ipairs(queries) do
  reference[i] = api(q)
end

-- The same words as a filter: text~"…" selects the records a search finds (bqw.h: `text`
-- goes through the search index), in source order.
local exprs, filtered = {}, {}
for i, q in ipairs(queries) do
  exprs[i] = 'text~"' .. q:gsub('[\\"]', "\\%0") .. '"'
  local ok, sel = pcall(ds.query, ds, exprs[i])
  local ids = {}
  if ok and sel then
    for r in sel:iter() do
      ids[#ids + 1] = r.id
    end
  else
    ids = { "error: " .. tostring(sel):gsub("\n.*", "") }
  end
  filtered[i] = ids
end

local disagreements, compared = 0, {}
local function key(ids, as_set)
  local c = {}
  for i, id in ipairs(ids) do
    c[i] = tonumber(id)
  end
  if as_set then
    table.sort(c)
  end
  return table.concat(c, " ")
end
local function compare(surface, i, got, as_set, want, against)
  compared[surface] = (compared[surface] or 0) + 1
  want = want or reference[i]
  if key(got, as_set) ~= key(want, as_set) then
    disagreements = disagreements + 1
    print(("DISAGREE [%s] %q\n    %s {%s}, %s {%s}"):format(surface, queries[i], surface, key(got, as_set),
      against or "ds:search", key(want, as_set)))
  end
end

-- ---- ds:query(text~…) --------------------------------------------------------------------

if wanted("where") then
  for i in ipairs(queries) do
    compare("where", i, filtered[i], true)
  end
end

-- ---- the CLI -----------------------------------------------------------------------------

if wanted("cli") then
  for i, q in ipairs(queries) do
    local p = io.popen((ENV .. "%s search --json --limit 1000000 -- %s 2>&1"):format(sh_quote(EXE), sh_quote(q)))
    local out = p:read("a")
    p:close()
    local doc = json.decode(out)
    local ids = {}
    for _, h in ipairs(type(doc) == "table" and type(doc.hits) == "table" and doc.hits or {}) do
      ids[#ids + 1] = h.id
    end
    compare("cli", i, unique(ids))
  end
end

-- ---- SQLite FTS5 through the bqw tokenizer -------------------------------------------------

local ext = BUILD .. "/bqw_sqlite"
if wanted("sqlite") and have("sqlite3") and read(ext .. ".so") then
  local db = TMP .. "/digest.sqlite"
  assert(os.execute((ENV .. "%s export --format sqlite -o %s"):format(sh_quote(EXE), db)), "bqw export --format sqlite")
  local sql = { ".load " .. ext, ".mode list", ".separator |" }
  local function lit(s)
    return "'" .. s:gsub("'", "''") .. "'"
  end
  for i, q in ipairs(queries) do
    local phrases = {}
    for w in q:gmatch("%S+") do
      phrases[#phrases + 1] = '"' .. w:gsub('"', '""') .. '"'
    end
    local all = "(" .. table.concat(phrases, " AND ") .. ")"
    local cols = {}
    for _, c in ipairs({ "title", "headline", "text", "category", "city" }) do
      cols[#cols + 1] = c .. " : " .. all
    end
    sql[#sql + 1] = ("SELECT %d, rowid FROM records_fts WHERE records_fts MATCH %s UNION "
      .. "SELECT %d, m.record_id FROM measures_fts f JOIN measures m ON m.id = f.rowid WHERE measures_fts MATCH %s;")
      :format(i, lit(table.concat(cols, " OR ")), i, lit(all))
  end
  write(TMP .. "/q.sql", table.concat(sql, "\n") .. "\n")
  local p = io.popen(("sqlite3 %s < %s 2>&1"):format(db, TMP .. "/q.sql"))
  local out = p:read("a")
  p:close()
  local got = {}
  for _, l in ipairs(lines_of(out)) do
    local i, id = l:match("^(%d+)|(%d+)$")
    if i then
      got[tonumber(i)] = got[tonumber(i)] or {}
      table.insert(got[tonumber(i)], id)
    elseif l ~= "" then
      print("sqlite3: " .. l)
      disagreements = disagreements + 1
    end
  end
  for i in ipairs(queries) do
    compare("sqlite", i, got[i] or {}, true)
  end
elseif wanted("sqlite") then
  print("surfaces: sqlite skipped (no sqlite3 or no " .. ext .. ".so)")
end

-- ---- the report's search box in headless Chromium -------------------------------------------

if wanted("report") and have("chromium") then
  local page = TMP .. "/report.html"
  assert(os.execute((ENV .. "%s report -o %s"):format(sh_quote(EXE), page)), "bqw report")
  local html = read(page)
  -- typed into the page's own box, one query after another; the rows shown are read back
  local drive = ([[<script>
(function () {
  var qs = %s, q = document.getElementById('q'), out = [];
  qs.forEach(function (s, i) {
    q.value = s;
    q.dispatchEvent(new Event('input'));
    var ids = [];
    document.querySelectorAll('#records tbody tr').forEach(function (tr) {
      if (!tr.hidden) { ids.push(tr.id.slice(1)); }
    });
    out.push((i + 1) + ':' + ids.join(' '));
  });
  var pre = document.createElement('pre');
  pre.id = 'surfaces';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
</script>
</body>]]):format(json.encode(queries):gsub("<", "\\u003c"))
  local driven, n = html:gsub("</body>", function()
    return drive
  end)
  assert(n == 1, "the report has one </body>")
  write(TMP .. "/driven.html", driven)
  local profile = TMP .. "/profile"
  local cmd = ("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    .. "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s "
    .. "--virtual-time-budget=20000 --dump-dom file://%s 2>%s/chrome.err"):format(profile, TMP .. "/driven.html", TMP)
  local p = io.popen(cmd)
  local dom = p:read("a")
  p:close()
  local block = dom:match('<pre id="surfaces">(.-)</pre>')
  if not block then
    disagreements = disagreements + 1
    print("DISAGREE [report] the page's search did not run: " .. (read(TMP .. "/chrome.err") or ""):sub(1, 500))
  else
    local got = {}
    for _, l in ipairs(lines_of(block)) do
      local i, ids = l:match("^(%d+):(.*)$")
      if i then
        local list = {}
        for id in ids:gmatch("%d+") do
          list[#list + 1] = id
        end
        got[tonumber(i)] = list
      end
    end
    for i in ipairs(queries) do
      compare("report", i, got[i] or {}, true)
    end
  end
elseif wanted("report") then
  print("surfaces: report skipped (no chromium)")
end

-- ---- Neovim: :Bqw search ---------------------------------------------------------------------

local nvim_export = wanted("nvim-export") and math.min(20, #queries) or 0
if (wanted("nvim") or nvim_export > 0) and have("nvim") then
  write(TMP .. "/queries.json", json.encode({ queries = queries, exprs = exprs, export = nvim_export, dir = TMP }))
  write(TMP .. "/nvim.lua", ([[
local input = vim.json.decode(io.open(%q):read("a"))
local out = assert(io.open(%q, "w"))
local ok, err = pcall(function()
  vim.cmd("runtime plugin/bqw.lua")
  require("bqw.nvim.data").dataset() -- a data file ($BQW_DATA) loads in the background: wait
  local draw = require("bqw.nvim.draw")
  local function shown()
    local b = draw.buffers[vim.api.nvim_get_current_buf()]
    local ids, seen = {}, {}
    for l = 1, vim.api.nvim_buf_line_count(0) do
      local id = b and b.result and b.result.ids[l]
      if id and not seen[id] then
        seen[id] = true
        ids[#ids + 1] = id
      end
    end
    return table.concat(ids, " ")
  end
  -- each export's last word ("wrote F", "export failed: …"), waited for rather than the
  -- file: an export of no records writes none (and waiting for it took the timeout)
  local data = require("bqw.nvim.data")
  local said
  for _, name in ipairs({ "notify", "notify_line" }) do
    local original = data[name]
    data[name] = function(message, ...)
      if type(message) == "string" and (message:find("^wrote ") or message:find("^export failed")) then
        said = message
      end
      return original(message, ...)
    end
  end
  -- :Bqw export of the view on screen: the file's ids, once the background export ended
  local function export(tag, i)
    local path = ("%%s/%%s%%d.csv"):format(input.dir, tag, i)
    said = nil
    vim.cmd("Bqw export csv " .. path)
    vim.wait(10000, function()
      return said ~= nil
    end, 20)
    local ids = {}
    local f = io.open(path)
    for line in f and f:lines() or function() end do
      ids[#ids + 1] = line:match("^(%%d+),")
    end
    if f then
      f:close()
    end
    out:write(tag, i, ":", table.concat(ids, " "), "\n")
  end
  for i, q in ipairs(input.queries) do
    vim.cmd("Bqw search " .. q) -- :Bqw takes no -bar: | and " are the query's
    out:write("s", i, ":", shown(), "\n")
    if i <= input.export then
      out:write("S", i, ":", shown(), "\n")
      export("x", i)
    end
    vim.cmd("Bqw view list " .. input.exprs[i])
    out:write("f", i, ":", shown(), "\n")
    if i <= input.export then
      out:write("F", i, ":", shown(), "\n")
      export("y", i)
    end
  end
end)
if not ok then
  out:write("error: ", tostring(err), "\n")
end
out:close()
vim.cmd("qa!")
]]):format(TMP .. "/queries.json", TMP .. "/nvim.out"))
  os.execute(("cd %s && " .. ENV .. "timeout 120 nvim --headless -u NONE -i NONE --cmd %s -c %s >%s/nvim.log 2>&1"):format(
    sh_quote(SRC), sh_quote("set rtp+=" .. SRC), sh_quote("luafile " .. TMP .. "/nvim.lua"), TMP))
  local out = read(TMP .. "/nvim.out") or ""
  local got = { s = {}, f = {}, S = {}, F = {}, x = {}, y = {} }
  for _, l in ipairs(lines_of(out)) do
    local what, i, ids = l:match("^([sfSFxy])(%d+):(.*)$")
    if i then
      local list = {}
      for id in ids:gmatch("%d+") do
        list[#list + 1] = id
      end
      got[what][tonumber(i)] = list
    elseif l ~= "" then
      disagreements = disagreements + 1
      print("DISAGREE [nvim] " .. l .. " " .. (read(TMP .. "/nvim.log") or ""):sub(1, 300))
    end
  end
  for i in ipairs(queries) do
    if wanted("nvim") then
      compare("nvim", i, got.s[i] or {})
      compare("nvim-filter", i, got.f[i] or {}, false, filtered[i], "ds:query(" .. exprs[i] .. ")")
    end
    if i <= nvim_export then
      -- what the view shows is what :Bqw export writes, in its order
      compare("nvim-export", i, got.x[i] or {}, false, got.S[i] or {}, "the search view")
      compare("nvim-export", i, got.y[i] or {}, false, got.F[i] or {}, "the list view of " .. exprs[i])
    end
  end
elseif wanted("nvim") then
  print("surfaces: nvim skipped (no nvim)")
end

os.execute("rm -rf " .. sh_quote(TMP))
local parts = {}
for _, s in ipairs({ "where", "cli", "sqlite", "report", "nvim", "nvim-filter", "nvim-export" }) do
  parts[#parts + 1] = ("%s %d"):format(s, compared[s] or 0)
end
print(("surfaces: %d queries compared with ds:search (%s); %d disagreements"):format(#queries,
  table.concat(parts, ", "), disagreements))
if disagreements > 0 then
  os.exit(1)
end
print("surfaces ok")
