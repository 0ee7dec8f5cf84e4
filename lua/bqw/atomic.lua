--- Writing a file atomically: into a temporary file in the target's directory, then
--- renamed over the target, so a failure leaves no partial file and an older file
--- intact.
---
--- What is replaced is kept as far as a rename allows: only an absent path or a
--- regular file is written (a directory, device, FIFO or socket is refused, untouched);
--- a symlink is written through to its target and stays a link; the new file gets the
--- old one's mode, and its owner and group when the writer may set them. A file with
--- several hard links is replaced at its own name only: the other names keep the old
--- content (a rename cannot keep an inode), and file.warning says so. The data is
--- fsynced before the rename and the directory after it. The temporary has no name at
--- all where the file system has O_TMPFILE, so an interruption, even SIGKILL, leaves
--- nothing behind; elsewhere it is named .NAME.PID.XXXXXX and the CLI's signal handler
--- removes it (bqw.core.fs).
local fs = require("bqw.core").fs

local M = {}

local TYPE_NAMES = { char = "character device", block = "block device", fifo = "FIFO" }

local function split(path)
  local dir, base = path:match("^(.*)/([^/]*)$")
  if not dir then
    return ".", path
  end
  return dir == "" and "/" or dir, base
end

--- Where a write of path lands and what it replaces: target path, the old file's stat
--- (nil when absent), a warning or nil; or nil, message, name.
function M.resolve(path)
  local st, err, name = fs.stat(path, true)
  if not st then
    if name == "ENOENT" then
      return path
    end
    return nil, ("cannot write %s: %s"):format(path, err), name
  end
  local target = path
  if st.type == "link" then
    local real, rerr, rname = fs.realpath(path)
    if not real then
      return nil, ("cannot write %s: it is a symlink whose target cannot be resolved (%s)"):format(path, rerr), rname
    end
    target = real
    st = fs.stat(real)
    if not st then
      return real -- a link to a file not there yet: the file is created where it points
    end
  end
  if st.type ~= "file" then
    return nil,
      ("cannot write %s: it is a %s, not a regular file; give a file path (-o)"):format(path, TYPE_NAMES[st.type] or st.type),
      "ENOTREG"
  end
  local warning
  if st.nlink > 1 then
    warning = ("%s has %d hard links; only this name gets the new content, the others keep the old"):format(
      path,
      st.nlink
    )
  end
  return target, nil, nil, st, warning
end

--- Starts an atomic write of path: returns a file { out = writer (out:write(...)
--- raises on an I/O error), commit() -> true | nil, message, abort(), warning }, or
--- nil, message, name. Until commit, path is untouched; abort (or a failed commit)
--- removes the temporary file.
function M.begin(path)
  local target, rerr, rname, old, warning = M.resolve(path)
  if not target then
    return nil, rerr, rname
  end
  local dir, base = split(target)
  -- BQW_TEMPFILE=named: a named temporary even where O_TMPFILE works (for tests, and
  -- for file systems that claim O_TMPFILE and then fail the link)
  local tmp, terr, tname = fs.tempfile(dir, base, os.getenv("BQW_TEMPFILE") == "named")
  if not tmp then
    return nil, ("cannot write %s: %s"):format(path, terr), tname
  end
  local file = { path = path, target = target, warning = warning }
  local out = {}
  function out.write(_, ...)
    local ok, err = tmp:write(...)
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
      tmp:discard()
    end
  end
  function file.commit()
    if done then
      return nil, "the write of " .. path .. " was already ended"
    end
    done = true
    local ok, err, name
    if old then
      ok, err, name = tmp:commit(target, old.mode, old.uid, old.gid)
    else
      ok, err, name = tmp:commit(target)
    end
    if not ok then
      return nil, ("cannot replace %s: %s"):format(path, err), name
    end
    return true
  end
  return file
end

--- Calls fill(out) where out:write(...) writes to a temporary file (raising on a write
--- error), then renames it to path. Returns true, or nil, message; on failure the
--- temporary file is removed and path is untouched. fill may raise to abort.
function M.write(path, fill)
  local file, err, name = M.begin(path)
  if not file then
    return nil, err, name
  end
  local ok, ferr = pcall(fill, file.out)
  if not ok then
    file.abort()
    return nil, ferr
  end
  return file.commit()
end

return M
