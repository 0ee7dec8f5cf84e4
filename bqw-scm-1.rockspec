-- luarocks --lua-version 5.4 make bqw-scm-1.rockspec [--tree DIR]: builds libbqw, the
-- Lua 5.4 module and the bqw command with CMake and installs them into the tree, after
-- which `eval "$(luarocks --lua-version 5.4 path [--tree DIR])"; lua5.4 -e
-- 'require("bqw")'` works. Needs the C libraries of scripts/deps.sh (libuv, utf8proc, libuuid,
-- OpenCC, Lua 5.4 headers, unicode-data) from the system; libxlsxwriter, SQLite and
-- libzip, when pkg-config finds them, add the xlsx, sqlite and qdpx exports.
rockspec_format = "3.0"
package = "bqw"
version = "scm-1"
source = {
  -- `luarocks make` builds the checkout it runs in and fetches nothing; set this to the
  -- public repository for `luarocks install`.
  url = "git+file://.",
}
description = {
  summary = "Clean, structured records from the 百千万工程 policy digest: a C library, a Lua API, a command",
  detailed = [[
libbqw turns Guangdong's 百县千镇万村高质量发展工程 policy digest, as published, into clean
records that know their source line; bqw.core binds it for Lua; the bqw command browses,
searches, checks and exports them. Views, filters and exports are Lua plugins.]],
  license = "MIT",
  labels = { "neovim", "chinese", "policy" },
}
dependencies = {
  "lua >= 5.4, < 5.5",
  -- dkjson and argparse are carried in lua/bqw/vendor/ (loaded as bqw.vendor.*), so
  -- that no require of them can reach a file of that name in the working directory
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    -- the rock's lua/ and lib/ directories, which LuaRocks deploys to the tree's
    -- share/lua/5.4 and lib/lua/5.4; the built-in plugins go with the Lua files
    BQW_INSTALL_LUA_DIR = "$(LUADIR)",
    BQW_INSTALL_LUA_CDIR = "$(LIBDIR)",
    BQW_INSTALL_PLUGIN_DIR = "$(LUADIR)/bqw/builtin",
    BQW_TESTS = "OFF",
    -- C programs get libbqw from make install or the .deb; a rock's lib/ is for Lua
    BQW_INSTALL_C_LIBRARY = "OFF",
  },
}
