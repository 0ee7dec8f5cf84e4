-- The Lua API inside Neovim (LuaJIT): the same modules and plugins, the C module built
-- against LuaJIT (make nvim), and a background load on Neovim's own loop.
-- Run: nvim --headless -u NONE --cmd "set rtp+=." -c "luafile tests/nvim/smoke.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check

T.run("nvim smoke", function()
  local bqw = require("bqw")
  check(bqw.lua_abi == "Lua 5.1", "bqw.core is the LuaJIT build: " .. tostring(bqw.lua_abi))
  local ds = assert(bqw.load())
  check(ds:stats().measures == 63, "63 measures")
  check(ds:record(27).measures[1]:find("实施生态立市", 1, true) == 1, "hans by default")
  check(ds:query({ region = "粤北", year = 2027 }):count() == 1, "query")
  check(ds:query("text~乡村振兴"):count() == 10, "text filter through the index")
  check(ds:search("xczx", { pinyin = true }).total == 12, "pinyin")
  local v = assert(ds:view("table", { where = "kind=city", columns = { "city", "region" }, width = 40 }))
  check(#v.lines == 23, "table view")
  for _, line in ipairs(v.lines) do
    check(bqw.width(line) <= 40, "width " .. line)
  end
  check(#assert(ds:export("csv")) > 20000, "csv export")
  local loop = assert(bqw.loop({ host = true }))
  check(loop.hosted, "runs on Neovim's loop")
  local result, ticks = nil, 0
  local uv = vim.uv or vim.loop
  local timer = uv.new_timer()
  timer:start(0, 1, function()
    ticks = ticks + 1
  end)
  local loaded_ds, first_total
  loop:load(vim.fn.getcwd() .. "/data/bqw-digest-2023.txt", function(d2, e)
    result = d2 and d2:stats().measures or e
    loaded_ds = d2
    first_total = d2 and d2:search("乡村振兴").total -- at once, indexed or not
  end)
  vim.wait(10000, function()
    return result ~= nil
  end, 5)
  check(result == 63, "background load on Neovim's loop: " .. tostring(result))
  -- the load started the index's build off the editor's thread: it becomes ready with
  -- no search and no ds:index() from here
  vim.wait(10000, function()
    return loaded_ds and loaded_ds:index_ready()
  end, 5)
  check(loaded_ds and loaded_ds:index_ready(), "the loop's load built the index in the background")
  check(first_total and first_total == loaded_ds:search("乡村振兴").total, "same total before and after the index")
  timer:stop()
  timer:close()
  loop:close()
end)
