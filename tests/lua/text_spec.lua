-- Chinese text: scripts, script-insensitive search, display width.
local bqw = require("bqw")
local H = require("tests.lua.helpers")

describe("scripts", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("shows Simplified by default, as the original article", function()
    -- line 83, checked by hand against the published 實施生態立市、工業強市、縣域富市
    assert.equal("实施生态立市、工业强市、县域富市“三大战略”,壮大县域镇域综合实力,全面推进乡村振兴。", ds:record(27).measures[1])
    assert.equal("县域发展", ds:record(1).category)
    assert.equal("关于推动产业有序转移促进区域协调发展的若干措施", ds:record(1).title)
    assert.equal("南方日报记者 陈薇 张子俊", ds:meta().byline)
    assert.equal("广东省交通运输厅", ds:record(12).issuers[1])
  end)

  it("shows Traditional on request, gazetteer names included", function()
    local r = ds:record(27, { script = "hant" })
    assert.equal("實施生態立市、工業強市、縣域富市“三大戰略”,壯大縣域鎮域綜合實力,全面推進鄉村振興。", r.measures[1])
    assert.equal("韶關", r.city)
    assert.equal("粵北", r.region)
    -- OpenCC's s2t writes 於 where the published text has 于
    assert.equal("關於推動產業有序轉移促進區域協調發展的若干措施", ds:record(1, { script = "hant" }).title)
    assert.equal("關于推動產業有序轉移促進區域協調發展的若干措施", ds:record(1, { script = "original" }).title)
  end)

  it("follows bqw.setup{ script } and filters the same in every script", function()
    bqw.setup({ script = "hant" })
    assert.equal("縣域發展", ds:record(1).category)
    local n = ds:query("region=粤北"):count()
    bqw.setup({ script = false })
    assert.equal(n, ds:query("region=粵北"):count())
    assert.equal(5, n)
    assert.has_error(function()
      bqw.setup({ script = "latin" })
    end)
  end)

  it("converts strings", function()
    assert.equal("乡村振兴", bqw.convert("鄉村振興", "hans"))
    assert.equal("鄉村振興", bqw.convert("乡村振兴", "hant"))
  end)

  it("applies the curated overrides to Simplified only", function()
    -- OpenCC t2s writes 著力推进 and 向著; data/convert-zhe.tsv corrects them
    assert.equal("着力推进，向着更高水平", bqw.convert("著力推進，向著更高水平", "hans"))
    -- guards: 著 (famous, significant) stays
    assert.equal("面向著名企业，显著力量", bqw.convert("面向著名企業，顯著力量", "hans"))
    -- Traditional is OpenCC's t2s then s2t, untouched
    assert.equal("著力推進", bqw.convert("著力推進", "hant"))
    local out, err, name = bqw.convert("a\255", "hans")
    assert.is_nil(out)
    assert.truthy(err:find("UTF-8", 1, true), err)
    assert.equal("EENCODING", name)
  end)

  it("shows the digest's 著力 as 着力 in Simplified", function()
    local shown = 0
    for _, r in ipairs(ds:records({ script = "hans" })) do
      for _, m in ipairs(r.measures or {}) do
        assert.is_nil(m:find("著力", 1, true))
        if m:find("着力", 1, true) then
          shown = shown + 1
        end
      end
    end
    assert.equal(2, shown)
  end)

  it("bqw convert converts a file or stdin, either way", function()
    local path = H.temp_file("著力推進鄉村振興\n\n第二行 ABC\n")
    local out, err, code = H.bqw({ "convert", path })
    assert.equal(0, code, err)
    assert.equal("着力推进乡村振兴\n\n第二行 ABC\n", out)
    out, err, code = H.bqw({ "convert", "--to", "hant", path })
    assert.equal(0, code, err)
    assert.equal("著力推進鄉村振興\n\n第二行 ABC\n", out)
    local pipe = assert(io.popen("printf '鄉村' | " .. H.exe .. " convert -"))
    assert.equal("乡村", pipe:read("a"))
    pipe:close()
    os.remove(path)
  end)

  it("bqw convert gives the same bytes as one conversion of the whole text, across its blocks", function()
    -- more than two 1 MiB blocks, with lines of many lengths and one longer than a block,
    -- so block ends fall inside lines, phrases and characters
    local words = { "著力推進", "鄉村振興", "向著", "顯著", "乾隆", "a", "，", "ＧＤＰ", "𠮶" }
    local lines = {}
    for i = 1, 61 do
      local line = {}
      for k = 1, i do
        line[k] = words[(i + k * 31) % #words + 1]
      end
      lines[i] = table.concat(line) .. (i % 5 == 0 and "\r\n" or "\n")
    end
    local block = table.concat(lines)
    local whole = block:rep(math.ceil(700000 / #block))
      .. ("鄉村著力"):rep(100000) .. "\n" -- 1.2 MB in one line
      .. block:rep(math.ceil(700000 / #block))
      .. "最後一行沒有行尾"
    assert.is_true(#whole > 2500000)
    local path = H.temp_file(whole)
    for _, script in ipairs({ "hans", "hant" }) do
      local out, err, code = H.bqw({ "convert", "--to", script, path })
      assert.equal(0, code, err)
      assert.is_true(out == bqw.convert(whole, script), script)
    end
    os.remove(path)
  end)

  it("bqw convert stops at text that is not UTF-8 with FILE:LINE:COL", function()
    local path = H.temp_file("鄉村\nab\255c\n振興\n")
    local out, err, code = H.bqw({ "convert", path })
    assert.equal(1, code)
    assert.equal("乡村\n", out)
    -- a stray byte in UTF-8 text is named (the loader's message, tests/lua/wording_spec.lua)
    assert.truthy(err:find(path .. ":2:3: error: invalid UTF-8: byte 0xFF", 1, true), err)
    os.remove(path)
    local _, err2, code2 = H.bqw({ "convert", "/nonexistent/file.txt" })
    assert.equal(2, code2)
    assert.truthy(err2:find("cannot read", 1, true), err2)
    local _, _, code3 = H.bqw({ "convert", "--to", "latin" })
    assert.equal(2, code3)
  end)

  it("keeps no conversion cache that grows", function()
    -- a process-wide cache grew with every --watch reload (issue 11)
    local function sizes()
      local out, i = {}, 1
      while true do
        local name, value = debug.getupvalue(bqw.convert, i)
        if not name then
          return out
        end
        if type(value) == "table" and name ~= "_ENV" then
          local n = 0
          for _, v in pairs(value) do -- entries, and the entries of tables in it
            n = n + 1
            if type(v) == "table" then
              for _ in pairs(v) do
                n = n + 1
              end
            end
          end
          out[name] = n
        end
        i = i + 1
      end
    end
    local before = sizes()
    for i = 1, 100 do
      bqw.convert("鄉村" .. i, i % 2 == 0 and "hans" or "hant")
    end
    assert.same(before, sizes())
  end)

  it("takes --script on the command line", function()
    local out, err, code = H.bqw({ "view", "list", "--where", "id=27", "--script", "hant", "--color", "never" })
    assert.equal(0, code, err)
    assert.truthy(out:find("韶關", 1, true), out)
    out = H.bqw({ "view", "list", "--where", "id=27", "--color", "never" })
    assert.truthy(out:find("韶关", 1, true), out)
    local _, _, bad = H.bqw({ "stats", "--script", "latin" })
    assert.equal(2, bad)
  end)
end)

describe("search", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  -- The truth, by brute force: every indexed field converted with OpenCC's phrase-level
  -- t2s and lower-cased, searched for the query the same way.
  local function brute(q)
    local fq = bqw.convert(q, "hans"):lower()
    local n = 0
    for _, r in ipairs(ds:records({ script = "hans" })) do
      local fields = { r.title, r.city, r.headline, r.text, r.category }
      for _, m in ipairs(r.measures or {}) do
        fields[#fields + 1] = m
      end
      for _, f in pairs(fields) do
        if f and f:lower():find(fq, 1, true) then
          n = n + 1
        end
      end
    end
    return n
  end

  it("finds Traditional text with a Simplified query and back", function()
    local a = assert(ds:search("乡村振兴"))
    local b = assert(ds:search("鄉村振興"))
    assert.equal(a.total, b.total)
    assert.equal(12, a.total)
    assert.equal(brute("乡村振兴"), a.total)
  end)

  it("agrees with what is shown: 着力 finds the digest's 著力, 著名 does not match 着名", function()
    local hits = assert(ds:search("着力", { limit = 10 }))
    assert.equal(2, hits.total)
    for _, hit in ipairs(hits.hits) do
      local s = hit.spans[1]
      assert.equal("着力", hit.text:sub(s[1] + 1, s[2])) -- the hit's text as shown
    end
    assert.equal(2, ds:search("著力").total)
    assert.equal(1, ds:search("向着").total)
    assert.equal(1, ds:search("向着更高水平").total) -- a longer, verified query
    assert.equal(1, ds:search("着力 推进").total) -- more than one word
    assert.equal(3, ds:search("着").total)
    -- 著 that is not overridden stays 著: 顯著 shows as 显著
    assert.equal(4, ds:search("显著").total)
    assert.equal(0, ds:search("显着").total)
    -- the fold of text, not a blanket 著 = 着
    local ix_text = "面向著名企業，著力推進"
    assert.same({ { 21, 27 } }, require("bqw.core").match_spans(ix_text, "着力"))
    assert.same({}, require("bqw.core").match_spans(ix_text, "着名"))
    assert.same({ { 6, 12 } }, require("bqw.core").match_spans(ix_text, "著名"))
    -- 瞭解, the usual Traditional spelling, finds 了解 as OpenCC's phrase table writes it
    assert.equal(ds:search("了解").total, ds:search("瞭解").total)
  end)

  it("answers one- and two-character queries exactly", function()
    for _, q in ipairs({ "广州", "振兴", "乡", "县", "镇", "园区", "2025", "GDP" }) do
      assert.equal(brute(q), assert(ds:search(q)).total, q)
    end
    assert.equal(1, ds:search("广州").total)
    assert.equal("city", ds:search("广州").hits[1].field)
  end)

  it("agrees with brute force on every 1-, 2-, 4- and 8-character window of some measures", function()
    local checked = 0
    for _, id in ipairs({ 1, 9, 27, 38 }) do
      local m = ds:record(id).measures[1]
      local chars = {}
      for ch in m:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
        chars[#chars + 1] = ch
      end
      for _, n in ipairs({ 1, 2, 4, 8 }) do
        for i = 1, #chars - n + 1, 3 do
          local q = table.concat(chars, "", i, i + n - 1)
          if not q:find("%s") then
            assert.equal(brute(q), ds:search(q).total, q)
            checked = checked + 1
          end
        end
      end
    end
    assert.is_true(checked > 100)
  end)

  it("folds width and case, and takes mixed scripts and punctuation", function()
    assert.equal(ds:search("GDP").total, ds:search("ｇｄｐ").total)
    assert.equal(1, ds:search("ＧＤＰ").total)
    assert.equal(ds:search("“百千万工程”").total, ds:search("“百千萬工程”").total)
    assert.is_true(ds:search("“百千万工程”").total > 0)
    assert.equal(ds:search("城乡区域协调").total, ds:search("城鄉区域協調").total)
  end)

  it("needs every word of a query, anywhere in the field", function()
    local both = ds:search("乡村 振兴").total
    assert.is_true(both >= ds:search("乡村振兴").total)
    assert.equal(0, ds:search("乡村 火星").total)
  end)

  it("ranks titles first and carries the spans of the matches", function()
    local result = assert(ds:search("振兴", { limit = 100 }))
    assert.equal("title", result.hits[1].field)
    local seen_measure = false
    for _, hit in ipairs(result.hits) do
      if hit.field == "measure" then
        seen_measure = true
      end
      assert.is_false(seen_measure and hit.field == "title")
      assert.is_true(#hit.spans >= 1)
      for _, s in ipairs(hit.spans) do
        assert.equal("振兴", hit.text:sub(s[1] + 1, s[2]))
      end
    end
    local hant = assert(ds:search("振兴", { script = "hant", limit = 1 }))
    assert.equal("振興", hant.hits[1].text:sub(hant.hits[1].spans[1][1] + 1, hant.hits[1].spans[1][2]))
  end)

  it("refuses an empty query clearly", function()
    local r, err = ds:search("   ")
    assert.is_nil(r)
    assert.truthy(err:find("empty search query", 1, true))
    local _, serr, code = H.bqw({ "search", "" })
    assert.equal(2, code)
    assert.truthy(serr:find("empty search query", 1, true))
  end)

  it("backs the text filter", function()
    assert.equal(ds:query("text~乡村振兴"):count(), ds:query("text~鄉村振興"):count())
    assert.equal(10, ds:query("text~乡村振兴"):count())
    assert.equal(1, ds:query("text~广州"):count())
  end)

  it("prints hits on the command line, and JSON with spans", function()
    local out, err, code = H.bqw({ "search", "振兴", "--limit", "3", "--color", "never" })
    assert.equal(0, code, err)
    assert.equal(3, select(2, out:gsub("\n", "")))
    assert.truthy(err:find("3 of 16 matching fields shown", 1, true))
    out = H.bqw({ "search", "广州", "--json" })
    local doc = require("bqw.vendor.dkjson").decode(out)
    assert.equal(1, doc.total)
    assert.same({ { 0, 6 } }, doc.hits[1].spans)
  end)
end)

describe("display width", function()
  it("counts Han as two cells and East Asian Ambiguous as ambiwidth", function()
    assert.equal(6, bqw.width("“广州”"))
    assert.equal(8, bqw.width("“广州”", 2))
    assert.equal(2, bqw.width("◎", 2))
    assert.equal(1, bqw.width("e\204\129")) -- e + combining acute
    local cut, cells = bqw.truncate("◎中共广东省委", 8, nil, 2)
    assert.equal("◎中共…", cut)
    assert.equal(8, cells)
  end)

  after_each(function()
    bqw.setup({ ambiwidth = false })
  end)

  it("keeps table views aligned in both settings", function()
    local ds = assert(bqw.load())
    for _, ambi in ipairs({ 1, 2 }) do
      bqw.setup({ ambiwidth = ambi })
      for _, width in ipairs({ 50, 80 }) do
        local v = assert(ds:view("table", { columns = { "id", "city", "headline" }, where = "kind=city", width = width }))
        for _, line in ipairs(v.lines) do
          assert.is_true(bqw.width(line, ambi) <= width, ("ambiwidth %d, width %d: %s"):format(ambi, width, line))
        end
        -- every row starts its headline column at the same cell
        local starts = {}
        for n = 3, #v.lines do
          local line = v.lines[n]
          local city = ds:record(v.ids[n]).city
          local at = line:find(city, 1, true)
          starts[bqw.width(line:sub(1, at - 1) .. city, ambi)] = true
        end
        local distinct = 0
        for _ in pairs(starts) do
          distinct = distinct + 1
        end
        assert.equal(1, distinct)
      end
    end
  end)
end)

describe("pinyin search", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  it("finds 乡村振兴 by initials and by full syllables", function()
    local by_initials = assert(ds:search("xczx", { pinyin = true, limit = 100 }))
    local by_syllables = assert(ds:search("xiangcunzhenxing", { pinyin = true, limit = 100 }))
    assert.equal(ds:search("乡村振兴").total, by_initials.total)
    assert.equal(by_initials.total, by_syllables.total)
    for _, hit in ipairs(by_initials.hits) do
      assert.equal("乡村振兴", hit.text:sub(hit.spans[1][1] + 1, hit.spans[1][2]))
    end
    -- mixed: syllables and initials, upper case, spaces and apostrophes
    assert.equal(by_initials.total, ds:search("Xiang'cun zx", { pinyin = true }).total)
  end)

  it("matches a heteronym on any of its readings", function()
    -- 行 reads xíng or háng: 行动 is found as xingdong and as hangdong
    local xing = ds:search("xingdong", { pinyin = true }).total
    assert.is_true(xing > 0)
    assert.equal(xing, ds:search("hangdong", { pinyin = true }).total)
    -- 重 reads zhòng or chóng
    assert.equal(ds:search("zhongdian", { pinyin = true }).total, ds:search("chongdian", { pinyin = true }).total)
  end)

  it("takes pinyin as it is typed: full width, any case, tones, ü as ü, v or u:", function()
    local lv = ds:search("lvmei", { pinyin = true }).total
    assert.is_true(lv > 0, "綠美 is in the digest")
    for _, q in ipairs({ "lümei", "lu:mei", "LÜMEI", "lǜměi", "ｌｖｍｅｉ", "Ｌü　ｍｅｉ", "lǚ mei" }) do
      assert.equal(lv, ds:search(q, { pinyin = true }).total, q)
    end
    assert.equal(ds:search("xczx", { pinyin = true }).total, ds:search("ＸＣＺＸ", { pinyin = true }).total)
    assert.equal(ds:search("xczx", { pinyin = true }).total, ds:search("xiāng cūn zhèn xīng", { pinyin = true }).total)
    -- still refused: letters with other marks, and punctuation
    assert.is_nil((ds:search("lçmei", { pinyin = true })))
    assert.is_nil((ds:search("lv;mei", { pinyin = true })))
  end)

  it("finds a word by its readings in either script", function()
    -- Unihan gives 绿 lù and lǜ but 綠 only lǜ: a character shares its variants' readings
    local simplified = assert(bqw.load(H.root .. "/tests/fixtures/digest-simplified.txt"))
    for _, q in ipairs({ "lumei", "lvmei", "xczx", "gaozhiliang" }) do
      local t = ds:search(q, { pinyin = true, limit = 1 }).total
      assert.is_true(t > 0, q)
      assert.equal(t, simplified:search(q, { pinyin = true, limit = 1 }).total, q)
    end
  end)

  it("stays fast where many readings share letters", function()
    -- 着 reads zhe zhao zhu zhuo: without memory of failed states this is exponential
    local text = string.rep("着", 40)
    local ds2 = assert(bqw.load_string("全省政策\n縣域發展\n●《" .. text .. "》\n◎" .. text .. "\n"))
    -- (exponential, this would not finish: the suite's timeout catches it)
    local r = assert(ds2:search(string.rep("z", 41), { pinyin = true }))
    assert.equal(0, r.total)
    assert.equal(2, ds2:search(string.rep("z", 40), { pinyin = true }).total) -- title and measure
  end)

  it("refuses what is not pinyin", function()
    local r, err = ds:search("乡村", { pinyin = true })
    assert.is_nil(r)
    assert.truthy(err:find("latin letters", 1, true))
    local _, serr, code = H.bqw({ "search", "--pinyin", "123" })
    assert.equal(2, code)
    assert.truthy(serr:find("pinyin query must be latin letters", 1, true))
    local out, _, ok = H.bqw({ "search", "--pinyin", "xczx", "--color", "never" })
    assert.equal(0, ok)
    assert.truthy(out:find("乡村振兴", 1, true))
  end)
end)

describe("collation (core.collate_key)", function()
  local core = require("bqw.core")
  local function sorted(list)
    local out = {}
    for i, v in ipairs(list) do
      out[i] = v
    end
    table.sort(out, function(a, b)
      return core.collate_key(a) < core.collate_key(b)
    end)
    return out
  end

  it("orders the 21 cities by pinyin, not by code point", function()
    local ds = assert(bqw.load())
    local cities = {}
    for _, r in ipairs(ds:query("kind=city"):all()) do
      cities[#cities + 1] = r.city
    end
    local want = { "潮州", "东莞", "佛山", "广州", "河源", "惠州", "江门", "揭阳", "茂名", "梅州", "清远",
      "汕头", "汕尾", "韶关", "深圳", "阳江", "云浮", "湛江", "肇庆", "中山", "珠海" }
    assert.same(want, sorted(cities))
    table.sort(cities)
    assert.are_not.same(want, cities) -- code point order differs
  end)

  it("reads syllable by syllable, then tones, then code points", function()
    assert.same({ "西安", "仙" }, sorted({ "仙", "西安" })) -- xi an < xian
    assert.same({ "2023年", "阿", "abc" }, sorted({ "abc", "阿", "2023年" })) -- a < abc
    -- same syllable, distinct characters: distinct keys, the tone first (妈 ma1 < 马 ma3)
    assert.same({ "妈", "马" }, sorted({ "马", "妈" }))
    assert.are_not.equal(core.collate_key("行"), core.collate_key("型"))
    assert.equal(core.collate_key("广州"), core.collate_key("广州"))
    assert.truthy(core.collate_key("潮州"):match("^[0-9a-f]+$"))
    assert.equal("string", type(core.collate_key("\255\0x")))
  end)
end)
