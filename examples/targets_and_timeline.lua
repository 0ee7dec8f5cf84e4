-- The guiding document's targets and the meeting timeline, in date order.
-- Run: build/bqw run examples/targets_and_timeline.lua
local bqw = require("bqw")
local ds = assert(bqw.load())

local events = {}
for _, r in ipairs(ds:records()) do
  if r.kind == "meeting" then
    events[#events + 1] = { when = r.date, what = r.text, line = r.line }
  elseif r.kind == "target" then
    events[#events + 1] = { when = ("%d-12-31"):format(r.year), what = "目标 " .. r.text, line = r.line }
  end
end
table.sort(events, function(a, b)
  return a.when < b.when
end)
for _, e in ipairs(events) do
  print(("%s  L%-4d %s"):format(e.when, e.line, bqw.truncate(e.what, 70)))
end
return 0
