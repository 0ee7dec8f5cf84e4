-- Bulk export: every export format, one folder per region (and 全省 for the
-- provincial records), into OUT_DIR (default: bqw-export).
-- Run: build/bqw run examples/export_all.lua [OUT_DIR]
local bqw = require("bqw")
local out_dir = ... or "bqw-export"
local ds = assert(bqw.load())

local function mkdir(path)
  local ok = os.execute("mkdir -p '" .. path:gsub("'", "'\\''") .. "'")
  if not ok then
    error("cannot create " .. path)
  end
end

-- the regions as the gazetteer orders them, and the provincial level
local groups = { { folder = "全省", where = "level=province" } }
local seen = {}
for r in ds:query({ kind = "city" }):iter() do
  if not seen[r.region] then
    seen[r.region] = true
    groups[#groups + 1] = { folder = r.region, where = "region=" .. r.region }
  end
end

local written = 0
for _, group in ipairs(groups) do
  local dir = out_dir .. "/" .. group.folder
  mkdir(dir)
  for _, p in ipairs(bqw.plugins.list("export")) do
    local plugin = assert(bqw.plugins.get("export", p.name))
    local path = ("%s/bqw.%s"):format(dir, plugin.extension or p.name)
    local ok, err = ds:export(p.name, { where = group.where, output = path })
    if not ok then
      io.stderr:write("export_all: ", err, "\n")
      return 1
    end
    written = written + 1
  end
end
print(("wrote %d files in %d folders under %s"):format(written, #groups, out_dir))
return 0
