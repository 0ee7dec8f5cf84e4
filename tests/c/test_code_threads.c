/*
 * test_code_threads.c -- bqw_dataset_set_codebook while other threads read the codings
 * (core/code.c). Readers hold owners of their own (bqw_dataset_ref, as view jobs do)
 * and read the codings, the codebook they index, the `code` field through queries,
 * while the main thread swaps the codebook between two sets and none. Each snapshot a
 * reader takes is one set's whole (its count of codings is that set's); under ASan a
 * freed set read is a use after free, under TSan (tests/c/tsan.sh) a data race. The
 * replaced sets are kept while another owner could read them and freed once the
 * setter owns the dataset alone.
 *
 *   usage: test_code_threads CASE
 */
#include "bqw.h"
#include "check.h"
#include "internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A codebook of the shipped table `name`. */
static bqw_codebook *shipped(const char *name) {
  bqw_codebook *cb = NULL;
  bqw_codebook_new(&cb);
  size_t len;
  const char *t = bqw_fact_table(name, &len);
  bqw_codebook_error err;
  CHECK(t != NULL);
  if (!CHECK_EQ_INT(bqw_codebook_add(cb, name, t, len, &err), 0))
    fprintf(stderr, "  %s:%u:%u: %s\n", name, err.line, err.col, err.message);
  return cb;
}

/* How many codings a codebook gives the digest, on a dataset of its own. */
static size_t codings_of(bqw_codebook *cb) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  bqw_dataset_set_codebook(ds, cb);
  const bqw_coding *c;
  size_t n = 0;
  CHECK_EQ_INT(bqw_dataset_codings(ds, &c, &n), 0);
  bqw_dataset_free(ds);
  return n;
}

typedef struct shared {
  bqw_dataset *ds;
  bqw_codebook *books[2];
  size_t counts[2]; /* each book's codings */
  atomic_bool stop;
  atomic_long snapshots, mixed, bad;
} shared;

/* Reads everything a coding names: the code's name, the evidence's bytes. */
static long read_codings(const bqw_dataset *ds, const bqw_codebook *cb,
                         const bqw_coding *c, size_t n) {
  long sum = 0;
  for (size_t i = 0; i < n; i++) {
    const bqw_code_info *code = bqw_codebook_code(cb, c[i].code);
    const char *text = bqw_coding_text(ds, &c[i]);
    if (!code || !text)
      return -1;
    sum += (long)strlen(code->code) + (unsigned char)text[c[i].start];
  }
  return sum;
}

static void *reader(void *arg) {
  shared *s = arg;
  bqw_dataset *ds = bqw_dataset_ref(s->ds); /* an owner of its own, as a view job */
  bqw_query_options o = {0};
  while (!atomic_load(&s->stop)) {
    /* the codebook and its codings of one set */
    const bqw_codebook *cb;
    const bqw_coding *c;
    size_t n;
    if (bqw_dataset_codings_of(ds, &cb, &c, &n) != 0) {
      atomic_fetch_add(&s->bad, 1);
      continue;
    }
    atomic_fetch_add(&s->snapshots, 1);
    if (!cb) {
      if (n != 0)
        atomic_fetch_add(&s->mixed, 1);
    } else {
      int which = cb == s->books[0] ? 0 : cb == s->books[1] ? 1 : -1;
      if (which < 0 || n != s->counts[which])
        atomic_fetch_add(&s->mixed, 1);
      else if (read_codings(ds, cb, c, n) < 0)
        atomic_fetch_add(&s->bad, 1);
    }
    /* the codings alone, read while the setter may replace them */
    const bqw_coding *c2;
    size_t n2;
    if (bqw_dataset_codings(ds, &c2, &n2) == 0 && n2) {
      long sum = 0;
      for (size_t i = 0; i < n2; i++)
        sum += c2[i].code + c2[i].end;
      if (sum < 0)
        atomic_fetch_add(&s->bad, 1);
    }
    /* the code field, through a query (its vocabulary, then each record's codes) */
    bqw_query *q = NULL;
    bqw_query_error err;
    const char *expr = "code=供给型 or code=区域协调 or code=乡村振兴";
    if (bqw_query_parse(ds, expr, strlen(expr), &o, &q, &err) == 0) {
      for (size_t r = 0; r < bqw_record_count(ds); r++)
        (void)bqw_query_match(q, r, 0);
      bqw_query_free(q);
    }
  }
  bqw_dataset_free(ds);
  return NULL;
}

/* Two readers and the setter: every snapshot one set's whole, nothing read freed. */
static void set_while_reading(void) {
  shared s = {0};
  s.books[0] = shipped("codebook-policy-tools");
  s.books[1] = shipped("codebook-themes");
  s.counts[0] = codings_of(s.books[0]);
  s.counts[1] = codings_of(s.books[1]);
  CHECK(s.counts[0] > 100 && s.counts[1] > 100 && s.counts[0] != s.counts[1]);
  CHECK_EQ_INT(bqw_load_default(&s.ds), 0);
  bqw_dataset_set_codebook(s.ds, s.books[0]);
  pthread_t threads[2];
  for (int i = 0; i < 2; i++)
    CHECK_EQ_INT(pthread_create(&threads[i], NULL, reader, &s), 0);
  /* swap until the readers have taken many snapshots (and at least 300 swaps); past
   * those 300 the setter yields after each swap, as on a busy machine the readers'
   * threads may not run at all while it spins (137 snapshots in 200,000 swaps once) */
  long swaps = 0;
  while (swaps < 300 || (atomic_load(&s.snapshots) < 200 && swaps < 200000)) {
    bqw_dataset_set_codebook(s.ds, swaps % 3 == 2 ? NULL : s.books[swaps % 3]);
    if (++swaps > 300)
      sched_yield();
  }
  atomic_store(&s.stop, true);
  for (int i = 0; i < 2; i++)
    pthread_join(threads[i], NULL);
  fprintf(stderr, "  %ld swaps, %ld snapshots\n", swaps, atomic_load(&s.snapshots));
  CHECK(atomic_load(&s.snapshots) >= 200);
  CHECK_EQ_INT(atomic_load(&s.mixed), 0);
  CHECK_EQ_INT(atomic_load(&s.bad), 0);
  /* the readers let go: the next set frees every retired one */
  bqw_dataset_set_codebook(s.ds, s.books[1]);
  CHECK_EQ_INT(dataset_retired_sets(s.ds), 0);
  const bqw_coding *c;
  size_t n;
  CHECK_EQ_INT(bqw_dataset_codings(s.ds, &c, &n), 0);
  CHECK_EQ_INT((long long)n, (long long)s.counts[1]);
  bqw_dataset_free(s.ds);
  bqw_codebook_free(s.books[0]);
  bqw_codebook_free(s.books[1]);
}

/* A set replaced while another owner holds the dataset is kept, its codings still
 * readable; the only owner's next set frees it. */
static void retired_until_alone(void) {
  bqw_codebook *a = shipped("codebook-policy-tools"), *b = shipped("codebook-themes");
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  bqw_dataset_set_codebook(ds, a);
  const bqw_codebook *cb;
  const bqw_coding *c;
  size_t n;
  CHECK_EQ_INT(bqw_dataset_codings_of(ds, &cb, &c, &n), 0);
  CHECK(cb == a && n > 100);
  bqw_dataset *other = bqw_dataset_ref(ds); /* another owner: a view job, say */
  bqw_dataset_set_codebook(ds, b);
  CHECK_EQ_INT(dataset_retired_sets(ds), 1);
  CHECK(bqw_dataset_codebook(ds) == b);
  CHECK(read_codings(ds, a, c, n) > 0); /* the old set's codings, still whole */
  bqw_dataset_set_codebook(ds, NULL);   /* b retired too, a list of two */
  CHECK_EQ_INT(dataset_retired_sets(ds), 2);
  bqw_dataset_free(other);
  bqw_dataset_set_codebook(ds, a); /* alone: the retired sets go */
  CHECK_EQ_INT(dataset_retired_sets(ds), 0);
  CHECK_EQ_INT(bqw_dataset_codings_of(ds, &cb, &c, &n), 0);
  CHECK(cb == a && n > 100);
  bqw_dataset *again = bqw_dataset_ref(ds);
  bqw_dataset_set_codebook(ds, b);
  CHECK_EQ_INT(dataset_retired_sets(ds), 1);
  bqw_dataset_free(again);
  bqw_dataset_free(ds); /* frees the set and the retired one (LeakSanitizer looks) */
  bqw_codebook_free(a);
  bqw_codebook_free(b);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"set_while_reading", set_while_reading},
      {"retired_until_alone", retired_until_alone},
  };
  return CHECK_RUN_CASES(argc, argv, cases);
}
