--- Helpers for filter plugins: canonical names, years and ranges, list tests.
local facts = require("bqw.facts")

local M = {}

local canon -- Traditional or Simplified name -> Simplified, for places and bodies

--- The gazetteer's canonical (Simplified) form of a place or body name, or the name.
function M.canonical(name)
  if not canon then
    canon = {}
    for _, p in ipairs(facts.places()) do
      for _, n in ipairs(p.names) do
        canon[n] = p.name
      end
    end
    for _, r in ipairs(facts.rows("issuers")) do
      canon[r[1]], canon[r[2]] = r[1], r[1]
    end
  end
  return canon[name] or name
end

--- Parses "2025" or "2023..2025" into { from, to }; nil, message when it is neither.
function M.parse_years(text)
  local a, b = tostring(text):match("^%s*(%d+)%s*%.%.%s*(%d+)%s*$")
  if a then
    a, b = tonumber(a), tonumber(b)
    if a > b then
      return nil, ("the range %s..%s runs backwards"):format(a, b)
    end
    return { a, b }
  end
  local y = tostring(text):match("^%s*(%d+)%s*$")
  if y then
    return { tonumber(y), tonumber(y) }
  end
  return nil, ("expected a year such as 2025 or a range such as 2023..2027, got %q"):format(tostring(text))
end

--- Compares a number with a parsed year value under op (=, >=, <=, >, <).
function M.compare_year(y, op, range)
  if op == "=" then
    return y >= range[1] and y <= range[2]
  elseif op == ">=" then
    return y >= range[1]
  elseif op == "<=" then
    return y <= range[2]
  elseif op == ">" then
    return y > range[2]
  elseif op == "<" then
    return y < range[1]
  end
  return false
end

--- True when fn(item) holds for some item of list (a nil list has none).
function M.any(list, fn)
  for _, item in ipairs(list or {}) do
    if fn(item) then
      return true
    end
  end
  return false
end

--- Plain substring test.
function M.contains(haystack, needle)
  return haystack ~= nil and haystack:find(needle, 1, true) ~= nil
end

--- s in Simplified (a record's published text may be Traditional; what a user types
--- is either), or s when OpenCC cannot convert it. Conversions are cached by bqw.
function M.simplified(s)
  if s == nil or not s:find("[\128-\255]") then
    return s
  end
  return require("bqw").convert(s, "hans") or s
end

--- A filter plugin for a string field: = compares the whole value (canonical names
--- folded), ~ looks for a substring; either script matches either (城乡融合 finds a
--- published 城鄉融合). field may name a list field (any item counts).
function M.field_filter(name, field, description, opts)
  opts = opts or {}
  return {
    name = name,
    kind = "filter",
    description = description,
    ops = opts.ops or { "=", "~" },
    match = function(record, op, value)
      local v = record[field]
      local items = type(v) == "table" and v or { v }
      local want = opts.canonical and M.canonical(value) or value
      local folded = M.simplified(value)
      return M.any(items, function(item)
        if op == "~" then
          return M.contains(item, value) or M.contains(M.simplified(item), folded)
        end
        return item == want or item == value or (item ~= nil and M.simplified(item) == folded)
      end)
    end,
  }
end

return M
