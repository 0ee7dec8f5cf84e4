--- Facets of a dataset: ds:facet (counts per value of a field, and crosstabs of two),
--- counted by the query engine. Methods of bqw's Dataset.
local util = require("bqw.dataset_util")

local Dataset = util.Dataset
local handle_of, script_of = util.handle_of, util.script_of

--- Counts records per value of a field: ds:facet("region", { where = "kind=city" }).
--- field is a field the schema marks facet, by its word of --where (bqw.facet NAMES:
--- region, city, issuer, year, …; so FIELD=value selects the records counted under
--- value); a record counts once per value it has. opts.where narrows the records,
--- opts.script the values' script. Returns { { value = …, count = n }, … } by count,
--- then value in pinyin order (years numerically), or nil, message, name ("EINVAL"
--- an unknown field or a bad where, "EPLUGIN" a filter plugin failed).
function Dataset:facet(field, opts)
  opts = util.named_call(self, "facet", field, opts)
  local facet = require("bqw.facet")
  if not facet.FIELDS[field] then
    local none, ferr = facet.count({}, field)
    return none, ferr, ferr and "EINVAL" or nil
  end
  if opts.by ~= nil and not facet.FIELDS[opts.by] then
    local none, ferr = facet.count({}, opts.by)
    return none, ferr, ferr and "EINVAL" or nil
  end
  local q, err, ename = util.select_query(self, opts.where, opts.script, nil, opts.tick, opts.first)
  if not q then
    return nil, err, ename
  end
  local counts, ferr
  if opts.by ~= nil then
    counts, ferr = self:_crosstab(q, field, opts.by, script_of(opts), opts.first)
  else
    counts, ferr = self:_facet_query(q, field, script_of(opts), opts.first)
  end
  if not counts then
    return nil, ferr, require("bqw.plugins").error_name(ferr, "EINVAL")
  end
  return counts
end

--- A crosstab (ds:facet with opts.by): the facet of field, each item with cells, the
--- records counted under its value and each value of by, parallel to the result's
--- `by` (the by values, by their totals, then collation); counted by the engine.
function Dataset:_crosstab(q, field, by, script, first)
  local in_core, cfilter = q:_core_filter()
  if not in_core then
    return nil, "a crosstab takes a where expression, not a function"
  end
  local ok, values, counts, _, _, by_values, cells = pcall(function()
    return handle_of(self, "facet"):facet(field, cfilter, first, by)
  end)
  if not ok then
    return nil, (tostring(values):gsub("^bqw: where: ", ""))
  end
  local shown = require("bqw.facet").shown
  local out = { by = {} }
  for j, v in ipairs(by_values) do
    out.by[j] = shown(by, v, script)
  end
  for i, v in ipairs(values) do
    out[i] = { value = shown(field, v, script), count = counts[i], cells = cells[i] }
  end
  return out
end

--- The facet of a query's records (see ds:facet): counted by the core when it tests
--- the whole query itself, so no record is built; in Lua otherwise. with_measures adds
--- each value's measures (those of the records counted under it); source_order keeps
--- the values in the order they first occur instead of by count.
function Dataset:_facet_query(q, field, script, first, with_measures, source_order)
  local facet = require("bqw.facet")
  if not (facet.FIELDS[field] or facet.INTERNAL[field]) then
    return facet.count({}, field)
  end
  local in_core, cfilter = q:_core_filter()
  if in_core then
    local ok, values, counts, measures, firsts = pcall(function()
      return handle_of(self, "facet"):facet(facet.FIELDS[field] and field or facet.INTERNAL[field], cfilter, first)
    end)
    if not ok then
      return nil, (tostring(values):gsub("^bqw: where: ", ""))
    end
    if source_order then
      values, counts, measures = facet.first_order(values, counts, measures, firsts)
    end
    return facet.from_core(field, values, counts, script, with_measures and measures, source_order)
  end
  local ok, result = pcall(function()
    local records = q:iter()
    if script == "original" then
      -- a query with a Lua filter scans the records as published: count those
      local scan = q:_scan()
      records = function()
        return (scan())
      end
    end
    return facet.count(records, field, with_measures, source_order)
  end)
  if not ok then
    return nil, (tostring(result):gsub("^bqw: where: ", ""))
  end
  return result
end
