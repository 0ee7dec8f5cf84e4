-- Whole-file reads and writes for the generators and the benchmark's corpus maker
-- (run by plain lua5.4 or by bqw run: loaded with dofile, no module path needed).
local M = {}

--- The bytes of the file at path (raises when it cannot be read).
function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

--- Writes s as the whole file at path (raises when it cannot be written).
function M.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

return M
