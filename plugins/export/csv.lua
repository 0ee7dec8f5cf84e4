--- CSV (RFC 4180): a header row of column names, then one row per record (shape
--- "record", the default) or per measure (shape "measure"; a record without measures,
--- such as a target or a meeting, still gives one row with the measure columns empty).
---
--- Columns: opts.columns (a list or "a,b,c"), else export_util.COLUMNS[shape]. Lists
--- are joined with "; ", a record's measures with newlines (quoted, so they stay in one
--- cell). Rows end in CRLF; a field holding a comma, a double quote, CR or LF is quoted,
--- its quotes doubled. --bom starts the file with a UTF-8 BOM so Excel reads it as
--- UTF-8. A cell beginning with = + - @ TAB or CR is prefixed with ' so a spreadsheet
--- does not run it as a formula (OWASP's advice), unless --raw-cells.
local M = {
  name = "csv",
  kind = "export",
  description = "CSV (RFC 4180, CRLF): header row, one row per record or measure; "
    .. "cells starting with = + - @ TAB CR get a ' prefix unless --raw-cells.",
  extension = "csv",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {
    bom = "start with a UTF-8 byte order mark (for Excel)",
    raw_cells = "write cells as they are: no ' before cells starting with = + - @ TAB CR",
  },
}

--- The first bytes that make a spreadsheet read a cell as a formula: = + - @ TAB CR.
local FORMULA_START = { [61] = true, [43] = true, [45] = true, [64] = true, [9] = true, [13] = true }

--- One cell as RFC 4180 writes it, with a ' before a formula unless raw.
local function field(s, raw)
  if not raw and FORMULA_START[s:byte(1)] then
    s = "'" .. s
  end
  if s:find('[,"\r\n]') then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

-- The columns of an export's options, worked out once per export.
local columns_of = setmetatable({}, { __mode = "k" })

local function columns(opts, util)
  local cols = columns_of[opts]
  if not cols then
    cols = util.columns(opts)
    columns_of[opts] = cols
  end
  return cols
end

--- The header (and the BOM when asked for).
function M.begin(out, opts, ctx)
  if opts.bom then
    out:write("\239\187\191")
  end
  local fields = {}
  for i, c in ipairs(columns(opts, ctx.util)) do
    fields[i] = field(c, opts.raw_cells)
  end
  out:write(table.concat(fields, ","), "\r\n")
end

--- One row.
function M.record(out, row, opts, ctx)
  out:write(ctx.util.delimited_line(row, columns(opts, ctx.util), "csv", opts.raw_cells))
end

--- The same rows written by the core, a batch at a time, when it walks the records
--- itself (every filter its own): what record() would write, byte for byte.
function M.native(opts, ctx)
  return { format = "csv", columns = columns(opts, ctx.util), raw = opts.raw_cells }
end

--- The first contract (an array of records), for callers that use it directly.
M.write = require("bqw.export_util").write_from(M)

return M
