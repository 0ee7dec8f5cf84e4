--- TSV as "CSV with TAB for comma" (Python's excel-tab dialect, RFC 4180 quoting): a
--- header row of column names, then one row per record (shape "record", the default)
--- or per measure (shape "measure"; a record without measures still gives one row with
--- the measure columns empty). Fields are separated by TAB and rows end in LF. A cell
--- holding TAB, LF or a double quote is enclosed in double quotes, with each quote
--- inside doubled; a backslash is an ordinary character. CR inside a cell is written as
--- LF (the loader already ends lines with LF; one reader turns a lone CR into LF).
---
--- This is the convention that Python's csv module (delimiter="\t"), csvkit (-t) and
--- Miller (--icsv --ifs tab; not --itsv, which reads \t \n escapes and no quotes) all
--- read back identically; tests/lua/exports_spec.lua round-trips an export through each.
---
--- Columns: opts.columns (a list or "a,b,c"), else export_util.COLUMNS[shape]. Lists
--- are joined with "; ", a record's measures with newlines. As in CSV, a cell beginning
--- with = + - @ TAB or CR gets a ' prefix so a spreadsheet does not run it as a formula,
--- unless --raw-cells.
return require("bqw.export_util").engine_export({
  name = "tsv",
  description = "TSV (CSV with TAB, RFC 4180 quoting): header row; cells with TAB, LF or \" quoted, "
    .. "\" doubled; read with csvkit -t, Python csv delimiter='\\t', mlr --icsv --ifs tab; cells "
    .. "starting with = + - @ TAB CR get a ' prefix unless --raw-cells.",
  extension = "tsv",
  format = "tsv", -- the engine's writer (core.delimited, binding/rows.c)
  options = {
    raw_cells = "write cells as they are: no ' before cells starting with = + - @ TAB CR",
  },
})
