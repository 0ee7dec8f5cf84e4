/*
 * bqw_fts5.c -- the "bqw" tokenizer for SQLite FTS5: Chinese full-text search that
 * agrees with bqw's own index.
 *
 * SQLite's unicode61 tokenizer takes a run of Han characters as one token, and trigram
 * cannot match the one- and two-character queries that are most Chinese queries. This
 * one folds text as bqw's search does (bqw_fold: script, width, case, the curated
 * overrides) and indexes, at each character of a run of non-space characters, the
 * bigram starting there with the unigram colocated. A query of one character is its
 * unigram; a longer one is its chain of bigrams, which FTS5 matches at consecutive
 * positions: exactly the substring test bqw's index makes, so
 *   SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振兴'
 * counts what `bqw search 振兴` finds in measures, and '振興' the same.
 *
 * Built twice from this file: into the SQLite loadable extension build/bqw_sqlite.so
 * (`.load build/bqw_sqlite` in the sqlite3 shell, entry point sqlite3_bqwsqlite_init),
 * and, with SQLITE_CORE defined, into bqw.core for the sqlite export.
 */
#include "bqw_fts5.h"

#include "bqw.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#ifndef SQLITE_CORE
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#else
#include <sqlite3.h>
#endif

/* The tokenizer has no state: any non-NULL pointer stands for an instance. */
static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out) {
  (void)argv;
  (void)argc;
  *out = (Fts5Tokenizer *)ctx;
  return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t) { (void)t; }

static int is_space(int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
         cp == '\v' || cp == 0x3000 || cp == 0xA0;
}

typedef int (*token_fn)(void *, int, const char *, int, int, int);

/* Emits the folded characters cp[i .. i+n) as one token spanning their bytes. */
static int emit(token_fn fn, void *ctx, int flags, const int32_t *cp, const uint32_t *at,
                size_t i, size_t n) {
  char buf[8];
  size_t len = 0;
  for (size_t k = 0; k < n; k++)
    len += (size_t)utf8proc_encode_char(cp[i + k], (utf8proc_uint8_t *)buf + len);
  return fn(ctx, flags, buf, (int)len, (int)at[i], (int)at[i + n]);
}

static int tok_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text,
                        int ntext, token_fn fn) {
  (void)t;
  if (ntext <= 0)
    return SQLITE_OK;
  size_t len = (size_t)ntext;
  int32_t *cp = malloc(len * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  if (!cp || !at) {
    free(cp);
    free(at);
    return SQLITE_NOMEM;
  }
  size_t n = bqw_fold(text, len, cp, at);
  int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
  int rc = SQLITE_OK;
  for (size_t i = 0; i < n && rc == SQLITE_OK;) {
    if (is_space(cp[i])) {
      i++;
      continue;
    }
    size_t end = i;
    while (end < n && !is_space(cp[end]))
      end++;
    if (query) {
      /* one character: its unigram; more: the chain of bigrams */
      if (end - i == 1)
        rc = emit(fn, ctx, 0, cp, at, i, 1);
      for (size_t k = i; k + 1 < end && rc == SQLITE_OK; k++)
        rc = emit(fn, ctx, 0, cp, at, k, 2);
    } else {
      for (size_t k = i; k < end && rc == SQLITE_OK; k++) {
        if (k + 1 < end) {
          rc = emit(fn, ctx, 0, cp, at, k, 2);
          if (rc == SQLITE_OK)
            rc = emit(fn, ctx, FTS5_TOKEN_COLOCATED, cp, at, k, 1);
        } else {
          rc = emit(fn, ctx, 0, cp, at, k, 1);
        }
      }
    }
    i = end;
  }
  free(cp);
  free(at);
  return rc;
}

static fts5_api *fts5_of(sqlite3 *db) {
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

static int instance; /* what tok_create hands out; never written */

int bqw_sqlite_register(sqlite3 *db) {
  fts5_api *api = fts5_of(db);
  if (!api)
    return SQLITE_ERROR;
  fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
  return api->xCreateTokenizer(api, "bqw", &instance, &tok, NULL);
}

#ifndef SQLITE_CORE
/* The loadable extension's entry point, named after the file (bqw_sqlite). */
__attribute__((visibility("default"))) int
sqlite3_bqwsqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  int rc = bqw_sqlite_register(db);
  if (rc != SQLITE_OK && err)
    *err = sqlite3_mprintf("bqw_sqlite: this SQLite has no FTS5");
  return rc;
}
#endif
