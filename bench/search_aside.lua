-- The searches of a dataset loaded without the loop (bqw.load), timed one by one on the
-- calling thread: the first scans; the second, before 2026-12, built the index there
-- and then answered; now it starts the build on the dataset's own thread and scans.
-- Then waits until the index is ready (ds:index()) and times a search from it.
-- Run: build/bqw run bench/search_aside.lua bench/out/corpus-100mb.txt [QUERY]
local bqw = require("bqw")
local path, query = arg[1], arg[2] or "乡村振兴"
if not path then
  io.stderr:write("usage: bqw run bench/search_aside.lua CORPUS [QUERY]\n")
  return 2
end
local clock = assert(bqw.loop())
local function now() -- ms, monotonic: the loop's time, refreshed by a turn
  clock:run("nowait")
  return clock:info().now
end
local t = now()
local ds = assert(bqw.load(path))
print(("load %d ms"):format(now() - t))
local total
for i = 1, 3 do
  t = now()
  local r = assert(ds:search(query, { limit = 20 }))
  assert(not total or total == r.total, "the same total every time")
  total = r.total
  print(
    ("search %d: %d ms on the calling thread (total %d)%s"):format(
      i,
      now() - t,
      r.total,
      ds.index_ready and (ds:index_ready() and ", from the index" or ", scanned") or ""
    )
  )
end
if ds.index then
  t = now()
  assert(ds:index())
  print(("waited %d ms more for the index"):format(now() - t))
end
t = now()
local r = assert(ds:search(query, { limit = 20 }))
assert(r.total == total)
print(("search 4: %d ms (total %d)"):format(now() - t, r.total))
ds:close()
clock:close()
return 0
