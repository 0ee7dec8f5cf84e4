local util = require("bqw.filter_util")
return {
  name = "id",
  kind = "filter",
  description = "Record id (position in source order): id=12, id>=40, id=1..21.",
  ops = { "=", ">=", "<=", ">", "<" },
  parse = util.parse_years, -- a number or a range, the same shape as years
  match = function(record, op, range)
    return util.compare_year(record.id, op, range)
  end,
}
