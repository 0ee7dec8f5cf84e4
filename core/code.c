/*
 * code.c -- policy-text coding: codebooks (TSV files of codes and the words that
 * signal them), one Aho-Corasick automaton over every pattern of a codebook set, and
 * the codings of a dataset's measures and prose, with their evidence.
 *
 * Patterns and texts are folded by bqw_fold (script, width, case, the curated
 * overrides), one folded code point per character, so a match in folded text is a match
 * at the same characters of the text as published: its byte span comes from the fold's
 * offsets. The automaton is built once per codebook set; coding reads each text once.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the codebook ----------------------------------------------------------------- */

typedef struct cb_pattern {
  int32_t *cp; /* folded, in the codebook's arena */
  uint32_t n;
  uint32_t code;
  bool exclude;
} cb_pattern;

/* The automaton: states of the trie of every pattern (over character classes), their
 * failure links, and the patterns each state ends (its own and its failure chain's). */
typedef struct automaton {
  uint32_t classes;     /* 0 is every character no pattern holds */
  uint16_t *bmp;        /* class of each code point below 0x10000 */
  int32_t *astral;      /* sorted code points above, and their classes */
  uint32_t *astral_cls; /* (class of astral[i]) */
  size_t astral_count;
  uint32_t states;
  uint32_t *root; /* the root's transition on each class (0: stay) */
  uint32_t *edge_first, *edge_cls, *edge_to; /* CSR, sorted by class */
  uint32_t *fail;
  uint32_t *out_first, *out; /* CSR: patterns each state ends */
} automaton;

struct bqw_codebook {
  arena mem;
  atomic_size_t refs;
  bqw_code_info *codes;
  size_t count, cap;
  int32_t **code_cp; /* each code folded, for lookups */
  size_t *code_ncp;
  cb_pattern *pats;
  size_t npat, patcap;
  automaton ac;
};

int bqw_codebook_new(bqw_codebook **out) {
  if (!out)
    return BQW_EINVAL;
  bqw_codebook *cb = calloc(1, sizeof *cb);
  if (!cb)
    return BQW_ENOMEM;
  arena_init(&cb->mem, 16384);
  atomic_init(&cb->refs, 1);
  *out = cb;
  return 0;
}

static void automaton_free(automaton *a) {
  free(a->bmp);
  free(a->astral);
  free(a->astral_cls);
  free(a->root);
  free(a->edge_first);
  free(a->edge_cls);
  free(a->edge_to);
  free(a->fail);
  free(a->out_first);
  free(a->out);
  memset(a, 0, sizeof *a);
}

bqw_codebook *bqw_codebook_ref(bqw_codebook *cb) {
  if (cb)
    atomic_fetch_add(&cb->refs, 1);
  return cb;
}

void bqw_codebook_free(bqw_codebook *cb) {
  if (!cb || atomic_fetch_sub(&cb->refs, 1) > 1)
    return;
  automaton_free(&cb->ac);
  free(cb->codes);
  free(cb->code_cp);
  free(cb->code_ncp);
  free(cb->pats);
  arena_free(&cb->mem);
  free(cb);
}

size_t bqw_codebook_count(const bqw_codebook *cb) { return cb ? cb->count : 0; }

const bqw_code_info *bqw_codebook_code(const bqw_codebook *cb, size_t i) {
  return cb && i < cb->count ? &cb->codes[i] : NULL;
}

/* Folds s into the arena; NULL when out of memory. */
static int32_t *fold_into(arena *a, const char *s, size_t len, size_t *n) {
  int32_t *cp = arena_alloc(a, (len + 1) * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  if (!cp || !at) {
    free(at);
    return NULL;
  }
  *n = bqw_fold(s, len, cp, at);
  free(at);
  return cp;
}

static long find_folded(const bqw_codebook *cb, size_t limit, const int32_t *cp,
                        size_t n) {
  for (size_t i = 0; i < limit; i++)
    if (query_equal(cb->code_cp[i], cb->code_ncp[i], cp, n))
      return (long)i;
  return -1;
}

int bqw_codebook_find(const bqw_codebook *cb, const char *code, size_t len) {
  if (!cb || !code)
    return -1;
  int32_t *cp;
  size_t n;
  if (!query_fold_alloc(code, len, &cp, &n))
    return -1;
  long i = find_folded(cb, cb->count, cp, n);
  free(cp);
  return (int)i;
}

/* ---- parsing ---------------------------------------------------------------------- */

enum {
  COL_CODE,
  COL_LABEL,
  COL_PATTERNS,
  COL_PARENT,
  COL_EXCLUDE,
  COL_DESCRIPTION,
  NCOL
};
static const char *const col_names[NCOL] = {"code",   "label",   "patterns",
                                            "parent", "exclude", "description"};

typedef struct parse_ctx {
  bqw_codebook *cb;
  const char *name;
  bqw_codebook_error *err;
  const char *line; /* the line being read, for columns */
  uint32_t lineno;
  size_t first; /* the file's first code */
} parse_ctx;

static int fail_at(parse_ctx *p, const char *at, const char *fmt, const char *a,
                   const char *b) {
  if (p->err) {
    p->err->line = p->lineno;
    p->err->col = at && p->line
                      ? (uint32_t)text_count_chars(p->line, (size_t)(at - p->line)) + 1
                      : 1;
    snprintf(p->err->message, sizeof p->err->message, fmt, a ? a : "", b ? b : "");
  }
  return BQW_EINVAL;
}

static void trim(const char **s, const char **e) {
  while (*s < *e && (**s == ' ' || **s == '\r'))
    (*s)++;
  while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\r'))
    (*e)--;
}

static char *dup_cell(parse_ctx *p, const char *s, const char *e) {
  return arena_strndup(&p->cb->mem, s, (size_t)(e - s));
}

static bool grow(void **items, size_t count, size_t *cap, size_t size) {
  if (count < *cap)
    return true;
  size_t c = *cap ? 2 * *cap : 32;
  void *n = realloc(*items, c * size);
  if (!n)
    return false;
  *items = n;
  *cap = c;
  return true;
}

/* Splits a cell of patterns at '|' into the arena; adds them to the pattern list. */
static int add_patterns(parse_ctx *p, const char *s, const char *e, uint32_t code,
                        bool exclude, const char ***list, size_t *count) {
  size_t n = 1;
  for (const char *q = s; q < e; q++)
    n += *q == '|';
  const char **l = arena_alloc(&p->cb->mem, n * sizeof *l);
  if (!l)
    return BQW_ENOMEM;
  *count = 0;
  const char *q = s;
  for (;;) {
    const char *bar = memchr(q, '|', (size_t)(e - q));
    const char *end = bar ? bar : e;
    const char *ps = q, *pe = end;
    trim(&ps, &pe);
    if (ps == pe)
      return fail_at(p, ps,
                     "empty pattern in %s%s: remove the extra '|' or write a word "
                     "between the bars",
                     exclude ? "exclude" : "patterns", NULL);
    char *text = dup_cell(p, ps, pe);
    size_t ncp;
    int32_t *cp = text ? fold_into(&p->cb->mem, ps, (size_t)(pe - ps), &ncp) : NULL;
    size_t pc = p->cb->patcap;
    if (!cp || !grow((void **)&p->cb->pats, p->cb->npat, &pc, sizeof *p->cb->pats))
      return BQW_ENOMEM;
    p->cb->patcap = pc;
    p->cb->pats[p->cb->npat++] = (cb_pattern){cp, (uint32_t)ncp, code, exclude};
    l[(*count)++] = text;
    if (!bar)
      break;
    q = bar + 1;
  }
  *list = l;
  return 0;
}

/* Reads one data row: its cells by the header's columns. */
static int parse_row(parse_ctx *p, const char *s, const char *e, const int *cols,
                     size_t ncols, uint32_t *parent_col) {
  const char *cell[NCOL] = {0}, *cell_end[NCOL] = {0};
  size_t k = 0;
  const char *q = s;
  for (;;) {
    const char *tab = memchr(q, '\t', (size_t)(e - q));
    const char *end = tab ? tab : e;
    if (k >= ncols)
      return fail_at(p, q,
                     "more fields than the header's %s%s: remove the extra TAB or "
                     "add a column to the header",
                     "columns", NULL);
    const char *cs = q, *ce = end;
    trim(&cs, &ce);
    cell[cols[k]] = cs;
    cell_end[cols[k]] = ce;
    k++;
    if (!tab)
      break;
    q = tab + 1;
  }
  bqw_codebook *cb = p->cb;
  if (!cell[COL_CODE] || cell[COL_CODE] == cell_end[COL_CODE])
    return fail_at(p, s, "empty code: every row needs a code in its %s column%s", "code",
                   NULL);
  if (!cell[COL_LABEL] || cell[COL_LABEL] == cell_end[COL_LABEL])
    return fail_at(p, cell[COL_LABEL] ? cell[COL_LABEL] : e,
                   "empty label for code %s: give the code a label%s",
                   dup_cell(p, cell[COL_CODE], cell_end[COL_CODE]), NULL);
  size_t cap = cb->cap;
  if (!grow((void **)&cb->codes, cb->count, &cap, sizeof *cb->codes))
    return BQW_ENOMEM;
  size_t c2 = cb->cap, c3 = cb->cap;
  if (!grow((void **)&cb->code_cp, cb->count, &c2, sizeof *cb->code_cp) ||
      !grow((void **)&cb->code_ncp, cb->count, &c3, sizeof *cb->code_ncp))
    return BQW_ENOMEM;
  cb->cap = cap;
  bqw_code_info *ci = &cb->codes[cb->count];
  memset(ci, 0, sizeof *ci);
  ci->code = dup_cell(p, cell[COL_CODE], cell_end[COL_CODE]);
  ci->label = dup_cell(p, cell[COL_LABEL], cell_end[COL_LABEL]);
  ci->description = cell[COL_DESCRIPTION]
                        ? dup_cell(p, cell[COL_DESCRIPTION], cell_end[COL_DESCRIPTION])
                        : "";
  ci->file = p->name;
  ci->line = p->lineno;
  ci->parent = -1;
  if (!ci->code || !ci->label || !ci->description)
    return BQW_ENOMEM;
  size_t ncp;
  int32_t *cp = fold_into(&cb->mem, ci->code, strlen(ci->code), &ncp);
  if (!cp)
    return BQW_ENOMEM;
  long dup = find_folded(cb, cb->count, cp, ncp);
  if (dup >= 0) {
    char where[600];
    snprintf(where, sizeof where, "%s:%u", cb->codes[dup].file, cb->codes[dup].line);
    return fail_at(p, cell[COL_CODE],
                   "duplicate code %s (first defined at %s): give each code one row",
                   ci->code, where);
  }
  cb->code_cp[cb->count] = cp;
  cb->code_ncp[cb->count] = ncp;
  uint32_t id = (uint32_t)cb->count;
  int rc;
  if (cell[COL_PATTERNS] && cell[COL_PATTERNS] != cell_end[COL_PATTERNS] &&
      (rc = add_patterns(p, cell[COL_PATTERNS], cell_end[COL_PATTERNS], id, false,
                         (const char ***)&ci->patterns, &ci->pattern_count)) < 0)
    return rc;
  if (cell[COL_EXCLUDE] && cell[COL_EXCLUDE] != cell_end[COL_EXCLUDE] &&
      (rc = add_patterns(p, cell[COL_EXCLUDE], cell_end[COL_EXCLUDE], id, true,
                         (const char ***)&ci->excludes, &ci->exclude_count)) < 0)
    return rc;
  /* the parent is resolved once the file is read: it may come later */
  if (cell[COL_PARENT] && cell[COL_PARENT] != cell_end[COL_PARENT]) {
    ci->parent_name = dup_cell(p, cell[COL_PARENT], cell_end[COL_PARENT]);
    if (!ci->parent_name)
      return BQW_ENOMEM;
    parent_col[cb->count - p->first] =
        (uint32_t)text_count_chars(p->line, (size_t)(cell[COL_PARENT] - p->line)) + 1;
  }
  cb->count++;
  return 0;
}

static int parse_header(parse_ctx *p, const char *s, const char *e, int *cols,
                        size_t *ncols) {
  bool seen[NCOL] = {false};
  const char *q = s;
  *ncols = 0;
  for (;;) {
    const char *tab = memchr(q, '\t', (size_t)(e - q));
    const char *end = tab ? tab : e;
    const char *cs = q, *ce = end;
    trim(&cs, &ce);
    int col = -1;
    for (int c = 0; c < NCOL; c++)
      if (strlen(col_names[c]) == (size_t)(ce - cs) &&
          !memcmp(col_names[c], cs, (size_t)(ce - cs)))
        col = c;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(ce - cs > 100 ? 100 : ce - cs), cs);
    if (col < 0)
      return fail_at(p, cs,
                     "unknown column \"%s\"%s: the columns are code, label, patterns, "
                     "and optionally parent, exclude, description",
                     name, NULL);
    if (seen[col])
      return fail_at(p, cs, "column \"%s\" given twice%s: keep one", name, NULL);
    seen[col] = true;
    cols[(*ncols)++] = col;
    if (!tab)
      break;
    q = tab + 1;
  }
  for (int c = COL_CODE; c <= COL_PATTERNS; c++)
    if (!seen[c])
      return fail_at(p, s,
                     "the header has no \"%s\" column: the first line that is not a "
                     "comment names the columns (code, label, patterns, …)%s",
                     col_names[c], NULL);
  return 0;
}

static int resolve_parents(parse_ctx *p, const uint32_t *parent_col,
                           const uint32_t *lines) {
  bqw_codebook *cb = p->cb;
  for (size_t i = p->first; i < cb->count; i++) {
    bqw_code_info *ci = &cb->codes[i];
    if (!ci->parent_name)
      continue;
    int32_t *cp;
    size_t n;
    if (!query_fold_alloc(ci->parent_name, strlen(ci->parent_name), &cp, &n))
      return BQW_ENOMEM;
    long k = find_folded(cb, cb->count, cp, n);
    free(cp);
    p->lineno = lines[i - p->first];
    p->line = NULL;
    if (k < 0) {
      int rc = fail_at(p, NULL,
                       "unknown parent %s of code %s: define the parent in a row of "
                       "its own, or correct the name",
                       ci->parent_name, ci->code);
      if (p->err)
        p->err->col = parent_col[i - p->first];
      return rc;
    }
    ci->parent = (int)k;
  }
  /* a cycle: walking up from a code comes back to it */
  for (size_t i = p->first; i < cb->count; i++) {
    int at = cb->codes[i].parent;
    for (size_t steps = 0; at >= 0; steps++) {
      if ((size_t)at == i || steps > cb->count) {
        p->lineno = lines[i - p->first];
        p->line = NULL;
        return fail_at(p, NULL,
                       "parent cycle: code %s is its own ancestor (through %s); "
                       "make one of them a top-level code",
                       cb->codes[i].code, cb->codes[cb->codes[i].parent].code);
      }
      at = cb->codes[at].parent;
    }
  }
  for (size_t i = p->first; i < cb->count; i++) {
    unsigned d = 0;
    for (int at = cb->codes[i].parent; at >= 0; at = cb->codes[at].parent)
      d++;
    cb->codes[i].depth = d;
  }
  /* a code that can never be given: no pattern and no child */
  for (size_t i = p->first; i < cb->count; i++) {
    if (cb->codes[i].pattern_count)
      continue;
    bool child = false;
    for (size_t j = 0; j < cb->count && !child; j++)
      child = cb->codes[j].parent == (int)i;
    if (!child) {
      p->lineno = lines[i - p->first];
      p->line = NULL;
      return fail_at(p, NULL,
                     "code %s has no patterns and no child code%s: give it "
                     "patterns, or codes whose parent it is",
                     cb->codes[i].code, NULL);
    }
  }
  return 0;
}

static int automaton_build(bqw_codebook *cb);

int bqw_codebook_add(bqw_codebook *cb, const char *name, const char *data, size_t len,
                     bqw_codebook_error *err) {
  if (!cb || (!data && len))
    return BQW_EINVAL;
  if (err)
    memset(err, 0, sizeof *err);
  const char *nm = arena_strndup(&cb->mem, name ? name : "(codebook)",
                                 strlen(name ? name : "(codebook)"));
  if (!nm)
    return BQW_ENOMEM;
  parse_ctx p = {.cb = cb, .name = nm, .err = err, .first = cb->count};
  size_t keep_pat = cb->npat;
  size_t lines_max = 1;
  for (size_t i = 0; i < len; i++)
    lines_max += data[i] == '\n';
  uint32_t *parent_col = calloc(lines_max, sizeof *parent_col);
  uint32_t *lines = calloc(lines_max, sizeof *lines);
  int cols[NCOL];
  size_t ncols = 0;
  bool header = false;
  int rc = parent_col && lines ? 0 : BQW_ENOMEM;
  const char *s = data, *end = data + len;
  if (rc == 0 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
    s += 3;
  while (rc == 0 && s < end) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    if (!eol)
      eol = end;
    p.lineno++;
    p.line = s;
    /* strict UTF-8, no NUL or control byte but TAB */
    for (const char *q = s; rc == 0 && q < eol;) {
      int32_t c;
      size_t k = text_decode((const unsigned char *)q, (size_t)(eol - q), &c);
      if (!k || c == 0 || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
        rc = fail_at(&p, q,
                     !k ? "invalid UTF-8%s: re-save the codebook as UTF-8%s"
                        : "control character in the codebook%s: remove it%s",
                     NULL, NULL);
      q += k ? k : 1;
    }
    if (rc)
      break;
    const char *ls = s, *le = eol;
    trim(&ls, &le);
    if (ls < le && *ls != '#') {
      if (!header) {
        rc = parse_header(&p, s, eol, cols, &ncols);
        header = true;
      } else {
        lines[cb->count - p.first] = p.lineno;
        rc = parse_row(&p, s, eol, cols, ncols, parent_col);
      }
    }
    s = eol + 1;
  }
  if (rc == 0 && !header) {
    p.lineno = 1;
    p.line = NULL;
    rc = fail_at(&p, NULL,
                 "no header%s: the first line that is not a comment names the "
                 "columns (code, label, patterns, …)%s",
                 NULL, NULL);
  }
  if (rc == 0)
    rc = resolve_parents(&p, parent_col, lines);
  if (rc == 0)
    rc = automaton_build(cb);
  if (rc < 0) { /* all or nothing: the file's codes and patterns are dropped */
    cb->count = p.first;
    cb->npat = keep_pat;
    automaton_build(cb);
    if (rc == BQW_ENOMEM && err)
      snprintf(err->message, sizeof err->message, "out of memory");
  }
  free(parent_col);
  free(lines);
  return rc;
}

int bqw_codebook_error_format(const char *name, const bqw_codebook_error *err, char *buf,
                              size_t size) {
  return snprintf(buf, size, "%s:%u:%u: error: %s", name ? name : "(codebook)",
                  err ? err->line : 0, err ? err->col : 0, err ? err->message : "");
}

/* ---- the automaton ---------------------------------------------------------------- */

static uint32_t class_of(const automaton *a, int32_t cp) {
  if (cp >= 0 && cp < 0x10000)
    return a->bmp[cp];
  size_t lo = 0, hi = a->astral_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (a->astral[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < a->astral_count && a->astral[lo] == cp ? a->astral_cls[lo] : 0;
}

static int cmp_i32(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

/* A transition while building: (state, class) -> state, open addressing. */
typedef struct trie {
  uint64_t *keys; /* state << 32 | class, + 1; 0 empty */
  uint32_t *to;
  size_t cap, count;
} trie;

static size_t trie_slot(const trie *t, uint64_t key) {
  size_t h = (size_t)((key * 0x9E3779B97F4A7C15u) >> 20) & (t->cap - 1);
  while (t->keys[h] && t->keys[h] != key)
    h = (h + 1) & (t->cap - 1);
  return h;
}

static uint32_t trie_get(const trie *t, uint32_t s, uint32_t c) {
  if (!t->cap)
    return 0;
  size_t h = trie_slot(t, ((uint64_t)s << 32 | c) + 1);
  return t->keys[h] ? t->to[h] : 0;
}

static int automaton_build(bqw_codebook *cb) {
  automaton *a = &cb->ac;
  automaton_free(a);
  int rc = BQW_ENOMEM;
  size_t chars = 0;
  for (size_t i = 0; i < cb->npat; i++)
    chars += cb->pats[i].n;
  /* classes: the distinct code points of the patterns */
  int32_t *all = malloc((chars + 1) * sizeof *all);
  a->bmp = calloc(0x10000, sizeof *a->bmp);
  trie t = {0};
  uint32_t *queue = NULL, *edge_count = NULL, *outc = NULL;
  if (!all || !a->bmp)
    goto done;
  size_t k = 0;
  for (size_t i = 0; i < cb->npat; i++)
    for (uint32_t j = 0; j < cb->pats[i].n; j++)
      all[k++] = cb->pats[i].cp[j];
  qsort(all, k, sizeof *all, cmp_i32);
  size_t distinct = 0;
  for (size_t i = 0; i < k; i++)
    if (!i || all[i] != all[i - 1])
      all[distinct++] = all[i];
  if (distinct >= 0xFFFF)
    goto done;
  a->classes = (uint32_t)distinct + 1;
  a->astral = malloc((distinct + 1) * sizeof *a->astral);
  a->astral_cls = malloc((distinct + 1) * sizeof *a->astral_cls);
  if (!a->astral || !a->astral_cls)
    goto done;
  for (size_t i = 0; i < distinct; i++) {
    if (all[i] >= 0 && all[i] < 0x10000)
      a->bmp[all[i]] = (uint16_t)(i + 1);
    else {
      a->astral[a->astral_count] = all[i];
      a->astral_cls[a->astral_count++] = (uint32_t)i + 1;
    }
  }
  /* the trie */
  t.cap = 64;
  while (t.cap < 2 * (chars + 1))
    t.cap *= 2;
  t.keys = calloc(t.cap, sizeof *t.keys);
  t.to = calloc(t.cap, sizeof *t.to);
  uint32_t *end_of = malloc((cb->npat + 1) * sizeof *end_of);
  if (!t.keys || !t.to || !end_of) {
    free(end_of);
    goto done;
  }
  uint32_t states = 1;
  for (size_t i = 0; i < cb->npat; i++) {
    uint32_t s = 0;
    for (uint32_t j = 0; j < cb->pats[i].n; j++) {
      uint32_t c = class_of(a, cb->pats[i].cp[j]);
      uint64_t key = ((uint64_t)s << 32 | c) + 1;
      size_t h = trie_slot(&t, key);
      if (!t.keys[h]) {
        t.keys[h] = key;
        t.to[h] = states++;
        t.count++;
      }
      s = t.to[h];
    }
    end_of[i] = s;
  }
  a->states = states;
  /* edges in CSR, sorted by class: count, then place in (state, class) order */
  a->edge_first = calloc(states + 1, sizeof *a->edge_first);
  a->edge_cls = malloc((t.count + 1) * sizeof *a->edge_cls);
  a->edge_to = malloc((t.count + 1) * sizeof *a->edge_to);
  a->root = calloc(a->classes, sizeof *a->root);
  a->fail = calloc(states, sizeof *a->fail);
  a->out_first = calloc(states + 1, sizeof *a->out_first);
  a->out = malloc((cb->npat + 1) * (size_t)1 * sizeof *a->out);
  queue = malloc(states * sizeof *queue);
  edge_count = calloc(states + 1, sizeof *edge_count);
  outc = calloc(states + 1, sizeof *outc);
  if (!a->edge_first || !a->edge_cls || !a->edge_to || !a->root || !a->fail ||
      !a->out_first || !a->out || !queue || !edge_count || !outc) {
    free(end_of);
    goto done;
  }
  uint64_t *sorted = malloc((t.count + 1) * sizeof *sorted);
  if (!sorted) {
    free(end_of);
    goto done;
  }
  size_t ne = 0;
  for (size_t h = 0; h < t.cap; h++)
    if (t.keys[h])
      sorted[ne++] = t.keys[h] - 1;
  /* sort keys (state << 32 | class) */
  for (size_t gap = ne / 2; gap > 0; gap /= 2) /* shell sort: no comparator needed */
    for (size_t i = gap; i < ne; i++)
      for (size_t j = i; j >= gap && sorted[j - gap] > sorted[j]; j -= gap) {
        uint64_t x = sorted[j];
        sorted[j] = sorted[j - gap];
        sorted[j - gap] = x;
      }
  for (size_t i = 0; i < ne; i++) {
    uint32_t s = (uint32_t)(sorted[i] >> 32), c = (uint32_t)sorted[i];
    a->edge_first[s + 1]++;
    a->edge_cls[i] = c;
    a->edge_to[i] = trie_get(&t, s, c);
    if (s == 0)
      a->root[c] = a->edge_to[i];
  }
  free(sorted);
  for (uint32_t s = 0; s < states; s++)
    a->edge_first[s + 1] += a->edge_first[s];
  /* failure links, breadth first */
  size_t head = 0, tail = 0;
  for (uint32_t e = a->edge_first[0]; e < a->edge_first[1]; e++)
    queue[tail++] = a->edge_to[e];
  while (head < tail) {
    uint32_t s = queue[head++];
    for (uint32_t e = a->edge_first[s]; e < a->edge_first[s + 1]; e++) {
      uint32_t c = a->edge_cls[e], to = a->edge_to[e];
      uint32_t f = a->fail[s];
      uint32_t next = 0;
      for (;;) {
        uint32_t g = f ? trie_get(&t, f, c) : a->root[c];
        if (g || !f) {
          next = g;
          break;
        }
        f = a->fail[f];
      }
      a->fail[to] = next;
      queue[tail++] = to;
    }
  }
  /* outputs: a state's own patterns, then its failure state's (BFS order: done) */
  for (size_t i = 0; i < cb->npat; i++)
    outc[end_of[i]]++;
  /* total outputs with chains */
  uint32_t *total = calloc(states, sizeof *total);
  if (!total) {
    free(end_of);
    goto done;
  }
  for (size_t i = 0; i < tail; i++) {
    uint32_t s = queue[i];
    total[s] = outc[s] + total[a->fail[s]];
  }
  for (uint32_t s = 0; s < states; s++)
    a->out_first[s + 1] = a->out_first[s] + total[s];
  free(a->out);
  a->out = malloc(((size_t)a->out_first[states] + 1) * sizeof *a->out);
  if (!a->out) {
    free(total);
    free(end_of);
    goto done;
  }
  memset(total, 0, states * sizeof *total); /* fill positions */
  for (size_t i = 0; i < cb->npat; i++) {
    uint32_t s = end_of[i];
    a->out[a->out_first[s] + total[s]++] = (uint32_t)i;
  }
  for (size_t i = 0; i < tail; i++) {
    uint32_t s = queue[i], f = a->fail[s];
    for (uint32_t j = a->out_first[f]; j < a->out_first[f] + total[f]; j++)
      a->out[a->out_first[s] + total[s]++] = a->out[j];
  }
  free(total);
  free(end_of);
  rc = 0;
done:
  free(all);
  free(t.keys);
  free(t.to);
  free(queue);
  free(edge_count);
  free(outc);
  if (rc < 0)
    automaton_free(a);
  return rc;
}

static inline uint32_t step(const automaton *a, uint32_t s, uint32_t c) {
  while (s) {
    uint32_t lo = a->edge_first[s], hi = a->edge_first[s + 1];
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (a->edge_cls[mid] < c)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < a->edge_first[s + 1] && a->edge_cls[lo] == c)
      return a->edge_to[lo];
    s = a->fail[s];
  }
  return a->root[c];
}

/* ---- matching --------------------------------------------------------------------- */

typedef struct match {
  uint32_t pat, start, end; /* characters [start, end) */
} match;

/* The scratch of one coding run. */
typedef struct scratch {
  int32_t *cp;
  uint32_t *at;
  size_t cap;
  match *m;
  size_t nm, mcap;
} scratch;

/* Every match of the automaton in s, folded: into sc->m. */
static int scan_text(const bqw_codebook *cb, scratch *sc, const char *s, size_t len,
                     size_t *nchars) {
  if (len + 1 > sc->cap) {
    size_t cap = len + 1 > 2 * sc->cap ? len + 1 : 2 * sc->cap;
    int32_t *cp = realloc(sc->cp, cap * sizeof *cp);
    if (cp)
      sc->cp = cp;
    uint32_t *at = realloc(sc->at, cap * sizeof *at);
    if (at)
      sc->at = at;
    if (!cp || !at)
      return BQW_ENOMEM;
    sc->cap = cap;
  }
  size_t n = bqw_fold(s, len, sc->cp, sc->at);
  *nchars = n;
  sc->nm = 0;
  const automaton *a = &cb->ac;
  uint32_t st = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = class_of(a, sc->cp[i]);
    st = c ? step(a, st, c) : 0;
    for (uint32_t j = a->out_first[st]; j < a->out_first[st + 1]; j++) {
      if (!grow((void **)&sc->m, sc->nm, &sc->mcap, sizeof *sc->m))
        return BQW_ENOMEM;
      uint32_t pat = a->out[j];
      sc->m[sc->nm++] =
          (match){pat, (uint32_t)(i + 1 - cb->pats[pat].n), (uint32_t)(i + 1)};
    }
  }
  return 0;
}

size_t bqw_codebook_scan(const bqw_codebook *cb, const char *text, size_t len,
                         bqw_code_match *out, size_t max) {
  if (!cb || !text || !cb->ac.states)
    return 0;
  scratch sc = {0};
  size_t n, count = 0;
  if (scan_text(cb, &sc, text, len, &n) == 0) {
    count = sc.nm;
    for (size_t i = 0; i < sc.nm && i < max; i++) {
      const cb_pattern *p = &cb->pats[sc.m[i].pat];
      out[i] = (bqw_code_match){.code = p->code,
                                .exclude = p->exclude,
                                .start = sc.at[sc.m[i].start],
                                .end = sc.at[sc.m[i].end],
                                .char_start = sc.m[i].start,
                                .char_end = sc.m[i].end};
    }
  }
  free(sc.cp);
  free(sc.at);
  free(sc.m);
  return count;
}

/* ---- the codings of a dataset ----------------------------------------------------- */

struct codings {
  bqw_coding *items;
  size_t count, cap;
  const char **names; /* each row's codes, ancestors included, in codebook order */
  size_t nnames, names_cap;
  uint32_t *rec_first, *rec_n;   /* per record: its list in names */
  uint32_t *meas_first, *meas_n; /* per measure of the dataset */
};

void dataset_codings_free(struct codings *c) {
  if (!c)
    return;
  free(c->items);
  free(c->names);
  free(c->rec_first);
  free(c->meas_first);
  free(c->rec_n);
  free(c->meas_n);
  free(c);
}

/* Keeps, per code, the include matches no exclude match of the code overlaps, leftmost
 * first and the longest at a place, without overlaps; appends them as codings. */
static int code_unit(const bqw_codebook *cb, scratch *sc, struct codings *cg,
                     uint32_t record, uint32_t measure, uint32_t line, uint8_t *has) {
  match *m = sc->m;
  for (size_t i = 0; i < sc->nm; i++) {
    const cb_pattern *p = &cb->pats[m[i].pat];
    if (p->exclude)
      continue;
    bool vetoed = false, shadowed = false;
    for (size_t j = 0; j < sc->nm && !vetoed && !shadowed; j++) {
      if (j == i)
        continue;
      const cb_pattern *q = &cb->pats[m[j].pat];
      if (q->code != p->code)
        continue;
      bool overlap = m[j].start < m[i].end && m[i].start < m[j].end;
      if (!overlap)
        continue;
      if (q->exclude)
        vetoed = true;
      else if (m[j].start < m[i].start ||
               (m[j].start == m[i].start &&
                (m[j].end > m[i].end || (m[j].end == m[i].end && j < i))))
        shadowed = true; /* an earlier (or longer) match of the code covers it */
    }
    if (vetoed || shadowed)
      continue;
    if (!grow((void **)&cg->items, cg->count, &cg->cap, sizeof *cg->items))
      return BQW_ENOMEM;
    cg->items[cg->count++] = (bqw_coding){.record = record,
                                          .measure = measure,
                                          .code = p->code,
                                          .line = line,
                                          .start = sc->at[m[i].start],
                                          .end = sc->at[m[i].end],
                                          .char_start = m[i].start,
                                          .char_end = m[i].end};
    for (int c = (int)p->code; c >= 0; c = cb->codes[c].parent)
      has[c] = 1;
  }
  return 0;
}

static int push_names(const bqw_codebook *cb, struct codings *cg, uint8_t *has,
                      uint32_t *first, uint32_t *n) {
  *first = (uint32_t)cg->nnames;
  for (size_t c = 0; c < cb->count; c++)
    if (has[c]) {
      if (!grow((void **)&cg->names, cg->nnames, &cg->names_cap, sizeof *cg->names))
        return BQW_ENOMEM;
      cg->names[cg->nnames++] = cb->codes[c].code;
    }
  *n = (uint32_t)(cg->nnames - *first);
  return 0;
}

static int compute_codings(const bqw_dataset *ds, const bqw_codebook *cb,
                           struct codings **out) {
  struct codings *cg = calloc(1, sizeof *cg);
  if (!cg)
    return BQW_ENOMEM;
  size_t nrec = ds->record_count, nmeas = ds->measure_count;
  scratch sc = {0};
  uint8_t *has = calloc(cb->count + 1, 2);
  uint8_t *rec_has = has ? has + cb->count + 1 : NULL;
  cg->rec_first = malloc((nrec + 1) * sizeof *cg->rec_first);
  cg->meas_first = malloc((nmeas + 1) * sizeof *cg->meas_first);
  cg->rec_n = malloc((nrec + 1) * sizeof *cg->rec_n);
  cg->meas_n = malloc((nmeas + 1) * sizeof *cg->meas_n);
  int rc =
      has && cg->rec_first && cg->meas_first && cg->rec_n && cg->meas_n ? 0 : BQW_ENOMEM;
  size_t nchars;
  for (size_t r = 0; rc == 0 && r < nrec; r++) {
    const bqw_record *rec = &ds->records[r];
    memset(rec_has, 0, cb->count + 1);
    size_t g0 = rec->measure_count ? (size_t)(rec->measures - ds->measures) : 0;
    for (size_t i = 0; rc == 0 && i < rec->measure_count; i++) {
      const bqw_measure *me = &rec->measures[i];
      memset(has, 0, cb->count + 1);
      rc = scan_text(cb, &sc, me->text, strlen(me->text), &nchars);
      if (rc == 0)
        rc = code_unit(cb, &sc, cg, (uint32_t)r, (uint32_t)(i + 1), me->line, has);
      if (rc == 0)
        rc = push_names(cb, cg, has, &cg->meas_first[g0 + i], &cg->meas_n[g0 + i]);
      for (size_t c = 0; c < cb->count; c++)
        rec_has[c] |= has[c];
    }
    if (rc == 0 && rec->text) {
      memset(has, 0, cb->count + 1);
      rc = scan_text(cb, &sc, rec->text, strlen(rec->text), &nchars);
      if (rc == 0)
        rc = code_unit(cb, &sc, cg, (uint32_t)r, 0, rec->line, has);
      for (size_t c = 0; c < cb->count; c++)
        rec_has[c] |= has[c];
    }
    if (rc == 0)
      rc = push_names(cb, cg, rec_has, &cg->rec_first[r], &cg->rec_n[r]);
  }
  free(has);
  free(sc.cp);
  free(sc.at);
  free(sc.m);
  if (rc < 0) {
    dataset_codings_free(cg);
    return rc;
  }
  *out = cg;
  return 0;
}

/* The codings, computed on first use (under the dataset's lock); NULL without a
 * codebook or when out of memory (*status says which). */
const struct codings *dataset_codings(const bqw_dataset *cds, int *status) {
  bqw_dataset *ds = (bqw_dataset *)cds; /* the lock and the cache only */
  struct codings *cg = atomic_load(&ds->codings);
  if (status)
    *status = 0;
  if (cg || !ds->codebook)
    return cg;
  pthread_mutex_lock(&ds->index_lock);
  cg = atomic_load(&ds->codings);
  int rc = 0;
  if (!cg) {
    rc = compute_codings(ds, ds->codebook, &cg);
    if (rc == 0)
      atomic_store(&ds->codings, cg);
  }
  pthread_mutex_unlock(&ds->index_lock);
  if (status)
    *status = rc;
  return cg;
}

bool dataset_code_names(const bqw_dataset *ds, size_t record, size_t measure,
                        const char *const **names, size_t *count) {
  const struct codings *cg = dataset_codings(ds, NULL);
  if (!cg)
    return false;
  const bqw_record *r = &ds->records[record];
  size_t first, n;
  if (measure) {
    size_t g = (size_t)(r->measures - ds->measures) + measure - 1;
    first = cg->meas_first[g];
    n = cg->meas_n[g];
  } else {
    first = cg->rec_first[record];
    n = cg->rec_n[record];
  }
  *names = cg->names + first;
  *count = n;
  return true;
}

int bqw_dataset_set_codebook(bqw_dataset *ds, bqw_codebook *cb) {
  if (!ds)
    return BQW_EINVAL;
  bqw_codebook_ref(cb);
  bqw_codebook_free(ds->codebook);
  ds->codebook = cb;
  dataset_codings_free(atomic_exchange(&ds->codings, NULL));
  return 0;
}

const bqw_codebook *bqw_dataset_codebook(const bqw_dataset *ds) {
  return ds ? ds->codebook : NULL;
}

int bqw_dataset_codings(const bqw_dataset *ds, const bqw_coding **out, size_t *count) {
  if (!ds || !out || !count)
    return BQW_EINVAL;
  int rc;
  const struct codings *cg = dataset_codings(ds, &rc);
  *out = cg ? cg->items : NULL;
  *count = cg ? cg->count : 0;
  return rc;
}

const char *bqw_coding_text(const bqw_dataset *ds, const bqw_coding *c) {
  const bqw_record *r = ds && c ? bqw_record_at(ds, c->record) : NULL;
  if (!r)
    return NULL;
  if (c->measure == 0)
    return r->text;
  return c->measure <= r->measure_count ? r->measures[c->measure - 1].text : NULL;
}
