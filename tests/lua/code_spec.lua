-- Policy-text coding (issue 23): codebooks as data, `bqw code`, code as a field, the
-- shipped codebooks' coverage of the digest, user codebooks end to end, strict errors,
-- and codebooks found on the plugin path.
local bqw = require("bqw")
local json = require("bqw.json")
local H = require("tests.lua.helpers")

local USER = table.concat({
  "# a user's codebook",
  "code\tlabel\tpatterns\tparent\texclude",
  "交通类\tTransport\t\t\t",
  "公路\tRoads\t公路|道路\t交通类\t",
  "物流\tLogistics\t物流|寄递\t交通类\t冷链物流",
  "",
}, "\n")

local function dir_with(files)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. H.quote(dir .. "/codebook")))
  for name, text in pairs(files) do
    H.write_file(dir .. "/codebook/" .. name, text)
  end
  return dir
end

describe("bqw code", function()
  it("lists each coding with its row, line, code, evidence and character span", function()
    local out, err, code = H.bqw({ "code" })
    assert.are.equal(0, code, err)
    -- hand-checked: measure 1 of record 1 (line 10) 支持粤东粤西粤北地区更好承接国内外…
    local first = out:match("^[^\n]*")
    assert.are.equal("1.1     L10    区域协调  粵東粵西粵北  [2,8)", first)
    assert.truthy(out:find("1.1     L10    产业转移  產業有序轉移  [25,31)", 1, true))
    assert.truthy(out:find("1.1     L10    对外合作  國內外  [14,17)", 1, true))
    -- an exclude pattern vetoes: 技术指标 is not 技术支持 evidence
    assert.falsy(out:find("技术支持  技術指標", 1, true))
    -- the coverage of each codebook closes the listing
    assert.truthy(out:find("\n# %(built in%)/policy%-tools%.tsv: 18 codes; %d+ of 76 units uncoded"))
    assert.truthy(out:find("\n# %(built in%)/themes%.tsv: 9 codes; %d+ of 76 units uncoded"))
  end)

  it("lists uncoded units, so a codebook's gaps show", function()
    local dir = dir_with({})
    local path = H.temp_file("code\tlabel\tpatterns\n燃气\tGas\t燃气\n", ".tsv")
    local out, err, code = H.bqw({ "code", "--codebook", path })
    assert.are.equal(0, code, err)
    local coded = select(2, out:gsub("  燃气  ", ""))
    local uncoded = select(2, out:gsub("%(uncoded%)", ""))
    assert.are.equal(2, coded) -- 城市燃气 in two measures (lines 27 and 28)
    assert.are.equal(76 - 2, uncoded)
    assert.truthy(out:find(path .. ": 1 codes; 74 of 76 units uncoded (97.4%)", 1, true))
    os.remove(path)
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("--json gives units with byte and character spans into the text as published", function()
    local out, err, code = H.bqw({ "code", "--json" })
    assert.are.equal(0, code, err)
    local doc = json.decode(out)
    assert.are.equal(76, #doc.units)
    local ds = assert(bqw.load())
    local checked = 0
    for _, u in ipairs(doc.units) do
      local r = ds:record(u.id, { script = "original" })
      local text = u.measure > 0 and r.measures[u.measure] or r.text
      assert.are.equal(u.measure > 0 and r.measure_lines[u.measure] or r.line, u.line)
      for _, e in ipairs(u.evidence) do
        assert.are.equal(e.text, text:sub(e.start + 1, e.stop))
        -- the character span counts the same characters
        local before = text:sub(1, e.start):gsub("[\128-\191]", "")
        assert.are.equal(#before, e.char_start)
        checked = checked + 1
      end
    end
    assert.is_true(checked > 100)
  end)

  it("--where selects rows as the measure shape does (code tests the row's measure)", function()
    local out, err, code = H.bqw({ "code", "--json", "--where", "code=税收优惠" })
    assert.are.equal(0, code, err)
    local doc = json.decode(out)
    assert.are.equal(1, #doc.units)
    assert.are.same({ 3, 1 }, { doc.units[1].id, doc.units[1].measure })
    local _, err2, code2 = H.bqw({ "code", "--where", "code=供给" })
    assert.are.equal(2, code2)
    assert.truthy(err2:find('did you mean "供给型"', 1, true))
  end)
end)

describe("code as a field", function()
  it("--where code= matches a parent through its children, folded", function()
    local ds = assert(bqw.load())
    local supply = 0
    for _, u in ipairs(ds:codings()) do
      for _, c in ipairs(u.codes) do
        if c == "人才培养" or c == "资金投入" or c == "技术支持" or c == "基础设施建设" or c == "公共服务" then
          supply = supply + 1
          break
        end
      end
    end
    assert.is_true(supply > 0)
    assert.are.equal(supply, #ds:codings({ where = "code=供給型" }))
    local out, err, code = H.bqw({ "code", "--json", "--where", "code=供给型" })
    assert.are.equal(0, code, err)
    assert.are.equal(supply, #json.decode(out).units)
  end)

  it("facet code counts records under each code and crosstabs by region and level", function()
    local out, err, code = H.bqw({ "facet", "code", "--json" })
    assert.are.equal(0, code, err)
    local counts = {}
    for _, c in ipairs(json.decode(out)) do
      counts[c.value] = c.count
    end
    assert.is_true(counts["供给型"] >= counts["人才培养"])
    local list = H.bqw({ "list", "--where", "code=人才培养" })
    assert.are.equal(counts["人才培养"], select(2, list:gsub("\n", "")))
    for _, by in ipairs({ "region", "level" }) do
      local x, xerr, xcode = H.bqw({ "facet", "code", "--by", by, "--json" })
      assert.are.equal(0, xcode, xerr)
      assert.is_table(json.decode(x)["环境型"])
    end
  end)

  it("sorts by a record's first code, in pinyin order, uncoded records last", function()
    local ds = assert(bqw.load())
    -- the expected order, from the units: a record's codes in codebook order
    local rank = {}
    for i, c in ipairs(ds:codes()) do
      rank[c.code] = i
    end
    local first = {}
    for _, u in ipairs(ds:codings()) do
      for _, c in ipairs(u.codes) do
        if not first[u.id] or rank[c] < rank[first[u.id]] then
          first[u.id] = c
        end
      end
    end
    local want = {}
    for id = 1, ds:count() do
      want[id] = id
    end
    local collate = require("bqw.collate")
    table.sort(want, function(a, b)
      local x, y = first[a], first[b]
      if x ~= y then
        if x == nil or y == nil then
          return y == nil
        end
        return collate.less(x, y)
      end
      return a < b
    end)
    assert.is_nil(first[want[#want]]) -- some record is uncoded: last
    assert.are_not.equal(first[want[1]], first[want[#want - 5]])
    local out, err, code = H.bqw({ "list", "--sort", "code", "--json" })
    assert.are.equal(0, code, err)
    local got = {}
    for i, r in ipairs(json.decode(out)) do
      got[i] = r.id
    end
    assert.are.same(want, got)
    -- the core's sort and the Lua one a host that ticks gets (Neovim) agree
    local lua_sorted = {}
    for r in ds:query(nil, { tick = function() end }):sort("code"):iter() do
      lua_sorted[#lua_sorted + 1] = r.id
    end
    assert.are.same(want, lua_sorted)
    -- descending: by the first code backwards, uncoded still last
    local down = H.bqw({ "list", "--sort=-code", "--json" })
    local d = json.decode(down)
    local last_coded = #want
    while not first[want[last_coded]] do
      last_coded = last_coded - 1
    end
    assert.are.equal(first[want[last_coded]], first[d[1].id])
    assert.is_nil(first[d[#d].id])
  end)
end)

describe("the shipped codebooks", function()
  it("code the digest: every code matches some unit, or its file says why not", function()
    local ds = assert(bqw.load())
    local given = {}
    for _, u in ipairs(ds:codings()) do
      for _, e in ipairs(u.evidence) do
        given[e.code] = true
      end
    end
    local core = require("bqw.core")
    for _, c in ipairs(ds:codes()) do
      if #c.patterns > 0 and not given[c.code] then
        local name = c.file:match("([^/]+)%.tsv$")
        local header = core.fact_table("codebook-" .. name)
        local why = header:match("except ([^\n]*\n#[^\n]*)") or ""
        assert.truthy(why:find(c.code, 1, true), c.code .. " matches nothing and " .. c.file .. " does not say why")
      end
    end
  end)
end)

describe("codebooks given by the user", function()
  it("replace the default set, end to end (--codebook, bqw.setup)", function()
    local path = H.temp_file(USER, ".tsv")
    local out, err, code = H.bqw({ "code", "--codebook", path, "--json" })
    assert.are.equal(0, code, err)
    local doc = json.decode(out)
    local seen = {}
    for _, u in ipairs(doc.units) do
      for _, c in ipairs(u.codes) do
        seen[c] = true
      end
    end
    assert.is_true(seen["公路"] and seen["交通类"] and seen["物流"])
    assert.is_nil(seen["供给型"])
    -- 冷链物流 vetoes 物流 where they overlap: line 25 (县域冷链物流设施) has no 物流 coding
    for _, u in ipairs(doc.units) do
      if u.line == 25 then
        assert.are.same({}, u.codes)
      end
    end
    local list = H.bqw({ "list", "--codebook", path, "--where", "code=交通类" })
    assert.is_true(select(2, list:gsub("\n", "")) >= 2)
    bqw.setup({ codebooks = { path } })
    local ds = assert(bqw.load())
    assert.are.equal("交通类", ds:codes()[1].code)
    bqw.setup({ codebooks = false })
    ds = assert(bqw.load())
    assert.are.equal("供给型", ds:codes()[1].code)
    assert.has_error(function()
      bqw.setup({ codebooks = 5 })
    end)
    os.remove(path)
  end)

  it("stay the dataset's while view jobs read it on other threads", function()
    -- a view job's Lua state must not replace the codebook set the caller gave the
    -- dataset (it did, and freed the codings other threads were reading)
    local ds = assert(bqw.load())
    local set = require("bqw.core").codebook()
    assert(set:add("user.tsv", USER))
    ds._handle:set_codebook(set)
    assert.are.equal("交通类", ds:codes()[1].code)
    local jobs = {}
    for i = 1, 4 do
      jobs[i] = assert(ds:view_job("list", { where = "code=交通类" }))
    end
    for _, job in ipairs(jobs) do
      local deadline = os.time() + 60
      while not job:done() do
        assert(os.time() < deadline, "the view job did not finish")
      end
      assert(job:result())
    end
    assert.are.equal("交通类", ds:codes()[1].code)
  end)

  it("are checked strictly, with FILE:LINE:COL errors", function()
    local cases = {
      { "code\tlabel\tpattern\n", "1:12: error: unknown column \"pattern\"" },
      { "code\tlabel\tpatterns\na\tA\tx\na\tB\ty\n", "3:1: error: duplicate code a" },
      { "code\tlabel\tpatterns\tparent\na\tA\tx\tb\n", "2:7: error: unknown parent b" },
      { "code\tlabel\tpatterns\tparent\na\tA\tx\tb\nb\tB\ty\ta\n", "2:1: error: parent cycle" },
      { "code\tlabel\tpatterns\na\tA\tx||y\n", "2:7: error: empty pattern" },
      { "code\tlabel\tpatterns\na\tA\t\255\n", "2:5: error: invalid UTF-8" },
    }
    for _, case in ipairs(cases) do
      local path = H.temp_file(case[1], ".tsv")
      local _, err, code = H.bqw({ "stats", "--codebook", path })
      assert.are.equal(1, code, err)
      assert.truthy(err:find(path .. ":" .. case[2], 1, true), err)
      os.remove(path)
    end
    local _, err, code = H.bqw({ "stats", "--codebook", "/nonexistent/x.tsv" })
    assert.are.equal(2, code)
    assert.truthy(err:find("/nonexistent/x.tsv", 1, true))
  end)

  it("are found on the plugin path (DIR/codebook/NAME.tsv), a name shadowing a shipped one", function()
    local dir = dir_with({
      ["themes.tsv"] = "code\tlabel\tpatterns\n燃气\tGas\t燃气\n",
      ["extra.tsv"] = USER,
    })
    local out, err, code = H.bqw({ "code", "--json" }, { BQW_PLUGIN_PATH = dir })
    assert.are.equal(0, code, err)
    local files = {}
    for _, c in ipairs(json.decode(out).coverage) do
      files[#files + 1] = c.file:match("[^/]+$")
    end
    assert.are.same({ "extra.tsv", "themes.tsv", "policy-tools.tsv" }, files)
    local _, _, c2 = H.bqw({ "list", "--where", "code=乡村振兴" }, { BQW_PLUGIN_PATH = dir })
    assert.are.equal(2, c2) -- the shipped themes are shadowed
    os.execute("rm -rf " .. H.quote(dir))
  end)
end)
