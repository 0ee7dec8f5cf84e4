-- The timeline of the first half of 2023: meetings dated 2023-01-01 to 2023-06-30.
-- Run: build/bqw run examples/queries/timeline_2023_h1.lua
local bqw = require("bqw")
local ds = assert(bqw.load())

local q = ds:query("kind=meeting year=2023"):where(function(r)
  return r.date and r.date <= "2023-06-30"
end):sort("date")
for r in q:iter() do
  print(r.date, (bqw.truncate(r.text, 70)))
end
print(("%d meetings in the first half of 2023."):format(q:count()))
return 0
