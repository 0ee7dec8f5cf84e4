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

--- The field of each name, and of each filter word ("issuer" is issuers').
M.BY_NAME, M.BY_FILTER = {}, {}
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
  if f.filter then
    M.BY_FILTER[f.filter] = f
  end
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

--- The fields no row table holds, whose values an export computes only when a column
--- names them (`code`: a coding pass over the records), in schema order.
M.ON_REQUEST = {}
for _, f in ipairs(M.ALL) do
  if not (f.record or f.measure) then
    M.ON_REQUEST[#M.ON_REQUEST + 1] = f.name
  end
end

--- The facets (the fields the schema marks facet), by filter word in schema order, and
--- the record field each word counts ("issuer": issuers).
M.FACETS, M.FACET_FIELD = {}, {}
for _, f in ipairs(M.ALL) do
  if f.facet and f.filter then
    M.FACETS[#M.FACETS + 1] = f.filter
    M.FACET_FIELD[f.filter] = f.name
  end
end

--- The operators the query engine takes for a filter word's field (core/query.c
--- ops_of): = and ~ for text, comparisons for numbers and dates.
function M.ops(f)
  if f.type == "text" or f.type == "texts" then
    return { "=", "~" }
  end
  return { "=", ">=", "<=", ">", "<" }
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

--- The key order of a field in JSON (`bqw fields --json`).
M.JSON_KEYS = {
  "name", "filter", "type", "kinds", "description", "facet", "sort", "fold", "closed", "record", "measure",
  "measures", "present", "also",
}

-- ---- the field table: `bqw fields`, README.md and doc/bqw.txt ----------------------

local TYPE_WORDS = { texts = "list of text", integers = "list of integer" }
local KIND_COUNT = 6

--- A field's type in words ("text", "list of text").
function M.type_words(f)
  return TYPE_WORDS[f.type] or f.type
end

--- The kinds a field applies to in words: "every kind" or "document, city".
function M.kind_words(f, sep)
  return #f.kinds == KIND_COUNT and "every kind" or table.concat(f.kinds, sep or ", ")
end

--- What a field is used for: its filter word, and facet and sort when it has them.
function M.uses(f)
  local t = {}
  if f.filter then
    t[#t + 1] = "--where " .. f.filter
  end
  if f.facet then
    t[#t + 1] = "facet"
  end
  if f.sort then
    t[#t + 1] = "--sort"
  end
  if f.measure then
    t[#t + 1] = "measure rows only"
  end
  return t
end

--- The table `bqw fields` prints: a header, then a line per field; the name first and
--- each column a word (kinds joined by commas, "-" for none), so that a shell
--- completion can read it with awk.
function M.text()
  local rows = { { "FIELD", "FILTER", "TYPE", "KINDS", "USE", "DESCRIPTION" } }
  for _, f in ipairs(M.ALL) do
    local use = {}
    for _, u in ipairs({ "facet", "sort" }) do
      if f[u] then
        use[#use + 1] = u
      end
    end
    if f.measure then
      use[#use + 1] = "measure-row"
    end
    rows[#rows + 1] = {
      f.name,
      f.filter or "-",
      f.type,
      #f.kinds == KIND_COUNT and "all" or table.concat(f.kinds, ","),
      #use > 0 and table.concat(use, ",") or "-",
      f.description,
    }
  end
  local widths = {}
  for _, row in ipairs(rows) do
    for i = 1, #row - 1 do
      widths[i] = math.max(widths[i] or 0, #row[i])
    end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local parts = {}
    for i = 1, #row - 1 do
      parts[i] = row[i] .. string.rep(" ", widths[i] - #row[i])
    end
    parts[#row] = row[#row]
    lines[#lines + 1] = table.concat(parts, "  ")
  end
  return table.concat(lines, "\n") .. "\n"
end

--- The fields as a Markdown table (README.md).
function M.markdown()
  local out = {
    "| Field | Type | Kinds | Use | Description |",
    "| --- | --- | --- | --- | --- |",
  }
  for _, f in ipairs(M.ALL) do
    local use = M.uses(f)
    for i, u in ipairs(use) do
      use[i] = u:find("^%-%-") and "`" .. u .. "`" or u
    end
    out[#out + 1] = ("| `%s` | %s | %s | %s | %s |"):format(
      f.name,
      M.type_words(f),
      M.kind_words(f),
      table.concat(use, ", "),
      (f.description:gsub("|", "\\|"))
    )
  end
  return table.concat(out, "\n") .. "\n"
end

--- words wrapped to lines of at most width bytes of ASCII (a Han character counts two
--- cells, as Vim shows it), each line prefixed by indent
local function wrap(text, indent, width)
  local lines, line = {}, ""
  local function cells(s)
    local _, wide = s:gsub("[\228-\233][\128-\191][\128-\191]", "")
    local _, cont = s:gsub("[\128-\191]", "")
    return #s - cont + wide
  end
  for word in text:gmatch("%S+") do
    if line ~= "" and cells(indent .. line .. " " .. word) > width then
      lines[#lines + 1] = indent .. line
      line = word
    else
      line = line == "" and word or line .. " " .. word
    end
  end
  lines[#lines + 1] = indent .. line
  return lines
end

--- The fields as lines of doc/bqw.txt (78 columns): the name, then its type, kinds and
--- uses, then its description, indented under them.
function M.vimdoc()
  local out = {}
  local pad = string.rep(" ", 20)
  for _, f in ipairs(M.ALL) do
    local head = ("%s; %s"):format(M.type_words(f), M.kind_words(f))
    local use = M.uses(f)
    if #use > 0 then
      head = head .. "; " .. table.concat(use, ", ")
    end
    local lines = wrap(head, pad, 78)
    local name = "    " .. f.name
    if #name < #pad then
      lines[1] = name .. lines[1]:sub(#name + 1)
    else
      table.insert(lines, 1, name)
    end
    for _, l in ipairs(wrap(f.description, pad, 78)) do
      lines[#lines + 1] = l
    end
    for _, l in ipairs(lines) do
      out[#out + 1] = l
    end
  end
  return table.concat(out, "\n") .. "\n"
end

return M
