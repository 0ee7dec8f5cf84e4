-- gen_corpus.lua -- writes a large, valid digest for the load benchmark.
--
--   lua5.4 bench/gen_corpus.lua [SIZE_MB] [OUT] [--seed N] [--eol lf|crlf|mixed]
--
-- SIZE_MB defaults to 100 (1 MB = 2^20 bytes); OUT to bench/out/corpus-<SIZE_MB>mb.txt.
-- The output is data/bqw-digest-2023.txt replicated and varied up to the size (never over
-- it, so the 1024 MB corpus is within the default --max-size 1G):
-- the preamble (lines 1-6) once, then copies of the four sections (lines 7-168), then the
-- source line (169) once. Each copy varies the published text the way a real digest varies
-- while keeping its shape:
--   * provincial categories, the documents in them, and the city entries are reordered;
--   * the numbers in ◎ measures are changed (years stay years, counts keep their digits);
--   * the timeline dates are changed (always valid dates);
--   * some copies drop every pinyin reading, some write the readings' tone marks
--     decomposed (vowel + combining mark, so the loader's NFC path has work to do);
--   * lines get ideographic-space indents, trailing ASCII or ideographic spaces, and blank
--     lines between entries;
--   * with --eol mixed (the default) one copy in ten uses CRLF line ends.
-- The curated repairs (data/repairs.tsv) are kept byte-exact in every copy, so the loader
-- applies each once per copy. Deterministic: the same arguments give the same bytes (a
-- self-contained generator, no os.time, no math.random). Expected record counts go to
-- stderr.

local MB = 1024 * 1024

local function usage(msg)
  io.stderr:write("gen_corpus: ", msg, "\n",
    "usage: lua5.4 bench/gen_corpus.lua [SIZE_MB] [OUT] [--seed N] [--eol lf|crlf|mixed]\n")
  os.exit(2)
end

-- ---- arguments ----------------------------------------------------------------------

local size_mb, seed, eol_mode = 100, 20231208, "mixed"
local out_path
do
  local positional = {}
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--seed" then
      seed = tonumber(arg[i + 1]) or usage("--seed needs a number")
      i = i + 1
    elseif a == "--eol" then
      eol_mode = arg[i + 1]
      if eol_mode ~= "lf" and eol_mode ~= "crlf" and eol_mode ~= "mixed" then
        usage("--eol is lf, crlf or mixed")
      end
      i = i + 1
    elseif a:sub(1, 2) == "--" then
      usage("unknown option " .. a)
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  if positional[1] then
    size_mb = tonumber(positional[1])
    if not size_mb or size_mb <= 0 then usage("SIZE_MB must be a positive number") end
  end
  out_path = positional[2]
end

local script_dir = arg[0]:match("^(.*)/[^/]*$") or "."
local root = script_dir:match("^(.*)/bench$") or (script_dir == "bench" and ".") or (script_dir .. "/..")
out_path = out_path or (root .. "/bench/out/corpus-" .. tostring(size_mb):gsub("%.0$", "") .. "mb.txt")

-- ---- a small deterministic generator (LCG, 31-bit state; exact in Lua 5.4 integers) ----

local state = math.floor(seed) % 2147483648
local function rand_int(lo, hi) -- inclusive
  state = (state * 1103515245 + 12345) % 2147483648
  -- the high bits of an LCG are the good ones
  return lo + (state // 65536) % (hi - lo + 1)
end
local function chance(p) return rand_int(0, 9999) < p * 10000 end
local function shuffle(t)
  for i = #t, 2, -1 do
    local j = rand_int(1, i)
    t[i], t[j] = t[j], t[i]
  end
  return t
end

-- ---- the published digest ----------------------------------------------------------

local read_all = dofile(root .. "/tools/fileio.lua").read

local lines = {}
for l in (read_all(root .. "/data/bqw-digest-2023.txt") .. "\n"):gmatch("([^\n]*)\n") do
  lines[#lines + 1] = l:gsub("\r$", "")
end
if #lines ~= 169 then
  io.stderr:write("gen_corpus: expected the 169-line 2023 digest, found ", #lines, " lines\n")
  os.exit(1)
end

local repairs = {}
for l in read_all(root .. "/data/repairs.tsv"):gmatch("[^\n]+") do
  if l:sub(1, 1) ~= "#" then repairs[#repairs + 1] = l:match("^([^\t]+)\t") end
end

local MEASURE, BULLET = "◎", "●"
local function starts(s, p) return s:sub(1, #p) == p end
local function range(a, b)
  local t = {}
  for i = a, b do t[#t + 1] = lines[i] end
  return t
end

-- Provincial policies (7-63): the heading, then categories, each a heading line and
-- documents (● line plus its ◎ lines).
local province_heading = lines[7]
local categories = {}
for i = 8, 63 do
  local l = lines[i]
  if starts(l, BULLET) then
    local cat = categories[#categories]
    cat.docs[#cat.docs + 1] = { l }
  elseif starts(l, MEASURE) then
    local docs = categories[#categories].docs
    table.insert(docs[#docs], l)
  else
    categories[#categories + 1] = { heading = l, docs = {} }
  end
end

-- City policies (64-138): the heading, then entries: a city line, its headline, ◎ lines.
local city_heading = lines[64]
local cities = {}
do
  local i = 65
  while i <= 138 do
    local entry = { lines[i], lines[i + 1] }
    i = i + 2
    while i <= 138 and starts(lines[i], MEASURE) do
      entry[#entry + 1] = lines[i]
      i = i + 1
    end
    cities[#cities + 1] = entry
  end
end

local guiding = range(139, 147)   -- heading, document, label, 3 x (year, text)
local timeline_heading = lines[148]
local meetings = {}               -- 10 x (date, text)
for i = 149, 168, 2 do meetings[#meetings + 1] = { lines[i], lines[i + 1] } end

-- Counts per copy, for the expected totals.
local per_copy = { documents = 0, provincial_measures = 0, city_entries = #cities,
  city_measures = 0, guiding = 1, targets = 3, meetings = #meetings }
for _, cat in ipairs(categories) do
  for _, doc in ipairs(cat.docs) do
    per_copy.documents = per_copy.documents + 1
    per_copy.provincial_measures = per_copy.provincial_measures + #doc - 1
  end
end
for _, entry in ipairs(cities) do per_copy.city_measures = per_copy.city_measures + #entry - 2 end

-- ---- variations --------------------------------------------------------------------

-- Numbers in a measure: a 4-digit 19xx/20xx stays a year, other runs keep their length.
local function vary_numbers(l)
  return (l:gsub("%d+", function(d)
    if #d == 4 and (starts(d, "20") or starts(d, "19")) then
      return tostring(rand_int(2018, 2035))
    end
    local first = #d > 1 and rand_int(1, 9) or rand_int(0, 9)
    local rest = {}
    for k = 2, #d do rest[k - 1] = tostring(rand_int(0, 9)) end
    return tostring(first) .. table.concat(rest)
  end))
end

local function random_date()
  local days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  local m = rand_int(1, 12)
  return string.format("%d年%d月%d日", rand_int(2019, 2030), m, rand_int(1, days[m]))
end

-- A pinyin reading: ASCII letters and the tone-marked vowels (2-byte UTF-8, or ḿ).
local TONED = {}
for _, pair in ipairs({
  { "ā", "a\204\132" }, { "á", "a\204\129" }, { "ǎ", "a\204\140" }, { "à", "a\204\128" },
  { "ē", "e\204\132" }, { "é", "e\204\129" }, { "ě", "e\204\140" }, { "è", "e\204\128" },
  { "ī", "i\204\132" }, { "í", "i\204\129" }, { "ǐ", "i\204\140" }, { "ì", "i\204\128" },
  { "ō", "o\204\132" }, { "ó", "o\204\129" }, { "ǒ", "o\204\140" }, { "ò", "o\204\128" },
  { "ū", "u\204\132" }, { "ú", "u\204\129" }, { "ǔ", "u\204\140" }, { "ù", "u\204\128" },
  { "ǖ", "ü\204\132" }, { "ǘ", "ü\204\129" }, { "ǚ", "ü\204\140" }, { "ǜ", "ü\204\128" },
}) do
  TONED[pair[1]] = pair[2]
end

local function is_reading(inner)
  local toned = false
  for _, c in utf8.codes(inner) do
    if c >= 0x80 then
      toned = true
    elseif c < 97 or c > 122 then
      return false
    end
  end
  for ch in inner:gmatch(utf8.charpattern) do
    if #ch > 1 and not TONED[ch] and ch ~= "ü" then return false end
  end
  return toned
end

-- Rewrites the readings of a line (drop them, or decompose their tone marks), keeping the
-- curated repair spans byte-exact.
local function rewrite_readings(l, how)
  for k, span in ipairs(repairs) do
    local at = l:find(span, 1, true)
    if at then
      l = l:sub(1, at - 1) .. "\1" .. k .. "\2" .. l:sub(at + #span)
    end
  end
  l = l:gsub("%(([^()]*)%)", function(inner)
    if not is_reading(inner) then return nil end
    if how == "drop" then return "" end
    return "(" .. inner:gsub(utf8.charpattern, function(ch) return TONED[ch] end) .. ")"
  end)
  return (l:gsub("\1(%d+)\2", function(k) return repairs[tonumber(k)] end))
end

local IDEO_SPACE = "\227\128\128" -- U+3000
local function vary_spaces(l)
  local r = rand_int(0, 99)
  if r < 4 then
    return IDEO_SPACE .. IDEO_SPACE .. l
  elseif r < 8 then
    return l .. "  "
  elseif r < 10 then
    return l .. IDEO_SPACE
  elseif r < 11 then
    return " " .. l .. " \t"
  end
  return l
end

-- ---- output ------------------------------------------------------------------------

local out = io.open(out_path, "wb")
if not out then
  local dir = out_path:match("^(.*)/[^/]*$")
  if dir then os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'") end
  out = io.open(out_path, "wb") or usage("cannot write " .. out_path)
end

local target = math.floor(size_mb * MB)
local written = 0
local chunk = {}

local function flush()
  local s = table.concat(chunk)
  out:write(s)
  written = written + #s
  chunk = {}
end

local copies, crlf_copies, dropped_copies, decomposed_copies = 0, 0, 0, 0

-- One copy's text, and a function that counts it in (a copy that would pass the size
-- is dropped uncounted).
local function make_copy(first)
  local eol = "\n"
  local crlf = eol_mode == "crlf" or (eol_mode == "mixed" and chance(0.1))
  if crlf then
    eol = "\r\n"
  end
  local readings = nil
  local r = rand_int(0, 99)
  if r < 10 then
    readings = "drop"
  elseif r < 15 then
    readings = "decompose"
  end
  local buf = {}
  local function put(l, plain)
    if readings then l = rewrite_readings(l, readings) end
    if not plain then l = vary_spaces(l) end
    buf[#buf + 1] = l
    buf[#buf + 1] = eol
  end
  local function maybe_blank()
    if chance(0.05) then buf[#buf + 1] = eol end
  end

  if first then
    for i = 1, 6 do put(lines[i], i == 1) end -- line 1 keeps its known-defect prefix
  end
  put(province_heading, true)
  for _, cat in ipairs(shuffle({ table.unpack(categories) })) do
    maybe_blank()
    put(cat.heading)
    for _, doc in ipairs(shuffle({ table.unpack(cat.docs) })) do
      put(doc[1])
      for k = 2, #doc do put(vary_numbers(doc[k])) end
    end
  end
  maybe_blank()
  put(city_heading, true)
  for _, entry in ipairs(shuffle({ table.unpack(cities) })) do
    maybe_blank()
    put(entry[1])
    put(entry[2])
    for k = 3, #entry do put(vary_numbers(entry[k])) end
  end
  maybe_blank()
  for k = 1, #guiding do put(guiding[k], true) end
  put(timeline_heading, true)
  for _, m in ipairs(meetings) do
    maybe_blank()
    put(random_date())
    put(m[2])
  end
  return table.concat(buf), function()
    copies = copies + 1
    crlf_copies = crlf_copies + (crlf and 1 or 0)
    dropped_copies = dropped_copies + (readings == "drop" and 1 or 0)
    decomposed_copies = decomposed_copies + (readings == "decompose" and 1 or 0)
  end
end

-- Whole copies while the corpus, the source line included, stays within the size: a
-- corpus of SIZE_MB is at most SIZE_MB (less by under a copy), so the 1024 MB corpus
-- loads under the default --max-size 1G. (It used to end with the copy that passed the
-- size: 8,300 bytes over, and `bqw stats` on it exited 2.)
local source_line = lines[169] -- no final line end (as published)
local pending = 0
local first = true
while true do
  local text, count = make_copy(first)
  if not first and written + pending + #text + #source_line > target then
    break
  end
  first = false
  chunk[#chunk + 1] = text
  count()
  pending = pending + #text
  if #chunk >= 256 then
    flush()
    pending = 0
  end
end
chunk[#chunk + 1] = source_line
flush()
out:close()

local total_measures = copies * (per_copy.provincial_measures + per_copy.city_measures)
io.stderr:write(string.format(
  "gen_corpus: wrote %s: %d bytes (%.1f MB), seed %d, %d copies " ..
  "(%d CRLF, %d without readings, %d with decomposed tone marks)\n",
  out_path, written, written / MB, seed, copies, crlf_copies, dropped_copies, decomposed_copies))
io.stderr:write(string.format(
  "gen_corpus: expected: %d records (%d documents, %d city entries, %d guiding, %d targets, " ..
  "%d meetings), %d measures\n",
  copies * (per_copy.documents + per_copy.city_entries + per_copy.guiding + per_copy.targets +
    per_copy.meetings),
  copies * per_copy.documents, copies * per_copy.city_entries, copies * per_copy.guiding,
  copies * per_copy.targets, copies * per_copy.meetings, total_measures))
