--- Helpers for export plugins: rows in either shape, the standard columns, and cells
--- as text.
---
--- Shapes: "record" gives one row per record (measures joined by newlines in one
--- cell); "measure" gives one row per measure, carrying its record's fields and
--- measure, measure_line, measure_index; a record without measures (a target, a
--- meeting) still gives one row, with those three empty, so nothing is lost.
local fields = require("bqw.fields")

local M = {}

M.SHAPES = { record = true, measure = true }

--- The standard columns of flat formats (CSV, TSV, xlsx), in order: the schema's column
--- sets flat_record and flat_measure.
M.COLUMNS = { record = fields.COLUMNS.flat_record, measure = fields.COLUMNS.flat_measure }

--- The measure rows of one record: fresh tables with its fields, measures and
--- measure_lines left out, and measure, measure_line, measure_index; one row without
--- those three when it has no measure. keep(r, i) (i nil for that row), when given,
--- says which rows to make.
local function measure_rows(r, emit, keep)
  local measures = r.measures or {}
  for i = 1, math.max(#measures, 1) do
    if not keep or keep(r, measures[i] and i or nil) then
      local row = {}
      for k, v in pairs(r) do
        if not (fields.BY_NAME[k] or {}).measures then
          row[k] = v
        end
      end
      if measures[i] then
        row.measure, row.measure_line, row.measure_index = measures[i], r.measure_lines[i], i
      end
      emit(row)
    end
  end
end

--- The rows of records in a shape. Given an array of records: an array of rows (record
--- rows are the records themselves). Given an iterator over records (a function, as
--- export plugins receive): an iterator over the rows, one record read at a time.
--- In the measure shape, keep(record, i) says which measure rows to make (i nil for
--- the row of a record without measures): an export's filter selects measures.
function M.rows(records, shape, keep)
  shape = shape or "record"
  if not M.SHAPES[shape] then
    error(("bqw: unknown shape %q (record or measure)"):format(tostring(shape)), 2)
  end
  if type(records) == "function" then
    if shape == "record" then
      return records
    end
    local pending, at = {}, 1
    local function push(row)
      pending[#pending + 1] = row
    end
    return function()
      while true do
        local row = pending[at]
        if row ~= nil then
          pending[at], at = nil, at + 1
          return row
        end
        pending, at = {}, 1
        local r = records()
        if r == nil then
          return nil
        end
        measure_rows(r, push, keep)
      end
    end
  end
  if shape == "record" then
    return records
  end
  local rows = {}
  for _, r in ipairs(records) do
    measure_rows(r, function(row)
      rows[#rows + 1] = row
    end, keep)
  end
  return rows
end

--- The rows an iterator gives, in an array (for formats that need them all, such as
--- a document with a table per section). An array is returned as it is.
function M.collect(rows)
  if type(rows) ~= "function" then
    return rows
  end
  local out = {}
  for row in rows do
    out[#out + 1] = row
  end
  return out
end

--- Streams a finished scratch file (util.scratch_file) to out, then removes it; a
--- failed copy is raised after the removal, so nothing is left behind either way.
function M.deliver_scratch(util, scratch, path, out)
  local ok, err = pcall(util.copy_file, path, out)
  scratch:discard()
  if not ok then
    error(err, 0)
  end
end

--- A begin / record / finish export that builds a file by name (libxlsxwriter, SQLite)
--- in a scratch file and streams it to out when finished: fills in plugin's begin,
--- record, finish and write from steps, each export's state kept by its options table
--- (begin, record and finish of one export see the same one). steps.open(opts, ctx)
--- makes the state (st.scratch, st.path: util.scratch_file's); steps.start(st, ctx),
--- steps.record(st, row, ctx), steps.finish(st, ctx) write; when one raises,
--- steps.abandon(st) drops the writer and the scratch file is removed before the error
--- goes on. Returns plugin.
function M.scratch_export(plugin, steps)
  local label = "export " .. plugin.name
  local state_of = setmetatable({}, { __mode = "k" })
  local function guarded(st, fn, ...)
    local ok, err = pcall(fn, st, ...)
    if not ok then
      state_of[st.opts] = nil
      steps.abandon(st)
      st.scratch:discard()
      error(err, 0)
    end
  end
  function plugin.begin(_, opts, ctx)
    local st = steps.open(opts, ctx)
    st.opts = opts
    state_of[opts] = st
    guarded(st, steps.start, ctx)
  end
  function plugin.record(_, row, opts, ctx)
    local st = assert(state_of[opts], label .. ": record before begin")
    guarded(st, steps.record, row, ctx)
  end
  function plugin.finish(out, opts, ctx)
    local st = assert(state_of[opts], label .. ": finish before begin")
    guarded(st, steps.finish, ctx)
    state_of[opts] = nil
    M.deliver_scratch(ctx.util, st.scratch, st.path, out)
  end
  --- The first contract (an array of records), for callers that use it directly.
  plugin.write = M.write_from(plugin)
  return plugin
end

--- A write(out, records, opts, ctx) for a plugin that streams through begin / record
--- / finish, for callers of the first contract: records an array or an iterator, put
--- in opts.shape here.
function M.write_from(plugin)
  return function(out, records, opts, ctx)
    opts, ctx = opts or {}, ctx or {}
    ctx.util = ctx.util or M
    if plugin.begin then
      plugin.begin(out, opts, ctx)
    end
    local rows = M.rows(records, opts.shape)
    if type(rows) == "function" then
      for row in rows do
        plugin.record(out, row, opts, ctx)
      end
    else
      for _, row in ipairs(rows) do
        plugin.record(out, row, opts, ctx)
      end
    end
    if plugin.finish then
      plugin.finish(out, opts, ctx)
    end
  end
end

local delimited = require("bqw.core").delimited

--- The declaration of a built-in export: name, description, extension, the engine's
--- writer (format) and what else it declares, with kind, shapes, default_shape and
--- options filled in when it leaves them out.
local function declare(decl)
  local plugin = { kind = "export", shapes = { "record", "measure" }, default_shape = "record", options = {} }
  for k, v in pairs(decl) do
    plugin[k] = v
  end
  return plugin
end

--- The Lua writers of the engine's line formats, for the rows a Lua filter selects
--- (the core writes the same bytes itself when it walks the records, binding/rows.c):
--- header(columns, raw) and row(row, columns, raw), columns nil for every field.
local LINES = {
  csv = {
    header = true,
    row = function(row, columns, raw)
      return delimited(row, columns, "csv", raw and true or false)
    end,
  },
  tsv = {
    header = true,
    row = function(row, columns, raw)
      return delimited(row, columns, "tsv", raw and true or false)
    end,
  },
  ndjson = {
    all_fields = true, -- every field unless opts.columns names some
    array = true, -- opts.array: the objects as one JSON array instead of lines
    row = function(row, columns)
      local object = row
      if columns then
        object = {}
        for _, c in ipairs(columns) do
          object[c] = row[c]
        end
      end
      return require("bqw.json").encode(object, { keyorder = fields.COLUMNS.ndjson }) .. "\n"
    end,
  },
}

--- A built-in export of one line per row written by the engine (decl.format "csv",
--- "tsv" or "ndjson"): the declaration with begin / record / native built from it (the
--- header, in the format's own quoting, and decl.preamble(opts) before it when
--- declared), and write for the first contract. opts.raw_cells writes cells as they are.
--- A JSON array's framing, as core/rows.c's array mode writes it when the engine walks
--- the records (the rows of a Lua filter come through here): what goes before the
--- array's element number i ("[" before the first, "," before the others), and what
--- ends an array of n elements ("]", or "[]" for none).
local function array_before(i)
  return i > 1 and "," or "["
end
local function array_end(n)
  return n > 0 and "]" or "[]"
end

function M.engine_export(decl)
  local line = assert(LINES[decl.format], "export_util.engine_export: no line format " .. tostring(decl.format))
  local plugin = declare(decl)
  plugin.format, plugin.preamble = nil, nil
  -- the columns of an export's options, worked out once per export
  local columns_of = setmetatable({}, { __mode = "k" })
  local function columns(opts)
    local cols = columns_of[opts]
    if cols == nil then
      cols = (opts.columns or not line.all_fields) and M.columns(opts) or false
      columns_of[opts] = cols
    end
    return cols or nil
  end
  if line.header or decl.preamble then
    --- The preamble, then the header: a row whose every cell is its column's name.
    function plugin.begin(out, opts)
      if decl.preamble then
        out:write(decl.preamble(opts))
      end
      if line.header then
        local names = {}
        for _, c in ipairs(columns(opts)) do
          names[c] = c
        end
        out:write(line.row(names, columns(opts), opts.raw_cells))
      end
    end
  end
  -- opts.array (ndjson): the rows one JSON array (array_before, array_end); per export,
  -- the rows record() wrote, or "core" when the core writes them
  local arrays = setmetatable({}, { __mode = "k" })
  local function array(opts)
    return line.array and opts.array and true or nil
  end
  --- One row.
  function plugin.record(out, row, opts)
    local text = line.row(row, columns(opts), opts.raw_cells)
    if array(opts) then
      local n = (arrays[opts] or 0) + 1
      arrays[opts] = n
      text = array_before(n) .. text:sub(1, -2) -- the line without its LF
    end
    out:write(text)
  end
  --- The same rows written by the core, a batch at a time, when it walks the records
  --- itself (every filter its own): what record() would write, byte for byte.
  function plugin.native(opts)
    if array(opts) then
      arrays[opts] = "core"
    end
    return { format = decl.format, columns = columns(opts), raw = opts.raw_cells, array = array(opts) }
  end
  if line.array then
    --- The end of an array the rows of record() made.
    function plugin.finish(out, opts)
      local n = arrays[opts]
      if array(opts) and n ~= "core" then
        out:write(array_end(n or 0))
      end
    end
  end
  --- The first contract (an array of records), for callers that use it directly.
  plugin.write = M.write_from(plugin)
  return plugin
end

--- A built-in export of one document whose rows the engine writes as one JSON array
--- (decl.format "json", the core's array: "[" before the first row, "," between, "]"
--- after the last, "[]" for none): decl.head(opts, ctx, count) the text before the
--- array (which may hold the rows' count: a first pass counts them, ctx.row_count),
--- decl.row(row) one row's text for the rows a Lua filter selects, decl.tail after it.
--- Streams (write(out, rows)), so memory stays that of one row; a caller of the first
--- contract without ctx.row_count gives an array or has its rows collected.
function M.engine_document(decl)
  local plugin = declare(decl)
  plugin.format, plugin.head, plugin.row, plugin.tail = nil, nil, nil, nil
  plugin.stream = true
  function plugin.write(out, rows, opts, ctx)
    opts, ctx = opts or {}, ctx or {}
    if type(rows) == "function" and not ctx.row_count then
      rows = M.collect(rows)
    end
    out:write(decl.head(opts, ctx, type(rows) == "table" and #rows or ctx.row_count()))
    if ctx.native then
      ctx.native.write(out, { format = decl.format, array = true })
    else
      local n = 0
      local function write_row(row)
        n = n + 1
        out:write(array_before(n), decl.row(row))
      end
      if type(rows) == "table" then
        for _, row in ipairs(rows) do
          write_row(row)
        end
      else
        for row in rows do
          write_row(row)
        end
      end
      out:write(array_end(n))
    end
    out:write(decl.tail)
  end
  return plugin
end

--- A built-in export of a document with a table per section whose rows the engine
--- writes (decl.format "markdown" or "html"). A first pass over the rows finds the
--- sections and their columns (those some row fills), then one pass per section writes
--- its rows (ctx.rows), so no row is held; when the core walks the records
--- (ctx.native) it makes both passes itself. The declaration's own parts:
--- decl.inline(text, opts) the meta's text as the document shows it; decl.head(out, opts,
--- ctx, about, records, rows) the document's start, about the meta's byline, credits,
--- source note and source that are not empty; decl.open(out, group) a section's start
--- (false: no rows, as a table without columns); decl.row(row, columns) one row's text
--- for the rows a Lua filter selects; decl.close(out, group), decl.tail(out). When
--- decl.own_rows(opts) is true (the Markdown export's grid tables) the rows are never the
--- engine's: each group has each(fn) (a pass over its rows, as often as open needs, e.g.
--- to measure its columns) and decl.row(row, columns, group, opts) writes every row.
function M.engine_sections(decl)
  local plugin = declare(decl)
  for _, k in ipairs({ "format", "inline", "head", "open", "row", "close", "tail", "own_rows" }) do
    plugin[k] = nil
  end
  plugin.stream = true
  function plugin.write(out, rows, opts, ctx)
    opts, ctx = opts or {}, ctx or {}
    local meta = ctx.meta or {}
    local groups, records, count
    if ctx.native and not (decl.own_rows and decl.own_rows(opts)) then
      groups, records, count = M.native_sections(ctx.native, opts)
    else
      groups, records, count = M.section_passes(ctx.rows or M.collect(rows), opts, ctx.rows and ctx.rows_of)
    end
    local about = {}
    for _, key in ipairs({ "byline", "credits", "source_note", "source" }) do
      if meta[key] and meta[key] ~= "" then
        about[#about + 1] = decl.inline(meta[key], opts)
      end
    end
    decl.head(out, opts, ctx, about, records, count)
    for _, group in ipairs(groups) do
      if decl.open(out, group, opts) ~= false then
        if group.write then
          group.write(out, decl.format) -- the same bytes as decl.row's, written in C
        else
          local columns = group.columns
          group.each(function(row)
            out:write(decl.row(row, columns, group, opts))
            if ctx.tick then
              ctx.tick() -- a row done: a background export may yield here
            end
          end)
        end
      end
      if decl.close then
        decl.close(out, group, opts)
      end
    end
    if decl.tail then
      decl.tail(out)
    end
  end
  return plugin
end

--- One row as a CSV line (RFC 4180, CRLF: a cell holding , " CR or LF quoted, its
--- quotes doubled) or a TSV line ("tsv": the linear convention, TAB LF CR \ written
--- \t \n \r \\, LF), the cells of columns made as cell() makes them; unless raw, a
--- cell starting with = + - @ TAB CR gets a ' before it (a spreadsheet would run it).
--- Written by the core: the built-in csv and tsv exports spend their time here.
function M.delimited_line(row, columns, format, raw)
  return delimited(row, columns, format, raw and true or false)
end

--- How many records rows come from (a record's measure rows are consecutive).
function M.record_count(rows)
  local n, last = 0, nil
  for _, row in ipairs(rows) do
    if row.id ~= last or row.id == nil then
      n, last = n + 1, row.id
    end
  end
  return n
end

--- A cell as text: lists joined ("; ", or newlines for measures), numbers as digits,
--- booleans as true/false, absent as "".
function M.cell(row, column)
  local v = row[column]
  if v == nil then
    return ""
  elseif type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      parts[i] = tostring(x)
    end
    return table.concat(parts, fields.joiner(column))
  end
  return tostring(v)
end

--- What columns may name: every key of the JSON output (the schema's fields first), so
--- that a column naming a key no row has is an empty cell, not an error.
M.FIELDS = {}
for _, name in ipairs(require("bqw.json").KEY_ORDER) do
  M.FIELDS[name] = true
end

--- The columns of a list that name a field no row table holds (fields.ON_REQUEST:
--- code), whose values the export computes for each row; nil when none does.
function M.on_request(columns)
  local wanted = {}
  for _, c in ipairs(columns or {}) do
    wanted[c] = true
  end
  local out = {}
  for _, name in ipairs(fields.ON_REQUEST) do
    if wanted[name] then
      out[#out + 1] = name
    end
  end
  return #out > 0 and out or nil
end

--- nil, or a message naming the first column that is no field.
function M.check_columns(columns)
  for _, c in ipairs(columns or {}) do
    if not M.FIELDS[c] then
      return ("unknown column %q (columns are record fields: %s, %s)"):format(
        c,
        table.concat(M.COLUMNS.record, ", "),
        table.concat(fields.MEASURE, ", ")
      )
    end
  end
end

--- The compact default columns of documents made of tables (Markdown, HTML).
M.TABLE_COLUMNS = { record = fields.COLUMNS.table_record, measure = fields.COLUMNS.table_measure }

--- The rows grouped by section, in the order sections first appear:
--- { { title = heading, rows = { … } }, … }.
function M.sections(rows)
  local groups, by_key = {}, {}
  for _, row in ipairs(rows) do
    local key = row.section_title or row.section or ""
    local group = by_key[key]
    if not group then
      group = { title = key, rows = {} }
      by_key[key] = group
      groups[#groups + 1] = group
    end
    group.rows[#group.rows + 1] = row
  end
  return groups
end

--- The rows grouped by section without holding them. rows: a function giving a fresh
--- iterator over the rows at each call (ctx.rows of an export), or an array. A first
--- pass finds the sections in the order they first appear, how many rows each has and
--- the columns its table shows (as table_columns chooses them); each group's
--- each(fn) then calls fn(row) for its rows, in source order, in a pass of its own.
--- rows_of (optional, ctx.rows_of of an export): a function(ids) giving an iterator
--- over the rows of the records with those ids; the first pass then keeps each
--- section's record ids (a number per record) and a section's pass builds only its
--- own records, instead of every record once per section.
--- Returns { { title, count, columns, each }, … }, the number of records, of rows.
function M.section_passes(rows, opts, rows_of)
  local fresh = rows
  if type(rows) == "table" then
    rows_of = nil
    fresh = function()
      local i = 0
      return function()
        i = i + 1
        return rows[i]
      end
    end
  end
  local fixed = opts.columns and M.columns(opts)
  local candidates = M.TABLE_COLUMNS[opts.shape] or M.TABLE_COLUMNS.record
  local groups, by_key, records, count, last = {}, {}, 0, 0, nil
  for row in fresh() do
    count = count + 1
    local key = row.section_title or row.section or ""
    local group = by_key[key]
    if not group then
      group = { title = key, count = 0, filled = {}, ids = {} }
      by_key[key] = group
      groups[#groups + 1] = group
    end
    if row.id ~= last or row.id == nil then
      records, last = records + 1, row.id
      if row.id == nil then
        rows_of = nil -- a row no id names: passes over every row
      elseif rows_of then
        group.ids[#group.ids + 1] = row.id
      end
    end
    group.count = group.count + 1
    if not fixed then
      for _, c in ipairs(candidates) do
        if not group.filled[c] and M.cell(row, c) ~= "" then
          group.filled[c] = true
        end
      end
    end
  end
  for _, group in ipairs(groups) do
    local key = group.title
    if fixed then
      group.columns = fixed
    else
      group.columns = {}
      for _, c in ipairs(candidates) do
        if group.filled[c] then
          group.columns[#group.columns + 1] = c
        end
      end
    end
    group.filled = nil
    local ids = group.ids
    group.ids = nil
    if rows_of then
      function group.each(fn)
        for row in rows_of(ids) do
          fn(row)
        end
      end
    else
      function group.each(fn)
        for row in fresh() do
          if (row.section_title or row.section or "") == key then
            fn(row)
          end
        end
      end
    end
  end
  return groups, records, count
end

--- The groups of section_passes found and written by the core, for an export whose
--- rows it walks itself (ctx.native): the same titles, counts and columns, and
--- group.write(out, format) writing the group's table rows ("markdown" or "html"; the
--- bytes of the plugin's own rows, binding/rows.c) instead of each(fn).
--- Returns the groups, the number of records, of rows.
function M.native_sections(native, opts)
  local fixed = opts.columns and M.columns(opts)
  local candidates = fixed and {} or M.TABLE_COLUMNS[opts.shape] or M.TABLE_COLUMNS.record
  local groups, records, count = native.sections(candidates)
  for _, group in ipairs(groups) do
    local order = group.order
    group.order = nil
    group.columns = fixed or group.columns
    function group.write(out, format)
      native.write(out, { format = format, columns = group.columns, order = order })
    end
  end
  return groups, records, count
end

--- The columns of one table of rows: opts.columns, or those of TABLE_COLUMNS that are
--- not empty in every row.
function M.table_columns(opts, rows)
  if opts.columns then
    return M.columns(opts)
  end
  local kept = {}
  for _, c in ipairs(M.TABLE_COLUMNS[opts.shape] or M.TABLE_COLUMNS.record) do
    for _, row in ipairs(rows) do
      if M.cell(row, c) ~= "" then
        kept[#kept + 1] = c
        break
      end
    end
  end
  return kept
end

--- The columns to write: opts.columns (a list or "a,b,c") or the standard ones.
function M.columns(opts)
  local cols = opts and opts.columns
  if type(cols) == "string" then
    local list = {}
    for c in cols:gmatch("[^,%s]+") do
      list[#list + 1] = c
    end
    return list
  end
  return cols or M.COLUMNS[(opts and opts.shape) or "record"]
end

--- A named scratch file for a writer that needs a path (libxlsxwriter, SQLite), in
--- $TMPDIR or /tmp: a core.fs tempfile, which discard() removes and which the signal
--- handler removes when the command is interrupted, so Ctrl-C leaves nothing behind.
--- Returns the tempfile and its path; raises when it cannot be made.
function M.scratch_file(base)
  local dir = os.getenv("TMPDIR")
  if not dir or dir == "" then
    dir = "/tmp"
  end
  local t, err = require("bqw.core").fs.tempfile(dir, base, true)
  if not t then
    error(("export: cannot create a scratch file in %s: %s"):format(dir, tostring(err)), 0)
  end
  return t, t:name()
end

--- Copies the file at path to out, 64 KiB at a time.
function M.copy_file(path, out)
  local fh, err = io.open(path, "rb")
  if not fh then
    error(err, 0)
  end
  while true do
    local chunk = fh:read(65536)
    if not chunk then
      break
    end
    out:write(chunk)
  end
  fh:close()
end

return M
