--- Ordering values the way a Chinese reader expects: text by pinyin (bqw_collate_key in
--- the core: the primary Unihan reading, then tone, then code point), numbers
--- numerically and before text, absent values last. Shared by query sorting, facets,
--- views and the report.
local core = require("bqw.core")

local M = {}

-- Keys are pure functions of the text: remember them (the digest has a few thousand
-- distinct strings; a later digest of the same shape has the same order of magnitude).
local keys = {}

--- The sort key of a string (a string whose < order is pinyin order).
function M.key(s)
  local k = keys[s]
  if not k then
    k = core.collate_key(s)
    keys[s] = k
  end
  return k
end

--- a before b: numbers (numerically) before strings (in pinyin order); nil last.
--- A list stands for its first item.
function M.less(a, b)
  if type(a) == "table" then
    a = a[1]
  end
  if type(b) == "table" then
    b = b[1]
  end
  if a == nil or b == nil then
    return a ~= nil and b == nil
  end
  local ta, tb = type(a), type(b)
  if ta == "number" and tb == "number" then
    return a < b
  elseif ta == "number" or tb == "number" then
    return ta == "number"
  end
  a, b = tostring(a), tostring(b)
  if a == b then
    return false
  end
  return M.key(a) < M.key(b)
end

--- Sorts an array of strings (or numbers) in place, in pinyin order; returns it.
function M.sort(list)
  table.sort(list, M.less)
  return list
end

--- Fields named by another word where a sort or facet names them (the filters' words).
M.ALIASES = { issuer = "issuers" }

--- Parses "city,-year" into { { field = "city", desc = false }, { field = "year",
--- desc = true } }; known (optional) is a set of field names: an unknown one is an
--- error "unknown sort field …". Returns the list or nil, message.
function M.parse_keys(spec, known)
  local out = {}
  for word in tostring(spec):gmatch("[^,%s]+") do
    local desc = word:sub(1, 1) == "-"
    local field = desc and word:sub(2) or word
    if field:sub(1, 1) == "+" then
      field = field:sub(2)
    end
    field = M.ALIASES[field] or field
    if known and not known[field] then
      local names = {}
      for k in pairs(known) do
        names[#names + 1] = k
      end
      table.sort(names)
      return nil, ("unknown sort field %q (fields: %s)"):format(field, table.concat(names, ", "))
    end
    out[#out + 1] = { field = field, desc = desc }
  end
  if #out == 0 then
    return nil, "expected a field to sort by, e.g. city or city,-year"
  end
  return out
end

--- A comparison function(a, b) for records by parsed keys; ties keep id order, and a
--- record without the field goes last whatever the direction.
function M.comparator(sort_keys)
  return function(a, b)
    for _, k in ipairs(sort_keys) do
      local va, vb = a[k.field], b[k.field]
      if type(va) == "table" then
        va = va[1]
      end
      if type(vb) == "table" then
        vb = vb[1]
      end
      if va ~= vb then
        if va == nil or vb == nil then
          return vb == nil
        end
        if k.desc then
          return M.less(vb, va)
        end
        return M.less(va, vb)
      end
    end
    return (a.id or 0) < (b.id or 0)
  end
end

return M
