-- The built-in views (tree, table, timeline, cities, detail) on the shipped digest:
-- through ds:view and through `bqw view`.
local bqw = require("bqw")
local util = require("bqw.view_util")
local H = require("tests.lua.helpers")

-- These specs read the published text.
H.use_original_script(setup, teardown)

local WIDTHS = { 40, 60, 100 }

local function find_line(result, pattern, plain)
  for i, l in ipairs(result.lines) do
    if l:find(pattern, 1, plain ~= false) then
      return i, l
    end
  end
  return nil
end

local function lines_of_id(result, id)
  local out = {}
  for i = 1, #result.lines do
    if result.ids[i] == id then
      out[#out + 1] = i
    end
  end
  return out
end

-- The text highlighted with group on line n (the first such span).
local function span(result, n, group)
  for _, h in ipairs(result.highlights) do
    if h.line == n and h.group == group then
      return result.lines[n]:sub(h.first + 1, h.last)
    end
  end
  return nil
end

--- The result is well formed: highlights index whole characters of existing lines and
--- name known groups; folds are proper ranges; ids name records; no line is wider than
--- width.
local function check_result(result, ds, width)
  assert.is_table(result.lines)
  local n = #result.lines
  for i, l in ipairs(result.lines) do
    assert.is_string(l)
    assert.is_nil(l:find("\n", 1, true), "line " .. i .. " holds a newline")
    if width then
      assert.is_true(bqw.width(l) <= width, ("line %d is %d cells wide (limit %d): %s"):format(i, bqw.width(l), width, l))
    end
  end
  for _, h in ipairs(result.highlights) do
    assert.is_true(h.line >= 1 and h.line <= n, "highlight on a missing line " .. tostring(h.line))
    local l = result.lines[h.line]
    assert.is_true(h.first >= 0 and h.first < h.last and h.last <= #l, "bad span on line " .. h.line)
    assert.truthy(util.GROUPS[h.group], "unknown group " .. tostring(h.group))
    -- spans start and end on character boundaries
    local b1, b2 = l:byte(h.first + 1), l:byte(h.last + 1)
    assert.is_false(b1 >= 128 and b1 < 192, "span starts inside a character on line " .. h.line)
    assert.is_false(b2 ~= nil and b2 >= 128 and b2 < 192, "span ends inside a character on line " .. h.line)
  end
  for _, f in ipairs(result.folds) do
    assert.is_true(f.first >= 1 and f.first < f.last and f.last <= n, ("bad fold %d-%d of %d"):format(f.first, f.last, n))
  end
  for line, id in pairs(result.ids) do
    assert.is_true(line >= 1 and line <= n)
    assert.truthy(ds:record(id), "no record " .. tostring(id))
  end
end

local function has_fold(result, first, last)
  for _, f in ipairs(result.folds) do
    if f.first == first and (last == nil or f.last == last) then
      return true
    end
  end
  return false
end

describe("views", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("let a host take its turn while they go over many records (view_util.tick)", function()
    -- Neovim builds a large view in a coroutine that yields in the tick: a loop over
    -- every record that adds no line must tick too, or the editor waits for it
    local records = {}
    for i = 1, 2000 do
      records[i] = { id = i, kind = "city", line = i, city = "广州", region = "珠三角", action = "a" .. i, measures = { "m" } }
    end
    -- the plugins loaded afresh: they and this test share one view_util (other specs
    -- may have loaded it again since)
    require("bqw.plugins").reset()
    local vu = require("bqw.view_util")
    for i = 1, 1000 do
      records[#records + 1] = { id = 2000 + i, kind = "meeting", line = i, date = ("2023-%02d-%02d"):format(1 + i % 12, 1 + i % 28), text = "会议" }
    end
    for _, name in ipairs({ "table", "tree", "cities", "timeline" }) do
      local plugin = assert(require("bqw.plugins").get("view", name))
      local ticks = 0
      local saved = vu.current_tick
      vu.current_tick = function()
        ticks = ticks + 1
      end
      local ok, result = pcall(plugin.render, records, { width = 100 }, {})
      vu.current_tick = saved
      assert(ok, result)
      -- besides the builder's tick every 256 lines: at least one per 500 records
      assert.is_true(ticks >= math.floor(#result.lines / 256) + 4, ("%s: %d ticks for %d lines"):format(name, ticks, #result.lines))
    end
  end)

  it("stream to a sink in chunks that make up the whole view (list, table)", function()
    -- a large digest: the embedded one four times over, so a view has several chunks
    local text = bqw.default_digest()
    local big = assert(bqw.load_string(text .. "\n" .. (text:gsub("^.-\n全省政策", "全省政策")):rep(12), "big.txt"))
    for _, case in ipairs({
      { "list", {} },
      { "list", { sort = "-city", where = "kind=city or kind=document" } },
      { "table", { columns = { "id", "city", "region", "years", "measures" }, width = 70 } },
      { "table", { sort = "region", script = "hant" } },
    }) do
      local name, opts = case[1], case[2]
      local whole = assert(big:view(name, opts))
      local chunks, lines, highlights, ids = 0, {}, {}, {}
      local streamed = {}
      for k, v in pairs(opts) do
        streamed[k] = v
      end
      streamed.sink = function(chunk)
        chunks = chunks + 1
        assert.are.equal(#lines + 1, chunk.first)
        assert.is_true(#chunk.lines <= 512)
        for i, l in ipairs(chunk.lines) do
          lines[#lines + 1] = l
          ids[#lines] = chunk.ids[i]
        end
        for _, h in ipairs(chunk.highlights) do
          assert.is_true(h.line >= 1 and h.line <= #chunk.lines)
          highlights[#highlights + 1] = { line = h.line + chunk.first - 1, first = h.first, last = h.last, group = h.group }
        end
      end
      local result = assert(big:view(name, streamed))
      assert.are.same(whole.lines, lines)
      assert.are.same(whole.highlights, highlights)
      assert.are.same(whole.ids, ids)
      assert.are.equal(whole.count, result.count)
      assert.are.equal(#whole.lines, result.line_count)
      assert.is_true(chunks >= 2, name .. ": one chunk")
      assert.are.equal(0, #result.lines)
    end
  end)

  it("are all registered and well formed at every width", function()
    for _, name in ipairs({ "tree", "table", "timeline", "cities", "detail" }) do
      for _, w in ipairs(WIDTHS) do
        local result = assert(ds:view(name, { width = w }))
        assert.is_true(#result.lines > 0, name)
        check_result(result, ds, w)
      end
      -- an empty selection still renders
      local empty = assert(ds:view(name, { where = "id>1000" }))
      check_result(empty, ds)
    end
  end)

  describe("tree", function()
    local t
    setup(function()
      t = assert(ds:view("tree", { width = 100 }))
    end)

    it("has a heading and a fold per section, in source order", function()
      local headings = {}
      for _, title in ipairs({ "全省政策", "地市政策", "總體指導文件", "“百千萬工程”重要會議一覽" }) do
        local n = find_line(t, "^" .. title:gsub("%p", "%%%0") .. "  %d+$", false)
        assert.truthy(n, title)
        assert.equal(title, span(t, n, "BqwHeading"))
        assert.is_nil(t.ids[n])
        assert.is_true(has_fold(t, n), "no fold at " .. title)
        headings[#headings + 1] = n
      end
      for i = 2, #headings do
        assert.is_true(headings[i] > headings[i - 1])
      end
      assert.equal("全省政策  21", t.lines[1])
    end)

    it("puts categories under the provincial section and documents with their measures under them", function()
      local cat = find_line(t, "  縣域發展  5")
      assert.equal("縣域發展", span(t, cat, "BqwSubheading"))
      assert.is_true(has_fold(t, cat))
      local doc = cat + 1
      assert.equal(1, t.ids[doc])
      assert.equal("    L9    關于推動產業有序轉移促進區域協調發展的若干措施", t.lines[doc])
      assert.equal("關于推動產業有序轉移促進區域協調發展的若干措施", span(t, doc, "BqwTitle"))
      assert.equal("L9    ", span(t, doc, "BqwLine"))
      assert.equal("      ◎ 支持粵東粵西粵北地區更好承接國內外特別是珠三角地區產業有序轉移。", t.lines[doc + 1])
      assert.equal("◎ ", span(t, doc + 1, "BqwBullet"))
      assert.equal(1, t.ids[doc + 1])
      assert.equal(4, #lines_of_id(t, 1)) -- the document and its three measures
      assert.is_true(has_fold(t, doc, doc + 3))
      for _, c in ipairs({ "城鎮建設", "鄉村振興", "城鄉融合" }) do
        assert.truthy(find_line(t, "  " .. c .. "  "), c)
      end
    end)

    it("puts each city (with its region) over its entry and measures", function()
      local n = find_line(t, "  韶关  粤北  1")
      assert.truthy(n)
      assert.equal("韶关", span(t, n, "BqwCity"))
      assert.equal("粤北", span(t, n, "BqwRegion"))
      assert.is_nil(t.ids[n])
      assert.equal(27, t.ids[n + 1])
      assert.truthy(t.lines[n + 1]:find("L81", 1, true))
      local ids = lines_of_id(t, 27)
      assert.equal(n + 1, ids[1])
      local text = {}
      for _, i in ipairs(ids) do
        text[#text + 1] = t.lines[i]:gsub("^[%s◎]+", "")
      end
      text = table.concat(text)
      local r = ds:record(27)
      for _, m in ipairs(r.measures) do
        assert.truthy(text:find(m, 1, true), "measure not shown whole: " .. m)
      end
      assert.is_true(has_fold(t, n, ids[#ids]))
      assert.is_true(has_fold(t, ids[1], ids[#ids]))
      -- all 21 cities
      local cities = 0
      for i = 1, #t.lines do
        if span(t, i, "BqwCity") then
          cities = cities + 1
        end
      end
      assert.equal(21, cities)
    end)

    it("puts the targets under the guiding document and the meetings under the timeline", function()
      local g = lines_of_id(t, 43)[1]
      local guide_indent = #t.lines[g]:match("^ *")
      for _, id in ipairs({ 44, 45, 46 }) do
        local n = lines_of_id(t, id)[1]
        assert.is_true(n > g)
        assert.is_true(#t.lines[n]:match("^ *") > guide_indent, "target " .. id .. " not under the guiding document")
      end
      assert.is_true(has_fold(t, g, lines_of_id(t, 46)[#lines_of_id(t, 46)]))
      local n44 = lines_of_id(t, 44)[1]
      assert.equal("2025", span(t, n44, "BqwYear"))
      local tl = find_line(t, "“百千萬工程”重要會議一覽")
      for id = 47, 56 do
        local n = lines_of_id(t, id)[1]
        assert.is_true(n > tl)
        assert.truthy(span(t, n, "BqwDate"):match("^%d%d%d%d%-%d%d%-%d%d$"))
      end
      assert.equal("2022-12-08", span(t, lines_of_id(t, 47)[1], "BqwDate"))
    end)

    it("wraps measures to the width and keeps every character", function()
      for _, w in ipairs(WIDTHS) do
        local r = assert(ds:view("tree", { width = w, where = "id=12" }))
        local ids = lines_of_id(r, 12)
        local text = {}
        for k = 2, #ids do
          text[#text + 1] = (r.lines[ids[k]]:gsub("^[%s◎]+", ""))
        end
        assert.equal(ds:record(12).measures[1], table.concat(text))
        for _, i in ipairs(ids) do
          assert.is_true(bqw.width(r.lines[i]) <= w)
        end
      end
    end)
  end)

  describe("table", function()
    it("aligns columns by display width and cuts Han text with … to the width", function()
      for _, w in ipairs(WIDTHS) do
        for _, cols in ipairs({
          "id,kind,line,city,label",
          { "id", "city", "region", "title", "measures" },
          "headline,city,id",
          "title,text,category,section_title,issuers",
        }) do
          local r = assert(ds:view("table", { width = w, columns = cols }))
          check_result(r, ds, w)
          assert.equal(2 + 56, #r.lines)
          -- every column starts at the same display column on every line: the rule
          -- line's gaps sit where the cells' gaps are
          local rule = r.lines[2]
          assert.truthy(rule:match("^[─ ]+$"))
          assert.is_true(bqw.width(rule) <= w)
        end
      end
      local narrow = assert(ds:view("table", { width = 40, columns = "id,city,title" }))
      local cut = 0
      for i = 3, #narrow.lines do
        if narrow.lines[i]:find("…", 1, true) then
          cut = cut + 1
        end
      end
      assert.is_true(cut > 10, "expected cut titles at width 40")
    end)

    it("puts every cell at the same display column (Han text two cells)", function()
      local r = assert(ds:view("table", { width = 60, columns = "city,region,id,title", where = "kind=city" }))
      -- the column starts: from the rule
      local starts, col = {}, 0
      for run, gap in r.lines[2]:gmatch("([^ ]+)( *)") do
        starts[#starts + 1] = col
        col = col + bqw.width(run) + #gap
      end
      assert.equal(4, #starts)
      for i = 3, #r.lines do
        local l = r.lines[i]
        -- each highlighted cell starts where its column does
        local n = 0
        for _, h in ipairs(r.highlights) do
          if h.line == i then
            n = n + 1
            local before = l:sub(1, h.first)
            local cell = l:sub(h.first + 1, h.last)
            local lead = #cell:match("^ *")
            local at = bqw.width(before) + (h.group == "BqwId" and 0 or lead)
            local k
            for j, s in ipairs(starts) do
              if s == at then
                k = j
              end
            end
            assert.truthy(k or h.group == "BqwId", ("line %d: a cell at %d: %s"):format(i, at, l))
          end
        end
        assert.equal(22 + (i - 3), r.ids[i]) -- city entries are ids 22..42
        assert.equal(ds:record(r.ids[i]).title and 4 or 3, n) -- an empty title has no span
        -- the line is the widths of the columns apart: Han text does not push
        -- the next column
        local region_at = bqw.width(l:sub(1, l:find("  ", 1, true) + 1))
        assert.equal(starts[2], region_at)
      end
    end)

    it("right-aligns numbers, heads columns with BqwField and puts ids behind rows", function()
      local r = assert(ds:view("table", { width = 100 }))
      assert.equal("id", span(r, 1, "BqwField"))
      assert.is_nil(r.ids[1])
      assert.is_nil(r.ids[2])
      assert.equal(" 1", span(r, 3, "BqwId"))
      assert.equal("56", span(r, 58, "BqwId"))
      assert.equal(1, r.ids[3])
      assert.equal(56, r.ids[58])
      -- the line column (numbers up to 167) is right-aligned under its header
      assert.equal("   9", span(r, 3, "BqwLine"))
      assert.equal(" 167", span(r, 58, "BqwLine"))
      -- default columns: id, kind, line, city, label
      assert.truthy(r.lines[1]:find("^id%s+kind%s+line%s+city%s+label$"))
      assert.truthy(r.lines[24]:find("韶关", 1, true) or r.lines[29]:find("韶关", 1, true))
    end)

    it("joins arrays with \"; \" and reports an unknown column", function()
      local r = assert(ds:view("table", { columns = { "id", "measure_lines" }, where = "id=27" }))
      assert.equal("27  83; 84", r.lines[3])
      local none, err = ds:view("table", { columns = "id,nosuch" })
      assert.is_nil(none)
      assert.truthy(err:find('no field "nosuch"', 1, true), err)
    end)

    it("keeps within tiny widths by dropping columns that cannot get a cell", function()
      local r = assert(ds:view("table", { width = 8, columns = "id,kind,line,city,label" }))
      check_result(r, ds, 8)
    end)
  end)

  describe("timeline", function()
    it("puts meetings and targets on one axis, a heading per year, sorted", function()
      local r = assert(ds:view("timeline", { width = 80 }))
      check_result(r, ds, 80)
      local years, keys = {}, {}
      for i, l in ipairs(r.lines) do
        if r.ids[i] then
          local rec = ds:record(r.ids[i])
          assert.truthy(rec.kind == "meeting" or rec.kind == "target")
          local date = span(r, i, rec.kind == "meeting" and "BqwDate" or "BqwYear")
          assert.truthy(date, l)
          date = date:gsub("%s+$", "")
          if rec.kind == "meeting" then
            assert.equal(rec.date, date)
          else
            assert.equal(tostring(rec.year), date)
          end
          keys[#keys + 1] = date
        else
          local y = span(r, i, "BqwHeading")
          assert.truthy(y and y:match("^%d%d%d%d$"), l)
          years[#years + 1] = tonumber(y)
        end
      end
      assert.same({ 2022, 2023, 2025, 2027, 2035 }, years)
      assert.equal(13, #keys)
      for i = 2, #keys do
        assert.is_true(keys[i - 1] <= keys[i], "unsorted: " .. keys[i - 1] .. " then " .. keys[i])
      end
      assert.equal("2022  1", r.lines[1])
      assert.equal(5, #r.folds)
      assert.is_true(has_fold(r, 3, 12)) -- 2023 and its nine meetings
      local n = lines_of_id(r, 44)[1]
      assert.truthy(r.lines[n]:find("^  2025%s+target%s+城鄉融合"))
    end)

    it("cuts each line to the width with …", function()
      for _, w in ipairs(WIDTHS) do
        local r = assert(ds:view("timeline", { width = w }))
        check_result(r, ds, w)
        if w < 100 then
          assert.truthy(r.lines[2]:find("…$"))
        end
      end
    end)
  end)

  describe("cities", function()
    local r
    setup(function()
      r = assert(ds:view("cities", { width = 60 }))
    end)

    local function region_rows(result)
      local out = {}
      for i = 1, #result.lines do
        local name = span(result, i, "BqwRegion")
        if name then
          local count = span(result, i, "BqwDim")
          out[#out + 1] = { name = name, line = i, count = count }
        end
      end
      return out
    end

    it("lists the 21 cities in four regions, in gazetteer order, with their counts", function()
      local regions = region_rows(r)
      assert.equal(4, #regions)
      local want = { { "珠三角", 9 }, { "粤东", 4 }, { "粤西", 3 }, { "粤北", 5 } }
      local total = 0
      for k, reg in ipairs(regions) do
        assert.equal(want[k][1], reg.name)
        assert.equal(want[k][2] .. " cities", reg.count)
        local cities = 0
        local n = reg.line + 1
        while span(r, n, "BqwCity") do
          cities, n = cities + 1, n + 1
        end
        assert.equal(want[k][2], cities)
        assert.is_true(has_fold(r, reg.line, n - 1))
        total = total + cities
      end
      assert.equal(21, total)
      local n, l = find_line(r, "  韶关")
      assert.equal(27, r.ids[n])
      assert.truthy(l:find("^  韶关%s+1%s+2  issue$"), l)
      local _, zhuhai = find_line(r, "  珠海")
      assert.truthy(zhuhai:find("^  珠海%s+1%s+1  meeting$"), zhuhai)
      local _, gz = find_line(r, "  广州")
      assert.truthy(gz:find("statement$"))
      local _, north = find_line(r, "粤北 ")
      assert.truthy(north:find("^粤北%s+5%s+9  5 cities$"), north)
      local _, last = find_line(r, "total")
      assert.truthy(last:find("^total%s+21%s+32  21 cities$"), last)
    end)

    it("still lists all 21 cities when the records are filtered, with 0 for the rest", function()
      local f = assert(ds:view("cities", { where = "region=粤北", width = 60 }))
      check_result(f, ds, 60)
      local cities = 0
      for i = 1, #f.lines do
        if span(f, i, "BqwCity") then
          cities = cities + 1
        end
      end
      assert.equal(21, cities)
      local _, gz = find_line(f, "  广州")
      assert.truthy(gz:find("^  广州%s+0%s+0  —$"), gz)
      local n = find_line(f, "  广州")
      assert.is_nil(f.ids[n])
      local _, north = find_line(f, "粤北 ")
      assert.truthy(north:find("^粤北%s+5%s+9"), north)
      local _, last = find_line(f, "total")
      assert.truthy(last:find("^total%s+5%s+9  21 cities$"), last)
    end)
  end)

  describe("detail", function()
    it("shows every field of 韶关's entry, its source line and both measures with theirs", function()
      for _, w in ipairs(WIDTHS) do
        local d = assert(ds:view("detail", { where = "id=27", width = w }))
        check_result(d, ds, w)
        for i = 1, #d.lines do
          assert.equal(27, d.ids[i], "line " .. i .. " has no id")
        end
        local n = find_line(d, "line: 81")
        assert.truthy(n)
        assert.equal("line:", span(d, n, "BqwField"))
        assert.truthy(find_line(d, "city: 韶关"))
        assert.truthy(find_line(d, "region: 粤北"))
        assert.truthy(find_line(d, "action: issue"))
        assert.truthy(find_line(d, "doctype: 方案"))
        local m1 = find_line(d, "  1. L83 ")
        local m2 = find_line(d, "  2. L84 ")
        assert.truthy(m1)
        assert.truthy(m2 and m2 > m1)
        assert.equal("L83 ", span(d, m1, "BqwLine"))
        -- the measures in full, across their wrapped lines, each followed by its codes
        -- (the codebooks' in use), wrapped too
        local text, codes, into = {}, {}, nil
        for i = m1, #d.lines do
          local line = d.lines[i]
          if line:find("^%s+%d+%. L%d+ ") then
            into = text
          elseif line:find("^%s+code: ") then
            into = codes
            codes[#codes + 1] = "|"
          end
          into[#into + 1] = (line:gsub("^%s+%d+%. L%d+ ", ""):gsub("^%s+code: ", ""):gsub("^%s+", ""))
        end
        text = table.concat(text)
        local r = ds:record(27)
        assert.truthy(text:find(r.measures[1] .. r.measures[2], 1, true), text)
        local want = {}
        for m = 1, 2 do
          want[m] = "|" .. table.concat(ds._handle:unit_codes(27, m), "; ")
        end
        assert.equal((table.concat(want):gsub(" ", "")), (table.concat(codes):gsub(" ", "")))
        assert.same({ { first = 1, last = #d.lines } }, d.folds)
      end
    end)

    it("wraps long values by display width and keeps them whole", function()
      local d = assert(ds:view("detail", { where = "id=44", width = 40 }))
      check_result(d, ds, 40)
      local n = find_line(d, "text: ")
      local parts = { (d.lines[n]:gsub("^text: ", "")) }
      local k = n + 1
      while d.lines[k] and d.lines[k]:match("^ ") do
        parts[#parts + 1] = (d.lines[k]:gsub("^%s+", ""))
        k = k + 1
      end
      assert.is_true(#parts > 1)
      assert.equal(ds:record(44).text, table.concat(parts))
      assert.truthy(find_line(d, "parent: 43 "))
      assert.truthy(find_line(d, "year: 2025"))
    end)

    it("separates several records by a blank line without an id", function()
      local d = assert(ds:view("detail", { where = "id<=2", width = 100 }))
      local blank
      for i, l in ipairs(d.lines) do
        if l == "" then
          assert.is_nil(blank, "more than one blank line")
          blank = i
        end
      end
      assert.truthy(blank)
      assert.is_nil(d.ids[blank])
      assert.equal(1, d.ids[blank - 1])
      assert.equal(2, d.ids[blank + 1])
      assert.equal(2, #d.folds)
      assert.truthy(find_line(d, "line: 9"))
      assert.truthy(find_line(d, "line: 13"))
    end)
  end)

  describe("bqw view", function()
    local has_cli = select(3, H.bqw({ "view", "--help" })) == 0

    local function cli_lines(words)
      local out, err, code = H.bqw(words)
      assert.equal(0, code, err)
      local lines = {}
      for l in out:gmatch("([^\n]*)\n") do
        lines[#lines + 1] = l
      end
      return lines
    end

    if not has_cli then
      pending("bqw view is not in this build's command line")
      return
    end

    it("prints what ds:view renders, for every view", function()
      for _, case in ipairs({
        { "tree", {}, {} },
        { "table", { "--columns", "id,city,title" }, { columns = "id,city,title" } },
        { "timeline", {}, {} },
        { "cities", { "--where", "region=粤北" }, { where = "region=粤北" } },
        { "detail", { "--where", "id=27" }, { where = "id=27" } },
      }) do
        local words = { "view", case[1], "--width", "60", "--color", "never" }
        for _, w in ipairs(case[2]) do
          words[#words + 1] = w
        end
        case[3].width = 60
        assert.same(assert(ds:view(case[1], case[3])).lines, cli_lines(words), case[1])
      end
    end)

    it("colours the highlight spans with --color always", function()
      local lines = cli_lines({ "view", "detail", "--where", "id=27", "--width", "60", "--color", "always" })
      assert.truthy(table.concat(lines, "\n"):find("\27%[[%d;]+mline:\27%[0m \27%[[%d;]+m81\27%[0m"))
    end)

    it("reports a table column no record has", function()
      local _, err, code = H.bqw({ "view", "table", "--columns", "id,nosuch" })
      assert.equal(2, code)
      assert.truthy(err:find('no field "nosuch"', 1, true), err)
    end)
  end)
end)

describe("view_util.visible_writer", function()
  -- the oracle: visible() of each CRLF-separated piece of the whole text, CRLF kept
  local function oracle(text)
    local parts, pos = {}, 1
    while true do
      local a = text:find("\r\n", pos, true)
      parts[#parts + 1] = util.visible(text:sub(pos, a and a - 1 or #text))
      if not a then
        return table.concat(parts)
      end
      parts[#parts + 1] = "\r\n"
      pos = a + 2
    end
  end
  local PIECES = { "a", "改", "\27", "\7", "\r", "\n", "\r\n", "\t", "\226\128\174", "\194\155", "\226\129\166",
    "\240\159\152\128", "\127", "\0", ",", '"' }

  it("writes what visible() makes of the whole, however the text is split", function()
    math.randomseed(24)
    for _ = 1, 400 do
      local pieces = {}
      for i = 1, math.random(1, 30) do
        pieces[i] = PIECES[math.random(#PIECES)]
      end
      local text = table.concat(pieces)
      local got = {}
      local sink = {
        write = function(self, s)
          got[#got + 1] = s
          return self
        end,
        flush = function() end,
      }
      local w = util.visible_writer(sink)
      local pos = 1
      while pos <= #text do
        local n = math.random(1, 5)
        w:write(text:sub(pos, pos + n - 1))
        pos = pos + n
      end
      w:flush()
      assert.equal(oracle(text), table.concat(got), ("%q"):format(text))
      local shown = table.concat(got):gsub("\r\n", "")
      assert.falsy(shown:find("[%z\1-\8\11-\31\127]"), ("a raw control in %q"):format(shown))
    end
  end)
end)

