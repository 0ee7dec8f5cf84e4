--- bqw: the Lua API over libbqw.
---
---   local bqw = require("bqw")
---   local ds = assert(bqw.load())          -- the shipped digest
---   for _, r in ipairs(ds:records()) do print(r.id, r.kind, r.title or r.text) end
---
--- Failures return nil, message, name (luv's convention); wrong arguments raise.
--- Runs on Lua 5.4 and LuaJIT: no integer division, no bit operators, no utf8 library.
require("bqw.loader") -- bqw's modules from bqw's directory, never the working directory
local core = require("bqw.core")

local M = {
  version = core.version,
  --- The Lua ABI bqw.core was built for ("Lua 5.4" or "Lua 5.1" under LuaJIT).
  lua_abi = core.lua_abi,
}

local Dataset = {}
Dataset.__index = Dataset

local function check_arg(fname, pos, value, expected, optional)
  if (optional and value == nil) or type(value) == expected then
    return
  end
  error(
    ("bqw.%s: bad argument #%d: expected %s%s, got %s"):format(
      fname,
      pos,
      expected,
      optional and " or nil" or "",
      type(value)
    ),
    3
  )
end

local function first_error(handle)
  for _, d in ipairs(handle:diagnostics()) do
    if d.severity == "error" then
      return d.formatted
    end
  end
  local _, name = handle:status()
  return handle:name() .. ": error: " .. name
end

local function wrap(handle)
  local rc, name = handle:status()
  if rc ~= 0 then
    local message = first_error(handle)
    handle:close()
    return nil, message, name
  end
  local coded, cerr, cname = require("bqw.codebooks").attach(handle)
  if not coded then
    handle:close()
    return nil, cerr, cname
  end
  return setmetatable({ _handle = handle }, Dataset)
end

local config = require("bqw.config")

--- The Dataset of a bqw.core handle (for bqw.view_worker), or nil, message, name.
M._dataset_of = wrap

--- Sets options; an unknown key or a bad value raises. Options:
---   data = FILE          the digest bqw.load() opens when given no path (default: the
---                        shipped digest, or $BQW_DATA when set)
---   plugin_path = DIRS   plugin directories (a list, or "dir1:dir2"), searched after
---                        $BQW_PLUGIN_PATH and before ~/.config/bqw/plugins
---   max_size = BYTES     a digest file larger than this is refused before it is read
---                        (default 1 GiB; false: back to the default)
---   codebooks = FILES    codebook files (TSV; a list, or one name) that code the
---                        measures instead of the default set (bqw.codebooks; false:
---                        back to it)
function M.setup(opts)
  check_arg("setup", 1, opts, "table", true)
  config.set(opts or {}, 3)
  if opts and opts.plugin_path ~= nil then
    require("bqw.plugins").reset()
  end
  return M
end

--- The file bqw.load() opens when given no path, or nil for the shipped digest.
function M.default_path()
  local env = os.getenv("BQW_DATA")
  return config.values.data or (env ~= "" and env or nil)
end

--- Loads a digest: the file at path; with no path, the default (see bqw.setup), which
--- is the shipped digest unless configured.
--- Returns a dataset, or nil, "FILE:LINE:COL: error: …", and the name:
---   "EIO" the file cannot be read (missing, not a regular file, over max_size),
---   "EENCODING" invalid UTF-8, another encoding, a binary file,
---   "ENODATA" no record in it (empty, white space only, not the digest),
---   "ENOMEM".
function M.load(path)
  check_arg("load", 1, path, "string", true)
  local handle, message, name = core.load(path or M.default_path(), config.values.max_size)
  if not handle then
    return nil, message, name
  end
  return wrap(handle)
end

--- Loads a digest from a string of bytes; name labels its diagnostics.
function M.load_string(bytes, name)
  check_arg("load_string", 1, bytes, "string")
  check_arg("load_string", 2, name, "string", true)
  local handle, message, ename = core.load_buffer(bytes, name or "(string)")
  if not handle then
    return nil, message, ename
  end
  return wrap(handle)
end

--- Checks a digest without failing on its errors. Returns a table:
---   { ok = bool, status = "OK" | "EIO" | "EENCODING" | …, name = file,
---     diagnostics = { {severity, line, col, col_byte, message, formatted}, … },
---                  -- col in characters, col_byte in bytes (formatted uses bytes)
---     report = { bytes, lines, residue_removed, repairs_applied, … },
---     stats = { … } }            -- stats is nil when the file could not be read
--- or nil, message, name when not even that can be produced (out of memory).
function M.check(path)
  check_arg("check", 1, path, "string", true)
  local handle, message, name = core.load(path or M.default_path(), config.values.max_size)
  if not handle then
    return nil, message, name
  end
  local rc, status = handle:status()
  local result = {
    ok = rc == 0,
    status = status,
    name = handle:name(),
    diagnostics = handle:diagnostics(),
    report = handle:report(),
    stats = status ~= "EIO" and handle:stats() or nil,
  }
  handle:close()
  return result
end

--- The shipped digest's bytes, as published.
function M.default_digest()
  return core.default_digest()
end

--- Display width of a UTF-8 string in terminal cells: a Han character is 2, an East
--- Asian Ambiguous one (“ ” ◎ ● — …) `ambiwidth` (default: bqw.setup's, 1).
function M.width(s, ambiwidth)
  check_arg("width", 1, s, "string")
  check_arg("width", 2, ambiwidth, "number", true)
  return core.width(s, ambiwidth or config.values.ambiwidth)
end

--- s cut to fit width cells, ending in "…" when cut; and the cells it takes.
function M.truncate(s, width, ellipsis, ambiwidth)
  check_arg("truncate", 1, s, "string")
  check_arg("truncate", 2, width, "number")
  check_arg("truncate", 3, ellipsis, "string", true)
  check_arg("truncate", 4, ambiwidth, "number", true)
  return core.truncate(s, width, ellipsis, ambiwidth or config.values.ambiwidth)
end

--- s in a script: "hans" (Simplified: OpenCC t2s with bqw's overrides,
--- data/convert-overrides.tsv and the 著/着 list data/convert-zhe.tsv) or "hant" (Traditional: OpenCC t2s, then s2t, so either
--- kind of input comes out the same). The converter is compiled into the core and runs
--- at hundreds of MB/s, so nothing is cached. Returns nil, message, name when s is not
--- valid UTF-8.
function M.convert(s, script)
  check_arg("convert", 1, s, "string")
  check_arg("convert", 2, script, "string")
  if script ~= "hans" and script ~= "hant" then
    error(('bqw.convert: bad argument #2: expected "hans" or "hant", got %q'):format(script), 2)
  end
  return core.convert(s, script)
end

local function convert_or_keep(s, script)
  return M.convert(s, script) or s
end

local function script_of(opts)
  local script = opts and opts.script or config.script()
  if script ~= "hans" and script ~= "hant" and script ~= "original" then
    error(('bqw: script must be "hans", "hant" or "original", got %q'):format(tostring(script)), 3)
  end
  return script
end

-- ---- Dataset ------------------------------------------------------------------------

local function handle_of(self, method)
  if getmetatable(self) ~= Dataset then
    error(("bqw: %s must be called as ds:%s(…)"):format(method, method), 3)
  end
  if not self._handle then
    error("bqw: the dataset is closed", 3)
  end
  return self._handle
end

--- All records in source order, as fresh plain tables with the derived fields (see
--- :help bqw-records), their text in opts.script or bqw.setup's script (hans).
function Dataset:records(opts)
  local handle = handle_of(self, "records")
  check_arg("records", 1, opts, "table", true)
  return handle:records(nil, nil, script_of(opts))
end

--- The record with this id (its position in source order), or nil.
function Dataset:record(id, opts)
  local handle = handle_of(self, "record")
  check_arg("record", 1, id, "number")
  check_arg("record", 2, opts, "table", true)
  if id ~= math.floor(id) then
    return nil
  end
  return handle:record(id, script_of(opts))
end

--- Full-text search over titles, cities, headlines, measures, prose and categories,
--- ignoring script, width and case; terms separated by spaces must all occur.
--- opts.limit (default 50) bounds the hits, opts.script the text they carry;
--- opts.pinyin reads the query as pinyin: full syllables or initials ("xczx",
--- "xiangcunzhenxing"), any reading of a character.
--- Returns { total = records' fields that match, hits = { { id, field ("title",
--- "city", "headline", "measure", "text", "category"), item (the measure's number),
--- text (in the script), spans = { { first, last }, … } (byte offsets into text, from
--- 0, last exclusive), record }, … } } in rank order: titles first, then cities,
--- headlines, measures, prose, categories, each in source order. An empty query
--- returns nil, message.
function Dataset:search(query, opts)
  local handle = handle_of(self, "search")
  check_arg("search", 1, query, "string")
  check_arg("search", 2, opts, "table", true)
  opts = opts or {}
  local script = script_of(opts)
  -- the core converts each hit's text and finds the spans in it; only the records of
  -- the hits returned are built
  local result, err, name = handle:search(query, opts.limit or 50, opts.pinyin, script)
  if not result then
    return nil, err, name
  end
  for _, hit in ipairs(result.hits) do
    hit.record = handle:record(hit.id, script)
  end
  return result
end

--- Builds the search index (titles, cities, headlines, measures, prose, categories)
--- and returns true when searches answer from it. Without it a search reads every text
--- (the command line's case: one search); the second search of a dataset starts the
--- build in the background itself, and a dataset from loop:load comes with its build
--- under way. opts.background = true starts the build on a thread of the dataset's own
--- and returns at once (opts.nice: 0..19 steps of lower priority); searches meanwhile
--- scan, with the same hits, order and total. Returns true, or nil, message, name.
function Dataset:index(opts)
  local handle = handle_of(self, "index")
  check_arg("index", 1, opts, "table", true)
  opts = opts or {}
  return handle:index(opts.background, opts.nice)
end

--- Whether searches answer from the index (see Dataset:index).
function Dataset:index_ready()
  return handle_of(self, "index_ready"):index_ready()
end

--- The ids of the records any of whose fields match the query: { [id] = true }.
function Dataset:_search_ids(query)
  return handle_of(self, "search"):search_ids(query)
end

--- The engine's filter of an expression (binding/filter.c), user filter plugins
--- evaluated on the records as published; raises a caret error, or with quiet returns
--- nil, { message, column, pos }.
function Dataset:_compile(expr, quiet)
  local handle = handle_of(self, "query")
  local f, err = handle:query_compile(
    expr,
    require("bqw.plugins").engine_options(function(id)
      return handle:record(id)
    end, { dataset = self })
  )
  if not f and not quiet then
    error("bqw: where: --where:1:" .. err.column .. ": error: " .. err.message, 0)
  end
  return f, err
end

--- A query over the records: ds:query{ region = "粤北", year = 2027 },
--- ds:query("region=粤北 year>=2025"), or ds:query() for all; chain :where(fn | expr |
--- table), :sort(key), :limit(n), then :all(), :iter(), :count(), :first().
--- A filter it cannot use (a bad expression, an unknown filter or value, a filter
--- plugin that fails) returns nil, message, name ("EINVAL", "EPLUGIN").
function Dataset:query(filter, opts)
  local ftype = type(filter)
  if filter ~= nil and ftype ~= "string" and ftype ~= "table" and ftype ~= "function" then
    error(("bqw.query: bad argument #1: expected string, table, function or nil, got %s"):format(ftype), 2)
  end
  check_arg("query", 2, opts, "table", true)
  local script = script_of(opts)
  local handle = handle_of(self, "query")
  local tick = opts and opts.tick
  -- Records are built one at a time as the query runs: only those that pass the
  -- filters the core tests; as published when a Lua filter must see them, then again
  -- in the script for those that match. opts.first limits the query to the first
  -- records (a preview); opts.tick is called every few records scanned.
  local count = handle:count()
  if opts and opts.first then
    count = math.min(count, opts.first)
  end
  local q = require("bqw.query").new({
    count = count,
    get = function(id)
      return handle:record(id)
    end,
    -- the expressions, compiled by the engine: only user filter plugins build a record
    compile = function(expr)
      return self:_compile(expr, true)
    end,
    -- for exports the core writes itself (Query:_native)
    handle = handle,
    script = script,
    next_match = function(f, from)
      local id = handle:next_match(f, from)
      return id and id <= count and id or nil
    end,
    -- the ids in a sort's order, sorted by the core (Query:_c_order)
    order = function(f, keys)
      return handle:order(f, count, keys, script)
    end,
  }, {
    dataset = self,
    script = script,
    first = opts and opts.first,
    tick = tick,
    pause = opts and opts.pause,
    present = function(r)
      return script == "original" and r or handle:record(r.id, script)
    end,
    fetch = function(id)
      return handle:record(id, script)
    end,
  })
  if filter ~= nil then
    local ok, result = pcall(q.where, q, filter)
    if not ok then
      return nil, require("bqw.outcome").query_failure(result)
    end
    q = result
  end
  return q
end

--- The query a where option makes: nil for all, an expression, a table or a function;
--- in the order sort names ("city,-year": pinyin order, numbers numerically, or a
--- function as Query:sort takes), or source order; tick and first as ds:query takes them.
local function select_query(ds, where, script, sort, tick, first)
  if type(sort) == "table" then
    sort = require("bqw.sort").by_column(sort.column, sort.desc)
  end
  local ok, result = pcall(function()
    local q, qerr = ds:query(where, { script = script, tick = tick, first = first })
    if not q then
      error(qerr, 0)
    end
    if sort ~= nil then
      q = q:sort(sort)
    end
    return q
  end)
  if not ok then
    local message = tostring(result):gsub("^bqw: where: ", ""):gsub("^.-bqw: sort: ", "")
    return nil, message, require("bqw.plugins").error_name(message, "EINVAL")
  end
  return result
end

--- The records a where option selects, in an array.
local function select_records(ds, where, script, sort, tick, first)
  local q, err, ename = select_query(ds, where, script, sort, tick, first)
  if not q then
    return nil, err, ename
  end
  local ok, result = pcall(q.all, q)
  if not ok then
    local message = tostring(result):gsub("^bqw: where: ", "")
    return nil, message, require("bqw.plugins").error_name(message, "EINVAL")
  end
  return result
end

local VIEW_COMMON = { where = true, width = true, script = true, sort = true, tick = true, first = true, sink = true, plain = true }
local EXPORT_COMMON = {
  where = true,
  shape = true,
  output = true,
  stream = true,
  columns = true,
  script = true,
  sort = true,
  warn = true,
  allow_empty = true,
  ids = true,
}

--- nil, or a message naming an option that neither every plugin of the kind nor this
--- one (its `options` table) takes.
local function unknown_option(opts, common, plugin, kind, name)
  for k, v in pairs(opts) do
    if v ~= nil and not common[k] and not (plugin.options and plugin.options[k]) then
      local known = {}
      for o in pairs(plugin.options or {}) do
        known[#known + 1] = o
      end
      table.sort(known)
      local near = require("bqw.plugins").suggest(tostring(k), known)
      return ("%s %q has no option %q%s%s"):format(
        kind,
        name,
        tostring(k),
        near and ("; did you mean %s?"):format(near) or "",
        #known > 0 and (" (its options: " .. table.concat(known, ", ") .. ")") or ""
      )
    end
  end
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
function Dataset:view(name, opts)
  handle_of(self, "view")
  check_arg("view", 1, name, "string")
  check_arg("view", 2, opts, "table", true)
  opts = opts or {}
  local plugin, err, ename = require("bqw.plugins").get("view", name)
  if not plugin then
    return nil, err, ename
  end
  local unknown = unknown_option(opts, VIEW_COMMON, plugin, "view", name)
  if unknown then
    return nil, unknown, "EINVAL"
  end
  -- A plugin that says query = true counts through the query (its facets, counted by
  -- the core) instead of being handed every record: it gets an empty list. A streaming
  -- plugin drawn for a sink gets the records one at a time, from the query.
  local streaming = opts.sink ~= nil and plugin.stream ~= nil
  local records, q = {}, nil
  if plugin.query or streaming then
    local serr, sname
    q, serr, sname = select_query(self, opts.where, opts.script, opts.sort, opts.tick, opts.first)
    if not q then
      return nil, serr, sname
    end
  else
    local serr, sname
    records, serr, sname = select_records(self, opts.where, opts.script, opts.sort, opts.tick, opts.first)
    if not records then
      return nil, serr, sname
    end
  end
  local options = {}
  for _, o in ipairs(plugin.option_list or {}) do
    options[o.name] = o.default -- what the plugin declares, unless given
  end
  for k, v in pairs(opts) do
    options[k] = v
  end
  options.width = options.width or 100
  local ctx = {
    dataset = self,
    meta = self:meta({ script = opts.script }),
    version = M.version,
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
    -- a filter failing as the records come is the query's failure, not the view's
    local source_error
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
  local dir = source:match("^@(.*)/bqw/init%.lua$")
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
  local handle = handle_of(self, "view_job")
  check_arg("view_job", 1, name, "string")
  check_arg("view_job", 2, opts, "table", true)
  local spec = { name = name, opts = {}, config = {}, builtin_plugin_dir = core.builtin_plugin_dir }
  for k, v in pairs(opts or {}) do
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

--- The rows of a query the core walks itself (Query:_native), for export plugins:
--- count() -> rows, and write(out, spec) writing them as spec says ({ format = "csv" |
--- "tsv" | "ndjson" | "json" | "markdown" | "html", columns = { … } | nil, raw = bool,
--- order = an order of sections() to write only those records }; binding/rows.c),
--- in chunks of about 64 KB or `slice` records, tick(records) after each;
--- sections(candidates) -> the sections of a document of tables (binding/rows.c's
--- scan_sections), a pass that calls query_ctx.pause(n) after each `slice` records
--- it looks at, as a pass in Lua pauses after each record.
local function native_rows(native, shape, tick, slice, query_ctx)
  local rows = {}
  function rows.sections(candidates)
    local scan = core.section_scan({ shape = shape, script = native.script, candidates = candidates })
    local order = native.order
    local last = order and order:count() or native.last
    local from = 1
    while from do
      local nxt, looked = native.handle:scan_sections(scan, native.filter, from, last, slice, order)
      local pause = query_ctx.pause
      if pause and looked > 0 then
        pause(looked)
      end
      from = nxt
    end
    local records, count, groups = scan:result()
    return groups, records, count
  end
  function rows.count()
    local _, n = native.handle:count_rows(native.filter, native.last, shape)
    return n
  end
  function rows.write(out, spec)
    local format = core.row_format({
      format = spec.format,
      shape = shape,
      columns = spec.columns,
      raw = spec.raw and true or false,
      script = native.script,
    })
    local from, separate = 1, spec.separate or false
    -- a sort's order: positions in it instead of ids
    local order = spec.order or native.order
    local last = order and order:count() or native.last
    while from do
      local chunk, nxt, records = native.handle:write_rows(format, native.filter, from, last, separate, slice, order)
      if #chunk > 0 then
        out:write(chunk)
        separate = true
      end
      if records > 0 then
        tick(records)
      end
      from = nxt
    end
  end
  return rows
end

--- Prepares an export: checks the plugin, its options and shape, selects the records.
--- Returns a job { total = records, fill = function(out, tick) } or nil, message.
function Dataset:_export_job(format, opts)
  handle_of(self, "export")
  check_arg("export", 1, format, "string")
  check_arg("export", 2, opts, "table", true)
  opts = opts or {}
  if opts.columns ~= nil and type(opts.columns) ~= "string" and type(opts.columns) ~= "table" then
    error(("bqw.export: bad argument #2: columns must be a list or a string \"a,b,c\", got %s"):format(type(opts.columns)), 3)
  end
  if opts.output ~= nil and type(opts.output) ~= "string" then
    error(("bqw.export: bad argument #2: output must be a file name (string), got %s"):format(type(opts.output)), 3)
  end
  if opts.stream ~= nil then
    local ok, write = pcall(function()
      return opts.stream.write
    end)
    if not (ok and type(write) == "function") then
      error(("bqw.export: bad argument #2: stream must have a write method (a file, or a table with write), got %s"):format(
        type(opts.stream)
      ), 3)
    end
  end
  if opts.ids ~= nil and type(opts.ids) ~= "table" then
    error(("bqw.export: bad argument #2: ids must be a list of record ids, got %s"):format(type(opts.ids)), 3)
  end
  local plugin, err, ename = require("bqw.plugins").get("export", format)
  if not plugin then
    return nil, err, ename
  end
  local unknown = unknown_option(opts, EXPORT_COMMON, plugin, "export", format)
  if unknown then
    return nil, unknown, "EINVAL"
  end
  local options = {}
  for k, v in pairs(opts) do
    options[k] = v
  end
  options.shape = options.shape or plugin.default_shape or "record"
  local shape_ok = false
  for _, s in ipairs(plugin.shapes or { "record" }) do
    shape_ok = shape_ok or s == options.shape
  end
  if not shape_ok then
    return nil,
      ("export %q does not write shape %q (it writes: %s)"):format(
        format,
        tostring(options.shape),
        table.concat(plugin.shapes or { "record" }, ", ")
      ),
      "EINVAL"
  end
  local export_util = require("bqw.export_util")
  if opts.columns then
    local cerr = export_util.check_columns(export_util.columns(opts))
    if cerr then
      return nil, cerr, "EINVAL"
    end
  end
  local q, serr, sname = select_query(self, opts.where, opts.script, opts.ids == nil and opts.sort or nil)
  if not q then
    return nil, serr, sname
  end
  if opts.ids then
    q = require("bqw.outcome").only_ids(q, opts.ids)
  end
  local meta = self:meta({ script = opts.script })
  local plugins = require("bqw.plugins")
  local job = { plugin = plugin, allow_empty = opts.allow_empty }
  --- How many records the export writes (a pass over them when a filter must test
  --- each; free otherwise).
  function job.count()
    job.total = job.total or q:count()
    return job.total
  end
  --- nil when the export has a record to write (or opts.allow_empty says an empty
  --- export is wanted); else the message of an export that matches no record and its
  --- name ("ENODATA"), or of a filter that failed finding out. Stops at the first
  --- record found, unless job.count() already counted.
  function job.nothing(none)
    local output = job.output or opts.output
    if opts.allow_empty then
      return nil
    end
    local ok, any = pcall(function()
      if none then
        return false
      elseif job.total then
        return job.total > 0
      end
      return q:first() ~= nil
    end)
    if not ok then
      return require("bqw.outcome").caught(any, "EINVAL")
    elseif any then
      return nil
    end
    return require("bqw.outcome").nothing(opts.where, output), "ENODATA"
  end
  --- fn() is then called for every record a pass of the export looks at, writing or
  --- not: counting, finding a document's sections, a section's table, a sort in Lua;
  --- fn(n) after n records a pass in the core looked at (a document's sections); a
  --- host running the export in a coroutine yields there, so no pass holds it.
  function job.set_pause(fn)
    q._ctx.pause = fn -- the context this job's query (and its derived ones) share
  end
  --- Runs the plugin into out; tick(n) is called as it reports records done (at
  --- least every `slice` records when given).
  function job.fill(out, tick, slice)
    -- whether any row reached the plugin: an export of none fails (ENODATA) at the end,
    -- so the atomic write of a file keeps the old one, unless opts.allow_empty
    local counter = require("bqw.outcome").counter(tick or function() end)
    tick = counter.tick
    local function counted_rows(iter, shape)
      return counter.rows(export_util.rows(iter, shape))
    end
    local ctx = { dataset = self, meta = meta, version = M.version, util = export_util, tick = tick }
    --- A warning about the export (a whole line, "FILE:LINE:COL: warning: …"): to
    --- opts.warn when given, else to stderr.
    function ctx.warn(message)
      if options.warn then
        options.warn(message)
      else
        io.stderr:write(message, "\n")
      end
    end
    local function check(ok, perr)
      if not ok then
        error(perr, 0)
      end
    end
    -- the core walks the records itself when it tests every filter
    local native = q:_native()
    if native then
      ctx.native = native_rows(native, options.shape, tick, slice, q._ctx)
    end
    --- A fresh iterator over the rows at each call: for a format that must see every
    --- row before it writes some (a table per section), passes instead of a list.
    function ctx.rows()
      return counted_rows(q:iter(), options.shape)
    end
    --- An iterator over the rows of the records with these ids, in that order (ids
    --- an earlier pass over ctx.rows() found): a pass over those records only.
    function ctx.rows_of(ids)
      return counted_rows(q:_by_ids(ids), options.shape)
    end
    --- How many rows the export writes (a second pass over the records when a Lua
    --- filter must see them).
    function ctx.row_count()
      if native then
        return ctx.native.count()
      end
      local n = 0
      for _ in export_util.rows(q:iter(), options.shape) do
        n = n + 1
      end
      return n
    end
    if plugin.record then
      -- begin / record / finish: the loop slices between rows by itself
      ctx.tick = function() end
      if plugin.begin then
        check(plugins.call(plugin, "begin", out, options, ctx))
      end
      -- a built-in format the core writes: a batch of rows per call, no row tables
      local spec
      if native and plugin.native then
        local ok, result = plugins.call(plugin, "native", options, ctx)
        check(ok, result)
        spec = result
      end
      if spec then
        ctx.native.write(out, spec)
      else
        for row in export_util.rows(q:iter(), options.shape) do
          check(plugins.call(plugin, "record", out, row, options, ctx))
          tick()
        end
      end
      if plugin.finish then
        check(plugins.call(plugin, "finish", out, options, ctx))
      end
    elseif plugin.stream then
      -- write(out, rows): rows iterates over the rows in the shape, once; made at the
      -- first call, so a plugin that reads ctx.rows instead costs no pass (a sort)
      local rows
      local function lazy()
        rows = rows or counted_rows(q:iter(), options.shape)
        return rows()
      end
      check(plugins.call(plugin, "write", out, lazy, options, ctx))
    else
      -- the first contract: write(out, records) with every record in an array
      local all = q:all()
      counter.add(#all)
      check(plugins.call(plugin, "write", out, all, options, ctx))
    end
    if counter.seen() == 0 and not opts.allow_empty then
      require("bqw.outcome").raise(job.nothing(true))
    end
  end
  return job
end

--- Exports records with an export plugin: ds:export("csv", { where = …, shape =
--- "record" | "measure", output = FILE (written atomically) | stream = handle, warn =
--- function(line) (the export's warnings, such as an xlsx cell cut to Excel's limit;
--- default: stderr), plus the plugin's own options such as bom }). Without output or
--- stream it returns the text. ids = { id, … } exports those records in that order
--- (what a view shows; where still narrows them). An export that matches no record
--- writes nothing (an output file is left as it was) and returns nil, message,
--- "ENODATA", unless allow_empty = true. Returns true (or the text), or nil, message,
--- name: "ENOENT" no such export, "EINVAL" a bad option or where, "EPLUGIN" a plugin
--- failed, "ENODATA", or the write's ("EIO", "ENOTREG", …). A stream gets what was
--- written before an error; only output files are all-or-nothing. For exports that
--- must not block, see loop:export (|bqw-loop|).
function Dataset:export(format, opts)
  handle_of(self, "export")
  local job, err, ename = self:_export_job(format, opts)
  if not job then
    return nil, err, ename
  end
  opts = opts or {}
  if opts.output then
    local ok, werr, wname = require("bqw.atomic").write(opts.output, job.fill)
    if not ok then
      local message, name = require("bqw.outcome").caught(werr, "EIO")
      return nil, message, wname or name
    end
    return ok
  end
  local chunks = {}
  local sink = opts.stream
    or {
      write = function(self_, ...)
        for i = 1, select("#", ...) do
          chunks[#chunks + 1] = tostring((select(i, ...)))
        end
        return self_
      end,
    }
  local ok, perr = pcall(job.fill, sink)
  if not ok then
    return nil, require("bqw.outcome").caught(perr, "EIO")
  end
  return opts.stream and true or table.concat(chunks)
end

--- Counts records per value of a field: ds:facet("region", { where = "kind=city" }).
--- field is one of region, city, category, doctype, issuer, year, level, kind,
--- mentions (the words of --where, so FIELD=value selects the records counted under
--- value); a record counts once per value it has. opts.where narrows the records,
--- opts.script the values' script. Returns { { value = …, count = n }, … } by count,
--- then value in pinyin order (years numerically), or nil, message, name ("EINVAL"
--- an unknown field or a bad where, "EPLUGIN" a filter plugin failed).
function Dataset:facet(field, opts)
  handle_of(self, "facet")
  check_arg("facet", 1, field, "string")
  check_arg("facet", 2, opts, "table", true)
  opts = opts or {}
  local facet = require("bqw.facet")
  if not facet.FIELDS[field] then
    local none, ferr = facet.count({}, field)
    return none, ferr, ferr and "EINVAL" or nil
  end
  if opts.by ~= nil and not facet.FIELDS[opts.by] then
    local none, ferr = facet.count({}, opts.by)
    return none, ferr, ferr and "EINVAL" or nil
  end
  local q, err, ename = select_query(self, opts.where, opts.script, nil, opts.tick, opts.first)
  if not q then
    return nil, err, ename
  end
  local counts, ferr
  if opts.by ~= nil then
    counts, ferr = self:_crosstab(q, field, opts.by, script_of(opts), opts.first)
  else
    counts, ferr = self:_facet_query(q, field, script_of(opts), opts.first)
  end
  if not counts then
    return nil, ferr, require("bqw.plugins").error_name(ferr, "EINVAL")
  end
  return counts
end

--- A crosstab (ds:facet with opts.by): the facet of field, each item with cells, the
--- records counted under its value and each value of by, parallel to the result's
--- `by` (the by values, by their totals, then collation); counted by the engine.
function Dataset:_crosstab(q, field, by, script, first)
  local in_core, cfilter = q:_core_filter()
  if not in_core then
    return nil, "a crosstab takes a where expression, not a function"
  end
  local ok, values, counts, _, _, by_values, cells = pcall(function()
    return handle_of(self, "facet"):facet(field, cfilter, first, by)
  end)
  if not ok then
    return nil, (tostring(values):gsub("^bqw: where: ", ""))
  end
  local convert = M.convert
  local function shown(f, v)
    local published = f == "category" or f == "section_title"
    if type(v) == "string" and (script == "hant" or (script == "hans" and published)) then
      return convert(v, script) or v
    end
    return v
  end
  local out = { by = {} }
  for j, v in ipairs(by_values) do
    out.by[j] = shown(by, v)
  end
  for i, v in ipairs(values) do
    out[i] = { value = shown(field, v), count = counts[i], cells = cells[i] }
  end
  return out
end

--- The facet of a query's records (see ds:facet): counted by the core when it tests
--- the whole query itself, so no record is built; in Lua otherwise. with_measures adds
--- each value's measures (those of the records counted under it); source_order keeps
--- the values in the order they first occur instead of by count.
function Dataset:_facet_query(q, field, script, first, with_measures, source_order)
  local facet = require("bqw.facet")
  if not (facet.FIELDS[field] or facet.INTERNAL[field]) then
    return facet.count({}, field)
  end
  local in_core, cfilter = q:_core_filter()
  if in_core then
    local ok, values, counts, measures, firsts = pcall(function()
      return handle_of(self, "facet"):facet(facet.FIELDS[field] and field or facet.INTERNAL[field], cfilter, first)
    end)
    if not ok then
      return nil, (tostring(values):gsub("^bqw: where: ", ""))
    end
    if source_order then
      values, counts, measures = facet.first_order(values, counts, measures, firsts)
    end
    return facet.from_core(field, values, counts, script, with_measures and measures, source_order)
  end
  local ok, result = pcall(function()
    local records = q:iter()
    if script == "original" then
      -- a query with a Lua filter scans the records as published: count those
      local scan = q:_scan()
      records = function()
        return (scan())
      end
    end
    return facet.count(records, field, with_measures, source_order)
  end)
  if not ok then
    return nil, (tostring(result):gsub("^bqw: where: ", ""))
  end
  return result
end

--- Wraps a bqw.core dataset handle (for bqw.loop): the dataset, or nil, message, name.
M._wrap = wrap

--- Number of records.
--- The codings of the measures and prose by the codebooks in use (bqw.codebooks), with
--- their evidence, unit by unit in source order, uncoded units included; opts.where
--- selects rows as the measure shape does. See doc/bqw.txt, "bqw-coding".
function Dataset:codings(opts)
  handle_of(self, "codings")
  check_arg("codings", 1, opts, "table", true)
  if opts and opts.where ~= nil and type(opts.where) ~= "string" then
    error("bqw.codings: bad argument #1: where must be a string (a --where expression)", 2)
  end
  return require("bqw.cli_code").units(self, opts and opts.where)
end

--- The codes of the codebooks in use: { { code, label, parent, patterns, … }, … }.
function Dataset:codes()
  return handle_of(self, "codes"):codes()
end

function Dataset:count()
  return handle_of(self, "count"):count()
end

--- Counts: the keys of `bqw stats --json`.
function Dataset:stats()
  local s = handle_of(self, "stats"):stats()
  return {
    provincial_documents = s.provincial_documents,
    provincial_measures = s.provincial_measures,
    city_entries = s.city_entries,
    city_measures = s.city_measures,
    guiding_documents = s.guiding_documents,
    targets = s.targets,
    meetings = s.meetings,
    measures = s.measures,
  }
end

--- Introduction, byline (the first), bylines (every one, in order), credits, source note and
--- source, in the script.
function Dataset:meta(opts)
  local meta = handle_of(self, "meta"):meta()
  check_arg("meta", 1, opts, "table", true)
  local script = script_of(opts)
  if script ~= "original" then
    for k, v in pairs(meta) do
      if type(v) == "table" then
        for i, s in ipairs(v) do
          v[i] = convert_or_keep(s, script)
        end
      else
        meta[k] = convert_or_keep(v, script)
      end
    end
  end
  return meta
end

--- The loader's warnings and notes (a loaded dataset has no errors):
--- { severity, line, col, col_byte, message, formatted }; col counts characters,
--- col_byte bytes, as formatted ("FILE:LINE:COL_BYTE: …"), clang and Vim's quickfix do.
function Dataset:diagnostics()
  return handle_of(self, "diagnostics"):diagnostics()
end

--- What the loader did: bytes, lines, residue_removed, repairs_applied, …
function Dataset:report()
  return handle_of(self, "report"):report()
end

--- The file name the dataset was loaded from.
function Dataset:name()
  return handle_of(self, "name"):name()
end

--- Bytes the dataset holds in C (text, records, diagnostics, its search index once
--- built); the collector is told this much when the dataset is made.
function Dataset:memory()
  return handle_of(self, "memory"):memory()
end

--- Frees the dataset's C memory now rather than at garbage collection; any later
--- method call raises.
function Dataset:close()
  if getmetatable(self) ~= Dataset then
    error("bqw: close must be called as ds:close()", 2)
  end
  if self._handle then
    self._handle:close()
    self._handle = nil
  end
end


M.Dataset = Dataset

--- The plugin registry (see :help bqw-plugins).
M.plugins = require("bqw.plugins")

--- A new event loop (see :help bqw-loop): background loads, watching, exports.
-- for bqw.loop's methods, which check their arguments as the dataset's do
M._check_arg = check_arg

function M.loop(opts)
  check_arg("loop", 1, opts, "table", true)
  return require("bqw.loop").new(opts)
end

--- The order of stats keys, as `bqw stats --json` prints them.
M.STATS_KEYS = {
  "provincial_documents",
  "provincial_measures",
  "city_entries",
  "city_measures",
  "guiding_documents",
  "targets",
  "meetings",
  "measures",
}

return M
