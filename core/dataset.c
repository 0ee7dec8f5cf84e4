/*
 * dataset.c -- the bqw_dataset handle: loading, accessors, diagnostics, names.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/uio.h>
#endif
#include <unistd.h>

extern const unsigned char bqw_data_digest[];
extern const size_t bqw_data_digest_len;

#define DEFAULT_NAME "(embedded)/bqw-digest-2023.txt"
#define ARENA_CHUNK (64 * 1024)

const char *bqw_err_name(int err) {
  switch (err) {
  case BQW_OK:
    return "OK";
#define XX(name, value, text)                                                            \
  case BQW_##name:                                                                       \
    return #name;
    BQW_ERRNO_MAP(XX)
#undef XX
  }
  return "UNKNOWN";
}

const char *bqw_strerror(int err) {
  switch (err) {
  case BQW_OK:
    return "success";
#define XX(name, value, text)                                                            \
  case BQW_##name:                                                                       \
    return text;
    BQW_ERRNO_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *bqw_version(void) { return BQW_VERSION_STRING; }

/* A message quotes the text it is about, which may hold control characters: they are
 * written visibly (\x1b, <U+202E>), so printing a diagnostic never drives a terminal
 * (out has room for four times in). Returns the length. */
static size_t visible(const char *in, char *out, size_t size) {
  size_t o = 0, len = strlen(in);
  for (size_t i = 0; in[i] && o + 9 < size;) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)in + i, len - i, &cp);
    if (!k)
      k = 1; /* cut in the middle of a character by the buffer's end: kept as is */
    if (k && text_is_control(cp) && cp < 0x80)
      o += (size_t)snprintf(out + o, size - o, "\\x%02x", (unsigned)cp);
    else if (text_is_control(cp))
      o += (size_t)snprintf(out + o, size - o, "<U+%04X>", (unsigned)cp);
    else {
      memcpy(out + o, in + i, k);
      o += k;
    }
    i += k;
  }
  out[o] = '\0';
  return o;
}

static void diag_vadd(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
                      uint32_t byte_col, const char *fmt, va_list ap) {
  if (sev == BQW_ERROR)
    ds->report.errors++;
  else if (sev == BQW_WARNING)
    ds->report.warnings++;
  if (ds->diag_count >= BQW_DIAG_LIMIT) {
    ds->diag_dropped++;
    return;
  }
  bqw_diag *diags =
      array_grow(ds->diags, ds->diag_count, &ds->diag_cap, sizeof *diags, 16);
  if (!diags) {
    ds->diag_dropped++;
    return;
  }
  ds->diags = diags;
  char buf[1024], shown[1024 * 4];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t n = visible(buf, shown, sizeof shown);
  const char *msg = arena_strndup(&ds->mem, shown, n);
  if (!msg) {
    ds->diag_dropped++;
    return;
  }
  ds->diags[ds->diag_count++] = (bqw_diag){sev, line, col, msg, byte_col};
}

void diag_add(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  /* whole-line diagnostics (col 1) and those without a place (0): bytes = characters */
  diag_vadd(ds, sev, line, col, col, fmt, ap);
  va_end(ap);
}

void diag_add_at(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
                 uint32_t byte_col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_vadd(ds, sev, line, col, byte_col, fmt, ap);
  va_end(ap);
}

static bqw_dataset *dataset_new(const char *name) {
  bqw_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  arena_init(&ds->mem, ARENA_CHUNK);
  pthread_mutex_init(&ds->index_lock, NULL);
  pthread_cond_init(&ds->built, NULL);
  atomic_init(&ds->index_cancel, false);
  atomic_init(&ds->refs, 1);
  ds->name = arena_strndup(&ds->mem, name, strlen(name));
  if (!ds->name || facts_load(&ds->facts, &ds->mem)) {
    bqw_dataset_free(ds);
    return NULL;
  }
  return ds;
}

static int finish(bqw_dataset *ds, int rc, bqw_dataset **out) {
  ds->status = rc;
  *out = ds;
  return rc;
}

/* A file with nothing in it is an error, so that an export or a watch never replaces
 * good output with an empty one (an empty save, a truncated download). Text that holds
 * no record the parser recognises is kept, with a warning: it may be a digest of
 * another shape, whose lines are all kept as 'other' records or meta. */
static int check_not_empty(bqw_dataset *ds) {
  size_t recognised = 0;
  for (size_t i = 0; i < ds->record_count; i++)
    recognised += ds->records[i].kind != BQW_KIND_OTHER;
  if (recognised)
    return 0;
  const text_line *first = NULL;
  for (size_t i = 0; i < ds->line_count && !first; i++)
    if (ds->lines[i].len)
      first = &ds->lines[i];
  if (!ds->report.bytes) {
    diag_add(ds, BQW_ERROR, 0, 0, "no records: the file is empty");
    return BQW_ENODATA;
  }
  if (!first) {
    diag_add(ds, BQW_ERROR, 0, 0, "no records: the file holds only white space (%zu %s)",
             ds->report.lines, ds->report.lines == 1 ? "line" : "lines");
    return BQW_ENODATA;
  }
  diag_add(ds, BQW_WARNING, first->number, 1,
           "no records: no line is a document, city entry, target or meeting; is this "
           "the digest?");
  return 0;
}

static void free_lines(bqw_dataset *ds) {
  huge_free(ds->lines);
  ds->lines = NULL;
  ds->line_count = ds->line_cap = 0;
}

/* Loads from `bytes` (len + 1 bytes, from huge_alloc), which the dataset takes over: the
 * clean text is written over them, so a load holds one copy of the text. */
static int load_owned(const char *name, char *bytes, size_t len, bool keep_lines,
                      bqw_dataset **out) {
  bqw_dataset *ds = dataset_new(name);
  if (!ds) {
    huge_free(bytes);
    return BQW_ENOMEM;
  }
  ds->storage = bytes;
  ds->keep_lines = keep_lines;
  bytes[len] = '\0';
  int rc = clean_text(ds, (unsigned char *)bytes, len);
  if (rc == BQW_ENOMEM)
    return finish(ds, rc, out);
  /* Lines with invalid bytes were kept with U+FFFD, so a broken file still shows its
   * structure; a file in another encoding has none worth parsing. */
  if (!ds->wrong_encoding) {
    int prc = parse_digest(ds);
    if (prc)
      rc = prc;
    else if (!rc)
      rc = check_not_empty(ds);
    /* what is missing from a file with no record at all is everything: one error says it
     */
    if (rc != BQW_ENODATA && rc != BQW_ENOMEM) {
      clean_report_repairs(ds);
      parse_check_complete(ds);
    }
    /* Derivation reads the records, not the lines: the line table goes first, so the
     * two are never held together at the load's peak. */
    if (!keep_lines)
      free_lines(ds);
    if (!prc && (prc = derive_records(ds)))
      rc = prc;
  }
  if (!keep_lines)
    free_lines(ds); /* the text lives on in storage and the arena */
  return finish(ds, rc, out);
}

/* Copies the caller's bytes. A large copy is made by the kernel where it can
 * (process_vm_readv on this very process, which needs no permission): the caller's
 * pages are then read through the kernel's own mapping, not first touched from user
 * space one 4 KB page at a time. Under a hypervisor that shadows page tables each such
 * first touch traps (bench/README.md: 0.28 s of a memcpy of 100 MB just read() into
 * a buffer, against 0.05 s this way); elsewhere the two cost about the same. Anything
 * it does not copy (a seccomp filter refusing the call, an old kernel) is copied with
 * memcpy. */
static void copy_in(char *to, const void *from, size_t len) {
  size_t done = 0;
#ifdef __linux__
  while (len - done >= ((size_t)2 << 20)) {
    struct iovec local = {to + done, len - done},
                 remote = {(char *)(uintptr_t)from + done, len - done};
    ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (got <= 0)
      break;
    done += (size_t)got;
  }
#endif
  if (len > done)
    memcpy(to + done, (const char *)from + done, len - done);
}

int dataset_load_keep_lines(const char *name, const void *data, size_t len,
                            bqw_dataset **out) {
  if (!out || (!data && len))
    return BQW_EINVAL;
  *out = NULL;
  char *copy = huge_alloc(len + 1, true);
  if (!copy)
    return BQW_ENOMEM;
  memcpy(copy, data, len);
  return load_owned(name ? name : "(buffer)", copy, len, true, out);
}

int bqw_load_buffer(const char *name, const void *data, size_t len, bqw_dataset **out) {
  if (!out)
    return BQW_EINVAL;
  *out = NULL;
  if (!data && len)
    return BQW_EINVAL;
  char *copy = huge_alloc(len + 1, true);
  if (!copy)
    return BQW_ENOMEM;
  copy_in(copy, data, len);
  return load_owned(name ? name : "(buffer)", copy, len, false, out);
}

static int unreadable(const char *path, const char *why, bqw_dataset **out) {
  bqw_dataset *ds = dataset_new(path);
  if (!ds)
    return BQW_ENOMEM;
  diag_add(ds, BQW_ERROR, 0, 0, "%s", why);
  return finish(ds, BQW_EIO, out);
}

static const char *file_type(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  return "not a regular file";
}

static void not_regular(mode_t mode, char *why, size_t size) {
  snprintf(
      why, size,
      "not a regular file (%s); bqw reads the digest from a file: save it to one first",
      file_type(mode));
}

static void cannot_read(int err, char *why, size_t size) {
  snprintf(why, size, "cannot read file: %s", strerror(err));
}

static void too_large(size_t limit, char *why, size_t why_size) {
  /* the limit in bytes, and in the largest binary unit it reaches (10240 bytes: 10 KiB)
   */
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
  char size[64];
  double v = (double)limit;
  int u = -1;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    u++;
  }
  if (u < 0)
    snprintf(size, sizeof size, "%zu byte%s", limit, limit == 1 ? "" : "s");
  else
    snprintf(size, sizeof size, "%zu bytes (%.*f %s)", limit,
             v == (double)(size_t)v ? 0 : 1, v, units[u]);
  snprintf(why, why_size,
           "file is larger than the size limit of %s; is it the digest? "
           "Raise the limit with --max-size (bqw.setup{ max_size = … })",
           size);
}

/* Reads fd to its end, sized from st (fstat's), never past limit: the bytes (len + 1,
 * from huge_alloc) in *out, or 0 and a reason in why. */
static int read_all(int fd, const struct stat *st, size_t limit, char **out,
                    size_t *len_out, char *why, size_t size) {
  /* Sized from fstat (one byte more, to see the end without growing), so the text is
   * read once into one allocation; grown only if the file grows while it is read, or
   * says size 0 as files in /proc and pipes do, and never past the limit. */
  size_t cap = (S_ISREG(st->st_mode) ? (size_t)st->st_size : 65536) + 2, len = 0;
  char *bytes = huge_alloc(cap, true);
  int err = 0;
  bool over = false;
  while (bytes) {
    if (len == cap - 1) {
      size_t want = cap * 2 > limit + 2 ? limit + 2 : cap * 2;
      char *grown = huge_realloc(bytes, want);
      if (!grown)
        huge_free(bytes);
      bytes = grown;
      cap = want;
      if (!bytes)
        break;
    }
    ssize_t got = read(fd, bytes + len, cap - 1 - len);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      err = errno;
      break;
    }
    if (got == 0)
      break;
    len += (size_t)got;
    if (len > limit) {
      over = true;
      break;
    }
  }
  if (!bytes)
    return BQW_ENOMEM;
  if (err || over) {
    huge_free(bytes);
    if (over)
      too_large(limit, why, size);
    else
      cannot_read(err, why, size);
    return BQW_EIO;
  }
  bytes[len] = '\0';
  *out = bytes;
  *len_out = len;
  return 0;
}

/* The loader's guarded read (see bqw_read_file). */
static int read_guarded(const char *path, size_t limit, char **out, size_t *len,
                        char *why, size_t size) {
  struct stat st;
  if (!path) {
    if (fstat(0, &st) != 0) {
      cannot_read(errno, why, size);
      return BQW_EIO;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
      too_large(limit, why, size);
      return BQW_EIO;
    }
    return read_all(0, &st, limit, out, len, why, size);
  }
  /* stat first, so a FIFO is never opened (opening one for reading blocks until a
   * writer comes) and a device is never read (/dev/zero has no end) */
  if (stat(path, &st) != 0) {
    cannot_read(errno, why, size);
    return BQW_EIO;
  }
  if (!S_ISREG(st.st_mode)) {
    not_regular(st.st_mode, why, size);
    return BQW_EIO;
  }
  if ((uint64_t)st.st_size > limit) {
    too_large(limit, why, size);
    return BQW_EIO;
  }
  /* the path may have been replaced since: O_NONBLOCK keeps a FIFO put there from
   * blocking the open, and fstat says what was opened */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    cannot_read(errno, why, size);
    return BQW_EIO;
  }
  int rc = BQW_EIO;
  if (fstat(fd, &st) != 0)
    cannot_read(errno, why, size);
  else if (!S_ISREG(st.st_mode))
    not_regular(st.st_mode, why, size);
  else if ((uint64_t)st.st_size > limit)
    too_large(limit, why, size);
  else
    rc = read_all(fd, &st, limit, out, len, why, size);
  close(fd);
  return rc;
}

int bqw_read_file(const char *path, size_t max_size, char **data, size_t *len, char *why,
                  size_t why_size) {
  char spare[8];
  if (!why || !why_size) {
    why = spare;
    why_size = sizeof spare;
  }
  why[0] = '\0';
  if (!data || !len)
    return BQW_EINVAL;
  *data = NULL;
  *len = 0;
  return read_guarded(path, max_size ? max_size : BQW_DEFAULT_MAX_SIZE, data, len, why,
                      why_size);
}

void bqw_read_free(char *data) { huge_free(data); }

int bqw_load_file_opts(const char *path, const bqw_load_options *opts,
                       bqw_dataset **out) {
  if (!path || !out)
    return BQW_EINVAL;
  *out = NULL;
  size_t limit = opts && opts->max_size ? opts->max_size : BQW_DEFAULT_MAX_SIZE;
  char *bytes = NULL, why[300];
  size_t len = 0;
  int rc = read_guarded(path, limit, &bytes, &len, why, sizeof why);
  if (rc == BQW_EIO)
    return unreadable(path, why, out);
  if (rc)
    return rc;
  return load_owned(path, bytes, len, false, out);
}

int bqw_load_file(const char *path, bqw_dataset **out) {
  return bqw_load_file_opts(path, NULL, out);
}

int bqw_load_default(bqw_dataset **out) {
  return bqw_load_buffer(DEFAULT_NAME, bqw_data_digest, bqw_data_digest_len, out);
}

const unsigned char *bqw_default_digest(size_t *len) {
  if (len)
    *len = bqw_data_digest_len;
  return bqw_data_digest;
}

bqw_dataset *bqw_dataset_ref(bqw_dataset *ds) {
  if (ds)
    atomic_fetch_add(&ds->refs, 1);
  return ds;
}

void bqw_dataset_free(bqw_dataset *ds) {
  if (!ds || atomic_fetch_sub(&ds->refs, 1) > 1)
    return;
  /* no owner is left, but the index may still be building: it stops at its next
   * document (or its first, when it has not begun), and its thread is joined */
  atomic_store(&ds->index_cancel, true);
  if (ds->builder_started)
    pthread_join(ds->builder, NULL);
  pthread_cond_destroy(&ds->built);
  pthread_mutex_destroy(&ds->index_lock);
  bqw_index_free(ds->index);
  dataset_coding_sets_free(ds);
  huge_free(ds->storage);
  huge_free(ds->lines);
  huge_free(ds->records);
  huge_free(ds->measures);
  huge_free(ds->derived);
  huge_free(ds->name_pool);
  huge_free(ds->year_pool);
  free(ds->docnos);
  free(ds->diags);
  arena_free(&ds->mem);
  free(ds);
}

size_t bqw_dataset_memory(const bqw_dataset *ds) {
  if (!ds)
    return 0;
  bqw_dataset *locked = (bqw_dataset *)ds; /* the lock only, for the index */
  pthread_mutex_lock(&locked->index_lock);
  size_t index = ds->index ? bqw_index_memory(ds->index) : 0;
  pthread_mutex_unlock(&locked->index_lock);
  return sizeof *ds + ds->mem.total + ds->report.bytes + 1 +
         ds->record_cap * sizeof *ds->records + ds->measure_cap * sizeof *ds->measures +
         ds->derived_cap * sizeof *ds->derived + ds->name_cap * sizeof *ds->name_pool +
         ds->year_cap * sizeof *ds->year_pool + ds->docno_cap * sizeof *ds->docnos +
         ds->diag_cap * sizeof *ds->diags + ds->line_cap * sizeof *ds->lines + index;
}

const char *bqw_dataset_name(const bqw_dataset *ds) { return ds->name; }
int bqw_dataset_status(const bqw_dataset *ds) { return ds->status; }
size_t bqw_record_count(const bqw_dataset *ds) { return ds->record_count; }

const bqw_record *bqw_record_at(const bqw_dataset *ds, size_t index) {
  return index < ds->record_count ? &ds->records[index] : NULL;
}

const bqw_meta *bqw_dataset_meta(const bqw_dataset *ds) { return &ds->meta; }
const bqw_report *bqw_dataset_report(const bqw_dataset *ds) { return &ds->report; }
size_t bqw_diag_count(const bqw_dataset *ds) { return ds->diag_count; }

const bqw_diag *bqw_diag_at(const bqw_dataset *ds, size_t index) {
  return index < ds->diag_count ? &ds->diags[index] : NULL;
}

void bqw_dataset_stats(const bqw_dataset *ds, bqw_stats *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < ds->record_count; i++) {
    const bqw_record *r = &ds->records[i];
    switch (r->kind) {
    case BQW_KIND_DOCUMENT:
      out->provincial_documents++;
      out->provincial_measures += r->measure_count;
      break;
    case BQW_KIND_CITY:
      out->city_entries++;
      out->city_measures += r->measure_count;
      break;
    case BQW_KIND_GUIDING:
      out->guiding_documents++;
      break;
    case BQW_KIND_TARGET:
      out->targets++;
      break;
    case BQW_KIND_MEETING:
      out->meetings++;
      break;
    case BQW_KIND_OTHER:
      out->other++;
      break;
    }
  }
  out->measures = out->provincial_measures + out->city_measures;
}

int bqw_diag_format(const bqw_dataset *ds, const bqw_diag *d, char *buf, size_t size) {
  if (d->line == 0)
    return snprintf(buf, size, "%s: %s: %s", ds->name, bqw_severity_name(d->severity),
                    d->message);
  return snprintf(buf, size, "%s:%u:%u: %s: %s", ds->name, (unsigned)d->line,
                  (unsigned)d->byte_col, bqw_severity_name(d->severity), d->message);
}

const char *bqw_kind_name(bqw_kind kind) {
  static const char *const names[] = {"document", "city",    "guiding",
                                      "target",   "meeting", "other"};
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "unknown";
}

const char *bqw_section_name(bqw_section section) {
  static const char *const names[] = {"preamble", "province", "city",
                                      "guiding",  "timeline", "other"};
  return (unsigned)section < sizeof names / sizeof *names ? names[section] : "unknown";
}

const char *bqw_action_name(bqw_action action) {
  static const char *const names[] = {"none", "issue", "meeting", "statement"};
  return (unsigned)action < sizeof names / sizeof *names ? names[action] : "unknown";
}

const char *bqw_level_name(bqw_level level) {
  return level == BQW_LEVEL_CITY ? "city" : "province";
}

const char *bqw_severity_name(bqw_severity severity) {
  static const char *const names[] = {"note", "warning", "error"};
  return (unsigned)severity < sizeof names / sizeof *names ? names[severity] : "unknown";
}
