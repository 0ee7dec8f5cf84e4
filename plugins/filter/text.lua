local util = require("bqw.filter_util")
return {
  name = "text",
  kind = "filter",
  description = "Text anywhere in a record (title, city, headline, measures, prose, category), by the search "
    .. "index: either script, full- or half-width, any case; ~ and = both mean contains.",
  ops = { "~", "=" },
  -- With a dataset, the index answers once for the whole query; without, a plain
  -- substring test on the published text.
  prepare = function(value, _, ctx)
    if not ctx.dataset then
      return { substring = value }
    end
    local ids, err = ctx.dataset:_search_ids(value)
    if not ids then
      return nil, err
    end
    return { ids = ids }
  end,
  match = function(record, _, prepared)
    if prepared.ids then
      return prepared.ids[record.id] == true
    end
    local value = prepared.substring
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
