--- The bqw command line. host/bqw.c calls main(arg) and exits with what it returns:
--- 0 success, 1 the data has errors (check), a script failed (run), the digest has no
--- records (export) or stdout cannot be written, 2 the file cannot be read or the usage
--- is wrong, 130 / 143 interrupted by SIGINT / SIGTERM. README.md, "Errors and exit
--- codes", lists them all.
local bqw = require("bqw")
local json = require("bqw.json")

local M = {}

local EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
local EXIT_SIGNAL = { int = 130, term = 143 }

-- A failed write to stdout raises this, and main turns it into exit 1 with the
-- message; the rest of the command does not run on. A closed pipe (bqw … | head) never
-- gets here: SIGPIPE ends the process quietly first (exit 141), as it does cat.
local WriteError = {}
WriteError.__index = WriteError
WriteError.__tostring = function(self)
  return self.message
end

local write_failed -- the first write error on stdout, for commands whose plugin caught it

local function write_error(err)
  -- io's message is "(null): No space left on device" or "Bad file descriptor"
  write_failed = write_failed or ("writing to stdout: " .. tostring(err):gsub("^[^:]*: ", ""))
  return setmetatable({ message = write_failed }, WriteError)
end

--- stdout with every write checked.
local out = {
  write = function(self, ...)
    local ok, err = io.stdout:write(...)
    if not ok then
      error(write_error(err), 0)
    end
    return self
  end,
  flush = function()
    local ok, err = io.stdout:flush()
    if not ok then
      error(write_error(err), 0)
    end
  end,
}
local function say(...)
  out:write(...)
  out:write("\n")
end


local function complain(fmt, ...)
  if require("bqw.core").fs.interrupted() then
    return -- what failed failed because of the interruption; main says so once
  end
  local message = fmt:format(...)
  -- a message already in compiler form ("--where:1:5: error: …") stands as it is
  if message:match("^%S+:%d+:%d+: error: ") then
    io.stderr:write(message, "\n")
  elseif message:match("^plugin ") and require("bqw.plugins").error_name(message) then
    io.stderr:write("bqw: ", message, "\n") -- "bqw: plugin NAME (PATH): error: …"
  else
    io.stderr:write("bqw: error: ", message, "\n")
  end
end

-- ---- formatting helpers ------------------------------------------------------------

--- s padded with spaces to width cells (display width, not bytes).
local function pad(s, width)
  local w = bqw.width(s)
  return w >= width and s or s .. string.rep(" ", width - w)
end

local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or (many or one .. "s"))
end

--- A numeric option's value: a whole number in [min, max], or nil and a usage message
--- naming the option and the range.
local function whole_number(option, text, min, max)
  if text == nil then
    return nil
  end
  local n = tonumber(text)
  if not text:match("^%s*[+-]?%d+%s*$") or not n or n < min or n > max then
    return nil, ("%s: expected a whole number from %d to %d, got %q"):format(option, min, max, text)
  end
  return n
end

-- The accepted ranges: widths a terminal can have, hit counts the index can return.
local WIDTH_MIN, WIDTH_MAX = 10, 10000
local LIMIT_MIN, LIMIT_MAX = 0, 1000000

local NUMERIC_OPTIONS = { ["--width"] = true, ["--limit"] = true, ["--max-size"] = true }

--- The exit status of a failure, from its name (nil, message, name) or message: 1
--- when a plugin failed at run time (or to load) or an export matched no record, 2
--- for the rest (the usage: a bad option, --where, name or file).
local function failure_code(message, name)
  name = name or require("bqw.plugins").error_name(message)
  if name == "EPLUGIN" or name == "ENODATA" then
    return EXIT_ERRORS
  end
  return EXIT_USAGE
end

local function load_or_fail(path)
  local ds, message, name = bqw.load(path)
  if not ds then
    io.stderr:write(message, "\n")
    return nil, name == "EIO" and EXIT_USAGE or EXIT_ERRORS
  end
  return ds
end

-- ---- commands ----------------------------------------------------------------------

--- Each command is fn(args, ds); those in this set get the dataset loaded for them.
local commands = {}
-- The commands that name a plugin: its kind, and the argument that holds its name.
local PLUGIN_OF = { export = "export", view = "view" }
local PLUGIN_ARG = { export = "format", view = "name" }

local reads_dataset = {
  overview = true,
  stats = true,
  list = true,
  dump = true,
  view = true,
  export = true,
  search = true,
  facet = true,
  report = true,
  code = true,
}

function commands.stats(args, ds)
  local stats = ds:stats()
  if args.json then
    say(json.encode(stats, { keyorder = bqw.STATS_KEYS }))
    return EXIT_OK
  end
  for _, key in ipairs(bqw.STATS_KEYS) do
    say(pad(key, 22), ("%5d"):format(stats[key]))
  end
  return EXIT_OK
end

--- Resolves --color and --width for drawing on stdout.
local function terminal_options(args)
  local core = require("bqw.core")
  local tty = core.isatty(1)
  local color = args.color == "always" or (args.color == "auto" and tty and os.getenv("NO_COLOR") == nil)
  -- --width was checked by main; a $COLUMNS out of range is ignored, as terminals set it
  local width = tonumber(args.width or "")
    or (tty and core.terminal_width(1))
    or whole_number("COLUMNS", os.getenv("COLUMNS"), WIDTH_MIN, WIDTH_MAX)
    or 100
  return color, width
end

local function parse_columns(text)
  if not text then
    return nil
  end
  local cols = {}
  for c in text:gmatch("[^,%s]+") do
    cols[#cols + 1] = c
  end
  return cols
end

local function draw(args, ds, name, extra)
  local color, width = terminal_options(args)
  local opts = { where = args.where, width = width, columns = parse_columns(args.columns), sort = args.sort }
  for k, v in pairs(extra or {}) do
    opts[k] = v
  end
  -- a view that draws record by record is printed a chunk at a time as it is made
  local render = require("bqw.render")
  opts.sink = function(chunk)
    say(table.concat(render.lines(chunk, color), "\n"))
  end
  opts.plain = not color
  local result, err, ename = ds:view(name, opts)
  if not result then
    complain("%s", err)
    return failure_code(err, ename)
  end
  for _, line in ipairs(render.lines(result, color)) do
    say(line)
  end
  return EXIT_OK
end

function commands.list(args, ds)
  if args.json then
    -- the array is the engine's (the ndjson export's objects as one JSON array, "[]" for
    -- none), streamed as the core writes it: never held whole, no record built in Lua
    local werr
    local stream = {
      write = function(self_, ...)
        local ok, e = pcall(out.write, out, ...)
        if not ok then
          werr = e
          error(e, 0)
        end
        return self_
      end,
    }
    local ok, err, ename =
      ds:export("ndjson", { where = args.where, sort = args.sort, stream = stream, allow_empty = true, array = true })
    if werr ~= nil then
      error(werr, 0) -- main reports it: exit 1
    end
    if not ok then
      complain("%s", err)
      return failure_code(err, ename)
    end
    say("")
    return EXIT_OK
  end
  return draw(args, ds, "list")
end

--- How the command speaks, for bqw.cli_view.
local function cli_io()
  return {
    complain = complain,
    say = say,
    pad = pad,
    flush = function()
      out:flush()
    end,
    failure_code = failure_code,
    EXIT_OK = EXIT_OK,
    EXIT_USAGE = EXIT_USAGE,
  }
end

function commands.code(args, ds)
  return require("bqw.cli_code").run(args, ds, cli_io())
end

function commands.view(args, ds)
  local opts, code = require("bqw.cli_view").options(args, cli_io())
  if not opts then
    return code
  end
  return draw(args, ds, args.name, opts)
end

--- bqw report [-o FILE]: the HTML report (bqw.report) of the records --where selects,
--- written as the records stream past (the counts come from the core's facets first).
function commands.report(args, ds)
  local q, qerr, qname = ds:query(args.where)
  if not q then
    complain("%s", qerr)
    return failure_code(qerr, qname)
  end
  local ctx = {
    meta = ds:meta(),
    version = bqw.version,
    where = args.where,
    script = require("bqw.config").script(),
    name = ds:name():match("[^/]*$"),
  }
  local report = require("bqw.report")
  if not args.output then
    local ok, err = pcall(report.write, io.stdout, ds, q, ctx)
    if not ok then
      if getmetatable(err) == WriteError or write_failed then
        error(err, 0)
      end
      err = tostring(err):gsub("^[^\n]-%.lua:%d+: (plugin )", "%1") -- report.lua's position: not the news
      complain("%s", err)
      return failure_code(err)
    end
    return EXIT_OK
  end
  local written, err = require("bqw.atomic").write(args.output, function(o)
    report.write(o, ds, q, ctx)
  end)
  if not written then
    complain("%s", tostring(err))
    return failure_code(tostring(err))
  end
  return EXIT_OK
end

--- bqw facet FIELD: how many records carry each value, with a bar; --json as an array
--- of { value, count }.
function commands.facet(args, ds)
  local counts, err, ename = ds:facet(args.field, { where = args.where, by = args.by })
  if not counts then
    complain("%s", err)
    return failure_code(err, ename)
  end
  if args.by then
    return commands._crosstab(args, counts)
  end
  if args.json then
    say(json.encode(json.array(counts), { keyorder = { "value", "count" } }))
    return EXIT_OK
  end
  local color, width = terminal_options(args)
  local view_util = require("bqw.view_util")
  local b = view_util.builder()
  view_util.facet_bars(b, counts, width)
  for _, line in ipairs(require("bqw.render").lines(b:result(), color)) do
    say(line)
  end
  return EXIT_OK
end

--- bqw facet FIELD --by FIELD2: a table of counts, a row per value of FIELD and a
--- column per value of FIELD2; --json as an object { value = { by_value = n } }.
function commands._crosstab(args, counts)
  if args.json then
    local obj, keys = {}, {}
    for _, c in ipairs(counts) do
      local row = {}
      for j, b in ipairs(counts.by) do
        row[tostring(b)] = c.cells[j]
        keys[#keys + 1] = tostring(b)
      end
      obj[tostring(c.value)] = row
      keys[#keys + 1] = tostring(c.value)
    end
    say(json.encode(obj, { keyorder = keys }))
    return EXIT_OK
  end
  local view_util = require("bqw.view_util")
  local rows = { { args.field .. " \\ " .. args.by } }
  for _, b in ipairs(counts.by) do
    rows[1][#rows[1] + 1] = tostring(b)
  end
  for _, c in ipairs(counts) do
    local row = { tostring(c.value) }
    for j = 1, #counts.by do
      row[#row + 1] = tostring(c.cells[j])
    end
    rows[#rows + 1] = row
  end
  local widths = {}
  for _, row in ipairs(rows) do
    for j, cell in ipairs(row) do
      widths[j] = math.max(widths[j] or 0, view_util.width(cell))
    end
  end
  for _, row in ipairs(rows) do
    local cells = {}
    for j, cell in ipairs(row) do
      cells[j] = view_util.pad(cell, widths[j], j > 1)
    end
    say((table.concat(cells, "  "):gsub("%s+$", "")))
  end
  return EXIT_OK
end

--- Exports in the background on loop, with a progress bar; calls done(ok, err).
local function export_in_background(loop, ds, args, opts, done)
  local bar = require("bqw.progress").new("exporting " .. args.output, function()
    return loop:info().now
  end)
  local with_output = { output = args.output }
  for k, v in pairs(opts) do
    with_output[k] = v
  end
  local job, err, ename = loop:export(ds, args.format, with_output, {
    progress = bar.update,
    done = function(ok, message, name)
      bar.finish()
      done(ok, message, name)
    end,
  })
  if not job then
    bar.finish()
    done(nil, err, ename)
  end
  return job
end

--- bqw export … -o FILE --watch: keeps FILE in sync with the data file until
--- interrupted. A change that does not load prints its diagnostics and leaves FILE.
local function export_watch(args, ds, opts)
  local path = args.data or require("bqw").default_path()
  if not path then
    complain("--watch needs a data file to watch: --data FILE (the shipped digest does not change)")
    return EXIT_USAGE
  end
  -- an export on every change never searches the index: no build on each reload
  local loop = assert(bqw.loop()):set_index(false)
  local job, code = nil, EXIT_OK
  local function export_now(dataset)
    if job and not job.finished() then
      job.cancel()
    end
    job = export_in_background(loop, dataset, args, opts, function(ok, err)
      if ok then
        io.stderr:write(("bqw: wrote %s (%d records) from %s\n"):format(args.output, dataset:count(), path))
      elseif err ~= "cancelled" then
        complain("%s", err)
      end
    end)
  end
  local watcher, werr = loop:watch(path, { debounce = 100 }, function(dataset, err, diagnostics)
    if dataset and dataset:count() == 0 then
      complain("%s has no records; %s is left as it was", path, args.output)
      return
    end
    if dataset then
      return export_now(dataset)
    end
    local shown = false
    for _, d in ipairs(diagnostics or {}) do
      if d.severity == "error" then
        io.stderr:write(d.formatted, "\n")
        shown = true
      end
    end
    if not shown then
      io.stderr:write(err, "\n")
    end
    complain("%s was not reloaded; %s is left as it was", path, args.output)
  end)
  if not watcher then
    complain("cannot watch %s: %s", path, werr)
    loop:close()
    return EXIT_USAGE
  end
  -- SIGINT and SIGTERM set a flag (main installed the handler; libuv's would replace
  -- it, and could not stop a plugin stuck in a loop): look at it ten times a second
  local poll
  poll = loop:timer(100, 100, function()
    local name = require("bqw.core").fs.interrupted()
    if name then
      code = EXIT_SIGNAL[name]
      if job and not job.finished() then
        job.cancel()
      end
      watcher.stop()
      poll:stop()
    end
  end)
  io.stderr:write(("bqw: watching %s; Ctrl-C to stop\n"):format(path))
  export_now(ds)
  loop:run()
  loop:close()
  return code
end

function commands.export(args, ds)
  local opts = {
    where = args.where,
    shape = args.shape,
    columns = args.columns,
    bom = args.bom or nil,
    raw_cells = args.raw_cells or nil,
    fts = args.fts,
    table = args.table,
    sort = args.sort,
    allow_empty = args.allow_empty or nil,
  }
  if args.watch and not args.output then
    complain("--watch needs -o FILE")
    return EXIT_USAGE
  end
  if ds:count() == 0 then
    -- an empty or blank digest must not replace a good export with a header only
    complain(
      "%s has no records; nothing exported%s",
      ds:name(),
      args.output and ("; " .. args.output .. " is left as it was") or ""
    )
    return EXIT_ERRORS
  end
  if args.watch then
    return export_watch(args, ds, opts)
  end
  if not args.output then
    -- a file or pipe gets the exact bytes; a terminal sees control characters as text
    opts.stream = require("bqw.core").isatty(1) and require("bqw.view_util").visible_writer(out) or out
    -- a stream cannot take back a header: no record, no byte (the first one is looked for)
    local job, jerr, jname = ds:_export_job(args.format, opts)
    local nothing, nname = jerr, jname
    if job then
      nothing, nname = job.nothing()
    end
    if nothing then
      complain("%s", nothing)
      return failure_code(nothing, nname)
    end
    local ok, err, ename = ds:export(args.format, opts)
    opts.stream:flush()
    if not ok then
      if write_failed then
        error(write_error(), 0) -- main reports it: exit 1
      end
      complain("%s", err)
      return failure_code(err, ename)
    end
    return EXIT_OK
  end
  -- to a file: in slices on a loop, so a long export can show its progress, and
  -- Ctrl-C leaves the older file (or none) and no temporary file
  local loop = assert(bqw.loop())
  local finished, result, message, name = false, nil, nil, nil
  local interrupted = require("bqw.core").fs.interrupted
  local job = export_in_background(loop, ds, args, opts, function(ok, err, ename)
    finished, result, message, name = true, ok, err, ename
  end)
  -- Ctrl-C: the count hook raises in whatever Lua runs (the plugin's slice, most
  -- likely: the job fails), and the flag is looked at between slices
  while not finished and not interrupted() and loop:run("once") do
  end
  if job and not job.finished() then
    job.cancel()
  end
  loop:close()
  if interrupted() then
    return EXIT_SIGNAL[interrupted()]
  end
  if not result then
    complain("%s", message or "export did not finish")
    return failure_code(message, name)
  end
  if job and job.warning then
    io.stderr:write("bqw: warning: ", job.warning, "\n")
  end
  return EXIT_OK
end

--- The text around a hit's first match, fitted to width cells, with the matches as
--- spans (byte offsets into the returned string).
local function snippet(text, spans, width)
  local view_util = require("bqw.view_util")
  text = view_util.one_line(text)
  local first = spans[1] and spans[1][1] or 0
  local start = 1
  -- keep some context before the match: back up about a third of the width
  local lead = math.floor(width / 3)
  if view_util.width(text:sub(1, first)) > lead then
    local cells, i = 0, first
    while i > 1 and cells < lead do
      repeat
        i = i - 1
      until i <= 1 or text:byte(i) < 128 or text:byte(i) >= 192
      cells = view_util.width(text:sub(i, first))
    end
    start = i
  end
  local prefix = start > 1 and "…" or ""
  local body = view_util.truncate(prefix .. text:sub(start), width)
  local shift = #prefix - (start - 1)
  local moved = {}
  for _, s in ipairs(spans) do
    local a, b = s[1] + shift, s[2] + shift
    if a >= #prefix and b <= #body then
      moved[#moved + 1] = { a, b }
    end
  end
  return body, moved
end

function commands.search(args, ds)
  local query = args.query
  local result, err = ds:search(query, { limit = args.limit and tonumber(args.limit) or 20, pinyin = args.pinyin })
  if not result then
    complain("%s", err)
    return EXIT_USAGE
  end
  if args.json then
    for _, hit in ipairs(result.hits) do
      hit.record = nil
    end
    local doc = { query = query, total = result.total, hits = json.array(result.hits) }
    say(json.encode(doc, { keyorder = { "query", "total", "hits" } }))
    return EXIT_OK
  end
  local color, width = terminal_options(args)
  local b = require("bqw.view_util").builder()
  for _, hit in ipairs(result.hits) do
    local r = hit.record
    local where = hit.field == "measure" and ("◎%d"):format(hit.item) or hit.field
    local line = hit.field == "measure" and r.measure_lines[hit.item] or r.line
    local view_util = require("bqw.view_util")
    local head = ("%3d %-8s L%-4d "):format(r.id, r.kind, line) .. view_util.pad(where, 9)
    local body, spans = snippet(hit.text, hit.spans, math.max(width - #head, 20))
    b:line(view_util.matched({ { head, "BqwDim" } }, body, spans), r.id)
  end
  for _, line in ipairs(require("bqw.render").lines(b:result(), color)) do
    say(line)
  end
  io.stderr:write(("%d of %d matching fields shown\n"):format(#result.hits, result.total))
  return EXIT_OK
end

function commands.plugins(args)
  local plugins = require("bqw.plugins")
  local list = plugins.list()
  if args.json then
    say(json.encode({ plugins = list, problems = plugins.problems(), path = plugins.path() }))
  else
    local width = 10 -- the name column: a space after the longest name
    for _, p in ipairs(list) do
      width = math.max(width, #p.name + 1)
    end
    for _, p in ipairs(list) do
      local origin = p.origin .. (p.replaces and " (replaces " .. p.replaces .. ")" or "")
      say(pad(p.kind, 7), pad(p.name, width), pad(origin, 9), p.description)
      say("", string.rep(" ", width + 7), p.path)
    end
  end
  local problems = plugins.problems()
  for _, p in ipairs(problems) do
    io.stderr:write("bqw: warning: plugin not loaded: ", p.message, "\n")
  end
  return EXIT_OK
end

--- The fields of the schema (bqw.fields): a table, or the array core.schema() gives.
function commands.fields(args)
  local fields = require("bqw.fields")
  if args.json then
    say(json.encode(fields.ALL, { keyorder = fields.JSON_KEYS }))
  else
    out:write(fields.text())
  end
  return EXIT_OK
end

--- The whole parsed dataset as one JSON document: meta, stats, records, report,
--- diagnostics. tests/golden/digest.json holds this for the shipped digest.
function commands.dump(_, ds)
  local doc = {
    bqw = bqw.version,
    meta = ds:meta(),
    stats = ds:stats(),
    report = ds:report(),
    diagnostics = ds:diagnostics(),
    records = ds:records(),
  }
  -- The name of the file is where it was loaded from, not part of the data.
  doc.report.bytes = nil
  for _, d in ipairs(doc.diagnostics) do
    d.formatted = nil
  end
  say(json.encode(doc, { indent = true, keyorder = { "bqw", "meta", "stats" } }))
  return EXIT_OK
end

function commands.check(args)
  local path = args.file or args.data
  local result, message = bqw.check(path)
  if not result then
    complain("%s", message)
    return EXIT_USAGE
  end
  local chars = args.column_unit == "char"
  for _, d in ipairs(result.diagnostics) do
    if chars and d.line > 0 then
      say(("%s:%d:%d: %s: %s"):format(result.name, d.line, d.col, d.severity, d.message))
    else
      say(d.formatted)
    end
  end
  if result.status == "EIO" then
    return EXIT_USAGE
  end
  -- On a pipe (Vim's system(), a script) stdout is the whole answer: a summary on
  -- stderr would be read as two more entries.
  if not (args.summary or require("bqw.core").isatty(2)) then
    return result.report.errors > 0 and EXIT_ERRORS or EXIT_OK
  end
  local r, s = result.report, result.stats
  local errors, warnings = r.errors, r.warnings
  io.stderr:write(
    ("%s: %s, %s; removed %s; applied %s; %s, %s\n"):format(
      result.name,
      plural(r.lines, "line"),
      plural(r.bytes, "byte"),
      plural(r.residue_removed, "pinyin reading"),
      plural(r.repairs_applied, "repair"),
      plural(errors, "error"),
      plural(warnings, "warning")
    ),
    ("%s: %d documents (%d measures), %d city entries (%d measures), %d guiding, %d targets, %d meetings%s\n"):format(
      result.name,
      s.provincial_documents,
      s.provincial_measures,
      s.city_entries,
      s.city_measures,
      s.guiding_documents,
      s.targets,
      s.meetings,
      (r.had_bom and "; dropped a BOM" or "") .. (r.had_cr and "; CR line ends" or "")
    )
  )
  return errors > 0 and EXIT_ERRORS or EXIT_OK
end

--- The overview is the view plugin plugins/view/overview.lua, at 100 cells unless
--- --width says otherwise (it is meant to be read whole, not fitted to a terminal).
function commands.overview(args, ds)
  args.width = args.width or "100"
  return draw(args, ds, "overview")
end

local CONVERT_BLOCK = 1048576

--- bqw convert [--to hans|hant] [FILE]: the text of FILE (or stdin) in a script. It is
--- read as the loader reads a digest (a regular file only, at most --max-size bytes)
--- and checked as the loader checks one (the same messages and advice, columns in bytes
--- as bqw check gives them); the lines before a problem are written, then the error.
--- The text is converted a block of whole lines at a time (no dictionary key spans a
--- line end, so a block converts as its lines would).
function commands.convert(args)
  local core = require("bqw.core")
  local path = args.file ~= "-" and args.file or nil
  local text, err, errname = core.read_file(path, require("bqw.config").values.max_size)
  if errname == "EIO" then
    io.stderr:write(err, "\n") -- "FILE: error: …", as the loader's
    return EXIT_USAGE
  elseif not text then
    complain("%s", err)
    return EXIT_ERRORS
  end
  local problem, good = core.check_text(text, path or "<stdin>")
  local stop = problem and good or #text
  local script, at = args.to or "hans", 1
  while at <= stop do
    local last = at + CONVERT_BLOCK - 1
    if last < stop then
      last = text:find("\n", last, true) or stop -- the end of the line it falls in
    end
    last = math.min(last, stop)
    out:write(assert(bqw.convert(text:sub(at, last), script)))
    at = last + 1
  end
  out:flush()
  if problem then
    complain("%s", problem)
    return EXIT_ERRORS
  end
  return EXIT_OK
end

--- bqw run SCRIPT [ARGS]: runs a Lua script with bqw loaded (as the global `bqw` and
--- through require). The script sees its arguments in `arg` and `...`; an integer it
--- returns is the exit status.
function commands.run(args)
  local script = args.script
  local chunk, message = loadfile(script)
  if not chunk then
    local unreadable = not io.open(script, "r")
    complain("%s", message)
    return unreadable and EXIT_USAGE or EXIT_ERRORS
  end
  if args.data then
    bqw.setup({ data = args.data })
  end
  -- the script's own modules sit beside it: its directory (absolute) leads the path, as
  -- Python puts a script's directory first; never the working directory as such
  local real = require("bqw.core").fs.realpath(script)
  local dir = real and real:match("^(/.*)/[^/]*$")
  if dir then
    package.path = ("%s/?.lua;%s/?/init.lua;%s"):format(dir, dir, package.path)
  end
  local script_args = { [0] = script }
  for i, a in ipairs(args.args or {}) do
    script_args[i] = a
  end
  _G.arg = script_args
  _G.bqw = bqw
  local ok, result = xpcall(chunk, debug.traceback, table.unpack(script_args))
  if not ok then
    io.stderr:write("bqw: error in ", script, ": ", tostring(result), "\n")
    return EXIT_ERRORS
  end
  return math.type(result) == "integer" and result or EXIT_OK
end

--- bqw --version [--verbose]: the version, and where what runs comes from.
local function version(verbose, data)
  local core = require("bqw.core")
  say("bqw ", bqw.version, " (", bqw.lua_abi, ")")
  if not verbose then
    return EXIT_OK
  end
  local cli = package.searchpath("bqw.cli", package.path)
  say("lua files: ", core.lua_dir or (cli and cli:gsub("/bqw/cli%.lua$", "")) or "?")
  for _, d in ipairs(require("bqw.plugins").path()) do
    say("plugins:   ", d.dir, " (", d.origin, ")")
  end
  if data then
    bqw.setup({ data = data })
  end
  local path = bqw.default_path()
  say("data:      ", path or "the digest built into libbqw (data/bqw-digest-2023.txt)")
  return EXIT_OK
end

-- ---- argument parsing --------------------------------------------------------------

local cli_args = require("bqw.cli_args")
local build_parser = cli_args.parser
M.parse_size = cli_args.parse_size

--- The argparse parser: tests/lua/commands_spec.lua checks it against lua/bqw/commands.lua.
M.parser = cli_args.parser

function M.main(argv)
  local args_in = {}
  for i = 1, #argv do
    args_in[i] = argv[i]
  end
  -- Everything after `run SCRIPT` belongs to the script, options included, so `run`
  -- is split off before the parser sees the words.
  local i = 1
  while args_in[i] and args_in[i]:sub(1, 1) == "-" do
    i = i + ((args_in[i] == "--data") and 2 or 1)
  end
  if args_in[i] == "run" then
    local ok, top = build_parser():pparse({ table.unpack(args_in, 1, i - 1) })
    if not ok then
      complain("%s\nTry 'bqw --help'.", top)
      return EXIT_USAGE
    end
    local script = args_in[i + 1]
    if not script then
      complain("run needs a script\nusage: bqw run SCRIPT.lua [ARGS]")
      return EXIT_USAGE
    end
    return commands.run({ data = top.global_data, script = script, args = { table.unpack(args_in, i + 2) } })
  end
  -- "--limit -1" would be read as an unknown option -1; join it so that the range
  -- check below names the option
  for j = #args_in - 1, 1, -1 do
    if NUMERIC_OPTIONS[args_in[j]] and args_in[j + 1]:match("^%-[%d.]") then
      args_in[j] = args_in[j] .. "=" .. table.remove(args_in, j + 1)
    end
  end
  local parser = build_parser()
  if args_in[i] == "view" then
    local code = require("bqw.cli_view").help(args_in, i, parser, cli_io())
    if code then
      return code
    end
  end
  local ok, args = parser:pparse(args_in)
  if not ok then
    complain("%s\nTry 'bqw --help'.", args)
    return EXIT_USAGE
  end
  if args.version then
    return version(args.verbose, args.global_data)
  end
  args.data = args.data or args.global_data
  if args.max_size then
    local n = M.parse_size(args.max_size)
    if not n then
      complain("--max-size: %q is not a size: give a positive whole number of bytes, with K, M or G for KiB, MiB or GiB (e.g. 200M)", args.max_size)
      return EXIT_USAGE
    end
    bqw.setup({ max_size = n })
  end
  -- every numeric option, before anything runs: a bad one is a usage error, never a
  -- traceback (the choices of --ambiwidth are argparse's)
  for _, o in ipairs({ { "width", "--width", WIDTH_MIN, WIDTH_MAX }, { "limit", "--limit", LIMIT_MIN, LIMIT_MAX } }) do
    if args[o[1]] ~= nil then
      local n, err = whole_number(o[2], args[o[1]], o[3], o[4])
      if not n then
        complain("%s\nTry 'bqw %s --help'.", err, args.command or "")
        return EXIT_USAGE
      end
    end
  end
  if args.script or args.ambiwidth then
    bqw.setup({ script = args.script, ambiwidth = tonumber(args.ambiwidth) })
  end
  if args.codebook and #args.codebook > 0 then
    bqw.setup({ codebooks = args.codebook })
  end
  local fs = require("bqw.core").fs
  fs.catch_signals()
  local completed, code = xpcall(function()
    local name = args.command or "overview"
    local code
    if not reads_dataset[name] then
      code = commands[name](args)
    else
      -- the plugin a command names is found before a load that can take seconds: a
      -- wrong name fails at once, and the plugins are not read after the load, when
      -- they would delay the first row
      local kind, plugin_name = PLUGIN_OF[name], args[PLUGIN_ARG[name] or ""]
      if kind and plugin_name then
        local found, err = require("bqw.plugins").get(kind, plugin_name)
        if not found then
          complain("%s", err)
          return EXIT_USAGE
        end
        if name == "export" and found.binary and not args.output and require("bqw.core").isatty(1) then
          complain("export %s writes a binary file, which a terminal cannot show: give -o FILE, or redirect the output (> FILE)", plugin_name)
          return EXIT_USAGE
        end
      end
      local ds, lcode = load_or_fail(args.data)
      if not ds then
        return lcode
      end
      code = commands[name](args, ds)
    end
    out:flush()
    return code
  end, function(e)
    if getmetatable(e) == WriteError or fs.interrupted() then
      return e
    end
    return debug.traceback(tostring(e), 2)
  end)
  if fs.interrupted() then
    io.stderr:write("bqw: interrupted\n")
    io.stdout:flush()
    -- without closing the Lua state: collecting a large dataset's tables can take
    -- longer than the second an interruption is given
    os.exit(EXIT_SIGNAL[fs.interrupted()], false)
  end
  if not completed then
    if getmetatable(code) == WriteError then
      complain("%s", code.message)
      return EXIT_ERRORS
    end
    error(code, 0)
  end
  return code
end

return M
