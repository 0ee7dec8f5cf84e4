local util = require("bqw.filter_util")
return {
  name = "section",
  kind = "filter",
  description = "Section: province, city, guiding, timeline, other, or the heading as published; ~ for part of the heading.",
  ops = { "=", "~" },
  match = function(record, op, value)
    if op == "~" then
      return util.contains(record.section_title, value)
    end
    return record.section == value or record.section_title == value
  end,
}
