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

local util = require("bqw.dataset_util")
local Dataset = util.Dataset
local check_arg, handle_of, script_of = util.check_arg, util.handle_of, util.script_of
local select_query = util.select_query

local function first_error(handle)
  for _, d in ipairs(handle:diagnostics()) do
    if d.severity == "error" then
      return d.formatted
    end
  end
  local _, name = handle:status()
  return handle:name() .. ": error: " .. name
end

-- shared: a handle another Lua state opened and is using (a view job's); its codebook
-- is that state's, set before the job started, and is not replaced from here (that
-- would be safe for the threads reading the codings, bqw_dataset_set_codebook, but
-- would drop the set the user gave).
local function wrap(handle, shared)
  local rc, name = handle:status()
  if rc ~= 0 then
    local message = first_error(handle)
    handle:close()
    return nil, message, name
  end
  if not shared then
    local coded, cerr, cname = require("bqw.codebooks").attach(handle)
    if not coded then
      handle:close()
      return nil, cerr, cname
    end
  end
  return setmetatable({ _handle = handle }, Dataset)
end

local config = require("bqw.config")

--- The Dataset of a bqw.core handle (for bqw.view_worker), or nil, message, name.
M._dataset_of = function(handle)
  return wrap(handle, true)
end

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

-- ---- Dataset ------------------------------------------------------------------------

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
  local handle
  opts, handle = util.named_call(self, "search", query, opts)
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
--- nil, { message, column, pos }. shape "measure": its rows are measures (text, measure
--- and measure_index test each measure; a record matches when one of its measures does).
function Dataset:_compile(expr, quiet, shape)
  local handle = handle_of(self, "query")
  local f, err = handle:query_compile(
    expr,
    require("bqw.plugins").engine_options(function(id)
      return handle:record(id)
    end, { dataset = self }, shape)
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
--- opts.fields (a list of record field names) builds the records handed out with only
--- those fields (a view showing a few builds no more; a Lua filter still sees them all).
function Dataset:query(filter, opts)
  local ftype = type(filter)
  if filter ~= nil and ftype ~= "string" and ftype ~= "table" and ftype ~= "function" then
    error(("bqw.query: bad argument #1: expected string, table, function or nil, got %s"):format(ftype), 2)
  end
  check_arg("query", 2, opts, "table", true)
  local script = script_of(opts)
  local handle = handle_of(self, "query")
  local tick = opts and opts.tick
  local fields = opts and opts.fields and core.field_set(opts.fields)
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
      return self:_compile(expr, true, opts and opts.shape)
    end,
    -- for exports the core writes itself (Query:_native)
    handle = handle,
    script = script,
    next_match = function(f, from)
      local id = handle:next_match(f, from)
      return id and id <= count and id or nil
    end,
    -- a record row's value of a field its table lacks (code), for the Lua sort
    value = function(id, name)
      local r = handle:record(id, "original", core.field_set({ name }))
      return r and r[name]
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
      return script == "original" and r or handle:record(r.id, script, fields)
    end,
    fetch = function(id)
      return handle:record(id, script, fields)
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

--- The rows of a query the core walks itself (Query:_native), for export plugins:
--- count() -> rows, and write(out, spec) writing them as spec says ({ format = "csv" |
--- "tsv" | "ndjson" | "json" | "markdown" | "html", columns = { … } | nil, raw = bool,
--- array = bool (ndjson's or json's rows as one JSON array, "[]" for none), order = an
--- order of sections() to write only those records }; binding/rows.c),
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
      array = spec.array and true or false,
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
  opts = util.named_call(self, "export", format, opts)
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
  local plugin, options, ename = util.plugin_options("export", format, opts, EXPORT_COMMON)
  if not plugin then
    return nil, options, ename
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
  local q, serr, sname =
    select_query(self, opts.where, opts.script, opts.ids == nil and opts.sort or nil, nil, nil, options.shape)
  if not q then
    return nil, serr, sname
  end
  -- in the measure shape the engine's filter selects measures: the records the query
  -- gives have one that matches, and each of their rows is tested
  local row_filter = options.shape == "measure" and q:_filter() or nil
  local keep = row_filter and function(r, m)
    return row_filter:match(r.id, m or 0)
  end
  -- the columns named that no row table holds (code): each row gets the engine's value
  -- (handle:value), and the core does not walk the rows itself (rows.c writes row keys)
  local on_request = opts.columns and export_util.on_request(export_util.columns(opts))
  local handle = self._handle
  local function shape_rows(iter)
    local rows = export_util.rows(iter, options.shape, keep)
    if not on_request then
      return rows
    end
    return function()
      local row = rows()
      if row then
        for _, name in ipairs(on_request) do
          row[name] = handle:value(row.id, row.measure_index or 0, name)
        end
      end
      return row
    end
  end
  -- a plugin of the first contract shapes the records itself (ctx.util.rows): the
  -- same measures
  local plugin_util = export_util
  if keep then
    plugin_util = setmetatable({
      rows = function(records, shape, keep_row)
        return export_util.rows(records, shape, keep_row or keep)
      end,
    }, { __index = export_util })
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
      return q:_any()
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
    local function counted_rows(iter)
      return counter.rows(shape_rows(iter))
    end
    local ctx = { dataset = self, meta = meta, version = M.version, util = plugin_util, tick = tick }
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
    local native = not on_request and q:_native() or nil
    if native then
      ctx.native = native_rows(native, options.shape, tick, slice, q._ctx)
    end
    --- A fresh iterator over the rows at each call: for a format that must see every
    --- row before it writes some (a table per section), passes instead of a list.
    function ctx.rows()
      return counted_rows(q:iter())
    end
    --- An iterator over the rows of the records with these ids, in that order (ids
    --- an earlier pass over ctx.rows() found): a pass over those records only.
    function ctx.rows_of(ids)
      return counted_rows(q:_by_ids(ids))
    end
    --- How many rows the export writes (a second pass over the records when a Lua
    --- filter must see them).
    function ctx.row_count()
      if native then
        return ctx.native.count()
      end
      local n = 0
      for _ in shape_rows(q:iter()) do
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
        for row in shape_rows(q:iter()) do
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
        rows = rows or counted_rows(q:iter())
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


-- the methods of views and facets, in modules of their own
require("bqw.dataset_views")
require("bqw.dataset_facets")

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
