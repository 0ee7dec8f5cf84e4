-- One JSON document: { "bqw": version, "meta": {…}, "shape": …, "count": rows,
-- "records": [ … ] }; with shape "measure", records holds measure rows and count
-- counts them.
local json = require("bqw.json")
local util = require("bqw.export_util")

local DOC_ORDER = { "bqw", "meta", "shape", "count", "records" }

return {
  name = "json",
  kind = "export",
  description = "One JSON object: meta and the records (or measure rows), pretty-printed.",
  extension = "json",
  shapes = { "record", "measure" },
  default_shape = "record",
  -- the count comes before the rows: counted in a first pass (ctx.row_count), then the
  -- rows are written one at a time, so memory stays that of one row
  stream = true,
  write = function(out, rows_iter, opts, ctx)
    local shape = opts.shape or "record"
    local rows = rows_iter
    if type(rows) == "function" and not ctx.row_count then
      rows = util.collect(rows) -- a caller of the first contract without a count
    end
    local count = type(rows) == "table" and #rows or ctx.row_count()
    local head = json.encode({
      bqw = ctx.version,
      meta = ctx.meta,
      shape = shape,
      count = count,
      records = {},
    }, { indent = true, keyorder = DOC_ORDER })
    -- the document with no records ends in "records":[] and "\n}": the rows go between
    assert(head:sub(-4) == "[]\n}", "bqw.json: unexpected document end")
    out:write(head:sub(1, -4))
    if ctx.native then
      ctx.native.write(out, { format = "json" })
    else
      local n = 0
      local function write_row(row)
        n = n + 1
        if n > 1 then
          out:write(",")
        end
        -- at the depth of the document's records array, as dkjson indents it there
        out:write(json.encode(row, { indent = true, level = 2 }))
      end
      if type(rows) == "table" then
        for _, row in ipairs(rows) do
          write_row(row)
        end
      else
        for row in rows do
          write_row(row)
        end
      end
    end
    out:write("]\n}\n")
  end,
}
