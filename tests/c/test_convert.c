/*
 * test_convert.c -- bqw_convert against OpenCC itself, the reference.
 *
 *   usage: test_convert [--every N] overrides
 *          test_convert [--every N] file FILE...
 *              every line of each file
 *          test_convert [--every N] dicts GEN_DIR
 *              every key of OpenCC's four dictionaries (dumped at build time), alone
 *              and run together, and a list of tricky phrases
 *   --every N compares every Nth line or key only (the sanitizer build: the comparison
 *   itself is the gcc build's; under ASan each line's paths matter, not all of them).
 *
 * Simplified ("hans") must be OpenCC t2s.json byte for byte, except where a curated
 * override (data/convert-overrides.tsv, data/convert-zhe.tsv) applies; Traditional
 * ("hant") must be OpenCC's t2s then s2t byte for byte. The expected Simplified is an
 * independent reference: OpenCC's output, then the overrides by maximum match from the
 * left over it (each override's OpenCC spelling, longest first at each position, replaced
 * by its correct spelling; a guard's spellings are equal, so it only takes its span).
 */
#include "bqw.h"
#include "check.h"
#include "internal.h" /* convert_changes */

#include <opencc/opencc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct override_line {
  char phrase[64], opencc[64], correct[64];
} override_line;

static override_line *overrides; /* sorted by opencc for the reference's lookups */
static size_t override_count, override_cap;
static opencc_t t2s, s2t;
static size_t lines_checked, lines_overridden;
static size_t every = 1; /* --every N */

static void read_overrides_file(const char *path) {
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f)
    return;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (override_count == override_cap) {
      override_cap = override_cap ? override_cap * 2 : 256;
      overrides = realloc(overrides, override_cap * sizeof *overrides);
    }
    override_line *o = &overrides[override_count];
    CHECK(sscanf(line, "%63[^\t]\t%63[^\t]\t%63[^\t]\t", o->phrase, o->opencc,
                 o->correct) == 3);
    override_count++;
  }
  fclose(f);
}

static int by_opencc(const void *a, const void *b) {
  return strcmp(((const override_line *)a)->opencc, ((const override_line *)b)->opencc);
}

static void read_overrides(void) {
  read_overrides_file(BQW_SOURCE_DIR "/data/convert-overrides.tsv");
  size_t curated = override_count;
  read_overrides_file(BQW_SOURCE_DIR "/data/convert-zhe.tsv");
  CHECK(curated > 0 && override_count > curated);
  qsort(overrides, override_count, sizeof *overrides, by_opencc);
}

/* The override whose OpenCC spelling is exactly s[0..n), or NULL. */
static const override_line *override_for(const char *s, size_t n) {
  char key[64];
  if (n >= sizeof key)
    return NULL;
  memcpy(key, s, n);
  key[n] = 0;
  size_t lo = 0, hi = override_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(overrides[mid].opencc, key);
    if (!c)
      return &overrides[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* Bytes of the UTF-8 character starting with byte c (1 for anything else). */
static size_t char_bytes(unsigned char c) {
  return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* OpenCC's t2s with the overrides applied over it, by maximum match from the left. */
static char *expected_hans(const char *line, size_t len) {
  char *cc = opencc_convert_utf8(t2s, line, len);
  size_t n = strlen(cc);
  char *out = malloc(n + 1), *o = out; /* overrides keep lengths: 着 and 著 are 3 bytes */
  for (size_t i = 0; i < n;) {
    const override_line *best = NULL;
    size_t end = i;
    for (int chars = 0; chars < 8 && end < n; chars++) {
      end += char_bytes((unsigned char)cc[end]);
      if (end > n)
        break;
      const override_line *hit = override_for(cc + i, end - i);
      if (hit)
        best = hit;
    }
    if (best) {
      size_t k = strlen(best->correct);
      CHECK_EQ_INT(k, strlen(best->opencc));
      memcpy(o, best->correct, k);
      o += k;
      i += strlen(best->opencc);
    } else {
      size_t k = char_bytes((unsigned char)cc[i]);
      memcpy(o, cc + i, k);
      o += k;
      i += k;
    }
  }
  *o = 0;
  opencc_convert_utf8_free(cc);
  return out;
}

static void check_line(const char *line, size_t len, const char *where) {
  char *hans = NULL, *hant = NULL;
  size_t hans_len = 0;
  CHECK_EQ_INT(bqw_convert(line, len, BQW_SCRIPT_HANS, &hans, &hans_len), 0);
  CHECK_EQ_INT(bqw_convert(line, len, BQW_SCRIPT_HANT, &hant, NULL), 0);
  char *want = expected_hans(line, len);
  char *plain = opencc_convert_utf8(t2s, line, len);
  char *want_hant = opencc_convert_utf8(s2t, plain, strlen(plain));
  if (hans && strcmp(hans, want)) {
    check_context(where);
    fprintf(stderr, "input: %.*s\n", (int)len, line);
  }
  CHECK_STR(hans, want);
  CHECK_EQ_INT(hans_len, strlen(want));
  if (hant && strcmp(hant, want_hant)) {
    check_context(where);
    fprintf(stderr, "input: %.*s\n", (int)len, line);
  }
  CHECK_STR(hant, want_hant);
  /* whether a text converts to other bytes, told without converting it whole */
  if (hans && hant) {
    int hans_changes = hans_len != len || memcmp(hans, line, len) != 0;
    int hant_changes = strlen(hant) != len || memcmp(hant, line, len) != 0;
    if (convert_changes(line, len, BQW_SCRIPT_HANS) != hans_changes ||
        convert_changes(line, len, BQW_SCRIPT_HANT) != hant_changes) {
      check_context(where);
      fprintf(stderr, "input: %.*s\n", (int)len, line);
    }
    CHECK_EQ_INT(convert_changes(line, len, BQW_SCRIPT_HANS), hans_changes);
    CHECK_EQ_INT(convert_changes(line, len, BQW_SCRIPT_HANT), hant_changes);
  }
  check_context(NULL);
  lines_checked++;
  lines_overridden += hans && strcmp(hans, plain) != 0;
  opencc_convert_utf8_free(plain);
  opencc_convert_utf8_free(want_hant);
  free(want);
  bqw_free(hans);
  bqw_free(hant);
}

static void check_file(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (!f)
    return;
  char *line = NULL;
  size_t cap = 0, n = 0;
  ssize_t len;
  char where[300];
  while ((len = getline(&line, &cap, f)) > 0) {
    n++;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      len--;
    if (n % every)
      continue;
    snprintf(where, sizeof where, "%s:%zu", path, n);
    check_line(line, (size_t)len, where);
  }
  free(line);
  fclose(f);
}

/* Every key of a dumped dictionary alone, and each with the next two run together (so
 * phrases meet their neighbours as in running text). */
static void check_dict(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.txt", dir, name);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f)
    return;
  char line[4096], prev[2][512] = {"", ""};
  size_t n = 0;
  while (fgets(line, sizeof line, f)) {
    char *tab = strchr(line, '\t');
    if (!tab)
      continue;
    *tab = 0;
    char joined[8192];
    snprintf(joined, sizeof joined, "%s%s%s", prev[0], prev[1], line);
    snprintf(path, sizeof path, "%s key %zu", name, ++n);
    if (n % every == 0) {
      check_line(line, strlen(line), path);
      check_line(joined, strlen(joined), path);
    }
    snprintf(prev[0], sizeof prev[0], "%s", prev[1]);
    snprintf(prev[1], sizeof prev[1], "%s", line);
  }
  fclose(f);
}

static void dicts(const char *dir) {
  static const char *const tricky[] = {"著力推進",
                                       "向著更高水平",
                                       "面向著名企業",
                                       "顯著力量",
                                       "顯著重要",
                                       "隨著力度加大",
                                       "沿著朝著本著",
                                       "瞭解情況",
                                       "摸查瞭解困難羣眾",
                                       "著名",
                                       "土著",
                                       "著作權",
                                       "了解",
                                       "ＧＤＰ增長5.3%，鄉村振興",
                                       "a著力b",
                                       "著",
                                       "力",
                                       "𠮶𡃁",
                                       "乾隆乾燥乾杯",
                                       "後來的皇后",
                                       "頭髮發展",
                                       "回流",
                                       "一隻隻",
                                       "  鄉村  ",
                                       "\t制度\r",
                                       "",
                                       "中華人民共和國國務院辦公廳",
                                       "萬里長城",
                                       "於是",
                                       "瞭望台",
                                       "著著"};
  for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++)
    check_line(tricky[i], strlen(tricky[i]), "tricky");
  check_dict(dir, "TSPhrases");
  check_dict(dir, "TSCharacters");
  check_dict(dir, "STPhrases");
  check_dict(dir, "STCharacters");
}

/* Each override's second column is what OpenCC writes, its third what bqw writes. */
static void check_overrides(void) {
  for (size_t i = 0; i < override_count; i++) {
    char *cc = opencc_convert_utf8(t2s, overrides[i].phrase, strlen(overrides[i].phrase));
    check_context(overrides[i].phrase);
    CHECK_STR(cc, overrides[i].opencc);
    opencc_convert_utf8_free(cc);
    char *out = NULL;
    CHECK_EQ_INT(bqw_convert(overrides[i].phrase, strlen(overrides[i].phrase),
                             BQW_SCRIPT_HANS, &out, NULL),
                 0);
    CHECK_STR(out, overrides[i].correct);
    bqw_free(out);
  }
  check_context(NULL);
  /* convert_changes: what bqw_convert fails on, and texts either script keeps or not */
  CHECK_EQ_INT(convert_changes("a\0b", 3, BQW_SCRIPT_HANS), -1);
  CHECK_EQ_INT(convert_changes("發\xff", 4, BQW_SCRIPT_HANT), -1);
  CHECK_EQ_INT(convert_changes("", 0, BQW_SCRIPT_HANT), 0);
  CHECK_EQ_INT(convert_changes("abc", 3, BQW_SCRIPT_HANS), 0);
  CHECK_EQ_INT(convert_changes("發展", strlen("發展"), BQW_SCRIPT_HANS), 1);
  CHECK_EQ_INT(convert_changes("發展", strlen("發展"), BQW_SCRIPT_HANT), 0);
  CHECK_EQ_INT(convert_changes("发展", strlen("发展"), BQW_SCRIPT_HANT), 1);
  CHECK_EQ_INT(convert_changes("发展", strlen("发展"), BQW_SCRIPT_HANS), 0);
  /* the digest's own cases, which OpenCC gets wrong */
  const char *in = "著力推進，向著更高水平，面向著名企業";
  char *out = NULL;
  CHECK_EQ_INT(bqw_convert(in, strlen(in), BQW_SCRIPT_HANS, &out, NULL), 0);
  CHECK_STR(out, "着力推进，向着更高水平，面向著名企业");
  bqw_free(out);
  /* issue 20: a keep-word (土著, 編著, 名著, 原著) starts first and wins over 著力/著重;
   * a 着-word ending in 著 does not eat the 著 of a following 著名 */
  const char *phrases[][2] = {
      {"土著力量", "土著力量"},
      {"編著力求", "编著力求"},
      {"名著重印", "名著重印"},
      {"原著重現", "原著重现"},
      {"看著窗外", "看着窗外"},
      {"意味著重大", "意味着重大"},
      {"有著名的品牌", "有著名的品牌"},
      {"有著重要意義", "有着重要意义"},
      {"睡不著", "睡不着"},
      {"著陸", "着陆"},
  };
  for (size_t i = 0; i < sizeof phrases / sizeof *phrases; i++) {
    CHECK_EQ_INT(
        bqw_convert(phrases[i][0], strlen(phrases[i][0]), BQW_SCRIPT_HANS, &out, NULL),
        0);
    check_context(phrases[i][0]);
    CHECK_STR(out, phrases[i][1]);
    bqw_free(out);
  }
  check_context(NULL);
  /* invalid input is refused, not passed on */
  CHECK_EQ_INT(bqw_convert("a\xE4\xB8", 3, BQW_SCRIPT_HANS, &out, NULL), BQW_EENCODING);
  CHECK_EQ_INT(bqw_convert("a\0b", 3, BQW_SCRIPT_HANT, &out, NULL), BQW_EENCODING);
  CHECK_EQ_INT(bqw_convert("", 0, BQW_SCRIPT_HANT, &out, NULL), 0);
  CHECK_STR(out, "");
  bqw_free(out);
}

int main(int argc, char **argv) {
  t2s = opencc_open("t2s.json");
  s2t = opencc_open("s2t.json");
  if (t2s == (opencc_t)-1 || s2t == (opencc_t)-1) {
    fprintf(stderr, "test_convert: OpenCC: %s\n", opencc_error());
    return 1;
  }
  read_overrides();
  if (argc > 2 && !strcmp(argv[1], "--every")) {
    char *end;
    long n = strtol(argv[2], &end, 10);
    if (*end || n < 1) {
      fprintf(stderr, "test_convert: --every needs a whole number from 1\n");
      return 2;
    }
    every = (size_t)n;
    argc -= 2;
    argv += 2;
  }
  const char *name = argc > 1 ? argv[1] : "";
  if (!strcmp(name, "overrides")) {
    check_overrides();
  } else if (!strcmp(name, "file") && argc > 2) {
    for (int i = 2; i < argc; i++)
      check_file(argv[i]);
    CHECK(lines_checked > 0);
  } else if (!strcmp(name, "dicts") && argc == 3) {
    dicts(argv[2]);
  } else {
    fprintf(stderr, "usage: %s [--every N] overrides | file FILE... | dicts GEN_DIR\n",
            argv[0]);
    return 2;
  }
  printf("%zu lines compared with OpenCC, %zu with an override applied\n", lines_checked,
         lines_overridden);
  opencc_close(t2s);
  opencc_close(s2t);
  free(overrides);
  return check_report(name);
}
