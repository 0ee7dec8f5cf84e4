/*
 * bqw_fts5.h -- the "bqw" FTS5 tokenizer (sqlite/bqw_fts5.c).
 */
#ifndef BQW_FTS5_H
#define BQW_FTS5_H

#include <sqlite3.h>

/* Registers the tokenizer "bqw" (CREATE VIRTUAL TABLE t USING fts5(x, tokenize='bqw'))
 * on db. Returns SQLITE_OK, or SQLITE_ERROR when db's SQLite has no FTS5. */
int bqw_sqlite_register(sqlite3 *db);

#endif
