/*
 * fs.c -- bqw.core.fs: the few file-system calls Lua's io library lacks, for writing
 * a file atomically without losing what the old one was (lua/bqw/atomic.lua), and
 * the CLI's interruption (SIGINT/SIGTERM → a Lua error at the next count hook, no
 * temporary file left behind).
 *
 * Failures return nil, message, name (the errno's name), as the rest of bqw.core.
 *
 * Temporary files are created with O_TMPFILE where the file system has it, so they
 * have no name until committed and nothing can leave them behind, not even SIGKILL;
 * elsewhere with mkstemp, and then their names are registered so that the signal
 * handler can unlink them. The registry and the interruption flag are process-wide
 * (a signal handler has nothing else to reach); they belong to the binding, not the
 * core.
 */
#include "binding.h"
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEMPFILE_MT "bqw.core.tempfile"

/* ---- failures ---------------------------------------------------------------------- */

static const char *errno_name(int e) {
  switch (e) {
  case ENOENT:
    return "ENOENT";
  case EACCES:
    return "EACCES";
  case EPERM:
    return "EPERM";
  case EEXIST:
    return "EEXIST";
  case EISDIR:
    return "EISDIR";
  case ENOTDIR:
    return "ENOTDIR";
  case ENOSPC:
    return "ENOSPC";
  case EROFS:
    return "EROFS";
  case EXDEV:
    return "EXDEV";
  case EINVAL:
    return "EINVAL";
  case ELOOP:
    return "ELOOP";
  case ENAMETOOLONG:
    return "ENAMETOOLONG";
  case EIO:
    return "EIO";
  case EPIPE:
    return "EPIPE";
  case EBADF:
    return "EBADF";
  case EINTR:
    return "EINTR";
  case EDQUOT:
    return "EDQUOT";
  case EFBIG:
    return "EFBIG";
  default:
    return "EIO";
  }
}

/* nil, "what: strerror", name; errno is read first. */
static int fail(lua_State *L, const char *what) {
  int e = errno;
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, strerror(e));
  lua_pushstring(L, errno_name(e));
  return 3;
}

/* ---- temporaries the signal handler removes ------------------------------------- */

#define MAX_TEMPS 16
static char temp_paths[MAX_TEMPS][PATH_MAX];
static volatile sig_atomic_t temp_used[MAX_TEMPS];

static int register_temp(const char *path) {
  for (int i = 0; i < MAX_TEMPS; i++)
    if (!temp_used[i] && strlen(path) < PATH_MAX) {
      memcpy(temp_paths[i], path, strlen(path) + 1);
      temp_used[i] = 1; /* set after the name is complete: the handler reads it then */
      return i;
    }
  return -1;
}

static void unregister_temp(int slot) {
  if (slot >= 0)
    temp_used[slot] = 0;
}

/* Async-signal-safe: unlink only. The names stay registered: a writer that holds a
 * temporary by name (libxlsxwriter closing its workbook) may create it again after the
 * signal, so the grace timer and the exit unlink once more, until discard() or commit()
 * unregisters the name. */
static void remove_temps(void) {
  for (int i = 0; i < MAX_TEMPS; i++)
    if (temp_used[i])
      unlink(temp_paths[i]);
}

/* ---- interruption ------------------------------------------------------------------ */

static volatile sig_atomic_t pending_signal; /* SIGINT or SIGTERM once one arrived */
static volatile sig_atomic_t raised;         /* the hook has raised for it */
/* The grace period after a signal: timer_settime is async-signal-safe and finer than
 * alarm's whole seconds; alarm(1) stands in when no timer could be made. */
static timer_t grace_timer;
static volatile sig_atomic_t have_grace_timer;
#define GRACE_NS 500000000L

static void on_alarm(int sig) {
  (void)sig;
  /* the program did not end within the grace period of the signal (stuck in C, say a
   * long load, or a plugin that swallows errors): end it now, as the signal would have */
  remove_temps();
  int s = pending_signal ? pending_signal : SIGTERM;
  signal(s, SIG_DFL);
  raise(s);
}

static void on_signal(int sig) {
  remove_temps();
  if (pending_signal) { /* a second one: do not wait */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  pending_signal = sig;
  if (have_grace_timer) {
    struct itimerspec grace = {.it_value = {.tv_sec = 0, .tv_nsec = GRACE_NS}};
    timer_settime(grace_timer, 0, &grace, NULL);
  } else {
    alarm(1);
  }
}

/* An interrupted command ends through exit() (os.exit) once its Lua error is reported:
 * a temporary written again since the signal goes then. */
static void remove_temps_at_exit(void) {
  if (pending_signal)
    remove_temps();
}

static void hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (pending_signal && !raised) {
    raised = 1;
    luaL_error(L, "interrupted");
  }
}

/* core.fs.catch_signals(): SIGINT and SIGTERM set a flag (also in a background job,
 * which starts with SIGINT ignored: `kill -INT` is meant to reach it); a count hook on
 * this state (coroutines created later inherit it) raises "interrupted" once at the next
 * Lua instructions, so a plugin in an endless loop stops too; registered temporaries are
 * removed at once (and again at exit or when the grace period ends, should a writer have
 * made one anew); the process ends by the signal 0.5 s later if it has not ended itself.
 * For the bqw command only: Neovim keeps its own Ctrl-C. */
static int l_catch_signals(lua_State *L) {
  int sigs[] = {SIGINT, SIGTERM};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
  struct sigaction alarm_action;
  memset(&alarm_action, 0, sizeof alarm_action);
  alarm_action.sa_handler = on_alarm;
  sigemptyset(&alarm_action.sa_mask);
  sigaction(SIGALRM, &alarm_action, NULL);
  static int exit_sweep; /* atexit once per process, however often this is called */
  if (!exit_sweep)
    exit_sweep = atexit(remove_temps_at_exit) == 0;
  if (!have_grace_timer) {
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    have_grace_timer = timer_create(CLOCK_MONOTONIC, &ev, &grace_timer) == 0;
  }
  lua_sethook(L, hook, LUA_MASKCOUNT, 1000);
  return 0;
}

int bqw_lua_pending_signal(void) { return pending_signal; }

/* core.fs.interrupted() -> "int" | "term" | nil: the signal that arrived, if any. */
static int l_interrupted(lua_State *L) {
  if (pending_signal == SIGINT)
    lua_pushliteral(L, "int");
  else if (pending_signal == SIGTERM)
    lua_pushliteral(L, "term");
  else
    lua_pushnil(L);
  return 1;
}

/* ---- plain calls --------------------------------------------------------------------
 */

static const char *type_name(mode_t m) {
  if (S_ISREG(m))
    return "file";
  if (S_ISDIR(m))
    return "directory";
  if (S_ISLNK(m))
    return "link";
  if (S_ISFIFO(m))
    return "fifo";
  if (S_ISCHR(m))
    return "char";
  if (S_ISBLK(m))
    return "block";
  if (S_ISSOCK(m))
    return "socket";
  return "other";
}

/* core.fs.stat(path [, nofollow]) -> { type, mode, uid, gid, size, nlink } | nil, msg,
 * name. type: file, directory, link (only with nofollow), fifo, char, block, socket;
 * mode: the permission bits (07777). */
static int l_stat(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  int rc = lua_toboolean(L, 2) ? lstat(path, &st) : stat(path, &st);
  if (rc != 0)
    return fail(L, path);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, type_name(st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  lua_pushinteger(L, (lua_Integer)st.st_uid);
  lua_setfield(L, -2, "uid");
  lua_pushinteger(L, (lua_Integer)st.st_gid);
  lua_setfield(L, -2, "gid");
  lua_pushnumber(L, (lua_Number)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)st.st_nlink);
  lua_setfield(L, -2, "nlink");
  return 1;
}

/* core.fs.realpath(path) -> the absolute path with every symlink resolved | nil, msg,
 * name. */
static int l_realpath(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char out[PATH_MAX];
  if (!realpath(path, out))
    return fail(L, path);
  lua_pushstring(L, out);
  return 1;
}

/* core.fs.fsync(path) -> true | nil, msg, name: flushes a file or a directory (its
 * entries: a rename in it) to the disk. */
static int l_fsync(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(L, path);
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  /* a directory on some file systems cannot be fsynced: nothing more to do there */
  if (rc != 0 && e != EINVAL && e != EROFS) {
    errno = e;
    return fail(L, path);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- temporary files --------------------------------------------------------------- */

typedef struct tempfile {
  FILE *fh;
  int slot;           /* registry slot of a named temporary, or -1 */
  char dir[PATH_MAX]; /* its directory */
  char name[PATH_MAX];
  int anonymous; /* O_TMPFILE: no name until committed */
} tempfile;

static tempfile *check_temp(lua_State *L) {
  tempfile *t = luaL_checkudata(L, 1, TEMPFILE_MT);
  if (!t->fh)
    luaL_error(L, "bqw: the temporary file is already committed or discarded");
  return t;
}

static void discard(tempfile *t) {
  if (t->fh) {
    fclose(t->fh);
    t->fh = NULL;
  }
  if (!t->anonymous && t->name[0]) {
    unlink(t->name);
    t->name[0] = '\0';
  }
  unregister_temp(t->slot);
  t->slot = -1;
}

/* A unique name beside the target: dir/.base.PID.RANDOM.tmp (mkstemp's XXXXXX). */
static int named_temp(char *out, size_t size, const char *dir, const char *base) {
  int n = snprintf(out, size, "%s/.%s.%ld.XXXXXX", dir, base, (long)getpid());
  if (n < 0 || (size_t)n >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return mkostemp(out, O_CLOEXEC);
}

/* core.fs.tempfile(dir, base [, named]) -> tempfile | nil, msg, name: a new empty file
 * in dir (mode 0666 less the umask), to be committed over dir/SOMETHING. named: skip
 * O_TMPFILE (as on a file system without it; the tests take this path too). */
static int l_tempfile(lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  const char *base = luaL_checkstring(L, 2);
  tempfile *t = lua_newuserdata(L, sizeof *t);
  memset(t, 0, sizeof *t);
  t->slot = -1;
  luaL_setmetatable(L, TEMPFILE_MT);
  if (strlen(dir) >= sizeof t->dir) {
    errno = ENAMETOOLONG;
    return fail(L, dir);
  }
  memcpy(t->dir, dir, strlen(dir) + 1);
  int fd = -1;
#ifdef O_TMPFILE
  if (!lua_toboolean(L, 3)) {
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0)
      t->anonymous = 1;
  }
#endif
  if (fd < 0) {
    /* no O_TMPFILE here: a named one, removed by the signal handler if need be */
    fd = named_temp(t->name, sizeof t->name, dir, base);
    if (fd < 0)
      return fail(L, dir);
    /* mkstemp makes it 0600; a new file gets what any new file gets */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    t->slot = register_temp(t->name);
  }
  t->fh = fdopen(fd, "wb");
  if (!t->fh) {
    int e = errno;
    close(fd);
    discard(t);
    errno = e;
    return fail(L, dir);
  }
  return 1;
}

/* t:write(s, ...) -> t | nil, msg, name */
static int l_temp_write(lua_State *L) {
  tempfile *t = check_temp(L);
  int n = lua_gettop(L);
  for (int i = 2; i <= n; i++) {
    size_t len;
    const char *s = luaL_checklstring(L, i, &len);
    if (len && fwrite(s, 1, len, t->fh) != len)
      return fail(L, "write");
  }
  lua_settop(L, 1);
  return 1;
}

/* t:name() -> the temporary's path, or nil while it has none (O_TMPFILE) */
static int l_temp_name(lua_State *L) {
  tempfile *t = luaL_checkudata(L, 1, TEMPFILE_MT);
  if (t->fh && !t->anonymous)
    lua_pushstring(L, t->name);
  else
    lua_pushnil(L);
  return 1;
}

/* t:commit(path [, mode [, uid, gid]]) -> true | nil, msg, name. Flushes and fsyncs
 * the file, gives it mode (and uid/gid when permitted: chown needs privilege), puts it
 * at path with one rename, then fsyncs the directory. path must be in the temporary's
 * directory. On failure the temporary is removed and path is untouched. */
static int l_temp_commit(lua_State *L) {
  tempfile *t = check_temp(L);
  const char *path = luaL_checkstring(L, 2);
  int fd = fileno(t->fh);
  if (fflush(t->fh) != 0) {
    int e = errno;
    discard(t);
    errno = e;
    return fail(L, "write");
  }
  if (!lua_isnoneornil(L, 3) && fchmod(fd, (mode_t)luaL_checkinteger(L, 3)) != 0) {
    int e = errno;
    discard(t);
    errno = e;
    return fail(L, "chmod");
  }
  if (!lua_isnoneornil(L, 4)) {
    /* keeping the owner needs privilege; without it the file is the writer's */
    if (fchown(fd, (uid_t)luaL_checkinteger(L, 4), (gid_t)luaL_optinteger(L, 5, -1)) !=
            0 &&
        errno != EPERM) {
      int e = errno;
      discard(t);
      errno = e;
      return fail(L, "chown");
    }
  }
  if (fsync(fd) != 0 && errno != EINVAL) {
    int e = errno;
    discard(t);
    errno = e;
    return fail(L, "fsync");
  }
  if (t->anonymous) {
    /* give it a unique name beside the target, then rename that over the target:
     * linkat cannot replace an existing file */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int attempt = 0;; attempt++) {
      int n = snprintf(t->name, sizeof t->name, "%s/.%s.%ld.%d.tmp", t->dir, base,
                       (long)getpid(), attempt);
      if (n < 0 || (size_t)n >= sizeof t->name) {
        t->name[0] = '\0';
        discard(t);
        errno = ENAMETOOLONG;
        return fail(L, path);
      }
      t->slot = register_temp(t->name);
      if (linkat(AT_FDCWD, proc, AT_FDCWD, t->name, AT_SYMLINK_FOLLOW) == 0)
        break;
      int e = errno;
      unregister_temp(t->slot);
      t->slot = -1;
      if (e != EEXIST || attempt > 100) {
        t->name[0] = '\0';
        discard(t);
        errno = e;
        return fail(L, path);
      }
    }
    t->anonymous = 0; /* it has a name now: discard unlinks it */
  }
  if (rename(t->name, path) != 0) {
    int e = errno;
    discard(t);
    errno = e;
    return fail(L, path);
  }
  t->name[0] = '\0'; /* renamed: nothing to remove */
  int rc = fclose(t->fh);
  t->fh = NULL;
  unregister_temp(t->slot);
  t->slot = -1;
  if (rc != 0)
    return fail(L, path);
  int dfd = open(t->dir, O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd); /* best effort: some file systems refuse a directory's fsync */
    close(dfd);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* t:discard(): removes the temporary; path was never touched. */
static int l_temp_discard(lua_State *L) {
  tempfile *t = luaL_checkudata(L, 1, TEMPFILE_MT);
  discard(t);
  return 0;
}

static const luaL_Reg temp_methods[] = {{"write", l_temp_write},
                                        {"commit", l_temp_commit},
                                        {"discard", l_temp_discard},
                                        {"name", l_temp_name},
                                        {NULL, NULL}};

static const luaL_Reg fs_functions[] = {{"stat", l_stat},
                                        {"realpath", l_realpath},
                                        {"fsync", l_fsync},
                                        {"tempfile", l_tempfile},
                                        {"catch_signals", l_catch_signals},
                                        {"interrupted", l_interrupted},
                                        {NULL, NULL}};

void bqw_lua_open_fs(lua_State *L) {
  bqw_lua_class(L, TEMPFILE_MT, temp_methods, l_temp_discard);
  lua_newtable(L);
  luaL_setfuncs(L, fs_functions, 0);
  lua_setfield(L, -2, "fs");
}
