-- Derived fields, spot-checked against values read in the text by hand.
local bqw = require("bqw")

describe("enriched records", function()
  local ds, by_id
  setup(function()
    ds = assert(bqw.load())
    by_id = {}
    for _, r in ipairs(ds:records()) do
      by_id[r.id] = r
    end
  end)

  it("names the issuing bodies a title opens with", function()
    -- line 43: 《廣東省交通運輸廳關于貫徹落實…的實施意見》
    assert.same({ "广东省交通运输厅" }, by_id[12].issuers)
    -- line 34: a joint 省委 + 省政府 document
    assert.same({ "中共广东省委", "广东省人民政府" }, by_id[9].issuers)
    -- line 51: no 关于, the body still opens the title
    assert.same({ "广东省市场监督管理局" }, by_id[16].issuers)
    -- line 126: 《中共清遠市委關于…》
    assert.same({ "中共清远市委" }, by_id[39].issuers)
    -- line 140, the guiding decision
    assert.same({ "中共广东省委" }, by_id[43].issuers)
    -- line 9 names no body: nothing is guessed
    assert.same({}, by_id[1].issuers)
  end)

  it("reads the document type from the end of the title", function()
    assert.equal("措施", by_id[1].doctype) -- …的若干措施
    assert.equal("若干措施", by_id[1].doctype_detail)
    assert.equal("方案", by_id[2].doctype) -- …實施方案(2023—2025年)
    assert.equal("要点", by_id[6].doctype) -- …2023年工作要點
    assert.equal("导则", by_id[8].doctype) -- …綠色技術導則
    assert.equal("通知", by_id[11].doctype)
    assert.equal("计划", by_id[13].doctype) -- …行動計劃
    assert.equal("方案", by_id[18].doctype) -- …實施方案(試行)
    assert.equal("决定", by_id[43].doctype)
    assert.equal("意见", by_id[26].doctype) -- 佛山: 印發《…的實施意見》
    assert.is_nil(by_id[22].doctype) -- 广州: a statement, no title
  end)

  it("reads the period a title names", function()
    assert.equal(2023, by_id[2].period_from)
    assert.equal(2025, by_id[2].period_to)
    assert.equal(2022, by_id[7].period_from) -- (2022—2025年)
    assert.equal(2027, by_id[15].period_to) -- 教育行動方案(2023—2027年)
    assert.equal(2025, by_id[38].period_to) -- 肇庆 三年行動計劃(2023—2025年)
    assert.is_nil(by_id[1].period_from)
  end)

  it("lists every year a record names", function()
    assert.same({ 2022, 2024, 2025 }, by_id[7].years) -- period and 到2024年底前
    assert.same({ 2025 }, by_id[44].years) -- a target
    assert.same({ 2022 }, by_id[47].years) -- the first meeting, 2022-12-08
    assert.same({}, by_id[5].years)
  end)

  it("finds the places of the gazetteer a record mentions", function()
    assert.same({ "深圳", "深汕合作区" }, by_id[23].mentions)
    assert.same({ "肇庆", "四会市", "肇庆高新区", "金利", "大沙" }, by_id[38].mentions)
    assert.same({ "潮安区" }, by_id[40].mentions)
    assert.same({ "珠三角", "粤东", "粤西", "粤北", "惠州", "江门", "肇庆" }, by_id[2].mentions)
    assert.same({ "珠三角", "沿海经济带", "北部生态发展区" }, by_id[10].mentions)
  end)

  it("gives every record a level", function()
    assert.equal("province", by_id[1].level)
    assert.equal("city", by_id[30].level)
    assert.equal("province", by_id[50].level)
  end)
end)
