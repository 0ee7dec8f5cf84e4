local util = require("bqw.filter_util")
return util.field_filter("level", "level", "Level: province (provincial records) or city (city entries).", { ops = { "=" } })
