-- oracle.lua -- an independent, deliberately simple evaluator of bqw's `--where`
-- language over plain record tables (issue 19, item 6). It shares no code with bqw:
-- plain Lua 5.4, written from the documented semantics (core/bqw.h "the query engine",
-- core/bqw_schema.h, doc/bqw.txt *bqw-where*), never from the engine's code.
--
--   local oracle = require("oracle")
--   local o = oracle.new({ fold_map = { ["後"] = "后", … }, overrides = { { from, to }, … },
--                          vocab = { kind = { "document", … }, … } })
--   local tree, err = o:parse("region=粤北 year>=2025")  -- nil, "syntax"|"unknown", why
--   o:match(tree, row)  -- row = { record = r, measure = m or nil } -> boolean
--
-- The fold (bqw_fold's documented behaviour): every character to one character —
-- Traditional to Simplified by a character table (OpenCC's TSCharacters, given as data in
-- fold_map), full-width forms U+FF01..U+FF5E to ASCII, upper to lower case (ASCII,
-- Latin-1, Greek, Cyrillic, Roman numerals, circled letters: arithmetic on code points)
-- — then the curated conversion overrides (data/convert-overrides.tsv and
-- data/convert-zhe.tsv, each side folded) by maximum match from the left.
local M = {}
M.__index = M

-- ---- folding ---------------------------------------------------------------------

local function lower_cp(c)
  if c >= 0x41 and c <= 0x5A then
    return c + 32
  elseif c >= 0xC0 and c <= 0xDE and c ~= 0xD7 then
    return c + 32
  elseif c >= 0x391 and c <= 0x3AB and c ~= 0x3A2 then
    return c + 32
  elseif c >= 0x410 and c <= 0x42F then
    return c + 32
  elseif c >= 0x400 and c <= 0x40F then
    return c + 80
  elseif c >= 0x2160 and c <= 0x216F then
    return c + 16
  elseif c >= 0x24B6 and c <= 0x24CF then
    return c + 26
  end
  return c
end

local function fold_char(self, ch)
  local cached = self.char_cache[ch]
  if cached then
    return cached
  end
  local s = self.fold_map[ch] or ch
  local c = utf8.codepoint(s)
  if c >= 0xFF01 and c <= 0xFF5E then
    c = c - 0xFEE0
  end
  local out = utf8.char(lower_cp(c))
  self.char_cache[ch] = out
  return out
end

-- The characters of s, folded one by one (a list of strings).
local function fold_chars(self, s)
  local out = {}
  for _, c in utf8.codes(s) do
    out[#out + 1] = fold_char(self, utf8.char(c))
  end
  return out
end

-- Folds a string: characters, then the overrides by maximum match from the left.
function M:fold(s)
  local cached = self.fold_cache[s]
  if cached then
    return cached
  end
  local cs = fold_chars(self, s)
  local out, i, n = {}, 1, #cs
  while i <= n do
    local rules = self.rules_by_first[cs[i]]
    local best
    if rules then
      for _, r in ipairs(rules) do
        if not best or #r.from > #best.from then
          local ok = i + #r.from - 1 <= n
          for k = 1, #r.from do
            if not ok then
              break
            end
            ok = cs[i + k - 1] == r.from[k]
          end
          if ok then
            best = r
          end
        end
      end
    end
    if best then
      for k = 1, #best.to do
        out[#out + 1] = best.to[k]
      end
      i = i + #best.from
    else
      out[#out + 1] = cs[i]
      i = i + 1
    end
  end
  local r = table.concat(out)
  self.fold_cache[s] = r
  return r
end

-- ---- the schema, as documented -------------------------------------------------------

-- filter word -> { key = record key, type, closed, also }
local FIELDS = {
  id = { key = "id", type = "int" },
  kind = { key = "kind", type = "text", closed = true },
  section = { key = "section", type = "text", closed = true, also = "section_title" },
  section_title = { key = "section_title", type = "text" },
  line = { key = "line", type = "int" },
  parent = { key = "parent", type = "int" },
  category = { key = "category", type = "text", closed = true },
  city = { key = "city", type = "text", closed = true },
  region = { key = "region", type = "text", closed = true },
  action = { key = "action", type = "text", closed = true },
  headline = { key = "headline", type = "text" },
  title = { key = "title", type = "text" },
  date = { key = "date", type = "date" },
  prose = { key = "text", type = "text" },
  level = { key = "level", type = "text", closed = true },
  issuer = { key = "issuers", type = "text" },
  doctype = { key = "doctype", type = "text", closed = true, also = "doctype_detail" },
  doctype_detail = { key = "doctype_detail", type = "text" },
  period_from = { key = "period_from", type = "int" },
  period_to = { key = "period_to", type = "int" },
  year = { key = "years", type = "int" },
  mentions = { key = "mentions", type = "text" },
  measure = { key = "measures", type = "text", measure = true },
  measure_index = { key = "measure_index", type = "int", measure = true },
  text = { type = "search" },
}
M.FIELDS = FIELDS

-- ---- parsing ---------------------------------------------------------------------

local OPS = { "!=", "!~", ">=", "<=", "=", "~", ">", "<" }

local function fail(kind, msg)
  error({ kind = kind, msg = msg }, 0)
end

local function lexer(src)
  local pos = 1
  local L = {}
  function L.ws()
    pos = src:find("[^ \t\r\n]", pos) or #src + 1
  end
  function L.peek()
    L.ws()
    return src:sub(pos, pos)
  end
  function L.at_end()
    L.ws()
    return pos > #src
  end
  function L.take(n)
    pos = pos + n
  end
  -- a keyword (and/or/not) standing alone at pos
  function L.keyword(kw)
    L.ws()
    if src:sub(pos, pos + #kw - 1) ~= kw then
      return false
    end
    local after = src:sub(pos + #kw, pos + #kw)
    if after == "" or after:find("^[ \t\r\n()]") then
      pos = pos + #kw
      return true
    end
    return false
  end
  function L.leaf()
    L.ws()
    local word = src:match("^[%a_][%w_]*", pos)
    if not word then
      fail("syntax", "expected a filter at " .. pos)
    end
    pos = pos + #word
    local op
    for _, o in ipairs(OPS) do
      if src:sub(pos, pos + #o - 1) == o then
        op = o
        break
      end
    end
    if not op then
      fail("syntax", "expected an operator after " .. word)
    end
    pos = pos + #op
    local c = src:sub(pos, pos)
    local value
    if c == '"' or c == "'" then
      local out = {}
      local i = pos + 1
      while true do
        local ch = src:sub(i, i)
        if ch == "" then
          fail("syntax", "unterminated quote")
        elseif ch == "\\" then
          out[#out + 1] = src:sub(i + 1, i + 1)
          i = i + 2
        elseif ch == c then
          i = i + 1
          break
        else
          out[#out + 1] = ch
          i = i + 1
        end
      end
      value = table.concat(out)
      pos = i
    else
      value = src:match("^[^ \t\r\n()]+", pos)
      if not value then
        fail("syntax", "expected a value after " .. word .. op)
      end
      pos = pos + #value
    end
    return word, op, value
  end
  return L
end

-- Checks a leaf's value against the field's semantics; returns the leaf node.
function M:leaf(word, op, value)
  local f = FIELDS[word]
  if not f then
    fail("unknown", "unknown filter " .. word)
  end
  local neg = op == "!=" or op == "!~"
  local base = neg and op:sub(2) or op
  local node = { leaf = true, word = word, f = f, op = base, value = value }
  if f.type == "int" then
    if base == "~" then
      fail("unknown", "~ on an integer field")
    end
    local a, b = value:match("^(%d+)%.%.(%d+)$")
    if not a then
      a = value:match("^%d+$")
      b = a
    end
    if not a or #a > 9 or #b > 9 then
      fail("unknown", "not a number or range: " .. value)
    end
    node.lo, node.hi = tonumber(a), tonumber(b)
  elseif f.type == "date" then
    if base == "~" then
      fail("unknown", "~ on a date")
    end
    if base == "=" then
      if not (value:match("^%d%d%d%d$") or value:match("^%d%d%d%d%-%d%d$") or value:match("^%d%d%d%d%-%d%d%-%d%d$")) then
        fail("unknown", "not a date: " .. value)
      end
    elseif not value:match("^%d%d%d%d%-%d%d%-%d%d$") then
      fail("unknown", "not a date: " .. value)
    end
  else
    if base ~= "=" and base ~= "~" then
      fail("unknown", op .. " on a text field")
    end
    node.folded = self:fold(value)
    if f.type == "search" then
      node.words = {}
      for w in node.folded:gmatch("[^ ]+") do
        node.words[#node.words + 1] = w
      end
      if #node.words == 0 then
        fail("unknown", "empty search")
      end
    end
    if f.closed then
      local ok, how = self:known(word, base, node.folded)
      if not ok then
        fail("unknown", "unknown value " .. value .. " for " .. word)
      end
      node.how = how
    end
  end
  if neg then
    return { op = "not", node }
  end
  return node
end

-- Whether a closed vocabulary knows a folded value: = some known value, ~ part of one.
-- vocab[word] lists the known values (the schema's tables and the dataset's values); a
-- second list vocab_loose[word] holds the values whose being known is a judgement call
-- (the digest's structure headings for section): "ambiguous" when only they decide.
function M:known(word, op, folded)
  local function test(list)
    for _, k in ipairs(list or {}) do
      local fk = self:fold(k)
      if (op == "=" and fk == folded) or (op == "~" and fk:find(folded, 1, true)) then
        return true
      end
    end
    return false
  end
  if test(self.vocab[word]) then
    return true
  end
  if test(self.vocab_loose[word]) then
    self.ambiguous = true
    return true
  end
  return false
end

-- Parses an expression: a tree, or nil, "syntax" | "unknown", message. Sets
-- self.ambiguous when the verdict hangs on an undocumented choice.
function M:parse(src)
  self.ambiguous = false
  local L = lexer(src)
  local parse_or
  local function term()
    if L.keyword("not") then
      return { op = "not", term() }
    end
    if L.peek() == "(" then
      L.take(1)
      local e = parse_or()
      if L.peek() ~= ")" then
        fail("syntax", "expected )")
      end
      L.take(1)
      return e
    end
    return self:leaf(L.leaf())
  end
  local function parse_and()
    local node = { op = "and", term() }
    while true do
      if L.at_end() or L.peek() == ")" then
        break
      end
      if L.keyword("or") then
        L.take(-2) -- leave it for parse_or
        break
      end
      L.keyword("and")
      node[#node + 1] = term()
    end
    return node
  end
  function parse_or()
    local node = { op = "or", parse_and() }
    while L.keyword("or") do
      node[#node + 1] = parse_and()
    end
    return node
  end
  local ok, res = pcall(function()
    if L.at_end() then
      return { op = "and" }
    end
    local e = parse_or()
    if not L.at_end() then
      fail("syntax", "trailing input")
    end
    return e
  end)
  if ok then
    return res
  end
  if type(res) ~= "table" then
    error(res, 0)
  end
  return nil, res.kind, res.msg
end

-- ---- evaluation --------------------------------------------------------------------

local function values_of(r, key)
  local v = r[key]
  if v == nil then
    return {}
  end
  if type(v) == "table" then
    return v
  end
  return { v }
end

function M:text_leaf(node, list)
  for _, v in ipairs(list) do
    local fv = self:fold(tostring(v))
    if node.op == "=" and fv == node.folded then
      return true
    end
    if node.op == "~" and fv:find(node.folded, 1, true) then
      return true
    end
  end
  return false
end

-- The documents `text` searches: title, city, each headline (a city entry of a later
-- edition has several; headline is the first), each measure, prose, category.
local function documents(r)
  local docs = {}
  for _, k in ipairs({ "title", "city" }) do
    if r[k] then
      docs[#docs + 1] = r[k]
    end
  end
  for _, h in ipairs(r.headlines or { r.headline }) do
    docs[#docs + 1] = h
  end
  for _, m in ipairs(r.measures or {}) do
    docs[#docs + 1] = m
  end
  for _, k in ipairs({ "text", "category" }) do
    if r[k] then
      docs[#docs + 1] = r[k]
    end
  end
  return docs
end

function M:search(words, docs)
  for _, d in ipairs(docs) do
    local fd = self:fold(d)
    local all = true
    for _, w in ipairs(words) do
      if not fd:find(w, 1, true) then
        all = false
        break
      end
    end
    if all then
      return true
    end
  end
  return false
end

function M:eval_leaf(n, row)
  local r, m = row.record, row.measure
  local f = n.f
  if f.type == "search" then
    if m then
      return self:search(n.words, { r.measures[m] })
    end
    return self:search(n.words, documents(r))
  end
  if f.type == "int" then
    local list
    if f.key == "measure_index" then
      list = m and { m } or {}
    else
      list = values_of(r, f.key)
    end
    for _, x in ipairs(list) do
      if (n.op == "=" and x >= n.lo and x <= n.hi) or (n.op == ">=" and x >= n.lo) or (n.op == "<=" and x <= n.hi)
        or (n.op == ">" and x > n.hi) or (n.op == "<" and x < n.lo) then
        return true
      end
    end
    return false
  end
  if f.type == "date" then
    local d = r.date
    if not d then
      return false
    end
    local v = n.value
    if n.op == "=" then
      return d:sub(1, #v) == v
    end
    return (n.op == ">=" and d >= v) or (n.op == "<=" and d <= v) or (n.op == ">" and d > v) or (n.op == "<" and d < v)
  end
  local list
  if f.key == "measures" and m then
    list = { r.measures[m] }
  else
    list = values_of(r, f.key)
  end
  if self:text_leaf(n, list) then
    return true
  end
  if f.also then
    return self:text_leaf(n, values_of(r, f.also))
  end
  return false
end

function M:match(node, row)
  if node.leaf then
    return self:eval_leaf(node, row)
  end
  if node.op == "not" then
    return not self:match(node[1], row)
  end
  if node.op == "and" then
    for _, c in ipairs(node) do
      if not self:match(c, row) then
        return false
      end
    end
    return true
  end
  for _, c in ipairs(node) do
    if self:match(c, row) then
      return true
    end
  end
  return false
end

-- opts: fold_map (character -> its Simplified character), overrides ({ from, to } as
-- written, folded here), vocab, vocab_loose (filter word -> list of values).
function M.new(opts)
  local self = setmetatable({
    fold_map = opts.fold_map,
    char_cache = {},
    fold_cache = {},
    rules_by_first = {},
    vocab = opts.vocab or {},
    vocab_loose = opts.vocab_loose or {},
  }, M)
  for _, o in ipairs(opts.overrides or {}) do
    local from, to = fold_chars(self, o[1]), fold_chars(self, o[2])
    local list = self.rules_by_first[from[1]] or {}
    self.rules_by_first[from[1]] = list
    list[#list + 1] = { from = from, to = to }
  end
  return self
end

return M
