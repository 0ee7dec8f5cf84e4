--- :checkhealth bqw — the module, its Lua ABI, the library and data, OpenCC, the plugin
--- path and the width setting. Reports with vim.health (Neovim 0.8+) or, on 0.7, the
--- health module.
local M = {}

local function reporter()
  local h = vim.health
  if h and h.start then
    return h.start, h.ok, h.warn, h.error, h.info
  end
  local old = require("health")
  return old.report_start, old.report_ok, old.report_warn, old.report_error, old.report_info
end

function M.check()
  local start, ok, warn, err, info = reporter()
  start("bqw")
  local loaded, bqw = pcall(require, "bqw")
  if not loaded then
    err("require('bqw') failed: " .. tostring(bqw), { "Build the C module: make nvim (in the plugin's directory)" })
    return
  end
  if bqw.lua_abi == "Lua 5.1" then
    ok(("bqw.core %s loaded, built for LuaJIT (%s)"):format(bqw.version, bqw.lua_abi))
  else
    warn(("bqw.core is built for %s, not LuaJIT"):format(tostring(bqw.lua_abi)), { "Rebuild it with: make nvim" })
  end
  local ds, lerr = bqw.load()
  if ds then
    local s = ds:stats()
    local n = require("bqw.nvim.data").count
    ok(
      ("data: %s — %s, %s, %s"):format(
        ds:name(),
        n(s.provincial_documents, "document"),
        n(s.city_entries, "city entry", "city entries"),
        n(s.measures, "measure")
      )
    )
  else
    err("data: " .. tostring(lerr))
  end
  local hans, cerr = bqw.convert("鄉村振興", "hans")
  if hans == "乡村振兴" then
    ok("conversion (OpenCC's dictionaries, built in): 鄉村振興 → 乡村振兴")
  else
    err("conversion: " .. tostring(cerr or hans), { "Rebuild bqw: make" })
  end
  -- a directory asked for (BQW_PLUGIN_PATH, setup's plugin_path) must exist; the
  -- user's own need not
  for _, entry in ipairs(require("bqw.plugins").path()) do
    local what = ("plugin directory (%s): %s"):format(entry.origin, entry.dir)
    if vim.fn.isdirectory(entry.dir) == 1 then
      ok(what)
    elseif entry.origin == "user" then
      info(what .. " does not exist (create it to add plugins of your own)")
    else
      local where = entry.origin == "env" and "BQW_PLUGIN_PATH" or "setup{ plugin_path = … }"
      warn(what .. " does not exist", { ("Create it, or correct %s"):format(where) })
    end
  end
  for _, p in ipairs(require("bqw.plugins").problems()) do
    warn("plugin not loaded: " .. p.message)
  end
  local ambi = require("bqw.config").values.ambiwidth
  local want = vim.o.ambiwidth == "double" and 2 or 1
  if ambi == want then
    ok(("ambiwidth: %d cell(s), as 'ambiwidth' is %s"):format(ambi, vim.o.ambiwidth))
  else
    warn(
      ("bqw counts ambiguous characters as %d cell(s) but 'ambiwidth' is %s"):format(ambi, vim.o.ambiwidth),
      { "Call require('bqw.nvim').setup() after setting 'ambiwidth'" }
    )
  end
end

return M
