-- Each region's city entries: what each city did (issued a document, held a meeting,
-- or stated a goal) and how many measures it lists.
-- Run: build/bqw run examples/cities_by_region.lua [REGION]
local bqw = require("bqw")
local only = ...
local ds = assert(bqw.load())

local regions, order = {}, {}
for _, r in ipairs(ds:records()) do
  if r.kind == "city" and (not only or r.region == only) then
    if not regions[r.region] then
      regions[r.region] = {}
      order[#order + 1] = r.region
    end
    table.insert(regions[r.region], r)
  end
end
if #order == 0 then
  io.stderr:write("no city entries", only and (" in region " .. only) or "", "\n")
  return 1
end
for _, region in ipairs(order) do
  print(region)
  for _, r in ipairs(regions[region]) do
    print(("  %s  %-9s %d measures  %s"):format(r.city, r.action, #r.measures, bqw.truncate(r.title or r.headline, 60)))
  end
end
return 0
