-- One JSON document: { "bqw": version, "meta": {…}, "shape": …, "count": rows,
-- "records": [ … ] }; with shape "measure", records holds measure rows and count
-- counts them.
local json = require("bqw.json")
local util = require("bqw.export_util")

return {
  name = "json",
  kind = "export",
  description = "One JSON object: meta and the records (or measure rows), pretty-printed.",
  extension = "json",
  shapes = { "record", "measure" },
  default_shape = "record",
  -- the count comes before the rows, and the document is encoded whole: rows are
  -- collected (a streaming encoder would bound the memory)
  stream = true,
  write = function(out, rows_iter, opts, ctx)
    local shape = opts.shape or "record"
    local rows = util.collect(rows_iter)
    out:write(json.encode({
      bqw = ctx.version,
      meta = ctx.meta,
      shape = shape,
      count = #rows,
      records = rows,
    }, { indent = true, keyorder = { "bqw", "meta", "shape", "count", "records" } }))
    out:write("\n")
  end,
}
