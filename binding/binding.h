/*
 * binding.h -- shared by the translation units of bqw.core.
 */
#ifndef BQW_BINDING_H
#define BQW_BINDING_H

#include "bqw.h"
#include <lua.h>

/* Pushes a dataset as a bqw.core.dataset userdata, which then owns it. */
void bqw_lua_push_dataset(lua_State *L, bqw_dataset *ds);
/* Adds core.loop and core.host_uv_loop to the module table on top of the stack. */
void bqw_lua_open_loop(lua_State *L);
/* Adds core.fs (stat, realpath, fsync, tempfile, catch_signals, interrupted). */
void bqw_lua_open_fs(lua_State *L);

#endif
