/*
 * test_editions.c -- later editions of the digest (issue 20, item 3): several bylines,
 * document numbers (文号), wrapped measures, several headlines, meetings over a range
 * of days, repairs in either script; and every line of every fixture and of the damaged
 * digests made here accounted for (accounted.h).
 */
#include "accounted.h"
#include "bqw.h"
#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BQW_SOURCE_DIR
#error "BQW_SOURCE_DIR must name the source tree"
#endif
#define FIXTURES BQW_SOURCE_DIR "/tests/fixtures"
#define EDITION FIXTURES "/digest-edition.txt"

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *data = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 65536 > cap) {
      cap = cap ? cap * 2 : 1 << 17;
      char *p = realloc(data, cap);
      if (!p) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = p;
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
  } while (got);
  fclose(f);
  *len = n;
  return data;
}

static const bqw_diag *find_diag(const bqw_dataset *ds, bqw_severity sev, unsigned line,
                                 const char *text) {
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (d->severity == sev && (!line || d->line == line) && strstr(d->message, text))
      return d;
  }
  return NULL;
}

/* A field of the record at r as the schema gives it (bqw_record_value): its text,
 * NULL when it has none; its integer, 0 when it has none. */
static const char *field_text(const bqw_dataset *ds, const bqw_record *r,
                              bqw_field_id f) {
  bqw_value v;
  if (bqw_record_value(ds, (size_t)(r - bqw_record_at(ds, 0)), 0, f, &v))
    return NULL;
  return v.type == BQW_TYPE_TEXT ? v.text : NULL;
}

static long long field_int(const bqw_dataset *ds, const bqw_record *r, bqw_field_id f) {
  bqw_value v;
  if (bqw_record_value(ds, (size_t)(r - bqw_record_at(ds, 0)), 0, f, &v))
    return 0;
  return v.type == BQW_TYPE_INTEGER ? v.integer : 0;
}

static const bqw_record *record_at_line(const bqw_dataset *ds, unsigned line) {
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    if (bqw_record_at(ds, i)->line == line)
      return bqw_record_at(ds, i);
  return NULL;
}

/* ---- the scanners ---- */

static void test_docno_scan(void) {
  static const struct {
    const char *text;
    int ok, year, number;
    const char *issuer;
  } cases[] = {
      {"粵府〔2023〕12號", 1, 2023, 12, "粵府"},
      {"(粵自然資規字〔2023〕12號)", 1, 2023, 12, "粵自然資規字"},
      {"（粤府办〔2023〕5号）", 1, 2023, 5, "粤府办"},
      {"粵建村[2023]45号", 1, 2023, 45, "粵建村"},
      {"粵發改規劃【2023】7號", 1, 2023, 7, "粵發改規劃"},
      {" 国发［２０２３］１号 ", 1, 2023, 1, "国发"},
      {"粵府〔2023〕號", 0, 0, 0, NULL},     /* no number */
      {"粵府〔23〕12號", 0, 0, 0, NULL},     /* not a year */
      {"粵府〔2023〕12", 0, 0, 0, NULL},     /* no 號 */
      {"〔2023〕12號", 0, 0, 0, NULL},       /* no issuer */
      {"粵府〔2023】12號", 0, 0, 0, NULL},   /* brackets that do not match */
      {"粵府〔2023〕12號文", 0, 0, 0, NULL}, /* more after it */
      {"(試行)", 0, 0, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    check_context(cases[i].text);
    docno_parts d;
    int ok = scan_docno_alone(cases[i].text, strlen(cases[i].text), &d);
    if (CHECK_EQ_INT(ok, cases[i].ok) && ok) {
      CHECK_EQ_INT(d.year, cases[i].year);
      CHECK_EQ_INT(d.number, cases[i].number);
      CHECK_EQ_INT(d.issuer_len, strlen(cases[i].issuer));
      CHECK(!memcmp(d.text, cases[i].issuer, d.issuer_len));
    }
  }
  check_context(NULL);
}

static void test_date_scan(void) {
  static const struct {
    const char *text;
    int shape, v[6];
  } cases[] = {
      {"2023年9月1日", 1, {2023, 9, 1, 2023, 9, 1}},
      {"2023年9月1日至2日", 2, {2023, 9, 1, 2023, 9, 2}},
      {"2023年9月1日至10月2日", 2, {2023, 9, 1, 2023, 10, 2}},
      {"2023年9月1日—2日", 2, {2023, 9, 1, 2023, 9, 2}},
      {"2023年9月30日-10月1日", 2, {2023, 9, 30, 2023, 10, 1}},
      {"2023年12月30日至2024年1月2日", 2, {2023, 12, 30, 2024, 1, 2}},
      {"2023年9月1日到3日", 2, {2023, 9, 1, 2023, 9, 3}},
      {"2023年9月2日至1日", -1, {0}},  /* ends before it starts */
      {"2023年9月1日至31日", -1, {0}}, /* no 31 September */
      {"2023年9月1日至", 0, {0}},
      {"2023年9月1日至2", 0, {0}},
      {"2023年9月1日至2024年3日", 0, {0}}, /* a year without a month */
      {"2023年9月1日召开", 0, {0}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    check_context(cases[i].text);
    int v[6] = {0};
    int shape = scan_date_line(cases[i].text, strlen(cases[i].text), v);
    if (CHECK_EQ_INT(shape, cases[i].shape) && shape > 0)
      for (int k = 0; k < 6; k++)
        CHECK_EQ_INT(v[k], cases[i].v[k]);
  }
  check_context(NULL);
}

/* ---- the later edition (tests/fixtures/make-edition.py) ---- */

static void test_edition(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_file(EDITION, &ds), 0);
  if (!CHECK(ds != NULL))
    return;
  bqw_stats s;
  bqw_dataset_stats(ds, &s);
  CHECK_EQ_INT(s.provincial_documents, 21);
  CHECK_EQ_INT(s.city_entries, 21);
  CHECK_EQ_INT(s.measures, 63);
  CHECK_EQ_INT(s.meetings, 10);
  CHECK_EQ_INT(s.other, 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 1); /* the known defect */

  const bqw_meta *m = bqw_dataset_meta(ds);
  CHECK_STR(m->byline, "南方日報記者 陳薇 張子俊");
  if (CHECK_EQ_INT(m->byline_count, 2)) {
    CHECK_STR(m->bylines[0], "南方日報記者 陳薇 張子俊");
    CHECK_STR(m->bylines[1], "南方日報見習記者 李明 王芳");
  }
  CHECK(find_diag(ds, BQW_NOTE, 5, "another byline") != NULL);
  CHECK_STR(m->credits, "統籌:彭琳 高靜寧 陳丹佳 黃進");

  static const struct {
    unsigned line;
    const char *docno, *issuer, *title_end;
    int year, number;
    const char *where;
  } docs[] = {
      {25, "粵發改規劃【2023】7號", "粤发改规划", "工作要點", 2023, 7,
       "alone on the line"},
      {33, "粵建村[2023]45号", "粤建村", "技術導則", 2023, 45, "follows the title"},
      {39, "粵府〔2023〕12號", "粤府", "行動實施方案", 2023, 12, "follows the title"},
      {43, "粵自然資規字〔2023〕12號", "粤自然资规字", "產業振興的通知", 2023, 12,
       "ends the title"},
  };
  for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
    check_context(docs[i].docno);
    const bqw_record *r = record_at_line(ds, docs[i].line);
    if (!CHECK(r != NULL))
      continue;
    CHECK_EQ_INT(r->kind, BQW_KIND_DOCUMENT);
    CHECK_STR(field_text(ds, r, BQW_F_DOCNO), docs[i].docno);
    CHECK_STR(field_text(ds, r, BQW_F_DOCNO_ISSUER), docs[i].issuer);
    CHECK_EQ_INT(field_int(ds, r, BQW_F_DOCNO_YEAR), docs[i].year);
    CHECK_EQ_INT(field_int(ds, r, BQW_F_DOCNO_NUMBER), docs[i].number);
    size_t tl = strlen(r->title), el = strlen(docs[i].title_end);
    CHECK(tl >= el && !strcmp(r->title + tl - el, docs[i].title_end));
    CHECK(field_text(ds, r, BQW_F_DOCTYPE) != NULL); /* the type is still found */
    CHECK(strstr(r->title, "〔") == NULL && strstr(r->title, "號") == NULL);
    const bqw_diag *d = find_diag(ds, BQW_NOTE, 0, docs[i].docno);
    if (CHECK(d != NULL))
      CHECK_CONTAINS(d->message, docs[i].where);
    /* the filter engine reads it through the schema */
    bqw_value v;
    size_t idx = (size_t)(r - bqw_record_at(ds, 0));
    CHECK_EQ_INT(bqw_record_value(ds, idx, 0, BQW_F_DOCNO_YEAR, &v), 0);
    CHECK_EQ_INT(v.type, BQW_TYPE_INTEGER);
    CHECK_EQ_INT(v.integer, docs[i].year);
    CHECK_EQ_INT(bqw_record_value(ds, idx, 0, BQW_F_DOCNO_ISSUER, &v), 0);
    CHECK_STR(v.text, docs[i].issuer);
  }
  check_context(NULL);
  const bqw_record *r = record_at_line(ds, 43);
  if (r) {
    CHECK_STR(r->title, "廣東省自然資源廳關于實施點狀供地助力鄉村產業振興的通知");
    CHECK_STR(field_text(ds, r, BQW_F_DOCTYPE), "通知");
    CHECK_STR(field_text(ds, r, BQW_F_DOCTYPE_DETAIL), "通知");
  }

  /* wrapped measures, joined */
  r = record_at_line(ds, 33);
  if (CHECK(r != NULL) && CHECK_EQ_INT(r->measure_count, 1)) {
    CHECK_EQ_INT(r->measures[0].line, 34);
    CHECK_STR(r->measures[0].text,
              "結合廣東的廣府、潮汕、客家三大民系特點,提出總則、基本規定、技術指標體系、"
              "綠色農房技術匯總、綠色農房設計說明專篇、案例篇等內容。");
  }
  CHECK(find_diag(ds, BQW_NOTE, 35, "continues the ◎ measure of line 34") != NULL);
  CHECK(find_diag(ds, BQW_NOTE, 121, "continues the ◎ measure of line 120") != NULL);

  /* two headlines */
  r = record_at_line(ds, 68);
  if (CHECK(r != NULL)) {
    CHECK_STR(r->city, "广州");
    CHECK_STR(r->headline, "推動城鄉區域協調發展走在全省前列");
    CHECK_EQ_INT(r->action, BQW_ACTION_STATEMENT);
    if (CHECK_EQ_INT(r->headline_count, 2)) {
      CHECK_STR(r->headlines[0], r->headline);
      CHECK_PREFIX(r->headlines[1], "印發《廣州市推進");
    }
    CHECK_STR(r->title, "廣州市推進“百縣千鎮萬村高質量發展工程”實施方案");

    CHECK_STR(field_text(ds, r, BQW_F_DOCNO), "穗字〔2023〕3號");
    CHECK_STR(field_text(ds, r, BQW_F_DOCNO_ISSUER), "穗字");
    CHECK_EQ_INT(r->measure_count, 1);
  }
  CHECK(find_diag(ds, BQW_NOTE, 70, "has another headline") != NULL);
  /* the second headline is searchable, as headline item 2 (scan, then the index) */
  for (int pass = 0; pass < 2; pass++) {
    bqw_results *res = NULL;
    if (pass)
      CHECK_EQ_INT(bqw_dataset_index(ds), 0);
    CHECK_EQ_INT(bqw_dataset_search(ds, "穗字", strlen("穗字"), 10, &res), 0);
    size_t headline_hits = 0;
    for (size_t i = 0; res && i < res->count; i++) {
      size_t rec, item;
      bqw_field field;
      bqw_tag_split(res->hits[i].tag, &rec, &field, &item);
      if (field == BQW_FIELD_HEADLINE) {
        headline_hits++;
        CHECK_EQ_INT(item, 1);
        CHECK_STR(bqw_field_text(ds, rec, field, item), r ? r->headlines[1] : NULL);
      }
    }
    CHECK_EQ_INT(headline_hits, 1);
    bqw_results_free(res);
  }
  /* a city entry with one headline lists it */
  r = record_at_line(ds, 72);
  if (CHECK(r != NULL) && CHECK_EQ_INT(r->headline_count, 1))
    CHECK_STR(r->headlines[0], r->headline);

  /* meetings over a range of days */
  static const struct {
    unsigned line;
    const char *from, *to;
  } meetings[] = {{164, "2023-03-10", "2023-03-11"},
                  {166, "2023-05-18", "2023-05-19"},
                  {170, "2023-07-14", "2023-08-02"},
                  {168, NULL, NULL}};
  for (size_t i = 0; i < sizeof meetings / sizeof *meetings; i++) {
    r = record_at_line(ds, meetings[i].line);
    if (!CHECK(r != NULL) || !CHECK_EQ_INT(r->kind, BQW_KIND_MEETING))
      continue;
    if (meetings[i].from) {
      CHECK_STR(r->date, meetings[i].from);
      CHECK_STR(r->date_to, meetings[i].to);
      CHECK(find_diag(ds, BQW_NOTE, meetings[i].line, "range of days") != NULL);
    } else {
      CHECK_STR(r->date, "2023-06-20");
      CHECK(r->date_to == NULL);
    }
  }
  r = record_at_line(ds, 170);
  if (r) {
    bqw_value v;
    CHECK_EQ_INT(
        bqw_record_value(ds, (size_t)(r - bqw_record_at(ds, 0)), 0, BQW_F_YEARS, &v), 0);
    CHECK_EQ_INT(v.count, 1);
    CHECK_EQ_INT(
        bqw_record_value(ds, (size_t)(r - bqw_record_at(ds, 0)), 0, BQW_F_DATE_TO, &v),
        0);
    CHECK_EQ_INT(v.type, BQW_TYPE_DATE);
    CHECK_STR(v.text, "2023-08-02");
  }
  bqw_dataset_free(ds);
}

/* The same edition re-published in Simplified (make-edition.py build/bqw): the same
 * records, the same parsed document numbers (the issuer is Simplified either way), the
 * repairs applied to its converted spans. */
static void test_edition_hans(void) {
  bqw_dataset *t = NULL, *h = NULL;
  CHECK_EQ_INT(bqw_load_file(EDITION, &t), 0);
  CHECK_EQ_INT(bqw_load_file(FIXTURES "/digest-edition-hans.txt", &h), 0);
  if (!CHECK(t && h))
    goto done;
  CHECK_EQ_INT(bqw_dataset_report(h)->repairs_applied, 6);
  CHECK_EQ_INT(bqw_dataset_report(h)->warnings, 1); /* the known defect */
  CHECK_EQ_INT(bqw_dataset_meta(h)->byline_count, 2);
  if (!CHECK_EQ_INT(bqw_record_count(h), bqw_record_count(t)))
    goto done;
  size_t docnos = 0;
  for (size_t i = 0; i < bqw_record_count(t); i++) {
    const bqw_record *a = bqw_record_at(t, i), *b = bqw_record_at(h, i);
    CHECK_EQ_INT(b->kind, a->kind);
    CHECK_EQ_INT(b->line, a->line);
    CHECK_EQ_INT(b->measure_count, a->measure_count);
    CHECK_EQ_INT(b->headline_count, a->headline_count);
    CHECK_STR(field_text(h, b, BQW_F_DOCNO_ISSUER), field_text(t, a, BQW_F_DOCNO_ISSUER));
    CHECK_EQ_INT(field_int(h, b, BQW_F_DOCNO_YEAR), field_int(t, a, BQW_F_DOCNO_YEAR));
    CHECK_EQ_INT(field_int(h, b, BQW_F_DOCNO_NUMBER),
                 field_int(t, a, BQW_F_DOCNO_NUMBER));
    CHECK_STR(b->date, a->date);
    CHECK_STR(b->date_to, a->date_to);
    CHECK_STR(field_text(h, b, BQW_F_DOCTYPE), field_text(t, a, BQW_F_DOCTYPE));
    docnos += field_text(h, b, BQW_F_DOCNO) != NULL;
  }
  CHECK_EQ_INT(docnos, 5);
  const bqw_record *r = record_at_line(h, 39);
  if (CHECK(r != NULL))
    CHECK_STR(field_text(h, r, BQW_F_DOCNO), "粤府〔2023〕12号");
done:
  bqw_dataset_free(t);
  bqw_dataset_free(h);
}

/* A second headline's years and places are the record's too. */
static void test_headlines_derived(void) {
  static const char text[] =
      "地市政策\n深圳\n推動城鄉區域協調發展\n召開2024年深汕合作區工作會議\n"
      "◎加快推進。\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("headlines.txt", text, sizeof text - 1, &ds), 0);
  const bqw_record *r = bqw_record_at(ds, 0);
  if (CHECK(r != NULL) && CHECK_EQ_INT(r->headline_count, 2)) {
    CHECK_EQ_INT(r->action, BQW_ACTION_STATEMENT); /* the first headline's */
    bqw_value v;
    CHECK_EQ_INT(bqw_record_value(ds, 0, 0, BQW_F_YEARS, &v), 0);
    if (CHECK_EQ_INT(v.count, 1))
      CHECK_EQ_INT(bqw_value_int_at(&v, 0), 2024);
    CHECK_EQ_INT(bqw_record_value(ds, 0, 0, BQW_F_MENTIONS, &v), 0);
    int named = 0;
    for (size_t k = 0; k < v.count; k++)
      named |= !strcmp(bqw_value_text_at(&v, k), "深汕合作区");
    CHECK(named);
  }
  check_accounted("headlines.txt", text, sizeof text - 1);
  bqw_dataset_free(ds);
}

/* Text after a title's 》 that is not a document number is said in a warning (the
 * diagnostic keeps it); a second document number there is not taken. */
static void test_title_rest(void) {
  static const char text[] = "全省政策\n縣域發展\n●《甲方案》附件一\n◎措施一。\n"
                             "●《乙方案(粵府〔2023〕1號)》(粵府〔2023〕2號)\n◎措施二。\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("rest.txt", text, sizeof text - 1, &ds), 0);
  const bqw_diag *d = find_diag(ds, BQW_WARNING, 3, "not a document number");
  if (CHECK(d != NULL)) {
    CHECK_CONTAINS(d->message, "附件一");
    CHECK_EQ_INT(d->col, 7); /* 附, after ●《甲方案》 */
  }
  const bqw_record *r = record_at_line(ds, 5);
  if (CHECK(r != NULL)) {
    CHECK_STR(r->title, "乙方案");
    CHECK_STR(field_text(ds, r, BQW_F_DOCNO), "粵府〔2023〕1號");
    CHECK(find_diag(ds, BQW_WARNING, 5, "(粵府〔2023〕2號)") != NULL);
  }
  check_accounted("rest.txt", text, sizeof text - 1);
  bqw_dataset_free(ds);
}

/* ---- repairs whichever script the digest is in ---- */

static void check_script_repairs(const char *name, const char *text, size_t len,
                                 const char *measure83) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer(name, text, len, &ds), 0);
  if (!CHECK(ds != NULL))
    return;
  check_context(name);
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 6);
  CHECK(find_diag(ds, BQW_WARNING, 0, "repair did not match") == NULL);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 1); /* the known defect */
  const bqw_record *r = bqw_record_at(ds, 26);       /* record 27: 韶关, line 81 */
  if (CHECK(r != NULL) && CHECK_EQ_INT(r->measure_count, 2)) {
    CHECK_EQ_INT(r->measures[0].line, 83);
    CHECK_PREFIX(r->measures[0].text, measure83);
  }
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    r = bqw_record_at(ds, i);
    for (size_t k = 0; k < r->measure_count; k++)
      CHECK(strchr(r->measures[k].text, '?') == NULL);
  }
  check_accounted(name, text, len);
  check_context(NULL);
  bqw_dataset_free(ds);
}

static void test_script_repairs(void) {
  size_t len;
  const char *digest = (const char *)bqw_default_digest(&len);
  char *hans = NULL, *hant = NULL;
  size_t hans_len = 0, hant_len = 0;
  if (!CHECK_EQ_INT(bqw_convert(digest, len, BQW_SCRIPT_HANS, &hans, &hans_len), 0))
    return;
  /* the conversion changed record 27's corrupted span (鷳 -> 鹇) */
  CHECK(strstr(hans, "嵤┥鹇B") != NULL);
  check_script_repairs("digest-hans.txt", hans, hans_len, "实施生态立市");
  CHECK_EQ_INT(bqw_convert(hans, hans_len, BQW_SCRIPT_HANT, &hant, &hant_len), 0);
  check_script_repairs("digest-hant.txt", hant, hant_len, "實施生態立市");
  check_script_repairs("digest.txt", digest, len, "實施生態立市");
  bqw_free(hans);
  bqw_free(hant);
}

/* ---- every line accounted for ---- */

static void test_every_fixture(void) {
  DIR *dir = opendir(FIXTURES);
  if (!CHECK(dir != NULL))
    return;
  size_t checked = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".txt"))
      continue;
    char path[1024], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", FIXTURES, e->d_name);
    if (!CHECK((data = read_all(path, &len)) != NULL))
      continue;
    check_context(e->d_name);
    check_accounted(e->d_name, data, len);
    free(data);
    checked++;
  }
  closedir(dir);
  check_context(NULL);
  CHECK(checked >= 3);
  size_t len;
  const char *digest = (const char *)bqw_default_digest(&len);
  check_accounted("(embedded)", digest, len);
}

/* The check can fail: a line the records do not hold is found missing. */
static void test_accounting_fails(void) {
  static const char text[] = "全省政策\n縣域發展\n●《甲方案》\n◎措施一。\n";
  bqw_dataset *ds = NULL;
  dataset_load_keep_lines("lost.txt", text, sizeof text - 1, &ds);
  if (!CHECK(ds != NULL && ds->line_count >= 4))
    return;
  /* drop the measure from the record behind the parser's back */
  ((bqw_record *)bqw_record_at(ds, 0))->measure_count = 0;
  int before = check_failed_count;
  acc_hay h = {{0}, 0};
  acc_record(&h, ds, 0);
  CHECK_EQ_INT(acc_found(&h, "措施一。", strlen("措施一。")), 0);
  CHECK_EQ_INT(acc_found(&h, "甲方案", strlen("甲方案")), 1);
  CHECK_EQ_INT(check_failed_count, before);
  bqw_dataset_free(ds);
}

/* The derived fields, kept beside the records in runs of shared pools: each record
 * reads its own lists, whatever its neighbours hold, through the schema. */
static void check_list(const bqw_dataset *ds, size_t rec, bqw_field_id f,
                       const char *const *want, size_t n) {
  bqw_value v;
  CHECK_EQ_INT(bqw_record_value(ds, rec, 0, f, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_TEXTS);
  if (CHECK_EQ_INT(v.count, n))
    for (size_t k = 0; k < n; k++)
      CHECK_STR(bqw_value_text_at(&v, k), want[k]);
}

static void check_years(const bqw_dataset *ds, size_t rec, const int *want, size_t n) {
  bqw_value v;
  CHECK_EQ_INT(bqw_record_value(ds, rec, 0, BQW_F_YEARS, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_INTEGERS);
  if (CHECK_EQ_INT(v.count, n))
    for (size_t k = 0; k < n; k++)
      CHECK_EQ_INT(bqw_value_int_at(&v, k), want[k]);
}

static void test_derived_runs(void) {
  static const char text[] =
      "全省政策\n縣域發展\n"
      "●《中共廣東省委 廣東省人民政府關於2024年推進深汕合作區的實施意見(2023—2025年)》\n"
      "◎到2030年,廣州、深圳兩市。\n"
      "●《關於做好某事的通知》\n◎措施。\n"
      "●《廣東省交通運輸廳工作方案(2024-2026年)》\n◎肇慶高新區2025年。\n"
      "地市政策\n深圳\n推動與廣州協調發展\n◎加快推進。\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("derived.txt", text, sizeof text - 1, &ds), 0);
  if (!CHECK_EQ_INT(bqw_record_count(ds), 4))
    goto done;
  const char *const issuers0[] = {"中共广东省委", "广东省人民政府"};
  const char *const issuers2[] = {"广东省交通运输厅"};
  const char *const mentions0[] = {"广州", "深圳", "深汕合作区"};
  const char *const mentions2[] = {"肇庆", "肇庆高新区"};
  const char *const mentions3[] = {"广州"};
  const int years0[] = {2023, 2024, 2025, 2030}, years2[] = {2024, 2025, 2026};
  check_list(ds, 0, BQW_F_ISSUERS, issuers0, 2);
  check_list(ds, 1, BQW_F_ISSUERS, NULL, 0);
  check_list(ds, 2, BQW_F_ISSUERS, issuers2, 1);
  check_list(ds, 0, BQW_F_MENTIONS, mentions0, 3);
  check_list(ds, 1, BQW_F_MENTIONS, NULL, 0);
  check_list(ds, 2, BQW_F_MENTIONS, mentions2, 2);
  check_list(ds, 3, BQW_F_MENTIONS, mentions3, 1);
  check_years(ds, 0, years0, 4);
  check_years(ds, 1, NULL, 0);
  check_years(ds, 2, years2, 3);
  static const struct {
    const char *doctype, *detail, *level;
    long long from, to;
  } want[] = {{"意见", "实施意见", "province", 2023, 2025},
              {"通知", "通知", "province", 0, 0},
              {"方案", "工作方案", "province", 2024, 2026},
              {NULL, NULL, "city", 0, 0}};
  for (size_t i = 0; i < 4; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    CHECK_STR(field_text(ds, r, BQW_F_DOCTYPE), want[i].doctype);
    CHECK_STR(field_text(ds, r, BQW_F_DOCTYPE_DETAIL), want[i].detail);
    CHECK_STR(field_text(ds, r, BQW_F_LEVEL), want[i].level);
    CHECK_EQ_INT(field_int(ds, r, BQW_F_PERIOD_FROM), want[i].from);
    CHECK_EQ_INT(field_int(ds, r, BQW_F_PERIOD_TO), want[i].to);
    bqw_value v;
    CHECK_EQ_INT(bqw_record_value(ds, i, 0, BQW_F_PERIOD_FROM, &v), 0);
    CHECK_EQ_INT(v.type, want[i].from ? BQW_TYPE_INTEGER : BQW_TYPE_NONE);
  }
  /* a "—" range anywhere in the title wins over an earlier "-" one and a later "~" */
  bqw_dataset *more = NULL;
  static const char ranges[] =
      "全省政策\n縣域發展\n●《關於2020-2021年和2023—2025年(2026~2027年)的工作方案》\n"
      "◎措施。\n";
  CHECK_EQ_INT(bqw_load_buffer("ranges.txt", ranges, sizeof ranges - 1, &more), 0);
  if (CHECK_EQ_INT(bqw_record_count(more), 1)) {
    const int years4[] = {2020, 2021, 2023, 2025, 2026, 2027};
    CHECK_EQ_INT(field_int(more, bqw_record_at(more, 0), BQW_F_PERIOD_FROM), 2023);
    CHECK_EQ_INT(field_int(more, bqw_record_at(more, 0), BQW_F_PERIOD_TO), 2025);
    check_years(more, 0, years4, 6);
  }
  bqw_dataset_free(more);
  /* the record holds what the parser read; what is derived from it lies beside */
  CHECK(sizeof(bqw_record) <= 128);
done:
  bqw_dataset_free(ds);
}

/* A document's title is cut out of its own line in place, not copied: a digest of
 * long titles takes no more of the arena than one of short titles (the kept lines of
 * dataset_load_keep_lines copy them, and give the same titles). */
static void test_titles_in_place(void) {
  enum { DOCS = 300 };
  buffer text[2] = {{0}, {0}};
  for (int longer = 0; longer < 2; longer++) {
    buffer_append(&text[longer], "全省政策\n縣域發展\n", strlen("全省政策\n縣域發展\n"));
    for (int i = 0; i < DOCS; i++) {
      char line[1024];
      int n = snprintf(line, sizeof line, "●《第%d號%s的實施方案》\n◎措施。\n", i,
                       longer ? "關於推進百縣千鎮萬村高質量發展工程促進城鄉區域協調發展"
                                "加快建設現代化產業體系全面推進鄉村振興"
                              : "");
      buffer_append(&text[longer], line, (size_t)n);
    }
  }
  size_t used[2] = {0, 0}, title_bytes = 0;
  for (int longer = 0; longer < 2; longer++) {
    bqw_dataset *ds = NULL, *kept = NULL;
    CHECK_EQ_INT(bqw_load_buffer("titles.txt", text[longer].data, text[longer].len, &ds),
                 0);
    dataset_load_keep_lines("titles.txt", text[longer].data, text[longer].len, &kept);
    if (CHECK(ds && kept) && CHECK_EQ_INT(bqw_record_count(ds), DOCS)) {
      used[longer] = ds->mem.total;
      for (size_t i = 0; i < DOCS; i++) {
        const char *t = bqw_record_at(ds, i)->title;
        CHECK_STR(t, bqw_record_at(kept, i)->title);
        CHECK_SUFFIX(t, "的實施方案");
        CHECK_STR(field_text(ds, bqw_record_at(ds, i), BQW_F_DOCTYPE_DETAIL), "实施方案");
        title_bytes += longer ? strlen(t) : 0;
      }
    }
    bqw_dataset_free(ds);
    bqw_dataset_free(kept);
    buffer_free(&text[longer]);
  }
  CHECK(title_bytes > 30000);
  CHECK(used[1] < used[0] + title_bytes / 4);
}

/* The line table is sized once, from the line ends counted in 240-byte blocks: one
 * entry per LF or CR and one more, whatever block a line end falls in. */
static void test_line_table_bound(void) {
  static const size_t sizes[] = {0, 1, 239, 240, 241, 479, 480, 481, 1000, 4099};
  for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
    char *text = malloc(sizes[t] + 1);
    if (!CHECK(text != NULL))
      return;
    size_t ends = 0;
    for (size_t i = 0; i < sizes[t]; i++) { /* 甲 runs, then LF, CR or CRLF */
      unsigned r = (unsigned)(i * 2654435761u) >> 28;
      text[i] = r < 2 ? '\n' : r < 3 ? '\r' : "\xE7\x94\xB2"[i % 3];
      ends += text[i] == '\n' || text[i] == '\r';
    }
    bqw_dataset *ds = NULL;
    dataset_load_keep_lines("ends.txt", text, sizes[t], &ds);
    if (CHECK(ds != NULL) && sizes[t]) {
      check_context(sizes[t] == 240 ? "240" : NULL);
      CHECK_EQ_INT(ds->line_cap, ends + 1);
      CHECK(ds->line_count <= ds->line_cap);
    }
    check_context(NULL);
    bqw_dataset_free(ds);
    free(text);
  }
}

int main(void) {
  test_docno_scan();
  test_date_scan();
  test_edition();
  test_edition_hans();
  test_headlines_derived();
  test_derived_runs();
  test_titles_in_place();
  test_line_table_bound();
  test_title_rest();
  test_script_repairs();
  test_every_fixture();
  test_accounting_fails();
  return check_report("test_editions");
}
