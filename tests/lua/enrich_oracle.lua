--- Derived facts about a record, read from its own text: issuing bodies (发文机关),
--- document type (文种), the period in its title, the years it names, the places it
--- mentions, and its level. The facts (names of bodies, types, places) are in data/;
--- the rules are here. Canonical names are Simplified, whatever the text's script.
local facts = require("bqw.facts")

local M = {}

local SPACES = { " ", "\227\128\128" } -- ASCII space, U+3000
local RANGE_SEPARATORS = { "\226\128\148", "\226\128\147", "-", "~", "\239\189\158", "\232\135\179" } -- — – - ~ ～ 至

local function starts_with(s, prefix)
  return prefix ~= "" and s:sub(1, #prefix) == prefix
end

local function ends_with(s, suffix)
  return suffix ~= "" and #s >= #suffix and s:sub(-#suffix) == suffix
end

local function by_length(rows, column)
  local sorted = {}
  for i, r in ipairs(rows) do
    sorted[i] = r
  end
  table.sort(sorted, function(a, b)
    return #a[column] > #b[column]
  end)
  return sorted
end

local issuer_rows, doctype_rows

--- The bodies a title opens with: "中共廣東省委 廣東省人民政府關于…" gives both.
function M.issuers(title)
  issuer_rows = issuer_rows or by_length(facts.rows("issuers"), 1)
  local found, rest = {}, title or ""
  local progressed = true
  while progressed do
    progressed = false
    for _, r in ipairs(issuer_rows) do
      for col = 1, 2 do
        if not progressed and starts_with(rest, r[col]) then
          found[#found + 1] = r[1]
          rest = rest:sub(#r[col] + 1)
          progressed = true
        end
      end
    end
    if progressed then
      for _, sp in ipairs(SPACES) do
        while starts_with(rest, sp) do
          rest = rest:sub(#sp + 1)
        end
      end
    end
  end
  return found
end

--- A title without trailing parenthesised notes: (试行), (2023—2025年).
local function strip_trailing_parens(title)
  local changed = true
  while changed do
    changed = false
    if ends_with(title, ")") then
      local open = title:find("%([^()]*%)$")
      if open then
        title, changed = title:sub(1, open - 1), true
      end
    elseif ends_with(title, "\239\188\137") then -- ）
      local open
      local from = 1
      while true do
        local at = title:find("\239\188\136", from, true) -- （
        if not at then
          break
        end
        open, from = at, at + 1
      end
      if open then
        title, changed = title:sub(1, open - 1), true
      end
    end
  end
  return title
end

--- The document type a title ends with: "意见", and the ending as written ("实施意见").
function M.doctype(title)
  if not title then
    return nil
  end
  doctype_rows = doctype_rows or by_length(facts.rows("doctypes"), 1)
  local core_title = strip_trailing_parens(title)
  for _, r in ipairs(doctype_rows) do
    if ends_with(core_title, r[1]) or ends_with(core_title, r[2]) then
      return r[3], r[1]
    end
  end
  return nil
end

--- The period a title names: "(2023—2025年)" gives 2023, 2025.
function M.period(title)
  if not title then
    return nil
  end
  for _, sep in ipairs(RANGE_SEPARATORS) do
    local a, b = title:match("%f[%d](%d%d%d%d)" .. sep:gsub("%p", "%%%0") .. "(%d%d%d%d)\229\185\180")
    if a then
      return tonumber(a), tonumber(b)
    end
  end
  return nil
end

local function plausible(y)
  return y >= 1900 and y <= 2100
end

--- Every year the texts name ("2025年", both ends of "2023—2025年"), sorted, unique.
function M.years(texts, extra)
  local set = {}
  for _, t in ipairs(texts) do
    for y in t:gmatch("%f[%d](%d%d%d%d)\229\185\180") do
      set[tonumber(y)] = true
    end
    for _, sep in ipairs(RANGE_SEPARATORS) do
      for y in t:gmatch("%f[%d](%d%d%d%d)" .. sep:gsub("%p", "%%%0") .. "%d%d%d%d\229\185\180") do
        set[tonumber(y)] = true
      end
    end
  end
  for _, y in ipairs(extra or {}) do
    set[y] = true
  end
  local out = {}
  for y in pairs(set) do
    if plausible(y) then
      out[#out + 1] = y
    end
  end
  table.sort(out)
  return out
end

--- The gazetteer's places the texts mention, canonical names in gazetteer order.
function M.mentions(texts)
  local out = {}
  for _, place in ipairs(facts.places()) do
    local hit = false
    for _, name in ipairs(place.names) do
      for _, t in ipairs(texts) do
        if not hit and t:find(name, 1, true) then
          hit = true
        end
      end
    end
    if hit then
      out[#out + 1] = place.name
    end
  end
  return out
end

--- The texts of a record, in reading order.
function M.texts(r)
  local out = {}
  for _, key in ipairs({ "title", "headline", "text" }) do
    if r[key] then
      out[#out + 1] = r[key]
    end
  end
  for _, m in ipairs(r.measures or {}) do
    out[#out + 1] = m
  end
  return out
end

--- Adds the derived fields to a record table (in place) and returns it:
---   level           "province" or "city"
---   issuers         array of bodies (document, guiding, city with a title)
---   doctype         文种 ("意见", "方案", …) and doctype_detail (the ending as written)
---   period_from/to  the period in the title, when it names one
---   years           every year the record names (and a target's or meeting's own)
---   mentions        places of the gazetteer the record mentions
function M.record(r)
  r.level = r.kind == "city" and "city" or "province"
  local texts = M.texts(r)
  if r.title and (r.kind == "document" or r.kind == "guiding" or r.kind == "city") then
    r.issuers = M.issuers(r.title)
    r.doctype, r.doctype_detail = M.doctype(r.title)
    r.period_from, r.period_to = M.period(r.title)
  elseif r.kind == "document" or r.kind == "guiding" or r.kind == "city" then
    r.issuers = {}
  end
  local own = {}
  if r.year then
    own[1] = r.year
  end
  if r.date then
    own[#own + 1] = tonumber(r.date:sub(1, 4))
  end
  r.years = M.years(texts, own)
  r.mentions = M.mentions(texts)
  return r
end

return M
