--- Facets: how many records carry each value of a field (VisiData's frequency sheet,
--- Datasette's facets). Shared by `bqw facet`, ds:facet, the overview view and the
--- report, so they all count the same way.
local collate = require("bqw.collate")

local M = {}

--- The fields a facet counts, each the filter word of `--where` (so `FIELD=value`
--- selects exactly the records counted under value) and the record field it reads.
M.FIELDS = {
  region = "region",
  city = "city",
  category = "category",
  doctype = "doctype",
  issuer = "issuers",
  year = "years",
  level = "level",
  kind = "kind",
  mentions = "mentions",
  action = "action",
  section = "section",
  section_title = "section_title",
  code = "code",
}

--- Fields counted only inside bqw (none since every facetable field of the schema is
--- one users name).
M.INTERNAL = {}

--- The facet field names in a stable order (for messages and completion).
M.NAMES = {
  "region",
  "city",
  "category",
  "doctype",
  "issuer",
  "year",
  "level",
  "kind",
  "mentions",
  "action",
  "section",
  "section_title",
  "code",
}

local function sorted(counts, values, measures, source_order)
  if not source_order then
    table.sort(values, function(a, b)
      if counts[a] ~= counts[b] then
        return counts[a] > counts[b]
      end
      return collate.less(a, b)
    end)
  end
  local out = {}
  for i, v in ipairs(values) do
    out[i] = { value = v, count = counts[v], measures = measures and measures[v] }
  end
  return out
end

local function unknown(field)
  return nil, ("unknown facet field %q (fields: %s)"):format(tostring(field), table.concat(M.NAMES, ", "))
end

--- Counts the records per value of field (one of M.NAMES) over records (an array or an
--- iterator function returning records). A record counts once per distinct value it
--- has (a list field such as issuer counts each item); records without the field are
--- not counted. Returns { { value = v, count = n }, … } by count, then value (pinyin
--- order, years numerically), or nil, message for an unknown field. With
--- with_measures each item also has measures: the measures of the records counted;
--- with source_order the values come in the order they first occur.
function M.count(records, field, with_measures, source_order)
  local key = M.FIELDS[field] or M.INTERNAL[field]
  if not key then
    return unknown(field)
  end
  local counts, values, measures = {}, {}, {}
  local function add(r)
    local v = r[key]
    local items = type(v) == "table" and v or { v }
    local seen = {}
    for _, item in ipairs(items) do
      if item ~= nil and item ~= "" and not seen[item] then
        seen[item] = true
        if not counts[item] then
          counts[item] = 0
          measures[item] = 0
          values[#values + 1] = item
        end
        counts[item] = counts[item] + 1
        measures[item] = measures[item] + #(r.measures or {})
      end
    end
  end
  if type(records) == "function" then
    for r in records do
      add(r)
    end
  else
    for _, r in ipairs(records) do
      add(r)
    end
  end
  return sorted(counts, values, with_measures and measures, source_order)
end

--- The core's parallel arrays (values, counts, measures) in the order the values first
--- occur (firsts: the first record counted under each).
function M.first_order(values, counts, measures, firsts)
  local idx = {}
  for i = 1, #values do
    idx[i] = i
  end
  table.sort(idx, function(a, b)
    return firsts[a] < firsts[b]
  end)
  local v, c, m = {}, {}, {}
  for i, k in ipairs(idx) do
    v[i], c[i], m[i] = values[k], counts[k], measures[k]
  end
  return v, c, m
end

--- The counts the core made (ds handle's facet: parallel arrays of values as published
--- and counts) in the script records are shown in ("hans", "hant", "original"), sorted
--- as M.count sorts. Names from data/ are Simplified already, so only hant converts
--- them; a category is converted to either script (two spellings may then merge).
--- measures (the core's third array), when given, adds each value's measures.
function M.from_core(field, values, counts, script, measures, source_order)
  if not (M.FIELDS[field] or M.INTERNAL[field]) then
    return unknown(field)
  end
  local convert = require("bqw").convert
  local merged, order, msum = {}, {}, {}
  for i, v in ipairs(values) do
    local published = field == "category" or field == "section_title"
    if type(v) == "string" and (script == "hant" or (script == "hans" and published)) then
      v = convert(v, script) or v
    end
    if not merged[v] then
      merged[v] = 0
      msum[v] = 0
      order[#order + 1] = v
    end
    merged[v] = merged[v] + counts[i]
    msum[v] = msum[v] + (measures and measures[i] or 0)
  end
  return sorted(merged, order, measures and msum, source_order)
end

return M
