--- What the keys in a bqw buffer do: one ordered list of actions { name, lhs, desc,
--- fn }, from which come the default keymaps, the g? list and the keymap section of
--- :help bqw-keymaps (tests/nvim/commands.lua checks the help against it).
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")
local view_util = require("bqw.view_util")

local M = {}

local api = vim.api

local function config()
  return require("bqw.nvim").config
end

--- A record as Markdown: its title, fields and measures.
function M.markdown(r)
  local out = { "## " .. view_util.label(r), "" }
  for _, k in ipairs({ "kind", "section_title", "category", "city", "region", "date", "year", "line" }) do
    if r[k] ~= nil then
      out[#out + 1] = ("- **%s**: %s"):format(k, tostring(r[k]))
    end
  end
  if r.issuers and #r.issuers > 0 then
    out[#out + 1] = "- **issuers**: " .. table.concat(r.issuers, "; ")
  end
  if r.text then
    out[#out + 1] = ""
    out[#out + 1] = r.text
  end
  for i, m in ipairs(r.measures or {}) do
    if i == 1 then
      out[#out + 1] = ""
    end
    out[#out + 1] = ("%d. %s (L%d)"):format(i, m, r.measure_lines[i])
  end
  return table.concat(out, "\n") .. "\n"
end

--- The ids of the records buf shows, each once, in the order it shows them (the
--- line of each record's first appearance); nil when buf is no bqw buffer with a
--- view or search results.
function M.shown_ids(buf)
  local result = draw.buffer_field(buf, "result")
  if not result then
    return nil
  end
  local ids, seen = {}, {}
  for l = 1, result.n or #result.lines do
    local id = result.ids[l]
    if id and not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  return ids
end

--- Exports in the background with progress in the echo area: format, path, where
--- (nil for every record), ids (nil, or the records to export in that order: what a
--- view shows, M.shown_ids; where narrows them).
function M.export(format, path, where, ids)
  data.with_dataset(function(ds)
    local last = -1
    -- a warning of the export (a cell cut to Excel's limit) as a notification, not on
    -- the editor's stderr
    local function warn(message)
      vim.schedule(function()
        data.notify(message, vim.log.levels.WARN)
      end)
    end
    local job, err = data.loop():export(ds, format, { output = path, where = where, ids = ids, warn = warn }, {
      progress = function(done, total)
        local pct = total > 0 and math.floor(100 * done / total) or 100
        if pct ~= last then
          last = pct
          vim.schedule(function()
            api.nvim_echo({ { ("bqw: exporting %s %d%%"):format(data.short(path), pct) } }, false, {})
          end)
        end
      end,
      done = vim.schedule_wrap(function(ok, message)
        if ok then
          data.notify_line(("wrote %s"):format(data.short(path)))
        else
          data.notify_line(("export failed: %s"):format(message), vim.log.levels.ERROR)
        end
      end),
    })
    if not job then
      data.notify(err, vim.log.levels.ERROR)
    end
  end)
end

--- The source line of what is under the cursor: the record's, or its measure's.
local function source_line(buf, r)
  local line = r.line
  local b = draw.buffers[buf]
  local text = b and b.result and b.result.lines[api.nvim_win_get_cursor(0)[1]] or ""
  for i, m in ipairs(r.measures or {}) do
    if text:find(m:sub(1, 12), 1, true) then
      line = r.measure_lines[i]
    end
  end
  return line
end

--- Opens file in a split at line, the view staying in its window.
function M.open_source(file, line)
  vim.cmd(("split +%d %s"):format(line, vim.fn.fnameescape(file)))
  vim.cmd("normal! zz")
end

--- The cleaned text of every record at its source lines, as a list of lines as long
--- as the file (a line no record comes from is empty).
local function cleaned_lines(ds, nlines)
  local out = {}
  for i = 1, nlines do
    out[i] = ""
  end
  local function put(line, text)
    if line and line >= 1 and line <= nlines and text then
      out[line] = view_util.one_line(text)
    end
  end
  for _, r in ipairs(ds:records()) do
    put(r.line, r.title or r.headline or r.text or r.section_title or r.category)
    for i, m in ipairs(r.measures or {}) do
      put(r.measure_lines[i], m)
    end
  end
  return out
end

local function with_record(buf, fn)
  local id = draw.id_under_cursor(buf)
  if not id then
    return
  end
  data.with_dataset(function(ds)
    fn(ds, ds:record(id))
  end)
end

local function source(buf)
  local file = data.source_file()
  with_record(buf, function(_, r)
    if file then
      M.open_source(file, source_line(buf, r))
    end
  end)
end

local function cleaned(buf)
  local file = data.source_file()
  with_record(buf, function(ds, r)
    if not file then
      return
    end
    local line = source_line(buf, r)
    M.open_source(file, line)
    vim.wo.scrollbind = true
    vim.wo.cursorbind = true
    local source_win, source_buf = api.nvim_get_current_win(), api.nvim_get_current_buf()
    local n = api.nvim_buf_line_count(0)
    vim.cmd("vsplit")
    local clean = api.nvim_create_buf(false, true)
    api.nvim_buf_set_option(clean, "bufhidden", "wipe")
    api.nvim_win_set_buf(0, clean)
    pcall(api.nvim_buf_set_name, clean, "bqw://cleaned/" .. clean)
    api.nvim_buf_set_lines(clean, 0, -1, false, cleaned_lines(ds, n))
    api.nvim_buf_set_option(clean, "modifiable", false)
    api.nvim_win_set_cursor(0, { line, 0 })
    vim.wo.scrollbind = true
    vim.wo.cursorbind = true
    vim.cmd("syncbind")
    M.close_pair_with(config().keymaps.close, api.nvim_get_current_win(), clean, source_win, source_buf)
  end)
end

--- The close key (lhs, or nil: none) in the gS pair: in either window it closes both,
--- back to the view. The source file's buffer has the key only while the pair is open
--- (and only when it has no mapping of its own for it).
function M.close_pair_with(lhs, clean_win, clean, source_win, source_buf)
  if not lhs then
    return
  end
  local on_source = api.nvim_buf_call(source_buf, function()
      return vim.fn.maparg(lhs, "n", false, true).buffer ~= 1
    end)
  local function unmap()
    if on_source and api.nvim_buf_is_valid(source_buf) then
      pcall(api.nvim_buf_del_keymap, source_buf, "n", lhs)
      on_source = false
    end
  end
  local function close()
    unmap()
    for _, win in ipairs({ clean_win, source_win }) do
      if api.nvim_win_is_valid(win) and #api.nvim_list_wins() > 1 then
        pcall(api.nvim_win_close, win, false)
      end
    end
  end
  local opts = { nowait = true, silent = true, desc = "bqw: close the source and its cleaned text", callback = close }
  api.nvim_buf_set_keymap(clean, "n", lhs, "", opts)
  if on_source then
    api.nvim_buf_set_keymap(source_buf, "n", lhs, "", opts)
  end
  api.nvim_create_autocmd("BufWipeout", { buffer = clean, once = true, callback = unmap })
end

local function open(buf)
  local id = draw.id_under_cursor(buf)
  if not id then
    return
  end
  if config().float then
    -- a float holding a placeholder, which the detail view then replaces
    local placeholder = api.nvim_create_buf(false, true)
    api.nvim_buf_set_option(placeholder, "bufhidden", "wipe")
    local width = math.min(100, vim.o.columns - 4)
    api.nvim_open_win(placeholder, true, {
      relative = "editor",
      width = width,
      height = math.min(30, vim.o.lines - 4),
      row = 2,
      col = math.floor((vim.o.columns - width) / 2),
      border = "rounded",
    })
  else
    vim.cmd("split")
  end
  draw.show("detail", "id=" .. id)
end

local function move(buf, step)
  local b = draw.buffers[buf]
  if not (b and b.result) then
    return
  end
  local line = api.nvim_win_get_cursor(0)[1]
  local here = b.result.ids[line]
  -- a large view goes into the buffer a slice at a time: only to lines already there
  local n = math.min(b.result.n or #b.result.lines, api.nvim_buf_line_count(buf))
  local i = line + step
  while i >= 1 and i <= n do
    local id = b.result.ids[i]
    if id and id ~= here and (step > 0 or b.result.ids[i - 1] ~= id) then
      api.nvim_win_set_cursor(0, { i, 0 })
      return
    end
    i = i + step
  end
end

--- The export formats starting with arglead (the e prompt's completion).
function M.export_formats(arglead)
  local out = {}
  for _, p in ipairs(require("bqw.plugins").list("export")) do
    if p.name:sub(1, #arglead) == arglead then
      out[#out + 1] = p.name
    end
  end
  return out
end

-- input()'s completion takes a Vim function (v:lua is not accepted there on 0.7)
vim.cmd([[
function! BqwExportFormats(arglead, cmdline, pos) abort
  return luaeval('require("bqw.nvim.actions").export_formats(_A)', a:arglead)
endfunction
]])

local function export(buf)
  local ids = M.shown_ids(buf)
  local prompt = { prompt = "bqw export format: ", default = "csv", completion = "customlist,BqwExportFormats" }
  data.input(prompt, function(format)
    if not format or format == "" then
      return
    end
    data.input({ prompt = "bqw export to: ", default = "bqw." .. format, completion = "file" }, function(path)
      if path and path ~= "" then
        M.export(format, path, nil, ids)
      end
    end)
  end)
end

local function yank(buf)
  with_record(buf, function(_, r)
    vim.fn.setreg('"', M.markdown(r))
    data.notify(("record %d yanked as Markdown"):format(r.id))
  end)
end

--- The actions, in the order g? and the help list them. desc is the help's text.
M.list = {
  { name = "open", lhs = "<CR>", desc = "the record under the cursor in full, in a split (or a float)", fn = open },
  {
    name = "next",
    lhs = "]]",
    desc = "the next record",
    fn = function(buf)
      move(buf, 1)
    end,
  },
  {
    name = "prev",
    lhs = "[[",
    desc = "the previous record",
    fn = function(buf)
      move(buf, -1)
    end,
  },
  {
    name = "filter",
    lhs = "/",
    desc = "the live filter, starting with the current one: an expression or text to search; empty or <Esc> clears it",
    fn = function(buf)
      require("bqw.nvim.filter").live(buf)
    end,
  },
  { name = "sort", lhs = "s", desc = "sort a table view by the column under the cursor (again: reverse)", fn = draw.sort_by_cursor },
  { name = "export", lhs = "e", desc = "export what the view shows (asks for a format and a file, <Tab> completing each)", fn = export },
  { name = "yank", lhs = "Y", desc = "yank the record as Markdown into the unnamed register", fn = yank },
  { name = "source", lhs = "gs", desc = "the record's source line in the digest, in a split", fn = source },
  { name = "cleaned", lhs = "gS", desc = "the source beside its cleaned text, scrolling together; q (close) in either closes both", fn = cleaned },
  {
    name = "codes",
    lhs = "gc",
    desc = "the codes of the record under the cursor, each measure's (:Bqw code lists every coding)",
    fn = function(buf)
      require("bqw.nvim.code").show_codes(buf)
    end,
  },
  {
    name = "pick",
    lhs = "gp",
    desc = "pick a record of this view (vim.ui.select)",
    fn = function(buf)
      require("bqw.nvim.pick").records(buf)
    end,
  },
  {
    name = "close",
    lhs = "q",
    desc = "close the view",
    fn = function()
      vim.cmd("bwipeout")
    end,
  },
  {
    name = "help",
    lhs = "g?",
    desc = "list these keys",
    fn = function()
      M.show_help()
    end,
  },
}

--- { name = fn(buf) } for every action.
M.by_name = {}
for _, a in ipairs(M.list) do
  M.by_name[a.name] = a.fn
end

--- The default keymaps: { name = lhs }.
function M.defaults()
  local out = {}
  for _, a in ipairs(M.list) do
    out[a.name] = a.lhs
  end
  return out
end

--- Maps the configured keys in buf.
function M.attach(buf)
  for _, a in ipairs(M.list) do
    local lhs = config().keymaps[a.name]
    if lhs then
      api.nvim_buf_set_keymap(buf, "n", lhs, "", {
        nowait = true,
        silent = true,
        desc = "bqw: " .. a.desc,
        callback = function()
          a.fn(buf)
        end,
      })
    end
  end
end

--- The lines of the keymap list: "lhs    desc", for the configured keys (or, with
--- defaults = true, the default ones, as the help lists them).
function M.help_lines(defaults)
  local lines = {}
  for _, a in ipairs(M.list) do
    local lhs = defaults and a.lhs or config().keymaps[a.name]
    if lhs then
      lines[#lines + 1] = ("%-6s %s"):format(lhs, a.desc)
    end
  end
  return lines
end

--- The keymap section of doc/bqw.txt, as the help shows it (wrapped to 78 columns).
function M.help_section()
  local out = {}
  for _, a in ipairs(M.list) do
    local words, line = vim.split(a.desc, " ", { plain = true }), ("    %-6s "):format(a.lhs)
    for _, w in ipairs(words) do
      if #line + 1 + #w > 78 and line:find("%S%s*$") and #line > 11 then
        out[#out + 1] = line
        line = string.rep(" ", 11) .. w
      else
        line = line .. ((line:sub(-1) == " ") and "" or " ") .. w
      end
    end
    out[#out + 1] = line
  end
  return out
end

--- g?: the keys in a float-free message list (one line each).
function M.show_help()
  data.notify("keys:\n" .. table.concat(M.help_lines(), "\n"))
end

return M
