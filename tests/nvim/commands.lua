-- :Bqw in Neovim: views into scratch buffers (highlights, folds, record ids), keymaps,
-- the filter, search, export, check, reload, plugins, health, and a data file loaded in
-- the background and refreshed when it changes.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/commands.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
local api = vim.api
local function lines(buf)
  return api.nvim_buf_get_lines(buf or 0, 0, -1, false)
end
local function find_line(pattern)
  for i, l in ipairs(lines()) do
    if l:find(pattern, 1, true) then
      return i
    end
  end
end

T.run("nvim commands", function()
  vim.cmd("runtime plugin/bqw.lua")
  check(vim.fn.exists(":Bqw") == 2, ":Bqw exists")
  local nvim = require("bqw.nvim")
  -- options are validated
  check(not pcall(nvim.setup, { colour = "red" }), "unknown option refused")
  check(not pcall(nvim.setup, { default_view = "nosuch" }), "bad default_view refused")
  check(not pcall(nvim.setup, { keymaps = { jump = "j" } }), "unknown keymap action refused")
  nvim.setup({})

  -- every view draws, with ids and highlights; tree has folds
  for _, name in ipairs({ "list", "tree", "table", "timeline", "cities", "detail" }) do
    vim.cmd("Bqw view " .. name .. (name == "detail" and " id=27" or ""))
    local buf = api.nvim_get_current_buf()
    check(vim.bo[buf].filetype == "bqw" and vim.bo[buf].buftype == "nofile", name .. ": scratch bqw buffer")
    check(#lines(buf) > 1, name .. ": lines")
    local marks = api.nvim_buf_get_extmarks(buf, api.nvim_create_namespace("bqw"), 0, -1, {})
    check(#marks > 0, name .. ": highlights")
    check(next(nvim.buffers[buf].result.ids) ~= nil, name .. ": record ids")
  end
  vim.cmd("Bqw view tree")
  check(vim.fn.foldlevel(3) >= 1, "tree: folds")

  -- ]] and [[ move between records, <CR> opens the detail in a split
  vim.cmd("Bqw view list")
  api.nvim_win_set_cursor(0, { 1, 0 })
  nvim.keymap_actions.next(api.nvim_get_current_buf())
  check(api.nvim_win_get_cursor(0)[1] == 2, "]] to the next record")
  nvim.keymap_actions.prev(api.nvim_get_current_buf())
  check(api.nvim_win_get_cursor(0)[1] == 1, "[[ back")
  local wins = #api.nvim_list_wins()
  api.nvim_win_set_cursor(0, { 27, 0 })
  nvim.keymap_actions.open(api.nvim_get_current_buf())
  check(#api.nvim_list_wins() == wins + 1, "<CR> opens a split")
  check(find_line("line: 81") ~= nil, "the detail of record 27")
  vim.cmd("close")

  -- with float = true, <CR> opens the detail in a float
  nvim.setup({ float = true })
  vim.cmd("Bqw view list")
  api.nvim_win_set_cursor(0, { 27, 0 })
  nvim.keymap_actions.open(api.nvim_get_current_buf())
  check(api.nvim_win_get_config(0).relative == "editor", "<CR> opens a float")
  check(find_line("line: 81") ~= nil, "the float holds the detail")
  vim.cmd("close")
  nvim.setup({})

  -- e asks for a format and a file (vim.ui.input), then exports what the buffer shows
  vim.cmd("Bqw view list region=粤东")
  local answers = { "json", vim.fn.tempname() .. ".json" }
  local saved_input = vim.ui.input
  vim.ui.input = function(_, on_confirm)
    on_confirm(table.remove(answers, 1))
  end
  local json_out = answers[2]
  nvim.keymap_actions.export(api.nvim_get_current_buf())
  vim.ui.input = saved_input
  vim.wait(5000, function()
    return vim.fn.filereadable(json_out) == 1
  end, 20)
  check(vim.fn.filereadable(json_out) == 1 and vim.fn.json_decode(table.concat(vim.fn.readfile(json_out), "\n")).count == 4, "e exports the 4 粤东 records")

  -- g? lists the keys
  local notified
  local saved_notify = vim.notify
  vim.notify = function(msg)
    notified = msg
  end
  nvim.keymap_actions.help(api.nvim_get_current_buf())
  vim.notify = saved_notify
  check(notified and notified:find("<CR>", 1, true) and notified:find("yank", 1, true), "g? lists the keys")

  -- y yanks the record as Markdown; gs jumps to its line in the digest
  vim.cmd("Bqw view list")
  api.nvim_win_set_cursor(0, { 27, 0 })
  nvim.keymap_actions.yank(api.nvim_get_current_buf())
  check(vim.fn.getreg('"'):find("^## 韶关") ~= nil, "y yanks Markdown: " .. vim.fn.getreg('"'):sub(1, 40))
  nvim.keymap_actions.source(api.nvim_get_current_buf())
  check(vim.fn.expand("%:t") == "bqw-digest-2023.txt" and api.nvim_win_get_cursor(0)[1] == 81, "gs to line 81 of the digest")

  -- the filter: an expression, or plain text searched
  check(nvim.filter_expression("region=粤北") == "region=粤北", "an expression stays")
  check(nvim.filter_expression("乡村振兴") == 'text~"乡村振兴"', "text becomes a search")
  vim.cmd("Bqw filter region=粤北")
  check(#lines() > 1 and find_line("韶关") ~= nil and find_line("广州") == nil, ":Bqw filter narrows")

  -- the live filter prompt, typed as a user would: it narrows as you type, then stays
  vim.cmd("Bqw view list")
  api.nvim_feedkeys("/region=粤北\r", "xt", false)
  check(lines()[1]:find("filter: region=粤北 — 5 records", 1, true) ~= nil, "live filter: the count: " .. tostring(lines()[1]))
  check(#lines() == 6, "live filter: 5 records and the header")

  -- search, with the matches highlighted
  vim.cmd("Bqw search 乡村振兴")
  check(lines()[1]:find("12 of 12", 1, true) ~= nil, "search: the count")
  local marks = api.nvim_buf_get_extmarks(0, api.nvim_create_namespace("bqw"), 0, -1, { details = true })
  local match = false
  for _, m in ipairs(marks) do
    match = match or m[4].hl_group == "BqwMatch"
  end
  check(match, "search: matches highlighted")
  vim.cmd("Bqw search --pinyin xczx")
  check(lines()[1]:find("12 of 12", 1, true) ~= nil, "search --pinyin")

  -- export in the background
  local out = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export csv " .. out .. " region=粤北")
  vim.wait(5000, function()
    return vim.fn.filereadable(out) == 1
  end, 20)
  local fh = io.open(out, "rb")
  local csv = fh and fh:read("*a") or ""
  if fh then
    fh:close()
  end
  check(select(2, csv:gsub("\r\n", "")) == 6, "export: 5 records and a header (CRLF rows)")

  -- check fills the quickfix list
  vim.cmd("Bqw check")
  local qf = vim.fn.getqflist()
  check(#qf == 1 and qf[1].lnum == 1 and qf[1].text:find("known defect", 1, true), "check: quickfix")

  -- plugins, reload, health
  vim.cmd("Bqw plugins")
  check(find_line("region") ~= nil, "plugins listed")
  vim.cmd("Bqw reload")
  vim.cmd("checkhealth bqw")
  check(find_line("OK: bqw.core") ~= nil and find_line("conversion (OpenCC") ~= nil, "checkhealth bqw")
  vim.cmd("bwipeout")

  -- a large data file loads in the background while Neovim's timers keep firing
  local big = vim.fn.tempname()
  local copies = {}
  for i = 1, 300 do
    copies[i] = require("bqw").default_digest()
  end
  local fh2 = assert(io.open(big, "wb"))
  fh2:write(table.concat(copies, "\n"))
  fh2:close()
  nvim.setup({ data = big })
  local ticks = 0
  local timer = (vim.uv or vim.loop).new_timer()
  timer:start(0, 5, function()
    ticks = ticks + 1
  end)
  vim.cmd("Bqw view cities")
  local bigbuf = api.nvim_get_current_buf()
  local ticks_at_start = ticks
  vim.wait(20000, function()
    return nvim.buffers[bigbuf] and nvim.buffers[bigbuf].result ~= nil
  end, 5)
  timer:stop()
  timer:close()
  check(nvim.buffers[bigbuf].result ~= nil, "large load finished")
  check(ticks - ticks_at_start >= 2, "timers kept firing during the load: " .. (ticks - ticks_at_start))
  vim.cmd("bwipeout")

  -- a data file: loaded in the background, views refresh when it changes
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  local data = dir .. "/digest.txt"
  vim.fn.writefile(vim.split(require("bqw").default_digest(), "\n", { plain = true }), data, "b")
  nvim.setup({ data = data })
  vim.cmd("Bqw view list")
  local buf = api.nvim_get_current_buf()
  vim.wait(5000, function()
    return #lines(buf) == 56
  end, 20)
  check(#lines(buf) == 56, "background load of the data file: " .. #lines(buf))
  local text = require("bqw").default_digest():gsub("\n2035年\n", "\n2040年\n再添一項目標。\n2035年\n")
  vim.fn.writefile(vim.split(text, "\n", { plain = true }), data, "b")
  vim.wait(5000, function()
    return #lines(buf) == 57
  end, 20)
  check(#lines(buf) == 57, "the view refreshed after the file changed: " .. #lines(buf))

  local c = nvim.complete("t", "Bqw view t")
  check(vim.tbl_contains(c, "table") and vim.tbl_contains(c, "tree") and vim.tbl_contains(c, "timeline"), "completion")
  local bad_ok, bad = pcall(vim.cmd, "Bqw nosuch")
  check(not bad_ok and tostring(bad):find('unknown subcommand "nosuch"', 1, true) ~= nil, "a clear error for a bad subcommand")
end)
