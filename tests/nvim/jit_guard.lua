-- On a LuaJIT whose pairs() compiler can join a trace to a pairs() loop's trace with a
-- stale table (bqw.loader.jit_broken: a 2.1.0-beta, such as Debian 12's, which Neovim 0.7
-- runs on), none of bqw's Lua code may be compiled: `:Bqw export` failed in 1 run of 4 to
-- 12 with 'export "csv" has no option "string"' when a trace joined the one of
-- dataset_util.unknown_option's pairs() loop, which then read another table's keys.
-- Runs bqw's hot paths in Neovim (its modules, an export plugin, a view, a pairs() loop
-- thousands of times) and checks that no trace started in bqw's files; a hot loop of
-- this file's own shows that traces are seen at all.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/jit_guard.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
local jit = require("jit")
T.run("nvim jit guard", function()
  local funcinfo = require("jit.util").funcinfo
  local started = {}
  jit.attach(function(what, _, func)
    if what == "start" then
      started[#started + 1] = funcinfo(func).source or "?"
    end
  end, "trace")
  vim.cmd("runtime plugin/bqw.lua")
  require("bqw.nvim").setup({})
  local loader = require("bqw.loader")
  local util = require("bqw.dataset_util")
  local ds = assert(require("bqw").load())
  for _ = 1, 20 do
    assert(ds:export("csv"))
    ds:search("乡村")
  end
  local plugin = { options = { bom = "", raw_cells = "" } }
  for _ = 1, 3000 do
    assert(util.unknown_option({ ids = {}, warn = print }, { ids = true, warn = true }, plugin, "export", "csv") == nil)
  end
  vim.cmd("Bqw view list")
  local n = 0
  for i = 1, 3000 do -- this file's own: traced
    n = n + i % 7
  end
  jit.attach(function() end)
  local ours, bqws = 0, {}
  for _, source in ipairs(started) do
    if source:find("tests/nvim/jit_guard.lua", 1, true) then
      ours = ours + 1
    elseif source:find("/lua/bqw/", 1, true) or source:find("/plugins/", 1, true) then
      bqws[#bqws + 1] = source
    end
  end
  check(ours > 0 and n > 0, "no trace started in this file's own loop: traces are not seen (" .. table.concat(started, " ") .. ")")
  -- the test's own reading of the version, not bqw.loader's
  local broken = jit.version:find("^LuaJIT 2%.1%.0%-beta") ~= nil
  check(loader.jit_broken == broken, "bqw.loader.jit_broken on " .. jit.version .. ": " .. tostring(loader.jit_broken))
  if broken then
    check(#bqws == 0, ("%d traces started in bqw's code on %s, as in %s"):format(#bqws, jit.version, tostring(bqws[1])))
  else
    io.stdout:write("nvim jit guard: ", jit.version, " is not a 2.1.0-beta: bqw's code may be compiled\n")
  end
end)
