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
      local bar = text and text:gsub("%%", "%%%%") or ""
      M.bars[bar] = true
      vim.wo[win].winbar = bar
    else
      M.update_pinned(win, buf)
    end
  end
end

-- Neovim 0.8+: the window bars bqw set (a split copies its window's bar to the new
-- window, whatever that shows next: M.refresh_pinned takes it off).
M.bars = {}

-- Neovim 0.7: shows or hides the header float of win. The float is placed over the
-- window's first row in editor cells (win_screenpos): a float relative to a window
-- stays where that window was when the layout changes (a split, a close), so every
-- change of the layout places it again (M.refresh_pinned).
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
  local pos = vim.fn.win_screenpos(win)
  local place = {
    relative = "editor",
    row = pos[1] - 1,
    col = pos[2] - 1,
    width = api.nvim_win_get_width(win),
    height = 1,
  }
  local fbuf
  if float and api.nvim_win_is_valid(float) then
    fbuf = api.nvim_win_get_buf(float)
    api.nvim_win_set_config(float, place)
  else
    fbuf = api.nvim_create_buf(false, true)
    api.nvim_buf_set_option(fbuf, "bufhidden", "wipe")
    place.focusable, place.style, place.zindex = false, "minimal", 40
    float = api.nvim_open_win(fbuf, false, place)
    api.nvim_win_set_option(float, "winhighlight", "Normal:BqwField")
    pinned[win] = float
  end
  api.nvim_buf_set_lines(fbuf, 0, -1, false, { text })
end

-- After a sort the cursor stays on its record (b.keep = { id, col }): once the line
-- showing that record is in the buffer (line_of(id) its line, or nil), the cursor goes
-- there in the window showing buf (the current one first) and b.keep is done.
local function keep_cursor(buf, b, line_of)
  local keep = b.keep
  if not keep then
    return
  end
  local line = line_of(keep.id)
  if not line then
    return
  end
  b.keep = nil
  local win = api.nvim_get_current_buf() == buf and api.nvim_get_current_win() or vim.fn.bufwinid(buf)
  if win ~= -1 then
    pcall(api.nvim_win_set_cursor, win, { line, keep.col })
  end
end

--- Neovim 0.7: every header float placed again over its window, or closed when its
--- window is gone, shows another buffer or is in another tab page. Neovim 0.8+: each
--- window of the tab page has its table's header as its bar, or no bar of bqw's.
function M.refresh_pinned()
  if has_winbar then
    for _, win in ipairs(api.nvim_tabpage_list_wins(0)) do
      local b = M.buffers[api.nvim_win_get_buf(win)]
      local text = b and b.result and b.result.header_line and b.result.lines[b.result.header_line]
      local bar = text and text:gsub("%%", "%%%%") or nil
      if bar then
        M.bars[bar] = true
        if vim.wo[win].winbar ~= bar then
          vim.wo[win].winbar = bar
        end
      elseif vim.wo[win].winbar ~= "" and M.bars[vim.wo[win].winbar] then
        vim.wo[win].winbar = ""
      end
    end
    return
  end
  local here = {}
  for _, win in ipairs(api.nvim_tabpage_list_wins(0)) do
    here[win] = true
  end
  for buf, b in pairs(M.buffers) do
    for win, float in pairs(b.pinned or {}) do
      if not (here[win] and api.nvim_win_is_valid(win) and api.nvim_win_get_buf(win) == buf) then
        if api.nvim_win_is_valid(float) then
          api.nvim_win_close(float, true)
        end
        b.pinned[win] = nil
      end
    end
    if api.nvim_buf_is_valid(buf) then
      for _, win in ipairs(vim.fn.win_findbuf(buf)) do
        if here[win] then
          M.update_pinned(win, buf)
        end
      end
    end
  end
end

-- A change of the layout places the floats again once it is done (scheduled, once
-- for a burst of events); on 0.8+ a window's bar follows what it shows.
do
  local queued = false
  api.nvim_create_autocmd(
    has_winbar and { "WinNew", "WinEnter", "BufWinEnter", "TabEnter" }
      or { "WinScrolled", "WinNew", "WinClosed", "WinEnter", "BufWinEnter", "BufWinLeave", "VimResized", "TabEnter" },
    {
      group = api.nvim_create_augroup("bqw_pinned", { clear = true }),
      callback = function()
        if queued then
          return
        end
        queued = true
        vim.schedule(function()
          queued = false
          M.refresh_pinned()
        end)
      end,
    }
  )
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
  b.result, b.view, b.offset, b.lazy = result, nil, 0, false
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
  keep_cursor(buf, b, function(id)
    for l = 1, #result.lines do
      if result.ids[l] == id then
        return l
      end
    end
  end)
  b.keep = nil
  pin_header(buf, b)
  vim.b[buf].bqw_drawing = 0
end

--- The view's records in order: the buffer's expression, sorted when asked to (by
--- bqw.sort.by_column: numbers before text, text in pinyin order).
local function view_opts(b, width)
  local opts = { where = M.where_of(b), width = width }
  if b.sort then
    opts.sort = { column = b.sort.column, desc = b.sort.desc }
  end
  return opts
end

-- ---- large views: built off Neovim's thread, held in C, drawn lazily -------------
-- A dataset with more records than config.large (default 20,000) never has its view
-- built in Neovim's Lua state: hundreds of thousands of lines and highlights there
-- make LuaJIT stop the world (its string table and big arrays double) for 100s of ms
-- however finely the work is sliced. Its view is
--   1. previewed at once: the view over the first PREVIEW records;
--   2. built by a view job (ds:view_job): the same view plugin in a Lua state of its
--      own on another thread, over the same dataset; the result is held in C (a
--      bqw.core.view: the lines' bytes, the record of each line, a fold level per
--      line, the highlights by line). Neovim polls the job every POLL_MS (a scheduled
--      timer: nothing of bqw runs in a fast event);
--   3. put in the buffer CHUNK lines at a time from the top, SLICE_MS of work a step.
--      Folds come from 'foldexpr' (the view's level of the line), highlights from a
--      decoration provider for the lines on screen, the live filter's matches too.
--   Before a view replaces another, the old lines go a step at a time too (clear_some):
--   all but the first KEEP, the old folds dropped first.
M.PREVIEW = 300
M.SLICE_MS = 10
M.POLL_MS = 10
local CHUNK = 200
-- Replacing a 650,000-line view by one set_lines took 4.3 s with the view's folds
-- ('foldexpr': each deleted line updates them) and 114 ms without; without folds,
-- deleting 5,000 lines below the first 200 takes 1-1.5 ms (20,000: 3-5 ms), measured
-- in Neovim 0.7.2 headless. So a step deletes CLEAR lines at first, then as many as
-- the last full step's rate says take half of SLICE_MS (at most CLEAR_MAX).
M.KEEP = 200
M.CLEAR = 5000
M.CLEAR_MAX = 50000

--- The number of records above which a view is built off Neovim's thread.
function M.large()
  return config().large
end

local uv = vim.uv or vim.loop
local lazy_ns = api.nvim_create_namespace("bqw_lazy")

--- What the last large view cost Neovim's thread, step by step (bench/nvim.py reads
--- it): { count, wall_ms, wall_what, cpu_ms, cpu_what, slow, built_ms, drawn_ms },
--- the longest step's wall and CPU time (this thread's only, core.thread_time) and
--- which step it was; slow lists the steps over 12 ms of CPU; built_ms and drawn_ms:
--- from the start of the jobs to the whole view built, and drawn.
M.steps = nil

-- Counts one step of wall and cpu milliseconds in M[key] (M.steps or M.longest),
-- keeping the longest step's times and names; returns that record.
local function count_step(key, what, wall, cpu)
  local s = M[key]
  if not s then
    s = { count = 0, wall_ms = 0, cpu_ms = 0 }
    M[key] = s
  end
  s.count = s.count + 1
  if wall > s.wall_ms then
    s.wall_ms, s.wall_what = wall, what
  end
  if cpu > s.cpu_ms then
    s.cpu_ms, s.cpu_what = cpu, what
  end
  return s
end

-- Runs fn as one step of a large view, counted in M.steps and M.longest.
local function timed(what, fn)
  local core = require("bqw.core")
  local t0, c0 = uv.hrtime(), core.thread_time()
  fn()
  local wall, cpu = (uv.hrtime() - t0) / 1e6, (core.thread_time() - c0) * 1e3
  if type(what) == "function" then
    what = what()
  end
  local s = count_step("steps", what, wall, cpu)
  count_step("longest", what, wall, cpu)
  if cpu > 12 and #(s.slow or {}) < 50 then
    s.slow = s.slow or {}
    s.slow[#s.slow + 1] = ("%s %.1f ms"):format(what, cpu)
  end
end

--- The same over every large view's steps since it was last set to nil (the
--- benchmark's live filter builds several views while a filter is typed).
M.longest = nil

--- 'foldexpr' of large views (v:lua needs a global function on Neovim 0.7). Neovim
--- evaluates it with the window's buffer current.
function M.foldexpr(lnum)
  local b = M.buffers[api.nvim_get_current_buf()]
  local v = b and b.view
  if not v or lnum <= b.offset then
    return 0
  end
  return v:level(lnum - b.offset)
end
rawset(_G, "bqw_foldexpr", M.foldexpr)

-- A large view's result as the rest of the plugin reads one (lines[l], ids[l],
-- header_line, count), each line asked of the C view when it is read, behind the
-- status line when there is one. n is the number of lines (# cannot count a proxy).
local function view_result(v, status, header)
  local offset = status and 1 or 0
  return {
    lines = setmetatable({}, {
      __index = function(_, l)
        if l == 1 and status then
          return status
        end
        return v:line(l - offset)
      end,
    }),
    ids = setmetatable({}, {
      __index = function(_, l)
        return v:id(l - offset)
      end,
    }),
    n = v:count() + offset,
    count = v:records(),
    header_line = header and (1 + offset) or nil,
  }
end

--- The highlights of line (from 1) of a large view's buffer: { first, last, group,
--- priority } byte ranges, the view's own and the live filter's matches (cached).
function M.line_highlights(buf, line)
  local b = M.buffers[buf]
  local v = b and b.lazy and b.view
  if not v then
    return {}
  end
  if line <= b.offset then
    return { { 0, #b.result.lines[1], "BqwDim" } }
  end
  local out = v:highlights(line - b.offset)
  if b.terms and #b.terms > 0 then
    local cache = b.match_cache
    if not (cache and cache.terms == b.terms) then
      cache = { terms = b.terms }
      b.match_cache = cache
    end
    local spans = cache[line]
    if not spans then
      spans = {}
      local text = v:line(line - b.offset)
      local core = require("bqw.core")
      for _, term in ipairs(text and b.terms or {}) do
        for _, sp in ipairs(core.match_spans(text, term)) do
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

-- What the old views' deletions did, since Neovim started (for the tests): { steps,
-- lines, most } (the most lines one step deleted).
M.cleared = { steps = 0, lines = 0, most = 0 }
local clear_chunk -- the lines of the next full step, from the last one's rate

-- One step of deleting the lines of buf below the first KEEP (clear_chunk of them),
-- the windows' folds dropped first (an old view's 'foldexpr' folds make each deleted
-- line cost). Returns whether buf has KEEP lines or fewer.
-- Drops the folds of buf's windows: with 'foldexpr' folds, changing lines updates
-- them line by line (4 s to delete a 650,000-line view in one call; 1.8 s to put a
-- status line above it).
local function drop_folds(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if vim.wo[win].foldmethod ~= "manual" then
      vim.wo[win].foldmethod = "manual"
    end
    api.nvim_win_call(win, function()
      vim.cmd("silent! normal! zE")
    end)
  end
end

local function clear_some(buf)
  local n = api.nvim_buf_line_count(buf)
  if n <= M.KEEP then
    return true
  end
  drop_folds(buf)
  local chunk = clear_chunk or M.CLEAR
  local lines = math.min(n - M.KEEP, chunk)
  api.nvim_buf_set_option(buf, "modifiable", true)
  local t0 = uv.hrtime()
  api.nvim_buf_set_lines(buf, M.KEEP, M.KEEP + lines, false, {})
  local ms = (uv.hrtime() - t0) / 1e6
  api.nvim_buf_set_option(buf, "modifiable", false)
  if lines == chunk then
    clear_chunk = math.max(1000, math.min(M.CLEAR_MAX, math.floor(lines * M.SLICE_MS / 2 / math.max(ms, 0.05))))
  end
  local c = M.cleared
  c.steps, c.lines, c.most = c.steps + 1, c.lines + lines, math.max(c.most, lines)
  return n - lines <= M.KEEP
end

--- Shows b.status on the first line of buf's large view now (the live filter's
--- "counting…", count or error while the old view stays). A view without a status line
--- gets one when it is being replaced (replacing); one that stays shows it as a message.
function M.show_status(buf, replacing)
  local b = M.buffers[buf]
  if not (b and b.status and b.lazy and b.view and api.nvim_buf_is_valid(buf)) then
    return
  end
  if b.offset ~= 1 and not replacing then
    -- a view that stays keeps its folds: the status goes to the message line
    return data.notify_line(b.status, vim.log.levels.WARN)
  end
  api.nvim_buf_set_option(buf, "modifiable", true)
  if b.offset == 1 then
    api.nvim_buf_set_lines(buf, 0, 1, false, { b.status })
  else
    -- a view drawn without a status line (no filter yet) gets one above it: the
    -- lines below move down one, the cursors with them. It is a view being replaced,
    -- so its folds go first, as they would at its first deleting step.
    drop_folds(buf)
    local cursors = {}
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      cursors[win] = api.nvim_win_get_cursor(win)
    end
    api.nvim_buf_set_lines(buf, 0, 0, false, { b.status })
    b.offset, b.match_cache = 1, nil
    for win, pos in pairs(cursors) do
      pcall(api.nvim_win_set_cursor, win, { pos[1] + 1, pos[2] })
    end
  end
  -- line 1 of the result is the status as it is now
  b.result = view_result(b.view, b.status, b.name == "table")
  api.nvim_buf_set_option(buf, "modifiable", false)
end

-- Puts view v into buf a slice at a time, under the status line status (or none):
-- CHUNK lines per call, as many calls as fit in SLICE_MS (the longest call so far
-- taken as the next one's cost), then a 1 ms timer; what was
-- there stays until the first slice replaces it. done() is called at the end. whole:
-- this is the whole view (not the preview), where a record kept in sight is looked for.
local function draw_view(buf, b, v, job, status, done_fn, whole)
  highlights()
  local offset = status and 1 or 0
  local n = v:count()
  local done = 0
  local step
  local token = {} -- a later draw_view (the whole after the preview) stops this one
  job.drawing = token
  local function draw_step()
    if job.cancelled or job.drawing ~= token or not api.nvim_buf_is_valid(buf) then
      return
    end
    if done == 0 and api.nvim_buf_line_count(buf) > M.KEEP then
      -- the old view's lines go first, a step at a time
      clear_some(buf)
      return vim.defer_fn(step, 1)
    end
    local deadline = uv.hrtime() + M.SLICE_MS * 1e6
    api.nvim_buf_set_option(buf, "modifiable", true)
    local cost = 0 -- the longest call so far: the next one must fit before the deadline
    repeat
      local t0 = uv.hrtime()
      local last = math.min(done + CHUNK, n)
      local slice = v:lines(done + 1, last)
      if done == 0 then
        -- what was shown gives way to the view
        if status then
          table.insert(slice, 1, status)
        end
        b.view, b.offset, b.lazy, b.match_cache = v, offset, true, nil
        b.result = view_result(v, status, b.name == "table")
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
        api.nvim_buf_set_lines(buf, done + offset, done + offset, false, slice)
      end
      if whole then
        local from, to = done + 1, last
        keep_cursor(buf, b, function(id)
          for l = from, to do
            if v:id(l) == id then
              return l + offset
            end
          end
        end)
      end
      done = last
      cost = math.max(cost, uv.hrtime() - t0)
    until done >= n or uv.hrtime() + cost > deadline
    api.nvim_buf_set_option(buf, "modifiable", false)
    if done < n then
      return vim.defer_fn(step, 1)
    end
    done_fn()
  end
  step = function()
    local at = done
    timed(function()
      return "drawing@" .. at
    end, draw_step)
  end
  step()
end

--- buf's key (result, job, view...) and buf's state; nil when buf is no bqw buffer
--- or has no such key.
function M.buffer_field(buf, key)
  local b = M.buffers[buf]
  return b and b[key], b
end

--- Stops the view job of buf and its drawing (a newer render is coming); returns
--- whether there was one.
function M.cancel(buf)
  local job, b = M.buffer_field(buf, "job")
  if not job then
    return false
  end
  job.cancelled = true
  job.core:cancel()
  job.preview:cancel()
  b.job = nil
  b.stale = true -- the buffer may hold part of a view: the next render replaces it
  return true
end

-- The live filter's count in the status line, shown at once on what the buffer holds
-- (the old view's lines may still be going).
local function show_count(buf, b, n)
  b.status = ("filter: %s — %s"):format(b.counting, data.count(n, "record"))
  b.counting = nil
  M.show_status(buf, true)
  vim.cmd("redraw")
end

-- Renders a large view: a preview (the view over the first PREVIEW records) and the
-- whole, each built by a view job; the preview drawn when it comes, then the whole.
local function render_large(buf, b, ds, width)
  M.cancel(buf)
  local was_stale = b.stale
  b.stale = nil
  vim.b[buf].bqw_drawing = 1 -- for a status line (and the benchmark)
  local opts = view_opts(b, width)
  local popts = vim.deepcopy(opts)
  popts.first = M.PREVIEW
  if b.expr then
    -- a live filter's view is waited for (its count): built at Neovim's priority, as
    -- ds:view_job builds a view of the first N records, and the first ds:count() are
    -- all of them (at nice 10 a loaded machine starved it: 11-12 s to the count)
    opts.first = ds:count()
  end
  local core_job, err = ds:view_job(b.name, opts)
  local preview_job, perr = ds:view_job(b.name, popts)
  if not (core_job and preview_job) then
    b.job = nil
    vim.b[buf].bqw_drawing = 0
    return data.notify_line(err or perr, vim.log.levels.ERROR)
  end
  local job = { core = core_job, preview = preview_job }
  b.job = job
  local started = uv.hrtime()
  local steps = { count = 0, wall_ms = 0, cpu_ms = 0 }
  M.steps = steps
  M.show_status(buf, true)
  local previewed = false
  local poll
  local function finish()
    b.job = nil
    b.keep = nil
    steps.drawn_ms = (uv.hrtime() - started) / 1e6
    if api.nvim_buf_is_valid(buf) then
      pin_header(buf, b)
      vim.b[buf].bqw_drawing = 0
      vim.cmd("redraw")
    end
  end
  local function failed(message)
    job.cancelled = true
    b.job = nil
    vim.b[buf].bqw_drawing = 0
    local revert = b.revert
    b.revert = nil
    if revert then
      revert(message)
      if was_stale then
        -- the buffer holds part of a view cancelled for this one: the last good
        -- filter's view is drawn again
        M.render(buf)
      end
      return
    end
    data.notify_line(message, vim.log.levels.ERROR)
  end
  local function poll_step()
    if job.cancelled or not api.nvim_buf_is_valid(buf) then
      return
    end
    if core_job:done() then
      steps.built_ms = (uv.hrtime() - started) / 1e6
      local v, verr = core_job:result()
      if not v then
        return failed(verr)
      end
      b.revert = nil
      if b.counting then
        -- the live filter's count, known now that the view is built
        show_count(buf, b, v:records())
      end
      previewed = true -- too late for the preview
      return draw_view(buf, b, v, job, b.status, finish, true)
    end
    if not previewed and preview_job:done() then
      previewed = true
      local v, verr = preview_job:result()
      if not v then
        return failed(verr)
      end
      b.revert = nil
      local status = ("%s(drawing %s…)"):format(b.status and (b.status .. "  ") or "", data.count(ds:count(), "record"))
      draw_view(buf, b, v, job, status, function()
        vim.cmd("redraw")
      end)
    end
    vim.defer_fn(poll, M.POLL_MS)
  end
  poll = function()
    timed("polling", poll_step)
  end
  vim.defer_fn(poll, M.POLL_MS)
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
    if ds:count() > M.large() then
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
  -- hidden, not wiped: a split to the source (gs) and back keeps the view; the next
  -- view shown wipes it (M.wipe_hidden)
  api.nvim_buf_set_option(buf, "bufhidden", "hide")
  api.nvim_buf_set_option(buf, "swapfile", false)
  pcall(api.nvim_buf_set_name, buf, ("bqw://%s/%d"):format(title, buf))
  api.nvim_win_set_buf(0, buf)
  api.nvim_buf_set_option(buf, "filetype", "bqw")
  M.buffers[buf] = M.buffers[buf] or {}
  require("bqw.nvim.actions").attach(buf)
  require("bqw.nvim.code").attach(buf) -- the codes' highlights and hover
  local group = api.nvim_create_augroup("bqw_buffer_" .. buf, { clear = true })
  api.nvim_create_autocmd({ "BufWipeout", "BufDelete" }, {
    group = group,
    buffer = buf,
    once = true,
    callback = function()
      M.cancel(buf)
      local b = M.buffers[buf]
      for _, float in pairs(b and b.pinned or {}) do
        if api.nvim_win_is_valid(float) then
          api.nvim_win_close(float, true)
        end
      end
      M.buffers[buf] = nil
    end,
  })
  return buf
end

--- Wipes every view but keep that no window shows (one the new view took the place
--- of): a hidden 100 MB view held its lines in the buffer and in C, and a second view
--- doubled Neovim's RSS. The C view goes with the next collection, run soon after.
function M.wipe_hidden(keep)
  local wiped = false
  for buf in pairs(M.buffers) do
    if buf ~= keep and (not api.nvim_buf_is_valid(buf) or #vim.fn.win_findbuf(buf) == 0) then
      if api.nvim_buf_is_valid(buf) then
        pcall(api.nvim_buf_delete, buf, { force = true })
      end
      M.buffers[buf] = nil
      wiped = true
    end
  end
  if wiped then
    vim.defer_fn(function()
      collectgarbage()
    end, 0)
  end
end

--- Shows a view in a new scratch buffer: name (default config.default_view), where.
function M.show(name, where)
  name = name or config().default_view
  local ok, err = require("bqw.plugins").get("view", name)
  if not ok then
    return data.notify(err, vim.log.levels.ERROR)
  end
  local buf = M.new_buffer(name)
  M.wipe_hidden(buf)
  M.render_into(buf, name, where)
  return buf
end

--- The record id on the cursor's line of buf, or nil.
function M.id_under_cursor(buf)
  local result = M.buffer_field(buf, "result")
  return result and result.ids[api.nvim_win_get_cursor(0)[1]]
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
  local id = b.result.ids[cursor[1]]
  -- the cursor stays on its record (on the header when it is there)
  b.keep = id and { id = id, col = cursor[2] } or nil
  M.render(buf)
  if not id then
    pcall(api.nvim_win_set_cursor, 0, cursor)
  end
  data.notify(("sorted by %s%s"):format(column, b.sort.desc and ", descending" or ""))
end

return M
