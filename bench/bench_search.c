/*
 * bench_search.c -- search benchmark for libbqw: the full-text index beside ripgrep and
 * SQLite FTS5 (trigram) and LIKE over the same rows, in the same run; OpenCC conversion
 * throughput beside the opencc CLI.
 *
 *   bench_search gen N OUT [--seed S]
 *       writes N measures, one a line, recombined from the digest's measures (see
 *       bench/README.md, "Search benchmark"). Deterministic: its own LCG, no clock.
 *   bench_search run CORPUS [--queries N] [--verify N|all] [--peers N] [--builds N]
 *                           [--phrase N] [--no-peers] [--no-convert] [--db-dir DIR]
 *       builds the index over the lines of CORPUS (each line a document), times queries
 *       of 1, 2, 4 and 8 characters in Simplified and Traditional, checks counts against
 *       a brute-force scan of the folded corpus, and runs the peers.
 *
 * Exit status: 0, 1 when a verified count differs from the brute-force count (or a
 * call fails), 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "bqw.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

extern char **environ;

#define MIB (1024.0 * 1024.0)
#define NLEN 4
static const int lengths[NLEN] = {1, 2, 4, 8};
static const char *const script_names[2] = {"hans", "hant"};

/* ---- small helpers ---------------------------------------------------------------- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "bench_search: out of memory\n");
    exit(1);
  }
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    fprintf(stderr, "bench_search: out of memory\n");
    exit(1);
  }
  return p;
}

/* A growable byte buffer. */
typedef struct buf {
  char *p;
  size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap)
      cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void buf_adds(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* Decodes one UTF-8 character; an invalid byte decodes as U+FFFD, length 1. */
static size_t decode(const unsigned char *s, size_t n, int32_t *cp) {
  utf8proc_int32_t c;
  utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)(n < 4 ? n : 4), &c);
  if (k <= 0) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = c;
  return (size_t)k;
}

static size_t encode(int32_t cp, char *out) {
  return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
}

static bool is_space(int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 ||
         cp == 0xA0;
}

/* Converts with bqw_convert into a malloc'd copy; exits on failure. */
static char *convert(const char *s, size_t len, bqw_script script, size_t *out_len) {
  char *out;
  size_t n;
  int rc = bqw_convert(s, len, script, &out, &n);
  if (rc) {
    fprintf(stderr, "bench_search: bqw_convert: %s\n", bqw_strerror(rc));
    exit(1);
  }
  char *copy = xmalloc(n + 1);
  memcpy(copy, out, n + 1);
  bqw_free(out);
  if (out_len)
    *out_len = n;
  return copy;
}

/* The generator's random numbers: a 64-bit LCG (Knuth's MMIX constants). */
static uint64_t rng_state;
static uint32_t rng(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}
static uint32_t rng_below(uint32_t n) { return n ? rng() % n : 0; }

/* ---- gen: the corpus -------------------------------------------------------------- */

/* A clause of a measure, without its closing delimiter, in both scripts. */
typedef struct clause {
  char *text[2]; /* [0] Simplified (OpenCC t2s), [1] Traditional as published */
  size_t len[2];
} clause;

static bool is_delim(int32_t cp) {
  return cp == 0xFF0C /* ， */ || cp == ',' || cp == ';' || cp == 0xFF1B /* ； */ ||
         cp == 0x3001 /* 、 */ || cp == 0x3002 /* 。 */;
}

/* Writes text with every run of ASCII digits replaced by a random number of as many
 * digits (no leading zero unless one digit); full-width forms ASCII when wide. */
static void emit_varied(buf *out, const char *s, size_t n, bool wide) {
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if (c >= '0' && c <= '9') {
      size_t j = i;
      while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
      for (size_t k = i; k < j; k++) {
        int d = (int)rng_below(10);
        if (k == i && j - i > 1 && d == 0)
          d = 1 + (int)rng_below(9);
        char u[4];
        if (wide) {
          buf_add(out, u, encode(0xFF10 + d, u));
        } else {
          u[0] = (char)('0' + d);
          buf_add(out, u, 1);
        }
      }
      i = j;
    } else if (wide && c > 0x20 && c < 0x7F) {
      char u[4];
      buf_add(out, u, encode(0xFF01 + (c - 0x21), u));
      i++;
    } else {
      buf_add(out, s + i, 1);
      i++;
    }
  }
}

static int cmd_gen(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_search gen N OUT [--seed S]\n");
    return 2;
  }
  long count = strtol(argv[0], NULL, 10);
  const char *path = argv[1];
  rng_state = 20231208;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      rng_state = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "bench_search gen: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (count <= 0)
    return 2;

  bqw_dataset *ds = NULL;
  int rc = bqw_load_default(&ds);
  if (rc) {
    fprintf(stderr, "bench_search: bqw_load_default: %s\n", bqw_strerror(rc));
    return 1;
  }
  clause *clauses = NULL;
  size_t nclauses = 0, cap = 0, nmeasures = 0;
  for (size_t r = 0; r < bqw_record_count(ds); r++) {
    const bqw_record *rec = bqw_record_at(ds, r);
    for (size_t m = 0; m < rec->measure_count; m++) {
      const char *t = rec->measures[m].text;
      size_t n = strlen(t), start = 0;
      nmeasures++;
      for (size_t i = 0; i <= n;) {
        int32_t cp = 0;
        size_t k = i < n ? decode((const unsigned char *)t + i, n - i, &cp) : 1;
        if (i == n || is_delim(cp)) {
          if (i > start) {
            if (nclauses == cap) {
              cap = cap ? cap * 2 : 64;
              clauses = xrealloc(clauses, cap * sizeof *clauses);
            }
            clause *c = &clauses[nclauses++];
            c->len[1] = i - start;
            c->text[1] = xmalloc(c->len[1] + 1);
            memcpy(c->text[1], t + start, c->len[1]);
            c->text[1][c->len[1]] = 0;
            c->text[0] = convert(c->text[1], c->len[1], BQW_SCRIPT_HANS, &c->len[0]);
          }
          start = i + k;
        }
        i += k;
      }
    }
  }
  bqw_dataset_free(ds);

  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "bench_search: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  static const char *const joins[] = {"，", "，", "，", "；", "、", ","};
  static const char *const ascii[] = {"GDP", "gdp", "5G", "AI", "App", "APP", "Wi-Fi"};
  buf line = {0};
  size_t bytes = 0, hans = 0, wide = 0, latin = 0;
  for (long i = 0; i < count; i++) {
    line.len = 0;
    int script = rng_below(100) < 20 ? 0 : 1; /* 20% Simplified */
    bool w = rng_below(100) < 5;              /* 5% full-width ASCII */
    bool a = rng_below(100) < 5;              /* 5% with an ASCII token */
    uint32_t k = 1 + rng_below(4);
    uint32_t at = rng_below(k);
    for (uint32_t j = 0; j < k; j++) {
      if (j)
        buf_adds(&line, joins[rng_below(sizeof joins / sizeof *joins)]);
      if (a && j == at) {
        const char *tok = ascii[rng_below(sizeof ascii / sizeof *ascii)];
        emit_varied(&line, tok, strlen(tok), w);
      }
      const clause *c = &clauses[rng_below((uint32_t)nclauses)];
      emit_varied(&line, c->text[script], c->len[script], w);
    }
    buf_adds(&line, "。\n");
    fwrite(line.p, 1, line.len, f);
    bytes += line.len;
    hans += script == 0;
    wide += w;
    latin += a;
  }
  if (fclose(f)) {
    fprintf(stderr, "bench_search: cannot write %s\n", path);
    return 1;
  }
  printf("gen: %ld measures, %zu bytes (%.1f MB) from %zu measures split into %zu "
         "clauses; %zu Simplified, %zu full-width, %zu with ASCII tokens\n",
         count, bytes, (double)bytes / MIB, nmeasures, nclauses, hans, wide, latin);
  for (size_t i = 0; i < nclauses; i++) {
    free(clauses[i].text[0]);
    free(clauses[i].text[1]);
  }
  free(clauses);
  free(line.p);
  return 0;
}

/* ---- run: the corpus in memory ---------------------------------------------------- */

typedef struct corpus {
  char *data;
  size_t size;
  size_t lines;
  size_t *start, *len; /* each line, '\n' excluded */
  size_t text_bytes;
} corpus;

static int read_file(const char *path, char **data, size_t *size) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    fprintf(stderr, "bench_search: cannot read %s: %s\n", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  char *d = xmalloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, d + got, (size_t)st.st_size - got);
    if (n <= 0) {
      fprintf(stderr, "bench_search: read %s failed\n", path);
      close(fd);
      free(d);
      return -1;
    }
    got += (size_t)n;
  }
  close(fd);
  d[got] = 0;
  *data = d;
  *size = got;
  return 0;
}

static void split_lines(corpus *c) {
  size_t cap = 1024;
  c->start = xmalloc(cap * sizeof *c->start);
  c->len = xmalloc(cap * sizeof *c->len);
  c->lines = 0;
  c->text_bytes = 0;
  for (size_t i = 0; i < c->size;) {
    const char *nl = memchr(c->data + i, '\n', c->size - i);
    size_t end = nl ? (size_t)(nl - c->data) : c->size;
    if (c->lines == cap) {
      cap *= 2;
      c->start = xrealloc(c->start, cap * sizeof *c->start);
      c->len = xrealloc(c->len, cap * sizeof *c->len);
    }
    c->start[c->lines] = i;
    c->len[c->lines] = end - i;
    c->text_bytes += end - i;
    c->lines++;
    i = end + 1;
  }
}

/* ---- the brute-force reference ---------------------------------------------------- */

/* The per-character fold, computed independently of the core's table: OpenCC t2s of the
 * character alone (through bqw_convert), full-width ASCII to ASCII, then lower case. */
static int32_t *fold_map; /* 0: not computed yet */

static int32_t fold_cp(int32_t cp) {
  if (cp < 0 || cp >= 0x110000)
    return cp;
  if (fold_map[cp])
    return fold_map[cp] - 1;
  int32_t to = cp;
  if (cp >= 0x2E80) {
    char u[4];
    size_t n = encode(cp, u), m;
    char *s = convert(u, n, BQW_SCRIPT_HANS, &m);
    int32_t c2;
    if (m && decode((const unsigned char *)s, m, &c2) == m)
      to = c2;
    free(s);
  }
  if (to >= 0xFF01 && to <= 0xFF5E)
    to -= 0xFEE0;
  if (to == 0x3000)
    to = ' ';
  to = utf8proc_tolower(to);
  fold_map[cp] = to + 1;
  return to;
}

/* Width and case only (for text already converted to Simplified by phrases). */
static int32_t fold_width_case(int32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E)
    cp -= 0xFEE0;
  if (cp == 0x3000)
    cp = ' ';
  return utf8proc_tolower(cp);
}

static void fold_into(buf *out, const char *s, size_t n, int32_t (*f)(int32_t)) {
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = decode((const unsigned char *)s + i, n - i, &cp);
    if (cp == '\n') {
      buf_add(out, "\n", 1);
    } else {
      char u[4];
      buf_add(out, u, encode(f(cp), u));
    }
    i += k;
  }
}

/* The curated conversion overrides (data/convert-overrides.tsv, data/convert-zhe.tsv),
 * folded character by character as above: the index applies them to folded text by
 * maximum match from the left (著力 folds to 着力 as it is shown, 著名 stays), and so
 * does the reference. */
typedef struct rule {
  buf from, to;
} rule;
static rule *rules;
static size_t rule_count, rule_cap;

static void read_rules_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  char line[1024], phrase[256], opencc[256], correct[256];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (sscanf(line, "%255[^\t]\t%255[^\t]\t%255[^\t]\t", phrase, opencc, correct) != 3)
      continue;
    if (rule_count == rule_cap) {
      rule_cap = rule_cap ? rule_cap * 2 : 256;
      rules = realloc(rules, rule_cap * sizeof *rules);
      if (!rules) {
        perror("bench_search");
        exit(1);
      }
    }
    rule *r = &rules[rule_count++];
    memset(r, 0, sizeof *r);
    fold_into(&r->from, phrase, strlen(phrase), fold_cp);
    fold_into(&r->to, correct, strlen(correct), fold_cp);
  }
  fclose(f);
}

static int rule_order(const void *a, const void *b) {
  const rule *x = a, *y = b;
  size_t n = x->from.len < y->from.len ? x->from.len : y->from.len;
  int c = memcmp(x->from.p, y->from.p, n);
  return c ? c : (x->from.len > y->from.len) - (x->from.len < y->from.len);
}

/* Sorted by their folded spelling, so a position looks at the rules starting with its
 * character only. */
static void read_rules(void) {
  read_rules_file(BQW_SOURCE_DIR "/data/convert-overrides.tsv");
  read_rules_file(BQW_SOURCE_DIR "/data/convert-zhe.tsv");
  qsort(rules, rule_count, sizeof *rules, rule_order);
}

/* The first rule whose spelling is not below the k bytes at p. */
static size_t first_rule(const char *p, size_t k) {
  size_t lo = 0, hi = rule_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    size_t n = rules[mid].from.len < k ? rules[mid].from.len : k;
    int c = memcmp(rules[mid].from.p, p, n);
    if (c < 0 || (!c && rules[mid].from.len < k))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Folded text with the rules applied, by maximum match from the left. */
static void apply_rules(buf *text) {
  buf out = {0};
  for (size_t i = 0; i < text->len;) {
    const rule *best = NULL;
    int32_t first;
    size_t k1 = decode((const unsigned char *)text->p + i, text->len - i, &first);
    for (size_t r = first_rule(text->p + i, k1);
         r < rule_count && rules[r].from.len >= k1 &&
         !memcmp(rules[r].from.p, text->p + i, k1);
         r++)
      if (rules[r].from.len <= text->len - i &&
          (!best || rules[r].from.len > best->from.len) &&
          !memcmp(text->p + i, rules[r].from.p, rules[r].from.len))
        best = &rules[r];
    if (best) {
      buf_add(&out, best->to.p, best->to.len);
      i += best->from.len;
    } else {
      int32_t cp;
      size_t k = decode((const unsigned char *)text->p + i, text->len - i, &cp);
      buf_add(&out, text->p + i, k);
      i += k;
    }
  }
  free(text->p);
  *text = out;
}

/* Lines of a folded corpus (lines separated by '\n') that contain every space-separated
 * word of the folded query. */
static long count_lines(const buf *text, const char *q, size_t qlen) {
  const char *words[64];
  size_t wlen[64], nw = 0;
  for (size_t i = 0; i < qlen && nw < 64;) {
    while (i < qlen && q[i] == ' ')
      i++;
    size_t s = i;
    while (i < qlen && q[i] != ' ')
      i++;
    if (i > s) {
      words[nw] = q + s;
      wlen[nw++] = i - s;
    }
  }
  if (!nw)
    return 0;
  long count = 0;
  const char *p = text->p, *end = text->p + text->len;
  while (p < end) {
    const char *hit = memmem(p, (size_t)(end - p), words[0], wlen[0]);
    if (!hit)
      break;
    const char *ls = hit;
    while (ls > text->p && ls[-1] != '\n')
      ls--;
    const char *le = memchr(hit, '\n', (size_t)(end - hit));
    if (!le)
      le = end;
    bool all = true;
    for (size_t w = 1; all && w < nw; w++)
      all = memmem(ls, (size_t)(le - ls), words[w], wlen[w]) != NULL;
    count += all;
    p = le + 1;
  }
  return count;
}

/* ---- queries ---------------------------------------------------------------------- */

typedef struct item {
  int len;    /* characters sampled */
  int script; /* 0 hans, 1 hant */
  bool absent;
  char *q;
  size_t qlen;
  size_t total; /* bqw_index_search's count */
  double lat;   /* seconds, median of the repeats */
  long oracle;  /* brute force, character fold; -1 when not verified */
  long phrase;  /* brute force over the OpenCC phrase conversion; -1 when not run */
  long rg, fts, like;
  double t_rg, t_fts, t_like;
  bool peered;
} item;

/* Characters outside the digest: an absent query ends with one. */
static const char *const rare[] = {"龘", "齉", "靐", "鱻", "䨻", "驫", "爩", "𪚥"};

/* A substring of `chars` characters of a random line, without spaces, or NULL. */
static char *sample(const corpus *c, int chars, size_t *len) {
  for (int attempt = 0; attempt < 1000; attempt++) {
    size_t l = rng_below((uint32_t)c->lines);
    const unsigned char *s = (const unsigned char *)c->data + c->start[l];
    size_t n = c->len[l], total = 0;
    for (size_t i = 0; i < n; total++) {
      int32_t cp;
      i += decode(s + i, n - i, &cp);
    }
    if (total < (size_t)chars)
      continue;
    size_t first = rng_below((uint32_t)(total - (size_t)chars + 1)), i = 0, ci = 0;
    while (ci < first) {
      int32_t cp;
      i += decode(s + i, n - i, &cp);
      ci++;
    }
    size_t from = i;
    bool ok = true;
    for (int k = 0; k < chars; k++) {
      int32_t cp;
      i += decode(s + i, n - i, &cp);
      if (is_space(cp) || cp == 0xFFFD)
        ok = false;
    }
    if (!ok)
      continue;
    char *out = xmalloc(i - from + 1);
    memcpy(out, s + from, i - from);
    out[i - from] = 0;
    *len = i - from;
    return out;
  }
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n values (sorted in place). */
static double percentile(double *v, size_t n, double p) {
  if (!n)
    return NAN;
  qsort(v, n, sizeof *v, cmp_double);
  size_t rank = (size_t)ceil(p / 100.0 * (double)n);
  if (rank < 1)
    rank = 1;
  return v[rank - 1];
}

/* ---- peers ------------------------------------------------------------------------ */

/* Runs argv, returns its standard output (NUL terminated) or NULL; *status its exit. */
static char *run_capture(char *const argv[], int *status) {
  int fds[2];
  if (pipe(fds))
    return NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc) {
    close(fds[0]);
    return NULL;
  }
  buf out = {0};
  char tmp[4096];
  ssize_t n;
  while ((n = read(fds[0], tmp, sizeof tmp)) > 0)
    buf_add(&out, tmp, (size_t)n);
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
  if (!out.p)
    buf_add(&out, "", 0);
  return out.p;
}

static bool have_program(const char *name) {
  char *argv[] = {(char *)name, "--version", NULL};
  int st;
  char *out = run_capture(argv, &st);
  free(out);
  return out && st == 0;
}

static long rg_count(const char *file, const char *q, double *secs) {
  char *argv[] = {"rg", "-c", "-F", "-e", (char *)q, (char *)file, NULL};
  int st;
  double t0 = now();
  char *out = run_capture(argv, &st);
  *secs = now() - t0;
  if (!out || st > 1) {
    free(out);
    return -1;
  }
  long n = st == 1 ? 0 : strtol(out, NULL, 10);
  free(out);
  return n;
}

static void sql_check(sqlite3 *db, int rc, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "bench_search: sqlite %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

static void sql_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "bench_search: sqlite: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

/* Creates DB at path with one table filled from the corpus; returns seconds taken. */
static double sql_build(sqlite3 **out, const char *path, const corpus *c, bool fts) {
  unlink(path);
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) {
    fprintf(stderr, "bench_search: sqlite open %s: %s\n", path, sqlite3_errmsg(db));
    exit(1);
  }
  sql_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA "
               "cache_size=-262144; PRAGMA temp_store=MEMORY");
  double t0 = now();
  sql_exec(db, fts ? "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')"
                   : "CREATE TABLE t(body TEXT)");
  sql_exec(db, "BEGIN");
  sqlite3_stmt *st;
  sql_check(db, sqlite3_prepare_v2(db, "INSERT INTO t(body) VALUES (?1)", -1, &st, NULL),
            "prepare");
  for (size_t i = 0; i < c->lines; i++) {
    sqlite3_bind_text(st, 1, c->data + c->start[i], (int)c->len[i], SQLITE_STATIC);
    sql_check(db, sqlite3_step(st), "insert");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sql_exec(db, "COMMIT");
  double secs = now() - t0;
  *out = db;
  return secs;
}

static long sql_count(sqlite3_stmt *st, const char *arg, double *secs) {
  double t0 = now();
  sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  long n = -1;
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  *secs = now() - t0;
  return n;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) ? -1 : (long)st.st_size;
}

/* ---- run ----------------------------------------------------------------------------
 */

typedef struct options {
  const char *corpus;
  int queries; /* present + absent, per (length, script) */
  int verify;  /* per group; -1 all */
  int peers;   /* per group */
  int builds;
  int phrase; /* per group, among the verified */
  bool convert;
  const char *db_dir;
} options;

static double median3(double a, double b, double c) {
  double v[3] = {a, b, c};
  qsort(v, 3, sizeof *v, cmp_double);
  return v[1];
}

static int cmd_run(int argc, char **argv) {
  options o = {NULL, 200, -1, 20, 3, 50, true, NULL};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    if (!strcmp(a, "--queries") && more)
      o.queries = atoi(argv[++i]);
    else if (!strcmp(a, "--verify") && more) {
      i++;
      o.verify = strcmp(argv[i], "all") ? atoi(argv[i]) : -1;
    } else if (!strcmp(a, "--peers") && more)
      o.peers = atoi(argv[++i]);
    else if (!strcmp(a, "--no-peers"))
      o.peers = 0;
    else if (!strcmp(a, "--phrase") && more)
      o.phrase = atoi(argv[++i]);
    else if (!strcmp(a, "--builds") && more)
      o.builds = atoi(argv[++i]);
    else if (!strcmp(a, "--no-convert"))
      o.convert = false;
    else if (!strcmp(a, "--db-dir") && more)
      o.db_dir = argv[++i];
    else if (a[0] != '-' && !o.corpus)
      o.corpus = a;
    else {
      fprintf(stderr, "bench_search run: bad argument %s\n", a);
      return 2;
    }
  }
  if (!o.corpus || o.queries < 1 || o.builds < 1) {
    fprintf(stderr, "usage: bench_search run CORPUS [--queries N] [--verify N|all] "
                    "[--peers N|--no-peers] [--builds N] [--phrase N] [--no-convert] "
                    "[--db-dir DIR]\n");
    return 2;
  }
  if (o.verify < 0 || o.verify > o.queries)
    o.verify = o.queries;
  if (o.peers > o.queries)
    o.peers = o.queries;

  corpus c = {0};
  if (read_file(o.corpus, &c.data, &c.size))
    return 1;
  split_lines(&c);
  long rss_text = rss_kib();
  printf("corpus   %s: %zu measures, %zu text bytes (%.1f MB, '\\n' excluded)\n",
         o.corpus, c.lines, c.text_bytes, (double)c.text_bytes / MIB);

  /* -- index build -- */
  double builds[16];
  int nb = o.builds < 16 ? o.builds : 16;
  bqw_index *ix = NULL;
  for (int b = 0; b < nb; b++) {
    bqw_index_free(ix);
    double t0 = now();
    ix = bqw_index_new();
    int rc = ix ? 0 : BQW_ENOMEM;
    for (size_t i = 0; !rc && i < c.lines; i++)
      rc = bqw_index_add(ix, c.data + c.start[i], c.len[i], i);
    if (!rc)
      rc = bqw_index_finish(ix);
    builds[b] = now() - t0;
    if (rc) {
      fprintf(stderr, "bench_search: index build: %s\n", bqw_strerror(rc));
      return 1;
    }
  }
  long rss_index = rss_kib();
  double build_med = percentile(builds, (size_t)nb, 50), build_best = builds[0];
  double build_mbs = (double)c.text_bytes / MIB / build_med;
  size_t ixmem = bqw_index_memory(ix);
  double mem_ratio = (double)ixmem / (double)c.text_bytes;
  printf("build    %d builds: median %.3f s, best %.3f s, %.1f MB/s (median)\n", nb,
         build_med, build_best, build_mbs);
  printf("memory   bqw_index_memory %.1f MB = %.2fx text (documents, key table, "
         "postings); peak RSS %.1f MB after reading, %.1f MB after building (+%.1f MB = "
         "%.2fx text)\n",
         (double)ixmem / MIB, mem_ratio, rss_text / 1024.0, rss_index / 1024.0,
         (rss_index - rss_text) / 1024.0,
         (double)(rss_index - rss_text) * 1024 / (double)c.text_bytes);

  /* -- queries, sampled with the generator's LCG under a fixed seed -- */
  rng_state = 4242;
  size_t nitems = (size_t)NLEN * 2 * (size_t)o.queries;
  item *items = calloc(nitems, sizeof *items);
  if (!items)
    return 1;
  for (int li = 0; li < NLEN; li++)
    for (int k = 0; k < o.queries; k++) {
      size_t slen;
      char *s = sample(&c, lengths[li], &slen);
      if (!s) {
        fprintf(stderr, "bench_search: no line has %d characters\n", lengths[li]);
        return 1;
      }
      bool absent = k % 10 == 9;
      if (absent) { /* the last character replaced by one the digest lacks */
        size_t cut = 0;
        for (size_t i = 0; i < slen;) {
          int32_t cp;
          cut = i;
          i += decode((const unsigned char *)s + i, slen - i, &cp);
        }
        const char *r = rare[rng_below(sizeof rare / sizeof *rare)];
        s = xrealloc(s, cut + strlen(r) + 1);
        strcpy(s + cut, r);
        slen = strlen(s);
      }
      for (int sc = 0; sc < 2; sc++) {
        item *it = &items[((size_t)li * 2 + (size_t)sc) * (size_t)o.queries + (size_t)k];
        it->len = lengths[li];
        it->script = sc;
        it->absent = absent;
        it->q = convert(s, slen, sc ? BQW_SCRIPT_HANT : BQW_SCRIPT_HANS, &it->qlen);
        it->oracle = it->phrase = it->rg = it->fts = it->like = -1;
      }
      free(s);
    }

  /* -- latency: each query 3 times, its median kept -- */
  for (size_t i = 0; i < nitems; i++) {
    item *it = &items[i];
    double t[3];
    for (int r = 0; r < 3; r++) {
      bqw_results *res = NULL;
      double t0 = now();
      int rc = bqw_index_search(ix, it->q, it->qlen, 10, &res);
      t[r] = now() - t0;
      if (rc) {
        fprintf(stderr, "bench_search: search %s: %s\n", it->q, bqw_strerror(rc));
        return 1;
      }
      it->total = res->total;
      bqw_results_free(res);
    }
    it->lat = median3(t[0], t[1], t[2]);
  }

  /* -- the brute-force reference: folded corpus, memmem per query -- */
  fold_map = calloc(0x110000, sizeof *fold_map);
  if (!fold_map)
    return 1;
  double t0 = now();
  buf folded = {0};
  fold_into(&folded, c.data, c.size, fold_cp);
  read_rules();
  apply_rules(&folded);
  double t_fold = now() - t0;
  size_t verified = 0, mismatches = 0;
  t0 = now();
  for (size_t i = 0; i < nitems; i++) {
    item *it = &items[i];
    if (i % (size_t)o.queries >= (size_t)o.verify)
      continue;
    buf fq = {0};
    fold_into(&fq, it->q, it->qlen, fold_cp);
    apply_rules(&fq);
    it->oracle = count_lines(&folded, fq.p, fq.len);
    free(fq.p);
    verified++;
    if ((size_t)it->oracle != it->total) {
      mismatches++;
      printf("MISMATCH %d-char %s query \"%s\": index %zu, brute force %ld\n", it->len,
             script_names[it->script], it->q, it->total, it->oracle);
    }
  }
  double t_verify = now() - t0;
  free(folded.p);
  printf("verify   %zu queries checked by brute force (fold %.1f s, scans %.1f s): %zu "
         "mismatches\n",
         verified, t_fold, t_verify, mismatches);

  /* -- conversion throughput, and the phrase-level reference on its output -- */
  double conv_s = 0, cli_s = 0;
  bool have_opencc = false;
  size_t phrase_diff = 0, phrase_checked = 0;
  if (o.convert) {
    t0 = now();
    char *out;
    size_t out_len;
    int rc = bqw_convert(c.data, c.size, BQW_SCRIPT_HANS, &out, &out_len);
    conv_s = now() - t0;
    if (rc) {
      fprintf(stderr, "bench_search: bqw_convert corpus: %s\n", bqw_strerror(rc));
      return 1;
    }
    have_opencc = have_program("opencc");
    if (have_opencc) {
      char *cargv[] = {"opencc",         "-c", "t2s.json",  "-i",
                       (char *)o.corpus, "-o", "/dev/null", NULL};
      int st;
      t0 = now();
      char *cout = run_capture(cargv, &st);
      cli_s = now() - t0;
      free(cout);
      if (st) {
        fprintf(stderr, "bench_search: opencc exited %d\n", st);
        have_opencc = false;
      }
    }
    buf pf = {0};
    fold_into(&pf, out, out_len, fold_width_case);
    bqw_free(out);
    for (size_t i = 0; i < nitems; i++) {
      item *it = &items[i];
      if (it->oracle < 0 || i % (size_t)o.queries >= (size_t)o.phrase)
        continue;
      size_t ql;
      char *qs = convert(it->q, it->qlen, BQW_SCRIPT_HANS, &ql);
      buf fq = {0};
      fold_into(&fq, qs, ql, fold_width_case);
      it->phrase = count_lines(&pf, fq.p, fq.len);
      phrase_checked++;
      if (it->phrase != it->oracle) {
        if (phrase_diff < 5)
          printf(
              "phrase   %d-char %s query \"%s\" (t2s \"%s\"): character fold %ld lines, "
              "phrase conversion %ld\n",
              it->len, script_names[it->script], it->q, qs, it->oracle, it->phrase);
        phrase_diff++;
      }
      free(qs);
      free(fq.p);
    }
    free(pf.p);
    printf("convert  bqw_convert t2s over the whole file: %.2f s, %.1f MB/s", conv_s,
           (double)c.size / MIB / conv_s);
    if (have_opencc)
      printf("; opencc -c t2s.json -i FILE -o /dev/null: %.2f s, %.1f MB/s; ratio %.2fx",
             cli_s, (double)c.size / MIB / cli_s, cli_s / conv_s);
    printf("\nphrase   %zu of %zu verified queries count differently over OpenCC's "
           "phrase conversion than with the index's character fold\n",
           phrase_diff, phrase_checked);
  }

  /* -- peers -- */
  bool have_rg = o.peers > 0 && have_program("rg");
  sqlite3 *fdb = NULL, *pdb = NULL;
  double fts_build = 0, plain_build = 0;
  char fpath[4096], ppath[4096];
  if (o.peers > 0) {
    char dir[4000];
    if (o.db_dir) {
      snprintf(dir, sizeof dir, "%s", o.db_dir);
    } else {
      snprintf(dir, sizeof dir, "%s", o.corpus);
      char *slash = strrchr(dir, '/');
      if (slash)
        *slash = 0;
      else
        strcpy(dir, ".");
    }
    snprintf(fpath, sizeof fpath, "%s/search-fts5.db", dir);
    snprintf(ppath, sizeof ppath, "%s/search-plain.db", dir);
    fts_build = sql_build(&fdb, fpath, &c, true);
    plain_build = sql_build(&pdb, ppath, &c, false);
    printf("sqlite   %s: FTS5 trigram build %.2f s (%.1f MB/s), file %.1f MB = %.2fx "
           "text; plain table %.2f s, file %.1f MB\n",
           sqlite3_libversion(), fts_build, (double)c.text_bytes / MIB / fts_build,
           (double)file_size(fpath) / MIB,
           (double)file_size(fpath) / (double)c.text_bytes, plain_build,
           (double)file_size(ppath) / MIB);
    sqlite3_stmt *fst, *pst;
    sql_check(fdb,
              sqlite3_prepare_v2(fdb, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &fst,
                                 NULL),
              "prepare");
    sql_check(pdb,
              sqlite3_prepare_v2(pdb,
                                 "SELECT count(*) FROM t WHERE body LIKE ?1 ESCAPE '\\'",
                                 -1, &pst, NULL),
              "prepare");
    for (size_t i = 0; i < nitems; i++) {
      item *it = &items[i];
      if (i % (size_t)o.queries >= (size_t)o.peers)
        continue;
      it->peered = true;
      if (have_rg)
        it->rg = rg_count(o.corpus, it->q, &it->t_rg);
      buf m = {0}, l = {0};
      buf_add(&m, "\"", 1);
      buf_add(&l, "%", 1);
      for (size_t k = 0; k < it->qlen; k++) {
        char ch = it->q[k];
        if (ch == '"')
          buf_add(&m, "\"", 1);
        if (ch == '%' || ch == '_' || ch == '\\')
          buf_add(&l, "\\", 1);
        buf_add(&m, &ch, 1);
        buf_add(&l, &ch, 1);
      }
      buf_add(&m, "\"", 1);
      buf_add(&l, "%", 1);
      it->fts = sql_count(fst, m.p, &it->t_fts);
      it->like = sql_count(pst, l.p, &it->t_like);
      free(m.p);
      free(l.p);
    }
    sqlite3_finalize(fst);
    sqlite3_finalize(pst);
  }

  /* -- the table -- */
  printf("\nlatency in ms (each query's median of 3 runs; p50/p99 over the queries); "
         "'wrong' = counts that differ from the exact count\n");
  printf("%-4s %-5s %5s %9s %9s %10s %8s |%6s %8s %6s |%8s %6s |%8s %6s\n", "len",
         "query", "n", "bqw p50", "bqw p99", "mean hits", "checked", "peers", "rg p50",
         "wrong", "fts5 p50", "wrong", "like p50", "wrong");
  double p50_worst_2to8 = 0;
  for (int li = 0; li < NLEN; li++)
    for (int sc = 0; sc < 2; sc++) {
      item *g = &items[((size_t)li * 2 + (size_t)sc) * (size_t)o.queries];
      size_t n = (size_t)o.queries, np = 0, checked = 0;
      double *lat = xmalloc(n * sizeof *lat);
      double *trg = xmalloc(n * sizeof *trg), *tf = xmalloc(n * sizeof *tf),
             *tl = xmalloc(n * sizeof *tl);
      double hits = 0;
      size_t wrg = 0, wf = 0, wl = 0;
      for (size_t k = 0; k < n; k++) {
        lat[k] = g[k].lat * 1e3;
        hits += (double)g[k].total;
        checked += g[k].oracle >= 0;
        if (!g[k].peered)
          continue;
        long exact = g[k].oracle >= 0 ? g[k].oracle : (long)g[k].total;
        trg[np] = g[k].t_rg * 1e3;
        tf[np] = g[k].t_fts * 1e3;
        tl[np] = g[k].t_like * 1e3;
        np++;
        wrg += g[k].rg != exact;
        wf += g[k].fts != exact;
        wl += g[k].like != exact;
      }
      double p50 = percentile(lat, n, 50), p99 = percentile(lat, n, 99);
      if (lengths[li] >= 2 && p50 > p50_worst_2to8)
        p50_worst_2to8 = p50;
      printf("%-4d %-5s %5zu %9.3f %9.3f %10.0f %8zu |%6zu", lengths[li],
             script_names[sc], n, p50, p99, hits / (double)n, checked, np);
      if (np && have_rg)
        printf(" %8.2f %6zu", percentile(trg, np, 50), wrg);
      else
        printf(" %8s %6s", "-", "-");
      if (np)
        printf(" |%8.2f %6zu |%8.2f %6zu\n", percentile(tf, np, 50), wf,
               percentile(tl, np, 50), wl);
      else
        printf(" |%8s %6s |%8s %6s\n", "-", "-", "-", "-");
      free(lat);
      free(trg);
      free(tf);
      free(tl);
    }

  /* A few examples of what the peers get wrong, one per kind. */
  if (o.peers > 0) {
    bool shown[3][NLEN][2] = {{{false}}};
    for (size_t i = 0; i < nitems; i++) {
      item *it = &items[i];
      if (!it->peered)
        continue;
      long exact = it->oracle >= 0 ? it->oracle : (long)it->total;
      long got[3] = {it->rg, it->fts, it->like};
      const char *who[3] = {"rg -c -F", "fts5 MATCH", "LIKE"};
      int li = it->len == 1 ? 0 : it->len == 2 ? 1 : it->len == 4 ? 2 : 3;
      for (int p = 0; p < 3; p++)
        if (got[p] != exact && !shown[p][li][it->script] && (p || have_rg)) {
          shown[p][li][it->script] = true;
          printf("example  %-10s %d-char %s \"%s\": %ld, exact %ld\n", who[p], it->len,
                 script_names[it->script], it->q, got[p], exact);
        }
    }
  }

  printf("\ntargets  p50 <= 1 ms for 2-8 chars: worst group p50 %.3f ms -> %s\n",
         p50_worst_2to8, p50_worst_2to8 <= 1.0 ? "met" : "MISSED");
  printf("         counts exact: %zu verified, %zu mismatches -> %s\n", verified,
         mismatches, mismatches ? "MISSED" : "met");
  printf("         index memory <= 2x text: %.2fx -> %s\n", mem_ratio,
         mem_ratio <= 2.0 ? "met" : "MISSED");
  printf("         build >= 50 MB/s: %.1f MB/s -> %s\n", build_mbs,
         build_mbs >= 50 ? "met" : "MISSED");
  printf("peak RSS %.1f MB at the end\n", rss_kib() / 1024.0);

  if (fdb)
    sqlite3_close(fdb);
  if (pdb)
    sqlite3_close(pdb);
  if (o.peers > 0) {
    unlink(fpath);
    unlink(ppath);
  }
  for (size_t i = 0; i < nitems; i++)
    free(items[i].q);
  free(items);
  free(fold_map);
  for (size_t r = 0; r < rule_count; r++) {
    free(rules[r].from.p);
    free(rules[r].to.p);
  }
  free(rules);
  bqw_index_free(ix);
  free(c.start);
  free(c.len);
  free(c.data);
  return mismatches ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "gen"))
    return cmd_gen(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "run"))
    return cmd_run(argc - 2, argv + 2);
  fprintf(stderr, "usage: bench_search gen N OUT [--seed S]\n"
                  "       bench_search run CORPUS [options]  (see bench/README.md)\n");
  return 2;
}
