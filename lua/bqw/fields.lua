--- The record fields, as libbqw's schema declares them (core/bqw_schema.h through
--- core.schema()): every list of fields on the Lua side (JSON key order, export
--- columns, views, completions, `bqw fields`, the generated tables of the docs) is
--- made from this module, so a field added to the schema reaches all of them.
local core = require("bqw.core")

local M = {}

--- Every field in the schema's order (the JSON record's key order): { name, filter,
--- type, kinds, fold, closed, facet, sort, record, measure, measures, present, also,
--- description } (see binding/schema.c).
M.ALL = core.schema()

--- The field of each name.
M.BY_NAME = {}
--- Every name, in order: the keys a row (a record or a measure row) may have.
M.NAMES = {}
--- The keys of a record table, in order.
M.RECORD = {}
--- The keys only a measure row has (the measure shape), in order.
M.MEASURE = {}
--- Fields holding a number, and fields holding a list.
M.NUMERIC, M.LIST = {}, {}
for _, f in ipairs(M.ALL) do
  M.BY_NAME[f.name] = f
  M.NAMES[#M.NAMES + 1] = f.name
  if f.record then
    M.RECORD[#M.RECORD + 1] = f.name
  end
  if f.measure then
    M.MEASURE[#M.MEASURE + 1] = f.name
  end
  M.NUMERIC[f.name] = f.type == "integer" or nil
  M.LIST[f.name] = (f.type == "texts" or f.type == "integers") or nil
end

--- The column sets (bqw_schema_columns): the fields an output shows by default, in its
--- own order: flat_record, flat_measure (CSV, TSV, xlsx), table_record, table_measure
--- (Markdown and HTML), ndjson (key order), sqlite (its records table), detail (the
--- detail view's reading order).
M.COLUMNS = core.schema_columns()

--- The separator export_util.cell joins a list field's items with: newlines for the
--- measures' texts, "; " for any other list.
function M.joiner(name)
  local f = M.BY_NAME[name]
  return f and f.measures and f.type == "texts" and "\n" or "; "
end

--- The names of the fields for which pred(field) holds, in order.
function M.names(pred)
  local out = {}
  for _, f in ipairs(M.ALL) do
    if pred(f) then
      out[#out + 1] = f.name
    end
  end
  return out
end

return M
