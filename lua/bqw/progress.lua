--- A progress bar on stderr for long work: drawn only when stderr is a terminal and
--- the work has lasted over half a second, so scripts and CI logs stay clean.
local core = require("bqw.core")

local M = {}

local DELAY_MS, REDRAW_MS, BAR = 500, 100, 30

--- A bar for label; clock() gives milliseconds (the loop's now). update(done, total)
--- redraws it when due; finish() clears it.
function M.new(label, clock)
  local bar = { shown = false }
  local enabled = core.isatty(2) and os.getenv("TERM") ~= "dumb"
  local start, last = clock(), -REDRAW_MS
  function bar.update(done, total)
    if not enabled then
      return
    end
    local now = clock()
    if now - start < DELAY_MS or now - last < REDRAW_MS then
      return
    end
    last = now
    local line
    if total and total > 0 then
      local filled = math.floor(BAR * math.min(done / total, 1) + 0.5)
      line = ("%s [%s%s] %d/%d"):format(label, string.rep("#", filled), string.rep(".", BAR - filled), done, total)
    else
      local pos = math.floor(now / REDRAW_MS) % BAR
      line = ("%s [%s#%s]"):format(label, string.rep(".", pos), string.rep(".", BAR - pos - 1))
    end
    io.stderr:write("\r", line, "\27[K")
    bar.shown = true
  end
  function bar.finish()
    if bar.shown then
      io.stderr:write("\r\27[K")
      bar.shown = false
    end
  end
  return bar
end

return M
