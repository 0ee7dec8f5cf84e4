--- Sorting that a host can interrupt: a stable merge sort in Lua that calls tick every
--- TICK comparisons. table.sort calls its comparator from C, where a host's coroutine
--- cannot yield (Neovim builds a large view in one, yielding in the tick), so sorting
--- 100,000s of records there would hold the host for seconds.
local M = {}

local TICK = 200

--- Sorts list in place by before (a strict order), keeping equal elements in their
--- order; tick (optional) is called every TICK comparisons. Returns list.
function M.stable(list, before, tick)
  local n = #list
  local src, dst = list, {}
  local compared = 0
  local width = 1
  while width < n do
    for lo = 1, n, 2 * width do
      local mid, hi = math.min(lo + width, n + 1), math.min(lo + 2 * width, n + 1)
      local i, j, k = lo, mid, lo
      while i < mid and j < hi do
        -- take from the right only when it is strictly before: stable
        if before(src[j], src[i]) then
          dst[k], j = src[j], j + 1
        else
          dst[k], i = src[i], i + 1
        end
        k = k + 1
        compared = compared + 1
        if tick and compared % TICK == 0 then
          tick()
        end
      end
      for x = i, mid - 1 do
        dst[k], k = src[x], k + 1
      end
      for x = j, hi - 1 do
        dst[k], k = src[x], k + 1
      end
    end
    src, dst = dst, src
    width = width * 2
  end
  if src ~= list then
    for i = 1, n do
      list[i] = src[i]
    end
  end
  return list
end

--- A comparison for Query:sort and ds:view's sort = { column = NAME, desc = BOOL }: by
--- the record's field column ("label": view_util.label), numbers before text, text in
--- pinyin order (core.collate_key), records without the field last either way, ties in
--- id order.
function M.by_column(column, desc)
  local core = require("bqw.core")
  local label = require("bqw.view_util").label
  local keys = {}
  local function key(r)
    local v
    if column == "label" then
      v = label(r)
    else
      v = r[column]
    end
    if type(v) == "table" then
      v = v[1]
    end
    if v == nil or type(v) == "number" then
      return v
    end
    local k = keys[v]
    if not k then
      k = core.collate_key(tostring(v))
      keys[v] = k
    end
    return k
  end
  return function(a, b)
    local ka, kb = key(a), key(b)
    if ka == nil or kb == nil then
      if ka == kb then
        return a.id < b.id
      end
      return kb == nil
    end
    if type(ka) ~= type(kb) then
      return type(ka) == "number"
    end
    if ka == kb then
      return a.id < b.id
    end
    if desc then
      return ka > kb
    end
    return ka < kb
  end
end

return M
