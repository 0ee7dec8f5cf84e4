-- Markdown and HTML table rows written by the core (binding/rows.c): when every
-- filter of an export is the core's, the markdown and html exports have their
-- sections found and their table rows formatted in C. The document must be the one
-- the Lua path writes (plugins/export/markdown.lua and html.lua through
-- bqw.view_util.visible, bqw.html_util and export_util.section_passes), byte for
-- byte, for every shape, script, filter, sort and column list, on the shipped
-- digest, the test fixtures, a generated corpus and text full of what the escaping
-- must handle.
local bqw = require("bqw")
local core = require("bqw.core")
local H = require("tests.lua.helpers")

local FORMATS = { "markdown", "html" }

--- The default digest with a document's title and measures replaced by text holding
--- controls, bidi controls, | \ and every escaped Markdown character, < > & " ',
--- leading and trailing spaces, and a very long measure.
local function nasty_text()
  local lines = H.digest_lines()
  assert(lines[9]:find("^●《"), "line 9 is the first document")
  lines[9] = "●《 關于|a\\b`c*d_e[f]g<h>i&j~k#l\"m'n\1o\27p\127q\226\128\174r\226\128\170s"
    .. "\226\129\166t\226\129\169u\226\128\175v\194\160w\t》"
  lines[10] = "◎\t #1. - + = |x| <b>&amp;</b> \\\\ \226\128\139 \239\187\191 end\t "
  lines[11] = "◎" .. ("長|\\<&>_*`" .. "\226\128\174"):rep(5000)
  lines[12] = "◎ \8\12\11\31 "
  return table.concat(lines, "\n")
end

local function nasty_dataset()
  local ds = assert(bqw.load_string(nasty_text(), "nasty.txt"))
  local r = ds:record(1, { script = "original" })
  assert(r.title:find("\27p\127q\226\128\174r", 1, true), "the loader kept the controls")
  assert(r.title:find("|a\\b`c*d_e[f]g<h>i&j~k#l\"m'n", 1, true), "the loader kept the punctuation")
  assert(r.measures[2]:find("\226\128\174", 1, true) and #r.measures[2] > 50000, "a long measure")
  return ds
end

--- A digest from bench/gen_corpus.lua (1 MB).
local function corpus_dataset()
  local path = os.tmpname()
  assert.truthy(
    os.execute(("lua5.4 %s/bench/gen_corpus.lua 1 %s 2>/dev/null"):format(H.quote(H.root), H.quote(path)))
  )
  local ds = assert(bqw.load(path))
  os.remove(path)
  return ds
end

-- text~ is the records of one search, which the core's filter tests as it tests
-- category~
local WHERE = { false, "region=粤北", "year>=2024 and year<=2025", "category~振兴", "text~振興" }
local SORT = { false, "city", "-year,id" }
local COLUMNS = { false, "id,title,measures,years,mentions,issuers,measure,measure_index,text,line,period_from" }

--- Every combination: format, shape, script, where, sort, columns.
local function cases(every)
  local out, n = {}, 0
  for _, format in ipairs(FORMATS) do
    for _, shape in ipairs({ "record", "measure" }) do
      for _, script in ipairs({ "original", "hans", "hant" }) do
        for _, where in ipairs(WHERE) do
          for _, sort in ipairs(SORT) do
            for _, columns in ipairs(COLUMNS) do
              n = n + 1
              if n % every == 0 then
                out[#out + 1] = {
                  format = format,
                  opts = { shape = shape, script = script, where = where or nil, sort = sort or nil, columns = columns or nil },
                }
              end
            end
          end
        end
      end
    end
  end
  return out
end

--- What fn returns with the plugins' writers given no ctx.native: the rows go through
--- the Lua path (section_passes, group.each, the Lua escaping), the query unchanged.
local native_seen = 0
local function through_lua(fn)
  local saved = {}
  for _, format in ipairs(FORMATS) do
    local plugin = assert(bqw.plugins.get("export", format))
    saved[format] = plugin.write
    plugin.write = function(out, rows, opts, ctx)
      if ctx.native then
        native_seen = native_seen + 1
      end
      ctx.native = nil
      return saved[format](out, rows, opts, ctx)
    end
  end
  local ok, result = pcall(fn)
  for _, format in ipairs(FORMATS) do
    bqw.plugins.get("export", format).write = saved[format]
  end
  assert(ok, result)
  return result
end

--- Compares every `every`-th case; returns how many it compared, and how many of
--- those the core wrote.
local function check(name, ds, every)
  local n = 0
  native_seen = 0
  for _, case in ipairs(cases(every)) do
    local native = assert(ds:export(case.format, case.opts))
    local lua = through_lua(function()
      return assert(ds:export(case.format, case.opts))
    end)
    if native ~= lua then
      error(("%s %s %s: %s"):format(name, case.format, require("bqw.json").encode(case.opts), H.first_difference(native, lua)))
    end
    n = n + 1
  end
  return n, native_seen
end

describe("markdown and html rows written by the core", function()
  it("are byte-identical to the Lua path on the shipped digest, for every case", function()
    -- under the sanitizers every 7th case (7 is prime to every option's count)
    local n, native = check("digest", assert(bqw.load()), H.sanitized and 7 or 1)
    assert.equal(H.sanitized and 51 or 360, n)
    assert.equal(n, native) -- every where is the core's, text~ included
  end)

  it("are byte-identical on text full of what the escaping handles", function()
    local n, native = check("nasty", nasty_dataset(), H.sanitized and 7 or 1)
    assert.equal(H.sanitized and 51 or 360, n)
    assert.equal(n, native)
  end)

  it("are byte-identical on the test fixtures", function()
    for _, file in ipairs({ "digest-novel.txt", "digest-simplified.txt" }) do
      local ds = assert(bqw.load(H.root .. "/tests/fixtures/" .. file))
      local n, native = check(file, ds, H.sanitized and 11 or 3)
      assert.equal(H.sanitized and 32 or 120, n)
      assert.is_true(native >= n * 3 / 4, file)
    end
  end)

  it("are byte-identical on a generated corpus", function()
    -- every 7th case (7 is prime to every option's count: each value of each option
    -- comes up with each of another's)
    local n, native = check("corpus", corpus_dataset(), H.sanitized and 29 or 7)
    local enough = n >= (H.sanitized and 12 or 50) and native >= (H.sanitized and 9 or 40)
    assert.is_true(enough, n .. " " .. native)
  end)

  it("are the path taken when every filter is the core's, and not otherwise", function()
    local ds = assert(bqw.load())
    local util = require("bqw.export_util")
    local passes, native = util.section_passes, util.native_sections
    local used = {}
    util.section_passes = function(...)
      used[#used + 1] = "lua"
      return passes(...)
    end
    util.native_sections = function(...)
      used[#used + 1] = "core"
      return native(...)
    end
    local ok, err = pcall(function()
      for _, format in ipairs(FORMATS) do
        used = {}
        assert(ds:export(format, { where = "kind=document", sort = "city" }))
        assert(ds:export(format, { where = function(r)
          return r.kind == "document"
        end }))
        assert.same({ "core", "lua" }, used, format)
      end
    end)
    util.section_passes, util.native_sections = passes, native
    assert(ok, err)
  end)
end)

describe("core.table_cell", function()
  -- the Lua path's cell formatting, as the plugins hold it
  local function md_cell(s)
    s = require("bqw.view_util").visible(s):gsub("[\\`*_%[%]<>&~#|]", "\\%0")
    s = s:gsub("\r\n", "\n"):gsub("[\r\n]", "<br>")
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
  end
  local lines = require("bqw.html_util").lines

  it("formats any bytes as the Lua path does: controls, CR LF, bidi, invalid UTF-8", function()
    local fixed = {
      "",
      " ",
      " \t ",
      "a\r\nb\rc\nd",
      "\r\n",
      "\n lead and trail \n",
      " \t lead and trail \t ",
      "\0\1\8\9\10\11\12\13\27\31\127",
      "\194\128\194\133\194\159\194\160\194",
      "\226\128\169\226\128\170\226\128\174\226\128\175\226\129\165\226\129\166\226\129\169\226\129\170",
      "\226\128",
      "\226",
      "\255\254\192\128\237\160\128 invalid",
      "\\`*_[]<>&~#|\"'!()+-.{}",
      "1. list",
      "- item",
      "<script>alert('x')</script>",
      ("長|<" .. "\226\128\174"):rep(10000),
    }
    -- and random strings over the bytes that matter
    local alphabet = { "a", " ", "\t", "\r", "\n", "\0", "\27", "\127", "\194", "\128", "\159", "\160",
      "\226", "\129", "\166", "\169", "\170", "\174", "|", "\\", "<", ">", "&", "\"", "'", "#", "長" }
    local seed = 12345
    local function rand(n)
      seed = (seed * 16807) % 2147483647
      return seed % n + 1
    end
    for _ = 1, 3000 do
      local parts = {}
      for i = 1, rand(12) - 1 do
        parts[i] = alphabet[rand(#alphabet)]
      end
      fixed[#fixed + 1] = table.concat(parts)
    end
    for _, s in ipairs(fixed) do
      assert.equal(md_cell(s), core.table_cell("markdown", s), ("markdown %q"):format(s))
      assert.equal(lines(s), core.table_cell("html", s), ("html %q"):format(s))
    end
  end)
end)
