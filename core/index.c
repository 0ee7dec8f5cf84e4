/*
 * index.c -- the search index: an inverted index of character unigrams and bigrams
 * (with positions) over folded text (fold.c).
 *
 * A query of one or two characters is answered by one posting list, exactly. One word of
 * three or more is answered from the positions its bigram lists carry (bigrams at 0, 2,
 * 4, … and the last, which cover every character, at p, p + 2, … for one p), without
 * reading the text. Several words intersect the three rarest lists and verify each
 * candidate against its folded text (search_query_test, search.c). Documents are
 * numbered in the order they are added, which is the rank order: the dataset adds
 * titles, then headlines, then measures, then prose, each in source order, so the
 * first hits of a posting list are the best.
 *
 * Posting lists are delta-encoded varints in one array, sized exactly by a counting
 * pass before a filling pass; a bigram's list has each document's positions after it.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

/* The slot of key: where it is, or the empty slot where it would go (the table is
 * never full: upsert grows it at three quarters). */
static entry *probe(const bqw_index *ix, uint64_t key) {
  size_t mask = ix->table_cap - 1;
  size_t i = hash64(key) & mask;
  while (ix->table[i].key && ix->table[i].key != key)
    i = (i + 1) & mask;
  return &ix->table[i];
}

static entry *lookup(const bqw_index *ix, uint64_t key) {
  if (!ix->table_cap)
    return NULL;
  entry *e = probe(ix, key);
  return e->key ? e : NULL;
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
  entry *e = probe(ix, key);
  if (!e->key) {
    e->key = key;
    ix->table_used++;
  }
  return e;
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
  for (size_t d = 0; d < ix->doc_count; d++) {
    if (cancel && atomic_load_explicit(cancel, memory_order_relaxed))
      return BQW_ECANCELED;
    size_t n = ix->docs[d].len;
    if (n + 1 > ix->scratch_cap) {
      int32_t *grown = realloc(ix->scratch, (n + 1) * sizeof *grown);
      if (!grown)
        return BQW_ENOMEM;
      ix->scratch = grown;
      ix->scratch_cap = n + 1;
    }
    int32_t *folded = ix->scratch;
    size_t chars = fold_text(ix->docs[d].text, n, folded);
    int32_t prev = -1;
    for (size_t c = 0; c < chars; c++) {
      int32_t cp = folded[c];
      if (text_is_space(cp)) {
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

bool index_reserve(bqw_index *ix, size_t docs) {
  if (ix->doc_count || ix->doc_cap >= docs)
    return true;
  doc *d = realloc(ix->docs, docs * sizeof *d);
  if (!d)
    return false;
  ix->docs = d;
  ix->doc_cap = docs;
  return true;
}

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

/* ---- querying ---- */

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

#define CANDIDATE_LISTS 3
#define MAX_QUERY_BIGRAMS 32

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
static int search_phrase(const bqw_index *ix, const fold_term *tm, size_t limit,
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
      size_t nf = fold_text(dc->text, dc->len, folded);
      uint32_t *table = fold_word_table(tm->cp, tm->len);
      found = fold_contains(folded, nf, tm->cp, tm->len, table);
      free(table);
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
  search_query qr;
  bqw_results *r = calloc(1, sizeof *r);
  int rc = search_query_open(&qr, query, qlen);
  if (!r && !rc)
    rc = BQW_ENOMEM;
  const fold_term *terms = qr.terms;
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
    const fold_term *tm = &terms[t];
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
    int match =
        exact ? 1 : search_query_test(&qr, ix->docs[d - 1].text, ix->docs[d - 1].len);
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
  search_query_close(&qr);
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
