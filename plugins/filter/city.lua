local util = require("bqw.filter_util")
return util.field_filter("city", "city", "City of a city entry (广州 or 廣州); ~ for part of the name.", { canonical = true })
