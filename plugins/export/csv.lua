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

--- The characters that make a spreadsheet read a cell as a formula.
local FORMULA_START = { ["="] = true, ["+"] = true, ["-"] = true, ["@"] = true, ["\t"] = true, ["\r"] = true }

--- The cell with a ' before it when it would start a formula.
local function neutralise(s)
  if FORMULA_START[s:sub(1, 1)] then
    return "'" .. s
  end
  return s
end

--- One field as RFC 4180 writes it.
local function field(s)
  if s:find('[,"\r\n]') then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

function M.write(out, records, opts, ctx)
  local util = ctx.util
  local columns = util.columns(opts)
  local raw = opts.raw_cells
  local function line(values)
    local fields = {}
    for i, v in ipairs(values) do
      fields[i] = field(raw and v or neutralise(v))
    end
    out:write(table.concat(fields, ","), "\r\n")
  end
  if opts.bom then
    out:write("\239\187\191")
  end
  line(columns)
  for _, row in ipairs(util.rows(records, opts.shape)) do
    local values = {}
    for i, c in ipairs(columns) do
      values[i] = util.cell(row, c)
    end
    line(values)
    if ctx and ctx.tick then
      ctx.tick() -- a row done: a background export may yield here
    end
  end
end

return M
