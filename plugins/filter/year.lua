local util = require("bqw.filter_util")
return {
  name = "year",
  kind = "filter",
  description = "A year the record names or targets: year=2027, year>=2025, year<=2023, year=2023..2025.",
  ops = { "=", ">=", "<=", ">", "<" },
  parse = util.parse_years,
  match = function(record, op, range)
    return util.any(record.years, function(y)
      return util.compare_year(y, op, range)
    end)
  end,
}
