--- bqw: the Lua API over libbqw.
---
---   local bqw = require("bqw")
---   local ds = assert(bqw.load())          -- the shipped digest
---   for _, r in ipairs(ds:records()) do print(r.id, r.kind, r.title or r.text) end
---
--- Failures return nil, message, name (luv's convention); wrong arguments raise.
--- Runs on Lua 5.4 and LuaJIT: no integer division, no bit operators, no utf8 library.
local core = require("bqw.core")

local M = {
  version = core.version,
  --- The Lua ABI bqw.core was built for ("Lua 5.4" or "Lua 5.1" under LuaJIT).
  lua_abi = core.lua_abi,
}

local Dataset = {}
Dataset.__index = Dataset

local function check_arg(fname, pos, value, expected, optional)
  if (optional and value == nil) or type(value) == expected then
    return
  end
  error(
    ("bqw.%s: bad argument #%d: expected %s%s, got %s"):format(
      fname,
      pos,
      expected,
      optional and " or nil" or "",
      type(value)
    ),
    3
  )
end

local function first_error(handle)
  for _, d in ipairs(handle:diagnostics()) do
    if d.severity == "error" then
      return d.formatted
    end
  end
  local _, name = handle:status()
  return handle:name() .. ": error: " .. name
end

local function wrap(handle)
  local rc, name = handle:status()
  if rc ~= 0 then
    local message = first_error(handle)
    handle:close()
    return nil, message, name
  end
  return setmetatable({ _handle = handle }, Dataset)
end

local config = {}

--- Sets options; unknown keys raise. Options:
---   data = FILE   the digest bqw.load() opens when given no path (default: the
---                 shipped digest, or $BQW_DATA when set)
function M.setup(opts)
  check_arg("setup", 1, opts, "table", true)
  for key, value in pairs(opts or {}) do
    if key == "data" then
      check_arg("setup", 1, value, "string", true)
      config.data = value
    else
      error(("bqw.setup: unknown option %q (known: data)"):format(tostring(key)), 2)
    end
  end
  return M
end

--- The file bqw.load() opens when given no path, or nil for the shipped digest.
function M.default_path()
  local env = os.getenv("BQW_DATA")
  return config.data or (env ~= "" and env or nil)
end

--- Loads a digest: the file at path; with no path, the default (see bqw.setup), which
--- is the shipped digest unless configured.
--- Returns a dataset, or nil, "FILE:LINE:COL: error: …", "EIO" | "EENCODING" | "ENOMEM".
function M.load(path)
  check_arg("load", 1, path, "string", true)
  local handle, message, name = core.load(path or M.default_path())
  if not handle then
    return nil, message, name
  end
  return wrap(handle)
end

--- Loads a digest from a string of bytes; name labels its diagnostics.
function M.load_string(bytes, name)
  check_arg("load_string", 1, bytes, "string")
  check_arg("load_string", 2, name, "string", true)
  local handle, message, ename = core.load_buffer(bytes, name or "(string)")
  if not handle then
    return nil, message, ename
  end
  return wrap(handle)
end

--- Checks a digest without failing on its errors. Returns a table:
---   { ok = bool, status = "OK" | "EIO" | "EENCODING" | …, name = file,
---     diagnostics = { {severity, line, col, message, formatted}, … },
---     report = { bytes, lines, residue_removed, repairs_applied, … },
---     stats = { … } }            -- stats is nil when the file could not be read
--- or nil, message, name when not even that can be produced (out of memory).
function M.check(path)
  check_arg("check", 1, path, "string", true)
  local handle, message, name = core.load(path or M.default_path())
  if not handle then
    return nil, message, name
  end
  local rc, status = handle:status()
  local result = {
    ok = rc == 0,
    status = status,
    name = handle:name(),
    diagnostics = handle:diagnostics(),
    report = handle:report(),
    stats = status ~= "EIO" and handle:stats() or nil,
  }
  handle:close()
  return result
end

--- The shipped digest's bytes, as published.
function M.default_digest()
  return core.default_digest()
end

--- Display width of a UTF-8 string in terminal cells (a Han character is 2).
function M.width(s)
  check_arg("width", 1, s, "string")
  return core.width(s)
end

--- s cut to fit width cells, ending in "…" when cut; and the cells it takes.
function M.truncate(s, width, ellipsis)
  check_arg("truncate", 1, s, "string")
  check_arg("truncate", 2, width, "number")
  return core.truncate(s, width, ellipsis)
end

-- ---- Dataset ------------------------------------------------------------------------

local function handle_of(self, method)
  if getmetatable(self) ~= Dataset then
    error(("bqw: %s must be called as ds:%s(…)"):format(method, method), 3)
  end
  if not self._handle then
    error("bqw: the dataset is closed", 3)
  end
  return self._handle
end

--- All records in source order, as fresh plain tables (see :help bqw-records).
function Dataset:records()
  return handle_of(self, "records"):records()
end

--- The record with this id (its position in source order), or nil.
function Dataset:record(id)
  local handle = handle_of(self, "record")
  check_arg("record", 1, id, "number")
  return handle:record(id)
end

--- Number of records.
function Dataset:count()
  return handle_of(self, "count"):count()
end

--- Counts: the keys of `bqw stats --json`.
function Dataset:stats()
  local s = handle_of(self, "stats"):stats()
  return {
    provincial_documents = s.provincial_documents,
    provincial_measures = s.provincial_measures,
    city_entries = s.city_entries,
    city_measures = s.city_measures,
    guiding_documents = s.guiding_documents,
    targets = s.targets,
    meetings = s.meetings,
    measures = s.measures,
  }
end

--- Introduction, byline, credits, source note and source.
function Dataset:meta()
  return handle_of(self, "meta"):meta()
end

--- The loader's warnings and notes (a loaded dataset has no errors).
function Dataset:diagnostics()
  return handle_of(self, "diagnostics"):diagnostics()
end

--- What the loader did: bytes, lines, residue_removed, repairs_applied, …
function Dataset:report()
  return handle_of(self, "report"):report()
end

--- The file name the dataset was loaded from.
function Dataset:name()
  return handle_of(self, "name"):name()
end

--- Frees the dataset now rather than at garbage collection.
function Dataset:close()
  if self._handle then
    self._handle:close()
    self._handle = nil
  end
end

M.Dataset = Dataset

--- The order of stats keys, as `bqw stats --json` prints them.
M.STATS_KEYS = {
  "provincial_documents",
  "provincial_measures",
  "city_entries",
  "city_measures",
  "guiding_documents",
  "targets",
  "meetings",
  "measures",
}

return M
