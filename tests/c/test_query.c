/*
 * test_query.c -- the query engine (bqw_query_parse / match, bqw_query_rows,
 * bqw_facet_count) over the embedded digest: parse errors and their columns, every
 * operator on every field type (against a plain oracle written here over
 * bqw_record_value), closed vocabularies, folding, the measure shape, ordering,
 * facets and crosstabs, nesting limits and linear parsing time.
 *
 *   usage: test_query CASE
 */
#include "bqw.h"
#include "check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bqw_dataset *load(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  return ds;
}

/* The records (record shape) the expression selects, or -1 when it does not parse. */
static long count(bqw_dataset *ds, const char *expr) {
  bqw_query *q = NULL;
  bqw_query_error err;
  if (bqw_query_parse(ds, expr, strlen(expr), NULL, &q, &err) != 0) {
    fprintf(stderr, "  %s: %s (col %u)\n", expr, err.message, err.col);
    return -1;
  }
  long n = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    n += bqw_query_match(q, i, 0) == 1;
  bqw_query_free(q);
  return n;
}

/* The error of an expression that must not parse (message empty when it parses). */
static bqw_query_error parse_error(bqw_dataset *ds, const char *expr) {
  bqw_query *q = NULL;
  bqw_query_error err;
  memset(&err, 0, sizeof err);
  int rc = bqw_query_parse(ds, expr, strlen(expr), NULL, &q, &err);
  CHECK_EQ_INT(rc, BQW_EINVAL);
  if (q) {
    bqw_query_free(q);
    err.message[0] = '\0';
  }
  return err;
}

static void errors(void) {
  bqw_dataset *ds = load();
  static const struct {
    const char *expr, *message;
    unsigned col;
  } cases[] = {
      {"region=粤北 yaer>=2025",
       "unknown filter \"yaer\", did you mean \"year\"? (filters: ", 11},
      {"region=粤北 and (year>=2025", "expected ) to close the ( at column 15", 26},
      {"year>=soon",
       "bad value for year: expected a year such as 2025 or a range such as 2023..2027, "
       "got "
       "\"soon\"",
       7},
      {"year=2027..2023", "bad value for year: the range 2027..2023 runs backwards", 6},
      {"kind>doc", "filter \"kind\" does not take > (it takes: = ~)", 5},
      {"year~2025", "filter \"year\" does not take ~ (it takes: = >= <= > <)", 5},
      {"text>=x", "filter \"text\" does not take >= (it takes: ~ =)", 5},
      {"text~'open", "unterminated quoted value; close it with '", 6},
      {"region=", "expected a value after region=", 8},
      {"(kind=city", "expected ) to close the ( at column 1", 11},
      {"kind=city)", "unmatched )", 10},
      {"or kind=city", "unknown filter \"or\"", 1},
      {"kind", "expected an operator after \"kind\": = != ~ !~ >= <= > <", 5},
      {"", NULL, 0},
      {"   ", NULL, 0}, /* empty or blank: every record (scripts pass "$WHERE") */
      {" \t\n ", NULL, 0},
      {"kind=city and", "expected a filter such as region=粤北, but the expression ends",
       14},
      {"= x", "expected a filter such as region=粤北, but found =", 1},
      {"year=2025 !",
       "a lone ! is not an operator; write != or !~, or not before a filter", 11},
      {"year!2025", "did you mean \"year!=2025\"?", 1},
      {"kind=meetings",
       "unknown value \"meetings\" for kind, did you mean \"meeting\"? (kind: document, "
       "city, "
       "guiding, target, meeting, other)",
       6},
      {"level=county", "unknown value \"county\" for level", 7},
      {"region=华南", "unknown value \"华南\" for region", 8},
      {"city=zhuhai", "unknown value \"zhuhai\" for city, did you mean \"珠海\"?", 6},
      {"region~x", "unknown value \"x\" for region", 8},
      {"date=2023-9", "bad value for date: expected a date such as", 6},
      {"text=''", "bad value for text: empty search query", 6},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    check_context(cases[i].expr);
    if (!cases[i].message) {
      CHECK_EQ_INT(count(ds, cases[i].expr), (long)bqw_record_count(ds));
      continue;
    }
    bqw_query_error e = parse_error(ds, cases[i].expr);
    CHECK_CONTAINS(e.message, cases[i].message);
    CHECK_EQ_INT(e.col, cases[i].col);
  }
  static const char *lone[] = {"!",   "year=2025 !",     "! kind=city",
                               "(!)", "kind=city and !", "!!"};
  for (size_t i = 0; i < sizeof lone / sizeof *lone; i++) {
    check_context(lone[i]);
    bqw_query_error e = parse_error(ds, lone[i]);
    CHECK_CONTAINS(e.message, "a lone ! is not an operator");
    CHECK_EQ_INT(e.col, (long)(strchr(lone[i], '!') - lone[i]) + 1);
  }
  check_context(NULL);
  bqw_dataset_free(ds);
}

/* ---- an oracle: the plain meaning of a leaf, over bqw_record_value ------------------
 */

static void fold(const char *s, int32_t *cp, size_t *n) {
  size_t len = strlen(s);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  *n = bqw_fold(s, len, cp, at);
  free(at);
}

static int text_matches(const char *s, const char *op, const char *value) {
  static int32_t a[100000], b[4096];
  size_t na, nb;
  if (!s || strlen(s) >= 100000)
    return 0;
  fold(s, a, &na);
  fold(value, b, &nb);
  if (!strcmp(op, "="))
    return na == nb && !memcmp(a, b, na * sizeof *a);
  for (size_t i = 0; i + nb <= na; i++)
    if (!memcmp(a + i, b, nb * sizeof *a))
      return 1;
  return 0;
}

static int int_matches(long long v, const char *op, long long from, long long to) {
  if (!strcmp(op, "="))
    return v >= from && v <= to;
  if (!strcmp(op, ">="))
    return v >= from;
  if (!strcmp(op, "<="))
    return v <= to;
  if (!strcmp(op, ">"))
    return v > to;
  return v < from;
}

static int value_matches(const bqw_value *v, const char *op, const char *value) {
  long long from = 0, to = 0;
  if (v->type == BQW_TYPE_INTEGER || v->type == BQW_TYPE_INTEGERS) {
    if (sscanf(value, "%lld..%lld", &from, &to) != 2)
      to = from = atoll(value);
  }
  switch (v->type) {
  case BQW_TYPE_NONE:
    return 0;
  case BQW_TYPE_TEXT:
    return text_matches(v->text, op, value);
  case BQW_TYPE_DATE: {
    size_t n = strlen(value);
    int lo = strncmp(v->text, value, n), c = strcmp(v->text, value);
    if (!strcmp(op, "="))
      return lo == 0;
    if (!strcmp(op, ">="))
      return c >= 0;
    if (!strcmp(op, "<="))
      return lo <= 0;
    if (!strcmp(op, ">"))
      return lo > 0;
    return c < 0;
  }
  case BQW_TYPE_INTEGER:
    return int_matches(v->integer, op, from, to);
  case BQW_TYPE_TEXTS:
    for (size_t i = 0; i < v->count; i++)
      if (text_matches(bqw_value_text_at(v, i), op, value))
        return 1;
    return 0;
  case BQW_TYPE_INTEGERS:
    for (size_t i = 0; i < v->count; i++)
      if (int_matches(bqw_value_int_at(v, i), op, from, to))
        return 1;
    return 0;
  }
  return 0;
}

static long oracle(bqw_dataset *ds, bqw_field_id f, const char *op, const char *value) {
  long n = 0;
  int also = bqw_schema_field(f)->also;
  for (size_t r = 0; r < bqw_record_count(ds); r++) {
    bqw_value v;
    bqw_record_value(ds, r, 0, f, &v);
    int hit = value_matches(&v, op, value);
    if (!hit && also >= 0) {
      bqw_record_value(ds, r, 0, (bqw_field_id)also, &v);
      hit = value_matches(&v, op, value);
    }
    n += hit;
  }
  return n;
}

static void operators(void) {
  bqw_dataset *ds = load();
  long total = (long)bqw_record_count(ds);
  static const struct {
    const char *word;
    const char *ops[6];
    const char *values[4];
  } cases[] = {
      {"id", {"=", ">=", "<=", ">", "<"}, {"12", "1..21", "40", "100000"}},
      {"line", {"=", ">=", "<=", ">", "<"}, {"100", "50..200", "1"}},
      {"parent", {"=", ">=", "<"}, {"1..100", "30"}},
      {"year", {"=", ">=", "<=", ">", "<"}, {"2025", "2023..2025", "2027", "0"}},
      {"period_from", {"=", ">=", "<="}, {"2023", "2022..2024"}},
      {"period_to", {"=", ">", "<"}, {"2025", "2027"}},
      {"date", {"=", ">=", "<=", ">", "<"}, {"2023", "2023-09", "2023-09-01"}},
      {"kind", {"=", "~"}, {"city", "CITY", "ｃｉｔｙ", "do"}},
      {"level", {"=", "~"}, {"province", "city"}},
      {"section", {"=", "~"}, {"city", "地市政策", "会议", "會議"}},
      {"section_title", {"=", "~"}, {"地市政策", "政策"}},
      {"category", {"=", "~"}, {"县域发展", "縣域發展", "乡村"}},
      {"city", {"=", "~"}, {"广州", "廣州", "州"}},
      {"region", {"=", "~"}, {"粤北", "粵北", "粵", "珠三角"}},
      {"action", {"=", "~"}, {"issue", "meeting", "statement"}},
      {"headline", {"~"}, {"召开", "印發"}},
      {"title", {"=", "~"}, {"乡村振兴", "意见", "實施"}},
      {"prose", {"~"}, {"2025", "乡村"}},
      {"issuer", {"=", "~"}, {"广东省人民政府", "廣東省人民政府", "交通"}},
      {"doctype", {"=", "~"}, {"意见", "实施意见", "方案"}},
      {"doctype_detail", {"=", "~"}, {"实施意见", "方案"}},
      {"mentions", {"=", "~"}, {"肇庆", "粤北", "州"}},
      {"measure", {"~"}, {"县城", "縣城", "乡村振兴"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const bqw_field_info *fi = NULL;
    for (size_t k = 0; k < bqw_schema_count(); k++)
      if (bqw_schema_field(k)->filter &&
          !strcmp(bqw_schema_field(k)->filter, cases[i].word))
        fi = bqw_schema_field(k);
    CHECK(fi != NULL);
    if (!fi)
      continue;
    for (size_t o = 0; o < 6 && cases[i].ops[o]; o++)
      for (size_t v = 0; v < 4 && cases[i].values[v]; v++) {
        char expr[256], neg[256];
        snprintf(expr, sizeof expr, "%s%s%s", cases[i].word, cases[i].ops[o],
                 cases[i].values[v]);
        check_context(expr);
        long want = oracle(ds, fi->id, cases[i].ops[o], cases[i].values[v]);
        if (want == 0 && (fi->flags & BQW_FLAG_CLOSED) && cases[i].ops[o][0] == '=') {
          /* a value no record has: a closed vocabulary refuses it */
          CHECK_PREFIX(parse_error(ds, expr).message, "unknown value");
          continue;
        }
        long got = count(ds, expr);
        CHECK_EQ_INT(got, want);
        if (cases[i].ops[o][0] == '=' || cases[i].ops[o][0] == '~') {
          snprintf(neg, sizeof neg, "%s!%s%s", cases[i].word, cases[i].ops[o],
                   cases[i].values[v]);
          CHECK_EQ_INT(count(ds, neg), total - want);
        }
      }
  }
  check_context(NULL);
  /* values the digest is known to have: the oracle agrees with something real */
  CHECK_EQ_INT(count(ds, "kind=city"), 21);
  CHECK_EQ_INT(count(ds, "id=1..21"), 21);
  CHECK(count(ds, "date=2023") > 0);
  CHECK(count(ds, "doctype=实施意见") > 0);
  CHECK(count(ds, "doctype=实施意见") < count(ds, "doctype=意见"));
  /* and / or / not / juxtaposition / parentheses */
  CHECK_EQ_INT(count(ds, "kind=city region=粤北"), 5);
  CHECK_EQ_INT(count(ds, "kind=city and region=粤北"), 5);
  CHECK_EQ_INT(count(ds, "region=粤北 or region=粤东"), 9);
  CHECK_EQ_INT(count(ds, "kind=city not region=珠三角"), 12);
  CHECK_EQ_INT(count(ds, "kind=city AND NOT (region=珠三角 or region=粤北)"), 7);
  CHECK_EQ_INT(count(ds, "(((kind=city)))"), 21);
  CHECK_EQ_INT(count(ds, "not not kind=city"), 21);
  CHECK_EQ_INT(count(ds, "   "), total);
  CHECK_EQ_INT(count(ds, "region=\"粤北\" or region='粤\\东'"), 9);
  bqw_dataset_free(ds);
}

static void fold_script(void) {
  bqw_dataset *ds = load();
  CHECK_EQ_INT(count(ds, "region~粵"), 12);
  CHECK_EQ_INT(count(ds, "region~粤"), 12);
  CHECK_EQ_INT(count(ds, "region~粵 or doctype=不存在"), -1); /* a closed vocabulary */
  CHECK_EQ_INT(count(ds, "city~廣"), 1);
  long hans = count(ds, "section~会议"), hant = count(ds, "section~會議");
  CHECK(hans > 0);
  CHECK_EQ_INT(hans, hant);
  CHECK_EQ_INT(count(ds, "kind=ＣＩＴＹ"), 21);
  CHECK_EQ_INT(count(ds, "text~振興"), count(ds, "text~振兴"));
  CHECK(count(ds, "text~振兴") > 0);
  CHECK_EQ_INT(count(ds, "text=振兴"), count(ds, "text~振兴"));
  bqw_dataset_free(ds);
}

static void measure_shape(void) {
  bqw_dataset *ds = load();
  bqw_query_options o = {.measure_shape = 1};
  bqw_query *q = NULL;
  bqw_query_error err;
  const char *expr = "text~县城";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), 0);
  bqw_rows *rows = NULL;
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, NULL, 0, -1, &rows), 0);
  CHECK(rows && rows->count > 0);
  for (size_t i = 0; rows && i < rows->count; i++) {
    const bqw_record *r = bqw_record_at(ds, rows->records[i]);
    const char *text =
        rows->measures[i] ? r->measures[rows->measures[i] - 1].text : r->title;
    bqw_span span;
    CHECK(rows->measures[i] > 0);
    CHECK(text &&
          bqw_match_spans(text, strlen(text), "县城", strlen("县城"), &span, 1) > 0);
  }
  long measures = rows ? (long)rows->count : 0;
  bqw_rows_free(rows);
  bqw_query_free(q);
  /* measure~ in the measure shape: the row's own measure too, the same rows */
  expr = "measure~县城";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), 0);
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, NULL, 0, -1, &rows), 0);
  CHECK_EQ_INT(rows ? (long)rows->count : -1, measures);
  bqw_rows_free(rows);
  bqw_query_free(q);
  /* rows of the measure shape: one per measure, one for a record without any */
  CHECK_EQ_INT(bqw_query_parse(ds, "", 0, &o, &q, &err), 0);
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, NULL, 0, -1, &rows), 0);
  size_t want = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    want += r->measure_count && (r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_CITY)
                ? r->measure_count
                : 1;
  }
  CHECK_EQ_INT(rows ? rows->count : 0, want);
  bqw_rows_free(rows);
  bqw_query_free(q);
  bqw_dataset_free(ds);
}

/* The measure rows (record, measure) an expression selects in the measure shape, as
 * bqw_query_rows gives them, after checking them against bqw_query_match and
 * bqw_query_match_record row by row; -1 when it does not parse. */
static long measure_count(bqw_dataset *ds, const char *expr) {
  bqw_query_options o = {.measure_shape = 1};
  bqw_query *q = NULL;
  bqw_query_error err;
  if (bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err) != 0)
    return -1;
  CHECK(bqw_query_measure_shape(q));
  bqw_rows *rows = NULL;
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, NULL, 0, -1, &rows), 0);
  long n = 0;
  size_t at = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    size_t k = bqw_record_measure_rows(ds, i);
    int any = 0;
    for (size_t m = k ? 1 : 0; m <= k; m++) {
      int hit = bqw_query_match(q, i, m);
      CHECK(hit == 0 || hit == 1);
      if (!hit)
        continue;
      any = 1;
      n++;
      CHECK(rows && at < rows->count && rows->records[at] == i &&
            rows->measures[at] == m);
      at++;
    }
    CHECK_EQ_INT(bqw_query_match_record(q, i), any);
  }
  CHECK_EQ_INT(rows ? (long)rows->count : -1, n);
  bqw_rows_free(rows);
  bqw_query_free(q);
  return n;
}

/* Issue 19: the measure shape selects measures, not the records that hold them. */
static void measure_rows(void) {
  bqw_dataset *ds = load();
  size_t all = 0, measures = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    size_t k = bqw_record_measure_rows(ds, i);
    CHECK_EQ_INT(k, bqw_record_at(ds, i)->measure_count);
    all += k ? k : 1;
    measures += k;
  }
  CHECK_EQ_INT(bqw_record_measure_rows(ds, bqw_record_count(ds)), 0);
  CHECK_EQ_INT(measure_count(ds, ""), (long)all);
  CHECK_EQ_INT(measure_count(ds, "  "), (long)all);
  /* 5 measures name 县城; their records hold 8 */
  CHECK_EQ_INT(measure_count(ds, "text~县城"), 5);
  CHECK_EQ_INT(measure_count(ds, "measure~县城"), 5);
  CHECK_EQ_INT(measure_count(ds, "text~縣城"), 5);
  /* not: the measures not naming it, and the rows of records without measures */
  CHECK_EQ_INT(measure_count(ds, "not text~县城"), (long)all - 5);
  CHECK_EQ_INT(measure_count(ds, "text!~县城"), (long)all - 5);
  /* measure_index: of the row; rows of records without measures have none */
  long second = measure_count(ds, "measure_index=2");
  long more = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    more += bqw_record_measure_rows(ds, i) >= 2;
  CHECK_EQ_INT(second, more);
  CHECK_EQ_INT(measure_count(ds, "measure_index>=1"), (long)measures);
  /* a record's field with a measure's: the record's measures that name it */
  long gz = measure_count(ds, "city=梅州 and text~县城");
  CHECK_EQ_INT(gz, 1);
  CHECK_EQ_INT(measure_count(ds, "city=梅州 or text~县城"),
               measure_count(ds, "city=梅州") + 5 - gz);
  /* in the record shape the same expressions select records */
  CHECK_EQ_INT(count(ds, "text~县城"), 5);
  CHECK_EQ_INT(count(ds, "measure_index=2"), 0);
  bqw_dataset_free(ds);
}

static bqw_rows *sorted(bqw_dataset *ds, const char *expr, bqw_field_id f, int desc,
                        int script) {
  bqw_query *q = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), NULL, &q, &err), 0);
  bqw_sort_key key = {f, desc};
  bqw_rows *rows = NULL;
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, &key, 1, script, &rows), 0);
  bqw_query_free(q);
  return rows;
}

static void ordering(void) {
  bqw_dataset *ds = load();
  static const char *const pinyin[] = {"潮州", "东莞", "佛山", "广州", "河源", "惠州",
                                       "江门", "揭阳", "茂名", "梅州", "清远", "汕头",
                                       "汕尾", "韶关", "深圳", "阳江", "云浮", "湛江",
                                       "肇庆", "中山", "珠海"};
  bqw_rows *up = sorted(ds, "kind=city", BQW_F_CITY, 0, -1);
  bqw_rows *down = sorted(ds, "kind=city", BQW_F_CITY, 1, BQW_SCRIPT_HANS);
  CHECK_EQ_INT(up->count, 21);
  CHECK_EQ_INT(down->count, 21);
  for (size_t i = 0; i < 21 && i < up->count && i < down->count; i++) {
    CHECK_STR(bqw_record_at(ds, up->records[i])->city, pinyin[i]);
    CHECK_STR(bqw_record_at(ds, down->records[20 - i])->city, pinyin[i]);
  }
  bqw_rows_free(up);
  bqw_rows_free(down);
  /* numbers numerically; absent last in both directions; ties by record */
  for (int desc = 0; desc < 2; desc++) {
    bqw_rows *rows = sorted(ds, "", BQW_F_PERIOD_FROM, desc, -1);
    CHECK_EQ_INT(rows->count, bqw_record_count(ds));
    bool absent = false;
    long long prev = desc ? 1LL << 40 : -1;
    size_t prev_record = 0;
    for (size_t i = 0; i < rows->count; i++) {
      bqw_value v;
      bqw_record_value(ds, rows->records[i], 0, BQW_F_PERIOD_FROM, &v);
      if (v.type == BQW_TYPE_NONE) {
        CHECK(!absent || rows->records[i] > prev_record);
        absent = true;
      } else {
        CHECK(!absent);
        CHECK(desc ? v.integer <= prev : v.integer >= prev);
        CHECK(v.integer != prev || rows->records[i] > prev_record);
        prev = v.integer;
      }
      prev_record = rows->records[i];
    }
    CHECK(absent);
    bqw_rows_free(rows);
  }
  /* no such field */
  bqw_sort_key bad = {BQW_F_COUNT, 0};
  bqw_rows *rows = NULL;
  CHECK_EQ_INT(bqw_query_rows(ds, NULL, 0, &bad, 1, -1, &rows), BQW_EINVAL);
  /* last bounds the records */
  CHECK_EQ_INT(bqw_query_rows(ds, NULL, 10, NULL, 0, -1, &rows), 0);
  CHECK_EQ_INT(rows->count, 10);
  bqw_rows_free(rows);
  bqw_dataset_free(ds);
}

static size_t facet_of(bqw_facet *f, const char *value) {
  for (size_t i = 0; i < f->count; i++)
    if (!strcmp(f->values[i], value))
      return i;
  return SIZE_MAX;
}

static void facets(void) {
  bqw_dataset *ds = load();
  bqw_facet *f = NULL;
  CHECK_EQ_INT(bqw_facet_count(ds, NULL, 0, BQW_F_REGION, BQW_F_COUNT, &f), 0);
  CHECK_EQ_INT(f->count, 4);
  CHECK_STR(f->values[0], "珠三角");
  CHECK_EQ_INT(f->records[0], 9);
  CHECK_STR(f->values[1], "粤北");
  CHECK_EQ_INT(f->records[1], 5);
  CHECK_STR(f->values[2], "粤东");
  CHECK_STR(f->values[3], "粤西");
  CHECK_EQ_INT(f->total, 21);
  for (size_t i = 0; i < f->count; i++) { /* the first record counted under each value */
    size_t first = SIZE_MAX;
    for (size_t r = 0; r < bqw_record_count(ds) && first == SIZE_MAX; r++) {
      const char *region = bqw_record_at(ds, r)->region;
      if (region && !strcmp(region, f->values[i]))
        first = r;
    }
    CHECK_EQ_INT(f->firsts[i], first);
  }
  bqw_facet_free(f);
  /* every facetable field counts something; counts descend */
  for (size_t k = 0; k < bqw_schema_count(); k++) {
    const bqw_field_info *fi = bqw_schema_field(k);
    int rc = bqw_facet_count(ds, NULL, 0, fi->id, BQW_F_COUNT, &f);
    check_context(fi->name);
    if (!(fi->flags & BQW_FLAG_FACET)) {
      CHECK_EQ_INT(rc, BQW_EINVAL);
      continue;
    }
    CHECK_EQ_INT(rc, 0);
    bool held = false; /* a field no record of this digest has (docno) counts nothing */
    for (size_t r = 0; r < bqw_record_count(ds) && !held; r++) {
      bqw_value v;
      bqw_record_value(ds, r, 0, fi->id, &v);
      bool list = v.type == BQW_TYPE_TEXTS || v.type == BQW_TYPE_INTEGERS;
      held = v.type != BQW_TYPE_NONE && (!list || v.count > 0);
    }
    CHECK(held ? f->count > 0 : f->count == 0);
    for (size_t i = 1; i < f->count; i++)
      CHECK(f->records[i] <= f->records[i - 1]);
    bqw_facet_free(f);
  }
  check_context(NULL);
  /* years numerically among equal counts; a query selects the records counted */
  bqw_query *q = NULL;
  bqw_query_error err;
  CHECK_EQ_INT(bqw_query_parse(ds, "kind=city", 9, NULL, &q, &err), 0);
  CHECK_EQ_INT(bqw_facet_count(ds, q, 0, BQW_F_LEVEL, BQW_F_COUNT, &f), 0);
  CHECK_EQ_INT(f->count, 1);
  CHECK_STR(f->values[0], "city");
  CHECK_EQ_INT(f->records[0], 21);
  bqw_facet_free(f);
  /* a crosstab: region by action over the city entries */
  CHECK_EQ_INT(bqw_facet_count(ds, q, 0, BQW_F_REGION, BQW_F_ACTION, &f), 0);
  CHECK_EQ_INT(f->count, 4);
  CHECK(f->by_count > 0 && f->by_count <= 3);
  size_t sum = 0;
  for (size_t i = 0; i < f->count; i++) {
    size_t row = 0;
    for (size_t j = 0; j < f->by_count; j++)
      row += f->cells[i * f->by_count + j];
    CHECK_EQ_INT(row, f->records[i]); /* every city entry has one action */
    sum += row;
  }
  CHECK_EQ_INT(sum, 21);
  for (size_t j = 1; j < f->by_count; j++) {
    size_t a = 0, b = 0;
    for (size_t i = 0; i < f->count; i++) {
      a += f->cells[i * f->by_count + j - 1];
      b += f->cells[i * f->by_count + j];
    }
    CHECK(a >= b);
  }
  bqw_facet_free(f);
  bqw_query_free(q);
  /* kind by level: every document is provincial */
  CHECK_EQ_INT(bqw_facet_count(ds, NULL, 0, BQW_F_KIND, BQW_F_LEVEL, &f), 0);
  size_t city = facet_of(f, "city"), doc = facet_of(f, "document");
  CHECK(city != SIZE_MAX && doc != SIZE_MAX);
  for (size_t j = 0; j < f->by_count && city != SIZE_MAX && doc != SIZE_MAX; j++) {
    bool is_city = !strcmp(f->by_values[j], "city");
    CHECK_EQ_INT(f->cells[city * f->by_count + j], is_city ? 21 : 0);
    CHECK_EQ_INT(f->cells[doc * f->by_count + j], is_city ? 0 : f->records[doc]);
  }
  bqw_facet_free(f);
  CHECK_EQ_INT(bqw_facet_count(ds, NULL, 0, BQW_F_YEARS, BQW_F_COUNT, &f), 0);
  for (size_t i = 1; i < f->count; i++)
    if (f->records[i] == f->records[i - 1])
      CHECK(atoi(f->values[i]) > atoi(f->values[i - 1]));
  bqw_facet_free(f);
  CHECK_EQ_INT(bqw_facet_count(ds, NULL, 0, BQW_F_TITLE, BQW_F_COUNT, &f), BQW_EINVAL);
  bqw_dataset_free(ds);
}

/* A resolver for the word "even" (even record ids) and an override of "region". */
static int resolve(void *data, const bqw_query_leaf *leaf, bqw_query_error *err) {
  (void)data;
  if (!strcmp(leaf->word, "even") || !strcmp(leaf->word, "region")) {
    if (leaf->value && !strcmp(leaf->value, "bad")) {
      snprintf(err->message, sizeof err->message, "bad value for %s: bad", leaf->word);
      err->pos = leaf->value_pos;
      return -1;
    }
    return !strcmp(leaf->word, "even") ? 0 : 1;
  }
  return -1;
}

static int evaluate(void *data, int handle, size_t record, size_t measure) {
  (void)measure;
  int *calls = data;
  (*calls)++;
  if (handle == 1)
    return BQW_ECANCELED;
  return record % 2 == 1;
}

static void resolver(void) {
  bqw_dataset *ds = load();
  int calls = 0;
  bqw_query_options o = {.resolve = resolve, .eval = evaluate, .data = &calls};
  bqw_query *q = NULL;
  bqw_query_error err;
  const char *expr = "kind=city even=yes";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), 0);
  size_t n = 0, want = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    n += bqw_query_match(q, i, 0) == 1;
    want += bqw_record_at(ds, i)->kind == BQW_KIND_CITY && i % 2 == 1;
  }
  CHECK(want > 0);
  CHECK_EQ_INT(n, want);
  CHECK_EQ_INT(calls, 21); /* only where kind=city holds */
  bqw_query_free(q);
  expr = "even=bad";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), BQW_EINVAL);
  CHECK_STR(err.message, "bad value for even: bad");
  CHECK_EQ_INT(err.col, 6);
  expr = "odd=1";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), BQW_EINVAL);
  CHECK_PREFIX(err.message, "unknown filter \"odd\"");
  expr = "odd";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), BQW_EINVAL);
  CHECK_PREFIX(err.message, "unknown filter \"odd\"");
  expr = "even";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), BQW_EINVAL);
  CHECK_PREFIX(err.message, "expected an operator after \"even\"");
  /* an overridden built-in goes to the caller; its error stops the evaluation */
  o.overridden = "region\0";
  expr = "region=whatever";
  CHECK_EQ_INT(bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err), 0);
  CHECK_EQ_INT(bqw_query_match(q, 0, 0), BQW_ECANCELED);
  bqw_rows *rows = NULL;
  CHECK_EQ_INT(bqw_query_rows(ds, q, 0, NULL, 0, -1, &rows), BQW_ECANCELED);
  CHECK(rows == NULL);
  bqw_query_free(q);
  bqw_dataset_free(ds);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The best of five parses of expr (CPU seconds). */
static double parse_time(bqw_dataset *ds, const char *expr, size_t len) {
  double best = 1e9;
  for (int i = 0; i < 5; i++) {
    bqw_query *q = NULL;
    bqw_query_error err;
    double t = now();
    int rc = bqw_query_parse(ds, expr, len, NULL, &q, &err);
    t = now() - t;
    CHECK_EQ_INT(rc, 0);
    bqw_query_free(q);
    if (t < best)
      best = t;
  }
  return best;
}

static char *repeat(const char *piece, size_t times, const char *middle,
                    const char *tail) {
  size_t pl = strlen(piece), ml = strlen(middle), tl = strlen(tail);
  char *s = malloc(pl * times + ml + tl * times + 1), *p = s;
  for (size_t i = 0; i < times; i++, p += pl)
    memcpy(p, piece, pl);
  memcpy(p, middle, ml);
  p += ml;
  for (size_t i = 0; i < times; i++, p += tl)
    memcpy(p, tail, tl);
  *p = '\0';
  return s;
}

static void limits(void) {
  bqw_dataset *ds = load();
  char *deep = repeat("(", 200000, "kind=city", ")");
  bqw_query_error e = parse_error(ds, deep);
  CHECK_PREFIX(e.message, "nested more than 100 levels deep");
  CHECK_EQ_INT(e.col, 101);
  free(deep);
  deep = repeat("not ", 200000, "kind=city", "");
  e = parse_error(ds, deep);
  CHECK_PREFIX(e.message, "nested more than 100 levels deep");
  CHECK_EQ_INT(e.col, 401);
  free(deep);
  deep = repeat("(", 100, "kind=city", ")");
  CHECK_EQ_INT(count(ds, deep), 21);
  free(deep);
  deep = repeat("not ", 100, "kind=city", "");
  CHECK_EQ_INT(count(ds, deep), 21);
  free(deep);
  /* linear: ten times the expression takes about ten times as long, not a hundred */
  const char *term = "(kind=city or region~粤 or year=2023..2025) and not id>40 ";
  char *small = repeat(term, 1000, "", ""), *large = repeat(term, 10000, "", "");
  double ts = parse_time(ds, small, strlen(small)),
         tl = parse_time(ds, large, strlen(large));
  printf("parse: 1000 terms %.4f s, 10000 terms %.4f s (ratio %.1f)\n", ts, tl, tl / ts);
  CHECK(tl < 20 * ts);
  free(small);
  free(large);
  bqw_dataset_free(ds);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"errors", errors},
      {"operators", operators},
      {"fold", fold_script},
      {"measure_shape", measure_shape},
      {"ordering", ordering},
      {"facets", facets},
      {"resolver", resolver},
      {"limits", limits},
      {"measure_rows", measure_rows},
  };
  return CHECK_RUN_CASES(argc, argv, cases);
}
