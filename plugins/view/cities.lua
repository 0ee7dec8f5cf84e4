-- The 21 cities of the gazetteer grouped by region (珠三角, 粤东, 粤西, 粤北, in gazetteer
-- order), each with the number of city entries and of their measures among the records
-- given, and the entries' actions (issue, meeting, statement). Every city of the
-- gazetteer is listed, with 0 when the (filtered) records hold no entry for it, so a
-- filtered view still shows all 21; a region line sums its cities and names how many
-- there are; a last line sums everything. A city line carries the id of the city's
-- first entry; region lines fold over their cities.
local util = require("bqw.view_util")
local facts = require("bqw.facts")

local COLUMNS = { "entries", "measures" }
local GAP = "  "

local function render(records, opts)
  local b = util.builder()
  local width = opts.width or 100

  -- The gazetteer's cities by region, in its order.
  local regions, by_region = {}, {}
  for _, name in ipairs(facts.regions()) do
    by_region[name] = { name = name, cities = {} }
    regions[#regions + 1] = by_region[name]
  end
  local by_city = {}
  local function add_city(name, region)
    if not by_region[region] then
      by_region[region] = { name = region, cities = {} }
      regions[#regions + 1] = by_region[region]
    end
    local c = { name = name, entries = 0, measures = 0, actions = {}, id = nil }
    by_city[name] = c
    local list = by_region[region].cities
    list[#list + 1] = c
    return c
  end
  for _, p in ipairs(facts.places()) do
    if p.kind == "city" then
      add_city(p.name, p.region)
    end
  end

  -- Counts from the records (a city the gazetteer lacks goes under its region, or "—").
  local seen = {}
  for i, r in ipairs(records) do
    if r.kind == "city" then
      local c = by_city[r.city or "—"] or add_city(r.city or "—", r.region or "—")
      c.entries = c.entries + 1
      c.measures = c.measures + #(r.measures or {})
      c.id = c.id or r.id
      if r.action then
        -- a set per city: a large digest has thousands of entries per city
        seen[c] = seen[c] or {}
        if not seen[c][r.action] then
          seen[c][r.action] = true
          c.actions[#c.actions + 1] = r.action
        end
      end
    end
    if i % 500 == 0 then
      util.tick()
    end
  end

  -- Column widths: the name column fits every region and city (cities indented).
  local name_cells = util.width("total")
  for _, reg in ipairs(regions) do
    name_cells = math.max(name_cells, util.width(reg.name))
    for _, c in ipairs(reg.cities) do
      name_cells = math.max(name_cells, 2 + util.width(c.name))
    end
  end
  local fixed = name_cells
  for _, h in ipairs(COLUMNS) do
    fixed = fixed + #GAP + util.width(h)
  end
  local room = width - fixed - #GAP -- for the last column (action, or "N cities")

  local function row(name_segs, counts, count_group, tail, tail_group, id)
    local segs = {}
    for _, s in ipairs(name_segs) do
      segs[#segs + 1] = s
    end
    for j, h in ipairs(COLUMNS) do
      segs[#segs + 1] = GAP
      segs[#segs + 1] = { util.pad(counts[j], util.width(h), true), counts[j] == "0" and "BqwDim" or count_group }
    end
    if room >= 1 and tail ~= "" then
      segs[#segs + 1] = GAP
      segs[#segs + 1] = { util.truncate(tail, room), tail_group }
    end
    return b:line(segs, id)
  end

  if fixed > width then
    -- Too narrow for the columns: names and counts only, cut to the width.
    for _, reg in ipairs(regions) do
      local first = b:line({ { util.truncate(reg.name, width), "BqwRegion" } })
      for _, c in ipairs(reg.cities) do
        local text = ("  %s %d/%d"):format(c.name, c.entries, c.measures)
        b:line({ util.truncate(text, width) }, c.id)
      end
      b:fold(first, b:count())
    end
    return b:result()
  end

  local header = { { util.pad("", name_cells) } }
  row(header, COLUMNS, "BqwField", "action", "BqwField")
  local total = { cities = 0, entries = 0, measures = 0 }
  for _, reg in ipairs(regions) do
    local entries, measures = 0, 0
    for _, c in ipairs(reg.cities) do
      entries, measures = entries + c.entries, measures + c.measures
    end
    total.cities = total.cities + #reg.cities
    total.entries, total.measures = total.entries + entries, total.measures + measures
    local first = row(
      { { reg.name, "BqwRegion" }, util.pad("", name_cells - util.width(reg.name)) },
      { tostring(entries), tostring(measures) },
      "BqwSubheading",
      ("%d cities"):format(#reg.cities),
      "BqwDim"
    )
    for _, c in ipairs(reg.cities) do
      row(
        { "  ", { c.name, "BqwCity" }, util.pad("", name_cells - 2 - util.width(c.name)) },
        { tostring(c.entries), tostring(c.measures) },
        nil,
        #c.actions > 0 and table.concat(c.actions, ", ") or "—",
        #c.actions > 0 and "BqwKind" or "BqwDim",
        c.id
      )
    end
    b:fold(first, b:count())
  end
  row(
    { { "total", "BqwField" }, util.pad("", name_cells - util.width("total")) },
    { tostring(total.entries), tostring(total.measures) },
    "BqwSubheading",
    ("%d cities"):format(total.cities),
    "BqwDim"
  )
  return b:result()
end

return {
  name = "cities",
  kind = "view",
  description = "The 21 cities by region with their entries, measures and actions (0 for a city the records do not reach).",
  render = render,
}
