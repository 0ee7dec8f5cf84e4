--- bqw inside Neovim: the :Bqw command, views drawn into scratch buffers (highlights,
--- folds, the record behind each line), keymaps, a live filter, background loading on
--- Neovim's own loop, and views that refresh when the data file changes.
--- The views are the same plugins the command line draws.
local bqw = require("bqw")
local view_util = require("bqw.view_util")

local M = {}

local api = vim.api
local uv = vim.uv or vim.loop
local ns = api.nvim_create_namespace("bqw")

M.defaults = {
  default_view = "tree", -- the view :Bqw opens
  float = false, -- <CR> opens a record's detail in a float instead of a split
  debounce = 150, -- ms the live filter waits after a keystroke
  keymaps = {
    open = "<CR>",
    next = "]]",
    prev = "[[",
    filter = "/",
    export = "e",
    yank = "y",
    source = "gs",
    close = "q",
    help = "g?",
  },
}

M.config = vim.deepcopy(M.defaults)

--- The view result behind each bqw buffer: M.buffers[buf] = { result, name, where,
--- header } where result.ids[line] is a record id.
M.buffers = {}

local state = { dataset = nil, waiting = nil, loop = nil, watcher = nil }

local function notify(msg, level)
  vim.notify("bqw: " .. msg, level or vim.log.levels.INFO)
end

--- A message from a background callback: one line that fits the echo area, so it
--- never asks for hit-enter.
local function notify_line(msg, level)
  msg = "bqw: " .. tostring(msg):gsub("%s*\n%s*", "; ")
  local room = math.max(20, vim.o.columns - 12)
  if vim.fn.strdisplaywidth(msg) > room then
    msg = vim.fn.strcharpart(msg, 0, room - 1) .. "…"
    while vim.fn.strdisplaywidth(msg) > room do
      msg = vim.fn.strcharpart(msg, 0, vim.fn.strchars(msg) - 2) .. "…"
    end
  end
  vim.notify(msg, level or vim.log.levels.INFO)
end

--- Redraws the screen so a change made from a callback shows without a key press.
local function redraw()
  vim.cmd("redraw")
end

-- ---- setup ---------------------------------------------------------------------------

local CORE_OPTIONS = { data = true, script = true, plugin_path = true, ambiwidth = true }

--- Merges and validates options; a bad one raises with its name. Options: those of
--- bqw.setup (data, script, plugin_path, ambiwidth: default from 'ambiwidth'), and
--- default_view, float, debounce, keymaps = { action = lhs or false }.
function M.setup(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bqw.nvim.setup: expected a table of options", 2)
  end
  local core_opts = {}
  for k, v in pairs(opts) do
    if CORE_OPTIONS[k] then
      core_opts[k] = v
    elseif M.defaults[k] == nil then
      local known = vim.tbl_keys(M.defaults)
      vim.list_extend(known, vim.tbl_keys(CORE_OPTIONS))
      table.sort(known)
      error(("bqw.nvim.setup: unknown option %q (known: %s)"):format(tostring(k), table.concat(known, ", ")), 2)
    end
  end
  if core_opts.ambiwidth == nil then
    core_opts.ambiwidth = vim.o.ambiwidth == "double" and 2 or 1
  end
  bqw.setup(core_opts)
  local config = vim.deepcopy(M.defaults)
  if opts.default_view ~= nil then
    if type(opts.default_view) ~= "string" or not require("bqw.plugins").get("view", opts.default_view) then
      error(("bqw.nvim.setup: default_view %q is no view plugin"):format(tostring(opts.default_view)), 2)
    end
    config.default_view = opts.default_view
  end
  if opts.float ~= nil then
    if type(opts.float) ~= "boolean" then
      error("bqw.nvim.setup: float must be true or false", 2)
    end
    config.float = opts.float
  end
  if opts.debounce ~= nil then
    if type(opts.debounce) ~= "number" or opts.debounce < 0 then
      error("bqw.nvim.setup: debounce must be a number of milliseconds >= 0", 2)
    end
    config.debounce = opts.debounce
  end
  for action, lhs in pairs(opts.keymaps or {}) do
    if config.keymaps[action] == nil then
      error(("bqw.nvim.setup: keymaps.%s is no action (%s)"):format(tostring(action), table.concat(vim.tbl_keys(M.defaults.keymaps), ", ")), 2)
    end
    if lhs ~= false and type(lhs) ~= "string" then
      error(("bqw.nvim.setup: keymaps.%s must be a key sequence or false"):format(action), 2)
    end
    config.keymaps[action] = lhs
  end
  M.config = config
  M.reset()
  return M
end

-- ---- the dataset, loaded in the background -----------------------------------------

--- The loop bqw's background work runs on: Neovim's own (through luv), or, where that
--- is not reachable, bqw's own polled by Neovim's.
function M.loop()
  if not state.loop then
    state.loop = bqw.loop({ host = true })
    if not state.loop then
      state.loop = assert(bqw.loop()):attach(uv)
    end
  end
  return state.loop
end

--- Forgets the dataset and stops watching; the next use loads again.
function M.reset()
  if state.watcher then
    state.watcher.stop()
    state.watcher = nil
  end
  state.dataset = nil
end

--- Re-draws every open bqw buffer from the current dataset.
function M.refresh_all()
  for buf, b in pairs(M.buffers) do
    if api.nvim_buf_is_valid(buf) and b.name then
      M.render_into(buf, b.name, b.where, b.header)
    end
  end
end

local function short(path)
  return vim.fn.fnamemodify(path, ":~:.")
end

-- The watcher's callback runs on the loop (a fast event): everything it does goes
-- through vim.schedule. A broken file keeps the last good dataset and says why once.
local function watch(path)
  if state.watcher or not path then
    return
  end
  state.watcher = M.loop():watch(path, { debounce = 100 }, vim.schedule_wrap(function(ds, err, diagnostics)
    if ds then
      state.dataset = ds
      state.broken = nil
      M.refresh_all()
      notify_line(("reloaded %s"):format(short(path)))
      return redraw()
    end
    local why = err
    for _, d in ipairs(diagnostics or {}) do
      if d.severity == "error" then
        why = d.formatted
        break
      end
    end
    why = tostring(why):gsub(vim.pesc(path), short(path))
    if state.broken ~= why then
      state.broken = why
      notify_line(("the last good data stays: %s"):format(why), vim.log.levels.WARN)
    end
    redraw()
  end))
end

--- Calls fn(ds) with the dataset: at once when loaded, else after a background load of
--- the data file on the loop (the shipped digest, being in memory, loads at once).
function M.with_dataset(fn)
  if state.dataset then
    return fn(state.dataset)
  end
  local path = bqw.default_path()
  if not path then
    local ds, err = bqw.load()
    if not ds then
      return notify(err, vim.log.levels.ERROR)
    end
    state.dataset = ds
    return fn(ds)
  end
  if state.waiting then
    table.insert(state.waiting, fn)
    return
  end
  state.waiting = { fn }
  M.loop():load(path, vim.schedule_wrap(function(ds, err)
    local waiting = state.waiting
    state.waiting = nil
    if not ds then
      notify_line(err, vim.log.levels.ERROR)
      return redraw()
    end
    state.dataset = ds
    watch(path)
    for _, f in ipairs(waiting) do
      local ok, ferr = pcall(f, ds)
      if not ok then
        notify_line(ferr, vim.log.levels.ERROR)
      end
    end
    redraw()
  end))
end

--- The dataset now, loading it synchronously if need be (for Lua callers).
function M.dataset()
  local result
  M.with_dataset(function(ds)
    result = ds
  end)
  vim.wait(10000, function()
    return result ~= nil or state.waiting == nil
  end, 10)
  return result or state.dataset
end

-- ---- drawing -----------------------------------------------------------------------

local function highlights()
  for group, link in pairs(view_util.GROUPS) do
    api.nvim_set_hl(0, group, { link = link, default = true })
  end
end

--- A result with a header line in front (ids, highlights and folds shifted).
local function with_header(result, header)
  if not header then
    return result
  end
  local out = { lines = { header }, highlights = { { line = 1, first = 0, last = #header, group = "BqwDim" } }, folds = {}, ids = {} }
  for i, l in ipairs(result.lines) do
    out.lines[i + 1] = l
  end
  for _, h in ipairs(result.highlights) do
    out.highlights[#out.highlights + 1] = { line = h.line + 1, first = h.first, last = h.last, group = h.group }
  end
  for _, f in ipairs(result.folds) do
    out.folds[#out.folds + 1] = { first = f.first + 1, last = f.last + 1 }
  end
  for line, id in pairs(result.ids) do
    out.ids[line + 1] = id
  end
  return out
end

local keymap_actions -- defined below

--- Puts a view result into buf (a bqw buffer), with highlights, folds and keymaps.
function M.draw_into(buf, result, meta)
  highlights()
  api.nvim_buf_set_option(buf, "modifiable", true)
  api.nvim_buf_set_lines(buf, 0, -1, false, result.lines)
  api.nvim_buf_set_option(buf, "modifiable", false)
  api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, h in ipairs(result.highlights) do
    api.nvim_buf_add_highlight(buf, ns, h.group, h.line - 1, h.first, h.last)
  end
  local b = M.buffers[buf] or {}
  b.result, b.name, b.where, b.header = result, meta.name, meta.where, meta.header
  M.buffers[buf] = b
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    api.nvim_win_call(win, function()
      vim.wo.foldmethod = "manual"
      vim.wo.foldenable = true
      vim.cmd("silent! normal! zE")
      for _, f in ipairs(result.folds) do
        vim.cmd(("silent! %d,%dfold"):format(f.first, f.last))
      end
      vim.cmd("silent! normal! zR")
    end)
  end
end

--- A new scratch buffer shown in the current window.
local function new_buffer(title)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_option(buf, "buftype", "nofile")
  api.nvim_buf_set_option(buf, "bufhidden", "wipe")
  api.nvim_buf_set_option(buf, "swapfile", false)
  pcall(api.nvim_buf_set_name, buf, ("bqw://%s/%d"):format(title, buf))
  api.nvim_win_set_buf(0, buf)
  api.nvim_buf_set_option(buf, "filetype", "bqw")
  for action, lhs in pairs(M.config.keymaps) do
    if lhs then
      api.nvim_buf_set_keymap(buf, "n", lhs, "", {
        nowait = true,
        silent = true,
        desc = "bqw: " .. action,
        callback = function()
          keymap_actions[action](buf)
        end,
      })
    end
  end
  api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    once = true,
    callback = function()
      M.buffers[buf] = nil
    end,
  })
  return buf
end

--- Renders view `name` (where: an expression or nil) into buf.
function M.render_into(buf, name, where, header)
  M.with_dataset(function(ds)
    local width = api.nvim_win_get_width(vim.fn.bufwinid(buf) ~= -1 and vim.fn.bufwinid(buf) or 0)
    local result, err = ds:view(name, { where = where, width = width })
    if not result then
      return notify(err, vim.log.levels.ERROR)
    end
    M.draw_into(buf, with_header(result, header), { name = name, where = where, header = header })
  end)
end

--- Shows a view in a new scratch buffer: name (default config.default_view), where.
function M.show(name, where)
  name = name or M.config.default_view
  local ok, err = require("bqw.plugins").get("view", name)
  if not ok then
    return notify(err, vim.log.levels.ERROR)
  end
  local buf = new_buffer(name)
  M.render_into(buf, name, where)
  return buf
end

-- ---- keymaps ---------------------------------------------------------------------

local function id_under_cursor(buf)
  local b = M.buffers[buf]
  local line = api.nvim_win_get_cursor(0)[1]
  return b and b.result and b.result.ids[line]
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

--- The digest file the records came from: the data file, or the shipped one.
function M.source_file()
  local path = bqw.default_path()
  if path then
    return path
  end
  local source = debug.getinfo(1, "S").source:match("^@(.*)/lua/bqw/nvim%.lua$")
  return source and (source .. "/data/bqw-digest-2023.txt") or nil
end

local function move(buf, step)
  local b = M.buffers[buf]
  if not (b and b.result) then
    return
  end
  local line = api.nvim_win_get_cursor(0)[1]
  local here = b.result.ids[line]
  local n = #b.result.lines
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

--- Turns typed text into a filter: an expression when it parses, else a text search.
function M.filter_expression(text)
  text = vim.trim(text or "")
  if text == "" then
    return nil
  end
  if require("bqw.query").parse(text) then
    return text
  end
  return ('text~"%s"'):format(text:gsub("\\", "\\\\"):gsub('"', '\\"'))
end

--- The live filter: a prompt that narrows the view as you type (debounced), with the
--- match count in the buffer's first line.
function M.live_filter(buf)
  local b = M.buffers[buf]
  if not b then
    return
  end
  local name, original = b.name, b.where
  local timer = uv.new_timer()
  local function apply(text)
    local expr = M.filter_expression(text)
    M.with_dataset(function(ds)
      local combined = expr
      if original and expr then
        combined = ("(%s) (%s)"):format(original, expr)
      elseif original then
        combined = original
      end
      local ok, n = pcall(function()
        return ds:query(combined):count()
      end)
      local header = expr and (ok and ("filter: %s — %d records"):format(text, n) or ("filter: %s — not an expression"):format(text)) or nil
      if ok then
        M.render_into(buf, name, combined, header)
      end
    end)
  end
  local group = api.nvim_create_augroup("bqw_live_filter", { clear = true })
  api.nvim_create_autocmd("CmdlineChanged", {
    group = group,
    callback = function()
      local text = vim.fn.getcmdline()
      timer:stop()
      timer:start(M.config.debounce, 0, vim.schedule_wrap(function()
        apply(text)
        vim.cmd("redraw")
      end))
    end,
  })
  local ok, text = pcall(vim.fn.input, "bqw filter: ")
  api.nvim_del_augroup_by_id(group)
  timer:stop()
  timer:close()
  if ok then
    apply(text)
  else
    M.render_into(buf, name, original)
  end
end

--- Exports what the buffer shows: asks for a format and a file, then exports in the
--- background with progress in the echo area.
function M.export(format, path, where)
  M.with_dataset(function(ds)
    local last = -1
    local job, err = M.loop():export(ds, format, { output = path, where = where }, {
      progress = function(done, total)
        local pct = total > 0 and math.floor(100 * done / total) or 100
        if pct ~= last then
          last = pct
          vim.schedule(function()
            api.nvim_echo({ { ("bqw: exporting %s %d%%"):format(short(path), pct) } }, false, {})
          end)
        end
      end,
      done = vim.schedule_wrap(function(ok, message)
        if ok then
          notify_line(("wrote %s"):format(short(path)))
        else
          notify_line(("export failed: %s"):format(message), vim.log.levels.ERROR)
        end
      end),
    })
    if not job then
      notify(err, vim.log.levels.ERROR)
    end
  end)
end

keymap_actions = {
  open = function(buf)
    local id = id_under_cursor(buf)
    if not id then
      return
    end
    if M.config.float then
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
    M.show("detail", "id=" .. id)
  end,
  next = function(buf)
    move(buf, 1)
  end,
  prev = function(buf)
    move(buf, -1)
  end,
  filter = function(buf)
    M.live_filter(buf)
  end,
  export = function(buf)
    local b = M.buffers[buf]
    vim.ui.input({ prompt = "bqw export format: ", default = "csv" }, function(format)
      if not format or format == "" then
        return
      end
      vim.ui.input({ prompt = "bqw export to: ", default = "bqw." .. format, completion = "file" }, function(path)
        if path and path ~= "" then
          M.export(format, path, b and b.where)
        end
      end)
    end)
  end,
  yank = function(buf)
    local id = id_under_cursor(buf)
    if not id then
      return
    end
    M.with_dataset(function(ds)
      local md = M.markdown(ds:record(id))
      vim.fn.setreg('"', md)
      notify(("record %d yanked as Markdown"):format(id))
    end)
  end,
  source = function(buf)
    local id = id_under_cursor(buf)
    local file = M.source_file()
    if not (id and file) then
      return
    end
    M.with_dataset(function(ds)
      local r = ds:record(id)
      local line = r.line
      local b = M.buffers[buf]
      local cursor = api.nvim_win_get_cursor(0)[1]
      -- on a measure's line, jump to that measure
      for i, m in ipairs(r.measures or {}) do
        if b and b.result.lines[cursor]:find(m:sub(1, 12), 1, true) then
          line = r.measure_lines[i]
        end
      end
      vim.cmd(("edit +%d %s"):format(line, vim.fn.fnameescape(file)))
    end)
  end,
  close = function()
    vim.cmd("bwipeout")
  end,
  help = function()
    local lines = {}
    for _, action in ipairs({ "open", "next", "prev", "filter", "export", "yank", "source", "close", "help" }) do
      local lhs = M.config.keymaps[action]
      if lhs then
        lines[#lines + 1] = ("%-6s %s"):format(lhs, action)
      end
    end
    notify("keys:\n" .. table.concat(lines, "\n"))
  end,
}

M.keymap_actions = keymap_actions

-- ---- :Bqw -------------------------------------------------------------------------

local subcommands = {}

function subcommands.view(args)
  local name = table.remove(args, 1)
  local where = #args > 0 and table.concat(args, " ") or nil
  return M.show(name, where)
end

function subcommands.filter(args)
  return M.show(M.config.default_view, table.concat(args, " "))
end

function subcommands.search(args)
  local pinyin = false
  if args[1] == "--pinyin" then
    pinyin = true
    table.remove(args, 1)
  end
  local query = table.concat(args, " ")
  M.with_dataset(function(ds)
    local result, err = ds:search(query, { limit = 500, pinyin = pinyin })
    if not result then
      return notify(err, vim.log.levels.ERROR)
    end
    local b = view_util.builder()
    for _, hit in ipairs(result.hits) do
      local text = view_util.one_line(hit.text)
      local segments, pos = { { ("%3d %-8s "):format(hit.id, hit.field), "BqwDim" } }, 0
      for _, s in ipairs(hit.spans) do
        segments[#segments + 1] = text:sub(pos + 1, s[1])
        segments[#segments + 1] = { text:sub(s[1] + 1, s[2]), "BqwMatch" }
        pos = s[2]
      end
      segments[#segments + 1] = text:sub(pos + 1)
      b:line(segments, hit.id)
    end
    local buf = new_buffer("search")
    M.draw_into(buf, with_header(b:result(), ("search: %s — %d of %d matching fields"):format(query, #result.hits, result.total)), {})
  end)
end

function subcommands.export(args)
  local format, path = args[1], args[2]
  if not (format and path) then
    return notify("usage: :Bqw export FORMAT PATH [EXPR]", vim.log.levels.ERROR)
  end
  local where = #args > 2 and table.concat(args, " ", 3) or nil
  M.export(format, path, where)
end

function subcommands.check()
  local path = M.source_file()
  local result, err = bqw.check(bqw.default_path())
  if not result then
    return notify(err, vim.log.levels.ERROR)
  end
  local items = {}
  for _, d in ipairs(result.diagnostics) do
    items[#items + 1] = {
      filename = result.name:find("^%(embedded%)") and path or result.name,
      lnum = d.line,
      col = d.col,
      text = d.message,
      type = d.severity:sub(1, 1):upper(),
    }
  end
  vim.fn.setqflist({}, " ", { title = "bqw check " .. result.name, items = items })
  notify(("%d diagnostics in the quickfix list"):format(#items))
end

function subcommands.reload()
  M.reset()
  M.with_dataset(function(ds)
    notify(("reloaded: %d records"):format(ds:count()))
    M.refresh_all()
  end)
end

function subcommands.plugins()
  local b = view_util.builder()
  for _, p in ipairs(require("bqw.plugins").list()) do
    b:line({ { ("%-7s"):format(p.kind), "BqwKind" }, { ("%-10s"):format(p.name), "BqwTitle" }, { ("%-8s"):format(p.origin), "BqwDim" }, p.description })
  end
  for _, p in ipairs(require("bqw.plugins").problems()) do
    b:line({ { "not loaded: " .. p.message, "ErrorMsg" } })
  end
  local buf = new_buffer("plugins")
  M.draw_into(buf, b:result(), {})
end

--- :Bqw [view NAME [EXPR] | filter EXPR | search [--pinyin] QUERY | export FORMAT PATH
--- [EXPR] | check | reload | plugins]
function M.command(fargs)
  local args = {}
  for i, a in ipairs(fargs or {}) do
    args[i] = a
  end
  if #args == 0 then
    return M.show()
  end
  local sub = table.remove(args, 1)
  local fn = subcommands[sub]
  if not fn then
    local names = vim.tbl_keys(subcommands)
    table.sort(names)
    return notify(("unknown subcommand %q (%s)"):format(sub, table.concat(names, ", ")), vim.log.levels.ERROR)
  end
  local ok, err = pcall(fn, args)
  if not ok then
    notify(tostring(err), vim.log.levels.ERROR)
  end
end

--- Completion for :Bqw: subcommands, then view or export names, then filter words.
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, "%s+", { trimempty = false })
  local candidates = {}
  if #words <= 2 then
    candidates = vim.tbl_keys(subcommands)
  elseif (words[2] == "view" or words[2] == "export") and #words == 3 then
    for _, p in ipairs(require("bqw.plugins").list(words[2])) do
      candidates[#candidates + 1] = p.name
    end
  elseif words[2] == "view" or words[2] == "filter" then
    for _, p in ipairs(require("bqw.plugins").list("filter")) do
      candidates[#candidates + 1] = p.name .. "="
    end
  end
  table.sort(candidates)
  return vim.tbl_filter(function(c)
    return c:sub(1, #arglead) == arglead
  end, candidates)
end

return M
