/*
 * query.c -- the `--where` language of bqw.h's query engine: a lexer and a
 * recursive-descent parser (the tokens, messages and caret positions of the Lua parser
 * it replaces), the check of closed vocabularies, and the evaluation of the tree on a
 * row over the field schema (bqw_record_value). Values are folded once when parsed;
 * a row's texts are folded into one buffer the query reuses.
 */
#include "internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 100
#define NONE_ID UINT32_MAX

typedef enum tok_type { T_LPAREN, T_RPAREN, T_WORD, T_OP, T_END } tok_type;
typedef enum op_kind { OP_EQ, OP_CONTAINS, OP_GE, OP_LE, OP_GT, OP_LT } op_kind;

/* Operators, longest first so ">=" is not read as ">". */
static const char *const op_text[] = {"!=", "!~", ">=", "<=", "=", "~", ">", "<"};

typedef struct token {
  tok_type type;
  bool quoted;
  uint8_t op;        /* T_OP: index into op_text */
  size_t pos;        /* byte offset in the expression */
  const char *value; /* T_WORD: unquoted, NUL terminated (in the parser's buffer) */
  size_t value_len;
} token;

typedef enum node_type { N_AND, N_OR, N_NOT, N_LEAF } node_type;
typedef struct node {
  node_type type;
  uint32_t first, count; /* and, or, not: kids[first .. first + count) ; leaf: leaf */
} node;

typedef enum leaf_kind { L_FIELD, L_TEXT, L_USER } leaf_kind;
typedef struct leaf {
  leaf_kind kind;
  op_kind op;
  bqw_field_id field;
  int32_t *cp; /* a text field's value, folded */
  size_t ncp;
  uint32_t *kmp;           /* its failure table when long */
  long long from, to;      /* integers */
  char dfrom[16], dto[16]; /* dates: the prefixes A and B */
  int handle;              /* L_USER */
  unsigned char *bits;     /* L_TEXT: records with a hit */
  unsigned char *mbits;    /* L_TEXT, measure shape: measures with a hit (global index) */
} leaf;

struct bqw_query {
  bqw_dataset *ds;
  int measure_shape;
  int (*eval)(void *data, int handle, size_t record, size_t measure);
  void *data;
  node *nodes;
  size_t node_count, node_cap;
  uint32_t *kids;
  size_t kid_count, kid_cap;
  leaf *leaves;
  size_t leaf_count, leaf_cap;
  uint32_t root; /* NONE_ID: the empty expression, every row */
  int32_t *fcp;  /* the fold buffer */
  uint32_t *fat;
  size_t fcap;
};

/* ---- small helpers ---------------------------------------------------------------- */

/* Room for count + 1 items (array_grow grows only when count reaches cap). */
static bool grow(void **items, size_t count, size_t *cap, size_t size) {
  void *p = array_grow(*items, count, cap, size, 16);
  if (!p)
    return false;
  *items = p;
  return true;
}

/* Room for count + extra items. */
static bool reserve(void **items, size_t count, size_t extra, size_t *cap, size_t size) {
  if (count + extra <= *cap)
    return true;
  size_t n = *cap ? *cap : 16;
  while (n < count + extra)
    n *= 2;
  void *p = realloc(*items, n * size);
  if (!p)
    return false;
  *items = p;
  *cap = n;
  return true;
}

/* Folds s into the query's buffer; returns the code points, or NULL (out of memory). */
static const int32_t *fold_row(bqw_query *q, const char *s, size_t len, size_t *n) {
  if (len + 1 > q->fcap) {
    size_t cap = q->fcap ? q->fcap : 256;
    while (cap < len + 1)
      cap *= 2;
    int32_t *cp = realloc(q->fcp, cap * sizeof *cp);
    if (!cp)
      return NULL;
    q->fcp = cp;
    uint32_t *at = realloc(q->fat, cap * sizeof *at);
    if (!at)
      return NULL;
    q->fat = at;
    q->fcap = cap;
  }
  *n = bqw_fold(s, len, q->fcp, q->fat);
  return q->fcp;
}

/* ---- the lexer -------------------------------------------------------------------- */

typedef struct parser {
  bqw_query *q;
  const char *src;
  size_t len;
  size_t pos; /* where the lexer is */
  token cur;  /* the current token */
  int depth;
  char *strs; /* token values */
  size_t str_used;
  uint32_t *stack; /* children being collected */
  size_t sp, stack_cap;
  const bqw_query_options *opts;
  bqw_query_error *err;
  int rc;
  query_vocab *vocab[BQW_F_COUNT];
} parser;

static uint32_t column(const char *s, size_t pos) {
  uint32_t col = 1;
  for (size_t i = 0; i < pos; i++)
    if (!text_is_cont((unsigned char)s[i]))
      col++;
  return col;
}

/* Records an error at byte pos; returns -1 for the caller to return. */
__attribute__((format(printf, 3, 4))) static int fail(parser *p, size_t pos,
                                                      const char *fmt, ...) {
  if (p->rc)
    return -1;
  p->rc = BQW_EINVAL;
  p->err->pos = pos;
  p->err->col = column(p->src, pos);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
  va_end(ap);
  return -1;
}

static int fail_text(parser *p, size_t pos, const char *message) {
  return fail(p, pos, "%s", message);
}

static int oom(parser *p) {
  if (!p->rc) {
    p->rc = BQW_ENOMEM;
    p->err->pos = 0;
    p->err->col = 1;
    snprintf(p->err->message, sizeof p->err->message, "out of memory");
  }
  return -1;
}

static bool lua_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static bool word_stop(const char *s, size_t n, size_t e) {
  unsigned char c = (unsigned char)s[e];
  if (lua_space(c) || c == '(' || c == ')' || c == '"' || c == '\'' || c == '=' ||
      c == '~' || c == '<' || c == '>')
    return true;
  return c == '!' && e + 1 < n && (s[e + 1] == '=' || s[e + 1] == '~');
}

/* Reads the token at p->pos into p->cur (T_END at the end); -1 on a lexical error. */
static int lex_next(parser *p) {
  const char *s = p->src;
  size_t n = p->len, pos = p->pos;
  while (pos < n && lua_space((unsigned char)s[pos]))
    pos++;
  token t = {.type = T_END, .pos = pos};
  if (pos >= n) {
    p->pos = pos;
    p->cur = t;
    return 0;
  }
  char c = s[pos];
  if (c == '(' || c == ')') {
    t.type = c == '(' ? T_LPAREN : T_RPAREN;
    pos++;
  } else if (c == '"' || c == '\'') {
    char *buf = p->strs + p->str_used;
    size_t k = 0, i = pos + 1;
    for (;;) {
      if (i >= n) {
        char msg[64];
        snprintf(msg, sizeof msg, "unterminated quoted value; close it with %c", c);
        return fail_text(p, pos, msg);
      }
      if (s[i] == '\\' && i + 1 < n) {
        buf[k++] = s[i + 1];
        i += 2;
      } else if (s[i] == c) {
        break;
      } else {
        buf[k++] = s[i++];
      }
    }
    buf[k] = '\0';
    p->str_used += k + 1;
    t.type = T_WORD;
    t.quoted = true;
    t.value = buf;
    t.value_len = k;
    pos = i + 1;
  } else {
    int matched = -1;
    for (int o = 0; o < 8 && matched < 0; o++) {
      size_t ol = strlen(op_text[o]);
      if (pos + ol <= n && !memcmp(s + pos, op_text[o], ol))
        matched = o;
    }
    if (matched >= 0) {
      t.type = T_OP;
      t.op = (uint8_t)matched;
      pos += strlen(op_text[matched]);
    } else if (c == '!') {
      return fail_text(p, pos,
                       "a lone ! is not an operator; write != or !~, or not before a "
                       "filter");
    } else {
      size_t e = pos;
      while (e < n && !word_stop(s, n, e))
        e++;
      if (e == pos)
        return fail(p, pos, "unexpected character \"%c\"", c);
      char *buf = p->strs + p->str_used;
      memcpy(buf, s + pos, e - pos);
      buf[e - pos] = '\0';
      p->str_used += e - pos + 1;
      t.type = T_WORD;
      t.value = buf;
      t.value_len = e - pos;
      pos = e;
    }
  }
  p->pos = pos;
  p->cur = t;
  return 0;
}

/* Checks every token (a lexical error anywhere comes before any other), then reads
 * the first: the parser then reads one token at a time, holding none but the current. */
static int lex_start(parser *p) {
  p->strs = malloc(2 * p->len + 2);
  if (!p->strs)
    return oom(p);
  do {
    if (lex_next(p))
      return -1;
    p->str_used = 0;
  } while (p->cur.type != T_END);
  p->pos = 0;
  return lex_next(p);
}

static int advance(parser *p) { return lex_next(p); }

/* ---- the tree --------------------------------------------------------------------- */

static uint32_t new_node(parser *p, node_type type, uint32_t first, uint32_t count) {
  bqw_query *q = p->q;
  if (q->node_count == q->node_cap &&
      !grow((void **)&q->nodes, q->node_count, &q->node_cap, sizeof *q->nodes)) {
    oom(p);
    return NONE_ID;
  }
  q->nodes[q->node_count] = (node){type, first, count};
  return (uint32_t)q->node_count++;
}

static bool push_kid(parser *p, uint32_t id) {
  if (p->sp == p->stack_cap &&
      !grow((void **)&p->stack, p->sp, &p->stack_cap, sizeof *p->stack))
    return oom(p), false;
  p->stack[p->sp++] = id;
  return true;
}

/* The node joining the children stacked since mark (one alone is itself). */
static uint32_t join(parser *p, size_t mark, node_type type) {
  size_t count = p->sp - mark;
  if (count == 1) {
    p->sp = mark;
    return p->stack[mark];
  }
  bqw_query *q = p->q;
  if (!reserve((void **)&q->kids, q->kid_count, count, &q->kid_cap, sizeof *q->kids))
    return oom(p), NONE_ID;
  uint32_t first = (uint32_t)q->kid_count;
  memcpy(q->kids + first, p->stack + mark, count * sizeof *q->kids);
  q->kid_count += count;
  p->sp = mark;
  return new_node(p, type, first, (uint32_t)count);
}

static uint32_t not_of(parser *p, uint32_t inner) {
  bqw_query *q = p->q;
  if (q->kid_count == q->kid_cap &&
      !grow((void **)&q->kids, q->kid_count, &q->kid_cap, sizeof *q->kids))
    return oom(p), NONE_ID;
  q->kids[q->kid_count] = inner;
  return new_node(p, N_NOT, (uint32_t)q->kid_count++, 1);
}

/* A closed vocabulary's value must name a known value (vocab.c). */
static int check_vocab(parser *p, const bqw_field_info *fi, const leaf *lf,
                       const token *v) {
  char msg[sizeof p->err->message];
  int rc =
      query_vocab_check(&p->vocab[fi->id], p->q->ds, fi, lf->op == OP_CONTAINS, lf->cp,
                        lf->ncp, lf->kmp, v->value, v->value_len, msg, sizeof msg);
  if (rc < 0)
    return oom(p);
  return rc ? fail_text(p, v->pos, msg) : 0;
}

/* ---- values ----------------------------------------------------------------------- */

static int parse_range(parser *p, const char *word, const token *v, leaf *lf) {
  char msg[sizeof p->err->message];
  if (query_parse_range(word, v->value, v->value_len, &lf->from, &lf->to, msg,
                        sizeof msg))
    return fail_text(p, v->pos, msg);
  return 0;
}

static int parse_dates(parser *p, const char *word, const token *v, leaf *lf) {
  char msg[sizeof p->err->message];
  if (query_parse_dates(word, v->value, v->value_len, lf->dfrom, lf->dto, msg,
                        sizeof msg))
    return fail_text(p, v->pos, msg);
  return 0;
}

/* `text`: the records (and, in the measure shape, the measures) the search finds. */
static int search_leaf(parser *p, const token *v, leaf *lf) {
  bqw_dataset *ds = p->q->ds;
  bqw_results *res = NULL;
  int rc = bqw_dataset_search(ds, v->value, v->value_len, SIZE_MAX, &res);
  if (rc == BQW_EINVAL)
    return fail_text(p, v->pos,
                     "bad value for text: empty search query: give some text to find");
  if (rc)
    return oom(p);
  size_t records = bqw_record_count(ds);
  lf->bits = calloc(records / 8 + 1, 1);
  if (p->q->measure_shape)
    lf->mbits = calloc(ds->measure_count / 8 + 1, 1);
  if (!lf->bits || (p->q->measure_shape && !lf->mbits)) {
    bqw_results_free(res);
    return oom(p);
  }
  for (size_t i = 0; i < res->count; i++) {
    size_t record, item;
    bqw_field field;
    bqw_tag_split(res->hits[i].tag, &record, &field, &item);
    if (record >= records)
      continue;
    lf->bits[record / 8] |= (unsigned char)(1u << (record % 8));
    const bqw_record *r = bqw_record_at(ds, record);
    if (lf->mbits && field == BQW_FIELD_MEASURE && item < r->measure_count) {
      size_t g = (size_t)(r->measures - ds->measures) + item;
      lf->mbits[g / 8] |= (unsigned char)(1u << (g % 8));
    }
  }
  bqw_results_free(res);
  return 0;
}

/* ---- the parser ------------------------------------------------------------------- */

static bool is_keyword(const token *t, const char *word) {
  if (t->type != T_WORD || t->quoted || t->value_len != strlen(word))
    return false;
  for (size_t i = 0; i < t->value_len; i++)
    if (tolower((unsigned char)t->value[i]) != word[i])
      return false;
  return true;
}

/* The schema field whose filter word is word (not "text"), or NULL. */
static const bqw_field_info *filter_field(const char *word, size_t len) {
  for (size_t i = 0; i < BQW_F_COUNT; i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    if (fi->filter && (fi->flags & BQW_FLAG_FILTER) && strlen(fi->filter) == len &&
        !memcmp(fi->filter, word, len))
      return fi;
  }
  return NULL;
}

static bool overridden(const bqw_query_options *o, const char *word, size_t len) {
  if (!o || !o->overridden)
    return false;
  for (const char *w = o->overridden; *w; w += strlen(w) + 1)
    if (strlen(w) == len && !memcmp(w, word, len))
      return true;
  return false;
}

/* The filter words, sorted, for messages and suggestions. */
static size_t filter_words(const char **out) {
  size_t n = 0;
  out[n++] = "text";
  for (size_t i = 0; i < BQW_F_COUNT; i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    if (fi->filter && (fi->flags & BQW_FLAG_FILTER))
      out[n++] = fi->filter;
  }
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(out[j - 1], out[j]) > 0; j--) {
      const char *t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return n;
}

/* Byte edit distance with transpositions, as query.lua's suggest(). */
static size_t byte_distance(const char *a, size_t na, const char *b, size_t nb) {
  int32_t x[65], y[65];
  for (size_t i = 0; i < na; i++)
    x[i] = (unsigned char)a[i];
  for (size_t i = 0; i < nb; i++)
    y[i] = (unsigned char)b[i];
  return query_distance(x, na, y, nb);
}

static int unknown_filter(parser *p, const token *t) {
  const char *words[BQW_F_COUNT + 1];
  size_t n = filter_words(words);
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  if (t->value_len <= 64)
    for (size_t i = 0; i < n; i++) {
      size_t d = byte_distance(t->value, t->value_len, words[i], strlen(words[i]));
      if (d < best_d) {
        best = words[i];
        best_d = d;
      }
    }
  size_t limit = t->value_len / 3 > 1 ? t->value_len / 3 : 1;
  char hint[256];
  hint[0] = '\0';
  if (best && best_d <= limit)
    snprintf(hint, sizeof hint, "%s", best);
  const char *bang = memchr(t->value, '!', t->value_len);
  if (bang && bang > t->value) {
    size_t before = (size_t)(bang - t->value);
    bool known =
        filter_field(t->value, before) || (before == 4 && !memcmp(t->value, "text", 4));
    if (known)
      snprintf(hint, sizeof hint, "%.*s!=%.*s", (int)before, t->value,
               (int)(t->value_len - before - 1 > 100 ? 100 : t->value_len - before - 1),
               bang + 1);
  }
  char msg[sizeof p->err->message];
  size_t used = 0;
  msg[0] = '\0';
  query_put_str(msg, sizeof msg, &used, "unknown filter ");
  query_put_quoted(msg, sizeof msg, &used, t->value, t->value_len, 120);
  if (hint[0]) {
    query_put_str(msg, sizeof msg, &used, ", did you mean ");
    query_put_quoted(msg, sizeof msg, &used, hint, strlen(hint), 200);
    query_put_str(msg, sizeof msg, &used, "?");
  }
  query_put_str(msg, sizeof msg, &used, " (filters: ");
  for (size_t i = 0; i < n; i++) {
    if (i)
      query_put_str(msg, sizeof msg, &used, ", ");
    query_put_str(msg, sizeof msg, &used, words[i]);
  }
  query_put_str(msg, sizeof msg, &used, ")");
  return fail_text(p, t->pos, msg);
}

static uint32_t new_leaf(parser *p, leaf lf) {
  bqw_query *q = p->q;
  if (q->leaf_count == q->leaf_cap &&
      !grow((void **)&q->leaves, q->leaf_count, &q->leaf_cap, sizeof *q->leaves)) {
    free(lf.cp);
    free(lf.kmp);
    free(lf.bits);
    free(lf.mbits);
    return oom(p), NONE_ID;
  }
  q->leaves[q->leaf_count] = lf;
  return new_node(p, N_LEAF, (uint32_t)q->leaf_count++, 0);
}

/* Asks the caller's resolver about a word; op_tok and v NULL when the expression has
 * no operator or value after it (then only whether the word is known counts). */
static int resolve(parser *p, const token *t, const token *op_tok, const token *v,
                   int *handle) {
  const bqw_query_options *o = p->opts;
  bqw_query_error e;
  memset(&e, 0, sizeof e);
  e.pos = t->pos;
  int h = -1;
  if (o && o->resolve) {
    char op[3] = "";
    if (op_tok) {
      const char *base = op_tok->op == 0   ? "="
                         : op_tok->op == 1 ? "~"
                                           : op_text[op_tok->op];
      snprintf(op, sizeof op, "%s", base);
    }
    bqw_query_leaf ql = {t->value, op_tok ? op : NULL, v ? v->value : NULL, t->pos,
                         v ? v->pos : t->pos};
    h = o->resolve(o->data, &ql, &e);
  }
  if (h >= 0) {
    *handle = h;
    return 0;
  }
  if (e.message[0])
    return fail_text(p, e.pos <= p->len ? e.pos : t->pos, e.message);
  return unknown_filter(p, t);
}

static const char *ops_of(const bqw_field_info *fi) {
  if (!fi)
    return "~ =";
  return fi->type == BQW_TYPE_TEXT || fi->type == BQW_TYPE_TEXTS ? "= ~" : "= >= <= > <";
}

static uint32_t parse_or(parser *p);

static bool deeper(parser *p, const token *t) {
  if (++p->depth > MAX_DEPTH) {
    fail(p, t->pos,
         "nested more than %d levels deep (parentheses and not); simplify the expression",
         MAX_DEPTH);
    return false;
  }
  return true;
}

static uint32_t parse_filter(parser *p) {
  token word = p->cur, op_tok, val;
  const token *t = &word, *op = &op_tok, *v = &val;
  if (advance(p))
    return NONE_ID;
  const bqw_field_info *fi = filter_field(t->value, t->value_len);
  bool text = !fi && t->value_len == 4 && !memcmp(t->value, "text", 4);
  bool user = overridden(p->opts, t->value, t->value_len) || (!fi && !text);
  if (user && (!p->opts || !p->opts->resolve))
    return unknown_filter(p, t), NONE_ID;
  op_tok = p->cur;
  if (op->type != T_OP) {
    int h;
    if (user && resolve(p, t, NULL, NULL, &h))
      return NONE_ID;
    char msg[sizeof p->err->message];
    size_t used = 0;
    msg[0] = '\0';
    query_put_str(msg, sizeof msg, &used, "expected an operator after ");
    query_put_quoted(msg, sizeof msg, &used, t->value, t->value_len, 200);
    query_put_str(msg, sizeof msg, &used, ": = != ~ !~ >= <= > <");
    return fail_text(p, op->pos, msg), NONE_ID;
  }
  if (advance(p))
    return NONE_ID;
  val = p->cur;
  if (v->type != T_WORD) {
    int h;
    if (user && resolve(p, t, NULL, NULL, &h))
      return NONE_ID;
    return fail(p, v->pos, "expected a value after %.*s%s",
                (int)(t->value_len > 200 ? 200 : t->value_len), t->value,
                op_text[op->op]),
           NONE_ID;
  }
  if (advance(p))
    return NONE_ID;
  bool negated = op->op < 2;
  op_kind base = op->op == 0   ? OP_EQ
                 : op->op == 1 ? OP_CONTAINS
                               : (op_kind)(op->op == 2   ? OP_GE
                                           : op->op == 3 ? OP_LE
                                           : op->op == 4 ? OP_EQ
                                           : op->op == 5 ? OP_CONTAINS
                                           : op->op == 6 ? OP_GT
                                                         : OP_LT);
  leaf lf = {.op = base, .field = fi ? fi->id : BQW_F_COUNT};
  if (user) {
    lf.kind = L_USER;
    if (resolve(p, t, op, v, &lf.handle))
      return NONE_ID;
  } else {
    bool textual = !fi || fi->type == BQW_TYPE_TEXT || fi->type == BQW_TYPE_TEXTS;
    bool ok = textual ? base == OP_EQ || base == OP_CONTAINS : base != OP_CONTAINS;
    if (!ok)
      return fail(p, op->pos, "filter \"%s\" does not take %s (it takes: %s)",
                  fi ? fi->filter : "text", op_text[op->op], ops_of(fi)),
             NONE_ID;
    if (text) {
      lf.kind = L_TEXT;
      if (search_leaf(p, v, &lf)) {
        free(lf.bits);
        free(lf.mbits);
        return NONE_ID;
      }
    } else {
      lf.kind = L_FIELD;
      int rc = 0;
      if (fi->type == BQW_TYPE_DATE)
        rc = parse_dates(p, fi->filter, v, &lf);
      else if (!textual)
        rc = parse_range(p, fi->filter, v, &lf);
      else if (!query_fold_alloc(v->value, v->value_len, &lf.cp, &lf.ncp))
        rc = oom(p);
      else {
        lf.kmp = fold_word_table(lf.cp, lf.ncp);
        if (fi->flags & BQW_FLAG_CLOSED)
          rc = check_vocab(p, fi, &lf, v);
      }
      if (rc) {
        free(lf.cp);
        free(lf.kmp);
        return NONE_ID;
      }
    }
  }
  uint32_t id = new_leaf(p, lf);
  if (id == NONE_ID || !negated)
    return id;
  return not_of(p, id);
}

static uint32_t parse_term(parser *p) {
  token open = p->cur;
  const token *t = &open;
  if (t->type == T_LPAREN) {
    if (!deeper(p, t) || advance(p))
      return NONE_ID;
    uint32_t inner = parse_or(p);
    if (inner == NONE_ID)
      return NONE_ID;
    p->depth--;
    const token *close = &p->cur;
    if (close->type != T_RPAREN)
      return fail(p, close->pos, "expected ) to close the ( at column %u",
                  column(p->src, t->pos)),
             NONE_ID;
    if (advance(p))
      return NONE_ID;
    return inner;
  }
  if (is_keyword(t, "not")) {
    if (!deeper(p, t) || advance(p))
      return NONE_ID;
    uint32_t inner = parse_term(p);
    if (inner == NONE_ID)
      return NONE_ID;
    p->depth--;
    return not_of(p, inner);
  }
  if (t->type != T_WORD) {
    const char *what = t->type == T_END      ? "the expression ends"
                       : t->type == T_RPAREN ? "found )"
                       : t->type == T_LPAREN ? "found ("
                                             : NULL;
    if (what)
      return fail(p, t->pos, "expected a filter such as region=粤北, but %s", what),
             NONE_ID;
    return fail(p, t->pos, "expected a filter such as region=粤北, but found %s",
                op_text[t->op]),
           NONE_ID;
  }
  return parse_filter(p);
}

static uint32_t parse_and(parser *p) {
  size_t mark = p->sp;
  uint32_t first = parse_term(p);
  if (first == NONE_ID || !push_kid(p, first))
    return NONE_ID;
  for (;;) {
    const token *t = &p->cur;
    if (is_keyword(t, "and")) {
      if (advance(p))
        return NONE_ID;
    } else if (t->type == T_END || t->type == T_RPAREN || is_keyword(t, "or")) {
      break;
    }
    uint32_t next = parse_term(p);
    if (next == NONE_ID || !push_kid(p, next))
      return NONE_ID;
  }
  return join(p, mark, N_AND);
}

static uint32_t parse_or(parser *p) {
  size_t mark = p->sp;
  uint32_t first = parse_and(p);
  if (first == NONE_ID || !push_kid(p, first))
    return NONE_ID;
  while (is_keyword(&p->cur, "or")) {
    if (advance(p))
      return NONE_ID;
    uint32_t next = parse_and(p);
    if (next == NONE_ID || !push_kid(p, next))
      return NONE_ID;
  }
  return join(p, mark, N_OR);
}

void bqw_query_free(bqw_query *q) {
  if (!q)
    return;
  for (size_t i = 0; i < q->leaf_count; i++) {
    free(q->leaves[i].cp);
    free(q->leaves[i].kmp);
    free(q->leaves[i].bits);
    free(q->leaves[i].mbits);
  }
  free(q->leaves);
  free(q->nodes);
  free(q->kids);
  free(q->fcp);
  free(q->fat);
  free(q);
}

int bqw_query_parse(bqw_dataset *ds, const char *expr, size_t len,
                    const bqw_query_options *opts, bqw_query **out,
                    bqw_query_error *err) {
  bqw_query_error scratch;
  if (!err)
    err = &scratch;
  memset(err, 0, sizeof *err);
  if (out)
    *out = NULL;
  if (!ds || !out || (!expr && len))
    return BQW_EINVAL;
  bqw_query *q = calloc(1, sizeof *q);
  if (!q)
    return BQW_ENOMEM;
  q->ds = ds;
  q->root = NONE_ID;
  if (opts) {
    q->measure_shape = opts->measure_shape;
    q->eval = opts->eval;
    q->data = opts->data;
  }
  parser p = {.q = q, .src = expr ? expr : "", .len = len, .opts = opts, .err = err};
  int rc = 0;
  if (lex_start(&p) == 0 && p.cur.type != T_END) {
    uint32_t root = parse_or(&p);
    if (root != NONE_ID) {
      const token *rest = &p.cur;
      if (rest->type != T_END)
        fail_text(&p, rest->pos,
                  rest->type == T_RPAREN ? "unmatched )" : "unexpected text");
      else
        q->root = root;
    }
  }
  rc = p.rc;
  free(p.strs);
  free(p.stack);
  for (size_t i = 0; i < BQW_F_COUNT; i++)
    query_vocab_free(p.vocab[i]);
  if (rc) {
    bqw_query_free(q);
    return rc;
  }
  *out = q;
  return 0;
}

/* ---- evaluation ------------------------------------------------------------------- */

static bool compare_int(long long v, const leaf *lf) {
  switch (lf->op) {
  case OP_EQ:
    return v >= lf->from && v <= lf->to;
  case OP_GE:
    return v >= lf->from;
  case OP_LE:
    return v <= lf->to;
  case OP_GT:
    return v > lf->to;
  case OP_LT:
    return v < lf->from;
  case OP_CONTAINS:
    break;
  }
  return false;
}

static bool compare_date(const char *d, const leaf *lf) {
  size_t nb = strlen(lf->dto);
  switch (lf->op) {
  case OP_EQ:
    return strcmp(d, lf->dfrom) >= 0 && strncmp(d, lf->dto, nb) <= 0;
  case OP_GE:
    return strcmp(d, lf->dfrom) >= 0;
  case OP_LE:
    return strncmp(d, lf->dto, nb) <= 0;
  case OP_GT:
    return strncmp(d, lf->dto, nb) > 0;
  case OP_LT:
    return strcmp(d, lf->dfrom) < 0;
  case OP_CONTAINS:
    break;
  }
  return false;
}

/* 1, 0, or BQW_ENOMEM: a text against the leaf's folded value. */
static int match_text(bqw_query *q, const leaf *lf, const char *s) {
  if (!s)
    return 0;
  size_t n;
  const int32_t *cp = fold_row(q, s, strlen(s), &n);
  if (!cp)
    return BQW_ENOMEM;
  return lf->op == OP_EQ ? query_equal(cp, n, lf->cp, lf->ncp)
                         : fold_contains(cp, n, lf->cp, lf->ncp, lf->kmp);
}

static int match_value(bqw_query *q, const leaf *lf, const bqw_value *v) {
  switch (v->type) {
  case BQW_TYPE_NONE:
    return 0;
  case BQW_TYPE_TEXT:
    return match_text(q, lf, v->text);
  case BQW_TYPE_DATE:
    return compare_date(v->text, lf);
  case BQW_TYPE_INTEGER:
    return compare_int(v->integer, lf);
  case BQW_TYPE_TEXTS:
    for (size_t i = 0; i < v->count; i++) {
      int m = match_text(q, lf, bqw_value_text_at(v, i));
      if (m)
        return m;
    }
    return 0;
  case BQW_TYPE_INTEGERS:
    for (size_t i = 0; i < v->count; i++)
      if (compare_int(bqw_value_int_at(v, i), lf))
        return 1;
    return 0;
  }
  return 0;
}

static int match_leaf(bqw_query *q, const leaf *lf, size_t record, size_t measure) {
  switch (lf->kind) {
  case L_USER:
    return q->eval ? q->eval(q->data, lf->handle, record, measure) : BQW_EINVAL;
  case L_TEXT:
    if (measure > 0 && lf->mbits) {
      const bqw_record *r = bqw_record_at(q->ds, record);
      size_t g = (size_t)(r->measures - q->ds->measures) + measure - 1;
      return lf->mbits[g / 8] >> (g % 8) & 1;
    }
    return lf->bits[record / 8] >> (record % 8) & 1;
  case L_FIELD:
    break;
  }
  bqw_field_id f = lf->field;
  size_t m = measure;
  if (f == BQW_F_MEASURES && m > 0)
    f = BQW_F_MEASURE; /* the row's own measure */
  bqw_value v;
  bqw_record_value(q->ds, record, m, f, &v);
  int rc = match_value(q, lf, &v);
  int also = bqw_schema_field(f)->also;
  if (rc == 0 && also >= 0) {
    bqw_record_value(q->ds, record, m, (bqw_field_id)also, &v);
    rc = match_value(q, lf, &v);
  }
  return rc;
}

static int eval_node(bqw_query *q, uint32_t id, size_t record, size_t measure) {
  const node *n = &q->nodes[id];
  switch (n->type) {
  case N_LEAF:
    return match_leaf(q, &q->leaves[n->first], record, measure);
  case N_NOT: {
    int rc = eval_node(q, q->kids[n->first], record, measure);
    return rc < 0 ? rc : !rc;
  }
  case N_AND:
  case N_OR:
    for (uint32_t i = 0; i < n->count; i++) {
      int rc = eval_node(q, q->kids[n->first + i], record, measure);
      if (rc < 0)
        return rc;
      if ((n->type == N_AND) != (rc == 1))
        return rc;
    }
    return n->type == N_AND;
  }
  return 0;
}

int bqw_query_match(bqw_query *q, size_t record, size_t measure) {
  if (!q)
    return 1;
  const bqw_record *r = bqw_record_at(q->ds, record);
  if (!r || measure > r->measure_count)
    return BQW_ERANGE;
  if (!q->measure_shape)
    measure = 0;
  if (q->root == NONE_ID)
    return 1;
  return eval_node(q, q->root, record, measure);
}

int bqw_query_match_record(bqw_query *q, size_t record) {
  if (!q)
    return 1;
  size_t n = q->measure_shape ? bqw_record_measure_rows(q->ds, record) : 0;
  if (n == 0)
    return bqw_query_match(q, record, 0);
  for (size_t m = 1; m <= n; m++) {
    int rc = bqw_query_match(q, record, m);
    if (rc != 0)
      return rc;
  }
  return 0;
}

int bqw_query_measure_shape(const bqw_query *q) { return q && q->measure_shape; }
