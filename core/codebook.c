/*
 * codebook.c -- codebooks: TSV files of codes and the words that signal them, read
 * strictly (compiler-style errors), into one set whose automaton code.c builds.
 *
 * Patterns and texts are folded by bqw_fold (script, width, case, the curated
 * overrides), one folded code point per character, so a match in folded text is a match
 * at the same characters of the text as published: its byte span comes from the fold's
 * offsets. The automaton is built once per codebook set; coding reads each text once.
 */
#include "code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the codebook ----------------------------------------------------------------- */

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
    char where[256]; /* a long file name is cut: the whole message holds 512 bytes */
    snprintf(where, sizeof where, "%.240s:%u", cb->codes[dup].file, cb->codes[dup].line);
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
