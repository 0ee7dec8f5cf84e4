--- SQLite database: the records as tables for SQL, Datasette or any SQLite client.
---
---   records   one row per record: the fields of the schema's sqlite column set
---             (`bqw fields --json`, core.schema_columns().sqlite): id (primary key),
---             kind, level, section, …, line, years (a list as "2023; 2025"); the
---             integer fields INTEGER, the others TEXT
---   measures  one row per measure: id, record_id (→ records), idx, text, line
---   mentions  record_id (→ records), place          (one row per place named)
---   issuers   record_id (→ records), issuer         (one row per issuing body)
---   codes     one row per code of the codebooks in use (bqw.codebooks): code (primary
---             key), label, parent (its parent code, or NULL), codebook (the codebook
---             file's name: policy-tools, themes, or a user codebook's), description
---   codings   one row per piece of evidence (`bqw code`): id, record_id (→ records),
---             measure_id (→ measures; NULL for the record's own text), measure_index
---             (its place in the record, from 1; 0: the record's own text, as a target's
---             or a meeting's), code (→ codes), label, codebook, text (the matched text
---             as exported), char_start, char_stop (characters from 0 in the measure or
---             text, char_stop excluded: substr(measures.text, char_start + 1,
---             char_stop - char_start) is the matched text), line (the source line)
---   meta      key, value: source, source_note, bqw version, counts, filter, exported_at
---   records_fts (title, headline, text, category, city) and measures_fts (text): FTS5
---   tables with external content (content="records", content_rowid="id"; the same for
---   measures), so they hold only the index, and sqlite-utils (`search`, `enable-fts`)
---   and Datasette's search box find them as the full-text index of their table. The
---   export writes each row to its table and its index in the same transaction; later
---   edits to records or measures must update the index too (FTS5's 'rebuild').
---
--- opts.fts (--fts) picks the tokenizer:
---   bqw (default)  folds script, width and case as bqw search does and indexes unigrams
---                  and bigrams, so MATCH '振兴' (or '振興') finds what `bqw search` finds;
---                  needs the extension: `.load build/bqw_sqlite` in the sqlite3 shell
---                  (installed: lib/<triplet>/bqw/bqw_sqlite.so; sqlite-utils and
---                  Datasette: --load-extension). Without it the plain tables open and
---                  query, but anything that opens an FTS table (sqlite-utils tables
---                  --counts counts every table) fails with "no such tokenizer: bqw".
---   trigram        SQLite's own trigram tokenizer: needs no extension, but matches
---                  only queries of 3 or more characters (MATCH '振兴' finds nothing) and
---                  folds case only, not script or width.
---   none           no FTS tables.
--- Streams (begin / record / finish): each record's rows are inserted as it comes, once,
--- in one transaction (SQLite spills its page cache to the file, so memory stays
--- bounded); shape is always the tables above.
local M = {
  name = "sqlite",
  kind = "export",
  description = "SQLite database: records, measures, mentions, issuers, codes, codings, meta, and FTS5 indexes of records "
    .. "and measures with bqw's CJK tokenizer (load bqw_sqlite to query them; --fts trigram needs none).",
  extension = "sqlite",
  shapes = { "record" },
  default_shape = "record",
  options = {
    fts = "tokenizer of the FTS5 indexes: bqw (default; needs the bqw_sqlite extension), trigram "
      .. "(SQLite's own: no extension, queries of 3+ characters only) or none",
  },
  binary = true,
}

-- the records table's columns: the schema's sqlite column set; integer fields are INTEGER
local fields = require("bqw.fields")
local RECORD_COLUMNS = fields.COLUMNS.sqlite
local INTEGER = fields.NUMERIC
local POSITION = {}
for i, c in ipairs(RECORD_COLUMNS) do
  POSITION[c] = i
end

local SCHEMA = [[
PRAGMA journal_mode = OFF;
PRAGMA foreign_keys = ON;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE records (%s);
CREATE TABLE measures (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL REFERENCES records(id),
  idx INTEGER NOT NULL, text TEXT NOT NULL, line INTEGER);
CREATE TABLE mentions (record_id INTEGER NOT NULL REFERENCES records(id), place TEXT NOT NULL);
CREATE TABLE issuers (record_id INTEGER NOT NULL REFERENCES records(id), issuer TEXT NOT NULL);
CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT, parent TEXT, codebook TEXT, description TEXT);
CREATE TABLE codings (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL REFERENCES records(id),
  measure_id INTEGER REFERENCES measures(id), measure_index INTEGER NOT NULL,
  code TEXT NOT NULL REFERENCES codes(code), label TEXT, codebook TEXT, text TEXT NOT NULL,
  char_start INTEGER NOT NULL, char_stop INTEGER NOT NULL, line INTEGER);
CREATE INDEX codings_record ON codings(record_id);
CREATE INDEX codings_code ON codings(code);
CREATE INDEX measures_record ON measures(record_id);
CREATE INDEX mentions_record ON mentions(record_id);
CREATE INDEX mentions_place ON mentions(place);
CREATE INDEX issuers_record ON issuers(record_id);
CREATE INDEX issuers_issuer ON issuers(issuer);
CREATE INDEX records_kind ON records(kind);
CREATE INDEX records_region ON records(region);
CREATE INDEX records_city ON records(city);
]]

-- The FTS5 indexes, external content: the double-quoted content="…" is what sqlite-utils
-- and Datasette look for in the schema to find a table's index.
local FTS_SCHEMA = [[
CREATE VIRTUAL TABLE records_fts USING fts5(title, headline, text, category, city,
  content="records", content_rowid="id", tokenize = '%s');
CREATE VIRTUAL TABLE measures_fts USING fts5(text, content="measures", content_rowid="id", tokenize = '%s');
]]

local FTS_MODES = { bqw = true, trigram = true, none = true }
local FTS_NOTE = {
  bqw = "bqw: load the bqw_sqlite extension to query records_fts and measures_fts",
  trigram = "trigram: SQLite's own; MATCH needs 3 or more characters",
  none = "none: no FTS tables",
}

local coding_rows = require("bqw.coding_rows")
local unpack_values = table.unpack or unpack -- luacheck: ignore 143 (LuaJIT has only unpack)

local function check(ok, message)
  if not ok then
    error("export sqlite: " .. tostring(message), 0)
  end
  return ok
end

--- Opens the database (start creates its schema).
local function open(opts, ctx)
  local fts = opts.fts or "bqw"
  if not FTS_MODES[fts] then
    error(("export sqlite: --fts %s: expected bqw, trigram or none"):format(tostring(fts)), 0)
  end
  local core = require("bqw.core")
  if not core.sqlite then
    error("export sqlite: this bqw was built without SQLite; install libsqlite3-dev "
      .. "(scripts/deps.sh does) and rebuild", 0)
  end
  -- a scratch file (gone even after Ctrl-C; SQLite takes an empty file for an empty
  -- database), streamed to out (an atomic file or stdout) when finished
  local scratch, path = ctx.util.scratch_file("bqw-sqlite")
  local db, derr = core.sqlite(path)
  if not db then
    scratch:discard()
    error("export sqlite: " .. derr, 0)
  end
  return {
    db = db, scratch = scratch, path = path, opts = opts, fts = fts, nrecords = 0, nmeasures = 0, util = ctx.util,
    codings = coding_rows.state(ctx), ncodings = 0,
  }
end

--- The schema, one transaction, the prepared inserts.
local function start(st)
  local db, fts = st.db, st.fts
  local defs, marks = {}, {}
  for i, c in ipairs(RECORD_COLUMNS) do
    defs[i] = c .. (c == "id" and " INTEGER PRIMARY KEY" or (INTEGER[c] and " INTEGER" or " TEXT"))
    marks[i] = "?"
  end
  check(db:exec(SCHEMA:format(table.concat(defs, ", "))))
  if fts ~= "none" then
    check(db:exec(FTS_SCHEMA:format(fts, fts)))
  end
  check(db:exec("BEGIN"))
  st.ins_record = check(db:prepare(("INSERT INTO records (%s) VALUES (%s)"):format(
    table.concat(RECORD_COLUMNS, ", "),
    table.concat(marks, ", ")
  )))
  st.ins_measure = check(db:prepare("INSERT INTO measures (id, record_id, idx, text, line) VALUES (?, ?, ?, ?, ?)"))
  st.ins_mention = check(db:prepare("INSERT INTO mentions (record_id, place) VALUES (?, ?)"))
  st.ins_issuer = check(db:prepare("INSERT INTO issuers (record_id, issuer) VALUES (?, ?)"))
  st.ins_coding = check(db:prepare("INSERT INTO codings (id, record_id, measure_id, measure_index, code, label, "
    .. "codebook, text, char_start, char_stop, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
  local ins_code = check(db:prepare("INSERT INTO codes (code, label, parent, codebook, description) VALUES (?, ?, ?, ?, ?)"))
  for _, c in ipairs(st.codings and st.codings.codes or {}) do
    check(db:run(ins_code, c.code, c.label, c.parent, c.codebook, c.description))
  end
  if fts ~= "none" then
    st.ins_rfts = check(db:prepare("INSERT INTO records_fts (rowid, title, headline, text, category, city) VALUES (?, ?, ?, ?, ?, ?)"))
    st.ins_mfts = check(db:prepare("INSERT INTO measures_fts (rowid, text) VALUES (?, ?)"))
  end
end

local function insert(st, r)
  local db = st.db
  st.nrecords = st.nrecords + 1
  local values = {}
  for i, c in ipairs(RECORD_COLUMNS) do
    local v = r[c]
    if type(v) == "table" then
      v = st.util.cell(r, c)
    end
    values[i] = v
  end
  check(db:run(st.ins_record, unpack_values(values, 1, #RECORD_COLUMNS)))
  if st.ins_rfts then
    -- the index gets exactly what the records row holds (external content)
    local p = POSITION
    check(db:run(st.ins_rfts, r.id, values[p.title], values[p.headline], values[p.text], values[p.category], values[p.city]))
  end
  local first_measure = st.nmeasures + 1
  for i, m in ipairs(r.measures or {}) do
    st.nmeasures = st.nmeasures + 1
    check(db:run(st.ins_measure, st.nmeasures, r.id, i, m, r.measure_lines and r.measure_lines[i]))
    if st.ins_mfts then
      check(db:run(st.ins_mfts, st.nmeasures, m))
    end
  end
  for _, p in ipairs(r.mentions or {}) do
    check(db:run(st.ins_mention, r.id, p))
  end
  for _, b in ipairs(r.issuers or {}) do
    check(db:run(st.ins_issuer, r.id, b))
  end
  local cs = st.codings
  local list = cs and cs.of(r.id)
  if list then
    for _, c in ipairs(coding_rows.rows(r, list, cs.code_of, cs.original(r.id))) do
      st.ncodings = st.ncodings + 1
      local m = c.measure_index
      check(db:run(st.ins_coding, st.ncodings, r.id, m > 0 and first_measure + m - 1 or nil, m, c.code, c.label,
        c.codebook, c.text, c.char_start, c.char_stop, c.line))
    end
  end
end

local function finish(st, ctx)
  local db, opts = st.db, st.opts
  local meta = ctx.meta or {}
  local ins_meta = check(db:prepare("INSERT INTO meta (key, value) VALUES (?, ?)"))
  local where = type(opts.where) == "string" and opts.where or (opts.where and "(a Lua filter)" or "(all records)")
  for _, kv in ipairs({
    { "source", meta.source },
    { "source_note", meta.source_note },
    { "bqw", ctx.version },
    { "records", st.nrecords },
    { "measures", st.nmeasures },
    { "codings", st.ncodings },
    { "filter", where },
    { "script", opts.script or require("bqw.config").script() },
    { "tokenizer", FTS_NOTE[st.fts] },
    { "exported_at", os.date("!%Y-%m-%dT%H:%M:%SZ") },
  }) do
    check(db:run(ins_meta, kv[1], kv[2] ~= nil and tostring(kv[2]) or nil))
  end
  check(db:exec("COMMIT"))
  check(db:close())
end

-- begin / record / finish: the database in a scratch file (gone even after Ctrl-C),
-- streamed to out when finished; a failure closes it and removes its file
return require("bqw.export_util").scratch_export(M, {
  open = open,
  start = start,
  record = insert, -- one record: its rows in every table, inserted at once
  finish = finish, -- the meta table, the commit
  abandon = function(st)
    pcall(st.db.close, st.db)
  end,
})
