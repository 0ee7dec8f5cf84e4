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
local M = {
  name = "tsv",
  kind = "export",
  description = "TSV (CSV with TAB, RFC 4180 quoting): header row; cells with TAB, LF or \" quoted, "
    .. "\" doubled; read with csvkit -t, Python csv delimiter='\\t', mlr --icsv --ifs tab; cells "
    .. "starting with = + - @ TAB CR get a ' prefix unless --raw-cells.",
  extension = "tsv",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {
    raw_cells = "write cells as they are: no ' before cells starting with = + - @ TAB CR",
  },
}

local FORMULA_START = { [61] = true, [43] = true, [45] = true, [64] = true, [9] = true, [13] = true }

local function field(s, raw)
  if not raw and FORMULA_START[s:byte(1)] then
    s = "'" .. s
  end
  s = s:gsub("\r\n?", "\n")
  if s:find('[\t\n"]') then
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

--- The header.
function M.begin(out, opts, ctx)
  local fields = {}
  for i, c in ipairs(columns(opts, ctx.util)) do
    fields[i] = field(c, opts.raw_cells)
  end
  out:write(table.concat(fields, "\t"), "\n")
end

--- One row.
function M.record(out, row, opts, ctx)
  out:write(ctx.util.delimited_line(row, columns(opts, ctx.util), "tsv", opts.raw_cells))
end

--- The same rows written by the core, a batch at a time, when it walks the records
--- itself (every filter its own): what record() would write, byte for byte.
function M.native(opts, ctx)
  return { format = "tsv", columns = columns(opts, ctx.util), raw = opts.raw_cells }
end

--- The first contract (an array of records), for callers that use it directly.
M.write = require("bqw.export_util").write_from(M)

return M
