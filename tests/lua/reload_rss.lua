-- Reloads a digest N times and prints what one dataset holds in C, the resident set
-- before, and its peak over the first and over the second half of the reloads: run by
-- memory_spec.lua in a process of its own, so nothing else moves the numbers.
--   bqw run tests/lua/reload_rss.lua PATH drop|close|watch [N]
local bqw = require("bqw")
local path, mode, n = arg[1], arg[2], tonumber(arg[3] or "14")

local function rss()
  local fh = assert(io.open("/proc/self/statm", "r"))
  local resident = fh:read("a"):match("^%d+%s+(%d+)")
  fh:close()
  return tonumber(resident) * 4096
end

local first = assert(bqw.load(path))
if mode == "watch" then
  -- a watch's reload builds the dataset's search index too (aside, as a loop load does):
  -- one dataset is then the records and the index
  first:index()
end
local one = first:memory()
first:close()
collectgarbage()
collectgarbage()
local base, peaks, done = rss(), { 0, 0 }, 0
local function sample()
  done = done + 1
  local half = done * 2 <= n and 1 or 2
  peaks[half] = math.max(peaks[half], rss())
end

if mode == "drop" then
  -- references dropped, never closed: only the collector frees them
  for _ = 1, n do
    local ds = assert(bqw.load(path))
    assert(ds:count() > 0)
    sample()
  end
elseif mode == "close" then
  for _ = 1, n do
    local ds = assert(bqw.load(path))
    ds:close()
    sample()
  end
elseif mode == "watch" then
  local bytes = assert(io.open(path, "rb")):read("a")
  local loop = assert(bqw.loop())
  local reloads, watcher = 0, nil
  local function rewrite()
    local tmp = path .. ".tmp"
    local fh = assert(io.open(tmp, "wb"))
    fh:write(bytes)
    fh:close()
    assert(os.rename(tmp, path))
  end
  watcher = assert(loop:watch(path, { debounce = 20 }, function(ds, err)
    assert(ds, err)
    reloads = reloads + 1
    sample()
    if reloads >= n then
      watcher.stop()
      loop:close()
    else
      rewrite()
    end
  end))
  loop:timer(50, 0, rewrite)
  loop:run()
  assert(reloads == n, "reloads: " .. reloads)
else
  error("mode: drop, close or watch")
end
print(("%d %d %d %d"):format(one, base, peaks[1], peaks[2]))
