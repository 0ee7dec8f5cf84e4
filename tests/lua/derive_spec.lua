-- The derived fields libbqw computes at load, compared with the Lua rules they replaced
-- (tests/lua/enrich_oracle.lua, kept as the oracle) on every record of the shipped
-- digest, of a generated corpus (bench/gen_corpus.lua) and of titles made to hit the
-- rules' edges.
local bqw = require("bqw")
local core = require("bqw.core")
local H = require("tests.lua.helpers")
local oracle = require("tests.lua.enrich_oracle")

local DERIVED = { "level", "issuers", "doctype", "doctype_detail", "period_from", "period_to", "years", "mentions" }

--- Every record of the handle whose derived fields differ from the oracle's:
--- { { id, field, c = …, lua = … }, … } (the first few), and how many records were compared.
local function compare(handle)
  local diffs, n = {}, handle:count()
  for id = 1, n do
    local r = handle:record(id)
    local plain = {}
    for k, v in pairs(r) do
      plain[k] = v
    end
    for _, k in ipairs(DERIVED) do
      plain[k] = nil
    end
    oracle.record(plain)
    for _, k in ipairs(DERIVED) do
      if #diffs >= 5 then
        break
      end
      local a, b = r[k], plain[k]
      local same = a == b
      if type(a) == "table" and type(b) == "table" then
        same = table.concat(a, "|") == table.concat(b, "|") and #a == #b
      end
      if not same then
        diffs[#diffs + 1] = {
          id = id,
          field = k,
          c = type(a) == "table" and table.concat(a, "|") or a,
          lua = type(b) == "table" and table.concat(b, "|") or b,
        }
      end
    end
  end
  return diffs, n
end

local function lines_of(s)
  local out = {}
  for l in (s .. "\n"):gmatch("([^\n]*)\n") do
    out[#out + 1] = l
  end
  return out
end

describe("derived fields computed by libbqw", function()
  it("agree with the Lua rules on every record of the shipped digest", function()
    local handle = core.load()
    local diffs, n = compare(handle)
    assert.same({}, diffs)
    assert.equal(56, n)
    handle:close()
  end)

  it("agree with the Lua rules on a generated corpus", function()
    local path = os.tmpname()
    local ok = os.execute(
      ("lua5.4 %s/bench/gen_corpus.lua 1 %s 2>/dev/null"):format(H.quote(H.root), H.quote(path))
    )
    assert.truthy(ok)
    local handle = core.load(path)
    os.remove(path)
    local diffs, n = compare(handle)
    assert.same({}, diffs)
    assert.is_true(n > 1000)
    handle:close()
  end)

  it("agree with the Lua rules on titles made to hit the edges", function()
    local lines = lines_of(bqw.default_digest())
    local titles = {
      "中共廣東省委　廣東省人民政府關于某事的實施意見(試行)",
      "中共广东省委 　 广东省人民政府关于某事的意见",
      "廣東省自然資源廳 廣東省交通運輸廳 關于某事的通知（2023至2025年）（試行）",
      "某事工作方案(2023-2025年)",
      "某事行動計劃(2021~2022年)(2023—2025年)",
      "某事(2021-2022年)和(2024-2026年)規劃",
      "2026年與2021年、2026年和1999年的某事(2030至2031年)(2027~2028年)",
      "某事要点（2023～2024年",
      "12023—2025年某事的辦法",
      "关于2023年和20245年1899年2101年2100年的条例 (试行)",
      "某事(a(b)c)方案",
      "东莞市关于深汕合作區和浙江的決定",
      "某事）方案",
      "",
    }
    local out = {}
    for i = 1, 8 do
      out[#out + 1] = lines[i]
    end
    for _, t in ipairs(titles) do
      out[#out + 1] = "●《" .. t .. "》"
      out[#out + 1] = "◎2024年與2025–2026年,珠三角核心區和粵北。"
    end
    out[#out + 1] = lines[#lines - 1]
    local handle = core.load_buffer(table.concat(out, "\n") .. "\n", "edges.txt")
    local diffs, n = compare(handle)
    assert.same({}, diffs)
    assert.is_true(n >= #titles - 1)
    -- and the rules did something: a joint document, a period, a doctype past notes
    local first = handle:record(1)
    assert.same({ "中共广东省委", "广东省人民政府" }, first.issuers)
    assert.equal("实施意见", first.doctype_detail)
    assert.same({ 2024, 2025, 2026 }, first.years)
    assert.equal(2023, handle:record(4).period_from)
    handle:close()
  end)
end)
