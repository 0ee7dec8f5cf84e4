local util = require("bqw.filter_util")
return util.field_filter("region", "region", "Region of a city entry: 珠三角, 粤东, 粤西, 粤北 (either script).", { canonical = true })
