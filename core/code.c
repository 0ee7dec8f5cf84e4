/*
 * code.c -- policy-text coding: one Aho-Corasick automaton over every pattern of a
 * codebook set (codebook.c reads them), and the codings of a dataset's measures and
 * prose, with their evidence.
 *
 * Patterns and texts are folded by bqw_fold (script, width, case, the curated
 * overrides), one folded code point per character, so a match in folded text is a match
 * at the same characters of the text as published: its byte span comes from the fold's
 * offsets. The automaton is built once per codebook set; coding reads each text once.
 */
#include "code.h"

#include <stdlib.h>
#include <string.h>

void automaton_free(automaton *a) {
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

int automaton_build(bqw_codebook *cb) {
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
  /* as search.c's fold builds its rules: both sides folded, a character they change is
   * a trigger (before) or a target (after) */
  const cv_override *ov;
  size_t nov = convert_overrides(&ov);
  for (size_t i = 0; i < nov && !a->needs_rules; i++)
    for (int j = 0; j < ov[i].len && !a->needs_rules; j++) {
      int32_t c[2] = {text_fold(ov[i].from[j]), text_fold(ov[i].to[j])};
      if (c[0] != c[1])
        a->needs_rules = bsearch(&c[0], all, distinct, sizeof *all, cmp_i32) ||
                         bsearch(&c[1], all, distinct, sizeof *all, cmp_i32);
    }
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
static int scan_text(const bqw_codebook *cb, scratch *sc, const char *s, size_t len) {
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
  const automaton *a = &cb->ac;
  size_t n = 0;
  if (a->needs_rules)
    n = bqw_fold(s, len, sc->cp, sc->at);
  sc->nm = 0;
  uint32_t st = 0;
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0, b = 0; a->needs_rules ? i < n : b < len; i++) {
    int32_t cp;
    if (a->needs_rules) {
      cp = sc->cp[i];
    } else { /* bqw_fold without the overrides, which no pattern can see */
      sc->at[i] = (uint32_t)b;
      size_t k = u[b] < 0x80 ? (cp = u[b], 1) : text_decode(u + b, len - b, &cp);
      if (!k) {
        k = 1;
        cp = 0xFFFD;
      }
      b += k;
      cp = text_fold(cp);
      n = i + 1;
      sc->at[n] = (uint32_t)b;
    }
    uint32_t c = class_of(a, cp);
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
  size_t count = 0;
  if (scan_text(cb, &sc, text, len) == 0) {
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
  uint32_t *text_first, *text_n; /* per record: its text's alone */
};

static void codings_free(struct codings *c) {
  if (!c)
    return;
  free(c->items);
  free(c->names);
  free(c->rec_first);
  free(c->meas_first);
  free(c->rec_n);
  free(c->meas_n);
  free(c->text_first);
  free(c->text_n);
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
  cg->text_first = malloc((nrec + 1) * sizeof *cg->text_first);
  cg->text_n = malloc((nrec + 1) * sizeof *cg->text_n);
  int rc = has && cg->rec_first && cg->meas_first && cg->rec_n && cg->meas_n &&
                   cg->text_first && cg->text_n
               ? 0
               : BQW_ENOMEM;
  for (size_t r = 0; rc == 0 && r < nrec; r++) {
    const bqw_record *rec = &ds->records[r];
    memset(rec_has, 0, cb->count + 1);
    size_t g0 = rec->measure_count ? (size_t)(rec->measures - ds->measures) : 0;
    for (size_t i = 0; rc == 0 && i < rec->measure_count; i++) {
      const bqw_measure *me = &rec->measures[i];
      memset(has, 0, cb->count + 1);
      rc = scan_text(cb, &sc, me->text, strlen(me->text));
      if (rc == 0)
        rc = code_unit(cb, &sc, cg, (uint32_t)r, (uint32_t)(i + 1), me->line, has);
      if (rc == 0)
        rc = push_names(cb, cg, has, &cg->meas_first[g0 + i], &cg->meas_n[g0 + i]);
      for (size_t c = 0; c < cb->count; c++)
        rec_has[c] |= has[c];
    }
    memset(has, 0, cb->count + 1);
    if (rc == 0 && rec->text) {
      rc = scan_text(cb, &sc, rec->text, strlen(rec->text));
      if (rc == 0)
        rc = code_unit(cb, &sc, cg, (uint32_t)r, 0, rec->line, has);
      for (size_t c = 0; c < cb->count; c++)
        rec_has[c] |= has[c];
    }
    if (rc == 0)
      rc = push_names(cb, cg, has, &cg->text_first[r], &cg->text_n[r]);
    if (rc == 0)
      rc = push_names(cb, cg, rec_has, &cg->rec_first[r], &cg->rec_n[r]);
  }
  free(has);
  free(sc.cp);
  free(sc.at);
  free(sc.m);
  if (rc < 0) {
    codings_free(cg);
    return rc;
  }
  *out = cg;
  return 0;
}

/* A codebook given to a dataset and its codings, which are made from it on first use.
 * A set is never changed once another thread may see it but for its codings, stored
 * once; bqw_dataset_set_codebook replaces the dataset's set whole. */
struct coding_set {
  bqw_codebook *cb;                  /* an owner of it */
  _Atomic(struct codings *) codings; /* computed on first use, under index_lock */
  struct coding_set *retired;        /* the next one in the dataset's retired list */
};

/* Frees a list of sets (through retired). */
static void coding_sets_free(struct coding_set *set) {
  while (set) {
    struct coding_set *next = set->retired;
    codings_free(atomic_load(&set->codings));
    bqw_codebook_free(set->cb);
    free(set);
    set = next;
  }
}

void dataset_coding_sets_free(bqw_dataset *ds) {
  coding_sets_free(atomic_exchange(&ds->coding_set, NULL));
  coding_sets_free(atomic_exchange(&ds->retired, NULL));
}

size_t dataset_retired_sets(const bqw_dataset *ds) {
  size_t n = 0;
  for (struct coding_set *set = atomic_load(&((bqw_dataset *)ds)->retired); set;
       set = set->retired)
    n++;
  return n;
}

/* The dataset's set now (NULL without a codebook); it stays valid while the caller
 * owns the dataset (see bqw_dataset_set_codebook). */
static struct coding_set *current_set(const bqw_dataset *ds) {
  return atomic_load(&((bqw_dataset *)ds)->coding_set);
}

/* The codings of set, computed on first use (under the dataset's lock); NULL without a
 * set or when out of memory (*status says which). */
static const struct codings *set_codings(const bqw_dataset *cds, struct coding_set *set,
                                         int *status) {
  bqw_dataset *ds = (bqw_dataset *)cds; /* the lock only */
  if (status)
    *status = 0;
  if (!set)
    return NULL;
  struct codings *cg = atomic_load(&set->codings);
  if (cg)
    return cg;
  pthread_mutex_lock(&ds->index_lock);
  cg = atomic_load(&set->codings);
  int rc = 0;
  if (!cg) {
    rc = compute_codings(ds, set->cb, &cg);
    if (rc == 0)
      atomic_store(&set->codings, cg);
  }
  pthread_mutex_unlock(&ds->index_lock);
  if (status)
    *status = rc;
  return cg;
}

int bqw_dataset_codings_ready(const bqw_dataset *ds) {
  struct coding_set *set = ds ? current_set(ds) : NULL;
  return !set || atomic_load(&set->codings) != NULL;
}

const struct codings *dataset_codings(const bqw_dataset *ds, int *status) {
  return set_codings(ds, current_set(ds), status);
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
  struct coding_set *set = NULL;
  if (cb) {
    set = calloc(1, sizeof *set);
    if (!set)
      return BQW_ENOMEM;
    set->cb = bqw_codebook_ref(cb);
    atomic_init(&set->codings, NULL);
  }
  struct coding_set *old = atomic_exchange(&ds->coding_set, set);
  if (old) {
    /* another owner's thread may be reading it: retire it, pushed on the list */
    old->retired = atomic_load(&ds->retired);
    while (!atomic_compare_exchange_weak(&ds->retired, &old->retired, old))
      ;
  }
  /* the only owner: no other thread reads the dataset (each holds an owner, by
   * bqw_dataset_ref), and none can take one meanwhile but through this caller */
  if (atomic_load(&ds->refs) == 1)
    coding_sets_free(atomic_exchange(&ds->retired, NULL));
  return 0;
}

int bqw_dataset_unit_codes(const bqw_dataset *ds, size_t record, size_t measure,
                           const char *const **names, size_t *count) {
  if (!ds || !names || !count)
    return BQW_EINVAL;
  *names = NULL;
  *count = 0;
  const bqw_record *r = bqw_record_at(ds, record);
  if (!r || measure > r->measure_count)
    return BQW_ERANGE;
  int rc;
  const struct codings *cg = dataset_codings(ds, &rc);
  if (!cg)
    return rc;
  if (measure) {
    size_t g = (size_t)(r->measures - ds->measures) + measure - 1;
    *names = cg->names + cg->meas_first[g];
    *count = cg->meas_n[g];
  } else {
    *names = cg->names + cg->text_first[record];
    *count = cg->text_n[record];
  }
  return 0;
}

const bqw_codebook *bqw_dataset_codebook(const bqw_dataset *ds) {
  struct coding_set *set = ds ? current_set(ds) : NULL;
  return set ? set->cb : NULL;
}

int bqw_dataset_codings_of(const bqw_dataset *ds, const bqw_codebook **cb,
                           const bqw_coding **out, size_t *count) {
  if (!ds || !out || !count)
    return BQW_EINVAL;
  struct coding_set *set = current_set(ds); /* the codebook and codings of one set */
  int rc;
  const struct codings *cg = set_codings(ds, set, &rc);
  if (cb)
    *cb = set ? set->cb : NULL;
  *out = cg ? cg->items : NULL;
  *count = cg ? cg->count : 0;
  return rc;
}

int bqw_dataset_codings(const bqw_dataset *ds, const bqw_coding **out, size_t *count) {
  return bqw_dataset_codings_of(ds, NULL, out, count);
}

int bqw_dataset_record_codings(const bqw_dataset *ds, size_t record,
                               const bqw_codebook **cb, const bqw_coding **out,
                               size_t *count) {
  const bqw_coding *all;
  size_t n;
  int rc = bqw_dataset_codings_of(ds, cb, &all, &n);
  if (rc < 0)
    return rc;
  /* in source order: the first of the record's, then while they are its */
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (all[mid].record < record)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t end = lo;
  while (end < n && all[end].record == record)
    end++;
  *out = all ? all + lo : NULL;
  *count = end - lo;
  return 0;
}

const char *bqw_coding_text(const bqw_dataset *ds, const bqw_coding *c) {
  const bqw_record *r = ds && c ? bqw_record_at(ds, c->record) : NULL;
  if (!r)
    return NULL;
  if (c->measure == 0)
    return r->text;
  return c->measure <= r->measure_count ? r->measures[c->measure - 1].text : NULL;
}
