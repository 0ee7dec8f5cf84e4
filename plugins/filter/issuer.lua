local util = require("bqw.filter_util")
return util.field_filter("issuer", "issuers", "Issuing body (发文机关) named by the title; ~ for part of it (~交通).", { canonical = true })
