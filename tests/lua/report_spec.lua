-- bqw report (lua/bqw/report.lua) and the HTML helpers it shares with the HTML export.
local H = require("tests.lua.helpers")
local bqw = require("bqw")

local function rows(page)
  local out = {}
  for id in page:gmatch('<tr id="r(%d+)"') do
    out[#out + 1] = tonumber(id)
  end
  return out
end

describe("bqw report", function()
  it("writes one self-contained page: counts, SVG charts, every record linkable", function()
    local page, err, code = H.bqw({ "report" })
    assert.equal(0, code, err)
    assert.truthy(page:find("^<!doctype html>"))
    assert.equal(56, #rows(page))
    assert.truthy(page:find('<a href="#r27">27</a>', 1, true))
    assert.truthy(page:find("bqw%-digest%-2023%.txt:81"))
    local _, svgs = page:gsub("<svg ", "")
    assert.is_true(svgs >= 6)
    assert.truthy(page:find(">珠三角</text>", 1, true))
    -- nothing from the network: no URL that is not a fragment
    assert.is_nil(page:find("https?://"))
    assert.is_nil(page:find('src="', 1, true))
    assert.truthy(page:find("@media print", 1, true))
    assert.truthy(page:find('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif', 1, true))
  end)

  it("respects --where and --script", function()
    local page = H.bqw({ "report", "--where", "region=粤北", "--script", "hant" })
    assert.same({ 27, 28, 29, 39, 42 }, rows(page))
    assert.truthy(page:find("<h1>“百千萬工程”政策匯編</h1>", 1, true))
    assert.truthy(page:find("韶關", 1, true))
    page = H.bqw({ "report", "--where", "region=粤北" })
    assert.truthy(page:find("<h1>“百千万工程”政策汇编</h1>", 1, true))
    local _, err, code = H.bqw({ "report", "--where", "region=" })
    assert.equal(2, code)
    assert.truthy(err:find("^%-%-where:1:"))
  end)

  it("escapes the data", function()
    local lines = H.digest_lines()
    lines[9] = "●《關于<b>粗</b> & \"引\" 措施<script>alert(1)</script>》"
    local path = H.temp_file(table.concat(lines, "\n"))
    local page, err, code = H.bqw({ "report", "--data", path })
    os.remove(path)
    assert.equal(0, code, err)
    assert.is_nil(page:find("<b>粗", 1, true))
    assert.is_nil(page:find("<script>alert", 1, true))
    assert.truthy(page:find("&lt;b&gt;粗&lt;/b&gt; &amp; &quot;引&quot;", 1, true))
  end)
end)

-- report.write into a string, with ctx.rows (bound) as the table's bound.
local function write_report(where, bound)
  local ds = assert(bqw.load())
  local q = assert(ds:query(where))
  local buf = {}
  local out = {
    write = function(self, ...)
      for _, s in ipairs({ ... }) do
        buf[#buf + 1] = tostring(s)
      end
      return self
    end,
  }
  require("bqw.report").write(out, ds, q, { where = where, rows = bound, name = "d.txt", script = "hans" })
  return table.concat(buf)
end

describe("the report's bound", function()
  it("holds the first rows, says so and gives the commands for the rest", function()
    local page = write_report("kind=city", 5)
    assert.same({ 22, 23, 24, 25, 26 }, rows(page))
    assert.truthy(page:find("本页列出前 5 条，共 21 条", 1, true))
    assert.truthy(page:find("The table lists the first 5 of the 21 records", 1, true))
    assert.truthy(page:find("bqw export --where kind=city --format xlsx -o records.xlsx", 1, true))
    assert.truthy(page:find('<div id="more" class="noprint" hidden>', 1, true))
    assert.truthy(page:find('data-total="21" data-where="kind=city"', 1, true))
    -- the counts and charts count every record
    assert.truthy(page:find("<b>21</b>", 1, true))
  end)

  it("holds every record when they fit, without the notice", function()
    local page = write_report(nil, 56)
    assert.equal(56, #rows(page))
    assert.is_nil(page:find('id="more"', 1, true))
    assert.is_nil(page:find("本页列出前", 1, true))
  end)

  it("scales its charts to the column: a viewBox, no fixed width", function()
    local page = write_report(nil)
    local n = 0
    for svg in page:gmatch("<svg [^>]*>") do
      n = n + 1
      assert.truthy(svg:find('viewBox="0 0 %d+ %d+"'), svg)
      assert.is_nil(svg:find(" width=", 1, true), svg)
    end
    assert.is_true(n >= 7)
    assert.truthy(page:find("break-inside: avoid", 1, true))
  end)

  it("has a tool x region heat map and the code counts, with a user's codebook too", function()
    local page = H.bqw({ "report" })
    local heat = page:match('<table class="heat".-</table>')
    assert.truthy(heat, "no heat map")
    -- a row per policy tool and sub-tool, a cell per region with its number
    assert.equal(18, select(2, heat:gsub('<tr data%-code="', "")))
    assert.truthy(heat:find('<tr data%-code="环境型"><th scope="row" title="Environmental tools">环境型</th><td '
      .. 'data%-region="珠三角" style="background:#%x+;color:#%x+">6</td>'))
    assert.truthy(page:find('<div class="heat-legend">', 1, true))
    assert.truthy(page:find('<tr data-code="党建治理"><th scope="row">党建治理</th><td>Party building and governance</td>'
      .. '<td class="num">7</td>', 1, true))
    -- a user's codebook: its codes, no policy-tools rows
    local path = H.temp_file("code\tlabel\tpatterns\n燃气\tGas\t燃气\n", ".tsv")
    local mine = H.bqw({ "report", "--codebook", path })
    os.remove(path)
    assert.truthy(mine:find('<tr data-code="燃气">', 1, true))
    assert.is_nil(mine:find('data-code="环境型"', 1, true))
  end)
end)

describe("the report's timeline", function()
  it("makes one point of the records of one day, and labels at most 60 points", function()
    local one = bqw.default_digest()
    local path = H.temp_file(table.concat({ one, one, one }, "\n"))
    local page, err, code = H.bqw({ "report", "--data", path, "--where", "kind=meeting or kind=target" })
    os.remove(path)
    assert.equal(0, code, err)
    local svg = page:match('<svg role="img" aria%-label="timeline".-</svg>')
    assert.truthy(svg)
    local _, circles = svg:gsub("<circle", "")
    assert.equal(13, circles) -- the digest's 10 meeting days and 3 target years, once each
    assert.truthy(svg:find("2022-12-08 ×3", 1, true))
    -- every record is still in the table
    local _, nrows = page:gsub('<tr id="r%d+"', "")
    assert.equal(39, nrows)
  end)
end)

describe("the HTML and Markdown exports' titles", function()
  it("follow the script", function()
    local ds = assert(bqw.load())
    assert.truthy(assert(ds:export("html", { where = "id=1" })):find("<h1>“百千万工程”政策汇编</h1>", 1, true))
    assert.truthy(assert(ds:export("markdown", { where = "id=1" })):find("^# “百千万工程”政策汇编"))
    bqw.setup({ script = "hant" })
    local ok, page = pcall(ds.export, ds, "html", { where = "id=1" })
    bqw.setup({ script = "hans" })
    assert.is_true(ok)
    assert.truthy(page:find("<h1>“百千萬工程”政策匯編</h1>", 1, true))
  end)
end)
