/*
 * test_code.c -- policy-text coding (core/code.c): the automaton against a naive
 * matcher written here (every pattern folded and compared at every place) on random
 * codebooks and texts mixing scripts, widths and cases; exact byte and character
 * spans; exclude vetoes; strict codebook parsing with compiler-style positions; and
 * the codings of the embedded digest by the shipped codebooks (a hand-checked measure,
 * code= with parents against the codings themselves, facets).
 *
 *   usage: test_code CASE
 */
#include "bqw.h"
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static bqw_codebook *book(const char *tsv) {
  bqw_codebook *cb = NULL;
  bqw_codebook_error err;
  CHECK_EQ_INT(bqw_codebook_new(&cb), 0);
  int rc = bqw_codebook_add(cb, "t.tsv", tsv, strlen(tsv), &err);
  if (!CHECK_EQ_INT(rc, 0))
    fprintf(stderr, "  t.tsv:%u:%u: %s\n", err.line, err.col, err.message);
  return cb;
}

/* ---- the automaton against the naive matcher ---------------------------------- */

/* Characters in pairs of one fold: Traditional / Simplified, full-width / ASCII, upper
 * / lower case, and a few that fold to themselves. */
static const char *const alphabet[] = {"乡", "鄉", "村", "振", "興", "兴", "a",
                                       "A",  "Ａ", "b",  "ｂ", "B",  "发", "發",
                                       "展", "县", "縣", "域", " ",  "、"};
#define NALPHA (sizeof alphabet / sizeof *alphabet)

static size_t random_text(char *out, size_t chars) {
  size_t n = 0;
  for (size_t i = 0; i < chars; i++) {
    const char *c = alphabet[next_rand() % NALPHA];
    size_t k = strlen(c);
    memcpy(out + n, c, k);
    n += k;
  }
  out[n] = '\0';
  return n;
}

typedef struct hit {
  uint32_t code, exclude, start, end, cs, ce;
} hit;

static int cmp_hit(const void *x, const void *y) {
  const hit *a = x, *b = y;
  if (a->ce != b->ce)
    return a->ce < b->ce ? -1 : 1;
  if (a->cs != b->cs)
    return a->cs < b->cs ? -1 : 1;
  if (a->code != b->code)
    return a->code < b->code ? -1 : 1;
  return (int)a->exclude - (int)b->exclude;
}

/* Every occurrence of every pattern of cb in text, found by folding each pattern and
 * comparing it at each character: the oracle. */
static size_t naive(const bqw_codebook *cb, const char *text, size_t len, hit *out,
                    size_t max) {
  int32_t *cp = malloc((len + 1) * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  size_t n = bqw_fold(text, len, cp, at), count = 0;
  for (size_t c = 0; c < bqw_codebook_count(cb); c++) {
    const bqw_code_info *ci = bqw_codebook_code(cb, c);
    for (int ex = 0; ex < 2; ex++) {
      size_t np = ex ? ci->exclude_count : ci->pattern_count;
      for (size_t p = 0; p < np; p++) {
        const char *pat = ex ? ci->excludes[p] : ci->patterns[p];
        size_t pl = strlen(pat);
        int32_t *pc = malloc((pl + 1) * sizeof *pc);
        uint32_t *pa = malloc((pl + 1) * sizeof *pa);
        size_t m = bqw_fold(pat, pl, pc, pa);
        for (size_t i = 0; m && i + m <= n; i++)
          if (!memcmp(cp + i, pc, m * sizeof *pc) && count < max)
            out[count++] = (hit){(uint32_t)c, (uint32_t)ex, at[i],
                                 at[i + m],   (uint32_t)i,  (uint32_t)(i + m)};
        free(pc);
        free(pa);
      }
    }
  }
  free(cp);
  free(at);
  return count;
}

static void random_codebook(char *tsv, size_t size) {
  size_t used = (size_t)snprintf(tsv, size, "code\tlabel\tpatterns\texclude\n");
  size_t codes = 1 + next_rand() % 6;
  for (size_t c = 0; c < codes; c++) {
    used += (size_t)snprintf(tsv + used, size - used, "c%zu\tL\t", c);
    for (int ex = 0; ex < 2; ex++) {
      size_t pats = ex ? next_rand() % 2 : 1 + next_rand() % 4;
      for (size_t p = 0; p < pats; p++) {
        char pat[64];
        size_t pl;
        do
          pl = random_text(pat, 1 + next_rand() % 4);
        while (pat[0] == ' ' || pat[pl - 1] == ' '); /* cells are trimmed */
        used += (size_t)snprintf(tsv + used, size - used, "%s%s", p ? "|" : "", pat);
      }
      used += (size_t)snprintf(tsv + used, size - used, ex ? "\n" : "\t");
    }
  }
}

static void oracle(void) {
  enum { MAX = 20000 };
  hit *got = malloc(MAX * sizeof *got), *want = malloc(MAX * sizeof *want);
  bqw_code_match *m = malloc(MAX * sizeof *m);
  size_t texts = 0, hits = 0;
  for (int round = 0; round < 300; round++) {
    char tsv[4096], text[2048];
    random_codebook(tsv, sizeof tsv);
    bqw_codebook *cb = NULL;
    bqw_codebook_error err;
    bqw_codebook_new(&cb);
    if (bqw_codebook_add(cb, "r.tsv", tsv, strlen(tsv), &err) != 0) {
      /* a random codebook may repeat a code's fold: never here (c0, c1, …) */
      CHECK(!"random codebook refused");
      fprintf(stderr, "  %s\n%s\n", err.message, tsv);
      bqw_codebook_free(cb);
      continue;
    }
    for (int t = 0; t < 20; t++) {
      size_t len = random_text(text, next_rand() % 200);
      size_t n = bqw_codebook_scan(cb, text, len, m, MAX);
      size_t w = naive(cb, text, len, want, MAX);
      CHECK_EQ_INT((long long)n, (long long)w);
      for (size_t i = 0; i < n && i < MAX; i++)
        got[i] = (hit){m[i].code, (uint32_t)m[i].exclude, m[i].start,
                       m[i].end,  m[i].char_start,        m[i].char_end};
      /* the automaton's pattern of a hit is its code's; compare as multisets */
      qsort(got, n < MAX ? n : MAX, sizeof *got, cmp_hit);
      qsort(want, w, sizeof *want, cmp_hit);
      bool same = n == w && !memcmp(got, want, n * sizeof *got);
      if (!CHECK(same))
        fprintf(stderr, "  codebook:\n%s  text: %s\n", tsv, text);
      texts++;
      hits += n;
    }
    bqw_codebook_free(cb);
  }
  CHECK(hits > 1000); /* the inputs did exercise the matcher */
  fprintf(stderr, "  %zu texts, %zu hits\n", texts, hits);
  free(got);
  free(want);
  free(m);
}

/* ---- spans, folding, exclusion ------------------------------------------------ */

static void spans(void) {
  bqw_codebook *cb = book("code\tlabel\tpatterns\n"
                          "乡村振兴\tRural\t乡村振兴\n"
                          "abc\tLatin\tabc\n");
  /* Traditional text, Simplified pattern: 5 characters (15 bytes) before the match */
  const char *t = "廣東省推進鄉村振興和ＡＢＣ";
  bqw_code_match m[8];
  size_t n = bqw_codebook_scan(cb, t, strlen(t), m, 8);
  CHECK_EQ_INT((long long)n, 2);
  CHECK_EQ_INT(m[0].code, 0);
  CHECK_EQ_INT(m[0].char_start, 5);
  CHECK_EQ_INT(m[0].char_end, 9);
  CHECK_EQ_INT(m[0].start, 15);
  CHECK_EQ_INT(m[0].end, 27);
  /* full-width upper case matches ASCII lower case: 3 characters of 3 bytes */
  CHECK_EQ_INT(m[1].code, 1);
  CHECK_EQ_INT(m[1].char_start, 10);
  CHECK_EQ_INT(m[1].start, 30);
  CHECK_EQ_INT(m[1].end, 39);
  bqw_codebook_free(cb);
}

static void exclude(void) {
  /* exclusion through a dataset: a tiny digest whose measure has both */
  const char *digest = "全省政策\n"
                       "县域发展\n"
                       "●《关于标准的意见》\n"
                       "◎推进标准化建设,执行用地标准。\n";
  bqw_dataset *ds = NULL;
  bqw_load_buffer("x.txt", digest, strlen(digest), &ds);
  CHECK(ds && bqw_record_count(ds) >= 1);
  bqw_codebook *cb = book("code\tlabel\tpatterns\texclude\n"
                          "标准\tStandards\t标准\t标准化\n");
  bqw_dataset_set_codebook(ds, cb);
  bqw_codebook_free(cb); /* the dataset holds its own */
  const bqw_coding *c;
  size_t n;
  CHECK_EQ_INT(bqw_dataset_codings(ds, &c, &n), 0);
  if (CHECK_EQ_INT((long long)n, 1)) {
    const char *text = bqw_coding_text(ds, &c[0]);
    CHECK(text && !strncmp(text + c[0].start, "标准。", 6));
    CHECK_EQ_INT(c[0].char_start, 12);
    CHECK_EQ_INT(c[0].measure, 1);
    CHECK_EQ_INT(c[0].line, 4);
  }
  bqw_dataset_free(ds);
}

static void unit_codes(void) {
  const char *digest = "全省政策\n"
                       "县域发展\n"
                       "●《关于标准的意见》\n"
                       "◎推进标准化建设,执行用地标准。\n";
  bqw_dataset *ds = NULL;
  bqw_load_buffer("x.txt", digest, strlen(digest), &ds);
  CHECK(ds && bqw_record_count(ds) >= 1);
  const char *const *names = NULL;
  size_t n = 9;
  /* without a codebook: none */
  CHECK_EQ_INT(bqw_dataset_unit_codes(ds, 0, 1, &names, &n), 0);
  CHECK_EQ_INT((long long)n, 0);
  CHECK(bqw_dataset_codings_ready(ds)); /* no codebook: nothing to compute */
  bqw_codebook *cb = book("code\tlabel\tpatterns\tparent\n"
                          "工具\tTools\t\t\n"
                          "建设\tBuilding\t建设\t工具\n"
                          "标准\tStandards\t标准\t工具\n");
  bqw_dataset_set_codebook(ds, cb);
  bqw_codebook_free(cb);
  CHECK(!bqw_dataset_codings_ready(ds)); /* computed on first use, not yet */
  /* the measure: its codes and their parent once, in codebook order */
  CHECK_EQ_INT(bqw_dataset_unit_codes(ds, 0, 1, &names, &n), 0);
  CHECK(bqw_dataset_codings_ready(ds));
  if (CHECK_EQ_INT((long long)n, 3)) {
    CHECK_STR(names[0], "工具");
    CHECK_STR(names[1], "建设");
    CHECK_STR(names[2], "标准");
  }
  /* the record's text alone has none (the record row's code has its measure's) */
  CHECK_EQ_INT(bqw_dataset_unit_codes(ds, 0, 0, &names, &n), 0);
  CHECK_EQ_INT((long long)n, 0);
  CHECK_EQ_INT(bqw_dataset_unit_codes(ds, 0, 2, &names, &n), BQW_ERANGE);
  CHECK_EQ_INT(bqw_dataset_unit_codes(ds, 99, 0, &names, &n), BQW_ERANGE);
  CHECK_EQ_INT(bqw_dataset_unit_codes(NULL, 0, 0, &names, &n), BQW_EINVAL);
  /* one record's codings: its slice of them all */
  const bqw_coding *all, *mine;
  size_t total, count;
  CHECK_EQ_INT(bqw_dataset_codings(ds, &all, &total), 0);
  CHECK_EQ_INT(bqw_dataset_record_codings(ds, 0, NULL, &mine, &count), 0);
  CHECK_EQ_INT((long long)count, (long long)total);
  CHECK_EQ_INT((long long)total, 3); /* 建设 once, 标准 twice: 标准化 and 用地标准 */
  CHECK_EQ_INT(bqw_dataset_record_codings(ds, 5, NULL, &mine, &count), 0);
  CHECK_EQ_INT((long long)count, 0);
  bqw_dataset_free(ds);
}

/* ---- parsing ------------------------------------------------------------------ */

static void parse_errors(void) {
  static const struct {
    const char *tsv;
    unsigned line, col;
    const char *message;
  } cases[] = {
      {"code\tlabel\tpatterns\tcolour\n", 1, 21, "unknown column \"colour\""},
      {"code\tlabel\n", 1, 1, "no \"patterns\" column"},
      {"# only a comment\n", 1, 1, "no header"},
      {"code\tlabel\tpatterns\na\tA\tx\nA\tB\ty\n", 3, 1, "duplicate code A"},
      {"code\tlabel\tpatterns\n乡村\tA\tx\n鄉村\tB\ty\n", 3, 1, "duplicate code 鄉村"},
      {"code\tlabel\tpatterns\tparent\na\tA\tx\tzz\n", 2, 7, "unknown parent zz"},
      {"code\tlabel\tpatterns\tparent\na\tA\tx\tb\nb\tB\ty\ta\n", 2, 1, "parent cycle"},
      {"code\tlabel\tpatterns\na\tA\tx||y\n", 2, 7, "empty pattern"},
      {"code\tlabel\tpatterns\na\tA\tx|\n", 2, 7, "empty pattern"},
      {"code\tlabel\tpatterns\n乡\tA\t\xff\n", 2, 5, "invalid UTF-8"},
      {"code\tlabel\tpatterns\na\tA\tx\ty\n", 2, 7, "more fields"},
      {"code\tlabel\tpatterns\n\tA\tx\n", 2, 1, "empty code"},
      {"code\tlabel\tpatterns\na\t\tx\n", 2, 3, "empty label"},
      {"code\tlabel\tpatterns\na\tA\t\n", 2, 1, "no patterns and no child"},
      {"code\tcode\tpatterns\n", 1, 6, "given twice"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "case %zu", i);
    check_context(ctx);
    bqw_codebook *cb = NULL;
    bqw_codebook_new(&cb);
    bqw_codebook_error err;
    int rc = bqw_codebook_add(cb, "bad.tsv", cases[i].tsv, strlen(cases[i].tsv), &err);
    CHECK_EQ_INT(rc, BQW_EINVAL);
    CHECK_EQ_INT(err.line, cases[i].line);
    CHECK_EQ_INT(err.col, cases[i].col);
    CHECK_CONTAINS(err.message, cases[i].message);
    CHECK_EQ_INT((long long)bqw_codebook_count(cb), 0); /* all or nothing */
    char buf[700];
    bqw_codebook_error_format("bad.tsv", &err, buf, sizeof buf);
    CHECK_PREFIX(buf, "bad.tsv:");
    CHECK_CONTAINS(buf, ": error: ");
    bqw_codebook_free(cb);
  }
  check_context(NULL);
  /* a parent in a file added before; a duplicate across files */
  bqw_codebook *cb = book("code\tlabel\tpatterns\ntop\tTop\tx\n");
  bqw_codebook_error err;
  const char *second = "code\tlabel\tpatterns\tparent\nsub\tSub\ty\ttop\n";
  CHECK_EQ_INT(bqw_codebook_add(cb, "b.tsv", second, strlen(second), &err), 0);
  CHECK_EQ_INT(bqw_codebook_code(cb, 1)->parent, 0);
  CHECK_EQ_INT(bqw_codebook_code(cb, 1)->depth, 1);
  CHECK_EQ_INT(bqw_codebook_add(cb, "c.tsv", second, strlen(second), &err), BQW_EINVAL);
  CHECK_CONTAINS(err.message, "first defined at b.tsv:2");
  CHECK_EQ_INT((long long)bqw_codebook_count(cb), 2);
  CHECK_EQ_INT(bqw_codebook_find(cb, "SUB", 3), 1);
  bqw_codebook_free(cb);
}

/* ---- the digest and the shipped codebooks ------------------------------------- */

static bqw_dataset *coded_digest(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  bqw_codebook *cb = NULL;
  bqw_codebook_new(&cb);
  const char *names[] = {"codebook-policy-tools", "codebook-themes"};
  for (int i = 0; i < 2; i++) {
    size_t len;
    const char *t = bqw_fact_table(names[i], &len);
    bqw_codebook_error err;
    CHECK(t != NULL);
    if (!CHECK_EQ_INT(bqw_codebook_add(cb, names[i], t, len, &err), 0))
      fprintf(stderr, "  %s:%u:%u: %s\n", names[i], err.line, err.col, err.message);
  }
  bqw_dataset_set_codebook(ds, cb);
  bqw_codebook_free(cb);
  return ds;
}

/* Every record's codings (bqw_dataset_record_codings) are its own and, together, all. */
static void record_slices(bqw_dataset *ds) {
  const bqw_coding *all, *mine;
  size_t total, count, sum = 0;
  CHECK_EQ_INT(bqw_dataset_codings(ds, &all, &total), 0);
  for (size_t r = 0; r < bqw_record_count(ds); r++) {
    CHECK_EQ_INT(bqw_dataset_record_codings(ds, r, NULL, &mine, &count), 0);
    for (size_t i = 0; i < count; i++)
      CHECK_EQ_INT(mine[i].record, (long long)r);
    if (count)
      CHECK(mine == all + sum);
    sum += count;
  }
  CHECK_EQ_INT((long long)sum, (long long)total);
  CHECK(total > 100);
}

static long count_rows(bqw_dataset *ds, const char *expr, int measure_shape) {
  bqw_query *q = NULL;
  bqw_query_error err;
  bqw_query_options o = {.measure_shape = measure_shape};
  if (bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err) != 0) {
    fprintf(stderr, "  %s: %s\n", expr, err.message);
    return -1;
  }
  long n = 0;
  for (size_t r = 0; r < bqw_record_count(ds); r++) {
    const bqw_record *rec = bqw_record_at(ds, r);
    if (!measure_shape || !rec->measure_count)
      n += bqw_query_match(q, r, 0) == 1;
    else
      for (size_t m = 1; m <= rec->measure_count; m++)
        n += bqw_query_match(q, r, m) == 1;
  }
  bqw_query_free(q);
  return n;
}

static void digest(void) {
  bqw_dataset *ds = coded_digest();
  const bqw_coding *c;
  size_t n;
  CHECK_EQ_INT(bqw_dataset_codings(ds, &c, &n), 0);
  CHECK(n > 100);
  record_slices(ds);
  const bqw_codebook *cb = bqw_dataset_codebook(ds);
  /* hand-checked: the first measure (line 10) 支持粤东粤西粤北地区更好承接国内外特别是
   * 珠三角地区产业有序转移, published in Traditional: 区域协调 at 粵東粵西粵北 */
  CHECK_EQ_INT(c[0].record, 0);
  CHECK_EQ_INT(c[0].measure, 1);
  CHECK_EQ_INT(c[0].line, 10);
  CHECK_STR(bqw_codebook_code(cb, c[0].code)->code, "区域协调");
  CHECK_EQ_INT(c[0].char_start, 2);
  CHECK_EQ_INT(c[0].char_end, 8);
  const char *t = bqw_coding_text(ds, &c[0]);
  CHECK(!strncmp(t + c[0].start, "粵東粵西粵北", c[0].end - c[0].start));
  /* every coding's span, folded, is one of its code's patterns, folded */
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    const char *s = bqw_coding_text(ds, &c[i]) + c[i].start;
    size_t len = c[i].end - c[i].start;
    int32_t a[256], b[256];
    uint32_t at[257];
    size_t na = len < 256 ? bqw_fold(s, len, a, at) : 0;
    bool found = false;
    const bqw_code_info *ci = bqw_codebook_code(cb, c[i].code);
    for (size_t p = 0; p < ci->pattern_count && !found; p++) {
      size_t pl = strlen(ci->patterns[p]);
      size_t nb = pl < 256 ? bqw_fold(ci->patterns[p], pl, b, at) : 0;
      found = na == nb && !memcmp(a, b, na * sizeof *a);
    }
    bad += !found || c[i].char_end - c[i].char_start != na;
  }
  CHECK_EQ_INT((long long)bad, 0);
  /* code= with a parent: the measures holding a coding of any of its children */
  int supply = bqw_codebook_find(cb, "供给型", strlen("供给型"));
  CHECK(supply >= 0);
  long want = 0;
  for (size_t r = 0; r < bqw_record_count(ds); r++) {
    const bqw_record *rec = bqw_record_at(ds, r);
    /* a row is a measure, or a record without any (its prose) */
    for (size_t m = rec->measure_count ? 1 : 0; m <= rec->measure_count; m++) {
      bool has = false;
      for (size_t i = 0; i < n && !has; i++)
        has = c[i].record == r && c[i].measure == m &&
              bqw_codebook_code(cb, c[i].code)->parent == supply;
      want += has;
    }
  }
  CHECK(want > 0);
  CHECK_EQ_INT(count_rows(ds, "code=供给型", 1), want);
  CHECK_EQ_INT(count_rows(ds, "code=供給型", 1), want); /* folded */
  CHECK_EQ_INT(count_rows(ds, "code=供给型 and not code=供给型", 1), 0);
  CHECK_EQ_INT(count_rows(ds, "code=供给", 1), -1); /* closed: did-you-mean */
  /* the facet counts records under each code, parents included */
  bqw_facet *f = NULL;
  CHECK_EQ_INT(bqw_facet_count(ds, NULL, 0, BQW_F_CODE, BQW_F_REGION, &f), 0);
  bool parent_seen = false;
  for (size_t i = 0; f && i < f->count; i++)
    parent_seen = parent_seen || !strcmp(f->values[i], "供给型");
  CHECK(parent_seen);
  for (size_t i = 0; f && i < f->count; i++)
    if (!strcmp(f->values[i], "供给型"))
      CHECK_EQ_INT((long long)f->records[i], count_rows(ds, "code=供给型", 0));
  bqw_facet_free(f);
  bqw_dataset_free(ds);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"oracle", oracle},         {"spans", spans},        {"exclude", exclude},
      {"unit_codes", unit_codes}, {"parse", parse_errors}, {"digest", digest},
  };
  return CHECK_RUN_CASES(argc, argv, cases);
}
