--- TSV in the "linear TSV" convention (as Miller, PostgreSQL's COPY and
--- csvkit read it): a header row of column names, then one row per record (shape
--- "record", the default) or per measure (shape "measure"; a record without measures
--- still gives one row with the measure columns empty). Fields are separated by TAB,
--- rows end in LF, and inside a cell TAB, LF, CR and backslash are written \t \n \r \\,
--- so every row is one line and no cell is ever quoted.
---
--- Columns: opts.columns (a list or "a,b,c"), else export_util.COLUMNS[shape]. Lists
--- are joined with "; ", a record's measures with newlines (so \n in the file). As in
--- CSV, a cell beginning with = + - @ TAB or CR gets a ' prefix so a spreadsheet does
--- not run it as a formula, unless --raw-cells.
local M = {
  name = "tsv",
  kind = "export",
  description = "TSV, linear convention: header row, one line per record or measure; "
    .. "TAB LF CR \\ in cells written \\t \\n \\r \\\\; cells starting with = + - @ TAB CR "
    .. "get a ' prefix unless --raw-cells.",
  extension = "tsv",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {
    raw_cells = "write cells as they are: no ' before cells starting with = + - @ TAB CR",
  },
}

local FORMULA_START = { ["="] = true, ["+"] = true, ["-"] = true, ["@"] = true, ["\t"] = true, ["\r"] = true }

local ESCAPES = { ["\t"] = "\\t", ["\n"] = "\\n", ["\r"] = "\\r", ["\\"] = "\\\\" }

local function field(s, raw)
  if not raw and FORMULA_START[s:sub(1, 1)] then
    s = "'" .. s
  end
  return (s:gsub("[\t\n\r\\]", ESCAPES))
end

function M.write(out, records, opts, ctx)
  local util = ctx.util
  local columns = util.columns(opts)
  local function line(values)
    local fields = {}
    for i, v in ipairs(values) do
      fields[i] = field(v, opts.raw_cells)
    end
    out:write(table.concat(fields, "\t"), "\n")
  end
  line(columns)
  for _, row in ipairs(util.rows(records, opts.shape)) do
    local values = {}
    for i, c in ipairs(columns) do
      values[i] = util.cell(row, c)
    end
    if ctx and ctx.tick then
      ctx.tick() -- a row done: a background export may yield here
    end
    line(values)
  end
end

return M
