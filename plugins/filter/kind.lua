local util = require("bqw.filter_util")
return util.field_filter("kind", "kind", "Record kind: document, city, guiding, target, meeting, other.", { ops = { "=" } })
