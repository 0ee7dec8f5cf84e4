-- Generates the conversion tables of core/convert.c from OpenCC's own dictionaries
-- (dumped to text at build time with `opencc_dict -f ocd2 -t text`) and the curated
-- overrides in data/convert-overrides.tsv.
--
-- usage: lua5.4 tools/gen_convert.lua OUT.h OVERRIDES.tsv TSPhrases.txt TSCharacters.txt
--                                     STPhrases.txt STCharacters.txt
--
-- A build tool run by lua5.4 only (never inside Neovim), so it uses Lua 5.4's utf8 library.
--
-- Two sets, as OpenCC's t2s.json and s2t.json: a phrase dictionary (segmentation by
-- maximum match, then the phrase's first value) and a character dictionary (the first
-- value). Each phrase dictionary becomes a trie over code points: its roots are found by
-- a two-stage table (first character -> node), a node's children are a sorted run of
-- (code point, node) pairs. The overrides are phrases of the t2s set with a second value
-- used only for bqw's Simplified ("hans"); the plain t2s in front of s2t ignores them.
-- Values are (offset << 8 | length) into one byte pool; 0 is "none".
local out_path, overrides_path = arg[1], arg[2]
local dict_paths = { arg[3], arg[4], arg[5], arg[6] }
if not out_path or not overrides_path or not dict_paths[4] then
  io.stderr:write("usage: gen_convert.lua OUT.h OVERRIDES.tsv TSPhrases TSCharacters STPhrases STCharacters\n")
  os.exit(2)
end

local function fail(path, line, msg)
  io.stderr:write(("%s:%d:1: error: %s\n"):format(path, line, msg))
  os.exit(1)
end

local pool, pool_len, pool_index = {}, 0, {}
local function value_code(s)
  if pool_index[s] then
    return pool_index[s]
  end
  assert(#s > 0 and #s < 256, "value length out of range: " .. s)
  local code = pool_len * 256 + #s
  pool[#pool + 1] = s
  pool_len = pool_len + #s
  pool_index[s] = code
  return code
end

local function read_dict(path)
  local entries = {}
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    local key, values = line:match("^([^\t]+)\t([^\t]+)$")
    if not key then
      fail(path, n, "expected KEY<TAB>VALUE[ VALUE...]")
    end
    if not utf8.len(key) then
      fail(path, n, "key is not UTF-8")
    end
    if key:byte(1) < 0x80 then
      fail(path, n, "a key starting with ASCII: the converter copies ASCII runs unlooked-at")
    end
    entries[#entries + 1] = { key = key, value = values:match("^[^ ]+") }
  end
  return entries
end

local function codepoints(s)
  local t = {}
  for _, c in utf8.codes(s) do
    t[#t + 1] = c
  end
  return t
end

-- ---- tries -------------------------------------------------------------------------
-- nodes[i] = { children = {cp -> i}, value = code|0, override = code|0 }; node 1 is a root
-- holder whose children are the first characters.
local nodes = { { children = {} } }
local function new_node()
  nodes[#nodes + 1] = { children = {}, value = 0, override = 0 }
  return #nodes
end

local function insert(root, key, field, code)
  local node = root
  for _, c in ipairs(codepoints(key)) do
    local child = nodes[node].children[c]
    if not child then
      child = new_node()
      nodes[node].children[c] = child
    end
    node = child
  end
  nodes[node][field] = code
end

local sets = {}
for s = 1, 2 do
  local root = new_node()
  local phrases = read_dict(dict_paths[s * 2 - 1])
  for _, e in ipairs(phrases) do
    insert(root, e.key, "value", value_code(e.value))
  end
  local chars = {}
  for _, e in ipairs(read_dict(dict_paths[s * 2])) do
    local cps = codepoints(e.key)
    if #cps ~= 1 then
      io.stderr:write("gen_convert: a character key of " .. #cps .. " characters: " .. e.key .. "\n")
      os.exit(1)
    end
    chars[cps[1]] = value_code(e.value)
  end
  sets[s] = { root = root, chars = chars, phrases = #phrases }
end

-- overrides: phrase, OpenCC's output, correct output, reason
local overrides = {}
do
  local n = 0
  for line in io.lines(overrides_path) do
    n = n + 1
    if line ~= "" and not line:match("^#") then
      local phrase, opencc, correct, reason = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
      if not phrase then
        fail(overrides_path, n, "expected PHRASE<TAB>OPENCC<TAB>CORRECT<TAB>REASON")
      end
      if utf8.len(phrase) ~= utf8.len(correct) or utf8.len(phrase) ~= utf8.len(opencc) then
        fail(overrides_path, n, "the three spellings must have as many characters (the search fold keeps positions)")
      end
      if utf8.len(phrase) < 2 or utf8.len(phrase) > 8 then
        fail(overrides_path, n, "a phrase of 2 to 8 characters")
      end
      insert(sets[1].root, phrase, "override", value_code(correct))
      overrides[#overrides + 1] = { phrase = phrase, opencc = opencc, correct = correct, line = n, reason = reason }
    end
  end
end

-- ---- layout: children runs in breadth-first order -----------------------------------
local order, index_of = {}, {}
local queue, head = {}, 1
local function sorted_children(node)
  local cps = {}
  for c in pairs(nodes[node].children) do
    cps[#cps + 1] = c
  end
  table.sort(cps)
  return cps
end
-- Node numbers start at 1 (0 is "no node"); roots are numbered as they are met.
for s = 1, 2 do
  for _, c in ipairs(sorted_children(sets[s].root)) do
    queue[#queue + 1] = nodes[sets[s].root].children[c]
  end
end
while head <= #queue do
  local node = queue[head]
  head = head + 1
  order[#order + 1] = node
  index_of[node] = #order
  for _, c in ipairs(sorted_children(node)) do
    queue[#queue + 1] = nodes[node].children[c]
  end
end
local child_cp, child_node, first_child = {}, {}, {}
for _, node in ipairs(order) do
  first_child[node] = #child_cp
  for _, c in ipairs(sorted_children(node)) do
    child_cp[#child_cp + 1] = c
    child_node[#child_node + 1] = index_of[nodes[node].children[c]]
  end
end

-- ---- two-stage tables ---------------------------------------------------------------
local NCP = 0x110000
local blocks, block_index = { ("0,"):rep(256) }, { [("0,"):rep(256)] = 0 }
local function stage1_of(map)
  local stage1 = {}
  for hi = 0, NCP // 256 - 1 do
    local parts = {}
    local any = false
    for lo = 0, 255 do
      local v = map[hi * 256 + lo] or 0
      any = any or v ~= 0
      parts[lo + 1] = v
    end
    local key = any and (table.concat(parts, ",") .. ",") or ("0,"):rep(256)
    if not block_index[key] then
      blocks[#blocks + 1] = key
      block_index[key] = #blocks - 1
    end
    stage1[hi + 1] = block_index[key]
  end
  return stage1
end

local stages = {}
for s = 1, 2 do
  local roots = {}
  for c, node in pairs(nodes[sets[s].root].children) do
    roots[c] = index_of[node]
  end
  stages[#stages + 1] = stage1_of(sets[s].chars)
  stages[#stages + 1] = stage1_of(roots)
end

-- ---- output -------------------------------------------------------------------------
local o = assert(io.open(out_path, "w"))
local function list(t, per_line, fmt)
  local parts = {}
  for i, v in ipairs(t) do
    parts[#parts + 1] = (fmt or "%d,"):format(v)
    if i % per_line == 0 then
      parts[#parts + 1] = "\n"
    end
  end
  return table.concat(parts)
end
o:write(("/* Generated by tools/gen_convert.lua from OpenCC's TSPhrases (%d), TSCharacters, STPhrases (%d),\n"
  .. " * STCharacters and data/convert-overrides.tsv (%d); do not edit. */\n"):format(
  sets[1].phrases, sets[2].phrases, #overrides))
local bytes = {}
for _, s in ipairs(pool) do
  for i = 1, #s do
    bytes[#bytes + 1] = s:byte(i)
  end
end
for _ = 1, 8 do -- padding: the converter copies values 8 bytes at a time
  bytes[#bytes + 1] = 0
end
o:write(("static const unsigned char cv_pool[%d] = {\n%s};\n"):format(#bytes, list(bytes, 24)))
o:write(("static const uint32_t cv_blocks[%d][256] = {\n"):format(#blocks))
for _, b in ipairs(blocks) do
  o:write("{", b, "},\n")
end
o:write("};\n")
o:write("/* per set (t2s, s2t): the character table, then the phrase roots */\n")
o:write(("static const uint16_t cv_stage1[4][%d] = {\n"):format(NCP // 256))
for _, st in ipairs(stages) do
  o:write("{", list(st, 32), "},\n")
end
o:write("};\n")
o:write(("static const cv_node cv_nodes[%d] = {{0, 0, 0, 0},\n"):format(#order + 1))
for _, node in ipairs(order) do
  local n = nodes[node]
  local nchild = 0
  for _ in pairs(n.children) do
    nchild = nchild + 1
  end
  o:write(("{%d,%d,%d,%d},\n"):format(first_child[node], nchild, n.value, n.override))
end
o:write("};\n")
o:write(("static const int32_t cv_child_cp[%d] = {\n%s};\n"):format(#child_cp + 1, list(child_cp, 16) .. "0"))
o:write(("static const uint32_t cv_child_node[%d] = {\n%s};\n"):format(#child_node + 1, list(child_node, 16) .. "0"))
-- the overrides again, as code points, for the search fold (core/search.c)
o:write(("#define CV_OVERRIDES %d\n"):format(#overrides))
o:write("static const cv_override cv_overrides[CV_OVERRIDES + 1] = {\n")
for _, ov in ipairs(overrides) do
  local from, to = codepoints(ov.phrase), codepoints(ov.correct)
  o:write(("{%d, {%s}, {%s}}, /* %s -> %s */\n"):format(#from, list(from, 8, "0x%X,"), list(to, 8, "0x%X,"),
    ov.phrase, ov.correct))
end
o:write("{0, {0}, {0}}};\n")
o:close()
