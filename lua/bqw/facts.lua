--- The curated tables of data/, as embedded in libbqw: rows of fields, read once.
local core = require("bqw.core")

local M = {}
local cache = {}

--- Rows of a table ("regions", "places", "issuers", "doctypes", …): arrays of fields.
function M.rows(name)
  if cache[name] then
    return cache[name]
  end
  local text = core.fact_table(name)
  if not text then
    error(("bqw.facts: no curated table %q"):format(name), 2)
  end
  local rows = {}
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do
        fields[#fields + 1] = field
      end
      rows[#rows + 1] = fields
    end
  end
  cache[name] = rows
  return rows
end

--- The gazetteer: every place a record may mention, in gazetteer order, each
--- { name = Simplified, names = { Simplified, Traditional }, kind, city, region }.
function M.places()
  if cache.places_list then
    return cache.places_list
  end
  local list, region_of, seen_region = {}, {}, {}
  local function add(hans, hant, kind, city, region)
    local names = { hans }
    if hant ~= "" and hant ~= hans then
      names[2] = hant
    end
    list[#list + 1] = { name = hans, names = names, kind = kind, city = city, region = region }
  end
  for _, r in ipairs(M.rows("regions")) do
    region_of[r[1]] = r[3]
    if not seen_region[r[3]] then
      seen_region[r[3]] = true
      add(r[3], r[4], "region", nil, r[3])
    end
  end
  for _, r in ipairs(M.rows("regions")) do
    add(r[1], r[2], "city", r[1], r[3])
  end
  for _, r in ipairs(M.rows("places")) do
    local city = r[4] ~= "" and r[4] or nil
    add(r[1], r[2], r[3], city, city and region_of[city] or nil)
  end
  cache.places_list = list
  return list
end

--- The regions, in gazetteer order (珠三角, 粤东, 粤西, 粤北).
function M.regions()
  local out = {}
  for _, p in ipairs(M.places()) do
    if p.kind == "region" then
      out[#out + 1] = p.name
    end
  end
  return out
end

return M
