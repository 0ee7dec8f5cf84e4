-- The export plugins (csv, tsv, json, ndjson, markdown, html), each checked with a real
-- parser: Python's csv and html.parser, Miller, jq. Both shapes, formula neutralisation,
-- escaping of injected markup, and the atomic write.
local bqw = require("bqw")
local util = require("bqw.export_util")
local json = require("bqw.json")
local H = require("tests.lua.helpers")

-- These specs read the published text.
H.use_original_script(setup, teardown)

local FORMATS = { "csv", "tsv", "json", "ndjson", "markdown", "html" }

local read = H.read_file
local write = H.write_file

local temp_dir = H.temp_dir

--- The names in a directory, dot files included.
local function dir_entries(dir)
  local names = {}
  local pipe = assert(io.popen("ls -A " .. H.quote(dir)))
  for name in pipe:lines() do
    names[#names + 1] = name
  end
  pipe:close()
  table.sort(names)
  return names
end

--- A fresh path that does not exist yet, ending in .suffix.
local function temp_path(suffix)
  local base = os.tmpname()
  os.remove(base)
  return base .. "." .. suffix
end

--- Runs a shell command; returns its stdout, and asserts it exits 0.
local function sh(cmd)
  local err_path = os.tmpname()
  local pipe = assert(io.popen(cmd .. " 2>" .. H.quote(err_path)))
  local out = pipe:read("a")
  local _, _, code = pipe:close()
  local err = read(err_path)
  os.remove(err_path)
  assert(code == 0, ("%s: exit %s: %s"):format(cmd, tostring(code), err))
  return out
end

--- Runs a Python script (its text) with the given arguments; its stdout decoded as JSON.
local function python(script, ...)
  local path = temp_path("py")
  write(path, script)
  local words = { "python3", H.quote(path) }
  for _, a in ipairs({ ... }) do
    words[#words + 1] = H.quote(a)
  end
  local out = sh(table.concat(words, " "))
  os.remove(path)
  local value, _, err = json.decode(out)
  assert(value ~= nil, ("python printed no JSON (%s): %s"):format(tostring(err), out))
  return value
end

local function jq(filter, path, slurp)
  return json.decode(sh(("jq %s%s %s"):format(slurp and "-s " or "", H.quote(filter), H.quote(path))))
end

local function mlr(input_format, path)
  return json.decode(sh(("mlr -S --i%s --ojson cat %s"):format(input_format, H.quote(path))))
end

-- Parsers, in Python: each prints what it read as JSON for the spec to compare.

local CSV_PY = [[
import csv, json, sys
with open(sys.argv[1], newline="", encoding=sys.argv[2]) as f:
    rows = list(csv.reader(f, strict=True))
json.dump(rows, sys.stdout, ensure_ascii=False)
]]

-- TSV as CSV with TAB (the excel-tab dialect): every row the same number of fields.
local TSV_PY = [[
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f, delimiter="\t", strict=True))
assert all(len(r) == len(rows[0]) for r in rows), "ragged rows"
json.dump(rows, sys.stdout, ensure_ascii=False)
]]

-- GFM tables: rows split on unescaped pipes, every row as wide as its header, the
-- delimiter row right after the header; cells unescaped (<br> back to a newline).
local MARKDOWN_PY = [[
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
SPLIT = re.compile(r"(?<!\\)\|")
UNESCAPE = re.compile(r"\\(.)|<br>")
def cell(c):
    return UNESCAPE.sub(lambda m: m.group(1) if m.group(1) is not None else "\n", c.strip())
headings, tables, errors, cur = [], [], [], None
for n, line in enumerate(lines, 1):
    if line.startswith("#"):
        headings.append(line)
    if line.startswith("|"):
        if not SPLIT.search(line[-1:]) or line.endswith("\\|"):
            errors.append("line %d: no closing pipe" % n)
        cells = SPLIT.split(line)[1:-1]
        if cur is None:
            cur = {"header": [cell(c) for c in cells], "rows": [], "line": n}
            tables.append(cur)
        elif "rule" not in cur:
            cur["rule"] = all(re.fullmatch(r"\s*:?-{3,}:?\s*", c) for c in cells)
            if not cur["rule"] or len(cells) != len(cur["header"]):
                errors.append("line %d: bad delimiter row" % n)
        else:
            if len(cells) != len(cur["header"]):
                errors.append("line %d: %d cells, header has %d" % (n, len(cells), len(cur["header"])))
            cur["rows"].append([cell(c) for c in cells])
    else:
        cur = None
json.dump({"headings": headings, "tables": tables, "errors": errors}, sys.stdout, ensure_ascii=False)
]]

-- HTML: every opened element closed in order (void elements aside), counts of tags,
-- anything that would load or run something, the text of every cell (<br> as a newline).
local HTML_PY = [[
import json, sys
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.counts, self.urls = [], [], {}, []
        self.cells, self.cell, self.decl, self.lang, self.charset = [], None, None, None, False
        self.style, self.h = "", []
    def handle_decl(self, decl):
        self.decl = decl
    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        a = dict(attrs)
        for k, v in attrs:
            if k in ("src", "href", "action") or (v and ("http:" in v or "https:" in v or "//" in v)):
                self.urls.append("%s=%s" % (k, v))
            if k.startswith("on"):
                self.errors.append("event handler %s" % k)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "meta" and (a.get("charset") or "").lower() == "utf-8":
            self.charset = True
        if tag in ("td", "th", "h1", "h2"):
            self.cell = []
        if tag == "br" and self.cell is not None:
            self.cell.append("\n")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append("end tag of void element %s" % tag)
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> but open: %s" % (tag, self.stack))
        else:
            self.stack.pop()
            if tag in ("td", "th"):
                self.cells.append("".join(self.cell))
                self.cell = None
            elif tag in ("h1", "h2"):
                self.h.append("".join(self.cell))
                self.cell = None
    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        if self.cell is not None:
            self.cell.append(data)
c = Check()
c.feed(open(sys.argv[1], encoding="utf-8").read())
c.close()
if c.stack:
    c.errors.append("never closed: %s" % c.stack)
json.dump({"errors": c.errors, "counts": c.counts, "urls": c.urls, "decl": c.decl, "lang": c.lang,
           "charset": c.charset, "cells": c.cells, "headings": c.h, "style": c.style},
          sys.stdout, ensure_ascii=False)
]]

-- What the exports should hold.

--- The rows of a shape and the cells of the standard columns, as export_util gives them.
local function expected_rows(ds, shape)
  return util.rows(ds:records(), shape)
end

--- How many rows a shape gives, counted from the data: one per record, or one per
--- measure plus one per record without measures.
local function row_count(ds, shape)
  local n = 0
  for _, r in ipairs(ds:records()) do
    n = n + ((shape == "measure" and r.measures and #r.measures > 0) and #r.measures or 1)
  end
  return n
end

--- The section titles the rows fall into, in order.
local function section_titles(rows)
  local seen, titles = {}, {}
  for _, r in ipairs(rows) do
    local t = r.section_title or r.section
    if not seen[t] then
      seen[t] = true
      titles[#titles + 1] = t
    end
  end
  return titles
end

local function neutralised(s)
  return s:find("^[=+%-@\t\r]") and ("'" .. s) or s
end

--- Exports through the API to a fresh file; returns its path and bytes.
local function export_file(ds, format, opts)
  local path = temp_path(format)
  opts = opts or {}
  opts.output = path
  local ok, err = ds:export(format, opts)
  assert(ok, err)
  return path, read(path)
end

--- A digest whose first document carries markup, quotes and formula starts.
local INJECTED_TITLE = "關于<b>粗</b> & \"引\" 'q' 措施"
local INJECTED = {
  "@SUM(A1:A2)",
  "+1 試行|管道",
  "=1+1, <script>alert('x')</script> & \"q\" | *b* [l](x)",
}
local function injected_dataset()
  local lines = H.digest_lines()
  assert(lines[9]:find("^●《"), "line 9 is the first document")
  lines[9] = "●《" .. INJECTED_TITLE .. "》"
  lines[10], lines[11], lines[12] = "◎" .. INJECTED[1], "◎" .. INJECTED[2], "◎" .. INJECTED[3]
  local ds = assert(bqw.load_string(table.concat(lines, "\n"), "injected.txt"))
  local r = ds:record(1)
  assert(r.title == INJECTED_TITLE and r.measures[3] == INJECTED[3], "the loader kept the injected text")
  return ds
end

describe("export plugins", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("are all registered, with both shapes and a description", function()
    for _, name in ipairs(FORMATS) do
      local p = assert(bqw.plugins.get("export", name))
      assert.equal("builtin", p.origin)
      assert.is_string(p.description)
      assert.is_string(p.extension)
      assert.same({ "record", "measure" }, p.shapes)
      assert.equal("record", p.default_shape)
    end
  end)

  it("the expectations come from the data: 56 records, 63 measures", function()
    assert.equal(56, row_count(ds, "record"))
    assert.equal(ds:stats().measures, 63)
    local without = 0
    for _, r in ipairs(ds:records()) do
      if not r.measures or #r.measures == 0 then
        without = without + 1
      end
    end
    assert.equal(63 + without, row_count(ds, "measure"))
  end)

  it("write the same bytes to a file, to a string and through the CLI", function()
    for _, format in ipairs(FORMATS) do
      for _, shape in ipairs({ "record", "measure" }) do
        local path, data = export_file(ds, format, { shape = shape })
        assert.equal(data, assert(ds:export(format, { shape = shape })), format .. " " .. shape)
        local out, err, code = H.bqw({ "export", "--format", format, "--shape", shape })
        assert.equal(0, code, err)
        assert.equal(data, out, format .. " " .. shape .. " on stdout")
        local cli_path = temp_path(format)
        _, err, code = H.bqw({ "export", "--format", format, "--shape", shape, "-o", cli_path })
        assert.equal(0, code, err)
        assert.equal(data, read(cli_path), format .. " " .. shape .. " with -o")
        os.remove(path)
        os.remove(cli_path)
      end
    end
  end)
end)

describe("csv export", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("is RFC 4180 that Python's csv module reads back cell for cell, in both shapes", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path, data = export_file(ds, "csv", { shape = shape })
      local rows = python(CSV_PY, path, "utf-8")
      local columns = util.COLUMNS[shape]
      assert.same(columns, rows[1])
      local want = expected_rows(ds, shape)
      assert.equal(row_count(ds, shape), #want)
      assert.equal(#want + 1, #rows)
      for i, row in ipairs(want) do
        for j, c in ipairs(columns) do
          assert.equal(neutralised(util.cell(row, c)), rows[i + 1][j], ("%s row %d column %s"):format(shape, i, c))
        end
      end
      -- records end in CRLF; the only bare LFs are inside quoted measures
      assert.equal("\r\n", data:sub(-2))
      assert.truthy(data:find("^id,kind,[^\r\n]*\r\n"))
      os.remove(path)
    end
  end)

  it("keeps a cell with newlines in one quoted field", function()
    local path, data = export_file(ds, "csv", { where = "id=1", columns = "id,measures" })
    local rows = python(CSV_PY, path, "utf-8")
    local measures = ds:record(1).measures
    assert.equal(3, #measures)
    assert.equal(table.concat(measures, "\n"), rows[2][2])
    assert.truthy(data:find('\r\n1,"' .. measures[1] .. "\n", 1, true))
    os.remove(path)
  end)

  it("Miller reads it, with and without a BOM", function()
    for _, bom in ipairs({ false, true }) do
      local path, data = export_file(ds, "csv", { bom = bom or nil, shape = "measure" })
      assert.equal(bom, data:sub(1, 3) == "\239\187\191")
      local rows = mlr("csv", path)
      local want = expected_rows(ds, "measure")
      assert.equal(#want, #rows)
      for i, row in ipairs(want) do
        assert.equal(tostring(row.id), rows[i].id)
        assert.equal(util.cell(row, "measure"), rows[i].measure)
        assert.equal(util.cell(row, "title"), rows[i].title)
      end
      os.remove(path)
    end
  end)

  it("--bom starts the file with a UTF-8 BOM that Excel-style utf-8-sig drops", function()
    local path = temp_path("csv")
    local _, err, code = H.bqw({ "export", "--format", "csv", "--bom", "-o", path })
    assert.equal(0, code, err)
    assert.equal("\239\187\191id,", read(path):sub(1, 6))
    assert.equal("id", python(CSV_PY, path, "utf-8-sig")[1][1])
    assert.equal("\239\187\191id", python(CSV_PY, path, "utf-8")[1][1])
    assert.equal(57, #python(CSV_PY, path, "utf-8-sig"))
    os.remove(path)
  end)

  it("neutralises cells that would start a formula, unless --raw-cells", function()
    local injected = injected_dataset()
    local path = export_file(injected, "csv", { shape = "measure", where = "id=1", columns = { "id", "measure" } })
    local rows = python(CSV_PY, path, "utf-8")
    assert.same({ { "id", "measure" }, { "1", "'" .. INJECTED[1] }, { "1", "'" .. INJECTED[2] }, { "1", "'" .. INJECTED[3] } }, rows)
    os.remove(path)
    path = export_file(injected, "csv", { shape = "measure", where = "id=1", columns = "id,measure", raw_cells = true })
    rows = python(CSV_PY, path, "utf-8")
    assert.same({ { "id", "measure" }, { "1", INJECTED[1] }, { "1", INJECTED[2] }, { "1", INJECTED[3] } }, rows)
    os.remove(path)
    -- the CLI flags, on a digest given with --data
    local lines = H.digest_lines()
    lines[10] = "◎" .. INJECTED[1]
    local data = temp_path("txt")
    write(data, table.concat(lines, "\n"))
    local out, err, code = H.bqw({ "export", "--data", data, "--format", "csv", "--where", "id=1", "--shape", "measure", "--columns", "measure" })
    assert.equal(0, code, err)
    assert.truthy(out:find("\r\n'@SUM(A1:A2)\r\n", 1, true), out)
    out, err, code = H.bqw({ "export", "--data", data, "--format", "csv", "--where", "id=1", "--shape", "measure", "--columns", "measure", "--raw-cells" })
    assert.equal(0, code, err)
    assert.truthy(out:find("\r\n@SUM(A1:A2)\r\n", 1, true), out)
    os.remove(data)
  end)
end)

describe("tsv export", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  --- What csvkit, Python's csv and Miller read from a TSV file: arrays of rows, each an
  --- array of cells (csvkit's nulls for empty cells as "").
  local function tsv_readers(path, columns)
    local readers = {}
    readers.python = python(TSV_PY, path)
    local function by_columns(objects)
      local rows = { columns }
      for _, o in ipairs(objects) do
        local row = {}
        for j, c in ipairs(columns) do
          local v = o[c]
          row[j] = v == nil and "" or v
        end
        rows[#rows + 1] = row
      end
      return rows
    end
    readers.miller = by_columns(json.decode(sh(("mlr --icsv --ifs tab --ojson --jvquoteall cat %s"):format(H.quote(path)))))
    if os.execute("command -v csvjson >/dev/null 2>&1") then
      readers.csvkit = by_columns(json.decode(sh(("csvjson -t -I %s"):format(H.quote(path)))))
    elseif os.getenv("CI") then
      error("csvkit (csvjson) is missing: scripts/deps.sh installs it")
    end
    return readers
  end

  it("is CSV with TAB that csvkit, Python's csv and Miller read back identically", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path = export_file(ds, "tsv", { shape = shape })
      local columns = util.COLUMNS[shape]
      local want = { columns }
      for _, row in ipairs(expected_rows(ds, shape)) do
        local cells = {}
        for j, c in ipairs(columns) do
          cells[j] = neutralised(util.cell(row, c))
        end
        want[#want + 1] = cells
      end
      for name, rows in pairs(tsv_readers(path, columns)) do
        assert.same(want, rows, name .. ", shape " .. shape)
      end
      os.remove(path)
    end
  end)

  it("round-trips tabs, newlines, quotes, backslashes and Chinese through every reader", function()
    local lines = H.digest_lines()
    local tricky = {
      'TAB\there "引號" \\n 反斜線\\ 中文',
      '"整格引號"',
      "\\t\\\\ 尾\\",
      "前\t後\t\t",
    }
    lines[9] = "●《關于\t\"測試\"\\的通知》"
    lines[10], lines[11], lines[12] = "◎" .. tricky[1], "◎" .. tricky[2], "◎" .. tricky[3] .. tricky[4]
    local tds = assert(bqw.load_string(table.concat(lines, "\n"), "tricky.txt"))
    local r = tds:record(1)
    assert.equal(tricky[1], r.measures[1])
    for _, shape in ipairs({ "record", "measure" }) do
      local columns = { "id", "title", shape == "record" and "measures" or "measure" }
      local path = export_file(tds, "tsv", { shape = shape, where = "id=1", columns = columns, raw_cells = true })
      local want = { columns }
      for _, row in ipairs(util.rows({ r }, shape)) do
        want[#want + 1] = { util.cell(row, columns[1]), util.cell(row, columns[2]), util.cell(row, columns[3]) }
      end
      assert.truthy(want[2][3]:find("\n", 1, true) or shape == "measure")
      for name, rows in pairs(tsv_readers(path, columns)) do
        assert.same(want, rows, name .. ", shape " .. shape)
      end
      os.remove(path)
    end
  end)

  it("quotes cells with TAB, LF or a quote, doubles quotes, writes CR as LF, neutralises formulas", function()
    local plugin = assert(bqw.plugins.get("export", "tsv"))
    local chunks = {}
    local out = {
      write = function(self, ...)
        for _, s in ipairs({ ... }) do
          chunks[#chunks + 1] = s
        end
        return self
      end,
    }
    plugin.write(
      out,
      { { a = "x\ty\\z\r\n", b = 'say "hi"', c = "=1+1", d = "plain\\" } },
      { shape = "record", columns = { "a", "b", "c", "d" } },
      { util = util }
    )
    assert.equal('a\tb\tc\td\n"x\ty\\z\n"\t"say ""hi"""\t\'=1+1\tplain\\\n', table.concat(chunks))
  end)

  it("refuses --bom, which it does not take", function()
    local _, err, code = H.bqw({ "export", "--format", "tsv", "--bom" })
    assert.equal(2, code)
    assert.truthy(err:find('no option "bom"', 1, true), err)
  end)
end)

describe("json and ndjson exports", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("json is one object that jq reads: meta, shape, records", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path = export_file(ds, "json", { shape = shape })
      assert.equal(row_count(ds, shape), jq(".records | length", path))
      assert.equal(shape, jq(".shape", path))
      assert.equal(ds:meta().byline, jq(".meta.byline", path))
      os.remove(path)
    end
  end)

  it("ndjson is one record per line, no meta line, that jq reads", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path, data = export_file(ds, "ndjson", { shape = shape })
      local n = row_count(ds, shape)
      local _, newlines = data:gsub("\n", "")
      assert.equal(n, newlines)
      assert.equal(n, jq("length", path, true))
      assert.equal(0, jq('map(select(has("meta") or has("records"))) | length', path, true))
      assert.same({ 1, "document" }, jq("[.[0].id, .[0].kind]", path, true))
      if shape == "measure" then
        assert.equal(63, jq('map(select(has("measure"))) | length', path, true))
        assert.equal(0, jq('map(select(has("measures"))) | length', path, true))
      else
        assert.equal(63, jq('map(.measures // [] | length) | add', path, true))
      end
      os.remove(path)
    end
  end)

  it("ndjson keeps only the given columns, and the injected text round-trips", function()
    local injected = injected_dataset()
    local path = export_file(injected, "ndjson", { where = "id=1", shape = "measure", columns = "id,measure" })
    assert.same({ { id = 1, measure = INJECTED[1] }, { id = 1, measure = INJECTED[2] }, { id = 1, measure = INJECTED[3] } }, jq(".", path, true))
    os.remove(path)
  end)
end)

describe("markdown export", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("has a heading, the meta, and a well-formed GFM table per section, in both shapes", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path, data = export_file(ds, "markdown", { shape = shape })
      local doc = python(MARKDOWN_PY, path)
      assert.same({}, doc.errors)
      assert.truthy(doc.headings[1]:find("^# "))
      local titles = section_titles(expected_rows(ds, shape))
      assert.equal(#titles + 1, #doc.headings)
      for i, t in ipairs(titles) do
        assert.equal("## " .. t, doc.headings[i + 1])
      end
      assert.equal(#titles, #doc.tables)
      local rows = 0
      for _, t in ipairs(doc.tables) do
        rows = rows + #t.rows
        assert.equal("id", t.header[1])
      end
      assert.equal(row_count(ds, shape), rows)
      assert.truthy(data:find(ds:meta().byline, 1, true))
      os.remove(path)
    end
  end)

  it("escapes pipes, markup and newlines so cells read back as the text", function()
    local injected = injected_dataset()
    local path = export_file(injected, "markdown", { where = "id=1", columns = "id,title,measures" })
    local doc = python(MARKDOWN_PY, path)
    assert.same({}, doc.errors)
    assert.equal(1, #doc.tables)
    assert.same({ "id", "title", "measures" }, doc.tables[1].header)
    assert.same({ { "1", INJECTED_TITLE, table.concat(INJECTED, "\n") } }, doc.tables[1].rows)
    local data = read(path)
    assert.falsy(data:find("<script>", 1, true))
    assert.falsy(data:find("<b>", 1, true))
    os.remove(path)
  end)

  -- pandoc reads the grid tables back (tests/outputs/markdown_pandoc.py); here their shape
  it("table = grid writes pandoc grid tables: a cell's lines end in a backslash, bars aligned by display width", function()
    local injected = injected_dataset()
    local path, data = export_file(injected, "markdown", { where = "id=1", columns = "id,title,measures", table = "grid" })
    os.remove(path)
    local lines = {}
    for line in data:gmatch("[^\n]+") do
      if line:find("^[+|]") then
        lines[#lines + 1] = line
      end
    end
    -- a rule, the header, the header's rule, three lines for three measures, a rule
    assert.equal(7, #lines, data)
    assert.truthy(lines[3]:find("^%+=+%+=+%+=+%+$"), lines[3])
    local width = require("bqw.core").width
    for _, line in ipairs(lines) do
      assert.equal(width(lines[1]), width(line), line)
    end
    assert.truthy(lines[4]:find(" 關于\\<b\\>粗\\<\\/b\\> \\& \\\"引\\\" \\'q\\' 措施 ", 1, true), lines[4])
    assert.truthy(lines[4]:find("| \\@SUM\\(A1\\:A2\\)\\ ", 1, true), lines[4])
    assert.truthy(lines[5]:find("| \\+1 試行\\|管道\\ ", 1, true), lines[5])
    assert.truthy(lines[6]:find("| \\=1\\+1\\, \\<script\\>", 1, true), lines[6])
    assert.falsy(lines[6]:find("\\ +|$"), lines[6]) -- the last line has no break
    assert.falsy(data:find("<br>", 1, true))
    local ok, err = injected:export("markdown", { where = "id=1", table = "html", stream = { write = function() end } })
    assert.is_nil(ok)
    assert.truthy(tostring(err):find("expected pipe or grid", 1, true), err)
    ok, err = injected:export("csv", { table = "grid", stream = { write = function() end } })
    assert.is_nil(ok)
    assert.truthy(tostring(err):find("table", 1, true), err)
  end)
end)

describe("html export", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("is one well-formed self-contained page with a table per section, in both shapes", function()
    for _, shape in ipairs({ "record", "measure" }) do
      local path, data = export_file(ds, "html", { shape = shape })
      local page = python(HTML_PY, path)
      assert.same({}, page.errors)
      assert.equal("doctype html", page.decl:lower())
      assert.equal("zh", page.lang)
      assert.is_true(page.charset)
      assert.same({}, page.urls)
      assert.is_nil(page.counts.script)
      assert.is_nil(page.counts.link)
      assert.is_nil(page.counts.img)
      assert.equal(1, page.counts.style)
      assert.falsy(page.style:find("url(", 1, true))
      assert.falsy(page.style:find("@import", 1, true))
      assert.falsy(data:find("https?:"))
      local titles = section_titles(expected_rows(ds, shape))
      assert.equal(#titles, page.counts.table)
      assert.equal(row_count(ds, shape) + #titles, page.counts.tr)
      for i, t in ipairs(titles) do
        assert.equal(t, page.headings[i + 1])
      end
      os.remove(path)
    end
  end)

  it("escapes every piece of text: injected markup comes out as text", function()
    local injected = injected_dataset()
    local path, data = export_file(injected, "html", { where = "id=1", columns = { "id", "title", "measures" } })
    local page = python(HTML_PY, path)
    assert.same({}, page.errors)
    assert.is_nil(page.counts.script)
    assert.is_nil(page.counts.b)
    assert.is_nil(page.counts.i)
    assert.same({ "id", "title", "measures", "1", INJECTED_TITLE, table.concat(INJECTED, "\n") }, page.cells)
    -- a column that is no field is refused before anything is written
    local ok, err = injected:export("html", { columns = { "id", "<i>" } })
    assert.is_nil(ok)
    assert.truthy(err:find('unknown column "<i>"', 1, true))
    assert.truthy(data:find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;", 1, true))
    os.remove(path)
  end)
end)

describe("export atomic write", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)
  after_each(function()
    bqw.setup({ plugin_path = false })
  end)

  local HALFWAY = [[
return {
  name = "halfway", kind = "export", description = "writes a little, then fails",
  shapes = { "record", "measure" },
  write = function(out, records)
    out:write("partial ", #records, "\n")
    error("failed on purpose")
  end,
}
]]

  it("into a directory that does not exist fails cleanly", function()
    local dir = temp_dir()
    local path = dir .. "/missing/out.csv"
    for _, format in ipairs(FORMATS) do
      local ok, err = ds:export(format, { output = path })
      assert.is_nil(ok)
      assert.truthy(err:find(path, 1, true), err)
    end
    assert.same({}, dir_entries(dir))
    local _, err, code = H.bqw({ "export", "--format", "csv", "-o", path })
    assert.are_not.equal(0, code)
    assert.truthy(err:find(path, 1, true), err)
    assert.same({}, dir_entries(dir))
    os.remove(dir)
  end)

  it("replaces an older file only when the export succeeds, and leaves no temporary file", function()
    local dir = temp_dir()
    local path = dir .. "/out.csv"
    write(path, "OLD\n")
    -- a bad option: refused before anything is written
    local ok, err = ds:export("csv", { output = path, nosuch = true })
    assert.is_nil(ok)
    assert.truthy(err:find('no option "nosuch"', 1, true), err)
    assert.equal("OLD\n", read(path))
    -- a plugin that raises after writing part of its output
    local plugins = temp_dir()
    assert(os.execute("mkdir -p " .. H.quote(plugins .. "/export")))
    write(plugins .. "/export/halfway.lua", HALFWAY)
    bqw.setup({ plugin_path = { plugins } })
    ok, err = ds:export("halfway", { output = path })
    assert.is_nil(ok)
    assert.truthy(err:find("failed on purpose", 1, true), err)
    assert.equal("OLD\n", read(path))
    assert.same({ "out.csv" }, dir_entries(dir))
    -- the same through the CLI, the plugin found on $BQW_PLUGIN_PATH
    local _, cerr, code = H.bqw({ "export", "--format", "halfway", "-o", path }, { BQW_PLUGIN_PATH = plugins })
    assert.are_not.equal(0, code)
    assert.truthy(cerr:find("failed on purpose", 1, true), cerr)
    assert.equal("OLD\n", read(path))
    assert.same({ "out.csv" }, dir_entries(dir))
    -- a good export replaces it, still with nothing left beside it
    assert(ds:export("csv", { output = path, where = "id=1" }))
    assert.truthy(read(path):find("^id,kind,"))
    assert.same({ "out.csv" }, dir_entries(dir))
    os.execute("rm -rf " .. H.quote(dir) .. " " .. H.quote(plugins))
  end)
end)
