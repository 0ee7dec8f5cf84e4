-- Which cities set targets for 2025, and what?
-- A city entry "sets a target" when one of its measures says 到2025年.
-- Run: build/bqw run examples/queries/targets_2025.lua
local bqw = require("bqw")
local ds = assert(bqw.load())

local found = 0
for r in ds:query({ level = "city", year = 2025 }):iter() do
  for _, m in ipairs(r.measures) do
    if m:find("2025年", 1, true) then
      found = found + 1
      print(("%s（%s）L%d  %s"):format(r.city, r.region, r.line, m))
    end
  end
end
print(("%d cities set targets for 2025."):format(found))
return 0
