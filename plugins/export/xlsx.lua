--- Excel workbook (.xlsx, Office Open XML) through libxlsxwriter, for Excel and WPS.
--- The first sheet ("records" or "measures") has a header row, frozen and with an
--- autofilter, then one row per record (shape "record", the default) or per measure
--- (shape "measure"; a record without measures, such as a target or a meeting, still
--- gives one row with the measure columns empty). Columns: opts.columns (a list or
--- "a,b,c"), else export_util.COLUMNS[shape].
---
--- Cells are typed: ids, lines, years as numbers, `date` as a date (yyyy-mm-dd), the
--- rest as text, never as a formula (so neither --bom nor the CSV's neutralising of
--- = + - @ applies). Column widths follow the display width of their cells (a Han
--- character is two), capped; text longer than the cap wraps. A sheet "codings" holds
--- the codings of the rows exported (coding_rows.COLUMNS: record_id, measure_index,
--- code, label, codebook, the matched text, char_start, char_stop, line; as the sqlite
--- export's codings table), a sheet "codes" the codebook (code, label, parent,
--- codebook, description), and a last sheet "about" the source, the counts, the shape
--- and the export's filter.
---
--- A text over Excel's 32,767 characters a cell is cut by core.xlsx, ending with a
--- marker "…[cut by bqw: N more characters; …]", and ctx.warn names the record, its
--- source line and the column; a literal _xHHHH_ is written escaped (_x005F_xHHHH_,
--- ECMA-376), so Excel shows it as written.
---
--- Streams (begin / record / finish): rows are written as they come, once each, and
--- the workbook keeps only the current row in memory (libxlsxwriter's constant_memory
--- mode), so memory stays flat however many records there are. Needs bqw.core built with libxlsxwriter (pkg-config
--- xlsxwriter); without it the export fails with a message saying so.
local M = {
  name = "xlsx",
  kind = "export",
  description = "Excel workbook (libxlsxwriter): typed cells, frozen header, autofilter, widths by display "
    .. "width, wrapped long text, an 'about' sheet.",
  extension = "xlsx",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {},
  binary = true,
}

-- typed cells: the schema's integer fields as numbers, its date fields as dates
local fields = require("bqw.fields")
local NUMBERS = fields.NUMERIC
local coding_rows = require("bqw.coding_rows")
local CODING_NUMBERS = { record_id = true, measure_index = true, char_start = true, char_stop = true, line = true }

-- Widths in Excel's character units (about one Latin letter; a Han character takes two).
local MAX_WIDTH, MIN_WIDTH = 60, 4

--- The widest line of s in display cells.
local function cells(width, s)
  local w = 0
  for line in (s .. "\n"):gmatch("([^\n]*)\n") do
    w = math.max(w, width(line))
  end
  return w
end

--- Characters (code points) of UTF-8 text: its bytes that do not continue one.
local function utf8_length(s)
  local _, continuation = s:gsub("[\128-\191]", "")
  return #s - continuation
end

local function check(ok, message)
  if not ok then
    error("export xlsx: " .. tostring(message), 0)
  end
end

--- The rows of a worksheet, its header's included: Excel's limit. Rows past it go on to
--- a new sheet ("records 2", "records 3", ...) with the header again.
M.max_rows = 1048576

local function new_sheet(st)
  local n = #st.sheets + 1
  local sheet, err = st.wb:sheet(n == 1 and st.base or ("%s %d"):format(st.base, n))
  check(sheet, err)
  for c, name in ipairs(st.columns) do
    check(st.wb:cell(sheet, 0, c - 1, name, "header"))
  end
  st.sheets[n] = { sheet = sheet, rows = 0 }
  st.sheet, st.row = sheet, 0
end

--- Creates the workbook (start writes its header row).
local function open(opts, ctx)
  local core = require("bqw.core")
  if not core.xlsx then
    error("export xlsx: this bqw was built without libxlsxwriter; install libxlsxwriter-dev "
      .. "(scripts/deps.sh does) and rebuild", 0)
  end
  local util = ctx.util
  -- libxlsxwriter writes a file by name: a scratch file (gone even after Ctrl-C),
  -- streamed to out (an atomic file or stdout) when finished
  local scratch, path = util.scratch_file("bqw-xlsx")
  local wb, werr = core.xlsx(path)
  if not wb then
    scratch:discard()
    error("export xlsx: " .. werr, 0)
  end
  local st = {
    wb = wb,
    scratch = scratch,
    path = path,
    opts = opts,
    shape = opts.shape or "record",
    columns = util.columns(opts),
    width = require("bqw.view_util").width,
    widths = {},
    row = 0,
    nrecords = 0,
    last_id = nil,
  }
  for c, name in ipairs(st.columns) do
    st.widths[c] = st.width(name) + 2
  end
  -- the codings sheet's rows, kept in a scratch file until the records are written (one
  -- line each, so memory stays flat), then written as the sheet
  st.codings, st.ncoded = coding_rows.state(ctx), 0
  st.coded_scratch, st.coded_path = util.scratch_file("bqw-xlsx-codings")
  st.coded = assert(io.open(st.coded_path, "wb"))
  st.base = st.shape == "measure" and "measures" or "records"
  st.sheets, st.rows = {}, 0
  return st
end

--- A text cell, cut to Excel's limit by core.xlsx when longer (with a marker in the
--- cell), and then a warning naming the record, its source line and the column.
local function text_cell(st, ctx, r, row, c, name, text, style)
  local ok, cut = st.wb:cell(st.sheet, row, c - 1, text, style)
  check(ok, cut)
  if cut then
    local line = name == "measure" and r.measure_line or r.line
    ctx.warn(("%s:%s:1: warning: export xlsx: record %s, column %s: %d characters, over Excel's limit of "
      .. "32,767 in a cell; the last %d are cut, and the cell ends with …[cut by bqw: …]; the csv, "
      .. "json and sqlite exports keep the whole text"):format(
      ctx.dataset and ctx.dataset:name() or "(digest)",
      tostring(line or 0),
      tostring(r.id),
      name,
      utf8_length(text),
      cut
    ))
  end
end

--- The codings of a row, kept for the codings sheet: a record row's all; a measure row's
--- those of its measure, and the record's own text's with its first row.
local function keep_codings(st, r, first)
  local cs = st.codings
  local list = cs and cs.of(r.id)
  if not list then
    return
  end
  local unit, mine = r, list
  if st.shape == "measure" then
    unit, mine = { id = r.id, measures = {}, text = r.text }, {}
    if r.measure_index then
      unit.measures[r.measure_index] = r.measure
    end
    for _, c in ipairs(list) do
      if c.measure == (r.measure_index or 0) or (first and c.measure == 0) then
        mine[#mine + 1] = c
      end
    end
  end
  for _, row in ipairs(coding_rows.rows(unit, mine, cs.code_of, cs.original(r.id))) do
    local line = {}
    for i, col in ipairs(coding_rows.COLUMNS) do
      local v = row[col]
      line[i] = v == nil and "" or tostring(v):gsub("[\\\t\n]", { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n" })
    end
    check(st.coded:write(table.concat(line, "\t"), "\n"))
    st.ncoded = st.ncoded + 1
  end
end

--- The coding rows kept by keep_codings, read back one at a time.
local function coded_rows(st)
  check(st.coded:close())
  st.coded = nil
  local fh = assert(io.open(st.coded_path, "rb"))
  local unescape = { ["\\\\"] = "\\", ["\\t"] = "\t", ["\\n"] = "\n" }
  return function()
    local line = fh:read("l")
    if not line then
      fh:close()
      return nil
    end
    local row, i = {}, 0
    for cell in (line .. "\t"):gmatch("([^\t]*)\t") do
      i = i + 1
      local col = coding_rows.COLUMNS[i]
      if cell ~= "" then
        cell = cell:gsub("\\[\\tn]", unescape)
        row[col] = CODING_NUMBERS[col] and tonumber(cell) or cell
      end
    end
    return row
  end
end

--- The rows of a codings or codes sheet whose cells set its column widths.
local WIDTH_ROWS = 2000

--- A sheet of plain rows (the codings, the codes; a list or an iterator): a header,
--- then cells, numbers where numbers names the column; widths by the display width of
--- the first WIDTH_ROWS rows, capped.
local function table_sheet(st, name, columns, rows, numbers)
  local wb = st.wb
  local sheet = assert(wb:sheet(name))
  local widths = {}
  for c, col in ipairs(columns) do
    check(wb:cell(sheet, 0, c - 1, col, "header"))
    widths[c] = st.width(col) + 2
  end
  if type(rows) == "table" then
    local list, at = rows, 0
    rows = function()
      at = at + 1
      return list[at]
    end
  end
  local i, left = 0, 0
  local function write_cells(row)
    i = i + 1
    for c, col in ipairs(columns) do
      local v = row[col]
      if v ~= nil then
        if numbers[col] and type(v) == "number" then
          check(wb:cell(sheet, i, c - 1, v, "top"))
        else
          check(wb:cell(sheet, i, c - 1, tostring(v), "top"))
        end
        if i <= WIDTH_ROWS then
          widths[c] = math.max(widths[c], math.min(cells(st.width, tostring(v)) + 2, MAX_WIDTH))
        end
      end
    end
  end
  for row in rows do
    if i < M.max_rows - 1 then
      write_cells(row)
    else
      left = left + 1
    end
  end
  for c in ipairs(columns) do
    check(wb:column(sheet, c - 1, math.max(widths[c], MIN_WIDTH)))
  end
  check(wb:freeze(sheet, 1, 0))
  check(wb:autofilter(sheet, 0, 0, i, #columns - 1))
  return left
end

local function write_row(st, r, ctx)
  local util = ctx.util
  if st.row + 1 >= M.max_rows then
    new_sheet(st)
  end
  local wb, sheet, widths = st.wb, st.sheet, st.widths
  st.row = st.row + 1
  st.rows = st.rows + 1
  st.sheets[#st.sheets].rows = st.row
  local row = st.row
  local first = r.id ~= st.last_id
  if first then -- a record's measure rows come together
    st.last_id = r.id
    st.nrecords = st.nrecords + 1
  end
  keep_codings(st, r, first)
  for c, name in ipairs(st.columns) do
    local v = r[name]
    if NUMBERS[name] and type(v) == "number" then
      check(wb:cell(sheet, row, c - 1, v, "top"))
      widths[c] = math.max(widths[c], #tostring(v) + 2)
    elseif (fields.BY_NAME[name] or {}).type == "date" and type(v) == "string" and v:match("^%d%d%d%d%-%d%d%-%d%d$") then
      local y, m, d = v:match("^(%d+)%-(%d+)%-(%d+)$")
      check(wb:date(sheet, row, c - 1, tonumber(y), tonumber(m), tonumber(d)))
      widths[c] = math.max(widths[c], 12)
    else
      local text = util.cell(r, name)
      if text ~= "" then
        local w = cells(st.width, text)
        local long = w > MAX_WIDTH or text:find("\n", 1, true)
        text_cell(st, ctx, r, row, c, name, text, long and "wrap" or "top")
        widths[c] = math.max(widths[c], math.min(w + 2, MAX_WIDTH))
      end
    end
  end
end

local function finish(st, ctx)
  local wb, opts = st.wb, st.opts
  for _, s in ipairs(st.sheets) do
    for c in ipairs(st.columns) do
      check(wb:column(s.sheet, c - 1, math.max(st.widths[c], MIN_WIDTH)))
    end
    check(wb:freeze(s.sheet, 1, 0))
    check(wb:autofilter(s.sheet, 0, 0, s.rows, #st.columns - 1))
  end
  local left = table_sheet(st, "codings", coding_rows.COLUMNS, coded_rows(st), CODING_NUMBERS)
  st.coded_scratch:discard()
  if left > 0 then
    ctx.warn(("%s:1:1: warning: export xlsx: %d codings over Excel's %d rows left out of the codings sheet; "
      .. "the sqlite export keeps them all"):format(ctx.dataset and ctx.dataset:name() or "(digest)", left, M.max_rows))
  end
  table_sheet(st, "codes", coding_rows.CODE_COLUMNS, st.codings and st.codings.codes or {}, {})
  local about = assert(wb:sheet("about"))
  local meta = ctx.meta or {}
  local facts = {
    { "source", meta.source or "" },
    { "source_note", meta.source_note or "" },
    { "records", st.nrecords },
    { "rows", st.rows },
    { "sheets", #st.sheets },
    { "codings", st.ncoded },
    { "shape", st.shape },
    { "filter", type(opts.where) == "string" and opts.where or (opts.where and "(a Lua filter)" or "(all records)") },
    { "sort", type(opts.sort) == "string" and opts.sort or (opts.sort and "(a Lua function)" or "(source order)") },
    { "script", opts.script or require("bqw.config").script() },
    { "exported_by", "bqw " .. tostring(ctx.version) },
  }
  check(wb:cell(about, 0, 0, "key", "header"))
  check(wb:cell(about, 0, 1, "value", "header"))
  for i, kv in ipairs(facts) do
    check(wb:cell(about, i, 0, kv[1], "top"))
    check(wb:cell(about, i, 1, kv[2], "wrap"))
  end
  check(wb:column(about, 0, 14))
  check(wb:column(about, 1, 80))
  check(wb:close())
end

-- begin / record / finish: the workbook in a scratch file, streamed to out (an atomic
-- file or stdout) when finished; a failure or an interruption drops it without
-- writing it (writing would take as long as the rows so far) and removes its file
return require("bqw.export_util").scratch_export(M, {
  open = open,
  start = new_sheet,
  record = write_row, -- one row, written to the workbook at once (constant_memory keeps only it)
  finish = finish, -- column widths, the frozen header, the autofilter, the about sheet
  abandon = function(st)
    st.wb:discard()
    if st.coded then
      st.coded:close()
    end
    st.coded_scratch:discard()
  end,
})
