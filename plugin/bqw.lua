-- bqw for Neovim: one :Bqw command, created here and loaded lazily (lua/bqw/nvim/).
if vim.g.loaded_bqw then
  return
end
vim.g.loaded_bqw = 1
if vim.fn.has("nvim-0.7") == 0 then
  vim.api.nvim_err_writeln("bqw: needs Neovim 0.7 or later")
  return
end

vim.api.nvim_create_user_command("Bqw", function(opts)
  require("bqw.nvim").command(opts.fargs)
end, {
  nargs = "*",
  desc = "bqw: views, search and exports of the 百千万工程 policy digest",
  complete = function(arglead, cmdline)
    return require("bqw.nvim").complete(arglead, cmdline)
  end,
})
