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
return require("bqw.export_util").engine_export({
  name = "csv",
  description = "CSV (RFC 4180, CRLF): header row, one row per record or measure; "
    .. "cells starting with = + - @ TAB CR get a ' prefix unless --raw-cells.",
  extension = "csv",
  format = "csv", -- the engine's writer (core.delimited, binding/rows.c)
  options = {
    bom = "start with a UTF-8 byte order mark (for Excel)",
    raw_cells = "write cells as they are: no ' before cells starting with = + - @ TAB CR",
  },
  --- The UTF-8 BOM when asked for, before the header.
  preamble = function(opts)
    return opts.bom and "\239\187\191" or ""
  end,
})
