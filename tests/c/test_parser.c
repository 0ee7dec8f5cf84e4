/*
 * test_parser.c -- the digest parser, on the shipped digest and on variants built
 * here from its bytes: CRLF + BOM + trailing blanks, blank lines between all lines,
 * city entries reversed, the Simplified fixture, truncated files, an invalid byte at
 * a known place, and unknown section headings.
 */
#include "accounted.h"
#include "bqw.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BQW_SOURCE_DIR
#error "BQW_SOURCE_DIR must name the source tree"
#endif
#define SIMPLIFIED BQW_SOURCE_DIR "/tests/fixtures/digest-simplified.txt"

#define REPLACEMENT "\xEF\xBF\xBD"
#define DIGEST_LINES 169

/* ---- helpers ---- */

typedef struct span {
  const char *p;
  size_t len;
} span;

/* The digest's physical lines (LF separated, no final LF), 1-based: lines[1..169]. */
static span lines[DIGEST_LINES + 2];
static size_t line_count;

static void split_digest(void) {
  size_t len;
  const char *d = (const char *)bqw_default_digest(&len);
  const char *p = d, *end = d + len;
  line_count = 0;
  while (p < end && line_count <= DIGEST_LINES) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    lines[++line_count] = (span){p, (size_t)(e - p)};
    p = nl ? nl + 1 : end;
  }
}

typedef struct buf {
  char *data;
  size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    char *q = realloc(b->data, cap);
    if (!q) {
      fprintf(stderr, "out of memory\n");
      exit(2);
    }
    b->data = q;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void put_line(buf *b, size_t i) { put(b, lines[i].p, lines[i].len); }

/* Loads a variant made here; every line of it must be accounted for (accounted.h). */
static bqw_dataset *load(const char *name, const buf *b, int want_rc) {
  check_accounted(name, b->data, b->len);
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer(name, b->data, b->len, &ds), want_rc);
  if (!ds) {
    fprintf(stderr, "%s: no dataset\n", name);
    exit(2);
  }
  return ds;
}

static const bqw_record *find_city(const bqw_dataset *ds, const char *city) {
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    if (r->kind == BQW_KIND_CITY && r->city && !strcmp(r->city, city))
      return r;
  }
  return NULL;
}

static const bqw_diag *find_diag(const bqw_dataset *ds, bqw_severity sev,
                                 const char *what) {
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (d->severity == sev && strstr(d->message, what))
      return d;
  }
  return NULL;
}

static size_t count_diags(const bqw_dataset *ds, bqw_severity sev) {
  size_t n = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++)
    n += bqw_diag_at(ds, i)->severity == sev;
  return n;
}

static void check_stats_equal(const bqw_dataset *a, const bqw_dataset *b) {
  bqw_stats x, y;
  bqw_dataset_stats(a, &x);
  bqw_dataset_stats(b, &y);
  CHECK_EQ_INT(y.provincial_documents, x.provincial_documents);
  CHECK_EQ_INT(y.provincial_measures, x.provincial_measures);
  CHECK_EQ_INT(y.city_entries, x.city_entries);
  CHECK_EQ_INT(y.city_measures, x.city_measures);
  CHECK_EQ_INT(y.guiding_documents, x.guiding_documents);
  CHECK_EQ_INT(y.targets, x.targets);
  CHECK_EQ_INT(y.meetings, x.meetings);
  CHECK_EQ_INT(y.measures, x.measures);
  CHECK_EQ_INT(y.other, x.other);
}

/* Line numbers of b are those of a mapped by line -> line * mul - (mul - 1). */
static void check_record_equal(const bqw_record *x, const bqw_record *y, unsigned mul,
                               int compare_text) {
  CHECK_EQ_INT(y->kind, x->kind);
  CHECK_EQ_INT(y->section, x->section);
  CHECK_EQ_INT(y->line, x->line * mul - (mul - 1));
  CHECK_EQ_INT(y->parent, x->parent);
  CHECK_EQ_INT(y->year, x->year);
  CHECK_EQ_INT(y->action, x->action);
  CHECK_STR(y->city, x->city);
  CHECK_STR(y->region, x->region);
  CHECK_STR(y->date, x->date);
  if (compare_text) {
    CHECK_STR(y->section_title, x->section_title);
    CHECK_STR(y->category, x->category);
    CHECK_STR(y->headline, x->headline);
    CHECK_STR(y->title, x->title);
    CHECK_STR(y->text, x->text);
  }
  if (!CHECK_EQ_INT(y->measure_count, x->measure_count))
    return;
  for (size_t k = 0; k < x->measure_count; k++) {
    CHECK_EQ_INT(y->measures[k].line, x->measures[k].line * mul - (mul - 1));
    if (compare_text)
      CHECK_STR(y->measures[k].text, x->measures[k].text);
  }
}

static void check_records_equal(const bqw_dataset *a, const bqw_dataset *b, unsigned mul,
                                int compare_text, const char *label) {
  check_context(label);
  check_stats_equal(a, b);
  if (!CHECK_EQ_INT(bqw_record_count(b), bqw_record_count(a)))
    return;
  for (size_t i = 0; i < bqw_record_count(a); i++) {
    char ctx[128];
    snprintf(ctx, sizeof ctx, "%s: record %zu", label, i);
    check_context(ctx);
    check_record_equal(bqw_record_at(a, i), bqw_record_at(b, i), mul, compare_text);
  }
  check_context(NULL);
}

static void check_meta_equal(const bqw_dataset *a, const bqw_dataset *b) {
  const bqw_meta *x = bqw_dataset_meta(a), *y = bqw_dataset_meta(b);
  CHECK_STR(y->introduction, x->introduction);
  CHECK_STR(y->byline, x->byline);
  CHECK_STR(y->credits, x->credits);
  CHECK_STR(y->source_note, x->source_note);
  CHECK_STR(y->source, x->source);
}

/* ---- the shipped digest ---- */

typedef struct city_row {
  const char *city, *region;
  bqw_action action;
  unsigned line;
  size_t measures;
} city_row;

/* In the digest's order, from data/README.digest.md and the text itself. */
static const city_row cities[] = {
    {"广州", "珠三角", BQW_ACTION_STATEMENT, 65, 1},
    {"深圳", "珠三角", BQW_ACTION_STATEMENT, 68, 1},
    {"珠海", "珠三角", BQW_ACTION_MEETING, 71, 1},
    {"汕头", "粤东", BQW_ACTION_MEETING, 74, 1},
    {"佛山", "珠三角", BQW_ACTION_ISSUE, 77, 2},
    {"韶关", "粤北", BQW_ACTION_ISSUE, 81, 2},
    {"河源", "粤北", BQW_ACTION_MEETING, 85, 2},
    {"梅州", "粤北", BQW_ACTION_MEETING, 89, 2},
    {"惠州", "珠三角", BQW_ACTION_ISSUE, 93, 2},
    {"汕尾", "粤东", BQW_ACTION_ISSUE, 97, 2},
    {"东莞", "珠三角", BQW_ACTION_ISSUE, 101, 2},
    {"中山", "珠三角", BQW_ACTION_ISSUE, 105, 1},
    {"江门", "珠三角", BQW_ACTION_ISSUE, 108, 1},
    {"阳江", "粤西", BQW_ACTION_ISSUE, 111, 1},
    {"湛江", "粤西", BQW_ACTION_ISSUE, 114, 2},
    {"茂名", "粤西", BQW_ACTION_ISSUE, 118, 1},
    {"肇庆", "珠三角", BQW_ACTION_ISSUE, 121, 2},
    {"清远", "粤北", BQW_ACTION_ISSUE, 125, 2},
    {"潮州", "粤东", BQW_ACTION_ISSUE, 129, 2},
    {"揭阳", "粤东", BQW_ACTION_MEETING, 133, 1},
    {"云浮", "粤北", BQW_ACTION_MEETING, 136, 1},
};

static const struct {
  const char *date;
  unsigned line;
} meetings[] = {
    {"2022-12-08", 149}, {"2023-01-03", 151}, {"2023-01-28", 153}, {"2023-02-13", 155},
    {"2023-02-24", 157}, {"2023-03-10", 159}, {"2023-05-18", 161}, {"2023-06-20", 163},
    {"2023-07-14", 165}, {"2023-08-03", 167},
};

static void check_digest_stats(const bqw_dataset *ds) {
  bqw_stats s;
  bqw_dataset_stats(ds, &s);
  CHECK_EQ_INT(s.provincial_documents, 21);
  CHECK_EQ_INT(s.provincial_measures, 31);
  CHECK_EQ_INT(s.city_entries, 21);
  CHECK_EQ_INT(s.city_measures, 32);
  CHECK_EQ_INT(s.guiding_documents, 1);
  CHECK_EQ_INT(s.targets, 3);
  CHECK_EQ_INT(s.meetings, 10);
  CHECK_EQ_INT(s.measures, 63);
  CHECK_EQ_INT(s.other, 0);
}

/* Kinds, cities, regions, actions, dates and years: what survives any script. */
static void check_digest_shape(const bqw_dataset *ds) {
  check_digest_stats(ds);
  if (!CHECK_EQ_INT(bqw_record_count(ds), 56))
    return;
  for (size_t i = 0; i < 21; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    CHECK_EQ_INT(r->kind, BQW_KIND_DOCUMENT);
    CHECK_EQ_INT(r->section, BQW_SECTION_PROVINCE);
    CHECK(r->title != NULL && r->category != NULL);
    CHECK(r->measure_count >= 1);
  }
  for (size_t i = 0; i < 21; i++) {
    const bqw_record *r = bqw_record_at(ds, 21 + i);
    check_context(cities[i].city);
    CHECK_EQ_INT(r->kind, BQW_KIND_CITY);
    CHECK_EQ_INT(r->section, BQW_SECTION_CITY);
    CHECK_STR(r->city, cities[i].city);
    CHECK_STR(r->region, cities[i].region);
    CHECK_EQ_INT(r->action, cities[i].action);
    CHECK_EQ_INT(r->line, cities[i].line);
    CHECK_EQ_INT(r->measure_count, cities[i].measures);
    CHECK(r->headline != NULL);
    /* An issued document has its title; the others do not. */
    CHECK_EQ_INT(r->title != NULL, cities[i].action == BQW_ACTION_ISSUE);
    CHECK_EQ_INT(r->parent, 0);
  }
  check_context(NULL);
  const bqw_record *g = bqw_record_at(ds, 42);
  CHECK_EQ_INT(g->kind, BQW_KIND_GUIDING);
  CHECK_EQ_INT(g->section, BQW_SECTION_GUIDING);
  CHECK_EQ_INT(g->line, 140);
  static const int years[] = {2025, 2027, 2035};
  for (size_t i = 0; i < 3; i++) {
    const bqw_record *r = bqw_record_at(ds, 43 + i);
    CHECK_EQ_INT(r->kind, BQW_KIND_TARGET);
    CHECK_EQ_INT(r->year, years[i]);
    CHECK_EQ_INT(r->line, 142 + 2 * i);
    CHECK_EQ_INT(r->parent, 42 + 1);
    CHECK(r->text != NULL);
    CHECK(r->date == NULL);
  }
  for (size_t i = 0; i < 10; i++) {
    const bqw_record *r = bqw_record_at(ds, 46 + i);
    CHECK_EQ_INT(r->kind, BQW_KIND_MEETING);
    CHECK_EQ_INT(r->section, BQW_SECTION_TIMELINE);
    CHECK_STR(r->date, meetings[i].date);
    CHECK_EQ_INT(r->line, meetings[i].line);
    CHECK(r->text != NULL);
    CHECK_EQ_INT(r->year, 0);
  }
}

static void test_default(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  if (!CHECK(ds != NULL))
    return;
  CHECK_EQ_INT(bqw_dataset_status(ds), 0);
  CHECK_STR(bqw_dataset_name(ds), "(embedded)/bqw-digest-2023.txt");
  check_digest_shape(ds);

  const bqw_report *rep = bqw_dataset_report(ds);
  size_t len;
  bqw_default_digest(&len);
  CHECK_EQ_INT(rep->bytes, len);
  CHECK_EQ_INT(rep->lines, DIGEST_LINES);
  CHECK_EQ_INT(rep->had_bom, 0);
  CHECK_EQ_INT(rep->had_cr, 0);
  CHECK_EQ_INT(rep->errors, 0);
  CHECK_EQ_INT(rep->warnings, 1);
  /* The one warning: the known defect of line 1; then a note at each repaired spot, at
   * its column (characters and bytes), so a quickfix list shows every one. */
  if (CHECK_EQ_INT(bqw_diag_count(ds), 7)) {
    const bqw_diag *d = bqw_diag_at(ds, 0);
    CHECK_EQ_INT(d->severity, BQW_WARNING);
    CHECK_EQ_INT(d->line, 1);
    CHECK_EQ_INT(d->col, 1);
    CHECK_CONTAINS(d->message, "known defect");
    CHECK_CONTAINS(d->message, "鄉協調發展");
    static const struct {
      unsigned line, col, byte_col;
      const char *correct;
    } notes[] = {{14, 2, 4, "實現"},
                 {83, 2, 4, "實施生態"},
                 {100, 11, 21, "對全市高質量"},
                 {110, 2, 4, "實施千億級"},
                 {115, 18, 45, "百縣千鎮"},
                 {123, 65, 133, "潛力板。"}};
    for (size_t i = 0; i < 6; i++) {
      d = bqw_diag_at(ds, i + 1);
      CHECK_EQ_INT(d->severity, BQW_NOTE);
      CHECK_EQ_INT(d->line, notes[i].line);
      CHECK_EQ_INT(d->col, notes[i].col);
      CHECK_EQ_INT(d->byte_col, notes[i].byte_col);
      CHECK_PREFIX(d->message, "repaired \"");
      CHECK_CONTAINS(d->message, notes[i].correct);
    }
  }

  const bqw_record *r = bqw_record_at(ds, 0);
  if (CHECK(r != NULL)) {
    CHECK_EQ_INT(r->kind, BQW_KIND_DOCUMENT);
    CHECK_EQ_INT(r->line, 9);
    CHECK_STR(r->section_title, "全省政策");
    CHECK_STR(r->category, "縣域發展");
    CHECK_STR(r->title, "關于推動產業有序轉移促進區域協調發展的若干措施");
    CHECK(r->city == NULL && r->headline == NULL && r->text == NULL && r->date == NULL);
    CHECK_EQ_INT(r->action, BQW_ACTION_NONE);
    if (CHECK_EQ_INT(r->measure_count, 3)) {
      CHECK_EQ_INT(r->measures[0].line, 10);
      CHECK_STR(r->measures[0].text,
                "支持粵東粵西粵北地區更好承接國內外特別是珠三角地區產業有序轉移。");
      CHECK_EQ_INT(r->measures[2].line, 12);
      CHECK_STR(r->measures[2].text, "探索多種形式雙向“飛地經濟”模式。");
    }
  }
  /* Titles keep real parentheses and lose 《》. */
  r = bqw_record_at(ds, 1);
  CHECK_STR(r->title,
            "珠三角地區與粵東粵西粵北地區對口幫扶協作工作實施方案(2023—2025年)");
  /* Categories follow the category lines. */
  static const struct {
    size_t index;
    const char *category;
  } cats[] = {{4, "縣域發展"},
              {5, "城鎮建設"},
              {8, "鄉村振興"},
              {11, "城鄉融合"},
              {20, "城鄉融合"}};
  for (size_t i = 0; i < sizeof cats / sizeof *cats; i++)
    CHECK_STR(bqw_record_at(ds, cats[i].index)->category, cats[i].category);
  CHECK_EQ_INT(bqw_record_at(ds, 5)->line, 24);
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const char *t = bqw_record_at(ds, i)->title;
    CHECK(!t || (!strstr(t, "《") && !strstr(t, "》")));
  }

  r = find_city(ds, "佛山");
  if (CHECK(r != NULL)) {
    CHECK_EQ_INT(r->action, BQW_ACTION_ISSUE);
    CHECK_STR(r->title,
              "關于貫徹落實省委“百縣千鎮萬村高質量發展工程”推進高水平城鄉區域協調"
              "發展的實施意見");
    CHECK_PREFIX(r->headline, "印發《關于貫徹落實省委");
    CHECK_STR(r->section_title, "地市政策");
    CHECK(r->category == NULL);
  }
  r = find_city(ds, "珠海");
  if (CHECK(r != NULL)) {
    CHECK_EQ_INT(r->action, BQW_ACTION_MEETING);
    CHECK_STR(r->headline, "召開全市“百縣千鎮萬村高質量發展工程”指揮部工作推進會");
    CHECK(r->title == NULL);
  }
  r = find_city(ds, "广州");
  if (CHECK(r != NULL)) {
    CHECK_EQ_INT(r->action, BQW_ACTION_STATEMENT);
    CHECK_STR(r->headline, "推動城鄉區域協調發展走在全省前列");
    CHECK(r->title == NULL);
    CHECK_STR(r->region, "珠三角");
  }
  r = find_city(ds, "韶关");
  if (CHECK(r != NULL))
    CHECK_STR(r->region, "粤北");
  CHECK(find_city(ds, "廣州") == NULL); /* cities are named in Simplified */

  const bqw_record *g = bqw_record_at(ds, 42);
  CHECK_STR(g->title,
            "中共廣東省委關于實施“百縣千鎮萬村高質量發展工程”促進城鄉區域協調發展的"
            "決定");
  CHECK_STR(g->section_title, "總體指導文件");
  CHECK_EQ_INT(g->measure_count, 0);
  const bqw_record *t = bqw_record_at(ds, 43);
  CHECK_STR(t->text,
            "城鄉融合發展體制機制基本建立,縣域經濟發展加快,新型城鎮化、鄉村振興取得"
            "新成效,突出短板弱項基本補齊,城鄉居民人均可支配收入差距進一步縮小。");
  CHECK_EQ_INT(bqw_record_at(ds, t->parent - 1)->kind, BQW_KIND_GUIDING);

  const bqw_record *m = bqw_record_at(ds, 46);
  CHECK_STR(m->text,
            "中共廣東省委十三屆二次全會召開,會議審議通過了《中共廣東省委關于實施“百縣"
            "千鎮萬村高質量發展工程”促進城鄉區域協調發展的決定》。");
  CHECK_STR(m->section_title, "“百千萬工程”重要會議一覽");
  m = bqw_record_at(ds, 55);
  CHECK_STR(m->date, "2023-08-03");
  CHECK_STR(m->text,
            "廣東省百校聯百縣助力“百縣千鎮萬村高質量發展工程”行動動員部署會舉行。");

  const bqw_meta *meta = bqw_dataset_meta(ds);
  CHECK_STR(meta->byline, "南方日報記者 陳薇 張子俊");
  CHECK_STR(meta->credits, "統籌:彭琳 高靜寧 陳丹佳 黃進");
  CHECK_STR(meta->source_note, "據不完全統計,綜合省市公開會議、新聞報道與政策文件整理");
  CHECK_STR(meta->source, "轉自南方日報");
  CHECK_PREFIX(meta->introduction, "鄉協調發展是廣東高質量發展的重要課題。今年以來,廣東以"
                                   "全省122個縣(市、區)、1609個鄉鎮(街道)");
  CHECK_SUFFIX(meta->introduction, "一場波瀾壯闊的城鄉區域協調發展行動在廣東有序展開。");
  size_t paragraphs = 1;
  for (const char *p = meta->introduction; p && *p; p++)
    paragraphs += *p == '\n';
  CHECK_EQ_INT(paragraphs, 3);

  /* Out of range and names. */
  CHECK(bqw_record_at(ds, 56) == NULL);
  CHECK(bqw_diag_at(ds, 7) == NULL);
  CHECK_STR(bqw_kind_name(BQW_KIND_CITY), "city");
  CHECK_STR(bqw_section_name(BQW_SECTION_TIMELINE), "timeline");
  CHECK_STR(bqw_action_name(BQW_ACTION_STATEMENT), "statement");
  char line[512];
  int n = bqw_diag_format(ds, bqw_diag_at(ds, 0), line, sizeof line);
  CHECK_PREFIX(line, "(embedded)/bqw-digest-2023.txt:1:1: warning: known defect");
  CHECK_EQ_INT(n, strlen(line));
  bqw_dataset_free(ds);
}

/* ---- variants ---- */

/* (a) CRLF, a BOM, trailing spaces, tabs and U+3000: the same records. */
static void test_crlf_bom(const bqw_dataset *def) {
  static const char *const tails[] = {"  ", "\xE3\x80\x80\xE3\x80\x80", "\t \xE3\x80\x80",
                                      "\xC2\xA0", ""};
  buf b = {0};
  puts_(&b, "\xEF\xBB\xBF");
  for (size_t i = 1; i <= line_count; i++) {
    put_line(&b, i);
    puts_(&b, tails[i % 5]);
    puts_(&b, "\r\n");
  }
  bqw_dataset *ds = load("crlf.txt", &b, 0);
  const bqw_report *rep = bqw_dataset_report(ds);
  CHECK_EQ_INT(rep->had_bom, 1);
  CHECK_EQ_INT(rep->had_cr, 1);
  CHECK_EQ_INT(rep->lines, DIGEST_LINES);
  CHECK_EQ_INT(rep->repairs_applied, 6);
  CHECK_EQ_INT(rep->residue_removed, bqw_dataset_report(def)->residue_removed);
  CHECK_EQ_INT(rep->warnings, 1);
  CHECK_EQ_INT(rep->errors, 0);
  check_records_equal(def, ds, 1, 1, "crlf+bom");
  check_meta_equal(def, ds);
  bqw_dataset_free(ds);
  free(b.data);
}

/* (b) A blank (or blank-looking) line after every line: the same records, each line
 * number L now 2L - 1. */
static void test_blank_lines(const bqw_dataset *def) {
  static const char *const blanks[] = {"", "   ", "\xE3\x80\x80", "\t"};
  buf b = {0};
  for (size_t i = 1; i <= line_count; i++) {
    put_line(&b, i);
    puts_(&b, "\n");
    puts_(&b, blanks[i % 4]);
    puts_(&b, "\n");
  }
  bqw_dataset *ds = load("blank.txt", &b, 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 2 * DIGEST_LINES);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 0);
  check_records_equal(def, ds, 2, 1, "blank lines");
  check_meta_equal(def, ds);
  bqw_dataset_free(ds);
  free(b.data);
}

/* A load of more than 2 MB takes the paths of a large file: blocks in huge pages, the
 * buffer copied by the kernel, the line table sized from a count of line ends. The
 * digest followed by 1.2 million empty CRLF lines (2.4 MB) gives the digest's records,
 * from a buffer and from a file alike. */
static void test_large_input(const bqw_dataset *def) {
  enum { PADDING = 1200000 };
  buf b = {0};
  for (size_t i = 1; i <= line_count; i++) {
    put_line(&b, i);
    puts_(&b, "\n");
  }
  for (size_t i = 0; i < PADDING; i++)
    puts_(&b, "\r\n");
  char path[] = "/tmp/bqw-large-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  CHECK(f && fwrite(b.data, 1, b.len, f) == b.len);
  if (f)
    fclose(f);
  bqw_dataset *from_file = NULL;
  CHECK_EQ_INT(bqw_load_file(path, &from_file), 0);
  unlink(path);
  bqw_dataset *from_buffer = load("large.txt", &b, 0);
  bqw_dataset *both[] = {from_buffer, from_file};
  for (size_t k = 0; k < 2 && from_file; k++) {
    check_context(k ? "bqw_load_file" : "bqw_load_buffer");
    const bqw_report *r = bqw_dataset_report(both[k]);
    CHECK_EQ_INT(r->bytes, b.len);
    CHECK_EQ_INT(r->lines, DIGEST_LINES + PADDING);
    CHECK_EQ_INT(r->had_cr, 1);
    CHECK_EQ_INT(r->errors, 0);
    check_records_equal(def, both[k], 1, 1, "large input");
    check_meta_equal(def, both[k]);
  }
  check_context(NULL);
  bqw_dataset_free(from_buffer);
  bqw_dataset_free(from_file);
  free(b.data);
}

/* (c) The city entries in reverse order: the same city records, fields unchanged. */
static void test_reordered_cities(const bqw_dataset *def) {
  /* Entry i runs from its city line to the line before the next entry; the last one
   * to its last measure (line 138, before 总体指导文件). */
  unsigned start[22];
  for (size_t i = 0; i < 21; i++)
    start[i] = bqw_record_at(def, 21 + i)->line;
  const bqw_record *last = bqw_record_at(def, 41);
  start[21] = last->measures[last->measure_count - 1].line + 1;
  CHECK_EQ_INT(start[0], 65);
  CHECK_EQ_INT(start[21], 139);

  buf b = {0};
  for (size_t i = 1; i < start[0]; i++) {
    put_line(&b, i);
    puts_(&b, "\n");
  }
  unsigned new_start[21];
  unsigned next_line = start[0];
  for (size_t e = 21; e-- > 0;) {
    new_start[e] = next_line;
    for (unsigned i = start[e]; i < start[e + 1]; i++) {
      put_line(&b, i);
      puts_(&b, "\n");
      next_line++;
    }
  }
  CHECK_EQ_INT(next_line, 139);
  for (size_t i = start[21]; i <= line_count; i++) {
    put_line(&b, i);
    if (i < line_count)
      puts_(&b, "\n");
  }
  CHECK_EQ_INT(b.len, lines[line_count].p + lines[line_count].len - lines[1].p);

  bqw_dataset *ds = load("reversed.txt", &b, 0);
  check_stats_equal(def, ds);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 1);
  if (CHECK_EQ_INT(bqw_record_count(ds), 56)) {
    for (size_t e = 0; e < 21; e++) {
      const bqw_record *x = bqw_record_at(def, 21 + e);
      const bqw_record *y = bqw_record_at(ds, 21 + 20 - e); /* reversed */
      check_context(x->city);
      CHECK_STR(y->city, x->city);
      CHECK_STR(y->region, x->region);
      CHECK_STR(y->headline, x->headline);
      CHECK_STR(y->title, x->title);
      CHECK_EQ_INT(y->action, x->action);
      CHECK_EQ_INT(y->line, new_start[e]);
      if (CHECK_EQ_INT(y->measure_count, x->measure_count))
        for (size_t k = 0; k < x->measure_count; k++) {
          CHECK_STR(y->measures[k].text, x->measures[k].text);
          CHECK_EQ_INT(y->measures[k].line - y->line, x->measures[k].line - x->line);
        }
      CHECK(find_city(ds, x->city) == y);
    }
    check_context(NULL);
    /* Everything outside the city section is untouched. */
    for (size_t i = 0; i < 56; i++)
      if (i < 21 || i > 41)
        check_record_equal(bqw_record_at(def, i), bqw_record_at(ds, i), 1, 1);
  }
  CHECK_STR(bqw_record_at(ds, 21)->city, "云浮");
  CHECK_STR(bqw_record_at(ds, 41)->city, "广州");
  bqw_dataset_free(ds);
  free(b.data);
}

/* (d) The Simplified fixture (tests/fixtures/make-simplified.sh): same structure. */
static void test_simplified(const bqw_dataset *def) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_file(SIMPLIFIED, &ds), 0);
  if (!CHECK(ds != NULL))
    return;
  CHECK_STR(bqw_dataset_name(ds), SIMPLIFIED);
  check_digest_shape(ds);
  check_records_equal(def, ds, 1, 0, "simplified");
  const bqw_report *rep = bqw_dataset_report(ds);
  CHECK_EQ_INT(rep->lines, DIGEST_LINES);
  CHECK_EQ_INT(rep->residue_removed, 0); /* the script stripped them all */
  CHECK_EQ_INT(rep->errors, 0);
  /* The known defect (in its Simplified form) and the six unmatched repairs. */
  CHECK_EQ_INT(rep->warnings, 7);
  const bqw_diag *d = find_diag(ds, BQW_WARNING, "known defect");
  if (CHECK(d != NULL))
    CHECK_EQ_INT(d->line, 1);
  const bqw_record *r = bqw_record_at(ds, 0);
  CHECK_STR(r->category, "县域发展");
  CHECK_STR(r->title, "关于推动产业有序转移促进区域协调发展的若干措施");
  CHECK_STR(r->section_title, "全省政策");
  r = find_city(ds, "佛山");
  if (CHECK(r != NULL))
    CHECK_STR(r->title,
              "关于贯彻落实省委“百县千镇万村高质量发展工程”推进高水平城乡区域协调"
              "发展的实施意见");
  r = find_city(ds, "湛江");
  if (CHECK(r != NULL))
    CHECK_CONTAINS(r->headline, "百县千镇万村");
  CHECK_STR(bqw_record_at(ds, 42)->section_title, "总体指导文件");
  const bqw_meta *m = bqw_dataset_meta(ds);
  CHECK_STR(m->byline, "南方日报记者 陈薇 张子俊");
  CHECK_STR(m->source, "转自南方日报");
  CHECK_STR(m->credits, "统筹:彭琳 高静宁 陈丹佳 黄进");
  bqw_dataset_free(ds);
}

/* (e) Truncated files. */
static void test_truncated(const bqw_dataset *def) {
  /* Cut after line 100 (its line end dropped too). */
  buf b = {0};
  put(&b, lines[1].p, (size_t)(lines[100].p + lines[100].len - lines[1].p));
  bqw_dataset *ds = load("cut100.txt", &b, 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 100);
  size_t before = 0;
  while (before < bqw_record_count(def) && bqw_record_at(def, before)->line <= 100)
    before++;
  CHECK_EQ_INT(before, 31); /* 21 documents and 10 cities, 汕尾 the last */
  if (CHECK_EQ_INT(bqw_record_count(ds), before))
    for (size_t i = 0; i < before; i++)
      check_record_equal(bqw_record_at(def, i), bqw_record_at(ds, i), 1, 1);
  static const char *const missing[] = {
      "no guiding document (总体指导文件) section found; is the file truncated?",
      "no meeting timeline (重要会议一览) section found; is the file truncated?",
      "no source line (转自…) found at the end; is the file truncated?"};
  for (size_t i = 0; i < 3; i++) {
    check_context(missing[i]);
    const bqw_diag *d = find_diag(ds, BQW_WARNING, missing[i]);
    if (CHECK(d != NULL))
      CHECK_EQ_INT(d->line, 100);
  }
  check_context(NULL);
  CHECK(find_diag(ds, BQW_WARNING, "no provincial policies") == NULL);
  CHECK(find_diag(ds, BQW_WARNING, "no city policies") == NULL);
  CHECK_EQ_INT(count_diags(ds, BQW_ERROR), 0);
  CHECK(bqw_dataset_meta(ds)->source == NULL);
  bqw_dataset_free(ds);

  /* Cut inside a character: line 116 is "◎把縣域…"; keep ◎ and two of 把's three
   * bytes (E6 8A). */
  b.len = 0;
  put(&b, lines[1].p, (size_t)(lines[116].p + 5 - lines[1].p));
  CHECK_EQ_INT((unsigned char)b.data[b.len - 2], 0xE6);
  CHECK_EQ_INT((unsigned char)b.data[b.len - 1], 0x8A);
  ds = load("cut-mid.txt", &b, BQW_EENCODING);
  CHECK_EQ_INT(bqw_dataset_status(ds), BQW_EENCODING);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 116);
  CHECK_EQ_INT(count_diags(ds, BQW_ERROR), 1);
  const bqw_diag *e = find_diag(ds, BQW_ERROR, "truncated");
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, 116);
    CHECK_EQ_INT(e->col, 2);
    CHECK_CONTAINS(e->message, "lead byte 0xE6 announces 3 bytes, the file ends after 2");
  }
  before = 0;
  while (before < bqw_record_count(def) && bqw_record_at(def, before)->line < 114)
    before++;
  CHECK_EQ_INT(before, 35);
  if (CHECK_EQ_INT(bqw_record_count(ds), before + 1)) {
    for (size_t i = 0; i < before; i++)
      check_record_equal(bqw_record_at(def, i), bqw_record_at(ds, i), 1, 1);
    const bqw_record *r = bqw_record_at(ds, before); /* 湛江, cut in its measure */
    CHECK_STR(r->city, "湛江");
    CHECK_STR(r->headline, bqw_record_at(def, before)->headline);
    if (CHECK_EQ_INT(r->measure_count, 1))
      CHECK_STR(r->measures[0].text, REPLACEMENT);
  }
  CHECK(find_diag(ds, BQW_WARNING, "no guiding document") != NULL);
  CHECK(find_diag(ds, BQW_WARNING, "no source line") != NULL);
  bqw_dataset_free(ds);
  free(b.data);
}

/* (f) 0xFF injected at line 50, after "◎到2025年,城鄉(xiāng)": byte 28 of the line,
 * character (column) 18. */
static void test_invalid_byte(const bqw_dataset *def) {
  static const char before_ff[] = "◎到2025年,城鄉(xiāng)";
  CHECK_EQ_INT(sizeof before_ff - 1, 28);
  CHECK(lines[50].len > 28 && !memcmp(lines[50].p, before_ff, 28));
  buf b = {0};
  put(&b, lines[1].p, (size_t)(lines[50].p + 28 - lines[1].p));
  puts_(&b, "\xFF");
  size_t len;
  const char *d = (const char *)bqw_default_digest(&len);
  put(&b, lines[50].p + 28, (size_t)(d + len - (lines[50].p + 28)));
  bqw_dataset *ds = load("ff.txt", &b, BQW_EENCODING);
  CHECK_EQ_INT(bqw_dataset_status(ds), BQW_EENCODING);
  CHECK_EQ_INT(count_diags(ds, BQW_ERROR), 1);
  const bqw_diag *e = find_diag(ds, BQW_ERROR, "0xFF");
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, 50);
    CHECK_EQ_INT(e->col, 18);
    CHECK_EQ_INT(e->byte_col, 29);
    CHECK_CONTAINS(e->message, "never occurs");
    char text[512];
    bqw_diag_format(ds, e, text, sizeof text);
    CHECK_PREFIX(text, "ff.txt:50:29: error: invalid UTF-8: byte 0xFF");
  }
  /* Every record is still there; only that measure differs, with U+FFFD. */
  check_records_equal(def, ds, 1, 0, "0xFF at 50:18");
  for (size_t i = 0; i < bqw_record_count(def) && i < bqw_record_count(ds); i++) {
    const bqw_record *x = bqw_record_at(def, i), *y = bqw_record_at(ds, i);
    CHECK_STR(y->title, x->title);
    for (size_t k = 0; k < x->measure_count && k < y->measure_count; k++)
      if (x->measures[k].line == 50)
        CHECK_PREFIX(y->measures[k].text, "到2025年,城鄉" REPLACEMENT "教育資源均衡配置");
      else
        CHECK_STR(y->measures[k].text, x->measures[k].text);
  }
  CHECK_EQ_INT(bqw_dataset_report(ds)->residue_removed,
               bqw_dataset_report(def)->residue_removed);
  bqw_dataset_free(ds);
  free(b.data);
}

/* (g) An unknown section heading and a sentence under it, inserted before line
 * `at`: an `other` record and a warning; the rest is unchanged. */
static void test_unknown_section(const bqw_dataset *def, unsigned at,
                                 bqw_section prev_section) {
  char label[64];
  snprintf(label, sizeof label, "unknown section before line %u", at);
  check_context(label);
  buf b = {0};
  for (size_t i = 1; i <= line_count; i++) {
    if (i == at)
      puts_(&b, "新增政策\n這是一條新的句子。\n");
    put_line(&b, i);
    if (i < line_count)
      puts_(&b, "\n");
  }
  bqw_dataset *ds = load("unknown.txt", &b, 0);
  bqw_stats s;
  bqw_dataset_stats(ds, &s);
  CHECK_EQ_INT(s.other, 1);
  CHECK_EQ_INT(s.provincial_documents, 21);
  CHECK_EQ_INT(s.city_entries, 21);
  CHECK_EQ_INT(s.measures, 63);
  CHECK_EQ_INT(s.targets, 3);
  CHECK_EQ_INT(s.meetings, 10);
  const bqw_record *o = NULL;
  size_t oi = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    if (bqw_record_at(ds, i)->kind == BQW_KIND_OTHER) {
      o = bqw_record_at(ds, i);
      oi = i;
    }
  if (CHECK(o != NULL)) {
    CHECK_EQ_INT(o->line, at);
    CHECK_EQ_INT(o->section, BQW_SECTION_OTHER);
    CHECK_STR(o->section_title, "新增政策");
    CHECK_STR(o->title, "新增政策");
    CHECK_STR(o->text, "這是一條新的句子。");
    CHECK_EQ_INT(o->measure_count, 0);
    CHECK_EQ_INT(bqw_record_at(ds, oi - 1)->section, prev_section);
  }
  const bqw_diag *d = find_diag(ds, BQW_WARNING, "unknown section");
  if (CHECK(d != NULL)) {
    CHECK_EQ_INT(d->line, at);
    CHECK_CONTAINS(d->message, "新增政策");
  }
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 2);
  /* The records around it are those of the digest, shifted by two lines after it. */
  for (size_t i = 0, j = 0; i < bqw_record_count(def); i++, j++) {
    if (j == oi)
      j++;
    const bqw_record *x = bqw_record_at(def, i), *y = bqw_record_at(ds, j);
    if (!y)
      break;
    CHECK_EQ_INT(y->kind, x->kind);
    CHECK_EQ_INT(y->line, x->line + (x->line >= at ? 2 : 0));
    CHECK_STR(y->title, x->title);
    CHECK_STR(y->text, x->text);
    CHECK_EQ_INT(y->parent, x->parent ? x->parent + (x->parent > oi ? 1 : 0) : 0);
  }
  CHECK_STR(bqw_dataset_meta(ds)->source, "轉自南方日報");
  check_context(NULL);
  bqw_dataset_free(ds);
  free(b.data);
}

/* (h) The parser recovers: an unknown line at any place of the digest is kept and
 * parsing resumes, so every record the digest has is still there, with its measures.
 * (Only what an inserted line can stand for is not compared: a category, when the
 * line sits right over a document; a city's headline and title, when it sits right
 * under the city's name; a text or a measure it joins.) */
static void test_insert_everywhere(const bqw_dataset *def) {
  static const char *const inserted[] = {
      "縣級政策補充說明",                              /* reads like a heading */
      "這是一行未知的說明文字,不屬於任何已知的結構。", /* prose */
      "●縣域商業體系建設",                             /* a bullet without 《》 */
  };
  for (size_t v = 0; v < sizeof inserted / sizeof *inserted; v++)
    for (size_t at = 1; at <= line_count + 1; at++) {
      char label[96];
      snprintf(label, sizeof label, "variant %zu inserted before line %zu", v, at);
      check_context(label);
      buf b = {0};
      for (size_t i = 1; i <= line_count + 1; i++) {
        if (i == at) {
          puts_(&b, inserted[v]);
          puts_(&b, "\n");
        }
        if (i <= line_count) {
          put_line(&b, i);
          puts_(&b, "\n");
        }
      }
      bqw_dataset *ds = load("insert.txt", &b, 0);
      size_t j = 0, n = bqw_record_count(ds);
      for (size_t i = 0; i < bqw_record_count(def); i++, j++) {
        while (j < n && bqw_record_at(ds, j)->kind == BQW_KIND_OTHER)
          j++;
        if (!CHECK(j < n))
          break;
        const bqw_record *x = bqw_record_at(def, i), *y = bqw_record_at(ds, j);
        CHECK_EQ_INT(y->kind, x->kind);
        CHECK_EQ_INT(y->line, x->line + (x->line >= at ? 1 : 0));
        CHECK_STR(y->city, x->city);
        CHECK_STR(y->region, x->region);
        CHECK_EQ_INT(y->year, x->year);
        CHECK_STR(y->date, x->date);
        if (x->kind != BQW_KIND_CITY)
          CHECK_STR(y->title, x->title);
        if (CHECK_EQ_INT(y->measure_count, x->measure_count))
          for (size_t k = 0; k < x->measure_count; k++) {
            /* prose right under a measure continues it (issue 20): joined, noted */
            if (v == 1 && x->measures[k].line + 1 == at) {
              CHECK_PREFIX(y->measures[k].text, x->measures[k].text);
              CHECK(strlen(y->measures[k].text) ==
                    strlen(x->measures[k].text) + strlen(inserted[v]));
              CHECK(find_diag(ds, BQW_NOTE, "continues the ◎ measure") != NULL);
            } else {
              CHECK_STR(y->measures[k].text, x->measures[k].text);
            }
          }
      }
      while (j < n && bqw_record_at(ds, j)->kind == BQW_KIND_OTHER)
        j++;
      CHECK_EQ_INT(j, n);
      CHECK_EQ_INT(count_diags(ds, BQW_ERROR), 0);
      bqw_dataset_free(ds);
      free(b.data);
    }
  check_context(NULL);
}

/* (i) A county entry (a name the gazetteer lacks, a headline, ◎ measures) in the city
 * section: a city entry without a region, warned; the 21 city entries after and around
 * it keep theirs (it used to turn them into one `other` record). */
static void test_county_entry(const bqw_dataset *def) {
  buf b = {0};
  for (size_t i = 1; i <= line_count; i++) {
    if (i == 68) /* before 深圳, after 廣州's measure */
      puts_(&b, "惠東縣\n印發《惠東縣推進鎮村發展實施方案》\n◎加快縣城擴容提質。\n"
                "◎推動鎮村聯動發展。\n");
    put_line(&b, i);
    puts_(&b, "\n");
  }
  bqw_dataset *ds = load("county.txt", &b, 0);
  bqw_stats s, d;
  bqw_dataset_stats(ds, &s);
  bqw_dataset_stats(def, &d);
  CHECK_EQ_INT(s.city_entries, d.city_entries + 1);
  CHECK_EQ_INT(s.city_measures, d.city_measures + 2);
  CHECK_EQ_INT(s.other, 0);
  const bqw_record *r = find_city(ds, "惠東縣");
  if (CHECK(r != NULL)) {
    CHECK(r->region == NULL);
    CHECK_EQ_INT(r->line, 68);
    CHECK_STR(r->title, "惠東縣推進鎮村發展實施方案");
    CHECK_EQ_INT(r->measure_count, 2);
  }
  const bqw_diag *w = find_diag(ds, BQW_WARNING, "not a city of the gazetteer");
  if (CHECK(w != NULL))
    CHECK_EQ_INT(w->line, 68);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 2); /* that, and the known defect */
  r = find_city(ds, "深圳");
  if (CHECK(r != NULL))
    CHECK_STR(r->region, "珠三角");
  bqw_dataset_free(ds);
  free(b.data);
}

/* (j) A later digest of the same shape (tests/fixtures/digest-novel.txt): a new
 * category with a document, a document without measures, a county, a 2030 target and
 * an eleventh meeting. Everything parses; each novelty is said once. */
static void test_novel_digest(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_file(BQW_SOURCE_DIR "/tests/fixtures/digest-novel.txt", &ds), 0);
  if (!CHECK(ds != NULL))
    return;
  bqw_stats s;
  bqw_dataset_stats(ds, &s);
  CHECK_EQ_INT(s.provincial_documents, 23);
  CHECK_EQ_INT(s.provincial_measures, 32);
  CHECK_EQ_INT(s.city_entries, 22);
  CHECK_EQ_INT(s.city_measures, 34);
  CHECK_EQ_INT(s.targets, 4);
  CHECK_EQ_INT(s.meetings, 11);
  CHECK_EQ_INT(s.other, 0);
  static const struct {
    bqw_severity sev;
    unsigned line;
    const char *what;
  } said[] = {
      {BQW_WARNING, 1, "known defect"},
      {BQW_NOTE, 64, "category heading \"數字經濟\" is not in data/structure.tsv"},
      {BQW_WARNING, 67, "document has no ◎ measures"},
      {BQW_WARNING, 72, "\"惠東縣\" is not a city of the gazetteer"}};
  size_t notes = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++)
    notes += bqw_diag_at(ds, i)->severity == BQW_NOTE;
  CHECK_EQ_INT(notes, 7); /* the new category and the six repairs */
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 3);
  for (size_t i = 0; i < sizeof said / sizeof *said; i++) {
    check_context(said[i].what);
    const bqw_diag *d = find_diag(ds, said[i].sev, said[i].what);
    if (CHECK(d != NULL))
      CHECK_EQ_INT(d->line, said[i].line);
  }
  check_context(NULL);
  size_t n = bqw_record_count(ds);
  const bqw_record *last = bqw_record_at(ds, n - 1);
  CHECK_STR(last->date, "2023-09-01");
  for (size_t i = 0; i < n; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    if (r->kind == BQW_KIND_TARGET && r->year == 2030)
      CHECK_STR(r->text, "城鄉區域發展更加協調,縣域綜合實力明顯增強。");
    if (r->kind == BQW_KIND_DOCUMENT && r->line == 65)
      CHECK_STR(r->category, "數字經濟");
  }
  bqw_dataset_free(ds);
}

/* (k) An unrecognised line between a category heading and its first document is an
 * `other` record, warned; the category stays the heading's. */
static void test_line_under_category(void) {
  static const char text[] =
      "全省政策\n縣域發展\n這是一行不明的文字。\n●《甲方案》\n◎措施一。\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("cat.txt", text, sizeof text - 1, &ds), 0);
  if (CHECK_EQ_INT(bqw_record_count(ds), 2)) {
    CHECK_EQ_INT(bqw_record_at(ds, 0)->kind, BQW_KIND_OTHER);
    CHECK_STR(bqw_record_at(ds, 0)->text, "這是一行不明的文字。");
    CHECK_STR(bqw_record_at(ds, 1)->category, "縣域發展");
  }
  const bqw_diag *d = find_diag(ds, BQW_WARNING, "line not recognised");
  if (CHECK(d != NULL))
    CHECK_EQ_INT(d->line, 3);
  bqw_dataset_free(ds);
  /* a short line there reads like a heading, and is not the category either */
  static const char heading[] = "全省政策\n縣域發展\n補充說明\n●《甲方案》\n◎措施一。\n";
  CHECK_EQ_INT(bqw_load_buffer("cat.txt", heading, sizeof heading - 1, &ds), 0);
  if (CHECK_EQ_INT(bqw_record_count(ds), 2)) {
    CHECK_EQ_INT(bqw_record_at(ds, 0)->kind, BQW_KIND_OTHER);
    CHECK_STR(bqw_record_at(ds, 1)->category, "縣域發展");
    CHECK_EQ_INT(bqw_record_at(ds, 1)->measure_count, 1);
  }
  bqw_dataset_free(ds);
}

static void test_file_errors(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_file(BQW_SOURCE_DIR "/tests/fixtures/no-such-file.txt", &ds),
               BQW_EIO);
  if (CHECK(ds != NULL)) {
    CHECK_EQ_INT(bqw_dataset_status(ds), BQW_EIO);
    CHECK_EQ_INT(bqw_record_count(ds), 0);
    const bqw_diag *d = find_diag(ds, BQW_ERROR, "cannot read file");
    CHECK(d != NULL);
  }
  bqw_dataset_free(ds);
  CHECK_EQ_INT(bqw_load_file(NULL, &ds), BQW_EINVAL);
}

int main(void) {
  split_digest();
  CHECK_EQ_INT(line_count, DIGEST_LINES);
  test_default();
  bqw_dataset *def = NULL;
  if (bqw_load_default(&def) != 0 || !def) {
    fprintf(stderr, "the digest does not load\n");
    bqw_dataset_free(def);
    return 1;
  }
  test_crlf_bom(def);
  test_blank_lines(def);
  test_large_input(def);
  test_reordered_cities(def);
  test_simplified(def);
  test_truncated(def);
  test_invalid_byte(def);
  test_unknown_section(def, 139, BQW_SECTION_CITY);
  test_unknown_section(def, 169, BQW_SECTION_TIMELINE);
  test_insert_everywhere(def);
  test_county_entry(def);
  test_novel_digest();
  test_line_under_category();
  test_file_errors();
  bqw_dataset_free(def);
  return check_report("test_parser");
}
