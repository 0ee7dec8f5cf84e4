-- :help bqw: tags generate without duplicates, every |bqw…| link has its tag, and the
-- example config works. Run: nvim --headless -u NONE -i NONE -c "luafile tests/nvim/help.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
T.run("nvim help", function()
  local root = vim.fn.getcwd()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  vim.fn.writefile(vim.fn.readfile(root .. "/doc/bqw.txt"), dir .. "/bqw.txt")
  local tag_ok, tag_err = pcall(vim.cmd, "helptags " .. dir) -- raises on a duplicate tag
  check(tag_ok, "helptags: " .. tostring(tag_err))
  local tags = {}
  for _, line in ipairs(vim.fn.readfile(dir .. "/tags")) do
    tags[line:match("^([^\t]+)")] = true
  end
  local text = table.concat(vim.fn.readfile(dir .. "/bqw.txt"), "\n")
  for link in text:gmatch("|([%w%.%-_:()]+)|") do
    if link:find("bqw") or link:find("Bqw") then
      check(tags[link], "a tag for |" .. link .. "|")
    end
  end
  local want = { "bqw.txt", "bqw", "bqw-api", "bqw-records", "bqw-plugins", "bqw-loop", "bqw-nvim", ":Bqw" }
  vim.list_extend(want, { "bqw-keymaps", "bqw-highlights", "bqw-health" })
  for _, t in ipairs(want) do
    check(tags[t], "tag " .. t)
  end
  -- :help bqw opens on the title, with CONTENTS on the first screen (the help window is
  -- 'helpheight' lines or more)
  vim.cmd("set runtimepath+=" .. root .. " helpheight=20")
  vim.cmd("helptags " .. root .. "/doc")
  vim.cmd("help bqw")
  check(vim.fn.line("w0") == 1, ":help bqw shows the file's first line, not line " .. vim.fn.line("w0"))
  local contents = vim.fn.search("^CONTENTS", "nw")
  check(contents > 0 and contents <= 20, ":help bqw: CONTENTS on the first screen (line " .. contents .. ")")
  vim.cmd("helpclose")
  -- the example config
  vim.cmd("source " .. root .. "/examples/nvim/init.lua")
  check(vim.fn.exists(":Bqw") == 2, "examples/nvim/init.lua: :Bqw")
  check(require("bqw.nvim").config.default_view == "table", "examples/nvim/init.lua: its options")
  check(require("bqw.nvim").config.keymaps.yank == "Y", "examples/nvim/init.lua: the documented yank key")
  vim.cmd("Bqw")
  check(vim.bo.filetype == "bqw", "examples/nvim/init.lua: :Bqw opens the default view")
  -- one yank key in the README, the help and the example config (which keeps the default)
  local yank = require("bqw.nvim.actions").defaults().yank
  local readme = table.concat(vim.fn.readfile(root .. "/README.md"), "\n")
  check(readme:find("| `" .. yank .. "` | yank", 1, true) ~= nil, "the README's yank key is " .. yank)
  check(text:find("    " .. yank .. "%s+yank") ~= nil, "the help's yank key is " .. yank)
  check(not table.concat(vim.fn.readfile(root .. "/examples/nvim/init.lua"), "\n"):find("yank"), "the example keeps the yank key")
end)
