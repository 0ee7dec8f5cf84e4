local util = require("bqw.filter_util")
return {
  name = "text",
  kind = "filter",
  description = "Text anywhere in the record (title, headline, text, measures); = and ~ both mean contains.",
  ops = { "~", "=" },
  match = function(record, _, value)
    for _, key in ipairs({ "title", "headline", "text", "category", "city" }) do
      if util.contains(record[key], value) then
        return true
      end
    end
    return util.any(record.measures, function(m)
      return util.contains(m, value)
    end)
  end,
}
