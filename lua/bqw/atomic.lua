--- Writing a file atomically: into a temporary file in the same directory, then
--- renamed over the target, so a failure leaves no partial file and an older file
--- intact.
local M = {}

local counter = 0
-- A table's address differs between processes (ASLR): it keeps two processes writing
-- beside the same file from drawing the same names, without seeding math.random.
local process_tag = tostring({}):match("0x(%x+)") or "0"

local function temp_name(path)
  local dir, base = path:match("^(.*)/([^/]*)$")
  if not dir then
    dir, base = ".", path
  end
  if dir == "" then
    dir = "/"
  end
  for _ = 1, 100 do
    counter = counter + 1
    local name = ("%s/.%s.%s-%d-%d.tmp"):format(dir, base, process_tag, os.time(), counter)
    local probe = io.open(name, "r")
    if not probe then
      return name
    end
    probe:close()
  end
  return nil, "cannot find a free temporary name in " .. dir
end

--- Calls fill(out) where out:write(...) writes to a temporary file (raising on a write
--- error), then renames it to path. Returns true, or nil, message; on failure the
--- temporary file is removed and path is untouched. fill may raise to abort.
function M.write(path, fill)
  local tmp, terr = temp_name(path)
  if not tmp then
    return nil, terr
  end
  local fh, oerr = io.open(tmp, "wb")
  if not fh then
    return nil, ("cannot write %s: %s"):format(path, oerr)
  end
  local out = {}
  function out.write(_, ...)
    local ok, err = fh:write(...)
    if not ok then
      error(("writing %s: %s"):format(path, err), 0)
    end
    return out
  end
  local ok, err = pcall(fill, out)
  local closed, cerr = fh:close()
  if not ok or not closed then
    os.remove(tmp)
    return nil, ok and ("writing %s: %s"):format(path, cerr) or err
  end
  local renamed, rerr = os.rename(tmp, path)
  if not renamed then
    os.remove(tmp)
    return nil, ("cannot replace %s: %s"):format(path, rerr)
  end
  return true
end

return M
