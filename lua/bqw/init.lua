local core = require("bqw.core")
return { version = core.version, core = core }
