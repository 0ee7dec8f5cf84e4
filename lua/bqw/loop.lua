--- bqw.loop: background loading, watching and exporting on the core's libuv loop.
---
---   local bqw = require("bqw")
---   local loop = bqw.loop()
---   loop:load("digest.txt", function(ds, err) … end)
---   loop:run()
---
--- Callbacks follow luv's convention: the result, or nil, message, name. They run on
--- the loop's thread (the Lua state's), never on libuv's threadpool.
local core = require("bqw.core")
local config = require("bqw.config")

local M = {}

local Loop = {}
Loop.__index = Loop

local function wrap(handle)
  return require("bqw")._wrap(handle)
end

--- A new loop. opts.host = true runs it on the host's libuv loop (Neovim's, found
--- through luv at run time); without a host it owns its loop, driven by loop:run().
--- Returns the loop, or nil, message.
function M.new(opts)
  opts = opts or {}
  local host
  if opts.host then
    host = core.host_uv_loop()
    if not host then
      return nil, "bqw.loop: no host loop: luv's luv_loop is not in this process (run outside Neovim?)"
    end
  end
  local handle, err = core.loop(host)
  if not handle then
    return nil, err
  end
  return setmetatable({ _loop = handle, hosted = host ~= nil }, Loop)
end

--- Drives this (owned) loop from a luv loop that cannot be shared, such as Neovim's
--- when luv_loop is not reachable: luv polls this loop's backend fd and runs it
--- without waiting, honouring its next timeout. uv is the luv module (vim.uv or
--- vim.loop). Returns the loop; loop:detach() undoes it.
function Loop:attach(uv)
  assert(not self.hosted, "bqw.loop:attach: this loop already runs on its host's loop")
  if type(uv) ~= "table" or type(uv.new_poll) ~= "function" or type(uv.new_timer) ~= "function" then
    error(("bqw.loop:attach: bad argument #1: expected the luv module (vim.uv or vim.loop), got %s"):format(type(uv)), 2)
  end
  local poll = uv.new_poll(self._loop:info().backend_fd)
  local timer = uv.new_timer()
  local function pump()
    self._loop:run("nowait")
    local info = self._loop:info()
    timer:stop()
    -- with nothing pending the backend timeout is 0: wait for the fd instead of spinning
    if info.pending > 0 and info.backend_timeout >= 0 then
      timer:start(info.backend_timeout, 0, pump)
    end
  end
  poll:start("r", pump)
  self._attached = { poll = poll, timer = timer, pump = pump }
  pump()
  return self
end

--- Undoes loop:attach.
function Loop:detach()
  local a = self._attached
  if a then
    a.poll:stop()
    a.poll:close()
    a.timer:stop()
    a.timer:close()
    self._attached = nil
  end
end

--- After starting work on an attached loop, lets the host notice it at once.
function Loop:_kick()
  if self._attached then
    self._attached.pump()
  end
end

--- Runs the loop: "default" until no work is left, "once", or "nowait". Returns
--- whether work remains. A callback's error is raised here.
function Loop:run(mode)
  return self._loop:run(mode)
end

--- Closes every handle and frees the loop; loads in flight still call back.
function Loop:close()
  self:detach()
  self._loop:close()
end

--- { backend_fd, backend_timeout, pending, now, host_pcall, load_nice }: for a host
--- that polls; host_pcall says callbacks go through the host's (luv's) protected call;
--- load_nice is loop:set_load_nice's.
function Loop:info()
  return self._loop:info()
end

--- The priority of later loads and reloads: 0 (the default) runs each on libuv's
--- threadpool at normal priority; 1..19 runs each on a thread of its own that lowers
--- its own priority by that many nice steps (Linux; elsewhere normal priority), so the
--- host (Neovim) keeps its CPU while a large digest loads. Raises on anything but a
--- whole number 0..19. Returns the loop.
function Loop:set_load_nice(n)
  self._loop:set_load_nice(n)
  return self
end

--- Whether later loads and reloads start building their dataset's search index on a
--- thread of its own (true, the default), or leave it to the first searches (false: for
--- a host that does not search, such as an export on every change). Returns the loop.
function Loop:set_index(on)
  assert(type(on) == "boolean", "bqw.loop:set_index: on must be a boolean")
  self._loop:set_index(on)
  return self
end

--- Loads a digest in the background (read, validate, normalize, parse);
--- callback(ds) or callback(nil, message, name) with name "ECANCELED" after
--- req:cancel(). The dataset comes with its search index building on a thread of its
--- own, at the loop's load nice value (see Dataset:index; loop:set_index(false) turns
--- that off). Returns the request.
function Loop:load(path, callback)
  assert(type(path) == "string", "bqw.loop:load: path must be a string")
  assert(type(callback) == "function", "bqw.loop:load: callback must be a function")
  self._loop:set_max_size(config.values.max_size)
  local req, err, name = self._loop:load(path, function(handle, status)
    if not handle then
      return callback(nil, "bqw: load of " .. path .. " " .. (status == "ECANCELED" and "cancelled" or "failed: " .. status), status)
    end
    local ds, werr, wname = wrap(handle)
    callback(ds, werr, wname)
  end)
  self:_kick()
  return req, err, name
end

--- A timer: fn() after timeout_ms, then every repeat_ms (0: once). t:stop() ends it.
function Loop:timer(timeout_ms, repeat_ms, fn)
  local t, err = self._loop:timer(timeout_ms, repeat_ms or 0, fn)
  self:_kick()
  return t, err
end

--- A signal handler: fn(name) on "int", "term" or "hup". s:stop() ends it.
function Loop:signal(name, fn)
  return self._loop:signal(name, fn)
end

--- Watches a digest and reloads it when it changes: written, replaced by an editor's
--- atomic save, deleted and re-created; opts.debounce (ms, default 100) after the last
--- change, so a burst gives one reload. callback(ds) with the new dataset, or
--- callback(nil, message, diagnostics) when the new content has errors: the watcher
--- keeps the last good dataset as w.dataset. Returns the watcher; w:stop() ends it.
function Loop:watch(path, opts, callback)
  if type(opts) == "function" then
    opts, callback = {}, opts
  end
  assert(type(path) == "string", "bqw.loop:watch: path must be a string")
  assert(type(callback) == "function", "bqw.loop:watch: callback must be a function")
  local watcher = { path = path, reloads = 0 }
  self._loop:set_max_size(config.values.max_size)
  local handle, err = self._loop:watch(path, (opts and opts.debounce) or 100, function(ds_handle, status)
    watcher.reloads = watcher.reloads + 1
    if not ds_handle then
      return callback(nil, "bqw: reload of " .. path .. " failed: " .. status, {})
    end
    local diagnostics = ds_handle:diagnostics()
    local ds, message = wrap(ds_handle)
    if ds then
      if watcher.dataset then
        watcher.dataset:close()
      end
      watcher.dataset = ds
      return callback(ds)
    end
    callback(nil, message, diagnostics)
  end)
  if not handle then
    return nil, err
  end
  watcher._handle = handle
  self:_kick()
  function watcher.stop()
    handle:stop()
  end
  function watcher.active()
    return handle:active()
  end
  return watcher
end

--- Exports without blocking the loop: the export plugin runs in a coroutine, in
--- slices (a slice ends every opts.slice records the plugin reports or a pass of the
--- export looks at, counting or writing, default 500, or 256 KB written), one slice per
--- loop turn. callbacks.progress(done, total) after each slice once the records are
--- counted (the job's total is nil before); callbacks.done(true) or callbacks.done(nil,
--- message, name) at the end (names as ds:export gives them; "ECANCELED" when
--- cancelled). The output (opts.output) is written atomically: a failed or cancelled
--- export, or one that matches no record (unless opts.allow_empty), leaves no file, or
--- the older one intact. Returns a job with job:cancel(), or nil, message, name.
function Loop:export(ds, format, opts, callbacks)
  local check_arg = require("bqw")._check_arg
  if type(ds) ~= "table" or type(ds._export_job) ~= "function" then
    error(("bqw.loop:export: bad argument #1: expected a dataset, got %s"):format(type(ds)), 2)
  end
  check_arg("loop:export", 3, opts, "table", true)
  check_arg("loop:export", 4, callbacks, "table", true)
  opts = opts or {}
  callbacks = callbacks or {}
  if not opts.output then
    return nil, "bqw.loop:export: needs opts.output (a file)"
  end
  check_arg("loop:export", 3, opts.output, "string") -- opts.output
  local export_opts = {}
  for k, v in pairs(opts) do
    if k ~= "output" and k ~= "slice" then
      export_opts[k] = v
    end
  end
  local job, err, ename = ds:_export_job(format, export_opts)
  if not job then
    return nil, err, ename
  end
  job.output = opts.output -- named when nothing matches
  local file, ferr, fname = require("bqw.atomic").begin(opts.output)
  if not file then
    return nil, ferr, fname
  end
  local slice = opts.slice or 500
  local done, since_yield, written = 0, 0, 0
  local total -- counted in the coroutine: with a Lua filter that is a pass of its own
  local function step_done(n)
    since_yield = since_yield + n
    if since_yield >= slice then
      since_yield = 0
      coroutine.yield()
    end
  end
  -- passes that write nothing (the count, a document's sections, a sort) yield too
  job.set_pause(function(n)
    step_done(n or 1) -- n: records a pass in the core looked at since the last call
  end)
  local nothing -- { message, name } of an export that matches no record
  local co = coroutine.create(function()
    total = job.count()
    local message, name = job.nothing()
    if message then
      nothing = { message, name }
      return
    end
    local out = {}
    function out.write(_, ...)
      file.out:write(...)
      for i = 1, select("#", ...) do
        written = written + #tostring((select(i, ...)))
      end
      if written >= 262144 then
        written = 0
        coroutine.yield()
      end
      return out
    end
    job.fill(out, function(n)
      done = done + (n or 1)
      step_done(n or 1)
    end, slice)
  end)
  local state = { finished = false }
  -- total: the records the export writes, once counted (nil before)
  local handle = { warning = file.warning }
  local timer
  local function finish(ok, message, name)
    if state.finished then
      return
    end
    state.finished = true
    if timer then
      timer:stop()
    end
    if ok then
      local committed, cerr = file.commit()
      if not committed then
        ok, message, name = nil, cerr, "EIO"
      end
    else
      file.abort()
    end
    if ok then
      handle.total = total
      if callbacks.progress then
        callbacks.progress(total, total)
      end
    end
    if callbacks.done then
      callbacks.done(ok, message, name)
    end
  end
  local function step()
    local ok, rerr = coroutine.resume(co)
    if not ok then
      local name = type(rerr) == "table" and rerr.name or nil
      rerr = tostring(rerr)
      return finish(nil, rerr, name or require("bqw.plugins").error_name(rerr, "EIO"))
    end
    if coroutine.status(co) == "dead" then
      if nothing then
        return finish(nil, nothing[1], nothing[2])
      end
      return finish(true)
    end
    if total then
      handle.total = total
      if callbacks.progress then
        callbacks.progress(math.min(done, total), total)
      end
    end
  end
  timer = self._loop:timer(0, 1, step)
  self:_kick()
  --- Stops the export; the output file is left as it was.
  function handle.cancel()
    finish(nil, "cancelled", "ECANCELED")
  end
  function handle.finished()
    return state.finished
  end
  return handle
end

-- Every method checks its receiver: loop.info() (a dot for a colon) is the caller's
-- mistake, said as one. The method is a tail call, so errors it raises at level 2
-- still name the caller's line.
for name, method in pairs(Loop) do
  if type(method) == "function" then
    Loop[name] = function(self, ...)
      if getmetatable(self) ~= Loop then
        error(("bqw.loop: %s must be called as loop:%s(…)"):format(name, name), 2)
      end
      return method(self, ...)
    end
  end
end

return M
