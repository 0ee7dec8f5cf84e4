--- The dataset inside Neovim: loaded in the background on Neovim's own loop, watched
--- and reloaded when the file changes, and the messages about it. Every callback from
--- the loop runs in a fast event context: all it does goes through vim.schedule.
local bqw = require("bqw")

local M = {}

local uv = vim.uv or vim.loop
local state = { dataset = nil, waiting = nil, loop = nil, watcher = nil, broken = nil }

--- A message: "bqw: " and msg.
function M.notify(msg, level)
  vim.notify("bqw: " .. msg, level or vim.log.levels.INFO)
end

--- A message from a background callback: one line that fits the echo area, so it
--- never asks for hit-enter.
function M.notify_line(msg, level)
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

--- "1 record", "2 records": n and the noun, in the number n asks for (plural: noun
--- .. "s", or the given plural).
function M.count(n, noun, plural)
  return ("%d %s"):format(n, n == 1 and noun or (plural or noun .. "s"))
end

-- Calls vim.ui[name](...) (looked up at the call, so a replacement is used): Ctrl-C
-- in Neovim's own prompt (inputlist(), input()) cancels quietly, as <Esc> does,
-- instead of erroring "Keyboard interrupt".
local function quietly(name, ...)
  local ok, err = pcall(vim.ui[name], ...)
  if ok then
    return
  end
  if tostring(err):lower():find("interrupt", 1, true) then
    vim.cmd("redraw")
    return vim.api.nvim_echo({ { "" } }, false, {})
  end
  error(err, 0)
end

--- vim.ui.select(items, opts, on_choice), a cancel with Ctrl-C being quiet.
function M.select(items, opts, on_choice)
  quietly("select", items, opts, on_choice)
end

--- vim.ui.input(opts, on_confirm), a cancel with Ctrl-C being quiet.
function M.input(opts, on_confirm)
  quietly("input", opts, on_confirm)
end

--- Redraws the screen so a change made from a callback shows without a key press.
function M.redraw()
  vim.cmd("redraw")
end

--- A path as the user would write it (relative, or with ~).
function M.short(path)
  return vim.fn.fnamemodify(path, ":~:.")
end

--- The loop bqw's background work runs on: Neovim's own (through luv), or, where that
--- is not reachable, bqw's own polled by Neovim's. Its loads run at setup's load_nice.
function M.loop()
  if not state.loop then
    state.loop = bqw.loop({ host = true })
    if not state.loop then
      state.loop = assert(bqw.loop()):attach(uv)
    end
  end
  state.loop:set_load_nice(require("bqw.nvim").config.load_nice)
  return state.loop
end

--- Forgets the dataset and stops watching; the next use loads again.
function M.reset()
  if state.watcher then
    state.watcher.stop()
    state.watcher = nil
  end
  state.dataset = nil
  state.broken = nil
  state.generation = (state.generation or 0) + 1
end

--- The dataset if it is loaded, else nil (never loads).
function M.current()
  return state.dataset
end

--- A number that changes whenever the dataset does (caches key on it).
function M.generation()
  return state.generation or 0
end

local function loaded(ds)
  state.dataset = ds
  state.generation = (state.generation or 0) + 1
end

-- Why a dataset that loaded is no digest: the loader's warning that no line is a
-- record (a text such as "hello world"), or nil when it has records.
local function no_records(ds)
  for _, d in ipairs(ds:diagnostics()) do
    if d.message:find("^no records") then
      return d.formatted
    end
  end
  if ds:count() == 0 then
    return ds:name() .. ": no records"
  end
end

-- A broken file keeps the last good dataset and says why once (until a good one); so
-- does a text with no records in it.
local function watch(path)
  if state.watcher or not path then
    return
  end
  state.watcher = M.loop():watch(
    path,
    { debounce = 100 },
    vim.schedule_wrap(function(ds, err, diagnostics)
      -- the dataset is the plugin's now (the old one freed when no view job holds
      -- it): the watcher would close it at its next reload, even when it is the last
      -- good data kept
      if state.watcher then
        state.watcher.dataset = nil
      end
      local empty = ds and no_records(ds)
      if empty then
        ds:close()
        ds, err, diagnostics = nil, empty, nil
      end
      if ds then
        loaded(ds)
        state.broken = nil
        require("bqw.nvim.draw").refresh_all()
        M.notify_line(("reloaded %s"):format(M.short(path)))
        M.redraw()
        -- the old dataset's C memory goes as soon as nothing holds it (an export or a
        -- view job of it may still run: they keep it); the collector alone would
        -- wait, not knowing its size
        return vim.defer_fn(function()
          collectgarbage()
        end, 0)
      end
      local why = err
      for _, d in ipairs(diagnostics or {}) do
        if d.severity == "error" then
          why = d.formatted
          break
        end
      end
      why = tostring(why):gsub(vim.pesc(path), M.short(path))
      if state.broken ~= why then
        state.broken = why
        M.notify_line(("the last good data stays: %s"):format(why), vim.log.levels.WARN)
      end
      M.redraw()
    end)
  )
end

--- Calls fn(ds) with the dataset: at once when loaded, else after a background load of
--- the data file on the loop (the shipped digest, being in memory, loads at once). Either
--- way the search index then builds on a thread of the dataset's own (searches scan
--- until it is ready), never on the editor's.
function M.with_dataset(fn)
  if state.dataset then
    return fn(state.dataset)
  end
  local path = bqw.default_path()
  if not path then
    local ds, err = bqw.load()
    if not ds then
      return M.notify(err, vim.log.levels.ERROR)
    end
    -- as loop:load does for a file: the search index builds off the editor's thread
    ds:index({ background = true, nice = require("bqw.nvim").config.load_nice })
    loaded(ds)
    return fn(ds)
  end
  if state.waiting then
    table.insert(state.waiting, fn)
    return
  end
  state.waiting = { fn }
  vim.g.bqw_loading = 1 -- for a status line (and the benchmark)
  M.loop():load(
    path,
    vim.schedule_wrap(function(ds, err)
      local waiting = state.waiting
      state.waiting = nil
      vim.g.bqw_loading = 0
      if not ds then
        M.notify_line(err, vim.log.levels.ERROR)
        return M.redraw()
      end
      loaded(ds)
      watch(path)
      for _, f in ipairs(waiting or {}) do
        local ok, ferr = pcall(f, ds)
        if not ok then
          M.notify_line(ferr, vim.log.levels.ERROR)
        end
      end
      M.redraw()
    end)
  )
end

--- The dataset now, waiting for a background load if need be (for Lua callers).
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

--- The digest file the records came from: the data file, or the shipped one.
function M.source_file()
  local path = bqw.default_path()
  if path then
    return path
  end
  local source = debug.getinfo(1, "S").source:match("^@(.*)/lua/bqw/nvim/data%.lua$")
  return source and (source .. "/data/bqw-digest-2023.txt") or nil
end

return M
