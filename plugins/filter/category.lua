local util = require("bqw.filter_util")
return util.field_filter("category", "category", "Category heading of a provincial document (县域发展, …); ~ for part of it.")
