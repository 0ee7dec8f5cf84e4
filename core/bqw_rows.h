/*
 * bqw_rows.h -- the rows of libbqw's exports and table views; included by bqw.h (at its
 * end, inside its extern "C"), installed beside it.
 *
 * An export's rows (CSV, TSV, NDJSON, the JSON document's records, the Markdown and
 * HTML documents' table rows) are written straight from the records, through the
 * schema (bqw_record_value): a column is a field's record key, a cell its value as
 * the row presents it. The bytes are those plugins/export/ (csv.lua, …) document.
 */
#ifndef BQW_ROWS_H
#define BQW_ROWS_H

/* ---- buffers -------------------------------------------------------------- */

/* A growing byte buffer the caller owns: start it zeroed, free it with bqw_buf_free.
 * data is malloc'd (NULL while nothing was added), not NUL terminated. */
typedef struct bqw_buf {
  char *data;
  size_t len, cap;
} bqw_buf;

/* Makes room for n more bytes. Returns 0 or BQW_ENOMEM (b is then as it was). */
BQW_API int bqw_buf_reserve(bqw_buf *b, size_t n);
/* Appends n bytes. Returns 0 or BQW_ENOMEM. */
BQW_API int bqw_buf_append(bqw_buf *b, const void *p, size_t n);
/* Frees the bytes and zeroes b. */
BQW_API void bqw_buf_free(bqw_buf *b);

/* ---- cells ---------------------------------------------------------------- */

/* The script a field's text is shown in when rows are presented in `script` (-1: as
 * published, else a bqw_script): a keyword never converts, prose converts to either
 * script, a name (Simplified already) only to Traditional. Returns -1 or a bqw_script. */
BQW_API int bqw_present_script(bqw_present present, int script);

/* Appends s (len bytes) as a CSV cell, or with tsv a TSV cell: CSV quotes a cell
 * holding , " CR or LF; TSV one holding TAB " CR or LF, and writes CR and CRLF inside
 * it as LF; quotes are doubled; unless raw, a cell starting as a formula (= + - @ TAB
 * CR) gets a ' first. Returns 0 or BQW_ENOMEM. */
BQW_API int bqw_delimited_cell(bqw_buf *b, const char *s, size_t len, int tsv, int raw);
/* Appends s (len bytes) as a JSON string, escaped as dkjson escapes it. Returns 0 or
 * BQW_ENOMEM. */
BQW_API int bqw_json_string(bqw_buf *b, const char *s, size_t len);
/* Appends a cell's text (len bytes) as a Markdown table cell, or with html an HTML
 * table cell's content: what a terminal acts on shown as bqw_visible shows it, then
 * Markdown's markup characters backslashed (HTML's & < > " ' as entities), LF as
 * <br>, and Markdown's leading and trailing spaces and TABs dropped. Returns 0 or
 * BQW_ENOMEM. */
BQW_API int bqw_table_cell(bqw_buf *b, const char *s, size_t len, int html);

/* ---- rows of an export ---------------------------------------------------- */

typedef enum bqw_rows_format {
  BQW_ROWS_CSV,    /* RFC 4180, CRLF */
  BQW_ROWS_TSV,    /* CSV with TAB, LF */
  BQW_ROWS_NDJSON, /* one compact object a line, keys in the ndjson column set's order */
  BQW_ROWS_JSON,   /* the JSON document's records, pretty as dkjson indents them */
  BQW_ROWS_MARKDOWN, /* "| a | b |" */
  BQW_ROWS_HTML      /* <tr data-id="ID"><td>…</td></tr> */
} bqw_rows_format;

/* What a row format is made of. */
typedef struct bqw_row_spec {
  bqw_rows_format format;
  int measure_shape; /* a row per measure (a record without measures one row) */
  int raw;           /* CSV and TSV: no ' before a formula */
  int script;        /* -1: as published; BQW_SCRIPT_HANS or BQW_SCRIPT_HANT */
  /* Record keys: the cells in order (CSV, TSV, Markdown, HTML; a name no field has is
   * an empty cell), or the keys kept (NDJSON, JSON). NULL: every key, for NDJSON and
   * JSON only. At most 64. */
  const char *const *columns;
  size_t column_count;
  /* NDJSON and JSON: the rows as one JSON array, "[" before the first row, "," between
   * rows (NDJSON's without their LF), "]" after the last, written by the call that
   * reaches the walk's end ("[]" when no row came). */
  int array;
} bqw_row_spec;

typedef struct bqw_row_format bqw_row_format;

/* A row format from spec; free with bqw_row_format_free. Returns 0, BQW_EINVAL (no
 * columns for a table or delimited format, more than 64, a bad format or script, an
 * array of neither NDJSON nor JSON) or BQW_ENOMEM. */
BQW_API int bqw_row_format_new(const bqw_row_spec *spec, bqw_row_format **out);
BQW_API void bqw_row_format_free(bqw_row_format *f);

/* A walk over records, a call at a time: the records at positions [at, end) of order
 * (record indices from 0), or with order NULL records [at, end) themselves. */
typedef struct bqw_row_walk {
  bqw_query *query;      /* the rows written (NULL: all); without order it also picks
                          * the records, with order only the measure rows */
  const uint32_t *order; /* NULL, or the records to walk, in order */
  size_t order_count;    /* how many order holds */
  size_t at, end;        /* the next position, and the end (clamped to the positions) */
  size_t max_bytes;      /* stop before a record once out holds this many (0: none) */
  size_t max_records;    /* stop once this many records were written (0: none) */
  int separate;          /* JSON, or an array: a row came before (the next is preceded
                          * by ","); an array sets 2 once closed (a call then writes
                          * nothing) */
  size_t records, rows;  /* out: written by the last call */
} bqw_row_walk;

/* Appends to out the rows of f for the records walk selects, from walk->at until
 * walk->end or a bound, and leaves walk->at at the next position. Returns 0, BQW_ENOMEM,
 * or the error of walk->query's evaluation (out then holds the rows before). */
BQW_API int bqw_write_rows(bqw_row_format *f, const bqw_dataset *ds, bqw_row_walk *walk,
                           bqw_buf *out);

/* The records and rows q (NULL: all) selects among records [0, last) in the shape. */
BQW_API int bqw_count_rows(bqw_query *q, const bqw_dataset *ds, size_t last,
                           int measure_shape, size_t *records, size_t *rows);

/* ---- sections: the first pass of a Markdown or HTML export ----------------- */

/* A section: its heading as the rows show it (section_title, else section, in the
 * script), its rows, its records (indices from 0, in the order walked) and, per
 * candidate column, whether some row of it fills the cell. */
typedef struct bqw_table_section {
  const char *title; /* NUL terminated */
  size_t title_len, rows, id_count;
  const uint32_t *ids;
  const unsigned char *filled; /* one per candidate */
} bqw_table_section;

typedef struct bqw_section_scan bqw_section_scan;

/* A scan of rows in the shape and script (as bqw_row_spec's) whose candidate columns
 * are the record keys `candidates`. Returns 0, BQW_EINVAL (a name no field has, or a
 * field twice) or BQW_ENOMEM. */
BQW_API int bqw_section_scan_new(int measure_shape, int script,
                                 const char *const *candidates, size_t count,
                                 bqw_section_scan **out);
BQW_API void bqw_section_scan_free(bqw_section_scan *sc);
/* Adds the records of walk (at most walk->max_records looked at, 0: no bound; the byte
 * bound and separate unused) to the scan; walk->records counts those looked at. Returns
 * 0, BQW_ENOMEM or the query's error. */
BQW_API int bqw_section_scan_add(bqw_section_scan *sc, const bqw_dataset *ds,
                                 bqw_row_walk *walk);
/* The records and rows added, and the sections in the order they first came. */
BQW_API void bqw_section_scan_totals(const bqw_section_scan *sc, size_t *records,
                                     size_t *rows, size_t *sections);
/* Candidate column c (its field), or NULL out of range. */
BQW_API const bqw_field_info *bqw_section_scan_candidate(const bqw_section_scan *sc,
                                                         size_t c);
/* Section i, or NULL out of range. Valid until the next add or the free. */
BQW_API const bqw_table_section *bqw_section_scan_at(const bqw_section_scan *sc,
                                                     size_t i);

/* ---- order ---------------------------------------------------------------- */

/* The field whose record key is name (len bytes), or NULL: "year" is the target's year
 * here, not the years filter of bqw_schema_find. */
BQW_API const bqw_field_info *bqw_schema_key(const char *name, size_t len);

/* The records q selects among [0, last), in the order of keys (bqw_query_rows): in the
 * measure shape each record once, where its first row comes. *out (records only,
 * measures NULL) is freed with bqw_rows_free. Returns as bqw_query_rows. */
BQW_API int bqw_query_records(bqw_dataset *ds, bqw_query *q, size_t last,
                              const bqw_sort_key *keys, size_t nkeys, int script,
                              bqw_rows **out);

/* ---- table lines: the table view (core/table.c) --------------------------- */

/* The columns of a table view (plugins/view/table.lua), as its Lua path lays them out:
 * a cell is a record field's value presented in the script (a list joined by "; ",
 * a number as digits, LF as a space), or with the column "label" the record's title
 * or what stands for one (view_util.label); widths are display widths
 * (bqw_display_width, East Asian Ambiguous characters taking ambiwidth cells). */
typedef struct bqw_table bqw_table;

/* A table of count columns (record keys, or "label") in script (-1: as published, or a
 * bqw_script). Returns 0, BQW_EINVAL (a name no record field has) or BQW_ENOMEM. */
BQW_API int bqw_table_new(const char *const *columns, size_t count, int script,
                          int ambiwidth, bqw_table **out);
BQW_API void bqw_table_free(bqw_table *t);
/* Measures the records walk selects (max_records looked at a call; the byte bound and
 * separate unused): each column's widest cell and whether its cells are numbers.
 * Returns 0, BQW_ENOMEM or the query's error. */
BQW_API int bqw_table_measure(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w);
/* Column c as measured so far: its widest cell, and 1 when every value met was a
 * number, 0 when some was text, -1 when none was met. Returns 0 or BQW_ERANGE. */
BQW_API int bqw_table_column(const bqw_table *t, size_t c, size_t *width, int *numeric);
/* Appends record `at`'s line of the first n columns at widths[0..n-1], separated by
 * gap: a numeric column right-aligned, the last column cut to its width, the others
 * padded or cut; a cut cell ends in "…". No newline. Returns 0, BQW_EINVAL or
 * BQW_ENOMEM. */
BQW_API int bqw_table_line(bqw_table *t, const bqw_dataset *ds, size_t at,
                           const size_t *widths, size_t n, const char *gap, bqw_buf *out);
/* bqw_table_line for each record walk selects (as bqw_write_rows walks), one after
 * another in out; per line two size_t appended to marks: its record's id (from 1) and
 * the offset in out where it ends. */
BQW_API int bqw_table_lines(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w,
                            const size_t *widths, size_t n, const char *gap, bqw_buf *out,
                            bqw_buf *ids);

/* Appends record `at`'s line of the list view (plugins/view/list.lua): its id as
 * "%3d ", its kind padded to 9 cells, its source line as "L%-4d ", and its label
 * (view_util.label) cut with "…" to what is left of width cells. t gives the script and
 * ambiwidth. No newline. Returns 0, BQW_EINVAL or BQW_ENOMEM. */
BQW_API int bqw_list_line(bqw_table *t, const bqw_dataset *ds, size_t at, size_t width,
                          bqw_buf *out);
/* bqw_list_line for each record walk selects, as bqw_table_lines. */
BQW_API int bqw_list_lines(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w,
                           size_t width, bqw_buf *out, bqw_buf *marks);

#endif /* BQW_ROWS_H */
