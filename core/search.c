/*
 * search.c -- full-text search of a dataset: a query folded and split into words
 * (fold.c), tested against a text; the dataset's documents in rank order; a search by
 * a scan of them, or through the index (index.c) built on the caller's thread or its
 * own.
 *
 * A text holds a query when it holds every word of it, folded. One word the curated
 * overrides cannot touch is found in a text by its byte spellings (as typed, OpenCC's
 * Simplified and Traditional forms) or else by a fold on the way; other queries fold
 * the text whole and look for each word in it.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* ---- a search query ---- */

/* A candidate holding one of the query's spellings verbatim is a match found without
 * folding its text; the fold scan remains for mixed-script or other spellings. */
static void add_spelling(search_spellings *sp, char *text, size_t len,
                         const int32_t *word, size_t m) {
  bool keep = text && len && fold_spells(text, len, word, m);
  for (int i = 0; keep && i < sp->count; i++)
    keep = sp->len[i] != len || memcmp(sp->text[i], text, len);
  if (keep && sp->count < SEARCH_SPELLINGS) {
    sp->text[sp->count] = text;
    sp->len[sp->count++] = len;
  } else {
    free(text);
  }
}

static void spell_term(search_spellings *sp, const char *query, size_t qlen,
                       const int32_t *word, size_t m) {
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
  if (m > FOLD_SHORT_WORD * 3) /* a long word: memmem, linear (two-way) */
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
static bool spelled_in(search_spellings *sp, const char *text, size_t len) {
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

static void spellings_free(search_spellings *sp) {
  for (int i = 0; i < sp->count; i++)
    free(sp->text[i]);
  sp->count = 0;
}

int search_query_open(search_query *qr, const char *text, size_t len) {
  *qr = (search_query){.text = text, .len = len};
  qr->cp = malloc((len + 1) * sizeof *qr->cp);
  qr->terms = malloc((len / 2 + 1) * sizeof *qr->terms);
  if (!qr->cp || !qr->terms)
    return BQW_ENOMEM;
  qr->nterms = fold_split_terms(qr->cp, fold_query(text, len, qr->cp), qr->terms);
  if (!qr->nterms)
    return BQW_EINVAL;
  qr->quick = qr->nterms == 1 && !fold_touches_rules(qr->terms[0].cp, qr->terms[0].len);
  return 0;
}

int search_query_test(search_query *qr, const char *text, size_t len) {
  if (qr->quick) {
    if (!qr->spelled) {
      spell_term(&qr->sp, qr->text, qr->len, qr->terms[0].cp, qr->terms[0].len);
      qr->spelled = true;
    }
    return spelled_in(&qr->sp, text, len) ||
           fold_occurs(text, len, qr->terms[0].cp, qr->terms[0].len);
  }
  if (len + 1 > qr->folded_cap) {
    int32_t *grown = realloc(qr->folded, (len + 1) * sizeof *grown);
    if (!grown)
      return BQW_ENOMEM;
    qr->folded = grown;
    qr->folded_cap = len + 1;
  }
  size_t n = fold_text(text, len, qr->folded);
  for (size_t t = 0; t < qr->nterms; t++) {
    uint32_t *table = fold_word_table(qr->terms[t].cp, qr->terms[t].len);
    bool found = fold_contains(qr->folded, n, qr->terms[t].cp, qr->terms[t].len, table);
    free(table);
    if (!found)
      return 0;
  }
  return 1;
}

void search_query_close(search_query *qr) {
  free(qr->folded);
  spellings_free(&qr->sp);
  free(qr->cp);
  free(qr->terms);
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

const bqw_field_info *bqw_search_field(bqw_field field) {
  static const bqw_field_id schema_id[] = {
      [BQW_FIELD_TITLE] = BQW_F_TITLE,       [BQW_FIELD_CITY] = BQW_F_CITY,
      [BQW_FIELD_HEADLINE] = BQW_F_HEADLINE, [BQW_FIELD_MEASURE] = BQW_F_MEASURE,
      [BQW_FIELD_TEXT] = BQW_F_TEXT,         [BQW_FIELD_CATEGORY] = BQW_F_CATEGORY};
  if ((unsigned)field >= sizeof schema_id / sizeof *schema_id)
    return NULL;
  for (size_t i = 0; i < bqw_schema_count(); i++)
    if (bqw_schema_field(i)->id == schema_id[field])
      return bqw_schema_field(i);
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
  search_query *qr;
  size_t limit;
  bqw_results *r;
  uint32_t doc;
} scan;

/* One document tested as bqw_index_search verifies a candidate: the same answer as
 * the lists give. */
static int scan_doc(void *ctx, const char *text, size_t len, uint64_t tag) {
  scan *sc = ctx;
  int match = search_query_test(sc->qr, text, len);
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
  search_query qr;
  bqw_results *r = calloc(1, sizeof *r);
  int rc = search_query_open(&qr, query, qlen);
  if (!r && !rc)
    rc = BQW_ENOMEM;
  scan sc = {.qr = &qr, .limit = limit, .r = r};
  if (!rc)
    rc = dataset_each_doc(ds, &sc, scan_doc);
  search_query_close(&qr);
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
  if (a.ix)
    (void)index_reserve(a.ix, docs); /* else it grows as the documents come */
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
