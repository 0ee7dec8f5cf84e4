/*
 * loop.c -- the async core: a libuv loop for background loading, timers, watching a
 * digest for changes, and signals. One bqw_loop handle carries all state.
 *
 * The loop either owns a uv_loop_t (bqw_loop_new, driven by bqw_loop_run) or runs on a
 * host's (bqw_loop_new_on: Neovim's, which luv exposes); then the host's loop drives
 * it. Work that takes time (reading, validating, normalizing, parsing) runs
 * on libuv's threadpool, or, when the loop's loads are niced (bqw_loop_set_load_nice),
 * each load on a thread of its own that lowers its own priority: a threadpool thread is
 * never reniced, as an unprivileged thread cannot raise its priority back and the pool
 * is shared with the host's own work. A loaded dataset's search index is then built on
 * a thread the dataset owns (bqw_dataset_index_start), at the same priority, while the
 * dataset is already the callback's. Every callback runs on the loop's thread, so a
 * binding may call into its interpreter from them. Every request's callback runs
 * exactly once, cancelled or not, and hands over what it carries.
 *
 * Lifetimes: handles (timers, watches, signals) are closed asynchronously, so the
 * loop counts what is open or in flight and frees itself only when that reaches zero
 * after bqw_loop_free; an owned loop is run until then.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>
#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h> /* gettid */
#endif

struct bqw_loop {
  uv_loop_t own;
  uv_loop_t *uv;
  bool owned;
  bool closing;
  bool running;        /* inside bqw_loop_run: freeing waits until uv_run returns */
  size_t refs;         /* open handles and requests in flight */
  size_t max_size;     /* of the files loaded; 0: the default */
  int load_nice;       /* 0: loads on the threadpool; 1..19: each on a niced thread */
  bool no_index;       /* loads do not start their dataset's index build */
  load_hook load_hook; /* for tests: called on the load's thread */
  void *load_hook_data;
  /* every open handle, to close them all at bqw_loop_free */
  struct handle_link *handles;
};

typedef struct handle_link {
  struct handle_link *next, *prev;
  void (*close)(struct handle_link *);
} handle_link;

static void link_handle(bqw_loop *loop, handle_link *h, void (*close)(handle_link *)) {
  h->close = close;
  h->prev = NULL;
  h->next = loop->handles;
  if (loop->handles)
    loop->handles->prev = h;
  loop->handles = h;
}

static void unlink_handle(bqw_loop *loop, handle_link *h) {
  if (h->prev)
    h->prev->next = h->next;
  else if (loop->handles == h)
    loop->handles = h->next;
  if (h->next)
    h->next->prev = h->prev;
  h->next = h->prev = NULL;
}

static void loop_release(bqw_loop *loop) {
  if (--loop->refs == 0 && loop->closing && !loop->owned)
    free(loop);
}

static int uv_to_bqw(int uverr) {
  switch (uverr) {
  case 0:
    return 0;
  case UV_ENOMEM:
    return BQW_ENOMEM;
  case UV_ECANCELED:
    return BQW_ECANCELED;
  case UV_EINVAL:
    return BQW_EINVAL;
  default:
    return BQW_EIO;
  }
}

/* ---- the loop ---- */

int bqw_loop_new(bqw_loop **out) {
  if (!out)
    return BQW_EINVAL;
  bqw_loop *loop = calloc(1, sizeof *loop);
  if (!loop)
    return BQW_ENOMEM;
  int rc = uv_loop_init(&loop->own);
  if (rc) {
    free(loop);
    return uv_to_bqw(rc);
  }
  loop->uv = &loop->own;
  loop->owned = true;
  *out = loop;
  return 0;
}

int bqw_loop_new_on(void *uv_loop, bqw_loop **out) {
  if (!out || !uv_loop)
    return BQW_EINVAL;
  bqw_loop *loop = calloc(1, sizeof *loop);
  if (!loop)
    return BQW_ENOMEM;
  loop->uv = uv_loop;
  *out = loop;
  return 0;
}

static void teardown_owned(bqw_loop *loop) {
  /* requests in flight on the threadpool still call back: run until all is done */
  while (loop->refs)
    uv_run(loop->uv, UV_RUN_ONCE);
  uv_run(loop->uv, UV_RUN_NOWAIT);
  uv_loop_close(loop->uv);
  free(loop);
}

int bqw_loop_run(bqw_loop *loop, bqw_run_mode mode) {
  if (!loop || !loop->owned || (unsigned)mode > BQW_RUN_NOWAIT)
    return BQW_EINVAL;
  if (loop->running)
    return BQW_EINVAL; /* not from inside one of its own callbacks */
  static const uv_run_mode modes[] = {UV_RUN_DEFAULT, UV_RUN_ONCE, UV_RUN_NOWAIT};
  loop->running = true;
  int alive = uv_run(loop->uv, modes[mode]);
  loop->running = false;
  if (loop->closing) { /* bqw_loop_free was called from a callback */
    teardown_owned(loop);
    return 0;
  }
  return alive;
}

void bqw_loop_stop(bqw_loop *loop) { uv_stop(loop->uv); }

int bqw_loop_backend_fd(const bqw_loop *loop) { return uv_backend_fd(loop->uv); }
int bqw_loop_backend_timeout(const bqw_loop *loop) {
  return uv_backend_timeout(loop->uv);
}
uint64_t bqw_loop_now(const bqw_loop *loop) { return uv_now(loop->uv); }
size_t bqw_loop_pending(const bqw_loop *loop) { return loop->refs; }

void bqw_loop_free(bqw_loop *loop) {
  if (!loop || loop->closing)
    return;
  loop->closing = true;
  while (loop->handles)
    loop->handles->close(loop->handles); /* each unlinks itself */
  if (loop->owned && loop->running) {
    uv_stop(loop->uv); /* bqw_loop_run finishes the teardown when uv_run returns */
  } else if (loop->owned) {
    teardown_owned(loop);
  } else if (!loop->refs) {
    free(loop);
  }
}

/* ---- background load ---- */

/*
 * A load runs either as a uv_work_t on the threadpool (load_nice 0) or on a thread of
 * its own (load_nice > 0), which sends `done` when it has finished; the loop's thread
 * then joins it, calls back, and closes `done`: the request is freed, and the loop's
 * ref dropped, when that handle is closed.
 */
struct bqw_load_req {
  uv_work_t work;
  uv_thread_t thread;
  uv_async_t done;
  bqw_loop *loop;
  char *path;
  bqw_load_options opts;
  bqw_dataset *ds;
  int status;
  int nice;              /* 0: on the threadpool */
  bool index;            /* start the dataset's index build before calling back */
  atomic_bool cancelled; /* set on the loop's thread, read on the working one */
  load_hook hook;
  void *hook_data;
  bqw_load_cb cb;
  void *data;
};

/* Linux keeps a nice value per thread; elsewhere the thread runs at normal priority. */
void thread_lower_priority(int nice) {
  if (nice <= 0)
    return;
#ifdef __linux__
  id_t tid = (id_t)gettid();
  errno = 0;
  int now = getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno)
    now = 0;
  int want = now + nice > 19 ? 19 : now + nice;
  /* best effort: a thread left at normal priority loads as fast, only less politely */
  (void)setpriority(PRIO_PROCESS, tid, want);
#else
  (void)nice;
#endif
}

static void do_load(bqw_load_req *r) {
  if (r->hook)
    r->hook(r, LOAD_HOOK_START, r->hook_data);
  if (r->cancelled)
    return;
  if (r->hook)
    r->hook(r, LOAD_HOOK_WORK, r->hook_data);
  r->status = bqw_load_file_opts(r->path, &r->opts, &r->ds);
}

static void load_work(uv_work_t *w) { do_load(w->data); }

/* On the loop's thread, once the work is over: hands the result to the callback. */
static void load_finish(bqw_load_req *r, bool cancelled) {
  if (cancelled || r->cancelled) {
    bqw_dataset_free(r->ds);
    r->ds = NULL;
    r->status = BQW_ECANCELED;
  }
  /* the index builds on a thread of the dataset's own while the callback runs: when
   * that thread cannot start, searches go on scanning */
  if (!r->status && r->ds && r->index)
    (void)bqw_dataset_index_start(r->ds, r->nice);
  r->cb(r, r->status, r->ds, r->data); /* the dataset is the callback's now */
}

static void load_free(bqw_load_req *r) {
  bqw_loop *loop = r->loop;
  free(r->path);
  free(r);
  loop_release(loop);
}

static void load_after(uv_work_t *w, int uvstatus) {
  bqw_load_req *r = w->data;
  load_finish(r, uvstatus == UV_ECANCELED);
  load_free(r);
}

static void thread_main(void *arg) {
  bqw_load_req *r = arg;
  thread_lower_priority(r->nice);
  do_load(r);
  uv_async_send(&r->done); /* the loop's thread joins this thread before freeing r */
}

static void thread_closed(uv_handle_t *h) { load_free(h->data); }

static void thread_done(uv_async_t *a) {
  bqw_load_req *r = a->data;
  uv_thread_join(&r->thread); /* it has finished: only its return is left */
  load_finish(r, false);
  uv_close((uv_handle_t *)&r->done, thread_closed);
}

/* The threadpool's stack size (libuv's threadpool.c): the parser was sized for it. */
#define LOAD_STACK_SIZE (8u << 20)

int bqw_loop_load(bqw_loop *loop, const char *path, bqw_load_cb cb, void *data,
                  bqw_load_req **out) {
  if (!loop || !path || !cb || loop->closing)
    return BQW_EINVAL;
  bqw_load_req *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return BQW_ENOMEM;
  }
  r->loop = loop;
  r->opts.max_size = loop->max_size;
  r->nice = loop->load_nice;
  r->index = !loop->no_index;
  r->hook = loop->load_hook;
  r->hook_data = loop->load_hook_data;
  r->cb = cb;
  r->data = data;
  r->work.data = r;
  int rc;
  if (r->nice) {
    rc = uv_async_init(loop->uv, &r->done, thread_done);
    if (!rc) {
      r->done.data = r;
      uv_thread_options_t o = {UV_THREAD_HAS_STACK_SIZE, LOAD_STACK_SIZE};
      rc = uv_thread_create_ex(&r->thread, &o, thread_main, r);
      if (rc) {
        /* the request goes when its handle is closed (asynchronously), with the ref
         * taken for it; no callback runs: the caller is told */
        loop->refs++;
        uv_close((uv_handle_t *)&r->done, thread_closed);
        return uv_to_bqw(rc);
      }
    }
  } else {
    rc = uv_queue_work(loop->uv, &r->work, load_work, load_after);
  }
  if (rc) {
    free(r->path);
    free(r);
    return uv_to_bqw(rc);
  }
  loop->refs++;
  if (out)
    *out = r;
  return 0;
}

void bqw_loop_set_max_size(bqw_loop *loop, size_t max_size) { loop->max_size = max_size; }

int bqw_loop_set_load_nice(bqw_loop *loop, int nice) {
  if (!loop || nice < 0 || nice > 19)
    return BQW_EINVAL;
  loop->load_nice = nice;
  return 0;
}

void bqw_loop_set_index(bqw_loop *loop, int on) { loop->no_index = !on; }

void loop_set_load_hook(bqw_loop *loop, load_hook hook, void *data) {
  loop->load_hook = hook;
  loop->load_hook_data = data;
}

void bqw_load_cancel(bqw_load_req *r) {
  /* Not yet started: the work is skipped (libuv drops a threadpool one). Running: the
   * result is discarded when it ends. Either way the callback runs, with
   * BQW_ECANCELED. */
  r->cancelled = true;
  if (!r->nice)
    uv_cancel((uv_req_t *)&r->work);
}

/* ---- timers ---- */

struct bqw_timer {
  handle_link link;
  uv_timer_t uv;
  bqw_loop *loop;
  bqw_timer_cb cb;
  void *data;
  bool stopped;
};

static void timer_closed(uv_handle_t *h) {
  bqw_timer *t = h->data;
  bqw_loop *loop = t->loop;
  free(t);
  loop_release(loop);
}

static void timer_close_link(handle_link *link) { bqw_timer_stop((bqw_timer *)link); }

static void timer_fired(uv_timer_t *h) {
  bqw_timer *t = h->data;
  t->cb(t, t->data);
}

int bqw_timer_start(bqw_loop *loop, uint64_t timeout_ms, uint64_t repeat_ms,
                    bqw_timer_cb cb, void *data, bqw_timer **out) {
  if (!loop || !cb || loop->closing)
    return BQW_EINVAL;
  bqw_timer *t = calloc(1, sizeof *t);
  if (!t)
    return BQW_ENOMEM;
  t->loop = loop;
  t->cb = cb;
  t->data = data;
  t->uv.data = t;
  uv_timer_init(loop->uv, &t->uv);
  int rc = uv_timer_start(&t->uv, timer_fired, timeout_ms, repeat_ms);
  loop->refs++;
  link_handle(loop, &t->link, timer_close_link);
  if (rc) {
    bqw_timer_stop(t);
    return uv_to_bqw(rc);
  }
  if (out)
    *out = t;
  return 0;
}

void bqw_timer_stop(bqw_timer *t) {
  if (!t || t->stopped)
    return;
  t->stopped = true;
  unlink_handle(t->loop, &t->link);
  uv_timer_stop(&t->uv);
  uv_close((uv_handle_t *)&t->uv, timer_closed);
}

/* ---- signals ---- */

struct bqw_signal {
  handle_link link;
  uv_signal_t uv;
  bqw_loop *loop;
  bqw_signal_cb cb;
  void *data;
  bool stopped;
};

static void signal_closed(uv_handle_t *h) {
  bqw_signal *s = h->data;
  bqw_loop *loop = s->loop;
  free(s);
  loop_release(loop);
}

static void signal_close_link(handle_link *link) { bqw_signal_stop((bqw_signal *)link); }

static void signal_fired(uv_signal_t *h, int signum) {
  bqw_signal *s = h->data;
  s->cb(s, signum, s->data);
}

int bqw_signal_start(bqw_loop *loop, int signum, bqw_signal_cb cb, void *data,
                     bqw_signal **out) {
  if (!loop || !cb || loop->closing)
    return BQW_EINVAL;
  bqw_signal *s = calloc(1, sizeof *s);
  if (!s)
    return BQW_ENOMEM;
  s->loop = loop;
  s->cb = cb;
  s->data = data;
  s->uv.data = s;
  int rc = uv_signal_init(loop->uv, &s->uv);
  if (rc) {
    free(s);
    return uv_to_bqw(rc);
  }
  rc = uv_signal_start(&s->uv, signal_fired, signum);
  loop->refs++;
  link_handle(loop, &s->link, signal_close_link);
  if (rc) {
    bqw_signal_stop(s);
    return uv_to_bqw(rc);
  }
  if (out)
    *out = s;
  return 0;
}

void bqw_signal_stop(bqw_signal *s) {
  if (!s || s->stopped)
    return;
  s->stopped = true;
  unlink_handle(s->loop, &s->link);
  uv_signal_stop(&s->uv);
  uv_close((uv_handle_t *)&s->uv, signal_closed);
}

/* ---- watching a file ---- */

/*
 * The directory holding the file is watched, not the file: an editor's atomic save
 * (write a temporary file, rename it over) and a delete then re-create replace the
 * file's inode, which a watch on the file itself would lose. Events for the file's
 * name (re)start a debounce timer; when it fires the file is loaded in the background.
 * A change during a load is remembered and loaded after it, so a burst of writes gives
 * one load, or two when it straddles one.
 */
struct bqw_watch {
  handle_link link;
  uv_fs_event_t event;
  uv_timer_t debounce;
  bqw_loop *loop;
  char *path, *dir, *name;
  uint64_t debounce_ms;
  bqw_watch_cb cb;
  void *data;
  bqw_load_req *loading;
  bool pending, stopped;
  int open_handles;
};

/* The watch is freed when its two handles are closed and no load of its is in flight. */
static void watch_unref(bqw_watch *w) {
  if (--w->open_handles == 0) {
    bqw_loop *loop = w->loop;
    free(w->path);
    free(w->dir);
    free(w);
    loop_release(loop);
  }
}

static void watch_handle_closed(uv_handle_t *h) { watch_unref(h->data); }

static void watch_close_link(handle_link *link) { bqw_watch_stop((bqw_watch *)link); }

static void watch_start_load(bqw_watch *w);

static void watch_loaded(bqw_load_req *r, int status, bqw_dataset *ds, void *data) {
  (void)r;
  bqw_watch *w = data;
  w->loading = NULL;
  if (w->stopped || status == BQW_ECANCELED)
    bqw_dataset_free(ds);
  else
    w->cb(w, status, ds, w->data); /* ds, good or failed, is the callback's */
  if (!w->stopped && w->pending) {
    w->pending = false;
    watch_start_load(w);
  }
  watch_unref(w);
}

static void watch_start_load(bqw_watch *w) {
  w->open_handles++;
  if (bqw_loop_load(w->loop, w->path, watch_loaded, w, &w->loading)) {
    w->loading = NULL;
    w->open_handles--;
  }
}

static void watch_settled(uv_timer_t *t) {
  bqw_watch *w = t->data;
  if (w->loading) {
    w->pending = true;
    return;
  }
  watch_start_load(w);
}

static void watch_event(uv_fs_event_t *h, const char *filename, int events, int status) {
  (void)events;
  bqw_watch *w = h->data;
  if (status < 0 || (filename && strcmp(filename, w->name)))
    return;
  uv_timer_start(&w->debounce, watch_settled, w->debounce_ms, 0);
}

int bqw_watch_start(bqw_loop *loop, const char *path, uint64_t debounce_ms,
                    bqw_watch_cb cb, void *data, bqw_watch **out) {
  if (!loop || !path || !cb || loop->closing)
    return BQW_EINVAL;
  bqw_watch *w = calloc(1, sizeof *w);
  if (!w)
    return BQW_ENOMEM;
  w->path = strdup(path);
  const char *slash = strrchr(path, '/');
  w->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
  if (!w->path || !w->dir) {
    free(w->path);
    free(w->dir);
    free(w);
    return BQW_ENOMEM;
  }
  w->name = w->path + (slash ? (size_t)(slash - path) + 1 : 0);
  w->loop = loop;
  w->cb = cb;
  w->data = data;
  w->debounce_ms = debounce_ms;
  w->event.data = w->debounce.data = w;
  uv_fs_event_init(loop->uv, &w->event);
  uv_timer_init(loop->uv, &w->debounce);
  w->open_handles = 2;
  loop->refs++;
  link_handle(loop, &w->link, watch_close_link);
  int rc = uv_fs_event_start(&w->event, watch_event, w->dir, 0);
  if (rc) {
    bqw_watch_stop(w);
    return uv_to_bqw(rc);
  }
  if (out)
    *out = w;
  return 0;
}

void bqw_watch_stop(bqw_watch *w) {
  if (!w || w->stopped)
    return;
  w->stopped = true;
  unlink_handle(w->loop, &w->link);
  if (w->loading)
    bqw_load_cancel(w->loading);
  uv_fs_event_stop(&w->event);
  uv_timer_stop(&w->debounce);
  uv_close((uv_handle_t *)&w->event, watch_handle_closed);
  uv_close((uv_handle_t *)&w->debounce, watch_handle_closed);
}

const char *bqw_watch_path(const bqw_watch *w) { return w->path; }
