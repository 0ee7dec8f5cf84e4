-- Scores bqw convert's 著→着 on hand-written sentences (issue 20 item 4).
--
-- usage: lua5.4 tests/zhe_eval.lua BQW SENTENCES.tsv [MIN_PRECISION MIN_RECALL]
--
-- SENTENCES.tsv: Traditional source<TAB>expected Simplified (# comments). Each 著 of a
-- source is one case: positive when the expected text has 着 there. A case the converter
-- writes as 着 counts as predicted positive. Prints precision, recall, every wrong case,
-- and every sentence whose whole conversion differs (for information); exits 1 when a
-- minimum is given and not reached.
local bqw, path, min_p, min_r = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
if not bqw or not path then
  io.stderr:write("usage: lua5.4 tests/zhe_eval.lua BQW SENTENCES.tsv [MIN_PRECISION MIN_RECALL]\n")
  os.exit(2)
end

local function chars(s)
  local t = {}
  for _, c in utf8.codes(s) do
    t[#t + 1] = utf8.char(c)
  end
  return t
end

local sources, expected, lines = {}, {}, {}
local n = 0
for line in io.lines(path) do
  n = n + 1
  if line ~= "" and not line:match("^#") then
    local src, want = line:match("^([^\t]+)\t([^\t]+)$")
    if not src then
      io.stderr:write(("%s:%d:1: error: expected SOURCE<TAB>EXPECTED\n"):format(path, n))
      os.exit(2)
    end
    sources[#sources + 1], expected[#expected + 1], lines[#lines + 1] = src, want, n
  end
end

local tmp = os.tmpname()
local f = assert(io.open(tmp, "w"))
f:write(table.concat(sources, "\n"), "\n")
f:close()
local p = assert(io.popen(("%q convert %q"):format(bqw, tmp)))
local got = {}
for line in p:lines() do
  got[#got + 1] = line
end
local ok = p:close()
os.remove(tmp)
if not ok or #got ~= #sources then
  io.stderr:write(("zhe_eval: bqw convert failed or wrote %d lines for %d\n"):format(#got, #sources))
  os.exit(2)
end

local tp, fp, fn, tn, mismatched = 0, 0, 0, 0, 0
for i, src in ipairs(sources) do
  local s, w, g = chars(src), chars(expected[i]), chars(got[i])
  if #s ~= #w or #s ~= #g then
    io.stderr:write(("%s:%d:1: error: source, expected and output differ in length\n"):format(path, lines[i]))
    os.exit(2)
  end
  for k, c in ipairs(s) do
    if c == "著" then
      local want_zhe, got_zhe = w[k] == "着", g[k] == "着"
      if want_zhe and got_zhe then
        tp = tp + 1
      elseif got_zhe then
        fp = fp + 1
      elseif want_zhe then
        fn = fn + 1
      else
        tn = tn + 1
      end
      if want_zhe ~= got_zhe then
        print(("%s:%d: %s at character %d: got %s, want %s"):format(path, lines[i], src, k, g[k], w[k]))
      end
    end
  end
  if got[i] ~= expected[i] then
    mismatched = mismatched + 1
    print(("%s:%d: note: whole line differs: got %s"):format(path, lines[i], got[i]))
  end
end
local precision = tp + fp > 0 and tp / (tp + fp) or 1
local recall = tp + fn > 0 and tp / (tp + fn) or 1
print(("著 cases %d (着 %d, 著 %d): precision %.3f recall %.3f (tp %d fp %d fn %d tn %d); %d of %d lines differ"):format(
  tp + fp + fn + tn, tp + fn, fp + tn, precision, recall, tp, fp, fn, tn, mismatched, #sources))
if min_p and (precision < min_p or recall < min_r) then
  io.stderr:write(("zhe_eval: below precision %.2f / recall %.2f\n"):format(min_p, min_r))
  os.exit(1)
end
