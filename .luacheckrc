-- One Lua source runs on Lua 5.4 and LuaJIT: check against the common subset.
std = "lua51+lua54"
-- Lines are measured in bytes, and a Han character is three.
max_line_length = 160
files["tests"] = { std = "+busted" }
files["tests/nvim"] = { globals = { "vim" } }
-- Neovim's part; the rest of lua/bqw stays free of vim (checked here: vim is no
-- global there)
files["lua/bqw/nvim"] = { globals = { "vim" } }
files["lua/telescope"] = { globals = { "vim" } }
files["plugin"] = { globals = { "vim" } }
files["examples/nvim"] = { globals = { "vim" } }
-- upstream files carried unchanged (lua/bqw/vendor/README.md)
exclude_files = { "lua/bqw/vendor/*.lua", "bench/out/**" }
