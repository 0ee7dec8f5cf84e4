local util = require("bqw.filter_util")
return util.field_filter("mentions", "mentions", "A place of the gazetteer the record names (肇庆, 深汕合作区, 粤北, …).", { canonical = true })
