-- Meetings and targets on one date axis: a heading per year, then one line per record,
-- its date (a meeting's ISO date; a target's year), its kind and its text, cut to the
-- width with "…". Within a year, dated meetings come first, in date order, then the
-- year's targets (a target is due by the end of its year). Other records are left out.
local util = require("bqw.view_util")

local DATE_CELLS = 10 -- 2023-01-03
local KIND_CELLS = 7 -- meeting / target

local function year_of(r)
  if r.kind == "meeting" and r.date then
    return tonumber(r.date:sub(1, 4))
  end
  return r.year
end

local function render(records, opts)
  local b = util.builder()
  local width = opts.width or 100
  local items = {}
  for _, r in ipairs(records) do
    if (r.kind == "meeting" or r.kind == "target") and year_of(r) then
      items[#items + 1] = r
    end
  end
  util.sort(items, function(x, y)
    local yx, yy = year_of(x), year_of(y)
    if yx ~= yy then
      return yx < yy
    end
    -- "~" sorts after any date: targets close their year.
    local dx, dy = x.kind == "meeting" and x.date or "~", y.kind == "meeting" and y.date or "~"
    if dx ~= dy then
      return dx < dy
    end
    return x.id < y.id
  end)
  if #items == 0 then
    b:line({ { "(no meetings or targets)", "BqwDim" } })
    return b:result()
  end

  local prefix_cells = 2 + DATE_CELLS + 2 + KIND_CELLS + 2
  local room = width - prefix_cells
  local year, first, last
  for _, r in ipairs(items) do
    local y = year_of(r)
    if y ~= year then
      if first then
        b:fold(first, last)
      end
      year = y
      local count = 0
      for _, o in ipairs(items) do
        count = count + (year_of(o) == y and 1 or 0)
      end
      local tail = util.truncate("  " .. count, math.max(width - 4, 0))
      first = b:line({ { util.truncate(tostring(y), width), "BqwHeading" }, { tail, "BqwDim" } })
    end
    local date, date_group
    if r.kind == "meeting" then
      date, date_group = r.date, "BqwDate"
    else
      date, date_group = tostring(r.year), "BqwYear"
    end
    if room >= 1 then
      last = b:line({
        "  ",
        { util.pad(date, DATE_CELLS), date_group },
        "  ",
        { util.pad(r.kind, KIND_CELLS), "BqwKind" },
        "  ",
        util.truncate(util.one_line(r.text), room),
      }, r.id)
    else
      last = b:line({ { util.truncate("  " .. date .. "  " .. r.kind, width), date_group } }, r.id)
    end
  end
  b:fold(first, last)
  return b:result()
end

return {
  name = "timeline",
  kind = "view",
  description = "Meetings (by date) and targets (by year) on one axis, a heading per year.",
  render = render,
}
