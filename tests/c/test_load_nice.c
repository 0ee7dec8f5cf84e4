/*
 * test_load_nice.c -- niced loads (bqw_loop_set_load_nice): each runs on a thread of
 * its own at a lower priority, with every guarantee of a threadpool load. One ctest per
 * case. A test hook (core/internal.h) holds the load's thread at the start or just
 * before the work, so the thread's nice value is read from /proc while it exists and a
 * cancel lands before or during the work for certain, without timing.
 */
#include "check.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#define DIGEST BQW_SOURCE_DIR "/data/bqw-digest-2023.txt"
#define MEASURES 63 /* in the shipped digest */

typedef struct result {
  int calls, status;
  size_t measures;
} result;

static void loaded(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  (void)req;
  result *r = data;
  r->calls++;
  r->status = status;
  r->measures = 0;
  if (ds) {
    bqw_stats s;
    bqw_dataset_stats(ds, &s);
    r->measures = s.measures;
  }
  bqw_dataset_free(ds);
}

/* What the load's thread saw, and where the hook holds it (-1: nowhere). */
typedef struct gate {
  int hold;
  uv_sem_t arrived, go;
  atomic_int seen[2]; /* times each stage was reached */
  atomic_int tid, nice;
} gate;

static void gate_init(gate *g, int hold) {
  memset(g, 0, sizeof *g);
  g->hold = hold;
  uv_sem_init(&g->arrived, 0);
  uv_sem_init(&g->go, 0);
  g->tid = -1;
  g->nice = 100;
}

static void gate_destroy(gate *g) {
  uv_sem_destroy(&g->arrived);
  uv_sem_destroy(&g->go);
}

static void hook(bqw_load_req *req, int stage, void *data) {
  (void)req;
  gate *g = data;
  g->seen[stage]++;
  if (stage == LOAD_HOOK_START) {
    g->tid = (int)gettid();
    errno = 0;
    g->nice = getpriority(PRIO_PROCESS, (id_t)g->tid);
  }
  if (stage == g->hold) {
    uv_sem_post(&g->arrived);
    uv_sem_wait(&g->go);
  }
}

/* The nice value the kernel shows for a thread of this process (field 19 of its stat),
 * or 100 when it cannot be read. */
static int proc_nice(int tid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  FILE *f = fopen(path, "r");
  if (!f)
    return 100;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the name before it may hold spaces */
  if (!p)
    return 100;
  p++;
  for (int field = 3; field <= 19; field++) {
    char *end;
    while (*p == ' ')
      p++;
    if (field == 19)
      return (int)strtol(p, &end, 10);
    end = strchr(p, ' ');
    if (!end)
      return 100;
    p = end;
  }
  return 100;
}

static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  if (!d)
    return -1;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static int own_nice(void) {
  errno = 0;
  return getpriority(PRIO_PROCESS, (id_t)gettid());
}

static int plus(int base, int nice) { return base + nice > 19 ? 19 : base + nice; }

static void run_until(bqw_loop *loop, const int *calls) {
  while (*calls == 0)
    bqw_loop_run(loop, BQW_RUN_ONCE);
}

/* A niced load runs on a thread of its own, nice value raised by N, that is gone once
 * the callback runs; a load at 0 runs on the threadpool at the process's priority. */
static void niced_load(void) {
  int base = own_nice(), main_tid = (int)gettid();
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, -1), BQW_EINVAL);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 20), BQW_EINVAL);
  CHECK_EQ_INT(bqw_loop_set_load_nice(NULL, 5), BQW_EINVAL);

  /* at 0: the threadpool, untouched */
  gate g;
  gate_init(&g, -1);
  loop_set_load_hook(loop, hook, &g);
  result r = {0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, 0);
  CHECK_EQ_INT((int)r.measures, MEASURES);
  CHECK(g.tid != main_tid);
  CHECK_EQ_INT(g.nice, base);
  gate_destroy(&g);

  /* at 5: a thread of its own, held before the work to look at it */
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 5), 0);
  gate_init(&g, LOAD_HOOK_WORK);
  loop_set_load_hook(loop, hook, &g);
  int threads_before = thread_count();
  r = (result){0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  uv_sem_wait(&g.arrived);
  CHECK(g.tid != main_tid);
  CHECK_EQ_INT(g.nice, plus(base, 5));
  CHECK_EQ_INT(proc_nice(g.tid), plus(base, 5));
  CHECK_EQ_INT(thread_count(), threads_before + 1);
  CHECK_EQ_INT(own_nice(), base); /* the loop's thread keeps its priority */
  CHECK_EQ_INT(r.calls, 0);
  uv_sem_post(&g.go);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, 0);
  CHECK_EQ_INT((int)r.measures, MEASURES);
  CHECK_EQ_INT(thread_count(), threads_before); /* joined */
  CHECK_EQ_INT((int)bqw_loop_pending(loop), 0);
  gate_destroy(&g);

  /* back at 0: the threadpool's threads were never reniced */
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 0), 0);
  gate_init(&g, -1);
  loop_set_load_hook(loop, hook, &g);
  r = (result){0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(g.nice, base);
  gate_destroy(&g);
  bqw_loop_free(loop);
}

/* Cancelled while the thread waits at `point`: before it starts working (the work is
 * skipped) or during the work (it finishes, its result is discarded). Either way one
 * callback, BQW_ECANCELED, on the niced thread. */
static void cancel_at(int point) {
  int base = own_nice();
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 3), 0);
  gate g;
  gate_init(&g, point);
  loop_set_load_hook(loop, hook, &g);
  result r = {0};
  bqw_load_req *req;
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, &req), 0);
  uv_sem_wait(&g.arrived);
  bqw_load_cancel(req);
  uv_sem_post(&g.go);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, BQW_ECANCELED);
  CHECK_EQ_INT((int)r.measures, 0);
  CHECK_EQ_INT(g.seen[LOAD_HOOK_WORK], point == LOAD_HOOK_WORK);
  CHECK_EQ_INT(g.nice, plus(base, 3));
  gate_destroy(&g);
  bqw_loop_free(loop);
}

static void cancel_before_start(void) { cancel_at(LOAD_HOOK_START); }
static void cancel_during_work(void) { cancel_at(LOAD_HOOK_WORK); }

/* Freeing an owned loop waits for niced loads in flight; each calls back once. */
static bqw_loop *freed_in_callback;
static void free_from_load(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  loaded(req, status, ds, data);
  bqw_loop_free(freed_in_callback);
}

static void free_owned_in_flight(void) {
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 5), 0);
  int base = own_nice();
  gate g;
  gate_init(&g, -1);
  loop_set_load_hook(loop, hook, &g);
  result r[3] = {{0}};
  for (int i = 0; i < 3; i++)
    CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r[i], NULL), 0);
  bqw_loop_free(loop);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(r[i].calls, 1);
    CHECK_EQ_INT(r[i].status, 0);
    CHECK_EQ_INT((int)r[i].measures, MEASURES);
  }
  CHECK_EQ_INT(g.seen[LOAD_HOOK_WORK], 3);
  CHECK_EQ_INT(g.nice, plus(base, 5));
  gate_destroy(&g);

  /* from inside a callback, another load in flight */
  result a = {0}, b = {0};
  CHECK_EQ_INT(bqw_loop_new(&freed_in_callback), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(freed_in_callback, 5), 0);
  CHECK_EQ_INT(bqw_loop_load(freed_in_callback, DIGEST, free_from_load, &a, NULL), 0);
  CHECK_EQ_INT(bqw_loop_load(freed_in_callback, DIGEST, loaded, &b, NULL), 0);
  bqw_loop_run(freed_in_callback, BQW_RUN_DEFAULT); /* returns, and frees the loop */
  CHECK_EQ_INT(a.calls, 1);
  CHECK_EQ_INT(b.calls, 1);
}

/* On a host's loop: freed when the last niced load has called back and closed. */
static void free_host_in_flight(void) {
  int base = own_nice();
  uv_loop_t host;
  CHECK_EQ_INT(uv_loop_init(&host), 0);
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new_on(&host, &loop), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 5), 0);
  gate g;
  gate_init(&g, LOAD_HOOK_WORK);
  loop_set_load_hook(loop, hook, &g);
  result r = {0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  uv_sem_wait(&g.arrived);
  bqw_loop_free(loop); /* in flight: the loop stays until the request is done */
  CHECK_EQ_INT(r.calls, 0);
  uv_sem_post(&g.go);
  uv_run(&host, UV_RUN_DEFAULT);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, 0);
  CHECK_EQ_INT((int)r.measures, MEASURES);
  CHECK_EQ_INT(uv_loop_close(&host), 0); /* nothing of bqw's is left on it */
  CHECK_EQ_INT(g.nice, plus(base, 5));
  gate_destroy(&g);
}

/* A watch's reload runs niced too. */
typedef struct reload {
  int calls, status;
  size_t measures;
  bool timed_out;
} reload;

static void reloaded(bqw_watch *w, int status, bqw_dataset *ds, void *data) {
  (void)w;
  reload *r = data;
  r->calls++;
  r->status = status;
  if (ds) {
    bqw_stats s;
    bqw_dataset_stats(ds, &s);
    r->measures = s.measures;
  }
  bqw_dataset_free(ds);
}

static void give_up(bqw_timer *t, void *data) {
  (void)t;
  reload *r = data;
  r->timed_out = true;
  r->calls++; /* ends run_until */
}

static bool copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  bool ok = in && out;
  char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
    ok = fwrite(buf, 1, n, out) == n;
  if (in)
    fclose(in);
  if (out && fclose(out))
    ok = false;
  return ok;
}

static void watch_reload(void) {
  char dir[] = "/tmp/bqw-load-nice-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[128];
  snprintf(path, sizeof path, "%s/digest.txt", dir);
  CHECK(copy_file(DIGEST, path));

  int base = own_nice(), main_tid = (int)gettid();
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  CHECK_EQ_INT(bqw_loop_set_load_nice(loop, 7), 0);
  gate g;
  gate_init(&g, -1);
  loop_set_load_hook(loop, hook, &g);
  reload r = {0};
  bqw_watch *w;
  CHECK_EQ_INT(bqw_watch_start(loop, path, 10, reloaded, &r, &w), 0);
  bqw_timer *t;
  /* only a bound for a broken watch, never reached when it works */
  CHECK_EQ_INT(bqw_timer_start(loop, 30000, 0, give_up, &r, &t), 0);
  CHECK(copy_file(DIGEST, path));
  run_until(loop, &r.calls);
  CHECK(!r.timed_out);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, 0);
  CHECK_EQ_INT((int)r.measures, MEASURES);
  CHECK(g.tid != main_tid && g.tid != -1);
  CHECK_EQ_INT(g.nice, plus(base, 7));
  bqw_timer_stop(t);
  bqw_watch_stop(w);
  bqw_loop_free(loop);
  gate_destroy(&g);
  unlink(path);
  rmdir(dir);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {{"niced_load", niced_load},
                                     {"cancel_before_start", cancel_before_start},
                                     {"cancel_during_work", cancel_during_work},
                                     {"free_owned_in_flight", free_owned_in_flight},
                                     {"free_host_in_flight", free_host_in_flight},
                                     {"watch_reload", watch_reload}};
  return CHECK_RUN_CASES(argc, argv, cases);
}
