--- Codebooks: the TSV files that code a dataset's measures by policy tool and theme
--- (doc/bqw.txt, "bqw-codebook"). Which files: those bqw.setup{ codebooks = … } (or
--- `--codebook FILE`) names, when it names any; else the codebooks found on the plugin
--- path (DIR/codebook/NAME.tsv, a name shadowing the same name further along, as
--- plugins do) and the shipped ones (policy-tools, themes) that none shadows. The
--- format, the matching and the codes are libbqw's (core/code.c); this module only
--- finds the files and gives the set to each dataset loaded.
local core = require("bqw.core")
local config = require("bqw.config")

local M = {}

--- The codebooks shipped in data/codebooks/ and built into libbqw, in order.
M.SHIPPED = { "policy-tools", "themes" }

--- The .tsv files of dir, sorted; empty when it does not exist.
local function tsv_files(dir)
  local names = {}
  for _, name in ipairs(core.scandir(dir) or {}) do
    if name:match("%.tsv$") then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  return names
end

--- The codebooks in use: { { name = NAME, path = FILE | nil (built in), origin = "setup"
--- | "env" | "user" | "builtin", text = … }, … }, or nil, message, name.
function M.sources()
  local out = {}
  local given = config.values.codebooks
  if given and #given > 0 then
    for _, path in ipairs(given) do
      local text, err = core.read_file(path, config.values.max_size)
      if not text then
        return nil, ("%s; give a readable codebook file (TSV)"):format(err), "EIO"
      end
      out[#out + 1] = { name = path:match("([^/]+)%.tsv$") or path, path = path, origin = "setup", text = text }
    end
    return out
  end
  local seen = {}
  for _, d in ipairs(require("bqw.plugins").path()) do
    local dir = d.dir .. "/codebook"
    for _, file in ipairs(tsv_files(dir)) do
      local name = file:gsub("%.tsv$", "")
      if not seen[name] then
        local path = dir .. "/" .. file
        local text, err = core.read_file(path, config.values.max_size)
        if not text then
          return nil, ("%s: error: %s"):format(path, err), "EIO"
        end
        seen[name] = true
        out[#out + 1] = { name = name, path = path, origin = d.origin, text = text }
      end
    end
  end
  for _, name in ipairs(M.SHIPPED) do
    if not seen[name] then
      local text = core.fact_table("codebook-" .. name)
      out[#out + 1] = { name = name, origin = "builtin", text = text }
    end
  end
  return out
end

local cache = { key = nil, set = nil }

--- The codebook set of the codebooks in use (a bqw.core codebook), built once for the
--- same files, or nil, "FILE:LINE:COL: error: …", name.
function M.set()
  local sources, err, ename = M.sources()
  if not sources then
    return nil, err, ename
  end
  local parts = {}
  for i, s in ipairs(sources) do
    parts[i] = (s.path or s.name) .. "\0" .. s.text
  end
  local key = table.concat(parts, "\0\0")
  if cache.key == key then
    return cache.set
  end
  local set = core.codebook()
  for _, s in ipairs(sources) do
    local ok, message = set:add(s.path or ("(built in)/" .. s.name .. ".tsv"), s.text)
    if not ok then
      return nil, message, "ECODEBOOK"
    end
  end
  cache.key, cache.set = key, set
  return set
end

--- Gives a bqw.core dataset handle the codebook set: true, or nil, message, name.
function M.attach(handle)
  local set, err, ename = M.set()
  if not set then
    return nil, err, ename
  end
  handle:set_codebook(set)
  return true
end

return M
