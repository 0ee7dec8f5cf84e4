/*
 * test_loop.c -- the loop on a host's uv loop, and driven by polling its backend fd:
 * the two ways a host such as Neovim embeds it.
 */
#include "bqw.h"
#include "check.h"

#include <poll.h>
#include <uv.h>

#define DIGEST BQW_SOURCE_DIR "/data/bqw-digest-2023.txt"

typedef struct result {
  int calls, status;
  size_t measures;
} result;

static void loaded(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  (void)req;
  result *r = data;
  r->calls++;
  r->status = status;
  if (ds) {
    bqw_stats s;
    bqw_dataset_stats(ds, &s);
    r->measures = s.measures;
  }
  bqw_dataset_free(ds);
}

static void fired(bqw_timer *t, void *data) {
  (void)t;
  ++*(int *)data;
}

/* The host owns the uv loop and runs it; bqw's work rides on it. */
static void on_host_loop(void) {
  uv_loop_t host;
  CHECK_EQ_INT(uv_loop_init(&host), 0);
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new_on(&host, &loop), 0);
  CHECK_EQ_INT(bqw_loop_run(loop, BQW_RUN_DEFAULT), BQW_EINVAL); /* the host runs it */
  result r = {0};
  int ticks = 0;
  bqw_timer *t;
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  CHECK_EQ_INT(bqw_timer_start(loop, 0, 1, fired, &ticks, &t), 0);
  while (r.calls == 0)
    uv_run(&host, UV_RUN_ONCE);
  bqw_timer_stop(t);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(r.status, 0);
  CHECK_EQ_INT((int)r.measures, 63);
  bqw_loop_free(loop);
  uv_run(&host, UV_RUN_DEFAULT);         /* lets the closed handles call back */
  CHECK_EQ_INT(uv_loop_close(&host), 0); /* nothing of bqw's is left on it */
}

/* A host that cannot share its loop polls bqw's backend fd and runs it without waiting.
 */
static void by_polling(void) {
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  result r = {0};
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  int rounds = 0;
  while (r.calls == 0 && rounds < 10000) {
    struct pollfd p = {bqw_loop_backend_fd(loop), POLLIN, 0};
    poll(&p, 1,
         bqw_loop_backend_timeout(loop) < 0 ? 100 : bqw_loop_backend_timeout(loop));
    bqw_loop_run(loop, BQW_RUN_NOWAIT);
    rounds++;
  }
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT((int)r.measures, 63);
  CHECK_EQ_INT((int)bqw_loop_pending(loop), 0);
  bqw_loop_free(loop);
}

/* Cancelling before the threadpool starts: the callback still runs, once. */
static void cancel(void) {
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  result r[8] = {{0}};
  bqw_load_req *req[8];
  for (int i = 0; i < 8; i++)
    CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r[i], &req[i]), 0);
  for (int i = 0; i < 8; i++)
    bqw_load_cancel(req[i]);
  bqw_loop_run(loop, BQW_RUN_DEFAULT);
  for (int i = 0; i < 8; i++) {
    CHECK_EQ_INT(r[i].calls, 1);
    CHECK_EQ_INT(r[i].status, BQW_ECANCELED);
  }
  bqw_loop_free(loop);
}

/* Freeing the loop with work in flight: every callback still runs, nothing leaks. */
static void free_with_work_in_flight(void) {
  bqw_loop *loop;
  CHECK_EQ_INT(bqw_loop_new(&loop), 0);
  result r = {0};
  int ticks = 0;
  CHECK_EQ_INT(bqw_loop_load(loop, DIGEST, loaded, &r, NULL), 0);
  CHECK_EQ_INT(bqw_timer_start(loop, 1000, 1000, fired, &ticks, NULL), 0);
  bqw_loop_free(loop);
  CHECK_EQ_INT(r.calls, 1);
  CHECK_EQ_INT(ticks, 0);
}

/* bqw_loop_free from inside one of the loop's callbacks: the loop is freed when
 * bqw_loop_run returns, and every request still calls back. */
static bqw_loop *freed_in_callback;
static void free_from_load(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  loaded(req, status, ds, data);
  bqw_loop_free(freed_in_callback);
}

static void free_from_timer(bqw_timer *t, void *data) {
  fired(t, data);
  bqw_loop_free(freed_in_callback);
}

static void free_inside_callbacks(void) {
  result r = {0};
  CHECK_EQ_INT(bqw_loop_new(&freed_in_callback), 0);
  CHECK_EQ_INT(bqw_loop_load(freed_in_callback, DIGEST, free_from_load, &r, NULL), 0);
  bqw_loop_run(freed_in_callback, BQW_RUN_DEFAULT); /* returns, and frees the loop */
  CHECK_EQ_INT(r.calls, 1);
  int ticks = 0;
  CHECK_EQ_INT(bqw_loop_new(&freed_in_callback), 0);
  CHECK_EQ_INT(bqw_timer_start(freed_in_callback, 0, 0, free_from_timer, &ticks, NULL),
               0);
  CHECK_EQ_INT(bqw_loop_load(freed_in_callback, DIGEST, loaded, &r, NULL), 0);
  bqw_loop_run(freed_in_callback, BQW_RUN_DEFAULT);
  CHECK_EQ_INT(ticks, 1);
  CHECK_EQ_INT(r.calls, 2); /* the load in flight still called back */
}

/* OpenCC is only ever given valid UTF-8. */
static void convert_invalid(void) {
  char *out = NULL;
  static const char cut[] = "abcdefghijklmnopqr\xe4";
  CHECK_EQ_INT(bqw_convert(cut, sizeof cut - 1, BQW_SCRIPT_HANS, &out, NULL),
               BQW_EENCODING);
  CHECK(out == NULL);
}

int main(void) {
  free_inside_callbacks();
  convert_invalid();
  on_host_loop();
  by_polling();
  cancel();
  free_with_work_in_flight();
  return check_report("test_loop");
}
