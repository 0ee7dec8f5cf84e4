-- Documents whose period (the years in their title) reaches 2027 or later: the
-- derived field period_to (`bqw fields` lists every field a record has).
-- Run: build/bqw run examples/queries/period_reaches_2027.lua
local bqw = require("bqw")
local ds = assert(bqw.load())

local q = ds:query():where(function(r)
  return r.period_to ~= nil and r.period_to >= 2027
end)
for r in q:iter() do
  print(("until %d  《%s》 L%d"):format(r.period_to, r.title, r.line))
end
return 0
