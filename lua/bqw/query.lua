--- Queries: filters composed with and / or / not, in Lua or as a small expression
--- language (`region=粤北 year>=2025 text~乡村振兴`), over a dataset's records.
---
--- Every expression is libbqw's query engine's (core/query.c through ds:query_compile):
--- one parser and one evaluator, user filter plugins (plugins/filter/<name>.lua with a
--- match(record, op, value)) evaluated through its callbacks (bqw.plugins
--- engine_options). A Lua function filter stays a Lua predicate. User text is never
--- given to load().
local M = {}

-- ---- expressions -------------------------------------------------------------------

-- Operators, longest first so ">=" is not read as ">".
local OPERATORS = { "!=", "!~", ">=", "<=", "=", "~", ">", "<" }

--- Character column (from 1) of byte position pos in s: UTF-8 lead bytes counted.
local function column(s, pos)
  local col = 1
  for i = 1, math.min(pos - 1, #s) do
    local b = s:byte(i)
    if b < 128 or b >= 192 then
      col = col + 1
    end
  end
  return col
end

-- Longer expressions are shown as a window around the caret, so a huge input does not
-- flood the terminal.
local WINDOW = 60

--- Byte position of the start of the UTF-8 character holding byte i of s.
local function char_start(s, i)
  while i > 1 do
    local b = s:byte(i)
    if not b or b < 128 or b >= 192 then
      break
    end
    i = i - 1
  end
  return i
end

local function caret_error(source, pos, message)
  local col = column(source, pos)
  local shown, caret_col = source, col
  if #source > 2 * WINDOW then
    local from = char_start(source, math.max(1, pos - WINDOW))
    local to = char_start(source, math.min(#source + 1, pos + WINDOW))
    shown = (from > 1 and "…" or "") .. source:sub(from, to - 1) .. (to <= #source and "…" or "")
    caret_col = column(source, pos) - column(source, from) + 1 + (from > 1 and 1 or 0)
  end
  local e = {
    message = message,
    column = col,
    text = ("--where:1:%d: error: %s\n  %s\n  %s^"):format(col, message, shown, string.rep(" ", caret_col - 1)),
  }
  return setmetatable(e, {
    __tostring = function(self)
      return self.text
    end,
  })
end

-- ---- the chainable query ------------------------------------------------------------

local Query = {}
Query.__index = Query

local function deep_copy(v)
  if type(v) ~= "table" then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = deep_copy(x)
  end
  return out
end
M.copy = deep_copy

--- A query over records: an array (shared, not copied), or a source { count = n,
--- get = function(id) -> record } whose records are built one at a time as the query
--- runs. ctx (optional): dataset (for filters that prepare, such as text), present (a
--- function turning a matching record into the table handed out; default a deep copy
--- of an array's record, the record itself from a source), fetch (a function(id)
--- building the record handed out directly, used when no filter needs the record).
function M.new(records, ctx)
  return setmetatable({ _records = records, _ctx = ctx or {}, _preds = {}, _exprs = {}, _sort = nil, _limit = nil }, Query)
end

local function derive(q)
  local preds, exprs = {}, {}
  for i, p in ipairs(q._preds) do
    preds[i] = p
  end
  for i, e in ipairs(q._exprs or {}) do
    exprs[i] = e
  end
  return setmetatable({
    _records = q._records,
    _ctx = q._ctx,
    _preds = preds,
    _exprs = exprs,
    _cfilter = #exprs == 1 and q._cfilter or nil,
    _sort = q._sort,
    _limit = q._limit,
  }, Query)
end

--- The expressions of the Lua form of filters, for the engine: { region = "粤北", year =
--- 2027, text = "振兴" } (and of its entries). A value may be a number or string (=), a
--- string with an operator in front (">=2025", "~振兴", "!=粤北"), a range "2023..2025",
--- or { op, value }; a value is quoted, so spaces and operators in it stay its own.
local function table_expr(spec)
  local keys, parts = {}, {}
  for k in pairs(spec) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, field in ipairs(keys) do
    local v = spec[field]
    local op, value = "=", v
    if type(v) == "table" then
      op, value = v[1], v[2]
    elseif type(v) == "string" then
      for _, o in ipairs(OPERATORS) do
        if v:sub(1, #o) == o then
          op, value = o, v:sub(#o + 1)
          break
        end
      end
    end
    local quoted = tostring(value):gsub("\\", "\\\\"):gsub('"', '\\"')
    parts[#parts + 1] = { field = field, v = v, expr = ('%s%s"%s"'):format(field, op, quoted) }
  end
  return parts
end

--- The engine's filter of the query's expressions (nil: none), compiled once.
function Query:_filter()
  local exprs = self._exprs or {}
  if #exprs == 0 then
    return nil
  end
  if not self._cfilter then
    local expr = exprs[1]
    if #exprs > 1 then
      expr = "(" .. table.concat(exprs, ") and (") .. ")"
    end
    local f, err = self._records.compile(expr)
    if not f then
      error("bqw: where: " .. tostring(caret_error(expr, err.pos, err.message)), 0)
    end
    self._cfilter = f
  end
  return self._cfilter
end

--- Adds an expression to the query, compiled by the engine: the source's (a dataset's
--- records), else the dataset's of the query's context, testing each record by its id.
--- label (a table filter's "field = value") names the filter in a message.
local function add_expr(q, expr, label)
  if not expr:find("%S") then
    return -- as the engine (bqw_query_parse): an empty expression selects every record
  end
  local compile, err = q._records.compile, nil
  local ds = q._ctx.dataset
  local f
  if compile then
    f, err = compile(expr)
  elseif ds then
    f, err = ds:_compile(expr, true)
  else
    error("bqw: where: an expression is tested by a dataset's query engine: query a dataset (ds:query)", label and 3 or 0)
  end
  if not f then
    local e = err.text and err or caret_error(expr, err.pos, err.message)
    error(label and ("bqw: query{%s}: %s"):format(label, e.message) or ("bqw: where: " .. tostring(e)), label and 3 or 0)
  end
  if compile then
    q._exprs[#q._exprs + 1] = expr
    q._cfilter = #q._exprs == 1 and f or nil
  else
    q._preds[#q._preds + 1] = function(r)
      return f:match(r.id)
    end
  end
end

--- Narrows the query: by a function(record) -> boolean, an expression string, or a
--- table of filters. Returns a new query; the old one is unchanged.
function Query:where(filter)
  local q = derive(self)
  if type(filter) == "function" then
    q._preds[#q._preds + 1] = filter
  elseif type(filter) == "string" then
    add_expr(q, filter) -- a message carries its own position
  elseif type(filter) == "table" then
    for _, part in ipairs(table_expr(filter)) do
      add_expr(q, part.expr, ("%s = %s"):format(part.field, tostring(part.v)))
    end
  else
    error("bqw: where: expected a function, an expression string or a table of filters", 2)
  end
  return q
end

local known_fields
--- The record fields a sort may name (core and derived ones, and label).
local function sort_fields()
  if not known_fields then
    known_fields = {}
    local json = require("bqw.json")
    local from, to
    for i, k in ipairs(json.KEY_ORDER) do
      if k == "id" then
        from = i
      elseif k == "measure_line" then
        to = i
      end
    end
    for i = from, to do
      known_fields[json.KEY_ORDER[i]] = true
    end
    -- and every field the schema marks sortable (code, after the measure shape's)
    for _, f in ipairs(require("bqw.fields").ALL) do
      if f.sort then
        known_fields[f.name] = true
      end
    end
  end
  return known_fields
end

--- Orders the results: by field names ("city", "city,-year": "-" for descending, or
--- desc = true for all of them) or a function(a, b) -> boolean. Text is in pinyin
--- order (潮州 < 东莞 < 佛山 < 广州), numbers numeric, a list by its first item;
--- records without the field go last; ties keep source order.
function Query:sort(key, desc)
  if type(key) ~= "string" and type(key) ~= "function" then
    error("bqw: sort: expected a field name or a comparison function", 2)
  end
  local q = derive(self)
  if type(key) == "function" then
    q._sort = { fn = key }
    return q
  end
  local keys, err = require("bqw.collate").parse_keys(key, sort_fields())
  if not keys then
    error("bqw: sort: " .. err, 2)
  end
  if desc then
    for _, k in ipairs(keys) do
      k.desc = not k.desc
    end
  end
  q._sort = { keys = keys }
  return q
end

--- Keeps at most n results.
function Query:limit(n)
  if type(n) ~= "number" or n < 0 or n ~= math.floor(n) then
    error("bqw: limit: expected a whole number >= 0", 2)
  end
  local q = derive(self)
  q._limit = n
  -- the same records in the same order, fewer: the core's order of a sort is self's
  q._order_of = self
  return q
end

-- The host's tick (ctx.tick) is called every TICK_RECORDS records scanned or handed out.
local TICK_RECORDS = 200

local function source_of(q)
  local records = q._records
  if records.get then
    return records.count, records.get, false
  end
  return #records, function(id)
    return records[id]
  end, true
end

--- An iterator over the matching records in source order, one built at a time: each
--- call returns the next record (as the source builds it) and whether it was built
--- only to be tested (so a fetch may build the one handed out instead).
function Query:_scan()
  local n, get = source_of(self)
  local preds, i = self._preds, 0
  local fetch = #preds == 0 and self._ctx.fetch
  local cfilter = self:_filter()
  local tick, pause, scanned = self._ctx.tick, self._ctx.pause, 0
  return function()
    while true do
      if cfilter then
        i = self._records.next_match(cfilter, i + 1)
        if not i then
          i = n
          return nil
        end
      elseif i < n then
        i = i + 1
      else
        return nil
      end
      scanned = scanned + 1
      if tick and scanned % TICK_RECORDS == 0 then
        tick()
      end
      if pause then
        pause()
      end
      if fetch then
        return fetch(i), true, i
      end
      local r = get(i)
      local keep = r ~= nil
      for _, p in ipairs(preds) do
        if not keep then
          break
        end
        keep = p(r)
      end
      if keep then
        return r, false, i
      end
    end
  end
end

--- Whether the core can select the query's records by itself (no Lua predicate), and
--- the core filter that does (nil: every record); used to count without building
--- records.
function Query:_core_filter()
  if #self._preds > 0 or not self._records.compile or self._limit then
    return false
  end
  return true, self:_filter()
end

--- The matching records in the query's order, in an array: the records themselves
--- when sorting by a function, otherwise small entries { _i = position in the
--- source, _fetched, and the sort fields } so that a sort over many records holds
--- their keys, not the records (the records are built again as they are handed out).
function Query:_matches()
  local out = {}
  local s = self._sort
  local fields = {}
  -- a sort field record tables lack (code): its value from the source, when it can
  local value, not_in_record = self._records.value, {}
  for _, k in ipairs(s and s.keys or {}) do
    fields[#fields + 1] = k.field
    local f = require("bqw.fields").BY_NAME[k.field]
    not_in_record[k.field] = f and not f.record or nil
  end
  for r, fetched, i in self:_scan() do
    if s and s.keys then
      local e = { _i = i, _fetched = fetched, id = r.id }
      for _, f in ipairs(fields) do
        e[f] = r[f]
        if e[f] == nil and value and not_in_record[f] then
          e[f] = value(r.id, f)
        end
      end
      out[#out + 1] = e
    else
      out[#out + 1] = r
    end
  end
  if s then
    local before = s.fn or require("bqw.collate").comparator(s.keys)
    local tick = self._ctx.tick or self._ctx.pause
    if tick then
      -- the merge sort in Lua, which a host's coroutine can yield from (not table.sort)
      require("bqw.sort").stable(out, before, tick)
    else
      table.sort(out, before)
    end
  end
  if self._limit and #out > self._limit then
    for i = #out, self._limit + 1, -1 do
      out[i] = nil
    end
  end
  return out
end

--- The ids of the query's records in its order, sorted by the core (ds:order: the
--- same order as collate.comparator's over the records in the query's script) when it
--- can: a sort by field names over a dataset whose filters the core tests all, and no
--- host tick (a host that yields while it sorts, Neovim building a view, keeps the Lua
--- merge sort that ticks). nil otherwise. Made once per query (a query never changes).
function Query:_c_order()
  local s, src = self._sort, self._records
  if not (s and s.keys and src.order and self._ctx.fetch) or #self._preds > 0 or self._ctx.tick then
    return nil
  end
  if self._order == nil and self._order_of then
    self._order = self._order_of:_c_order() or false -- made once, for a query and its limits
  elseif self._order == nil then
    -- false: a key the engine does not sort by (the Lua sort does)
    self._order = src.order(self:_filter(), s.keys) or false
  end
  return self._order or nil
end

--- The function turning a record the scan found into the table handed out.
function Query:_presenter()
  local _, _, shared = source_of(self)
  local present = self._ctx.present or (shared and deep_copy) or function(r)
    return r
  end
  return function(r, fetched)
    if fetched and not shared then
      return r
    end
    return present(r)
  end
end

--- An iterator over the records with these ids (an array), in that order, as the
--- query hands them out: for a caller that found them in an earlier pass over the
--- query (export_util.section_passes).
function Query:_by_ids(ids)
  local fetch, pause, i = self._ctx.fetch, self._ctx.pause, 0
  local _, get = source_of(self)
  local present = self:_presenter()
  return function()
    i = i + 1
    local id = ids[i]
    if id == nil then
      return nil
    end
    if pause then
      pause()
    end
    if fetch then
      return fetch(id)
    end
    return present(get(id), false)
  end
end

--- The results as an array of fresh record tables.
function Query:all()
  local tick = self._ctx.tick
  local out = {}
  for r in self:iter() do
    out[#out + 1] = r
    if tick and #out % TICK_RECORDS == 0 then
      tick()
    end
  end
  return out
end

--- An iterator over the results: for r in q:iter() do … end. Without a sort the
--- records are built one at a time as the loop asks for them (nothing is collected);
--- a sort needs them all first.
function Query:iter()
  local present = self:_presenter()
  local order = self:_c_order()
  if order then
    -- only the ids are held; each record is built as it is handed out
    local n, i, fetch, pause = order:count(), 0, self._ctx.fetch, self._ctx.pause
    if self._limit then
      n = math.min(n, self._limit)
    end
    return function()
      if i >= n then
        return nil
      end
      i = i + 1
      if pause then
        pause()
      end
      return fetch(order:at(i))
    end
  end
  if self._sort then
    local list, i = self:_matches(), 0
    local fetched = #self._preds == 0 and self._ctx.fetch ~= nil
    local _, get = source_of(self)
    local fetch = self._ctx.fetch
    local keyed = self._sort.keys ~= nil
    return function()
      i = i + 1
      local e = list[i]
      if e == nil then
        return nil
      elseif not keyed then
        return present(e, fetched)
      elseif fetch then
        return fetch(e._i)
      end
      return present(get(e._i), e._fetched)
    end
  end
  local scan, left = self:_scan(), self._limit
  return function()
    if left then
      if left <= 0 then
        return nil
      end
      left = left - 1
    end
    local r, fetched = scan()
    if r ~= nil then
      return present(r, fetched)
    end
  end
end

--- What the core needs to walk the results itself (exports written in C): { handle,
--- script, filter (nil for none), last, order (the core's order of a sort, nil for
--- source order) } when every filter is the core's, nothing limits and a sort is one
--- the core makes (Query:_c_order); else nil.
function Query:_native()
  local src = self._records
  if not src.handle or #self._preds > 0 or self._limit then
    return nil
  end
  local order
  if self._sort then
    order = self:_c_order()
    if not order then
      return nil
    end
  end
  return { handle = src.handle, script = src.script, filter = self:_filter(), last = src.count, order = order }
end

--- The number of results.
function Query:count()
  if #self._preds == 0 and #self._exprs == 0 then
    local n = source_of(self)
    return self._limit and math.min(n, self._limit) or n
  end
  local n = 0
  local q = self
  if #self._preds == 0 then
    q = derive(self) -- the core tests every record: nothing needs building
    q._ctx = setmetatable({ fetch = function()
      return true
    end }, { __index = self._ctx })
  end
  for _ in q:_scan() do
    n = n + 1
    if self._limit and n >= self._limit then
      break
    end
  end
  return n
end

--- Counts the results per value of a field (as ds:facet does): { { value, count }, … }
--- by count, then value. opts.measures adds each value's measures; opts.source_order
--- keeps the values in the order they first occur; opts.script gives the values in
--- another script than the query's ("original": as published, which the filters
--- compare). A query of a dataset is counted by
--- the core when the core tests all of its filters (no record is built).
function Query:facet(field, opts)
  opts = opts or {}
  local ds = self._ctx.dataset
  if ds and ds._facet_query then
    local script = opts.script or self._ctx.script
    return ds:_facet_query(self, field, script, self._ctx.first, opts.measures, opts.source_order)
  end
  return require("bqw.facet").count(self:iter(), field, opts.measures, opts.source_order)
end

--- The first result, or nil.
function Query:first()
  return self:limit(1):iter()()
end

--- Whether the query selects a record: the first one found in source order, so a sort
--- is not made for it.
function Query:_any()
  local q = derive(self)
  q._sort = nil
  return q:first() ~= nil
end

M.Query = Query
return M
