-- The Lua API: require("bqw").
local bqw = require("bqw")
local H = require("tests.lua.helpers")

-- These specs read the published text.
H.use_original_script(setup, teardown)

local function by_kind(records, kind)
  local out = {}
  for _, r in ipairs(records) do
    if r.kind == kind then
      out[#out + 1] = r
    end
  end
  return out
end

describe("bqw.load()", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("opens the shipped digest with the documented counts", function()
    assert.same({
      provincial_documents = 21,
      provincial_measures = 31,
      city_entries = 21,
      city_measures = 32,
      guiding_documents = 1,
      targets = 3,
      meetings = 10,
      measures = 63,
    }, ds:stats())
    assert.equal(56, ds:count())
  end)

  it("returns records in source order with ids, kinds and lines", function()
    local records = ds:records()
    assert.equal(56, #records)
    local last_line = 0
    for i, r in ipairs(records) do
      assert.equal(i, r.id)
      assert.is_true(r.line > last_line, "records out of source order at " .. i)
      last_line = r.line
      assert.truthy(({ document = 1, city = 1, guiding = 1, target = 1, meeting = 1 })[r.kind])
    end
    local first = records[1]
    assert.equal("document", first.kind)
    assert.equal(9, first.line)
    assert.equal("province", first.section)
    assert.equal("縣域發展", first.category)
    assert.equal("關于推動產業有序轉移促進區域協調發展的若干措施", first.title)
    assert.same({ 10, 11, 12 }, first.measure_lines)
    assert.equal("支持粵東粵西粵北各市各打造1個承接產業有序轉移主平臺。", first.measures[2])
  end)

  it("gives city entries a gazetteer city and region, headline, action and title", function()
    local cities = by_kind(ds:records(), "city")
    assert.equal(21, #cities)
    local byname = {}
    for _, c in ipairs(cities) do
      byname[c.city] = c
    end
    assert.equal("珠三角", byname["广州"].region)
    assert.equal("statement", byname["广州"].action)
    assert.is_nil(byname["广州"].title)
    assert.equal("粤北", byname["韶关"].region)
    assert.equal("issue", byname["韶关"].action)
    assert.equal("meeting", byname["珠海"].action)
    assert.equal("粤西", byname["湛江"].region)
    assert.equal("粤东", byname["潮州"].region)
    assert.equal(
      "關于全面推進“百縣千鎮萬村高質量發展工程”促進城鄉區域協調發展三年行動計劃(2023—2025年)",
      byname["肇庆"].title
    )
    -- the repaired spans read correctly
    assert.equal("實施生態立市、工業強市、縣域富市“三大戰略”,壯大縣域鎮域綜合實力,全面推進鄉村振興。",
      byname["韶关"].measures[1])
    assert.equal("一體推進富縣強鎮興村,切實將縣鎮村發展短板轉化為肇慶高質量發展潛力板。",
      byname["肇庆"].measures[1])
    assert.truthy(byname["湛江"].headline:find("百縣千鎮", 1, true))
  end)

  it("links targets to the guiding document and dates meetings in ISO 8601", function()
    local records = ds:records()
    local guiding = by_kind(records, "guiding")[1]
    assert.equal("中共廣東省委關于實施“百縣千鎮萬村高質量發展工程”促進城鄉區域協調發展的決定", guiding.title)
    local years = {}
    for _, t in ipairs(by_kind(records, "target")) do
      assert.equal(guiding.id, t.parent)
      years[#years + 1] = t.year
    end
    assert.same({ 2025, 2027, 2035 }, years)
    local meetings = by_kind(records, "meeting")
    assert.equal("2022-12-08", meetings[1].date)
    assert.equal("2023-08-03", meetings[10].date)
    assert.equal(149, meetings[1].line)
  end)

  it("leaves no pinyin residue, corruption or HTML in any text", function()
    local function clean(s)
      assert.is_nil(s:find("?", 1, true), s)
      assert.is_nil(s:find("<", 1, true), s)
      -- a reading is "(" + latin letters with a tone mark; tone marks are 2-byte UTF-8 in C3-C7
      assert.is_nil(s:find("%([a-z]*[\195-\199]"), s)
    end
    for _, r in ipairs(ds:records()) do
      for _, key in ipairs({ "title", "text", "headline" }) do
        if r[key] then
          clean(r[key])
        end
      end
      for _, m in ipairs(r.measures or {}) do
        clean(m)
      end
    end
    for _, v in pairs(ds:meta()) do
      if type(v) == "table" then -- bylines
        for _, s in ipairs(v) do
          clean(s)
        end
      else
        clean(v)
      end
    end
    -- real parentheses survive
    assert.truthy(ds:meta().introduction:find("122個縣(市、區)", 1, true))
  end)

  it("has meta and diagnostics", function()
    local meta = ds:meta()
    assert.equal("南方日報記者 陳薇 張子俊", meta.byline)
    assert.same({ "南方日報記者 陳薇 張子俊" }, meta.bylines)
    assert.same({ "南方日报记者 陈薇 张子俊" }, ds:meta({ script = "hans" }).bylines)
    assert.equal("統籌:彭琳 高靜寧 陳丹佳 黃進", meta.credits)
    assert.equal("轉自南方日報", meta.source)
    local diags = ds:diagnostics()
    assert.equal(7, #diags)
    assert.equal("warning", diags[1].severity)
    assert.equal(1, diags[1].line)
    assert.truthy(diags[1].message:find("cut at its start", 1, true))
    -- a note at each repaired spot, with its column in characters and in bytes
    assert.equal("note", diags[4].severity)
    assert.equal(100, diags[4].line)
    assert.equal(11, diags[4].col)
    assert.equal(21, diags[4].col_byte)
    assert.truthy(diags[4].formatted:find(":100:21: note: repaired ", 1, true), diags[4].formatted)
    local report = ds:report()
    assert.equal(807, report.residue_removed)
    assert.equal(6, report.repairs_applied)
  end)

  it("returns fresh tables each call", function()
    local a, b = ds:records(), ds:records()
    a[1].title = "changed"
    assert.are_not.equal("changed", b[1].title)
    assert.equal(ds:record(1).title, b[1].title)
    assert.is_nil(ds:record(0))
    assert.is_nil(ds:record(57))
  end)
end)

describe("failures", function()
  it("returns nil, message, name for a missing file", function()
    local ds, message, name = bqw.load("/nonexistent/digest.txt")
    assert.is_nil(ds)
    assert.equal("EIO", name)
    assert.truthy(message:find("/nonexistent/digest.txt: error: cannot read file", 1, true))
  end)

  it("returns a compiler-style message for invalid UTF-8", function()
    local ds, message, name = bqw.load_string("全省政策\n縣域發展\xC0\xAF\n", "bad.txt")
    assert.is_nil(ds)
    assert.equal("EENCODING", name)
    -- the column counts bytes, as clang and Vim's quickfix do: 縣域發展 is 12 bytes
    assert.truthy(message:find("^bad.txt:2:13: error: invalid UTF%-8: overlong"), message)
  end)

  it("returns ENODATA for an empty or whitespace-only digest", function()
    for _, text in ipairs({ "", " \n\t\n\r\n\227\128\128\n" }) do
      local ds, message, name = bqw.load_string(text, "empty.txt")
      assert.is_nil(ds)
      assert.equal("ENODATA", name)
      assert.truthy(message:find("^empty.txt: error: no records: "), message)
    end
    local path = H.temp_file("")
    local ds, message, name = bqw.load(path)
    os.remove(path)
    assert.is_nil(ds)
    assert.equal("ENODATA", name)
    assert.equal(path .. ": error: no records: the file is empty", message)
  end)

  it("refuses what is not a regular file, without blocking on a FIFO", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir .. " && mkfifo " .. dir .. "/fifo"))
    for _, case in ipairs({ { dir, "a directory" }, { dir .. "/fifo", "a FIFO" }, { "/dev/zero", "a character device" } }) do
      local ds, message, name = bqw.load(case[1])
      assert.is_nil(ds)
      assert.equal("EIO", name)
      assert.equal(case[1] .. ": error: not a regular file (" .. case[2] .. ")", message:match("^[^;]*"))
    end
    os.execute("rm -r " .. dir)
  end)

  it("refuses a file over max_size before reading it", function()
    local path = H.temp_file(bqw.default_digest())
    bqw.setup({ max_size = 1000 })
    local ds, message, name = bqw.load(path)
    local checked = bqw.check(path)
    bqw.setup({ max_size = false })
    assert.is_nil(ds)
    assert.equal("EIO", name)
    assert.truthy(message:find(path .. ": error: file is larger than the size limit of 1000 bytes", 1, true), message)
    assert.equal("EIO", checked.status)
    assert.truthy(bqw.load(path))
    os.remove(path)
    assert.has_error(function()
      bqw.setup({ max_size = -1 })
    end)
    assert.has_error(function()
      bqw.setup({ max_size = 1.5 })
    end)
  end)

  it("names the encoding of GB18030 input", function()
    -- 百县千镇 in GB18030, several times
    local gb = string.rep("\176\217\207\216\199\167\213\242\n", 4)
    local ds, message = bqw.load_string(gb, "gb.txt")
    assert.is_nil(ds)
    assert.truthy(message:find("GB18030", 1, true), message)
    assert.truthy(message:find("iconv -f GB18030 -t UTF-8", 1, true), message)
  end)

  it("raises on wrong arguments", function()
    assert.has_error(function()
      bqw.load(42)
    end, "bqw.load: bad argument #1: expected string or nil, got number")
    assert.has_error(function()
      bqw.setup({ colour = "red" })
    end)
    local ds = assert(bqw.load())
    ds:close()
    assert.has_error(function()
      ds:records()
    end, "bqw: the dataset is closed")
  end)
end)

describe("bqw.check()", function()
  it("reports errors with positions without failing", function()
    local path = H.temp_file("全省政策\n縣域發展\n●《題\255》\n")
    local result = assert(bqw.check(path))
    os.remove(path)
    assert.is_false(result.ok)
    assert.equal("EENCODING", result.status)
    local found
    for _, d in ipairs(result.diagnostics) do
      if d.severity == "error" then
        found = d
      end
    end
    assert.equal(3, found.line)
    assert.equal(4, found.col)
  end)
end)

describe("bqw.setup{ data }", function()
  it("changes what bqw.load() opens", function()
    local path = H.temp_file(bqw.default_digest():gsub("\n", "\r\n"))
    bqw.setup({ data = path })
    local ds = assert(bqw.load())
    assert.equal(path, ds:name())
    assert.is_true(ds:report().had_cr)
    bqw.setup({ data = false })
    os.remove(path)
  end)
end)

describe("text width", function()
  it("counts a Han character as two cells", function()
    assert.equal(4, bqw.width("广州"))
    assert.equal(7, bqw.width("广州abc"))
    local cut, cells = bqw.truncate("中共廣東省委", 7)
    assert.equal("中共廣…", cut)
    assert.equal(7, cells)
  end)
end)
