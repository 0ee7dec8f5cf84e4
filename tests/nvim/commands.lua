-- :Bqw in Neovim: views into scratch buffers with highlights and folds, search,
-- completion. Run: nvim --headless -u NONE --cmd "set rtp+=." -c "luafile tests/nvim/commands.lua"
local failures = 0
local function check(ok, what)
  if not ok then
    failures = failures + 1
    io.stderr:write("FAILED: ", what, "\n")
  end
end

local ok, err = pcall(function()
  vim.cmd("runtime plugin/bqw.lua")
  check(vim.fn.exists(":Bqw") == 2, ":Bqw exists")
  require("bqw.nvim").setup({})
  vim.cmd("Bqw view table kind=city")
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == "bqw", "filetype bqw")
  check(vim.bo[buf].buftype == "nofile", "scratch buffer")
  check(vim.api.nvim_buf_line_count(buf) == 23, "23 lines for 21 cities: " .. vim.api.nvim_buf_line_count(buf))
  local marks = vim.api.nvim_buf_get_extmarks(buf, vim.api.nvim_create_namespace("bqw"), 0, -1, {})
  check(#marks > 0, "highlights")
  check(require("bqw.nvim").buffers[buf].ids[3] ~= nil, "record ids behind lines")
  vim.cmd("Bqw view tree")
  check(vim.fn.foldlevel(2) >= 1, "folds from the view result")
  vim.cmd("Bqw search 乡村振兴")
  buf = vim.api.nvim_get_current_buf()
  check(vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]:find("乡村振兴", 1, true) ~= nil, "search hits")
  local c = require("bqw.nvim").complete("t", "Bqw view t")
  check(vim.tbl_contains(c, "table") and vim.tbl_contains(c, "tree") and vim.tbl_contains(c, "timeline"), "completion")
  local bad_ok, bad = pcall(vim.cmd, "Bqw nosuch")
  check(not bad_ok and tostring(bad):find('unknown subcommand "nosuch"', 1, true) ~= nil, "a clear error for a bad subcommand")
end)
if not ok then
  failures = failures + 1
  io.stderr:write("ERROR: ", tostring(err), "\n")
end
io.stdout:write(failures == 0 and "nvim commands ok\n" or ("nvim commands: " .. failures .. " failures\n"))
vim.cmd(failures == 0 and "qa!" or "cq!")
