/*
 * test_index.c -- the search index built in the background (bqw_dataset_index_start,
 * the second search, bqw_loop_load): off the calling thread, searches meanwhile scanning
 * with the same hits, order and total as the index gives, and a free while it builds
 * stopping it. One ctest per case. A test hook (core/internal.h) holds the builder at
 * its start, so "while it builds" is certain, without timing.
 */
#include "check.h"
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <uv.h>

#define DIGEST BQW_SOURCE_DIR "/data/bqw-digest-2023.txt"

static const char *const queries[] = {
    "乡村振兴", "鄉村振興", "着力",           "著力",           "著名",
    "了解",     "瞭解",     "乡村 振兴",      "廣東 鄉村 发展", "GDP",
    "5G",       "龘",       "不存在的词语啊", "高质量发展",     "百千万工程",
    "县",       "镇村",     "广东省",         "典型村",         "产业"};
#define QUERIES (sizeof queries / sizeof *queries)

/* A search's answer, kept to compare: the total and every hit's tag and document. */
typedef struct answer {
  size_t total, count;
  uint64_t tags[64];
  uint32_t docs[64];
} answer;

static int ask(bqw_dataset *ds, const char *q, answer *a) {
  bqw_results *r = NULL;
  int rc = bqw_dataset_search(ds, q, strlen(q), 64, &r);
  memset(a, 0, sizeof *a);
  if (rc)
    return rc;
  a->total = r->total;
  a->count = r->count;
  for (size_t i = 0; i < r->count; i++) {
    a->tags[i] = r->hits[i].tag;
    a->docs[i] = r->hits[i].doc;
  }
  bqw_results_free(r);
  return 0;
}

static void check_same(const answer *a, const answer *b, const char *q) {
  check_context(q);
  CHECK_EQ_INT(a->total, b->total);
  CHECK_EQ_INT(a->count, b->count);
  for (size_t i = 0; i < a->count && i < b->count; i++) {
    CHECK_EQ_INT(a->tags[i], b->tags[i]);
    CHECK_EQ_INT(a->docs[i], b->docs[i]);
  }
  check_context(NULL);
}

/* Where the builder is held, and what it saw. */
typedef struct gate {
  uv_thread_t caller; /* the thread that must not build */
  uv_sem_t arrived, go;
  atomic_int started, done, done_status;
  atomic_bool on_caller; /* the hook ran on the caller's thread */
} gate;

static void gate_init(gate *g) {
  memset(g, 0, sizeof *g);
  g->caller = uv_thread_self();
  uv_sem_init(&g->arrived, 0);
  uv_sem_init(&g->go, 0);
  atomic_init(&g->done_status, 1);
}

static void gate_destroy(gate *g) {
  uv_sem_destroy(&g->arrived);
  uv_sem_destroy(&g->go);
}

static void hook(bqw_dataset *ds, int stage, int status, void *data) {
  (void)ds;
  gate *g = data;
  uv_thread_t self = uv_thread_self();
  if (uv_thread_equal(&self, &g->caller)) {
    g->on_caller = true; /* never hold the caller: that would hang, not fail */
    return;
  }
  if (stage == INDEX_HOOK_START) {
    g->started++;
    uv_sem_post(&g->arrived);
    uv_sem_wait(&g->go);
  } else {
    g->done_status = status;
    g->done++;
  }
}

static bqw_dataset *load(void) {
  bqw_dataset *ds = NULL;
  if (bqw_load_default(&ds) != 0) {
    fprintf(stderr, "test_index: cannot load the shipped digest\n");
    exit(1);
  }
  return ds;
}

/* bqw_dataset_index_start returns while its build is held; searches meanwhile scan
 * and answer as the index does once published; the build ran on another thread. */
static void start_then_search(void) {
  static answer during[QUERIES], after[QUERIES];
  bqw_dataset *ds = load();
  gate g;
  gate_init(&g);
  dataset_set_index_hook(ds, hook, &g);
  CHECK_EQ_INT(bqw_dataset_index_start(ds, 0), 0);
  uv_sem_wait(&g.arrived);                         /* held: nothing is built yet */
  CHECK_EQ_INT(bqw_dataset_index_start(ds, 0), 0); /* one build only */
  CHECK(!bqw_dataset_index_ready(ds));
  for (size_t i = 0; i < QUERIES; i++)
    CHECK_EQ_INT(ask(ds, queries[i], &during[i]), 0);
  CHECK(!bqw_dataset_index_ready(ds)); /* those searches scanned */
  uv_sem_post(&g.go);
  CHECK_EQ_INT(bqw_dataset_index(ds), 0); /* waits for the build */
  CHECK(bqw_dataset_index_ready(ds));
  for (size_t i = 0; i < QUERIES; i++) {
    CHECK_EQ_INT(ask(ds, queries[i], &after[i]), 0);
    check_same(&during[i], &after[i], queries[i]);
  }
  CHECK(during[0].total > 0); /* the comparison compared something */
  bqw_dataset_free(ds);       /* joins the builder: its last hook has run */
  CHECK_EQ_INT(g.started, 1);
  CHECK_EQ_INT(g.done, 1);
  CHECK_EQ_INT(g.done_status, 0);
  CHECK(!g.on_caller);
  gate_destroy(&g);
}

/* The first search scans and starts nothing (the command line's case); the second
 * starts the build on another thread and returns, scanning, while it is held. */
static void second_search_builds_aside(void) {
  bqw_dataset *ds = load();
  gate g;
  gate_init(&g);
  dataset_set_index_hook(ds, hook, &g);
  answer first, second, third;
  CHECK_EQ_INT(ask(ds, "乡村振兴", &first), 0);
  CHECK(!ds->builder_started);
  CHECK_EQ_INT(g.started, 0);
  CHECK_EQ_INT(ask(ds, "乡村振兴", &second), 0); /* returns while the build is held */
  uv_sem_wait(&g.arrived);
  CHECK(!g.on_caller);
  CHECK(!bqw_dataset_index_ready(ds));
  CHECK_EQ_INT(ask(ds, "乡村振兴", &third), 0); /* still scanning */
  uv_sem_post(&g.go);
  CHECK_EQ_INT(bqw_dataset_index(ds), 0);
  CHECK(bqw_dataset_index_ready(ds));
  answer indexed;
  CHECK_EQ_INT(ask(ds, "乡村振兴", &indexed), 0);
  check_same(&first, &second, "second");
  check_same(&first, &third, "third");
  check_same(&first, &indexed, "indexed");
  CHECK(first.total > 0);
  bqw_dataset_free(ds);
  CHECK_EQ_INT(g.started, 1);
  CHECK_EQ_INT(g.done, 1);
  CHECK_EQ_INT(g.done_status, 0);
  gate_destroy(&g);
}

typedef struct releaser {
  gate *g;
  uv_thread_t thread;
} releaser;

static void release_later(void *arg) {
  releaser *r = arg;
  uv_sleep(50);
  uv_sem_post(&r->g->go);
}

/* Freeing the dataset while its build is held stops the build (BQW_ECANCELED, nothing
 * published) and waits for its thread: nothing leaks, nothing is touched after. */
static void free_while_building(void) {
  bqw_dataset *ds = load();
  gate g;
  gate_init(&g);
  dataset_set_index_hook(ds, hook, &g);
  CHECK_EQ_INT(bqw_dataset_index_start(ds, 0), 0);
  uv_sem_wait(&g.arrived);
  releaser r;
  r.g = &g;
  CHECK_EQ_INT(uv_thread_create(&r.thread, release_later, &r), 0);
  bqw_dataset_free(ds); /* returns once the builder has ended */
  CHECK_EQ_INT(g.done, 1);
  CHECK_EQ_INT(g.done_status, BQW_ECANCELED);
  uv_thread_join(&r.thread);
  gate_destroy(&g);

  /* unheld: a free at any point of a build, or before it begins */
  for (int i = 0; i < 20; i++) {
    bqw_dataset *d = load();
    CHECK_EQ_INT(bqw_dataset_index_start(d, i % 2 ? 5 : 0), 0);
    if (i % 3 == 0) {
      answer a;
      CHECK_EQ_INT(ask(d, "乡村 振兴", &a), 0);
    }
    if (i % 4 == 1)
      uv_sleep((unsigned)i);
    bqw_dataset_free(d);
  }
}

/* Searches from threads sharing the dataset (bqw_dataset_ref) while it builds: each
 * gets the answer the index gives. */
typedef struct searcher {
  bqw_dataset *ds;
  uv_thread_t thread;
  answer got[QUERIES];
  int rc;
} searcher;

static void search_all(void *arg) {
  searcher *s = arg;
  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < QUERIES; i++)
      s->rc |= ask(s->ds, queries[i], &s->got[i]);
  bqw_dataset_free(s->ds);
}

static void shared_while_building(void) {
  static answer want[QUERIES];
  static searcher s[3];
  bqw_dataset *ds = load();
  for (size_t i = 0; i < QUERIES; i++)
    CHECK_EQ_INT(ask(ds, queries[i], &want[i]), 0); /* the second starts the build */
  for (int t = 0; t < 3; t++) {
    s[t].ds = bqw_dataset_ref(ds);
    CHECK_EQ_INT(uv_thread_create(&s[t].thread, search_all, &s[t]), 0);
  }
  for (int t = 0; t < 3; t++) {
    uv_thread_join(&s[t].thread);
    CHECK_EQ_INT(s[t].rc, 0);
    for (size_t i = 0; i < QUERIES; i++)
      check_same(&want[i], &s[t].got[i], queries[i]);
  }
  CHECK_EQ_INT(bqw_dataset_index(ds), 0);
  for (size_t i = 0; i < QUERIES; i++) {
    answer a;
    CHECK_EQ_INT(ask(ds, queries[i], &a), 0);
    check_same(&want[i], &a, queries[i]);
  }
  bqw_dataset_free(ds);
}

/* A dataset from the loop's load comes back with its build already started, on a
 * thread of its own: the callback has it before the index is needed. */
typedef struct loaded_state {
  int calls, status;
  bool started;
  bool ready_after_wait;
  answer a;
} loaded_state;

static void loaded(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  (void)req;
  loaded_state *st = data;
  st->calls++;
  st->status = status;
  if (ds) {
    st->started = ds->builder_started;
    ask(ds, "乡村振兴", &st->a); /* scans or uses the index: the same */
    st->ready_after_wait = bqw_dataset_index(ds) == 0 && bqw_dataset_index_ready(ds);
  }
  bqw_dataset_free(ds);
}

static void loop_load_builds(void) {
  for (int nice = 0; nice <= 10; nice += 10) {
    bqw_loop *loop = NULL;
    CHECK_EQ_INT(bqw_loop_new(&loop), 0);
    CHECK_EQ_INT(bqw_loop_set_load_nice(loop, nice), 0);
    loaded_state st = {0};
    CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &st, NULL), 0);
    bqw_loop_run(loop, BQW_RUN_DEFAULT);
    bqw_loop_free(loop);
    CHECK_EQ_INT(st.calls, 1);
    CHECK_EQ_INT(st.status, 0);
    CHECK(st.started);
    CHECK(st.ready_after_wait);
    CHECK(st.a.total > 0);
  }
  /* a loop told not to (an export on every change) starts no build */
  bqw_loop *loop = NULL;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  bqw_loop_set_index(loop, 0);
  loaded_state st = {0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &st, NULL), 0);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  bqw_loop_free(loop);
  CHECK_EQ_INT(st.status, 0);
  CHECK(!st.started);
  CHECK(st.ready_after_wait); /* bqw_dataset_index builds it when asked */
}

/* Pinyin search reads the documents in the index's order without building it. */
static void pinyin_builds_nothing(void) {
  bqw_dataset *ds = load();
  bqw_results *r = NULL;
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(bqw_dataset_search_pinyin(ds, "xczx", 4, 10, &r), 0);
    CHECK(r && r->total > 0);
    bqw_results_free(r);
  }
  CHECK(!ds->builder_started);
  CHECK(!bqw_dataset_index_ready(ds));
  CHECK_EQ_INT(bqw_dataset_index_start(ds, 20), BQW_EINVAL);
  bqw_dataset_free(ds);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"start_then_search", start_then_search},
      {"second_search_builds_aside", second_search_builds_aside},
      {"free_while_building", free_while_building},
      {"shared_while_building", shared_while_building},
      {"loop_load_builds", loop_load_builds},
      {"pinyin_builds_nothing", pinyin_builds_nothing}};
  return CHECK_RUN_CASES(argc, argv, cases);
}
