-- Each record in full (normally one: --where id=27): a heading, then every field as
-- "label: value" lines, values wrapped to the width by display width (a Han character is
-- two cells); the source line as "line: 81"; the measures numbered with their own source
-- lines ("1. L83 …"), each with its codes when codebooks are in use ("code: 供给型;
-- 人才培养"; the prose's after the fields). Several records are separated by a blank line; every other line
-- carries its record's id, and each record folds.
local util = require("bqw.view_util")

local fields = require("bqw.fields")

-- Fields in reading order (the schema's detail column set); any other field follows,
-- sorted by name.
local ORDER = fields.COLUMNS.detail
-- Shown elsewhere: measures (and their lines) as the numbered list at the end.
local SKIP = {}
for _, name in ipairs(fields.names(function(f)
  return f.measures
end)) do
  SKIP[name] = true
end

local GROUPS = {}
for k, v in pairs(util.FIELD_GROUPS) do
  GROUPS[k] = v
end
-- any other number a record holds is a year (year, years, the ends of a period)
for _, f in ipairs(fields.ALL) do
  if f.record and not GROUPS[f.name] and (f.type == "integer" or f.type == "integers") then
    GROUPS[f.name] = "BqwYear"
  end
end

local function value_text(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      parts[i] = tostring(x)
    end
    return table.concat(parts, "; ")
  end
  return tostring(v)
end

-- prefix segments, then text wrapped to the rest of the width; continuation lines are
-- indented to the text, or by two cells when that leaves too little room.
local function wrapped(b, prefix, text, group, width, id)
  return util.wrapped(b, prefix, text, group, width, id, 16)
end

local function field(b, r, key, v, width, ctx)
  local text = value_text(v)
  local group = GROUPS[key]
  if type(v) == "table" and #v == 0 then
    text, group = "—", "BqwDim"
  end
  if key == "parent" and ctx and ctx.dataset then
    local p = ctx.dataset:record(v)
    if p then
      text = ("%d %s"):format(v, util.label(p))
    end
  end
  return wrapped(b, { { key .. ":", "BqwField" }, " " }, util.one_line(text), group, width, r.id)
end

-- The codes of a record's measure n (0: its prose), ancestors included, in codebook
-- order (libbqw's), or {} without codebooks or a dataset.
local function unit_codes(ctx, id, n)
  local handle = ctx and ctx.dataset and ctx.dataset._handle
  if not (handle and handle.unit_codes) then
    return {}
  end
  local ok, codes = pcall(handle.unit_codes, handle, id, n)
  return ok and codes or {}
end

local function render(records, opts, ctx)
  if #records == 0 then
    return util.no_records()
  end
  local b = util.builder()
  local width = opts.width or 100
  for i, r in ipairs(records) do
    if i > 1 then
      b:line("")
    end
    local head = ("#%d %s "):format(r.id, r.kind)
    local first = b:line({
      { util.truncate(head, width), "BqwHeading" },
      { util.truncate(util.one_line(util.label(r)), width - util.width(head)), "BqwTitle" },
    }, r.id)
    local shown = {}
    for _, key in ipairs(ORDER) do
      shown[key] = true
      if r[key] ~= nil then
        field(b, r, key, r[key], width, ctx)
      end
    end
    local others = {}
    for key in pairs(r) do
      if not shown[key] and not SKIP[key] then
        others[#others + 1] = key
      end
    end
    table.sort(others)
    for _, key in ipairs(others) do
      field(b, r, key, r[key], width, ctx)
    end
    -- the codes of the record's prose, then of each measure (when codebooks are in use)
    local prose = unit_codes(ctx, r.id, 0)
    if #prose > 0 then
      wrapped(b, { { "code:", "BqwField" }, " " }, table.concat(prose, "; "), "BqwCode", width, r.id)
    end
    if r.measures then
      b:line({ { "measures:", "BqwField" }, { (" %d"):format(#r.measures), "BqwDim" } }, r.id)
      for n, m in ipairs(r.measures) do
        local at = r.measure_lines and r.measure_lines[n]
        wrapped(b, {
          ("  %d. "):format(n),
          { at and ("L%d "):format(at) or "", "BqwLine" },
        }, util.one_line(m), "BqwMeasure", width, r.id)
        local codes = unit_codes(ctx, r.id, n)
        if #codes > 0 then
          wrapped(b, { "     ", { "code:", "BqwField" }, " " }, table.concat(codes, "; "), "BqwCode", width, r.id)
        end
      end
    end
    b:fold(first, b:count())
  end
  return b:result()
end

return {
  name = "detail",
  kind = "view",
  description = "Each record in full: every field, the source line, the measures with their lines and codes (e.g. --where id=27).",
  render = render,
}
