/*
 * test_convert.c -- bqw_convert against OpenCC itself, the reference.
 *
 *   usage: test_convert overrides
 *          test_convert file FILE...      every line of each file
 *          test_convert dicts GEN_DIR     every key of OpenCC's four dictionaries (dumped
 *                                         at build time), alone and run together, and a
 *                                         list of tricky phrases
 *
 * Simplified ("hans") must be OpenCC t2s.json byte for byte, except where a curated
 * override (data/convert-overrides.tsv) applies; Traditional ("hant") must be OpenCC's
 * t2s then s2t byte for byte. The expected Simplified is OpenCC's output with the
 * overrides' corrections written over it: guards first protected, then each correction's
 * OpenCC spelling replaced by the correct one.
 */
#include "bqw.h"
#include "check.h"

#include <opencc/opencc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct override_line {
  char phrase[64], opencc[64], correct[64];
} override_line;

static override_line overrides[64];
static size_t override_count;
static opencc_t t2s, s2t;
static size_t lines_checked, lines_overridden;

static void read_overrides(void) {
  FILE *f = fopen(BQW_SOURCE_DIR "/data/convert-overrides.tsv", "r");
  CHECK(f != NULL);
  if (!f)
    return;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    override_line *o = &overrides[override_count];
    CHECK(sscanf(line, "%63[^\t]\t%63[^\t]\t%63[^\t]\t", o->phrase, o->opencc,
                 o->correct) == 3);
    override_count++;
  }
  fclose(f);
  CHECK(override_count > 0);
}

/* s with every `from` replaced by `to` (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to) {
  size_t fl = strlen(from), tl = strlen(to), n = 0;
  for (const char *p = s; (p = strstr(p, from)); p += fl)
    n++;
  char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *o = out;
  for (const char *p = s;;) {
    const char *hit = strstr(p, from);
    if (!hit) {
      strcpy(o, p);
      break;
    }
    memcpy(o, p, (size_t)(hit - p));
    o += hit - p;
    memcpy(o, to, tl);
    o += tl;
    p = hit + fl;
  }
  return out;
}

/* OpenCC's t2s with the overrides applied over it. */
static char *expected_hans(const char *line, size_t len) {
  char *cc = opencc_convert_utf8(t2s, line, len);
  char *s = strdup(cc);
  opencc_convert_utf8_free(cc);
  char mark[32];
  for (size_t i = 0; i < override_count; i++) /* guards: kept as OpenCC writes them */
    if (!strcmp(overrides[i].opencc, overrides[i].correct)) {
      snprintf(mark, sizeof mark, "\x01%zu\x02", i);
      char *t = replace_all(s, overrides[i].opencc, mark);
      free(s);
      s = t;
    }
  for (size_t i = 0; i < override_count; i++)
    if (strcmp(overrides[i].opencc, overrides[i].correct)) {
      char *t = replace_all(s, overrides[i].opencc, overrides[i].correct);
      free(s);
      s = t;
    }
  for (size_t i = 0; i < override_count; i++)
    if (!strcmp(overrides[i].opencc, overrides[i].correct)) {
      snprintf(mark, sizeof mark, "\x01%zu\x02", i);
      char *t = replace_all(s, mark, overrides[i].correct);
      free(s);
      s = t;
    }
  return s;
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
    check_line(line, strlen(line), path);
    check_line(joined, strlen(joined), path);
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
  /* the digest's own cases, which OpenCC gets wrong */
  const char *in = "著力推進，向著更高水平，面向著名企業";
  char *out = NULL;
  CHECK_EQ_INT(bqw_convert(in, strlen(in), BQW_SCRIPT_HANS, &out, NULL), 0);
  CHECK_STR(out, "着力推进，向着更高水平，面向著名企业");
  bqw_free(out);
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
    fprintf(stderr, "usage: %s overrides | file FILE... | dicts GEN_DIR\n", argv[0]);
    return 2;
  }
  printf("%zu lines compared with OpenCC, %zu with an override applied\n", lines_checked,
         lines_overridden);
  opencc_close(t2s);
  opencc_close(s2t);
  return check_report(name);
}
