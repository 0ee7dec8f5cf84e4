--- Views drawn into scratch buffers: the lines, highlights, folds and the record
--- behind each line, a status line on top (the live filter and its count), the table
--- header kept in sight, sorting by a column.
local view_util = require("bqw.view_util")
local data = require("bqw.nvim.data")

local M = {}

local api = vim.api
local ns = api.nvim_create_namespace("bqw")
local match_ns = api.nvim_create_namespace("bqw_match")

--- The state behind each bqw buffer: M.buffers[buf] = { result, name, where (the
--- view's own filter), filter (the live filter's text), expr (its expression),
--- status (the first line, or nil), sort = { column, desc }, terms (to highlight) },
--- where result.ids[line] is a record id.
M.buffers = {}

local function config()
  return require("bqw.nvim").config
end

local function highlights()
  for group, link in pairs(view_util.GROUPS) do
    api.nvim_set_hl(0, group, { link = link, default = true })
  end
end

--- The expression a buffer's view shows: its own filter and the live one.
function M.where_of(b)
  if b.where and b.expr then
    return ("(%s) (%s)"):format(b.where, b.expr)
  end
  return b.expr or b.where
end

--- The result with a status line in front (lines, ids, highlights and folds shifted
--- down one, in place); tick (optional) is called every few thousand items. Returns
--- the result.
function M.with_status(result, status, tick)
  if not status then
    return result
  end
  tick = tick or function() end
  local lines, ids, n = result.lines, result.ids, #result.lines
  for i = n, 1, -1 do
    lines[i + 1] = lines[i]
    ids[i + 1] = ids[i]
    if i % 5000 == 0 then
      tick()
    end
  end
  lines[1], ids[1] = status, nil
  local hls = result.highlights
  for i = #hls, 1, -1 do
    local h = hls[i]
    h.line = h.line + 1
    hls[i + 1] = h
    if i % 5000 == 0 then
      tick()
    end
  end
  hls[1] = { line = 1, first = 0, last = #status, group = "BqwDim" }
  for i, f in ipairs(result.folds) do
    f.first, f.last = f.first + 1, f.last + 1
    if i % 5000 == 0 then
      tick()
    end
  end
  result.header_line = result.header_line and result.header_line + 1
  return result
end
local with_status = M.with_status

-- Highlights the filter's terms where they occur in the lines (as search folds them:
-- script, width and case).
local function highlight_terms(buf, lines, terms)
  api.nvim_buf_clear_namespace(buf, match_ns, 0, -1)
  if not terms or #terms == 0 then
    return
  end
  local core = require("bqw.core")
  for i = 1, math.min(#lines, 20000) do
    for _, term in ipairs(terms) do
      for _, s in ipairs(core.match_spans(lines[i], term)) do
        api.nvim_buf_add_highlight(buf, match_ns, "BqwMatch", i - 1, s[1], s[2])
      end
    end
  end
end

-- The table's column header stays in sight: the window bar on Neovim 0.8+, else a
-- one-line float over the window's first row while the header is scrolled away.
local has_winbar = vim.fn.has("nvim-0.8") == 1

local function pin_header(buf, b)
  local text = b.result and b.result.header_line and b.result.lines[b.result.header_line]
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if has_winbar then
      vim.wo[win].winbar = text and text:gsub("%%", "%%%%") or ""
    else
      M.update_pinned(win, buf)
    end
  end
end

-- Neovim 0.7: shows or hides the header float of win.
function M.update_pinned(win, buf)
  local b = M.buffers[buf]
  if not (b and api.nvim_win_is_valid(win)) then
    return
  end
  local pinned = b.pinned or {}
  b.pinned = pinned
  local text = b.result and b.result.header_line and b.result.lines[b.result.header_line]
  local top = vim.fn.line("w0", win)
  local float = pinned[win]
  if not text or top <= b.result.header_line then
    if float and api.nvim_win_is_valid(float) then
      api.nvim_win_close(float, true)
    end
    pinned[win] = nil
    return
  end
  local fbuf
  if float and api.nvim_win_is_valid(float) then
    fbuf = api.nvim_win_get_buf(float)
    api.nvim_win_set_config(float, { relative = "win", win = win, row = 0, col = 0, width = api.nvim_win_get_width(win), height = 1 })
  else
    fbuf = api.nvim_create_buf(false, true)
    api.nvim_buf_set_option(fbuf, "bufhidden", "wipe")
    float = api.nvim_open_win(fbuf, false, {
      relative = "win",
      win = win,
      row = 0,
      col = 0,
      width = api.nvim_win_get_width(win),
      height = 1,
      focusable = false,
      style = "minimal",
      zindex = 40,
    })
    api.nvim_win_set_option(float, "winhighlight", "Normal:BqwField")
    pinned[win] = float
  end
  api.nvim_buf_set_lines(fbuf, 0, -1, false, { text })
end

local function set_folds(buf, folds)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    api.nvim_win_call(win, function()
      vim.wo.foldmethod = "manual"
      vim.wo.foldenable = true
      vim.cmd("silent! normal! zE")
      for _, f in ipairs(folds) do
        vim.cmd(("silent! %d,%dfold"):format(f.first, f.last))
      end
      vim.cmd("silent! normal! zR")
    end)
  end
end

--- Puts a view result into buf (a bqw buffer), with highlights and folds; meta holds
--- the buffer's state to keep (name, where, filter, expr, status, sort, terms).
function M.draw_into(buf, result, meta)
  highlights()
  meta = meta or {}
  result = with_status(result, meta.status)
  local b = M.buffers[buf] or {}
  for k, v in pairs(meta) do
    if k ~= "status" then -- shown, not kept: the state's status is the filter's
      b[k] = v
    end
  end
  b.result, b.levels, b.lazy = result, nil, false
  M.buffers[buf] = b
  api.nvim_buf_set_option(buf, "modifiable", true)
  api.nvim_buf_set_lines(buf, 0, -1, false, result.lines)
  api.nvim_buf_set_option(buf, "modifiable", false)
  api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, h in ipairs(result.highlights) do
    api.nvim_buf_add_highlight(buf, ns, h.group, h.line - 1, h.first, h.last)
  end
  highlight_terms(buf, result.lines, b.terms)
  set_folds(buf, result.folds)
  pin_header(buf, b)
  vim.b[buf].bqw_drawing = 0
end

-- Sorting: a key per cell, numbers before text, text in pinyin order (core.collate_key).
local function sorter(column, desc)
  local core = require("bqw.core")
  local keys = {}
  local function key(v)
    if type(v) == "table" then
      v = v[1]
    end
    if v == nil then
      return nil
    end
    if type(v) == "number" then
      return v
    end
    local k = keys[v]
    if not k then
      k = core.collate_key(tostring(v))
      keys[v] = k
    end
    return k
  end
  return function(a, b)
    local ka, kb = key(column == "label" and view_util.label(a) or a[column]), key(column == "label" and view_util.label(b) or b[column])
    if ka == nil or kb == nil then
      if ka == kb then
        return a.id < b.id
      end
      return kb == nil -- records without the field last, either way
    end
    if type(ka) ~= type(kb) then
      return type(ka) == "number"
    end
    if ka == kb then
      return a.id < b.id
    end
    if desc then
      return ka > kb
    end
    return ka < kb
  end
end

--- The view's records in order: the buffer's expression, sorted when asked to.
local function view_opts(b, width)
  local opts = { where = M.where_of(b), width = width }
  if b.sort then
    opts.sort = sorter(b.sort.column, b.sort.desc)
  end
  return opts
end

-- ---- large views: built in slices, drawn lazily ------------------------------------
-- A dataset with more records than LARGE is never worked on in one go (Neovim would
-- not read a key for seconds). Its view is
--   1. previewed at once: the view over the first PREVIEW records;
--   2. built in a coroutine that yields when its slice of SLICE_MS is used up (the
--      core Lua ticks while it builds, filters, sorts and renders records), with a
--      1 ms timer between slices, so Neovim reads keys and redraws between them;
--   3. put in the buffer CHUNK lines at a time from the top. Its folds come from a
--      per-line level table through 'foldexpr', which Neovim evaluates for the lines
--      put in and no others (manual folds, one :fold each, cost a redraw that grows
--      with every fold made: minutes for 200,000 folds), and its highlights are made
--      for the lines on screen only, by a decoration provider (a million extmarks
--      would take seconds to add and hundreds of MB to hold).
M.LARGE = 20000
M.PREVIEW = 300
M.SLICE_MS = 10
local CHUNK = 1000

local uv = vim.uv or vim.loop
local lazy_ns = api.nvim_create_namespace("bqw_lazy")

local function run_sliced(job, fn, done)
  local deadline = 0
  local function tick()
    if uv.hrtime() > deadline then
      coroutine.yield()
    end
  end
  local co = coroutine.create(function()
    return fn(tick)
  end)
  local function step()
    if job.cancelled then
      return
    end
    deadline = uv.hrtime() + M.SLICE_MS * 1e6
    local ok, a, b2 = coroutine.resume(co)
    if not ok then
      job.cancelled = true
      return done(nil, a)
    end
    if coroutine.status(co) ~= "dead" then
      return vim.defer_fn(step, 1)
    end
    done(a, b2)
  end
  vim.defer_fn(step, 1)
end

--- Fold levels for 'foldexpr' from a result's folds (line ranges, properly nested),
--- one per line of n: the depth, ">N" where folds start (N the innermost's depth),
--- "<N" where they end (N the outermost's), so that folds side by side stay apart.
function M.fold_levels(folds, n, tick)
  tick = tick or function() end
  local starts, ends = {}, {}
  for i, f in ipairs(folds) do
    starts[f.first] = (starts[f.first] or 0) + 1
    ends[f.last] = (ends[f.last] or 0) + 1
    if i % 5000 == 0 then
      tick()
    end
  end
  local levels, depth = {}, 0
  for l = 1, n do
    local s, e = starts[l], ends[l]
    depth = depth + (s or 0)
    if e then
      levels[l] = "<" .. (depth - e + 1)
      depth = depth - e
    elseif s then
      levels[l] = ">" .. depth
    else
      levels[l] = depth
    end
    if l % 5000 == 0 then
      tick()
    end
  end
  return levels
end

--- 'foldexpr' of large views (v:lua needs a global function on Neovim 0.7). Neovim
--- evaluates it with the window's buffer current.
function M.foldexpr(lnum)
  local b = M.buffers[api.nvim_get_current_buf()]
  local levels = b and b.levels
  return levels and levels[lnum] or 0
end
rawset(_G, "bqw_foldexpr", M.foldexpr)

-- The index of the first highlight on line or after it (highlights are in line order).
local function first_highlight(hls, line)
  local lo, hi = 1, #hls + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if hls[mid].line < line then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

--- The highlights of line (from 1) of a large view's buffer: { first, last, group,
--- priority } byte ranges, the view's own and the live filter's matches (cached).
function M.line_highlights(buf, line)
  local b = M.buffers[buf]
  local result = b and b.lazy and b.result
  if not result then
    return {}
  end
  local out = {}
  local hls = result.highlights
  local i = first_highlight(hls, line)
  while hls[i] and hls[i].line == line do
    local h = hls[i]
    out[#out + 1] = { h.first, h.last, h.group }
    i = i + 1
  end
  if b.terms and #b.terms > 0 and result.lines[line] then
    local cache = b.match_cache
    if not (cache and cache.terms == b.terms) then
      cache = { terms = b.terms }
      b.match_cache = cache
    end
    local spans = cache[line]
    if not spans then
      spans = {}
      local core = require("bqw.core")
      for _, term in ipairs(b.terms) do
        for _, sp in ipairs(core.match_spans(result.lines[line], term)) do
          spans[#spans + 1] = { sp[1], sp[2], "BqwMatch", 4200 }
        end
      end
      cache[line] = spans
    end
    for _, sp in ipairs(spans) do
      out[#out + 1] = sp
    end
  end
  return out
end

api.nvim_set_decoration_provider(lazy_ns, {
  on_win = function(_, _, buf)
    local b = M.buffers[buf]
    return b ~= nil and b.lazy == true
  end,
  on_line = function(_, _, buf, row)
    for _, h in ipairs(M.line_highlights(buf, row + 1)) do
      pcall(api.nvim_buf_set_extmark, buf, lazy_ns, row, h[1], {
        end_col = h[2],
        hl_group = h[3],
        priority = h[4],
        ephemeral = true,
      })
    end
  end,
})

-- Puts result (already with its status line) into buf in slices: the fold levels,
-- then the lines from the top; the preview stays until the first slice replaces it.
local function draw_sliced(buf, b, result, job)
  highlights()
  run_sliced(job, function(tick)
    local lines, n = result.lines, #result.lines
    local levels = M.fold_levels(result.folds, n, tick)
    local hls = result.highlights
    for i = 2, #hls do
      if hls[i].line < hls[i - 1].line then
        table.sort(hls, function(x, y)
          return x.line < y.line
        end)
        break
      end
      if i % 5000 == 0 then
        tick()
      end
    end
    local done = 0
    while done < n do
      if not api.nvim_buf_is_valid(buf) then
        return
      end
      local last = math.min(done + CHUNK, n)
      local slice = {}
      for i = done + 1, last do
        slice[#slice + 1] = lines[i]
      end
      api.nvim_buf_set_option(buf, "modifiable", true)
      if done == 0 then
        -- the preview gives way to the view
        b.result, b.levels, b.lazy, b.match_cache = result, levels, true, nil
        api.nvim_buf_clear_namespace(buf, ns, 0, -1)
        api.nvim_buf_clear_namespace(buf, match_ns, 0, -1)
        api.nvim_buf_set_lines(buf, 0, -1, false, slice)
        for _, win in ipairs(vim.fn.win_findbuf(buf)) do
          vim.wo[win].foldmethod = "expr"
          vim.wo[win].foldexpr = "v:lua.bqw_foldexpr(v:lnum)"
          vim.wo[win].foldlevel = 99
          vim.wo[win].foldenable = true
        end
        pin_header(buf, b)
      else
        api.nvim_buf_set_lines(buf, done, done, false, slice)
      end
      api.nvim_buf_set_option(buf, "modifiable", false)
      done = last
      tick()
    end
  end, function(_, err)
    b.job = nil
    if err then
      data.notify_line(err, vim.log.levels.ERROR)
    end
    if api.nvim_buf_is_valid(buf) then
      pin_header(buf, b)
      vim.b[buf].bqw_drawing = 0
      vim.cmd("redraw")
    end
  end)
end

-- Renders a large view: a preview at once, the whole built in slices, then drawn.
local function render_large(buf, b, ds, width)
  if b.job then
    b.job.cancelled = true
  end
  local job = {}
  b.job = job
  vim.b[buf].bqw_drawing = 1 -- for a status line (and the benchmark)
  local opts = view_opts(b, width)
  local popts = vim.deepcopy(opts)
  popts.first = M.PREVIEW
  popts.sort = opts.sort
  local preview = ds:view(b.name, popts)
  if preview then
    if b.name == "table" then
      preview.header_line = 1
    end
    local status = ("%s(drawing %d records…)"):format(b.status and (b.status .. "  ") or "", ds:count())
    M.draw_into(buf, preview, { status = status })
    vim.b[buf].bqw_drawing = 1
    vim.cmd("redraw")
  end
  run_sliced(job, function(tick)
    opts.tick = tick
    local result, err = ds:view(b.name, opts)
    if not result then
      return nil, err
    end
    if b.name == "table" then
      result.header_line = 1
    end
    if b.counting then
      -- the live filter's count, known now that the view is built
      b.status = ("filter: %s — %d records"):format(b.counting, result.count or 0)
      b.counting = nil
    end
    return M.with_status(result, b.status, tick)
  end, function(result, err)
    if not result then
      b.job = nil
      vim.b[buf].bqw_drawing = 0
      return data.notify_line(err, vim.log.levels.ERROR)
    end
    if api.nvim_buf_is_valid(buf) then
      draw_sliced(buf, b, result, job)
    end
  end)
end

--- Renders the buffer's view again from its state (name, where, filter, sort).
function M.render(buf)
  local b = M.buffers[buf]
  if not (b and b.name) then
    return
  end
  data.with_dataset(function(ds)
    if not api.nvim_buf_is_valid(buf) then
      return
    end
    local win = vim.fn.bufwinid(buf)
    local width = api.nvim_win_get_width(win ~= -1 and win or 0)
    if ds:count() > M.LARGE then
      return render_large(buf, b, ds, width)
    end
    local result, err = ds:view(b.name, view_opts(b, width))
    if not result then
      vim.b[buf].bqw_drawing = 0
      return data.notify(err, vim.log.levels.ERROR)
    end
    if b.name == "table" then
      result.header_line = 1
    end
    M.draw_into(buf, result, { status = b.status })
  end)
end

--- Renders view `name` (where: an expression or nil) into buf, with a status line.
function M.render_into(buf, name, where, status)
  local b = M.buffers[buf] or {}
  b.name, b.where, b.status = name, where, status
  M.buffers[buf] = b
  M.render(buf)
end

--- Re-draws every open bqw view from the current dataset.
function M.refresh_all()
  for buf, b in pairs(M.buffers) do
    if api.nvim_buf_is_valid(buf) and b.name then
      M.render(buf)
    end
  end
end

--- A new scratch buffer shown in the current window, with the keymaps.
function M.new_buffer(title)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_option(buf, "buftype", "nofile")
  -- hidden, not wiped: a split to the source (gs) and back keeps the view
  api.nvim_buf_set_option(buf, "bufhidden", "hide")
  api.nvim_buf_set_option(buf, "swapfile", false)
  pcall(api.nvim_buf_set_name, buf, ("bqw://%s/%d"):format(title, buf))
  api.nvim_win_set_buf(0, buf)
  api.nvim_buf_set_option(buf, "filetype", "bqw")
  M.buffers[buf] = M.buffers[buf] or {}
  require("bqw.nvim.actions").attach(buf)
  local group = api.nvim_create_augroup("bqw_buffer_" .. buf, { clear = true })
  api.nvim_create_autocmd({ "BufWipeout", "BufDelete" }, {
    group = group,
    buffer = buf,
    once = true,
    callback = function()
      local b = M.buffers[buf]
      if b and b.job then
        b.job.cancelled = true
      end
      for _, float in pairs(b and b.pinned or {}) do
        if api.nvim_win_is_valid(float) then
          api.nvim_win_close(float, true)
        end
      end
      M.buffers[buf] = nil
    end,
  })
  if not has_winbar then
    api.nvim_create_autocmd({ "WinScrolled", "BufWinEnter", "VimResized" }, {
      group = group,
      callback = function()
        for _, win in ipairs(vim.fn.win_findbuf(buf)) do
          M.update_pinned(win, buf)
        end
      end,
    })
  end
  return buf
end

--- Shows a view in a new scratch buffer: name (default config.default_view), where.
function M.show(name, where)
  name = name or config().default_view
  local ok, err = require("bqw.plugins").get("view", name)
  if not ok then
    return data.notify(err, vim.log.levels.ERROR)
  end
  local buf = M.new_buffer(name)
  M.render_into(buf, name, where)
  return buf
end

--- The record id on the cursor's line of buf, or nil.
function M.id_under_cursor(buf)
  local b = M.buffers[buf]
  local line = api.nvim_win_get_cursor(0)[1]
  return b and b.result and b.result.ids[line]
end

--- Sorts a table view by the column under the cursor (again: the other way).
function M.sort_by_cursor(buf)
  local b = M.buffers[buf]
  if not (b and b.result) then
    return
  end
  if b.name ~= "table" then
    return data.notify("s sorts a table view (:Bqw view table); this one is " .. tostring(b.name), vim.log.levels.WARN)
  end
  local header = b.result.header_line and b.result.lines[b.result.header_line]
  if not header then
    return
  end
  local col = api.nvim_win_get_cursor(0)[2]
  -- the column whose name starts at or before the cursor's byte, the last such
  local column
  for first, name in header:gmatch("()(%S+)") do
    if first - 1 <= col or not column then
      column = name
    end
  end
  if not column then
    return
  end
  if b.sort and b.sort.column == column then
    b.sort = { column = column, desc = not b.sort.desc }
  else
    b.sort = { column = column, desc = false }
  end
  local cursor = api.nvim_win_get_cursor(0)
  M.render(buf)
  pcall(api.nvim_win_set_cursor, 0, cursor)
  data.notify(("sorted by %s%s"):format(column, b.sort.desc and ", descending" or ""))
end

return M
