local util = require("bqw.filter_util")
return {
  name = "doctype",
  kind = "filter",
  description = "Document type (文种): 意见, 方案, 措施, 通知, 决定, 导则, 要点, 计划, … or its full ending (实施意见).",
  ops = { "=" },
  match = function(record, _, value)
    local want = util.simplified(value)
    return util.any({ record.doctype, record.doctype_detail }, function(d)
      return d == value or util.simplified(d) == want
    end)
  end,
}
