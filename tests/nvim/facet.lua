-- :Bqw facet FIELD [EXPR]: the counts offered through vim.ui.select (replaced here by a
-- stand-in that picks the second), then the default view filtered to the choice.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/facet.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
T.run("nvim facet", function()
  vim.cmd("runtime plugin/bqw.lua")
  require("bqw.nvim").setup({})
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = { items = items, opts = opts }
    on_choice(items[2])
  end
  vim.cmd("Bqw facet region kind=city")
  vim.wait(5000, function() return offered ~= nil end)
  check(offered.opts.format_item(offered.items[1]) == "珠三角  9", "items: " .. offered.opts.format_item(offered.items[1]))
  local buf = vim.api.nvim_get_current_buf()
  local b = require("bqw.nvim").buffers[buf]
  check(b and b.where == '(kind=city) and region="粤北"', "filtered view: " .. tostring(b and b.where))
end)
