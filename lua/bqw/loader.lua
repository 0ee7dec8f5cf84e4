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
local M = {}

local SOURCE = debug.getinfo(1, "S").source
--- The directory holding bqw/ (nil when this file was not loaded from a file).
M.root = SOURCE:match("^@(.*)/bqw/loader%.lua$")

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
      return chunk, path
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
end

return M
