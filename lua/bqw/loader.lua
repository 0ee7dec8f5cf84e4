--- Where bqw's own modules come from: bqw's directory, never the working directory.
---
--- Lua's and LuaJIT's default search paths hold "./?.lua" (LuaJIT's first of all), and
--- the path searcher runs before the C one: `require("bqw.core")`, a C module, would
--- load a ./bqw/core.lua planted in whatever directory Lua (or Neovim) was started in.
--- require("bqw.loader") puts a searcher right after package.preload that answers for
--- "bqw" and every "bqw.*" name: Lua files from the directory this file is in, then from
--- the absolute templates of package.path and, in Neovim, the runtimepath; C modules from
--- the absolute templates of package.cpath, then beside the Lua files (Neovim's layout).
--- A bqw module found nowhere there is an error; no relative template is ever tried.
---
--- On a LuaJIT whose compiler may join a trace to a pairs() loop's trace with a stale
--- table (M.jit_broken), bqw's Lua code runs in the interpreter: the JIT is turned off
--- for every bqw module this searcher loads, for the bqw chunks running when it is
--- installed, and (M.no_jit) for plugin files.
local M = {}

local SOURCE = debug.getinfo(1, "S").source
--- The directory holding bqw/ (nil when this file was not loaded from a file).
M.root = SOURCE:match("^@(.*)/bqw/loader%.lua$")

--- Whether this is a LuaJIT 2.1 from before its numbered releases (its version says
--- "2.1.0-beta"), such as Debian 12's 2.1.0~beta3+git20220320, which Neovim 0.7 there
--- runs on: its pairs() compiler lacks the fix "Fix trace join to BC_JLOOP originating
--- from BC_ITERN" (LuaJIT dad04f17, 2022-09-14). A trace that runs into a pairs() loop
--- whose own trace starts at the loop joins that trace, and the loop can then yield
--- keys of another table: `:Bqw export` failed 1 run in 4 to 12 with 'export "csv" has
--- no option "string"' (or "1"), dataset_util.unknown_option's pairs() loop giving a key
--- its table did not hold; with the JIT off for bqw's code, 0 runs in 120.
local jit = rawget(_G, "jit") -- LuaJIT's, nil on Lua 5.4
M.jit_broken = type(jit) == "table"
  and type(jit.version) == "string"
  and jit.version:find("^LuaJIT 2%.1%.0%-beta") ~= nil

--- Turns the JIT off for the Lua function fn and every function defined in it (a
--- loaded chunk: a whole file) when M.jit_broken; returns fn.
function M.no_jit(fn)
  if M.jit_broken and type(fn) == "function" and debug.getinfo(fn, "S").what ~= "C" then
    jit.off(fn, true)
  end
  return fn
end

local function readable(path)
  local f = io.open(path, "r")
  if f then
    f:close()
    return true
  end
  return false
end

-- The absolute templates of a search path, with ? replaced by rel.
local function absolute_candidates(path, rel, out)
  for template in (path or ""):gmatch("[^;]+") do
    if template:sub(1, 1) == "/" then
      out[#out + 1] = (template:gsub("%?", rel))
    end
  end
  return out
end

local function lua_candidates(rel)
  local out = {}
  if M.root then
    out[1] = M.root .. "/" .. rel .. ".lua"
    out[2] = M.root .. "/" .. rel .. "/init.lua"
  end
  absolute_candidates(package.path, rel, out)
  local vim = rawget(_G, "vim")
  if vim and vim.api and vim.api.nvim_get_runtime_file then
    for _, pattern in ipairs({ "lua/" .. rel .. ".lua", "lua/" .. rel .. "/init.lua" }) do
      for _, file in ipairs(vim.api.nvim_get_runtime_file(pattern, false)) do
        if file:sub(1, 1) == "/" then
          out[#out + 1] = file
        end
      end
    end
  end
  return out
end

-- package.cpath first: a source tree's lua/bqw/core.so is the LuaJIT build for Neovim,
-- while lua5.4 is pointed at build/lua by its cpath.
local function c_candidates(rel)
  local out = absolute_candidates(package.cpath, rel, {})
  if M.root then
    out[#out + 1] = M.root .. "/" .. rel .. ".so"
  end
  return out
end

--- The searcher: a loader for a bqw module, nil for any other name.
function M.search(name)
  if name ~= "bqw" and name:sub(1, 4) ~= "bqw." then
    return nil
  end
  local rel = name:gsub("%.", "/")
  local tried = {}
  for _, path in ipairs(lua_candidates(rel)) do
    if readable(path) then
      local chunk, err = loadfile(path)
      if not chunk then
        error(err, 0)
      end
      return M.no_jit(chunk), path
    end
    tried[#tried + 1] = path
  end
  local entry = "luaopen_" .. name:gsub("%.", "_")
  for _, path in ipairs(c_candidates(rel)) do
    if readable(path) then
      local open, err = package.loadlib(path, entry)
      if not open then
        error(("error loading module '%s' from file '%s':\n\t%s"):format(name, path, err), 0)
      end
      return open, path
    end
    tried[#tried + 1] = path
  end
  -- Claimed: the searchers after this one would try ./bqw/… relative to the working
  -- directory.
  return function()
    error(("module '%s' not found in bqw's directories (never the working directory):\n\t%s"):format(
      name,
      table.concat(tried, "\n\t")
    ), 0)
  end,
    name
end

local function searcher(name)
  local loader, extra = M.search(name)
  if loader then
    return loader, extra
  end
  return "\n\tno field bqw.loader (not a bqw module)"
end

-- Once per Lua state, even when a script clears package.loaded to reload bqw.
local searchers = package.searchers or package.loaders
local installed = false
for _, s in ipairs(searchers) do
  installed = installed or debug.getinfo(s, "S").source == SOURCE
end
if not installed then
  table.insert(searchers, 2, searcher)
  -- the bqw chunks loaded before this searcher was there (this one, the one requiring it,
  -- and those requiring that) run now: their functions too
  if M.jit_broken and M.root then
    local prefix = "@" .. M.root .. "/bqw/"
    local level = 1 -- this chunk, then those requiring it
    local info = debug.getinfo(level, "Sf")
    while info do
      if info.source:sub(1, #prefix) == prefix then
        M.no_jit(info.func)
      end
      level = level + 1
      info = debug.getinfo(level, "Sf")
    end
  end
end

return M
