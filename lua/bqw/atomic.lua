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

--- Starts an atomic write of path: returns a file { out = writer (out:write(...)
--- raises on an I/O error), commit() -> true | nil, message, abort() }, or nil,
--- message. Until commit, path is untouched; abort (or a failed commit) removes the
--- temporary file.
function M.begin(path)
  local tmp, terr = temp_name(path)
  if not tmp then
    return nil, terr
  end
  local fh, oerr = io.open(tmp, "wb")
  if not fh then
    return nil, ("cannot write %s: %s"):format(path, oerr)
  end
  local file = { path = path, temp = tmp }
  local out = {}
  function out.write(_, ...)
    local ok, err = fh:write(...)
    if not ok then
      error(("writing %s: %s"):format(path, err), 0)
    end
    return out
  end
  file.out = out
  local done = false
  function file.abort()
    if not done then
      done = true
      fh:close()
      os.remove(tmp)
    end
  end
  function file.commit()
    if done then
      return nil, "the write of " .. path .. " was already ended"
    end
    done = true
    local closed, cerr = fh:close()
    if not closed then
      os.remove(tmp)
      return nil, ("writing %s: %s"):format(path, cerr)
    end
    local renamed, rerr = os.rename(tmp, path)
    if not renamed then
      os.remove(tmp)
      return nil, ("cannot replace %s: %s"):format(path, rerr)
    end
    return true
  end
  return file
end

--- Calls fill(out) where out:write(...) writes to a temporary file (raising on a write
--- error), then renames it to path. Returns true, or nil, message; on failure the
--- temporary file is removed and path is untouched. fill may raise to abort.
function M.write(path, fill)
  local file, err = M.begin(path)
  if not file then
    return nil, err
  end
  local ok, ferr = pcall(fill, file.out)
  if not ok then
    file.abort()
    return nil, ferr
  end
  return file.commit()
end

return M
