/*
 * test_rows.c -- the rows of the exports (core/rows.c, core/rows_text.c; bqw_rows.h):
 * the bytes of each format (CSV, TSV, NDJSON, JSON, Markdown, HTML) for two records
 * built on the preamble of tests/fixtures/digest-simplified.txt, with cells that need
 * escaping (CSV quotes and the formula guard, TSV tabs and newlines, JSON escapes,
 * Markdown and HTML cell escaping, terminal controls and bidi characters), `raw`, the
 * measure shape, the scripts (hans, hant), queries, empty results, the walk's bounds,
 * the section scan, orders, the cells one at a time, the table view's lines, and the
 * rows as one JSON array.
 *
 *   usage: test_rows CASE
 */
#include "bqw.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two records after the fixture's preamble (its first 8 lines: introduction, byline,
 * credits, note, the province section and a category): a document whose title and
 * measures need escaping in every format, and a city entry whose headline is
 * Traditional (hans converts it; the city, a name, converts only to hant). */
static const char added[] = "●《关于=SUM(A1),\"引号\"|*星*<b>&'</b>的若干措施》\n"
                            "◎支持粤东, 粤西\t\"北\"地区。\n"
                            "◎-负号开头\\`#~_[链接]\n"
                            "◎反转\xe2\x80\xae文字\x1b[31m红\xc2\x85\n"
                            "地市政策\n"
                            "广州\n"
                            "推動城鄉協調發展\n"
                            "◎深入实施“百千万工程”。\n";

static bqw_dataset *load(void) {
  char path[1024], *data = NULL, why[256];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/tests/fixtures/digest-simplified.txt", BQW_SOURCE_DIR);
  if (!CHECK_EQ_INT(bqw_read_file(path, 0, &data, &len, why, sizeof why), 0))
    return NULL;
  size_t head = 0;
  for (int lines = 0; head < len && lines < 8; head++)
    lines += data[head] == '\n';
  bqw_buf text = {0};
  CHECK_EQ_INT(bqw_buf_append(&text, data, head), 0);
  CHECK_EQ_INT(bqw_buf_append(&text, added, sizeof added - 1), 0);
  bqw_read_free(data);
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("rows.txt", text.data, text.len, &ds), 0);
  bqw_buf_free(&text);
  if (ds)
    CHECK_EQ_INT(bqw_record_count(ds), 2);
  return ds;
}

/* got holds exactly the bytes of want. */
static void check_bytes(const bqw_buf *got, const char *want, const char *what) {
  size_t n = strlen(want);
  if (got->len == n && (!n || !memcmp(got->data, want, n))) {
    CHECK(1);
    return;
  }
  check_context(what);
  CHECK(!"bytes differ");
  fprintf(stderr, "  got      [%.*s]\n  expected [%s]\n", (int)got->len,
          got->data ? got->data : "", want);
  check_context(NULL);
}

/* The rows of a format over every record (with the query q, NULL: all), in one call. */
static void rows_of(bqw_dataset *ds, bqw_rows_format format, int shape, int raw,
                    int script, const char *const *columns, size_t ncolumns, bqw_query *q,
                    const char *want, const char *what) {
  bqw_row_spec spec = {format, shape, raw, script, columns, ncolumns, 0};
  bqw_row_format *f = NULL;
  if (!CHECK_EQ_INT(bqw_row_format_new(&spec, &f), 0))
    return;
  bqw_row_walk w = {.query = q, .end = 100};
  bqw_buf out = {0};
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.at, 2);
  check_bytes(&out, want, what);
  bqw_buf_free(&out);
  bqw_row_format_free(f);
}

static const char *const flat[] = {"id", "title", "measures", "nosuch"};
#define NFLAT (sizeof flat / sizeof flat[0])

static void delimited(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  /* CSV: , " CR LF quote a cell, quotes doubled, a formula guarded by ', a measure
   * list joined by LF, a name no field has an empty cell, CRLF */
  rows_of(ds, BQW_ROWS_CSV, 0, 0, -1, flat, NFLAT, NULL,
          "1,\"关于=SUM(A1),\"\"引号\"\"|*星*<b>&'</b>的若干措施\",\"支持粤东, "
          "粤西\t\"\"北\"\"地区。\n-负号开头\\`#~_[链接]\n反转\xe2\x80\xae文字\x1b[31m红"
          "\xc2\x85\",\r\n"
          "2,,深入实施“百千万工程”。,\r\n",
          "csv");
  /* a cell starting as a formula, guarded unless raw */
  static const char *const measure[] = {"measure_index", "measure"};
  rows_of(ds, BQW_ROWS_CSV, 1, 0, -1, measure, 2, NULL,
          "1,\"支持粤东, 粤西\t\"\"北\"\"地区。\"\r\n"
          "2,'-负号开头\\`#~_[链接]\r\n"
          "3,反转\xe2\x80\xae文字\x1b[31m红\xc2\x85\r\n"
          "1,深入实施“百千万工程”。\r\n",
          "csv measure shape");
  rows_of(ds, BQW_ROWS_CSV, 1, 1, -1, measure, 2, NULL,
          "1,\"支持粤东, 粤西\t\"\"北\"\"地区。\"\r\n"
          "2,-负号开头\\`#~_[链接]\r\n"
          "3,反转\xe2\x80\xae文字\x1b[31m红\xc2\x85\r\n"
          "1,深入实施“百千万工程”。\r\n",
          "csv raw");
  /* TSV: TAB " CR LF quote a cell; a comma does not */
  static const char *const tsv[] = {"id", "measures", "city"};
  rows_of(
      ds, BQW_ROWS_TSV, 0, 0, -1, tsv, 3, NULL,
      "1\t\"支持粤东, 粤西\t\"\"北\"\"地区。\n-负号开头\\`#~_[链接]\n反转\xe2\x80\xae文字"
      "\x1b[31m红\xc2\x85\"\t\n"
      "2\t深入实施“百千万工程”。\t广州\n",
      "tsv");
  bqw_dataset_free(ds);
}

static void json(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  /* NDJSON: every key in the ndjson set's order, absent ones left out; controls, DEL,
   * the bidi override and C1 controls as \u escapes, " and \ backslashed */
  static const char *const some[] = {"measures", "id", "title", "nosuch"};
  rows_of(
      ds, BQW_ROWS_NDJSON, 0, 0, -1, some, 4, NULL,
      "{\"id\":1,\"title\":\"关于=SUM(A1),\\\"引号\\\"|*星*<b>&'</b>的若干措施\","
      "\"measures\":[\"支持粤东, 粤西\\t\\\"北\\\"地区。\",\"-负号开头\\\\`#~_[链接]\","
      "\"反转\\u202e文字\\u001b[31m红\\u0085\"]}\n"
      "{\"id\":2,\"measures\":[\"深入实施“百千万工程”。\"]}\n",
      "ndjson columns");
  rows_of(
      ds, BQW_ROWS_NDJSON, 0, 0, -1, NULL, 0, NULL,
      "{\"id\":1,\"kind\":\"document\",\"section\":\"province\",\"section_title\":"
      "\"全省政策\",\"line\":9,\"category\":\"县域发展\",\"title\":\"关于=SUM(A1),"
      "\\\"引号\\\"|*星*<b>&'</b>的若干措施\",\"level\":\"province\",\"issuers\":[],"
      "\"doctype\":\"措施\",\"doctype_detail\":\"若干措施\",\"years\":[],\"mentions\":"
      "[\"粤东\",\"粤西\"],\"measures\":[\"支持粤东, "
      "粤西\\t\\\"北\\\"地区。\",\"-负号开头"
      "\\\\`#~_[链接]\",\"反转\\u202e文字\\u001b[31m红\\u0085\"],\"measure_lines\":"
      "[10,11,12]}\n"
      "{\"id\":2,\"kind\":\"city\",\"section\":\"city\",\"section_title\":\"地市政策\","
      "\"line\":14,\"city\":\"广州\",\"region\":\"珠三角\",\"action\":\"statement\","
      "\"headline\":\"推動城鄉協調發展\",\"headlines\":[\"推動城鄉協調發展\"],\"level\":"
      "\"city\",\"issuers\":[],\"years\":[],\"mentions\":[],\"measures\":[\"深入实施“百"
      "千万工程”。\"],\"measure_lines\":[16]}\n",
      "ndjson every key");
  /* the JSON document's records: pretty, "," between rows */
  static const char *const two[] = {"city", "id"};
  rows_of(ds, BQW_ROWS_JSON, 0, 0, -1, two, 2, NULL,
          "{\n      \"id\":1\n    },{\n      \"id\":2,\n      \"city\":\"广州\"\n    }",
          "json");
  bqw_dataset_free(ds);
}

static void tables(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cols[] = {"id", "title", "measures"};
  /* Markdown: markup characters backslashed, | too; LF as <br>; a control as \x1b
   * (its \ backslashed), a bidi or C1 control as <U+XXXX> (its < > backslashed); the
   * trailing space dropped */
  rows_of(ds, BQW_ROWS_MARKDOWN, 0, 0, -1, cols, 3, NULL,
          "| 1 | 关于=SUM(A1),\"引号\"\\|\\*星\\*\\<b\\>\\&'\\</b\\>的若干措施 | "
          "支持粤东, 粤西\t\"北\""
          "地区。<br>-负号开头\\\\\\`\\#\\~\\_\\[链接\\]<br>反转\\<U+202E\\>"
          "文字\\\\x1b\\[31m红"
          "\\<U+0085\\> |\n"
          "| 2 |  | 深入实施“百千万工程”。 |\n",
          "markdown");
  /* HTML: & < > \" ' as entities, the integer columns of class num, spaces kept */
  rows_of(
      ds, BQW_ROWS_HTML, 0, 0, -1, cols, 3, NULL,
      "<tr data-id=\"1\"><td class=\"num\">1</td><td>关于=SUM(A1),&quot;引号&quot;|*星*"
      "&lt;b&gt;&amp;&#39;&lt;/b&gt;的若干措施</td><td>支持粤东, "
      "粤西\t&quot;北&quot;地区。"
      "<br>-负号开头\\`#~_[链接]<br>反转&lt;U+202E&gt;文字\\x1b[31m红&lt;U+0085&gt;</td>"
      "</tr>\n"
      "<tr data-id=\"2\"><td class=\"num\">2</td><td></td><td>深入实施“百千万工程”。</td>"
      "</tr>\n",
      "html");
  bqw_dataset_free(ds);
}

static void scripts(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cols[] = {"city", "headline", "kind", "measures"};
  bqw_query *q = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, "kind=city", 9, NULL, &q, &err), 0);
  /* as published; hans: prose to Simplified, a name as it is; hant: both Traditional,
   * a keyword never converted */
  rows_of(ds, BQW_ROWS_CSV, 0, 0, -1, cols, 4, q,
          "广州,推動城鄉協調發展,city,深入实施“百千万工程”。\r\n", "original");
  rows_of(ds, BQW_ROWS_CSV, 0, 0, BQW_SCRIPT_HANS, cols, 4, q,
          "广州,推动城乡协调发展,city,深入实施“百千万工程”。\r\n", "hans");
  rows_of(ds, BQW_ROWS_CSV, 0, 0, BQW_SCRIPT_HANT, cols, 4, q,
          "廣州,推動城鄉協調發展,city,深入實施“百千萬工程”。\r\n", "hant");
  rows_of(ds, BQW_ROWS_NDJSON, 0, 0, BQW_SCRIPT_HANT, cols, 4, q,
          "{\"kind\":\"city\",\"city\":\"廣州\",\"headline\":\"推動城鄉協調發展\","
          "\"measures\":[\"深入實施“百千萬工程”。\"]}\n",
          "hant ndjson");
  bqw_query_free(q);
  bqw_dataset_free(ds);
}

/* A query of the measure shape selects measures; one that matches nothing writes
 * nothing; a walk stops at its bounds and goes on from there. */
static void walks(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cols[] = {"id", "measure_index"};
  bqw_query_options opts = {.measure_shape = 1};
  bqw_query *q = NULL, *none = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, "text~负号", strlen("text~负号"), &opts, &q, &err), 0);
  CHECK_EQ_INT(bqw_query_parse(ds, "id=99", 5, NULL, &none, &err), 0);
  rows_of(ds, BQW_ROWS_CSV, 1, 0, -1, cols, 2, q, "1,2\r\n", "measure query");
  size_t records = 9, rows = 9;
  CHECK_EQ_INT(bqw_count_rows(q, ds, 2, 1, &records, &rows), 0);
  CHECK_EQ_INT(records, 1);
  CHECK_EQ_INT(rows, 1);
  CHECK_EQ_INT(bqw_count_rows(NULL, ds, 2, 1, &records, &rows), 0);
  CHECK_EQ_INT(records, 2);
  CHECK_EQ_INT(rows, 4);
  /* empty results: no bytes, no records, in every format */
  for (int format = BQW_ROWS_CSV; format <= BQW_ROWS_HTML; format++)
    rows_of(ds, (bqw_rows_format)format, 0, 0, -1, cols, 2, none, "", "empty");
  CHECK_EQ_INT(bqw_count_rows(none, ds, 2, 0, &records, &rows), 0);
  CHECK_EQ_INT(records + rows, 0);
  /* one record a call; JSON's separator carried from one call to the next */
  bqw_row_spec spec = {BQW_ROWS_JSON, 0, 0, -1, cols, 1, 0};
  bqw_row_format *f = NULL;
  CHECK_EQ_INT(bqw_row_format_new(&spec, &f), 0);
  bqw_row_walk w = {.end = 2, .max_records = 1};
  bqw_buf out = {0};
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.at, 1);
  CHECK_EQ_INT(w.records, 1);
  CHECK_EQ_INT(w.separate, 1);
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.at, 2);
  check_bytes(&out, "{\n      \"id\":1\n    },{\n      \"id\":2\n    }", "two calls");
  /* an order: positions in it, the records as it gives them */
  uint32_t order[] = {1, 0, 1};
  w = (bqw_row_walk){.order = order, .order_count = 3, .end = 10};
  out.len = 0;
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.at, 3);
  check_bytes(
      &out, "{\n      \"id\":2\n    },{\n      \"id\":1\n    },{\n      \"id\":2\n    }",
      "order");
  bqw_buf_free(&out);
  bqw_row_format_free(f);
  /* the ordered records: by id descending; in the measure shape each record once */
  bqw_sort_key key = {BQW_F_ID, 1};
  bqw_rows *r = NULL;
  CHECK_EQ_INT(bqw_query_records(ds, NULL, 2, &key, 1, -1, &r), 0);
  if (r && CHECK_EQ_INT(r->count, 2))
    CHECK(r->records[0] == 1 && r->records[1] == 0);
  bqw_rows_free(r);
  bqw_query *all = NULL;
  CHECK_EQ_INT(bqw_query_parse(ds, "", 0, &opts, &all, &err), 0);
  CHECK_EQ_INT(bqw_query_records(ds, all, 2, &key, 1, -1, &r), 0);
  if (r && CHECK_EQ_INT(r->count, 2))
    CHECK(r->records[0] == 1 && r->records[1] == 0);
  bqw_rows_free(r);
  bqw_query_free(all);
  bqw_query_free(q);
  bqw_query_free(none);
  bqw_dataset_free(ds);
}

static void sections(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cands[] = {"id", "city", "title", "measures", "category"};
  bqw_section_scan *sc = NULL;
  CHECK_EQ_INT(bqw_section_scan_new(0, BQW_SCRIPT_HANT, cands, 5, &sc), 0);
  if (!sc)
    return;
  bqw_row_walk w = {.end = 2, .max_records = 1};
  CHECK_EQ_INT(bqw_section_scan_add(sc, ds, &w), 0);
  CHECK_EQ_INT(w.at, 1);
  CHECK_EQ_INT(bqw_section_scan_add(sc, ds, &w), 0);
  CHECK_EQ_INT(w.at, 2);
  size_t records, rows, count;
  bqw_section_scan_totals(sc, &records, &rows, &count);
  CHECK_EQ_INT(records, 2);
  CHECK_EQ_INT(rows, 2);
  CHECK_EQ_INT(count, 2);
  const bqw_table_section *a = bqw_section_scan_at(sc, 0),
                          *b = bqw_section_scan_at(sc, 1);
  CHECK(bqw_section_scan_at(sc, 2) == NULL);
  CHECK_STR(bqw_section_scan_candidate(sc, 1)->name, "city");
  CHECK(bqw_section_scan_candidate(sc, 5) == NULL);
  if (a && b) {
    CHECK_STR(a->title, "全省政策"); /* in the script: the same in hant */
    CHECK_STR(b->title, "地市政策");
    CHECK(a->id_count == 1 && a->ids[0] == 0 && b->id_count == 1 && b->ids[0] == 1);
    /* which candidates some row fills */
    CHECK(a->filled[0] && !a->filled[1] && a->filled[2] && a->filled[3] && a->filled[4]);
    CHECK(b->filled[0] && b->filled[1] && !b->filled[2] && b->filled[3] && !b->filled[4]);
  }
  bqw_section_scan_free(sc);
  static const char *const twice[] = {"id", "id"}, *const unknown[] = {"nosuch"};
  CHECK_EQ_INT(bqw_section_scan_new(0, -1, twice, 2, &sc), BQW_EINVAL);
  CHECK_EQ_INT(bqw_section_scan_new(0, -1, unknown, 1, &sc), BQW_EINVAL);
  CHECK(sc == NULL);
  bqw_dataset_free(ds);
}

static void cells(void) {
  bqw_buf b = {0};
  /* CSV and TSV */
  CHECK_EQ_INT(bqw_delimited_cell(&b, "=1+1", 4, 0, 0), 0);
  check_bytes(&b, "'=1+1", "formula");
  b.len = 0;
  bqw_delimited_cell(&b, "=1+1", 4, 0, 1);
  check_bytes(&b, "=1+1", "formula raw");
  b.len = 0;
  bqw_delimited_cell(&b, "@x,\"y\"", 6, 0, 0);
  check_bytes(&b, "\"'@x,\"\"y\"\"\"", "csv quoted and guarded");
  b.len = 0;
  bqw_delimited_cell(&b, "a,b\r\nc\rd", 8, 1, 0);
  check_bytes(&b, "\"a,b\nc\nd\"", "tsv CR");
  b.len = 0;
  bqw_delimited_cell(&b, "a,b", 3, 1, 0);
  check_bytes(&b, "a,b", "tsv comma");
  b.len = 0;
  bqw_delimited_cell(&b, "", 0, 0, 0);
  check_bytes(&b, "", "empty cell");
  /* JSON strings */
  b.len = 0;
  const char js[] = "a\"\\/\b\f\n\r\t\x01\x7f\xc2\xad\xe2\x80\xa8\xef\xbb\xbf好";
  CHECK_EQ_INT(bqw_json_string(&b, js, sizeof js - 1), 0);
  check_bytes(&b, "\"a\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\\u00ad\\u2028\\ufeff好\"",
              "json string");
  /* table cells */
  b.len = 0;
  CHECK_EQ_INT(bqw_table_cell(&b, " \t*a* | b\n ", strlen(" \t*a* | b\n "), 0), 0);
  check_bytes(&b, "\\*a\\* \\| b<br>", "markdown trimmed");
  b.len = 0;
  const char *html = " <a href='x'>&\"\x7f ";
  bqw_table_cell(&b, html, strlen(html), 1);
  check_bytes(&b, " &lt;a href=&#39;x&#39;&gt;&amp;&quot;\\x7f ", "html");
  b.len = 0;
  bqw_table_cell(&b, "\xe2\x81\xa6x\xe2\x81\xa9", 7, 0);
  check_bytes(&b, "\\<U+2066\\>x\\<U+2069\\>", "isolates");
  bqw_buf_free(&b);
  CHECK(b.data == NULL && b.len == 0);
  /* the script policy */
  CHECK_EQ_INT(bqw_present_script(BQW_PRESENT_AS_IS, BQW_SCRIPT_HANT), -1);
  CHECK_EQ_INT(bqw_present_script(BQW_PRESENT_NAME, BQW_SCRIPT_HANS), -1);
  CHECK_EQ_INT(bqw_present_script(BQW_PRESENT_NAME, BQW_SCRIPT_HANT), BQW_SCRIPT_HANT);
  CHECK_EQ_INT(bqw_present_script(BQW_PRESENT_TEXT, BQW_SCRIPT_HANS), BQW_SCRIPT_HANS);
  CHECK_EQ_INT(bqw_present_script(BQW_PRESENT_TEXT, -1), -1);
  /* formats that cannot be made */
  bqw_row_format *f = NULL;
  bqw_row_spec no_columns = {BQW_ROWS_CSV, 0, 0, -1, NULL, 0, 0};
  CHECK_EQ_INT(bqw_row_format_new(&no_columns, &f), BQW_EINVAL);
  const char *many[65];
  for (int i = 0; i < 65; i++)
    many[i] = "id";
  bqw_row_spec too_many = {BQW_ROWS_TSV, 0, 0, -1, many, 65, 0};
  CHECK_EQ_INT(bqw_row_format_new(&too_many, &f), BQW_EINVAL);
  bqw_row_spec bad_script = {BQW_ROWS_JSON, 0, 0, 7, NULL, 0, 0};
  CHECK_EQ_INT(bqw_row_format_new(&bad_script, &f), BQW_EINVAL);
  static const char *const id[] = {"id"};
  bqw_row_spec csv_array = {BQW_ROWS_CSV, 0, 0, -1, id, 1, 1};
  CHECK_EQ_INT(bqw_row_format_new(&csv_array, &f), BQW_EINVAL);
  CHECK(f == NULL);
}

/* The rows of an array (NDJSON, JSON) in the walk of one call. */
static void array_of(bqw_dataset *ds, bqw_rows_format format, int shape,
                     const char *const *columns, size_t ncolumns, bqw_query *q,
                     const char *want, const char *what) {
  bqw_row_spec spec = {format, shape, 0, -1, columns, ncolumns, 1};
  bqw_row_format *f = NULL;
  if (!CHECK_EQ_INT(bqw_row_format_new(&spec, &f), 0))
    return;
  bqw_row_walk w = {.query = q, .end = 100};
  bqw_buf out = {0};
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.separate, 2);
  check_bytes(&out, want, what);
  /* closed: a call past the end writes nothing more */
  w.at = 0;
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  check_bytes(&out, want, what);
  bqw_buf_free(&out);
  bqw_row_format_free(f);
}

/* The rows as one JSON array (bqw list --json, the JSON document's records): "[" and
 * "," between rows (NDJSON's without their LF), "]"; "[]" for none; across calls. */
static void arrays(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cols[] = {"measures", "id", "title"};
  array_of(
      ds, BQW_ROWS_NDJSON, 0, cols, 3, NULL,
      "[{\"id\":1,\"title\":\"关于=SUM(A1),\\\"引号\\\"|*星*<b>&'</b>的若干措施\","
      "\"measures\":[\"支持粤东, 粤西\\t\\\"北\\\"地区。\",\"-负号开头\\\\`#~_[链接]\","
      "\"反转\\u202e文字\\u001b[31m红\\u0085\"]},"
      "{\"id\":2,\"measures\":[\"深入实施“百千万工程”。\"]}]",
      "ndjson array");
  static const char *const measure[] = {"id", "measure_index"};
  array_of(ds, BQW_ROWS_NDJSON, 1, measure, 2, NULL,
           "[{\"id\":1,\"measure_index\":1},{\"id\":1,\"measure_index\":2},"
           "{\"id\":1,\"measure_index\":3},{\"id\":2,\"measure_index\":1}]",
           "ndjson array, measure shape");
  static const char *const two[] = {"city", "id"};
  array_of(
      ds, BQW_ROWS_JSON, 0, two, 2, NULL,
      "[{\n      \"id\":1\n    },{\n      \"id\":2,\n      \"city\":\"广州\"\n    }]",
      "json array");
  /* no row: an empty array, in either format */
  bqw_query *none = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, "id=99", 5, NULL, &none, &err), 0);
  array_of(ds, BQW_ROWS_NDJSON, 0, two, 2, none, "[]", "empty ndjson array");
  array_of(ds, BQW_ROWS_JSON, 0, NULL, 0, none, "[]", "empty json array");
  uint32_t nothing[1] = {0};
  bqw_row_spec spec = {BQW_ROWS_NDJSON, 0, 0, -1, two, 2, 1};
  bqw_row_format *f = NULL;
  CHECK_EQ_INT(bqw_row_format_new(&spec, &f), 0);
  bqw_row_walk w = {.order = nothing, .order_count = 0, .end = 5};
  bqw_buf out = {0};
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  check_bytes(&out, "[]", "empty order");
  /* a record a call: the array opens in the first, closes in the one reaching the end */
  w = (bqw_row_walk){.end = 2, .max_records = 1};
  out.len = 0;
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  check_bytes(&out, "[{\"id\":1}", "first call");
  CHECK_EQ_INT(w.separate, 1);
  CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(w.at, 2);
  check_bytes(&out, "[{\"id\":1},{\"id\":2,\"city\":\"广州\"}]", "two calls");
  /* the bytes bound: a row at least per call, then the close */
  w = (bqw_row_walk){.end = 2, .max_bytes = 1};
  out.len = 0;
  int calls = 0;
  for (; w.separate != 2 && calls < 5; calls++)
    CHECK_EQ_INT(bqw_write_rows(f, ds, &w, &out), 0);
  CHECK_EQ_INT(calls, 2);
  check_bytes(&out, "[{\"id\":1},{\"id\":2,\"city\":\"广州\"}]", "byte bound");
  bqw_buf_free(&out);
  bqw_row_format_free(f);
  bqw_query_free(none);
  bqw_dataset_free(ds);
}

/* The table view's cells and lines (core/table.c): widths by display width, numbers
 * right-aligned, cells cut with "…" (two cells where ambiwidth is 2), the label. */
static void table_lines(void) {
  bqw_dataset *ds = load();
  if (!ds)
    return;
  static const char *const cols[] = {"id", "kind", "city", "label"};
  bqw_table *t = NULL;
  CHECK_EQ_INT(bqw_table_new(cols, 4, -1, 1, &t), 0);
  if (!t)
    return;
  bqw_row_walk w = {.end = 2};
  CHECK_EQ_INT(bqw_table_measure(t, ds, &w), 0);
  CHECK_EQ_INT(w.records, 2);
  static const size_t want_width[] = {1, 8, 4, 43};
  static const int want_numeric[] = {1, 0, 0, 0};
  for (size_t c = 0; c < 4; c++) {
    size_t width = 0;
    int numeric = 9;
    CHECK_EQ_INT(bqw_table_column(t, c, &width, &numeric), 0);
    CHECK_EQ_INT(width, want_width[c]);
    CHECK_EQ_INT(numeric, want_numeric[c]);
  }
  CHECK_EQ_INT(bqw_table_column(t, 4, NULL, NULL), BQW_ERANGE);
  size_t widths[] = {2, 4, 4, 10};
  bqw_buf out = {0}, ids = {0};
  CHECK_EQ_INT(bqw_table_line(t, ds, 0, widths, 4, "  ", &out), 0);
  check_bytes(&out, " 1  doc…        关于=SUM(…", "a document's line");
  out.len = 0;
  CHECK_EQ_INT(bqw_table_line(t, ds, 1, widths, 4, "  ", &out), 0);
  check_bytes(&out, " 2  city  广州  广州 推動…", "a city's line");
  out.len = 0;
  CHECK_EQ_INT(bqw_table_line(t, ds, 1, widths, 3, " | ", &out), 0);
  check_bytes(&out, " 2 | city | 广州", "three columns, the last cut to its width only");
  CHECK_EQ_INT(bqw_table_line(t, ds, 2, widths, 4, "  ", &out), BQW_EINVAL);
  bqw_table_free(t);
  /* ambiwidth 2: "…" takes two cells; hant: the city and the label converted */
  CHECK_EQ_INT(bqw_table_new(cols, 4, BQW_SCRIPT_HANT, 2, &t), 0);
  bqw_query *q = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, "kind=city", 9, NULL, &q, &err), 0);
  out.len = 0;
  CHECK_EQ_INT(bqw_table_line(t, ds, 1, widths, 2, "  ", &out), 0);
  check_bytes(&out, "2   city", "not measured: a number is no number yet");
  w = (bqw_row_walk){.end = 2};
  CHECK_EQ_INT(bqw_table_measure(t, ds, &w), 0);
  w = (bqw_row_walk){.query = q, .end = 2};
  out.len = 0;
  CHECK_EQ_INT(bqw_table_lines(t, ds, &w, widths, 4, "  ", &out, &ids), 0);
  check_bytes(&out, " 2  city  廣州  廣州 推…", "hant, ambiwidth 2");
  size_t mark[2] = {0, 0};
  if (CHECK_EQ_INT(ids.len, sizeof mark))
    memcpy(mark, ids.data, sizeof mark);
  CHECK(mark[0] == 2 && mark[1] == out.len);
  out.len = 0;
  CHECK_EQ_INT(bqw_table_line(t, ds, 0, widths, 4, "  ", &out), 0);
  check_bytes(&out, " 1  do…        關於=SUM…", "a document's line, ambiwidth 2");
  bqw_buf_free(&out);
  bqw_buf_free(&ids);
  bqw_query_free(q);
  bqw_table_free(t);
  /* the list view's lines: id, kind, line, the label cut to what the width leaves */
  CHECK_EQ_INT(bqw_table_new(cols, 4, -1, 1, &t), 0);
  out = (bqw_buf){0};
  CHECK_EQ_INT(bqw_list_line(t, ds, 1, 100, &out), 0);
  check_bytes(&out, "  2 city     L14   广州 推動城鄉協調發展", "a list line");
  out.len = 0;
  CHECK_EQ_INT(bqw_list_line(t, ds, 0, 30, &out), 0);
  check_bytes(&out, "  1 document L9    关于=SUM(A…", "a list line cut");
  out.len = 0;
  CHECK_EQ_INT(bqw_list_line(t, ds, 0, 5, &out), 0);
  check_bytes(&out, "  1 document L9    ", "no room for the label");
  ids = (bqw_buf){0};
  w = (bqw_row_walk){.end = 2};
  out.len = 0;
  CHECK_EQ_INT(bqw_list_lines(t, ds, &w, 30, &out, &ids), 0);
  check_bytes(&out, "  1 document L9    关于=SUM(A…  2 city     L14   广州 推動…",
              "two list lines");
  CHECK_EQ_INT(ids.len, 4 * sizeof(size_t));
  bqw_buf_free(&out);
  bqw_buf_free(&ids);
  bqw_table_free(t);
  /* columns that are no record field */
  static const char *const measure[] = {"measure"}, *const nosuch[] = {"id", "nosuch"};
  CHECK_EQ_INT(bqw_table_new(measure, 1, -1, 1, &t), BQW_EINVAL);
  CHECK_EQ_INT(bqw_table_new(nosuch, 2, -1, 1, &t), BQW_EINVAL);
  CHECK(t == NULL);
  bqw_dataset_free(ds);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"delimited", delimited}, {"json", json},         {"tables", tables},
      {"scripts", scripts},     {"walks", walks},       {"sections", sections},
      {"cells", cells},         {"table", table_lines}, {"arrays", arrays},
  };
  return CHECK_RUN_CASES(argc, argv, cases);
}
