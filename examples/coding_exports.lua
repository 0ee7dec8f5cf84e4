-- Coded policy texts for QDA tools and SQL: the city entries' codings as a REFI-QDA
-- project (NVivo, ATLAS.ti, MAXQDA, QualCoder import cities.qdpx), a SQLite database
-- with the codes and codings tables, and each measure with its codes as CSV, into
-- OUT_DIR (default: bqw-coding); a codebook file, when given, replaces the shipped ones.
-- Run: build/bqw run examples/coding_exports.lua [OUT_DIR [CODEBOOK.tsv]]
local bqw = require("bqw")
local out_dir, codebook = ...
out_dir = out_dir or "bqw-coding"
if codebook then
  bqw.setup({ codebooks = { codebook } })
end
local ds = assert(bqw.load())
assert(os.execute("mkdir -p '" .. out_dir:gsub("'", "'\\''") .. "'"))

local where = "kind=city"
local exports = {
  { "qdpx", { output = out_dir .. "/cities.qdpx" } },
  { "sqlite", { output = out_dir .. "/cities.sqlite", fts = "none" } },
  { "csv", { output = out_dir .. "/measures.csv", shape = "measure", columns = "id,city,measure_index,measure,code" } },
}
for _, e in ipairs(exports) do
  e[2].where = where
  local ok, err = ds:export(e[1], e[2])
  if not ok then
    io.stderr:write("coding_exports: ", err, "\n")
    return 1
  end
end

-- what the project holds: a selection per piece of evidence, counted by code
local counts, order, evidence = {}, {}, 0
for _, unit in ipairs(ds:codings({ where = where })) do
  for _, e in ipairs(unit.evidence) do
    evidence = evidence + 1
    if not counts[e.code] then
      counts[e.code] = 0
      order[#order + 1] = e.code
    end
    counts[e.code] = counts[e.code] + 1
  end
end
table.sort(order, function(a, b)
  return counts[a] > counts[b] or (counts[a] == counts[b] and a < b)
end)
for i = 1, math.min(5, #order) do
  print(("%-8s %d"):format(order[i], counts[order[i]]))
end
print(("wrote cities.qdpx, cities.sqlite and measures.csv under %s: %d coded selections"):format(out_dir, evidence))
return 0
