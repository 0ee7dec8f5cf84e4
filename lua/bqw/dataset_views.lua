--- Views of a dataset: ds:view (a view plugin's lines, in this Lua state) and
--- ds:view_job (built on another thread, held in C). Methods of bqw's Dataset.
local core = require("bqw.core")
local config = require("bqw.config")
local util = require("bqw.dataset_util")

local Dataset = util.Dataset
local check_arg = util.check_arg

local VIEW_COMMON = { where = true, width = true, script = true, sort = true, tick = true, first = true, sink = true, plain = true }
--- The record fields a streaming view reads: the plugin's `fields` (a list of field
--- names, or a function(opts) giving one; names that are no record field are left out)
--- and the fields opts.sort orders by; nil (every field) when the plugin declares none or
--- the sort is a function, which may read any.
local function view_fields(plugin, opts)
  local list = plugin.fields
  if type(list) == "function" then
    list = list(opts)
  end
  if type(list) ~= "table" or (opts.sort ~= nil and type(opts.sort) ~= "string") then
    return nil
  end
  local record, out, seen = {}, {}, {}
  for _, name in ipairs(require("bqw.fields").RECORD) do
    record[name] = true
  end
  local function add(name)
    if record[name] and not seen[name] then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  add("id")
  for _, name in ipairs(list) do
    add(name)
  end
  for _, k in ipairs(opts.sort and require("bqw.collate").parse_keys(opts.sort) or {}) do
    add(k.field)
  end
  return out
end

--- Renders a view plugin: ds:view("table", { where = "region=粤北", width = 80,
--- columns = { "city", "title" } }). Returns the view result (lines, highlights,
--- folds, ids) or nil, message, name ("ENOENT" no such view, "EINVAL" a bad option
--- or where, "EPLUGIN" the plugin failed). The plugin's own options (its `options`
--- list) take their declared default when not given. opts.sort orders the records first: a field name
--- ("-field" descending), a function(a, b) (see Query:sort) or { column = NAME,
--- desc = BOOL } (bqw.sort.by_column). The result's count is the number of records
--- the view shows. opts.sink (a function(chunk)) takes the lines of a streaming view
--- (plugin.stream: list, table) in chunks of view results as they are made; the result
--- then holds no lines, only count and line_count (a view without stream ignores it);
--- with opts.plain the chunks carry no highlights (a sink that draws without colour).
--- A streaming plugin's `fields` (a list of record field names, or a function(opts)
--- giving one) are the fields its records are built with (all of them without).
function Dataset:view(name, opts)
  opts = util.named_call(self, "view", name, opts)
  local plugin, options, ename = util.plugin_options("view", name, opts, VIEW_COMMON)
  if not plugin then
    return nil, options, ename
  end
  -- A plugin that says query = true counts through the query (its facets, counted by
  -- the core) instead of being handed every record: it gets an empty list. A streaming
  -- plugin drawn for a sink gets the records one at a time, from the query.
  local streaming = opts.sink ~= nil and plugin.stream ~= nil
  for _, o in ipairs(plugin.option_list or {}) do
    if options[o.name] == nil then
      options[o.name] = o.default -- what the plugin declares, unless given
    end
  end
  options.width = options.width or 100
  local records, q = {}, nil
  local selected, serr, sname
  if plugin.query or streaming then
    local fields = streaming and view_fields(plugin, options) or nil
    selected, serr, sname =
      util.select_query(self, opts.where, opts.script, opts.sort, opts.tick, opts.first, nil, fields)
  else
    selected, serr, sname = util.select_records(self, opts.where, opts.script, opts.sort, opts.tick, opts.first)
  end
  if not selected then
    return nil, serr, sname
  elseif plugin.query or streaming then
    q = selected
  else
    records = selected
  end
  local ctx = {
    dataset = self,
    meta = self:meta({ script = opts.script }),
    version = require("bqw").version,
    util = require("bqw.view_util"),
    query = q,
  }
  -- builders made while the plugin renders call opts.tick every few lines
  local view_util = require("bqw.view_util")
  local saved_tick = view_util.current_tick
  view_util.current_tick = opts.tick
  local ok, result, rname
  if streaming then
    check_arg("view", 2, opts.sink, "function")
    options.sink, options.plain = nil, nil
    -- an error of the sink (stdout full) is the caller's, not a failure of the plugin
    local sink_error
    local out, shown = view_util.builder(function(chunk)
      local sent, e = pcall(opts.sink, chunk)
      if not sent then
        sink_error = e
        error("bqw: the view's sink failed", 0)
      end
    end, opts.plain), 0
    -- a view that lays its records out by the core says how many it showed
    ctx.shown = function(n)
      shown = math.max(shown, n)
    end
    -- a filter failing as the records come is the query's failure, not the view's
    local source_error
    -- the core's walk of the records for a view laid out by the core: its failure
    -- (a user filter's) is the query's, as the records' below
    ctx.walk = function(method, handle, ...)
      local done, a, b, c = pcall(method, handle, ...)
      if not done then
        source_error = a
        error("bqw: the view's records failed", 0)
      end
      return a, b, c
    end
    local function source()
      local n, next_record = 0, q:iter()
      return function()
        local got, r = pcall(next_record)
        if not got then
          source_error = r
          error("bqw: the view's records failed", 0)
        end
        if r ~= nil then
          n = n + 1
          shown = math.max(shown, n)
        end
        return r
      end
    end
    ok, result, rname = require("bqw.plugins").call(plugin, "stream", source, options, ctx, out)
    if ok then
      pcall(out.flush, out)
    end
    if sink_error ~= nil then
      view_util.current_tick = saved_tick
      error(sink_error, 0)
    end
    if source_error ~= nil then
      view_util.current_tick = saved_tick
      local message = tostring(source_error):gsub("^bqw: where: ", "")
      return nil, message, require("bqw.plugins").error_name(message, "EINVAL")
    end
    if ok then
      result = { lines = {}, highlights = {}, folds = {}, ids = {}, count = shown, line_count = out:count() }
      view_util.current_tick = saved_tick
      return result
    end
  else
    ok, result, rname = require("bqw.plugins").call(plugin, "render", records, options, ctx)
  end
  view_util.current_tick = saved_tick
  if not ok then
    return nil, result, rname
  end
  if type(result) ~= "table" or type(result.lines) ~= "table" then
    return nil, ("plugin %s (%s): error: render returned no lines table"):format(name, plugin.path), "EPLUGIN"
  end
  result.highlights = result.highlights or {}
  result.folds = result.folds or {}
  result.ids = result.ids or {}
  result.count = #records
  return result
end

-- The package.path entries of the directory this file is in, so that a Lua state of
-- a view job finds the same modules (and, through bqw.plugins, the same plugins).
local function own_lua_path()
  local source = debug.getinfo(1, "S").source
  local dir = source:match("^@(.*)/bqw/dataset_views%.lua$")
  if not dir then
    return package.path
  end
  return ("%s/?.lua;%s/?/init.lua"):format(dir, dir)
end

--- Builds view `name` on another thread, in a Lua state of its own over the same
--- dataset, and holds the result in C: for a host whose own Lua state must not hold
--- hundreds of thousands of lines (Neovim). opts as ds:view takes them, but plain
--- values only (no tick; sort a field name or { column, desc }); bqw.setup's options
--- go along. Returns a job: job:done() (poll it), job:result() -> view | nil, message
--- (a bqw.core.view: view:count(), :line(l), :lines(first, last), :id(l), :level(l)
--- (a 'foldexpr' value), :highlights(l), :records()), job:cancel(). Plugins are
--- found as ds:view finds them: on the plugin path, by file. The thread runs at a
--- lower priority than the caller's unless opts.first asks for a preview.
function Dataset:view_job(name, opts)
  local handle
  opts, handle = util.named_call(self, "view_job", name, opts)
  local spec = { name = name, opts = {}, config = {}, builtin_plugin_dir = core.builtin_plugin_dir }
  for k, v in pairs(opts) do
    if k ~= "tick" then
      spec.opts[k] = v
    end
  end
  if type(spec.opts.sort) == "function" then
    error("bqw: view_job: sort must be a field name or { column = NAME, desc = BOOL }: a function cannot go to another thread", 2)
  end
  for k, v in pairs(config.values) do
    spec.config[k] = v
  end
  -- a preview (opts.first) is short and wanted at once; the whole view runs at a lower
  -- priority than the caller's thread
  return core.view_job(handle, own_lua_path(), "bqw.view_worker", spec, spec.opts.first == nil)
end

--- Counts the records `where` selects on another thread, at the caller's priority: a
--- job as ds:view_job returns, whose view has no lines and whose :records() is the
--- count. For a host that must show a count before a large view is built (Neovim's
--- live filter): a text search over a large dataset takes 100s of ms.
function Dataset:count_job(where, opts)
  local handle = util.handle_of(self, "count_job", 3)
  check_arg("count_job", 1, where, "string", true)
  check_arg("count_job", 2, opts, "table", true)
  opts = opts or {}
  local spec = { count = true, opts = { where = where, script = opts.script }, config = {} }
  for k, v in pairs(config.values) do
    spec.config[k] = v
  end
  return core.view_job(handle, own_lua_path(), "bqw.view_worker", spec, false)
end

--- Computes the dataset's codings (its codebooks' codes of every measure) on another
--- thread, at a lower priority than the caller's: a job as ds:view_job returns, done once
--- they are (ds._handle:codings_ready() says so). For a host that must not wait (Neovim
--- highlights evidence only once they are: 2 s of coding at 100 MB).
function Dataset:coding_job()
  local handle = util.handle_of(self, "coding_job", 3)
  local spec = { codings = true, opts = {}, config = {} }
  for k, v in pairs(config.values) do
    spec.config[k] = v
  end
  return core.view_job(handle, own_lua_path(), "bqw.view_worker", spec, true)
end
