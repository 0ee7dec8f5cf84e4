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
  for _, bad in ipairs({ -1, 20, 2.5, "10" }) do
    local ok, err = pcall(nvim.setup, { load_nice = bad })
    check(not ok and tostring(err):find("load_nice must be a whole number", 1, true) ~= nil, "bad load_nice refused: " .. tostring(err))
  end
  nvim.setup({ load_nice = 0 })
  check(nvim.loop():info().load_nice == 0, "load_nice 0: loads on the threadpool")
  nvim.setup({})
  check(nvim.config.load_nice == 10, "load_nice defaults to 10")
  check(nvim.loop():info().load_nice == 10, "the loop's loads run at nice 10 in Neovim")
  -- every option is validated before any is applied
  check(not pcall(nvim.setup, { default_view = "list", colour = "red" }), "a bad option among good ones")
  check(nvim.config.default_view == "tree", "nothing applied when one option is bad")
  check(not pcall(nvim.setup, { default_view = "list", script = "klingon" }), "a bad core option")
  local script = require("bqw.config").values.script
  check(nvim.config.default_view == "tree" and script == nil, "nothing applied: " .. tostring(script))
  -- the keymap section of the help is the action list's
  local actions = require("bqw.nvim.actions")
  local doc = vim.fn.readfile(vim.fn.getcwd() .. "/doc/bqw.txt")
  local first, last
  for i, l in ipairs(doc) do
    if l:find("^In a bqw buffer") then
      first = i + 1
    elseif first and not last and l:find("^Change or disable any") then
      last = i - 1
    end
  end
  local section = first and last and vim.list_slice(doc, first, last) or {}
  local want_section = table.concat(actions.help_section(), "\n")
  check(vim.deep_equal(section, actions.help_section()), "doc/bqw.txt's keymap section is the action list's; it should read:\n" .. want_section)
  for _, a in ipairs(actions.list) do
    check(nvim.config.keymaps[a.name] == a.lhs, "a default key for " .. a.name)
  end

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

  -- gs opens the source in a split and keeps the view; gS adds the cleaned text beside
  vim.cmd("only")
  vim.cmd("Bqw view list")
  local view_buf = api.nvim_get_current_buf()
  api.nvim_win_set_cursor(0, { 27, 0 })
  nvim.keymap_actions.source(view_buf)
  check(#api.nvim_list_wins() == 2 and api.nvim_win_get_cursor(0)[1] == 81, "gs: a split at line 81")
  check(#vim.fn.win_findbuf(view_buf) == 1, "gs: the view stays in its window")
  vim.cmd("close")
  check(api.nvim_get_current_buf() == view_buf, "back in the view")
  nvim.keymap_actions.cleaned(view_buf)
  check(#api.nvim_list_wins() == 3 and vim.wo.scrollbind, "gS: raw and cleaned side by side, bound")
  check(api.nvim_get_current_line():find("促进城乡区域协调发展的行动方案", 1, true) ~= nil, "gS: the cleaned text at line 81: " .. api.nvim_get_current_line())
  vim.cmd("only")

  -- s sorts a table view by the column under the cursor, in pinyin order; again: reverse
  vim.cmd("Bqw view table kind=city")
  local tbuf = api.nvim_get_current_buf()
  local header = lines()[1]
  api.nvim_win_set_cursor(0, { 1, header:find("city", 1, true) - 1 })
  nvim.keymap_actions.sort(tbuf)
  local function city_order()
    local out = {}
    for i, l in ipairs(lines()) do
      local id = nvim.buffers[tbuf].result.ids[i]
      if id then
        out[#out + 1] = l:match("(%S+)%s+%S+%s*$") and require("bqw").load():record(id).city
      end
    end
    return out
  end
  local order = city_order()
  check(order[1] == "潮州" and order[2] == "东莞" and order[#order] == "珠海", "s: pinyin order: " .. table.concat(order, " "))
  nvim.keymap_actions.sort(tbuf)
  order = city_order()
  check(order[1] == "珠海" and order[#order] == "潮州", "s again: reversed: " .. table.concat(order, " "))
  check(lines()[1]:find("city", 1, true) ~= nil, "the header stays the first line")

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
  -- the prompt starts with the current filter: edited, it replaces the filter
  api.nvim_feedkeys("/\21region=粤东\r", "xt", false)
  check(lines()[1]:find("filter: region=粤东 — 4 records", 1, true) ~= nil, "live filter replaced: " .. tostring(lines()[1]))
  api.nvim_feedkeys("/\r", "xt", false)
  check(lines()[1]:find("filter: region=粤东", 1, true) ~= nil, "live filter: <CR> keeps the current one")
  -- an empty filter shows the view unfiltered
  api.nvim_feedkeys("/\21\r", "xt", false)
  check(#lines() == 56, "live filter cleared: " .. #lines())
  api.nvim_feedkeys("/乡村振兴\r", "xt", false)
  local marks_f = api.nvim_buf_get_extmarks(0, api.nvim_create_namespace("bqw_match"), 0, -1, {})
  check(#marks_f > 0 and lines()[1]:find("乡村振兴 — 10 records", 1, true), "live filter: text searched, matches highlighted: " .. lines()[1])
  api.nvim_feedkeys("/\27", "xt", false)
  check(#lines() == 56, "live filter: <Esc> clears: " .. #lines())
  check(nvim.filter_expression("(") == nil and select(2, nvim.filter_expression("(")) ~= nil, "a broken expression gives an error")
  local bang, bang_err = nvim.filter_expression("!")
  bang_err = tostring(bang_err)
  check(bang == nil and bang_err:find("lone !", 1, true) and not bang_err:find("\n"), "a lone ! gives a one-line error: " .. bang_err)

  -- search, with the matches highlighted
  vim.cmd("Bqw search 乡村振兴")
  check(lines()[1]:find("12 of 12", 1, true) ~= nil, "search: the count")
  check(lines()[2]:find("^%s*%d+ L%d+ ") ~= nil, "search: the source line: " .. lines()[2])
  local marks = api.nvim_buf_get_extmarks(0, api.nvim_create_namespace("bqw"), 0, -1, { details = true })
  local match = false
  for _, m in ipairs(marks) do
    match = match or m[4].hl_group == "BqwMatch"
  end
  check(match, "search: matches highlighted")
  vim.cmd("Bqw search --pinyin xczx")
  check(lines()[1]:find("12 of 12", 1, true) ~= nil, "search --pinyin")

  -- export in the background (--all: every record EXPR selects, not the search's)
  local out = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export --all csv " .. out .. " region=粤北")
  vim.wait(5000, function()
    return vim.fn.filereadable(out) == 1
  end, 20)
  local fh = io.open(out, "rb")
  local csv = fh and fh:read("*a") or ""
  if fh then
    fh:close()
  end
  check(select(2, csv:gsub("\r\n", "")) == 6, "export: 5 records and a header (CRLF rows)")

  -- markdown and html in the background: the rows written by the core (LuaJIT's
  -- build), the bytes of the export at once and of the Lua path (a Lua filter)
  local ds_all = assert(require("bqw").load())
  local keep = {}
  for r in ds_all:query("region=粤北"):iter() do
    keep[r.id] = true
  end
  for _, format in ipairs({ "markdown", "html" }) do
    local doc_out = vim.fn.tempname() .. "." .. format
    vim.cmd("Bqw export --all " .. format .. " " .. doc_out .. " region=粤北")
    vim.wait(5000, function()
      return vim.fn.filereadable(doc_out) == 1
    end, 20)
    local dfh = io.open(doc_out, "rb")
    local got = dfh and dfh:read("*a") or ""
    if dfh then
      dfh:close()
    end
    local at_once = ds_all:export(format, { where = "region=粤北" })
    local through_lua = ds_all:export(format, { where = function(r)
      return keep[r.id] == true
    end })
    check(#got > 1000 and got == at_once, ":Bqw export " .. format .. ": the export at once")
    check(at_once == through_lua, ":Bqw export " .. format .. ": the bytes of the Lua path")
  end

  -- :Bqw export from a view exports what it shows; --all everything
  vim.cmd("Bqw view list region=粤东")
  local shown_out, all_out = vim.fn.tempname() .. ".json", vim.fn.tempname() .. ".json"
  vim.cmd("Bqw export json " .. shown_out)
  vim.cmd("Bqw export --all json " .. all_out)
  vim.wait(5000, function()
    return vim.fn.filereadable(shown_out) == 1 and vim.fn.filereadable(all_out) == 1
  end, 20)
  local function count_of(f)
    return vim.fn.filereadable(f) == 1 and vim.fn.json_decode(table.concat(vim.fn.readfile(f), "\n")).count
  end
  check(count_of(shown_out) == 4, ":Bqw export: the view's 4 records: " .. tostring(count_of(shown_out)))
  check(count_of(all_out) == 56, ":Bqw export --all: 56: " .. tostring(count_of(all_out)))

  -- check fills the quickfix list and opens it: the known defect, then a note at each
  -- of the 6 repairs
  vim.cmd("Bqw check")
  local qf = vim.fn.getqflist()
  check(#qf == 7 and qf[1].lnum == 1 and qf[1].text:find("known defect", 1, true), "check: quickfix")
  check(vim.bo.buftype == "quickfix", "check: the quickfix window is open")
  vim.cmd("cclose")
  -- byte columns, as the quickfix list counts them: after four Han characters (12
  -- bytes) an invalid byte is at byte 13, character 5
  local bad_file = vim.fn.tempname()
  local bfh = assert(io.open(bad_file, "wb"))
  bfh:write(require("bqw").default_digest():gsub("\n全省政策\n", "\n全省政策\255\n", 1))
  bfh:close()
  nvim.setup({ data = bad_file })
  vim.cmd("Bqw check")
  local bq = vim.fn.getqflist()
  local err_item
  for _, item in ipairs(bq) do
    if item.type == "E" then
      err_item = item
    end
  end
  check(err_item and err_item.col == 13, "check: the byte column: " .. vim.inspect(err_item))
  vim.cmd("cclose")
  nvim.setup({ data = false })

  -- completion of filter values from the data
  nvim.dataset()
  local rc = nvim.complete("region=粤", "Bqw filter region=粤")
  check(vim.deep_equal(rc, { "region=粤北", "region=粤东", "region=粤西" }), "region values complete: " .. table.concat(rc, " "))
  -- a filter word completes the values of the field the schema gives it: issuer the
  -- issuers, year every year a record names (years), not only a target's own year
  rc = nvim.complete("issuer=广东省交", "Bqw filter issuer=广东省交")
  check(vim.deep_equal(rc, { "issuer=广东省交通运输厅" }), "issuer values complete: " .. table.concat(rc, " "))
  rc = nvim.complete("year=202", "Bqw filter year=202")
  check(vim.tbl_contains(rc, "year=2022") and vim.tbl_contains(rc, "year=2027"), "year values complete: " .. table.concat(rc, " "))
  -- prose is the text field's filter word
  rc = nvim.complete("prose=城乡融合发展体制", "Bqw filter prose=城乡融合发展体制")
  check(#rc == 1 and rc[1]:find("^prose=城乡融合发展体制机制") ~= nil, "prose values complete: " .. table.concat(rc, " "))
  check(vim.tbl_contains(nvim.complete("", "Bqw pick "), "search"), "pick completes")

  -- pickers through vim.ui.select
  local saved_select = vim.ui.select
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = { items = items, opts = opts }
    on_choice(items[2])
  end
  vim.cmd("only")
  vim.cmd("Bqw view list region=粤东")
  vim.cmd("Bqw pick records")
  check(offered and #offered.items == 4 and offered.opts.format_item(offered.items[1]):find("L%d+") ~= nil, "pick records: the view's 4")
  check(#api.nvim_list_wins() == 2 and find_line("id") ~= nil, "pick records: the detail opens in a split")
  vim.cmd("only")
  vim.cmd("Bqw pick views")
  check(vim.bo.filetype == "bqw" and nvim.buffers[api.nvim_get_current_buf()].name == offered.items[2].name, "pick views")
  vim.cmd("Bqw pick search 乡村振兴")
  check(offered.opts.format_item(offered.items[1]):find("L%d+") and vim.fn.expand("%:t") == "bqw-digest-2023.txt", "pick search: to the source line")
  vim.cmd("only")
  vim.ui.select = saved_select

  -- plugins, reload, health
  vim.cmd("Bqw plugins")
  check(find_line("region") ~= nil, "plugins listed")
  vim.cmd("Bqw reload")
  vim.cmd("checkhealth bqw")
  check(find_line("OK: bqw.core") ~= nil and find_line("conversion (OpenCC") ~= nil, "checkhealth bqw")
  vim.cmd("bwipeout")
  -- a plugin directory that does not exist is a warning, not OK
  nvim.setup({ plugin_path = { "/nonexistent/bqw-plugins" } })
  vim.cmd("checkhealth bqw")
  local missing = find_line("/nonexistent/bqw-plugins")
  check(missing and lines()[missing]:find("WARN") ~= nil, "checkhealth warns of a missing plugin directory: " .. tostring(missing and lines()[missing]))
  vim.cmd("bwipeout")
  nvim.setup({})

  -- a large view is built by a view job on another thread and drawn in slices (here:
  -- any view over 10 records), with a preview first and timers firing between the
  -- slices; the result is the same
  nvim.setup({})
  local draw = require("bqw.nvim.draw")
  vim.cmd("only")
  vim.cmd("Bqw view tree")
  local want = lines()
  -- the folds, as every fold level shows them: where each line's closed fold starts
  -- and ends
  local function fold_shape()
    local shape = {}
    for level = 0, 4 do
      vim.wo.foldlevel = level
      for l = 1, api.nvim_buf_line_count(0) do
        shape[#shape + 1] = ("%d:%d:%d:%d"):format(level, vim.fn.foldlevel(l), vim.fn.foldclosed(l), vim.fn.foldclosedend(l))
      end
    end
    vim.wo.foldlevel = 99
    return shape
  end
  local want_folds = fold_shape()
  -- fold levels for 'foldexpr' give the folds that :fold makes, also where two folds
  -- start on one line right after others end
  do
    local folds = { { first = 1, last = 2 }, { first = 1, last = 4 }, { first = 5, last = 6 }, { first = 7, last = 8 }, { first = 5, last = 9 } }
    local fbuf = api.nvim_create_buf(false, true)
    api.nvim_buf_set_lines(fbuf, 0, -1, false, { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" })
    api.nvim_win_set_buf(0, fbuf)
    vim.wo.foldmethod = "manual"
    for _, f in ipairs(folds) do
      vim.cmd(("%d,%dfold"):format(f.first, f.last))
    end
    local manual = fold_shape()
    local flines = api.nvim_buf_get_lines(fbuf, 0, -1, false)
    draw.buffers[fbuf] = { view = require("bqw.core").view_of({ lines = flines, folds = folds }), offset = 0 }
    vim.wo.foldmethod = "expr"
    vim.wo.foldexpr = "v:lua.bqw_foldexpr(v:lnum)"
    local by_expr = fold_shape()
    check(vim.deep_equal(manual, by_expr), "fold levels: the folds :fold makes")
    draw.buffers[fbuf] = nil
    vim.cmd("bwipeout! " .. fbuf)
    vim.cmd("Bqw view tree")
  end
  local saved_slice = draw.SLICE_MS
  nvim.setup({ large = 10 })
  draw.SLICE_MS, draw.PREVIEW = 1, 5
  vim.cmd("Bqw view tree")
  local sbuf = api.nvim_get_current_buf()
  -- built on other threads: nothing of the view is drawn when the command returns
  check(vim.b[sbuf].bqw_drawing == 1, "sliced: drawn later")
  local sticks = 0
  local stimer = (vim.uv or vim.loop).new_timer()
  stimer:start(0, 1, function()
    sticks = sticks + 1
  end)
  vim.wait(20000, function()
    return vim.b[sbuf].bqw_drawing == 0
  end, 1)
  stimer:stop()
  stimer:close()
  check(vim.deep_equal(lines(), want), "sliced: the same lines as drawn at once")
  -- the loop ran while the view was drawn; how often depends on the machine's speed
  -- (records now come built from the core, so there is less work to slice)
  check(sticks >= 1, "sliced: timers fired between the slices: " .. sticks)
  -- highlights drawn for the lines on screen (a decoration provider), folds from
  -- 'foldexpr': the same as the manual folds of a view drawn at once
  check(vim.wo.foldmethod == "expr", "sliced: folds by expression: " .. vim.wo.foldmethod)
  local got_folds = fold_shape()
  check(vim.deep_equal(got_folds, want_folds), "sliced: the same folds as drawn at once")
  local groups = {}
  for _, h in ipairs(draw.line_highlights(sbuf, 3)) do
    groups[#groups + 1] = h[3]
  end
  check(#groups > 0, "sliced: highlights for a line: " .. table.concat(groups, " "))
  api.nvim_win_set_cursor(0, { 1, 0 })
  nvim.keymap_actions.next(sbuf)
  check(nvim.buffers[sbuf].result.ids[api.nvim_win_get_cursor(0)[1]] ~= nil, "sliced: ]] to a record")
  check(nvim.buffers[sbuf].view ~= nil, "sliced: the view is held in C")
  -- s sorts a large table view through a new job; the live filter narrows it
  vim.cmd("Bqw view table")
  local ltbuf = api.nvim_get_current_buf()
  vim.wait(20000, function()
    return vim.b[ltbuf].bqw_drawing == 0
  end, 1)
  local lheader = lines()[1]
  api.nvim_win_set_cursor(0, { 1, lheader:find("city", 1, true) - 1 })
  nvim.keymap_actions.sort(ltbuf)
  vim.wait(20000, function()
    return vim.b[ltbuf].bqw_drawing == 0
  end, 1)
  check(lines()[3]:find("潮州", 1, true) ~= nil, "sorted large table: 潮州 first: " .. lines()[3])
  require("bqw.nvim.filter").apply(ltbuf, "region=粤北")
  vim.wait(20000, function()
    return vim.b[ltbuf].bqw_drawing == 0
  end, 1)
  check(lines()[1]:find("filter: region=粤北 — 5 records", 1, true) ~= nil, "filtered large table: " .. lines()[1])
  vim.cmd("bwipeout")
  draw.SLICE_MS = saved_slice
  nvim.setup({})
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
  -- the dataset a reload replaces is freed (nothing of the plugin holds it)
  local replaced = setmetatable({ require("bqw.nvim.data").current() }, { __mode = "v" })
  check(replaced[1] ~= nil, "a dataset before the reload")
  local text = require("bqw").default_digest():gsub("\n2035年\n", "\n2040年\n再添一項目標。\n2035年\n")
  vim.fn.writefile(vim.split(text, "\n", { plain = true }), data, "b")
  vim.wait(5000, function()
    return #lines(buf) == 57
  end, 20)
  check(#lines(buf) == 57, "the view refreshed after the file changed: " .. #lines(buf))
  vim.wait(1000, function()
    return replaced[1] == nil
  end, 20)
  check(replaced[1] == nil, "the replaced dataset is freed after a reload")

  local c = nvim.complete("t", "Bqw view t")
  check(vim.tbl_contains(c, "table") and vim.tbl_contains(c, "tree") and vim.tbl_contains(c, "timeline"), "completion")
  local bad_ok, bad = pcall(vim.cmd, "Bqw nosuch")
  check(not bad_ok and tostring(bad):find('unknown subcommand "nosuch"', 1, true) ~= nil, "a clear error for a bad subcommand")
end)
