-- One JSON document: { "bqw": version, "meta": {…}, "shape": …, "count": rows,
-- "records": [ … ] }; with shape "measure", records holds measure rows and count
-- counts them.
local json = require("bqw.json")

local DOC_ORDER = { "bqw", "meta", "shape", "count", "records" }

return require("bqw.export_util").engine_document({
  name = "json",
  description = "One JSON object: meta and the records (or measure rows), pretty-printed.",
  extension = "json",
  format = "json", -- the engine's writer of the records array's rows (binding/rows.c)
  --- The document up to its records array (the engine writes the array), the count
  --- before the rows.
  head = function(opts, ctx, count)
    local head = json.encode({
      bqw = ctx.version,
      meta = ctx.meta,
      shape = opts.shape or "record",
      count = count,
      records = {},
    }, { indent = true, keyorder = DOC_ORDER })
    -- the document with no records ends in "records":[] and "\n}": the array goes there
    assert(head:sub(-4) == "[]\n}", "bqw.json: unexpected document end")
    return head:sub(1, -5)
  end,
  --- One row, at the depth of the document's records array, as dkjson indents it there.
  row = function(row)
    return json.encode(row, { indent = true, level = 2 })
  end,
  tail = "\n}\n",
})
