-- A minimal Neovim config for bqw: nvim -u examples/nvim/init.lua
-- (build the module first: make nvim)
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.runtimepath:append(root)
vim.cmd("runtime plugin/bqw.lua")
require("bqw.nvim").setup({
  default_view = "table", -- s sorts it by the column under the cursor
  debounce = 100, -- the live filter (/) follows your typing after 100 ms
  -- the keys are listed by g? and :help bqw-keymaps; change one, or false to drop it:
  keymaps = { pick = "<leader>p" },
})
-- :Telescope bqw and :Telescope bqw search, when telescope.nvim is installed
local ok, telescope = pcall(require, "telescope")
if ok then
  telescope.load_extension("bqw")
end
-- <leader>bs: search the digest with whatever vim.ui.select is (dressing, fzf-lua, …)
vim.keymap.set("n", "<leader>bs", "<Cmd>Bqw pick search<CR>", { desc = "bqw: search" })
