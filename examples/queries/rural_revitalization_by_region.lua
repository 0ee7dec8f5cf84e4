-- Every measure that mentions 乡村振兴 (鄉村振興 in the published text), grouped by region;
-- provincial measures under 全省.
-- Run: build/bqw run examples/queries/rural_revitalization_by_region.lua [WORD]
local bqw = require("bqw")
local word = ... or "鄉村振興"
local ds = assert(bqw.load())

local groups, order = {}, {}
for r in ds:query({ text = word }):iter() do
  for i, m in ipairs(r.measures or {}) do
    if m:find(word, 1, true) then
      local key = r.region or "全省"
      if not groups[key] then
        groups[key] = {}
        order[#order + 1] = key
      end
      table.insert(groups[key], { who = r.city or r.title, line = r.measure_lines[i], text = m })
    end
  end
end
table.sort(order)
for _, key in ipairs(order) do
  print(("%s (%d)"):format(key, #groups[key]))
  for _, g in ipairs(groups[key]) do
    print(("  L%-4d %s: %s"):format(g.line, bqw.truncate(g.who, 24), bqw.truncate(g.text, 60)))
  end
end
return #order > 0 and 0 or 1
