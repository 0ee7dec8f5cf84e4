--- Runs inside a view job's own Lua state, on its own thread (core.view_job, started
--- by Dataset:view_job): the view built as ds:view builds it, with the caller's
--- bqw.setup options. The binding turns the result into a bqw.core.view.
require("bqw.loader") -- bqw's modules from bqw's directory (and the JIT as bqw.loader says)
local config = require("bqw.config")

return function(handle, spec, tick)
  -- where a host (the bqw command) said the built-in plugins are
  require("bqw.core").builtin_plugin_dir = spec.builtin_plugin_dir
  for k, v in pairs(spec.config or {}) do
    config.values[k] = v
  end
  local ds, err = require("bqw")._dataset_of(handle)
  if not ds then
    return nil, err
  end
  local opts = {}
  for k, v in pairs(spec.opts or {}) do
    opts[k] = v
  end
  if spec.codings then
    -- a coding job (ds:coding_job): the codings computed here, not on the caller's thread
    return { lines = {}, highlights = {}, folds = {}, ids = {}, count = #ds._handle:codings(1) }
  end
  if spec.count then
    -- a count job (ds:count_job): the engine's count, no view plugin, no lines
    local q, qerr, qname = require("bqw.dataset_util").select_query(ds, opts.where, opts.script)
    if not q then
      return nil, qerr, qname
    end
    return { lines = {}, highlights = {}, folds = {}, ids = {}, count = q:count() }
  end
  -- the job's tick raises once it is cancelled: the plugin stops there
  opts.tick = tick
  return ds:view(spec.name, opts)
end
