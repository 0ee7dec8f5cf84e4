/*
 * search.c -- full-text search: an inverted index of character unigrams and bigrams
 * (with positions) over folded text.
 *
 * Folding maps every character to one character (Traditional to Simplified by
 * OpenCC's character table, full-width to ASCII, upper to lower case), so a fold never
 * changes where characters are and a match in folded text is a match at the same place
 * in the original. The curated conversion overrides (data/convert-overrides.tsv) then
 * apply to the folded text, by maximum match from the left, as the converter applies
 * them: 著力 folds to 着力 as it is shown, while 著名 stays 著名. They only change a few
 * characters (the rules' triggers, 著 and 瞭, into their targets, 着 and 了), so a query
 * holding none of those matches the same places with or without them, and only such a
 * query needs the candidates' text folded whole.
 *
 * A query of one or two characters is answered by one posting list, exactly. One word of
 * three or more is answered from the positions its bigram lists carry (bigrams at 0, 2,
 * 4, … and the last, which cover every character, at p, p + 2, … for one p), without
 * reading the text. Several words intersect the three rarest lists and verify each
 * candidate against its folded text. Documents are numbered in the order they are
 * added, which is the rank order: the dataset adds titles, then headlines, then
 * measures, then prose, each in source order, so the first hits of a posting list are
 * the best.
 *
 * Posting lists are delta-encoded varints in one array, sized exactly by a counting
 * pass before a filling pass; a bigram's list has each document's positions after it.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fold_table.h"

int32_t text_fold(int32_t cp) {
  if (cp < 0 || cp >= 0x110000)
    return cp;
  return cp + fold_stage2[fold_stage1[cp >> 8]][cp & 0xFF];
}

/* ---- the conversion overrides, folded: built once, read-only afterwards ---- */

/* Folded rules sorted by their first character, so a position is matched against the
 * rules that start with its character only (a binary search, then that run). The
 * array holds every override: convert.c fails to compile when CV_OVERRIDES exceeds
 * CV_OVERRIDES_MAX. The characters the rules change (triggers) and produce (targets)
 * are few (著, 瞭); should they ever exceed MAX_RULE_CHARS, every character counts as
 * one (slower, never wrong). */
#define MAX_RULE_CHARS 16
typedef struct fold_rules {
  size_t count;
  cv_override rule[CV_OVERRIDES_MAX]; /* from and to folded, sorted by from[0] */
  int32_t trigger[MAX_RULE_CHARS], target[MAX_RULE_CHARS];
  size_t triggers, targets;
  bool every_char;       /* the sets overflowed: every character may be one */
  uint64_t trigger_bits; /* bit (cp & 63) of each trigger: a quick "surely not" */
} fold_rules;

static fold_rules rules;
static pthread_once_t rules_built = PTHREAD_ONCE_INIT;

static void add_char(fold_rules *fr, int32_t *set, size_t *n, int32_t cp) {
  for (size_t i = 0; i < *n; i++)
    if (set[i] == cp)
      return;
  if (*n < MAX_RULE_CHARS)
    set[(*n)++] = cp;
  else
    fr->every_char = true;
}

static int by_first_char(const void *a, const void *b) {
  const cv_override *x = a, *y = b;
  return (x->from[0] > y->from[0]) - (x->from[0] < y->from[0]);
}

static void build_rules(void) {
  const cv_override *ov;
  size_t n = convert_overrides(&ov);
  for (size_t i = 0; i < n; i++) {
    cv_override *r = &rules.rule[rules.count++];
    r->len = ov[i].len;
    for (int k = 0; k < r->len; k++) {
      r->from[k] = text_fold(ov[i].from[k]);
      r->to[k] = text_fold(ov[i].to[k]);
      if (r->from[k] != r->to[k]) {
        add_char(&rules, rules.trigger, &rules.triggers, r->from[k]);
        add_char(&rules, rules.target, &rules.targets, r->to[k]);
        rules.trigger_bits |= (uint64_t)1 << (r->from[k] & 63);
      }
    }
  }
  if (rules.every_char)
    rules.trigger_bits = ~(uint64_t)0;
  qsort(rules.rule, rules.count, sizeof *rules.rule, by_first_char);
}

static const fold_rules *fold_rules_get(void) {
  pthread_once(&rules_built, build_rules);
  return &rules;
}

static bool in_set(const int32_t *set, size_t n, int32_t cp) {
  for (size_t i = 0; i < n; i++)
    if (set[i] == cp)
      return true;
  return false;
}

/* Whether a folded character may start a change by the overrides. */
static bool is_trigger(const fold_rules *fr, int32_t cp) {
  return (fr->trigger_bits >> (cp & 63) & 1) &&
         (fr->every_char || in_set(fr->trigger, fr->triggers, cp));
}

/* The first rule whose from[0] is cp or greater. */
static size_t first_rule(const fold_rules *fr, int32_t cp) {
  size_t lo = 0, hi = fr->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (fr->rule[mid].from[0] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Applies the overrides to folded text, by maximum match from the left, in place. */
static void apply_rules(const fold_rules *fr, int32_t *cp, size_t n) {
  for (size_t i = 0; i < n;) {
    const cv_override *best = NULL;
    for (size_t r = first_rule(fr, cp[i]); r < fr->count && fr->rule[r].from[0] == cp[i];
         r++) {
      const cv_override *o = &fr->rule[r];
      if ((size_t)o->len <= n - i && (!best || o->len > best->len) &&
          !memcmp(cp + i, o->from, (size_t)o->len * sizeof *cp))
        best = o;
    }
    if (!best) {
      i++;
      continue;
    }
    memcpy(cp + i, best->to, (size_t)best->len * sizeof *cp);
    i += (size_t)best->len;
  }
}

/* Whether a folded word holds a character the overrides change or produce: only then
 * can matching it with the overrides differ from matching it without. */
static bool touches_rules(const fold_rules *fr, const int32_t *w, size_t m) {
  for (size_t i = 0; i < m; i++)
    if (fr->every_char || in_set(fr->trigger, fr->triggers, w[i]) ||
        in_set(fr->target, fr->targets, w[i]))
      return true;
  return false;
}

/* Decodes the character at s[*i] (U+FFFD for an invalid byte), advances *i past it. */
static int32_t next_char(const unsigned char *s, size_t len, size_t *i) {
  int32_t cp;
  size_t k = text_decode(s + *i, len - *i, &cp);
  if (!k) {
    k = 1;
    cp = 0xFFFD;
  }
  *i += k;
  return cp;
}

static bool is_space(int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 ||
         cp == 0xA0;
}

/* ---- the key table: open addressing over unigram and bigram keys ---- */

typedef struct entry {
  uint64_t key; /* 0: empty */
  uint32_t df;
  uint32_t last_doc; /* during building: the last document counted, + 1 */
  uint32_t last_pos; /* during building: the last position written in last_doc */
  uint64_t offset;   /* start of the posting list in postings */
  uint64_t bytes;    /* its length; during filling, the write cursor */
} entry;

typedef struct doc {
  const char *text;
  uint32_t len;
  uint64_t tag;
} doc;

struct bqw_index {
  doc *docs;
  size_t doc_count, doc_cap;
  entry *table;
  size_t table_cap, table_used;
  uint8_t *postings;
  size_t postings_len;
  size_t text_bytes;
  bool finished;
  int32_t *scratch; /* a document folded, while building */
  size_t scratch_cap;
};

static uint64_t unigram_key(int32_t a) { return ((uint64_t)1 << 63) | (uint64_t)a; }
static uint64_t bigram_key(int32_t a, int32_t b) {
  return ((uint64_t)(uint32_t)a << 21 | (uint64_t)(uint32_t)b) + 1;
}

/* One multiply (Fibonacci hashing), its high half folded onto the low bits the mask
 * keeps: two lookups per character of every document make the build's hot path. */
static inline uint64_t hash64(uint64_t k) {
  k *= 0x9E3779B97F4A7C15ULL;
  return k ^ (k >> 29);
}

static entry *lookup(const bqw_index *ix, uint64_t key) {
  if (!ix->table_cap)
    return NULL;
  size_t mask = ix->table_cap - 1;
  for (size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
    entry *e = &ix->table[i];
    if (e->key == key)
      return e;
    if (!e->key)
      return NULL;
  }
}

static bool grow(bqw_index *ix) {
  size_t cap = ix->table_cap ? ix->table_cap * 2 : 1 << 16;
  entry *t = calloc(cap, sizeof *t);
  if (!t)
    return false;
  advise_huge(t, cap * sizeof *t);
  for (size_t i = 0; i < ix->table_cap; i++) {
    entry *e = &ix->table[i];
    if (!e->key)
      continue;
    size_t j = hash64(e->key) & (cap - 1);
    while (t[j].key)
      j = (j + 1) & (cap - 1);
    t[j] = *e;
  }
  free(ix->table);
  ix->table = t;
  ix->table_cap = cap;
  return true;
}

static entry *upsert(bqw_index *ix, uint64_t key) {
  if ((ix->table_used + 1) * 4 > ix->table_cap * 3 && !grow(ix))
    return NULL;
  size_t mask = ix->table_cap - 1;
  for (size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
    entry *e = &ix->table[i];
    if (e->key == key)
      return e;
    if (!e->key) {
      e->key = key;
      ix->table_used++;
      return e;
    }
  }
}

static size_t varint_len(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static size_t varint_put(uint8_t *p, uint32_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static uint32_t varint_get(const uint8_t **p) {
  uint32_t v = 0;
  int shift = 0;
  for (;;) {
    uint8_t b = *(*p)++;
    v |= (uint32_t)(b & 0x7F) << shift;
    if (!(b & 0x80))
      return v;
    shift += 7;
  }
}

/* ---- building ---- */

bqw_index *bqw_index_new(void) { return calloc(1, sizeof(bqw_index)); }

void bqw_index_free(bqw_index *ix) {
  if (!ix)
    return;
  free(ix->docs);
  free(ix->table);
  free(ix->postings);
  free(ix->scratch);
  free(ix);
}

int bqw_index_add(bqw_index *ix, const char *text, size_t len, uint64_t tag) {
  if (!ix || (!text && len) || ix->finished || len >= UINT32_MAX ||
      ix->doc_count >= UINT32_MAX - 1)
    return BQW_EINVAL; /* documents and their lengths are counted in 32 bits */
  doc *docs = array_grow(ix->docs, ix->doc_count, &ix->doc_cap, sizeof *docs, 1024);
  if (!docs)
    return BQW_ENOMEM;
  ix->docs = docs;
  ix->docs[ix->doc_count++] = (doc){text ? text : "", (uint32_t)len, tag};
  ix->text_bytes += len;
  return 0;
}

/* Writes v to e's list (fill), or counts its bytes. */
__attribute__((always_inline)) static inline void put_varint(bqw_index *ix, entry *e,
                                                             bool fill, uint32_t v) {
  if (fill)
    e->bytes += varint_put(ix->postings + e->bytes, v);
  else
    e->bytes += varint_len(v);
}

static bool is_bigram_key(uint64_t key) { return !(key >> 63); }

/* Ends the positions of every bigram list's last document (a 0 byte). */
static void end_positions(bqw_index *ix, bool fill) {
  for (size_t i = 0; i < ix->table_cap; i++) {
    entry *e = &ix->table[i];
    if (e->key && is_bigram_key(e->key) && e->last_doc)
      put_varint(ix, e, fill, 0);
  }
}

/* Calls visit(ix, key, doc) once for every distinct key of each document; fill says
 * whether this is the counting or the filling pass (a constant in each of the two
 * calls below, so each pass is compiled apart, without a test of it per key). */
__attribute__((always_inline)) static inline int each_key(bqw_index *ix, bool fill,
                                                          const atomic_bool *cancel) {
  const fold_rules *fr = fold_rules_get();
  for (size_t d = 0; d < ix->doc_count; d++) {
    if (cancel && atomic_load_explicit(cancel, memory_order_relaxed))
      return BQW_ECANCELED;
    const unsigned char *s = (const unsigned char *)ix->docs[d].text;
    size_t n = ix->docs[d].len;
    if (n + 1 > ix->scratch_cap) {
      int32_t *grown = realloc(ix->scratch, (n + 1) * sizeof *grown);
      if (!grown)
        return BQW_ENOMEM;
      ix->scratch = grown;
      ix->scratch_cap = n + 1;
    }
    int32_t *folded = ix->scratch;
    size_t chars = 0;
    bool triggered = false;
    for (size_t i = 0; i < n;) {
      int32_t cp = text_fold(next_char(s, n, &i));
      triggered = triggered || is_trigger(fr, cp);
      folded[chars++] = cp;
    }
    if (triggered)
      apply_rules(fr, folded, chars);
    int32_t prev = -1;
    for (size_t c = 0; c < chars; c++) {
      int32_t cp = folded[c];
      if (is_space(cp)) {
        prev = -1; /* spaces are not indexed, and a query's words are searched apart */
        continue;
      }
      uint64_t keys[2] = {unigram_key(cp), prev >= 0 ? bigram_key(prev, cp) : 0};
      prev = cp;
      for (int j = 0; j < 2; j++) {
        if (!keys[j])
          continue;
        entry *e = fill ? lookup(ix, keys[j]) : upsert(ix, keys[j]);
        if (!e)
          return BQW_ENOMEM;
        uint32_t id = (uint32_t)d + 1,
                 pos = (uint32_t)c - 1; /* where the bigram starts */
        if (e->last_doc == id) {
          if (j == 0)
            continue;
          put_varint(ix, e, fill, pos - e->last_pos); /* >= 1: positions rise */
          e->last_pos = pos;
          continue;
        }
        if (j == 1 && e->last_doc)
          put_varint(ix, e, fill, 0); /* ends the previous document's positions */
        put_varint(ix, e, fill, id - e->last_doc);
        e->last_doc = id;
        if (!fill)
          e->df++;
        if (j == 1) {
          put_varint(ix, e, fill, pos + 1);
          e->last_pos = pos;
        }
      }
    }
  }
  return 0;
}

int bqw_index_finish(bqw_index *ix) { return index_finish(ix, NULL); }

static int count_keys(bqw_index *ix, const atomic_bool *cancel) {
  return each_key(ix, false, cancel);
}

static int fill_keys(bqw_index *ix, const atomic_bool *cancel) {
  return each_key(ix, true, cancel);
}

int index_finish(bqw_index *ix, const atomic_bool *cancel) {
  if (!ix || ix->finished)
    return BQW_EINVAL;
  if (!ix->table_cap && !grow(ix))
    return BQW_ENOMEM;
  int rc = count_keys(ix, cancel);
  if (rc)
    return rc;
  end_positions(ix, false);
  size_t total = 0;
  for (size_t i = 0; i < ix->table_cap; i++) {
    entry *e = &ix->table[i];
    if (!e->key)
      continue;
    e->offset = total;
    total += e->bytes;
    e->bytes = e->offset; /* the write cursor */
    e->last_doc = 0;
  }
  ix->postings = malloc(total ? total : 1);
  if (!ix->postings)
    return BQW_ENOMEM;
  advise_huge(ix->postings, total);
  ix->postings_len = total;
  if ((rc = fill_keys(ix, cancel)))
    return rc;
  end_positions(ix, true);
  for (size_t i = 0; i < ix->table_cap; i++) {
    entry *e = &ix->table[i];
    if (e->key)
      e->bytes -= e->offset;
  }
  free(ix->scratch);
  ix->scratch = NULL;
  ix->scratch_cap = 0;
  ix->finished = true;
  return 0;
}

size_t bqw_index_memory(const bqw_index *ix) {
  return ix->doc_cap * sizeof(doc) + ix->table_cap * sizeof(entry) + ix->postings_len;
}

size_t bqw_index_doc_count(const bqw_index *ix) { return ix->doc_count; }

uint64_t index_doc(const bqw_index *ix, size_t d, const char **text, size_t *len) {
  *text = ix->docs[d].text;
  *len = ix->docs[d].len;
  return ix->docs[d].tag;
}

/* ---- querying ---- */

/* Folds text into code points (spaces collapsed to one ' ', ends trimmed). */
static size_t fold_query(const char *q, size_t len, int32_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int32_t cp = next_char((const unsigned char *)q, len, &i);
    cp = text_fold(cp);
    if (is_space(cp)) {
      if (n && out[n - 1] != ' ')
        out[n++] = ' ';
      continue;
    }
    out[n++] = cp;
  }
  while (n && out[n - 1] == ' ')
    n--;
  apply_rules(fold_rules_get(), out, n);
  return n;
}

/* Where the folded query occurs in text: byte ranges of each match, none overlapping.
 * Returns how many; writes at most max. */
/* The text folded (n characters, overrides applied) with each character's byte
 * offset; at[n] is len. */
static size_t fold_with_offsets(const char *text, size_t len, int32_t *cp, uint32_t *at) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    at[n] = (uint32_t)i;
    cp[n++] = text_fold(next_char((const unsigned char *)text, len, &i));
  }
  at[n] = (uint32_t)len;
  apply_rules(fold_rules_get(), cp, n);
  return n;
}

size_t bqw_fold(const char *s, size_t len, int32_t *cp, uint32_t *at) {
  return fold_with_offsets(s, len, cp, at);
}

/* A word longer than this is searched for by Knuth-Morris-Pratt: comparing at every
 * place its first character is found costs up to the text's length times the word's
 * (a 20,000-character query over a 200,000-character measure took 11.6 s). */
#define SHORT_WORD 16

/* The word's failure table (the longest proper border of each prefix), or NULL when
 * it is short or there is no memory: then the plain scan. */
static uint32_t *word_table(const int32_t *w, size_t m) {
  uint32_t *f = m > SHORT_WORD ? malloc(m * sizeof *f) : NULL;
  if (!f)
    return NULL;
  f[0] = 0;
  for (size_t i = 1, k = 0; i < m; i++) {
    while (k && w[i] != w[k])
      k = f[k - 1];
    if (w[i] == w[k])
      k++;
    f[i] = (uint32_t)k;
  }
  return f;
}

/* Where word (m >= 1 characters) first occurs in text at or after from, or n: in time
 * linear in n - from with a table, else by the plain scan. */
static size_t find_word(const int32_t *text, size_t n, size_t from, const int32_t *word,
                        size_t m, const uint32_t *table) {
  if (!table) {
    for (size_t i = from; i + m <= n; i++)
      if (text[i] == word[0] && !memcmp(text + i + 1, word + 1, (m - 1) * sizeof *word))
        return i;
    return n;
  }
  for (size_t i = from, k = 0; i < n; i++) {
    while (k && text[i] != word[k])
      k = table[k - 1];
    if (text[i] == word[k] && ++k == m)
      return i + 1 - m;
  }
  return n;
}

/* Where the folded query occurs in the folded text: byte ranges of each match, none
 * overlapping. Returns how many; writes at most max. */
static size_t find_matches(const int32_t *cp, const uint32_t *at, size_t n,
                           const int32_t *q, size_t m, bqw_span *spans, size_t max) {
  size_t found = 0;
  if (!m || m > n)
    return 0;
  uint32_t *table = word_table(q, m);
  for (size_t i = 0; (i = find_word(cp, n, i, q, m, table)) < n; i += m) {
    if (found < max)
      spans[found] = (bqw_span){at[i], at[i + m]};
    found++;
  }
  free(table);
  return found;
}

/* The terms of a folded query: runs between spaces. */
typedef struct term {
  const int32_t *cp;
  size_t len;
} term;

static size_t split_terms(const int32_t *q, size_t m, term *terms) {
  size_t n = 0;
  for (size_t i = 0; i < m;) {
    while (i < m && q[i] == ' ')
      i++;
    size_t start = i;
    while (i < m && q[i] != ' ')
      i++;
    if (i > start)
      terms[n++] = (term){q + start, i - start};
  }
  return n;
}

static int span_order(const void *a, const void *b) {
  const bqw_span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

size_t bqw_match_spans(const char *text, size_t len, const char *query, size_t qlen,
                       bqw_span *spans, size_t max) {
  int32_t *q = malloc((qlen + 1) * sizeof *q), *cp = malloc((len + 1) * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  term *terms = malloc((qlen / 2 + 1) * sizeof *terms);
  bqw_span *all = NULL;
  size_t total = 0, stored = 0;
  if (!q || !terms || !cp || !at)
    goto done;
  size_t nterms = split_terms(q, fold_query(query, qlen, q), terms);
  size_t n = fold_with_offsets(text, len, cp, at);
  for (size_t t = 0; t < nterms; t++)
    total += find_matches(cp, at, n, terms[t].cp, terms[t].len, NULL, 0);
  all = malloc((total + 1) * sizeof *all);
  if (!all)
    goto done;
  for (size_t t = 0; t < nterms; t++)
    stored +=
        find_matches(cp, at, n, terms[t].cp, terms[t].len, all + stored, total - stored);
  qsort(all, stored, sizeof *all, span_order);
  /* overlapping matches of different terms merge into one span */
  total = 0;
  for (size_t i = 0; i < stored; i++) {
    if (total && all[i].start < all[total - 1].end) {
      if (all[i].end > all[total - 1].end)
        all[total - 1].end = all[i].end;
    } else {
      all[total++] = all[i];
    }
  }
  for (size_t i = 0; i < total && i < max; i++)
    spans[i] = all[i];
done:
  free(q);
  free(cp);
  free(at);
  free(terms);
  free(all);
  return total;
}

/* A posting list being read. A unigram's list is the documents holding it, as deltas;
 * a bigram's list has after each document the positions (in characters, from 0) where
 * the bigram starts in it: the first + 1, then deltas (>= 1), then a 0 byte. No other
 * byte of a list is 0 (a varint's last byte is 0 only for the value 0), so skipping a
 * document's positions is a memchr. */
typedef struct list {
  const uint8_t *p, *end;
  const uint8_t *positions; /* the current document's, for a bigram list */
  uint32_t doc;             /* current document, 1-based; 0 before the first */
  uint32_t df;
  bool positional;
} list;

static bool list_open(const bqw_index *ix, uint64_t key, list *l) {
  entry *e = lookup(ix, key);
  if (!e)
    return false;
  l->p = ix->postings + e->offset;
  l->end = l->p + e->bytes;
  l->positions = NULL;
  l->doc = 0;
  l->df = e->df;
  l->positional = is_bigram_key(key);
  return true;
}

static bool list_next(list *l) {
  if (l->positional && l->doc) {
    const uint8_t *z = memchr(l->p, 0, (size_t)(l->end - l->p));
    l->p = z ? z + 1 : l->end;
  }
  if (l->p >= l->end)
    return false;
  l->doc += varint_get(&l->p);
  l->positions = l->p;
  return true;
}

/* The current document's positions of a bigram list into out; how many, or max + 1
 * when there are more than max. */
static size_t list_positions(const list *l, uint32_t *out, size_t max) {
  const uint8_t *p = l->positions;
  size_t n = 0;
  uint32_t v = varint_get(&p), pos = v - 1;
  while (v) {
    if (n == max)
      return max + 1;
    out[n++] = pos;
    v = varint_get(&p);
    pos += v;
  }
  return n;
}

/* Advances l to the first document >= target. */
static bool list_seek(list *l, uint32_t target) {
  while (l->doc < target)
    if (!list_next(l))
      return false;
  return true;
}

int results_push(bqw_results *r, uint64_t tag, uint32_t doc_index, size_t limit) {
  r->total++;
  if (r->count >= limit)
    return 0; /* counted, not kept */
  bqw_hit *hits = array_grow(r->hits, r->count, &r->cap, sizeof *hits, 16);
  if (!hits)
    return BQW_ENOMEM;
  r->hits = hits;
  r->hits[r->count++] = (bqw_hit){tag, doc_index};
  return 0;
}

/* The document's tag is read only for a hit that is kept: past the limit a hit is only
 * counted, and reading a tag for every posting of a long list costs a cache miss each. */
static int push_hit(bqw_results *r, const bqw_index *ix, uint32_t doc_id, size_t limit) {
  if (r->count >= limit) {
    r->total++;
    return 0;
  }
  return results_push(r, ix->docs[doc_id - 1].tag, doc_id - 1, limit);
}

/* Folds text into code points, one per character (invalid bytes as U+FFFD). */
static size_t fold_text(const char *text, size_t len, int32_t *out) {
  const unsigned char *s = (const unsigned char *)text;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int32_t cp = next_char(s, len, &i);
    out[n++] = text_fold(cp);
  }
  apply_rules(fold_rules_get(), out, n);
  return n;
}

/* Whether the folded text holds the term (a long term's table costs no more than the
 * text, as it is made only for a text at least as long). */
static bool contains(const int32_t *text, size_t n, const int32_t *word, size_t m) {
  if (!m || m > n)
    return false;
  uint32_t *table = word_table(word, m);
  bool found = find_word(text, n, 0, word, m, table) < n;
  free(table);
  return found;
}

/* Whether text holds the folded word: each character decoded and folded once on the
 * way, the rest of the word compared only where its first character is found, and
 * the scan ends at the first match. A long word: the text folded whole (as here,
 * without the overrides), then contains. */
static bool occurs(const char *text, size_t len, const int32_t *word, size_t m) {
  const unsigned char *s = (const unsigned char *)text;
  if (m > SHORT_WORD) {
    if (m > len)
      return false; /* m characters take m bytes at least */
    int32_t *folded = malloc((len + 1) * sizeof *folded);
    if (folded) {
      size_t n = 0;
      for (size_t i = 0; i < len;)
        folded[n++] = text_fold(next_char(s, len, &i));
      bool found = contains(folded, n, word, m);
      free(folded);
      return found;
    }
  }
  for (size_t i = 0; i < len;) {
    int32_t cp = next_char(s, len, &i);
    if (text_fold(cp) != word[0])
      continue;
    size_t at = i, j = 1;
    while (j < m && at < len) {
      size_t k2 = text_decode(s + at, len - at, &cp);
      if (!k2) {
        k2 = 1;
        cp = 0xFFFD;
      }
      if (text_fold(cp) != word[j])
        break;
      at += k2;
      j++;
    }
    if (j == m)
      return true;
  }
  return false;
}

#define CANDIDATE_LISTS 3
#define MAX_QUERY_BIGRAMS 32

/* Byte spellings of a one-word query that fold exactly as it does: the query as
 * typed, and OpenCC's Simplified and Traditional forms of it. A candidate holding one
 * of them verbatim is a match found by memmem, without folding its text; the fold scan
 * remains for mixed-script or other spellings. */
#define MAX_SPELLINGS 3
typedef struct spellings {
  char *text[MAX_SPELLINGS];
  size_t len[MAX_SPELLINGS];
  int count;
} spellings;

static bool folds_to(const char *s, size_t len, const int32_t *word, size_t m) {
  size_t i = 0, j = 0;
  while (i < len && j < m)
    if (text_fold(next_char((const unsigned char *)s, len, &i)) != word[j++])
      return false;
  return i == len && j == m;
}

static void add_spelling(spellings *sp, char *text, size_t len, const int32_t *word,
                         size_t m) {
  bool keep = text && len && folds_to(text, len, word, m);
  for (int i = 0; keep && i < sp->count; i++)
    keep = sp->len[i] != len || memcmp(sp->text[i], text, len);
  if (keep && sp->count < MAX_SPELLINGS) {
    sp->text[sp->count] = text;
    sp->len[sp->count++] = len;
  } else {
    free(text);
  }
}

static void spell_term(spellings *sp, const char *query, size_t qlen, const int32_t *word,
                       size_t m) {
  while (qlen && (query[0] == ' ' || query[0] == '\t'))
    query++, qlen--;
  while (qlen && (query[qlen - 1] == ' ' || query[qlen - 1] == '\t'))
    qlen--;
  char *typed = malloc(qlen + 1), *hans = NULL, *hant = NULL;
  size_t hans_len = 0, hant_len = 0;
  if (typed)
    memcpy(typed, query, qlen);
  add_spelling(sp, typed, qlen, word, m);
  if (!bqw_convert(query, qlen, BQW_SCRIPT_HANS, &hans, &hans_len))
    add_spelling(sp, hans, hans_len, word, m);
  if (!bqw_convert(query, qlen, BQW_SCRIPT_HANT, &hant, &hant_len))
    add_spelling(sp, hant, hant_len, word, m);
}

/* Whether text holds the bytes of word. Lines are short, where memmem's set-up costs
 * more than the search: scan for the word's last byte (a UTF-8 continuation byte,
 * varied) and compare backwards. */
static bool holds_bytes(const char *text, size_t len, const char *word, size_t m) {
  if (m > len)
    return false;
  if (m > SHORT_WORD * 3) /* a long word: memmem, linear (two-way) */
    return memmem(text, len, word, m) != NULL;
  const char *end = text + len, *p = text + m - 1;
  while ((p = memchr(p, word[m - 1], (size_t)(end - p))) != NULL) {
    if (!memcmp(p - (m - 1), word, m - 1))
      return true;
    p++;
  }
  return false;
}

/* Tries the spellings in turn; the one found moves to the front, so a search through
 * text mostly in one script scans each candidate once, not once per spelling. */
static bool spelled_in(spellings *sp, const char *text, size_t len) {
  for (int i = 0; i < sp->count; i++)
    if (holds_bytes(text, len, sp->text[i], sp->len[i])) {
      if (i) {
        char *t = sp->text[i];
        size_t l = sp->len[i];
        sp->text[i] = sp->text[0];
        sp->len[i] = sp->len[0];
        sp->text[0] = t;
        sp->len[0] = l;
      }
      return true;
    }
  return false;
}

static void spellings_free(spellings *sp) {
  for (int i = 0; i < sp->count; i++)
    free(sp->text[i]);
  sp->count = 0;
}

/* A query folded and split into terms, and what testing a text against them needs;
 * both searches (the lists' candidates, a scan of every document) test texts alike. */
typedef struct parsed_query {
  const char *text; /* as given, for its spellings */
  size_t len;
  int32_t *cp; /* folded */
  term *terms;
  size_t nterms;
  bool quick;   /* one word the overrides cannot touch: found by its spellings or */
  bool spelled; /* a fold on the way, the text not folded whole; sp made once */
  spellings sp;
  int32_t *folded; /* a text folded whole, when not quick */
  size_t folded_cap;
} parsed_query;

/* BQW_EINVAL for a query without a term; query_close in every case. */
static int query_open(parsed_query *qr, const char *text, size_t len) {
  *qr = (parsed_query){.text = text, .len = len};
  qr->cp = malloc((len + 1) * sizeof *qr->cp);
  qr->terms = malloc((len / 2 + 1) * sizeof *qr->terms);
  if (!qr->cp || !qr->terms)
    return BQW_ENOMEM;
  qr->nterms = split_terms(qr->cp, fold_query(text, len, qr->cp), qr->terms);
  if (!qr->nterms)
    return BQW_EINVAL;
  qr->quick = qr->nterms == 1 &&
              !touches_rules(fold_rules_get(), qr->terms[0].cp, qr->terms[0].len);
  return 0;
}

/* Whether text holds every term of the query: 1 or 0, or BQW_ENOMEM. */
static int query_test(parsed_query *qr, const char *text, size_t len) {
  if (qr->quick) {
    if (!qr->spelled) {
      spell_term(&qr->sp, qr->text, qr->len, qr->terms[0].cp, qr->terms[0].len);
      qr->spelled = true;
    }
    return spelled_in(&qr->sp, text, len) ||
           occurs(text, len, qr->terms[0].cp, qr->terms[0].len);
  }
  if (len + 1 > qr->folded_cap) {
    int32_t *grown = realloc(qr->folded, (len + 1) * sizeof *grown);
    if (!grown)
      return BQW_ENOMEM;
    qr->folded = grown;
    qr->folded_cap = len + 1;
  }
  size_t n = fold_text(text, len, qr->folded);
  for (size_t t = 0; t < qr->nterms; t++)
    if (!contains(qr->folded, n, qr->terms[t].cp, qr->terms[t].len))
      return 0;
  return 1;
}

static void query_close(parsed_query *qr) {
  free(qr->folded);
  spellings_free(&qr->sp);
  free(qr->cp);
  free(qr->terms);
}

/* Keeps the rarest lists seen so far in best[0..*nbest), rarest first. */
static void consider(list *best, int *nbest, const list *l) {
  int at;
  if (*nbest < CANDIDATE_LISTS)
    at = (*nbest)++;
  else if (l->df < best[CANDIDATE_LISTS - 1].df)
    at = CANDIDATE_LISTS - 1;
  else
    return;
  best[at] = *l;
  while (at > 0 && best[at].df < best[at - 1].df) {
    list t = best[at - 1];
    best[at - 1] = best[at];
    best[at] = t;
    at--;
  }
}

/* Whether the lists (bigrams of one word at offsets off[], covering every character)
 * hold their bigrams at p + off[k] for one p in the current document: 1 or 0; -1 when
 * a list has more positions there than are read here. */
#define MAX_POSITIONS 256
static int phrase_at(const list *lists, const size_t *off, size_t n) {
  uint32_t first[MAX_POSITIONS], other[MAX_POSITIONS];
  size_t nf = list_positions(&lists[0], first, MAX_POSITIONS);
  if (nf > MAX_POSITIONS)
    return -1;
  bool ok[MAX_POSITIONS];
  for (size_t i = 0; i < nf; i++)
    ok[i] = true;
  for (size_t k = 1; k < n; k++) {
    size_t no = list_positions(&lists[k], other, MAX_POSITIONS), j = 0;
    if (no > MAX_POSITIONS)
      return -1;
    bool any = false;
    for (size_t i = 0; i < nf; i++) {
      if (!ok[i])
        continue;
      uint32_t want = first[i] + (uint32_t)off[k];
      while (j < no && other[j] < want)
        j++;
      ok[i] = j < no && other[j] == want;
      any = any || ok[i];
    }
    if (!any)
      return 0;
  }
  for (size_t i = 0; i < nf; i++)
    if (ok[i])
      return 1;
  return 0;
}

/* One word of three characters or more, answered from the positions of its bigrams,
 * without reading the text: bigrams at offsets 0, 2, 4, … and the last one cover every
 * character. A document with more positions of a bigram than phrase_at reads is
 * verified against its text. Returns 1 for a word too long for this (the caller
 * verifies candidates instead), else 0 or BQW_ENOMEM. */
static int search_phrase(const bqw_index *ix, const term *tm, size_t limit,
                         bqw_results *r) {
  list lists[MAX_QUERY_BIGRAMS];
  size_t off[MAX_QUERY_BIGRAMS], n = 0;
  for (size_t i = 0; i + 1 < tm->len && n < MAX_QUERY_BIGRAMS; i += 2)
    off[n++] = i;
  if (off[n - 1] != tm->len - 2 && n < MAX_QUERY_BIGRAMS)
    off[n++] = tm->len - 2;
  if (off[n - 1] != tm->len - 2)
    return 1; /* too long a word for the lists kept here */
  size_t rarest = 0;
  for (size_t k = 0; k < n; k++) {
    if (!list_open(ix, bigram_key(tm->cp[off[k]], tm->cp[off[k] + 1]), &lists[k]))
      return 0; /* a bigram that occurs nowhere */
    if (lists[k].df < lists[rarest].df)
      rarest = k;
  }
  while (list_next(&lists[rarest])) {
    uint32_t d = lists[rarest].doc;
    bool in_all = true;
    for (size_t k = 0; k < n && in_all; k++) {
      if (k == rarest)
        continue;
      if (!list_seek(&lists[k], d))
        return 0; /* another list has no more documents */
      in_all = lists[k].doc == d;
    }
    if (!in_all)
      continue;
    int found = phrase_at(lists, off, n);
    if (found < 0) { /* rare: a long document repeating the bigram */
      const doc *dc = &ix->docs[d - 1];
      int32_t *folded = malloc(((size_t)dc->len + 1) * sizeof *folded);
      if (!folded)
        return BQW_ENOMEM;
      found = contains(folded, fold_text(dc->text, dc->len, folded), tm->cp, tm->len);
      free(folded);
    }
    if (found) {
      int rc = push_hit(r, ix, d, limit);
      if (rc)
        return rc;
    }
  }
  return 0;
}

int bqw_index_search(const bqw_index *ix, const char *query, size_t qlen, size_t limit,
                     bqw_results **out) {
  if (!ix || !out || (!query && qlen) || !ix->finished)
    return BQW_EINVAL;
  *out = NULL;
  parsed_query qr;
  bqw_results *r = calloc(1, sizeof *r);
  int rc = query_open(&qr, query, qlen);
  if (!r && !rc)
    rc = BQW_ENOMEM;
  const term *terms = qr.terms;
  size_t nterms = qr.nterms;
  bool answered = false;
  if (!rc && nterms == 1 && terms[0].len >= 3) {
    rc = search_phrase(ix, &terms[0], limit, r);
    answered = rc <= 0;
    if (rc > 0)
      rc = 0; /* too long: verified below */
  }
  /* Candidates come from the rarest lists: a term's bigrams, or its unigram when it
   * is one character. A single term of one or two characters is exact. */
  list best[CANDIDATE_LISTS];
  memset(best, 0, sizeof best);
  int nbest = 0;
  bool missing = false;
  for (size_t t = 0; !rc && !answered && t < nterms && !missing; t++) {
    const term *tm = &terms[t];
    list l;
    if (tm->len == 1) {
      if (list_open(ix, unigram_key(tm->cp[0]), &l))
        consider(best, &nbest, &l);
      else
        missing = true;
    }
    for (size_t i = 0; i + 1 < tm->len && !missing; i++) {
      if (list_open(ix, bigram_key(tm->cp[i], tm->cp[i + 1]), &l))
        consider(best, &nbest, &l);
      else
        missing = true;
    }
  }
  bool exact = nterms == 1 && terms[0].len <= 2;
  while (!rc && !answered && !missing && nbest > 0 && list_next(&best[0])) {
    uint32_t d = best[0].doc;
    bool exhausted = false, in_all = true;
    for (int b = 1; b < nbest && in_all; b++) {
      if (!list_seek(&best[b], d))
        exhausted = true;
      else
        in_all = best[b].doc == d;
    }
    if (exhausted)
      break; /* another list has no more documents */
    if (!in_all)
      continue;
    int match = exact ? 1 : query_test(&qr, ix->docs[d - 1].text, ix->docs[d - 1].len);
    if (match < 0)
      rc = match;
    else if (match)
      rc = push_hit(r, ix, d, limit);
    if (!rc && exact && nbest == 1 && r->count >= limit) {
      /* one list answers the query exactly: its length is the total, and the rest of
       * it need not be decoded */
      r->total = best[0].df;
      break;
    }
  }
  query_close(&qr);
  if (rc) {
    bqw_results_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void bqw_results_free(bqw_results *r) {
  if (!r)
    return;
  free(r->hits);
  free(r);
}

/* ---- the dataset's index ---- */

/* A hit's tag: record index, field, measure index. */
static uint64_t tag_of(size_t record, bqw_field field, size_t item) {
  return (uint64_t)record << 24 | (uint64_t)field << 16 | (uint64_t)item;
}

void bqw_tag_split(uint64_t tag, size_t *record, bqw_field *field, size_t *item) {
  *record = (size_t)(tag >> 24);
  *field = (bqw_field)((tag >> 16) & 0xFF);
  *item = (size_t)(tag & 0xFFFF);
}

const char *bqw_field_text(const bqw_dataset *ds, size_t record, bqw_field field,
                           size_t item) {
  const bqw_record *r = bqw_record_at(ds, record);
  if (!r)
    return NULL;
  switch (field) {
  case BQW_FIELD_TITLE:
    return r->title;
  case BQW_FIELD_HEADLINE: /* each of a city entry's headlines */
    if (item < r->headline_count)
      return r->headlines[item];
    return item ? NULL : r->headline;
  case BQW_FIELD_MEASURE:
    return item < r->measure_count ? r->measures[item].text : NULL;
  case BQW_FIELD_TEXT:
    return r->text;
  case BQW_FIELD_CITY:
    return r->city;
  case BQW_FIELD_CATEGORY:
    return r->category;
  }
  return NULL;
}

int dataset_each_doc(const bqw_dataset *ds, void *ctx,
                     int (*visit)(void *ctx, const char *text, size_t len,
                                  uint64_t tag)) {
  static const bqw_field rank_order[] = {BQW_FIELD_TITLE,    BQW_FIELD_CITY,
                                         BQW_FIELD_HEADLINE, BQW_FIELD_MEASURE,
                                         BQW_FIELD_TEXT,     BQW_FIELD_CATEGORY};
  int rc = 0;
  for (size_t f = 0; !rc && f < sizeof rank_order / sizeof *rank_order; f++)
    for (size_t i = 0; !rc && i < ds->record_count; i++) {
      const bqw_record *r = &ds->records[i];
      size_t items = rank_order[f] == BQW_FIELD_MEASURE ? r->measure_count
                     : rank_order[f] == BQW_FIELD_HEADLINE && r->headline_count
                         ? r->headline_count
                         : 1;
      for (size_t k = 0; !rc && k < items && k < 0xFFFF; k++) {
        const char *s = bqw_field_text(ds, i, rank_order[f], k);
        if (s && *s)
          rc = visit(ctx, s, strlen(s), tag_of(i, rank_order[f], k));
      }
    }
  return rc;
}

/* What a scan of the documents keeps: the query, the results, the document's number. */
typedef struct scan {
  parsed_query *qr;
  size_t limit;
  bqw_results *r;
  uint32_t doc;
} scan;

/* One document tested as bqw_index_search verifies a candidate: the same answer as
 * the lists give. */
static int scan_doc(void *ctx, const char *text, size_t len, uint64_t tag) {
  scan *sc = ctx;
  int match = query_test(sc->qr, text, len);
  int rc = match < 0 ? match : match ? results_push(sc->r, tag, sc->doc, sc->limit) : 0;
  sc->doc++;
  return rc;
}

/* A search without the index: every document read once. For one search of a dataset
 * (the command line's case) this costs a fold of the text, where building the index
 * costs two passes, a hash lookup per character and the lists: about a quarter. */
static int scan_search(const bqw_dataset *ds, const char *query, size_t qlen,
                       size_t limit, bqw_results **out) {
  *out = NULL;
  parsed_query qr;
  bqw_results *r = calloc(1, sizeof *r);
  int rc = query_open(&qr, query, qlen);
  if (!r && !rc)
    rc = BQW_ENOMEM;
  scan sc = {.qr = &qr, .limit = limit, .r = r};
  if (!rc)
    rc = dataset_each_doc(ds, &sc, scan_doc);
  query_close(&qr);
  if (rc) {
    bqw_results_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* ---- building the dataset's index: on a caller's thread or its own ---- */

typedef struct adding {
  bqw_index *ix;
  const atomic_bool *cancel;
} adding;

static int count_doc(void *ctx, const char *text, size_t len, uint64_t tag) {
  (void)text, (void)len, (void)tag;
  ++*(size_t *)ctx;
  return 0;
}

static int add_doc(void *ctx, const char *text, size_t len, uint64_t tag) {
  adding *a = ctx;
  if (atomic_load_explicit(a->cancel, memory_order_relaxed))
    return BQW_ECANCELED;
  return bqw_index_add(a->ix, text, len, tag);
}

/* Builds an index of the dataset's documents outside the lock (the records are not
 * written after the load), then publishes it under the lock, or records why not, and
 * wakes whoever waits for it. The caller has set ds->building. Returns the result. */
static int build_and_publish(bqw_dataset *ds) {
  adding a = {bqw_index_new(), &ds->index_cancel};
  size_t docs = 0;
  (void)dataset_each_doc(ds, &docs, count_doc);
  /* the document table sized once: no copies while it grows, no room left over */
  if (a.ix && docs && (a.ix->docs = malloc(docs * sizeof *a.ix->docs)))
    a.ix->doc_cap = docs;
  int rc = a.ix ? dataset_each_doc(ds, &a, add_doc) : BQW_ENOMEM;
  if (!rc)
    rc = index_finish(a.ix, &ds->index_cancel);
  pthread_mutex_lock(&ds->index_lock);
  if (!rc)
    ds->index = a.ix; /* published: searches from now on answer from it */
  ds->index_status = rc;
  ds->building = false;
  pthread_cond_broadcast(&ds->built);
  pthread_mutex_unlock(&ds->index_lock);
  if (rc)
    bqw_index_free(a.ix);
  return rc;
}

void dataset_set_index_hook(bqw_dataset *ds,
                            void (*fn)(bqw_dataset *ds, int stage, int status,
                                       void *data),
                            void *data) {
  ds->index_hook.fn = fn;
  ds->index_hook.data = data;
}

static void *builder_main(void *arg) {
  bqw_dataset *ds = arg;
  thread_lower_priority(ds->builder_nice);
  if (ds->index_hook.fn)
    ds->index_hook.fn(ds, INDEX_HOOK_START, 0, ds->index_hook.data);
  int rc = build_and_publish(ds);
  if (ds->index_hook.fn)
    ds->index_hook.fn(ds, INDEX_HOOK_DONE, rc, ds->index_hook.data);
  return NULL;
}

/* Starts the builder; the lock is held and no build is under way. Signals are blocked
 * on the new thread (as on libuv's): a process-directed one goes to the host's. */
static int start_builder(bqw_dataset *ds, int nice) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  ds->builder_nice = nice;
  int err = pthread_create(&ds->builder, NULL, builder_main, ds);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err)
    return BQW_ENOMEM;
  ds->builder_started = ds->building = true;
  return 0;
}

int bqw_dataset_index_start(bqw_dataset *ds, int nice) {
  if (!ds || nice < 0 || nice > 19)
    return BQW_EINVAL;
  pthread_mutex_lock(&ds->index_lock);
  int rc = 0;
  if (ds->builder_started && !ds->index && !ds->building)
    rc = ds->index_status; /* it ran, and failed */
  else if (!ds->index && !ds->building && !ds->builder_started)
    rc = start_builder(ds, nice);
  pthread_mutex_unlock(&ds->index_lock);
  return rc;
}

int bqw_dataset_index_ready(bqw_dataset *ds) {
  if (!ds)
    return 0;
  pthread_mutex_lock(&ds->index_lock);
  int ready = ds->index != NULL;
  pthread_mutex_unlock(&ds->index_lock);
  return ready;
}

int bqw_dataset_index(bqw_dataset *ds) {
  if (!ds)
    return BQW_EINVAL;
  pthread_mutex_lock(&ds->index_lock);
  while (ds->building)
    pthread_cond_wait(&ds->built, &ds->index_lock);
  if (ds->index) {
    pthread_mutex_unlock(&ds->index_lock);
    return 0;
  }
  ds->building = true; /* built here; other searches meanwhile scan */
  pthread_mutex_unlock(&ds->index_lock);
  return build_and_publish(ds);
}

int bqw_dataset_search(bqw_dataset *ds, const char *query, size_t qlen, size_t limit,
                       bqw_results **out) {
  if (!ds || !out || (!query && qlen))
    return BQW_EINVAL;
  pthread_mutex_lock(&ds->index_lock);
  const bqw_index *ix = ds->index;
  /* the second search without an index starts building it, off this thread */
  if (!ix && ds->searched && !ds->building && !ds->builder_started)
    (void)start_builder(ds, 0); /* when it cannot start, searches go on scanning */
  ds->searched = true;
  pthread_mutex_unlock(&ds->index_lock);
  /* published once, the index is only read: searches run side by side */
  if (ix)
    return bqw_index_search(ix, query, qlen, limit, out);
  return scan_search(ds, query, qlen, limit, out);
}
