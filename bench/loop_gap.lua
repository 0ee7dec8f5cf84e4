-- Loads a corpus on the loop's threadpool while a 10 ms timer runs on the loop, and
-- reports the longest gap between ticks: how responsive the loop stays during a load,
-- and then while the dataset's search index builds on its own thread, until it is ready
-- (ds:index_ready; a build without it, before 2026-12, came before the callback).
-- Run: build/bqw run bench/loop_gap.lua bench/out/corpus-100mb.txt [RUNS]
local bqw = require("bqw")
local path, runs = arg[1], tonumber(arg[2] or "3")
if not path then
  io.stderr:write("usage: bqw run bench/loop_gap.lua CORPUS [RUNS]\n")
  return 2
end
local size = io.open(path, "rb"):seek("end")
local worst_all = 0
for run = 1, runs do
  local loop = assert(bqw.loop())
  local last, longest, ticks, started = nil, 0, 0, nil
  local elapsed, ready, dataset, timer
  local longest_building = 0 -- after the callback, while the index builds
  timer = loop:timer(0, 10, function()
    local now = loop:info().now
    if last then
      longest = math.max(longest, now - last)
      if dataset then
        longest_building = math.max(longest_building, now - last)
      end
    end
    last, ticks = now, ticks + 1
    if dataset and (not dataset.index_ready or dataset:index_ready()) then
      ready = now - started
      timer:stop()
      dataset:close()
    end
  end)
  started = loop:info().now
  loop:load(path, function(ds, err)
    assert(ds, err)
    elapsed = loop:info().now - started
    dataset = ds
  end)
  loop:run()
  loop:close()
  worst_all = math.max(worst_all, longest)
  print(
    ("run %d: load %.0f ms (%.1f MB/s), index ready %.0f ms, %d ticks, longest gap between ticks %d ms (%d ms while the index built)"):format(
      run,
      elapsed,
      size / 1048576 / (elapsed / 1000),
      ready,
      ticks,
      longest,
      longest_building
    )
  )
end
print(("verdict: longest gap %d ms over %d runs (target <= 20 ms)"):format(worst_all, runs))
return 0
