-- A minimal Neovim config for bqw: nvim -u examples/nvim/init.lua
-- (build the module first: make nvim)
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.runtimepath:append(root)
vim.cmd("runtime plugin/bqw.lua")
require("bqw.nvim").setup({
  default_view = "tree",
  keymaps = { yank = "Y" },
})
