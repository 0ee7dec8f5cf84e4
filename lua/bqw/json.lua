--- JSON for bqw: dkjson (vendored: lua/bqw/vendor/dkjson.lua) with a stable key order, so output is
--- byte-for-byte reproducible: known keys in their documented order, others sorted.
local dkjson = require("bqw.vendor.dkjson")
local fields = require("bqw.fields")

local M = {}

--- Every key the API emits, in the order a reader expects them.
M.KEY_ORDER = {
  -- documents
  "bqw", "meta", "stats", "report", "diagnostics", "records",
  -- records: the schema's fields, inserted below
  -- meta
  "introduction", "byline", "bylines", "credits", "source_note", "source",
  -- stats
  "provincial_documents", "provincial_measures", "city_entries", "city_measures",
  "guiding_documents", "targets", "meetings",
  -- report
  "bytes", "lines", "residue_removed", "repairs_applied", "normalized_runs", "had_bom", "had_cr",
  "errors", "warnings",
  -- diagnostics
  "severity", "col", "message", "formatted",
}

for i, name in ipairs(fields.NAMES) do
  table.insert(M.KEY_ORDER, 6 + i, name)
end

local rank = {}
for i, k in ipairs(M.KEY_ORDER) do
  rank[k] = i
end

local function comparator(ranks)
  return function(a, b)
    local ra, rb = ranks[a], ranks[b]
    if ra and rb then
      return ra < rb
    elseif ra or rb then
      return ra ~= nil
    end
    return tostring(a) < tostring(b)
  end
end
local default_before = comparator(rank)

--- Fields that hold lists: empty, they are still [] and not {}.
M.ARRAY_FIELDS = { records = true, diagnostics = true, lines = true, highlights = true, folds = true }
for name in pairs(fields.LIST) do
  M.ARRAY_FIELDS[name] = true
end
for _, name in ipairs({ "hits", "spans", "problems", "bylines" }) do
  M.ARRAY_FIELDS[name] = true
end

local ARRAY = { __jsontype = "array" }

--- Marks t (default: a new table) as a JSON array, so that it encodes as [] when empty
--- (an empty Lua table is otherwise {}); returns t. A table whose metatable already
--- says __jsontype = "array" (dkjson's convention) is an array too.
function M.array(t)
  return setmetatable(t or {}, ARRAY)
end

--- Copies value with an explicit key order on every object.
local function ordered(value, seen, before, key)
  if type(value) ~= "table" then
    return value
  end
  if seen[value] then
    error("bqw.json: cannot encode a table that contains itself", 0)
  end
  seen[value] = true
  local copy, keys = {}, {}
  for k, v in pairs(value) do
    copy[k] = ordered(v, seen, before, k)
    if type(k) ~= "number" then
      keys[#keys + 1] = k
    end
  end
  seen[value] = nil
  table.sort(keys, before)
  local n = #value
  local mt = getmetatable(value)
  local declared = type(mt) == "table" and rawget(mt, "__jsontype") or nil
  if (n > 0 or M.ARRAY_FIELDS[key] or declared == "array") and #keys == 0 then
    return setmetatable(copy, { __jsontype = "array" })
  end
  return setmetatable(copy, { __jsonorder = keys, __jsontype = "object" })
end

--- Encodes value as JSON. opts.indent = true pretty-prints (opts.level: the depth it
--- starts at, for a value written inside a document); opts.keyorder lists keys to put
--- first, before the documented order.
function M.encode(value, opts)
  opts = opts or {}
  local before = default_before
  if opts.keyorder then
    local custom = {}
    for i, k in ipairs(opts.keyorder) do
      custom[k] = i - #opts.keyorder - 1
    end
    for k, r in pairs(rank) do
      if custom[k] == nil then
        custom[k] = r
      end
    end
    before = comparator(custom)
  end
  return dkjson.encode(ordered(value, {}, before), { indent = opts.indent or false, level = opts.level })
end

M.decode = dkjson.decode

return M
