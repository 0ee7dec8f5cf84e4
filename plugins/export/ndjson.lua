--- Newline-delimited JSON (NDJSON, JSON Lines): one compact JSON object per line, one
--- per record (shape "record", the default) or per measure row (shape "measure": the
--- record's fields with measure, measure_index and measure_line, its measures and
--- measure_lines left out; a record without measures still gives one object, without
--- those three keys). Every line is a record: there is no meta line and no header, so
--- `jq -c`, `mlr --ijsonl` or a line-by-line reader gets only records (`bqw export
--- --format json` has the meta). Values keep their JSON types (numbers, lists).
---
--- Columns: with opts.columns (a list or "a,b,c"), each object has only those keys
--- (an absent field is left out); without, every field.
local json = require("bqw.json")

-- the keys in the schema's ndjson column set order (as the core writes them)
local KEY_ORDER = require("bqw.fields").COLUMNS.ndjson

local M = {
  name = "ndjson",
  kind = "export",
  description = "Newline-delimited JSON: one compact object per record or measure row, "
    .. "no meta line.",
  extension = "ndjson",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {},
  --- One row: one line.
  record = function(out, row, opts, ctx)
    local object = row
    if opts.columns then
      object = {}
      for _, c in ipairs(ctx.util.columns(opts)) do
        object[c] = row[c]
      end
    end
    out:write(json.encode(object, { keyorder = KEY_ORDER }), "\n")
  end,
  --- The same lines written by the core when it walks the records itself.
  native = function(opts, ctx)
    return { format = "ndjson", columns = opts.columns and ctx.util.columns(opts) or nil }
  end,
}

--- The first contract (an array of records), for callers that use it directly.
M.write = require("bqw.export_util").write_from(M)

return M
