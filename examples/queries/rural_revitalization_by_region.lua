-- Every measure that mentions 乡村振兴, grouped by region (provincial measures under
-- 全省). The search ignores script: 乡村振兴 finds the published 鄉村振興.
-- Run: build/bqw run examples/queries/rural_revitalization_by_region.lua [WORDS]
local bqw = require("bqw")
local words = ... or "乡村振兴"
local ds = assert(bqw.load())

local result = assert(ds:search(words, { limit = 100000 }))
local groups, order = {}, {}
for _, hit in ipairs(result.hits) do
  if hit.field == "measure" then
    local r = hit.record
    local key = r.region or "全省"
    if not groups[key] then
      groups[key] = {}
      order[#order + 1] = key
    end
    table.insert(groups[key], { who = r.city or r.title, line = r.measure_lines[hit.item], text = hit.text })
  end
end
table.sort(order)
for _, key in ipairs(order) do
  print(("%s (%d)"):format(key, #groups[key]))
  table.sort(groups[key], function(a, b)
    return a.line < b.line
  end)
  for _, g in ipairs(groups[key]) do
    print(("  L%-4d %s: %s"):format(g.line, bqw.truncate(g.who, 24), bqw.truncate(g.text, 60)))
  end
end
return #order > 0 and 0 or 1
