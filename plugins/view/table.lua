-- Records as a table: the caller's columns (opts.columns, a list or "a,b,c"; any record
-- field, arrays joined with "; ", plus `label`, a record's title or what stands for
-- one), a header row and a rule, columns sized to their content by display width (a Han
-- character is two cells). When the table is wider than opts.width the widest columns
-- shrink first and their cells end in "…", so that no line is wider than opts.width.
-- Numeric columns are right-aligned.
local util = require("bqw.view_util")

local DEFAULT_COLUMNS = { "id", "kind", "line", "city", "label" }
local GAP = "  "

-- Every field a record may have (the schema's record fields), and label; a column
-- naming none of these and found in no record is a mistake worth reporting.
local KNOWN = { label = true }
for _, name in ipairs(require("bqw.fields").RECORD) do
  KNOWN[name] = true
end

local GROUPS = util.FIELD_GROUPS

local function columns_of(opts)
  local cols = opts.columns
  if type(cols) == "string" then
    local list = {}
    for name in cols:gmatch("[^,]+") do
      name = name:match("^%s*(.-)%s*$")
      if name ~= "" then
        list[#list + 1] = name
      end
    end
    cols = list
  end
  if type(cols) ~= "table" or #cols == 0 then
    cols = DEFAULT_COLUMNS
  end
  return cols
end

local find, floor, format, concat = string.find, math.floor, string.format, table.concat

-- s on one line (util.one_line), without a gsub when it is already.
local function one_line(s)
  if find(s, "\n", 1, true) then
    return (s:gsub("\n", " "))
  end
  return s
end

-- A cell's text, and whether it is a number (nil: no value).
local function cell(r, col)
  if col == "label" and r.label == nil then
    return one_line(util.label(r)), false
  end
  local v = r[col]
  local t = type(v)
  if t == "string" then
    return one_line(v), false
  elseif v == nil then
    return "", nil
  elseif t == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      parts[i] = one_line(tostring(x))
    end
    return concat(parts, "; "), false
  elseif t == "number" then
    return v == floor(v) and format("%d", v) or tostring(v), true
  end
  return one_line(tostring(v)), false
end

-- Display width of a cell: printable ASCII takes a cell a byte, without asking the core.
local function width_of(s)
  if not find(s, "[^ -~]") then
    return #s
  end
  return util.width(s)
end

-- A function(s) giving what f(s) gives, remembering it for a short s (a city, a kind:
-- values that recur) while it holds fewer than MEMO_SIZE of them.
local MEMO_SIZE, MEMO_BYTES = 4096, 40
local function memo(f)
  local known, count = {}, 0
  return function(s)
    local v = known[s]
    if v == nil then
      v = f(s)
      if count < MEMO_SIZE and #s <= MEMO_BYTES then
        known[s], count = v, count + 1
      end
    end
    return v
  end
end

-- s padded (or cut) to cells, as util.pad, the short printable ASCII case in Lua.
local function pad(s, cells, right)
  local gap = cells - #s
  if gap < 0 or find(s, "[^ -~]") then
    return util.pad(s, cells, right)
  elseif gap == 0 then
    return s
  end
  return right and (string.rep(" ", gap) .. s) or (s .. string.rep(" ", gap))
end

-- The column widths, shrunk to fit budget cells (the widest first); nil when even a
-- cell each does not fit.
local function fit(widths, budget)
  local total = 0
  for _, w in ipairs(widths) do
    total = total + w
  end
  if total <= budget then
    return widths
  end
  if budget < #widths then
    return nil
  end
  local function capped(cap)
    local sum = 0
    for _, w in ipairs(widths) do
      sum = sum + math.min(w, cap)
    end
    return sum
  end
  local cap = 0
  for _, w in ipairs(widths) do
    cap = math.max(cap, w)
  end
  while cap > 1 and capped(cap) > budget do
    cap = cap - 1
  end
  local out, spare = {}, budget - capped(cap)
  for i, w in ipairs(widths) do
    out[i] = math.min(w, cap)
    if w > cap and spare > 0 then
      out[i] = out[i] + 1
      spare = spare - 1
    end
  end
  return out
end

-- Records a call of the core's walks takes, between two ticks.
local SLICE = util.NATIVE_SLICE

-- The first pass by the core: each column's widest cell into natural, numeric.
local function native_measure(native, ctx, natural, numeric)
  local from = 1
  while from do
    from = util.walk(ctx, native, "table_measure", native.table, native.filter, from, native.count, SLICE, native.order)
    util.tick()
  end
  for j = 1, #natural do
    local w, is_number = native.table:column(j)
    natural[j] = math.max(natural[j], w)
    numeric[j] = is_number
  end
end

-- The second pass by the core: the records' lines, n columns at widths.
local function native_lines(native, ctx, out, widths, n)
  local ws = {}
  for j = 1, n do
    ws[j] = widths[j]
  end
  util.draw_walk(ctx, native, out, "table_lines", SLICE, ws, GAP)
end

-- Two passes over the records: the first sizes the columns, the second draws the rows,
-- so a table of any length holds one row at a time.
local function stream(source, opts, ctx, out)
  local width = opts.width or 100
  local cols = columns_of(opts)
  for _, c in ipairs(cols) do
    if type(c) ~= "string" then
      error(("table: a column is a field name, not a %s"):format(type(c)), 0)
    end
  end

  -- Natural widths, which columns are numeric, and which fields some record has.
  local natural, numeric, present = {}, {}, {}
  for j, c in ipairs(cols) do
    natural[j] = util.width(c)
  end
  local native = util.native_view(ctx, cols, out)
  -- A column as wide as the whole table is sized whatever else it holds (fit caps it
  -- below width): once it also holds text it needs no more measuring.
  local measure, sized = {}, {}
  for j = 1, #cols do
    measure[j] = memo(width_of)
  end
  local i, ncols = 0, #cols
  if native then
    native_measure(native, ctx, natural, numeric)
  end
  for r in native and function() end or source() do
    i = i + 1
    for j = 1, ncols do
      local c = cols[j]
      local text, is_number = "", nil
      if not sized[j] then
        text, is_number = cell(r, c)
      end
      if is_number then
        -- digits: a byte is a cell
        if #text > natural[j] then
          natural[j] = #text
        end
        if numeric[j] == nil then
          numeric[j] = true
          present[c] = true
        end
      else
        if is_number == false then
          numeric[j] = false
          present[c] = true
        end
        local w = measure[j](text)
        if w > natural[j] then
          natural[j] = w
          sized[j] = w >= width and numeric[j] == false
        end
      end
    end
    if i % 200 == 0 then
      util.tick()
    end
  end
  for _, c in ipairs(cols) do
    if not KNOWN[c] and not present[c] then
      error(require("bqw.plugins").usage_error(("no field %q (columns are record fields, or label)"):format(c)), 0)
    end
  end

  -- Drop trailing columns that cannot get even one cell.
  local n = #cols
  local widths
  while n > 0 do
    local nat = {}
    for j = 1, n do
      nat[j] = natural[j]
    end
    widths = fit(nat, width - #GAP * (n - 1))
    if widths then
      break
    end
    n = n - 1
  end
  if n == 0 then
    return
  end

  -- cells 1, 3, 5, … are the columns', 2, 4, … the gaps between them
  local segs, fitted = {}, {}
  for j = 1, n do
    segs[2 * j] = j < n and GAP or nil
    local w = widths[j]
    fitted[j] = memo(function(s)
      if numeric[j] then
        return pad(s, w, true)
      elseif j == n then
        return util.truncate(s, w)
      end
      return pad(s, w)
    end)
  end
  local function row_line(texts, groups, id)
    for j = 1, n do
      segs[2 * j - 1] = fitted[j](texts[j])
    end
    return out:cells(segs, groups, 2 * n - 1, id)
  end

  local header_groups, row_groups, rule = {}, {}, {}
  for j = 1, n do
    header_groups[2 * j - 1] = "BqwField"
    row_groups[2 * j - 1] = GROUPS[cols[j]]
    -- ─ is East Asian Ambiguous: two cells when ambiwidth is 2
    local w = util.width("─")
    rule[j] = string.rep("─", math.floor(widths[j] / w)) .. string.rep(" ", widths[j] % w)
  end
  local header = {}
  for j = 1, n do
    header[j] = cols[j]
  end
  row_line(header, header_groups)
  out:line({ { table.concat(rule, GAP), "BqwDim" } })
  if native then
    return native_lines(native, ctx, out, widths, n)
  end
  local texts = {}
  for r in source() do
    for j = 1, n do
      texts[j] = cell(r, cols[j])
    end
    row_line(texts, row_groups, r.id)
  end
end

-- The record fields a table of these options reads: its columns, and a label's.
local function fields(opts)
  local list = {}
  for _, c in ipairs(columns_of(opts)) do
    list[#list + 1] = c
    if c == "label" then
      for _, f in ipairs(util.LABEL_FIELDS) do
        list[#list + 1] = f
      end
    end
  end
  return list
end

return {
  name = "table",
  kind = "view",
  options = {
    {
      name = "columns",
      description = "the columns: a list or \"a,b,c\" of record fields, or label",
      default = table.concat(DEFAULT_COLUMNS, ","),
    },
  },
  description = "Columns of record fields (--columns a,b,c; default id,kind,line,city,label), aligned by display width, cut with … to the width.",
  default_columns = DEFAULT_COLUMNS,
  fields = fields,
  stream = stream,
  render = util.render_stream(stream),
}
