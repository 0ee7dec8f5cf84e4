/*
 * dataset.c -- the bqw_dataset handle: loading, accessors, diagnostics, names.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void diag_add(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
              const char *fmt, ...) {
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
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *msg = arena_strndup(&ds->mem, buf, strlen(buf));
  if (!msg) {
    ds->diag_dropped++;
    return;
  }
  ds->diags[ds->diag_count++] = (bqw_diag){sev, line, col, msg};
}

static bqw_dataset *dataset_new(const char *name) {
  bqw_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  arena_init(&ds->mem, ARENA_CHUNK);
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

/* Loads from `bytes` (len + 1 bytes, malloc'd), which the dataset takes over: the
 * clean text is written over them, so a load holds one copy of the text. */
static int load_owned(const char *name, char *bytes, size_t len, bqw_dataset **out) {
  bqw_dataset *ds = dataset_new(name);
  if (!ds) {
    free(bytes);
    return BQW_ENOMEM;
  }
  ds->storage = bytes;
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
  }
  /* The line table is no longer needed; the text lives on in storage and the arena. */
  free(ds->lines);
  ds->lines = NULL;
  ds->line_count = ds->line_cap = 0;
  return finish(ds, rc, out);
}

int bqw_load_buffer(const char *name, const void *data, size_t len, bqw_dataset **out) {
  if (!out)
    return BQW_EINVAL;
  *out = NULL;
  if (!data && len)
    return BQW_EINVAL;
  char *copy = malloc(len + 1);
  if (!copy)
    return BQW_ENOMEM;
  if (len)
    memcpy(copy, data, len);
  return load_owned(name ? name : "(buffer)", copy, len, out);
}

static int unreadable(const char *path, int err, bqw_dataset **out) {
  bqw_dataset *ds = dataset_new(path);
  if (!ds)
    return BQW_ENOMEM;
  diag_add(ds, BQW_ERROR, 0, 0, "cannot read file: %s", strerror(err));
  return finish(ds, BQW_EIO, out);
}

int bqw_load_file(const char *path, bqw_dataset **out) {
  if (!path || !out)
    return BQW_EINVAL;
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return unreadable(path, errno, out);
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return unreadable(path, EISDIR, out);
  }
  /* Sized from fstat, so the text is read once into one allocation; grown only if the
   * file grows while it is read (or is not a regular file). */
  size_t cap =
      fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
  size_t len = 0;
  char *bytes = malloc(cap);
  while (bytes) {
    len += fread(bytes + len, 1, cap - 1 - len, f);
    if (len < cap - 1)
      break;
    char *grown = realloc(bytes, cap * 2);
    if (!grown)
      free(bytes);
    bytes = grown;
    cap *= 2;
  }
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (!bytes)
    return BQW_ENOMEM;
  if (err) {
    free(bytes);
    return unreadable(path, err, out);
  }
  return load_owned(path, bytes, len, out);
}

int bqw_load_default(bqw_dataset **out) {
  return bqw_load_buffer(DEFAULT_NAME, bqw_data_digest, bqw_data_digest_len, out);
}

const unsigned char *bqw_default_digest(size_t *len) {
  if (len)
    *len = bqw_data_digest_len;
  return bqw_data_digest;
}

void bqw_dataset_free(bqw_dataset *ds) {
  if (!ds)
    return;
  bqw_index_free(ds->index);
  free(ds->storage);
  free(ds->lines);
  free(ds->records);
  free(ds->measures);
  free(ds->diags);
  arena_free(&ds->mem);
  free(ds);
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
                  (unsigned)d->col, bqw_severity_name(d->severity), d->message);
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

const char *bqw_severity_name(bqw_severity severity) {
  static const char *const names[] = {"note", "warning", "error"};
  return (unsigned)severity < sizeof names / sizeof *names ? names[severity] : "unknown";
}
