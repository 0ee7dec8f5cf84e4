-- The digest as a tree: section → category (全省政策) or city (地市政策) → document or
-- entry → ◎ measures; the guiding document with its targets; the meetings under the
-- timeline heading. Sections, groups and records with measures fold; record and
-- measure lines carry the record's id. Titles are cut to the width with "…"; measures,
-- targets and meetings wrap to it (by display width: a Han character is two cells).
local util = require("bqw.view_util")

local BULLET = "◎ "
local INDENT = "  "

-- Closing punctuation that should not open a wrapped line.
local NO_START = {}
for _, p in ipairs({ "，", "。", "、", "；", "：", "？", "！", "）", "」", "』", "”", "’", "》", "〉", "…", ",", ".", ";", ":", "?", "!", ")" }) do
  NO_START[p] = true
end

-- Opening punctuation that should not close one.
local NO_END = {}
for _, p in ipairs({ "“", "‘", "《", "〈", "（", "「", "『", "(" }) do
  NO_END[p] = true
end

-- Pieces a line may break between: runs of ASCII non-space characters, single spaces,
-- single other characters.
local function pieces(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:byte(i)
    local j = i
    if c < 128 and c ~= 32 then
      j = (s:find("[ \128-\255]", i) or n + 1) - 1
    elseif c >= 128 then
      while j < n and s:byte(j + 1) >= 128 and s:byte(j + 1) < 192 do
        j = j + 1
      end
    end
    out[#out + 1] = s:sub(i, j)
    i = j + 1
  end
  return out
end

-- s broken into lines of at most width cells (at least 2, room for a Han character).
local function wrap(s, width)
  width = math.max(width, 2)
  s = util.one_line(s):gsub("%s", " ")
  local lines, cur, curw = {}, {}, 0
  local function flush()
    local text = table.concat(cur):gsub(" +$", "")
    lines[#lines + 1] = text
    cur, curw = {}, 0
  end
  local function add(t, w)
    if curw == 0 and t == " " then
      return
    end
    cur[#cur + 1] = t
    curw = curw + w
  end
  for _, t in ipairs(pieces(s)) do
    local w = util.width(t)
    if curw + w <= width then
      add(t, w)
    elseif t == " " then
      flush()
    elseif w > width then
      for ch in t:gmatch(".") do
        if curw + 1 > width then
          flush()
        end
        add(ch, 1)
      end
    else
      -- Closing punctuation does not open a line: the character before it (and any
      -- closing punctuation between) moves down with it, when that fits.
      local k = #cur
      if NO_START[t] then
        while k > 1 and NO_START[cur[k]] do
          k = k - 1
        end
      end
      local carry, carry_w = {}, 0
      if NO_START[t] and k > 1 and cur[k] ~= " " then
        for c = k, #cur do
          carry[#carry + 1] = cur[c]
          carry_w = carry_w + util.width(cur[c])
        end
        if carry_w + w <= width then
          for _ = k, #cur do
            table.remove(cur)
          end
          curw = curw - carry_w
        else
          carry = {}
        end
      end
      if #carry == 0 and #cur > 1 and NO_END[cur[#cur]] then
        -- Opening punctuation does not close a line.
        carry[1] = table.remove(cur)
      end
      flush()
      for _, c in ipairs(carry) do
        add(c, util.width(c))
      end
      add(t, w)
    end
  end
  if #cur > 0 or #lines == 0 then
    flush()
  end
  return lines
end

local function line_ref(r)
  return ("L%-4d "):format(r.line)
end

-- Adds prefix segments then text wrapped to what is left of the width; continuation
-- lines are indented to the text. Returns the last line's number.
local function wrapped(b, prefix, text, group, width, id)
  local pw = 0
  for _, seg in ipairs(prefix) do
    pw = pw + util.width(type(seg) == "table" and seg[1] or seg)
  end
  local last
  for i, piece in ipairs(wrap(text, width - pw)) do
    local segs = {}
    if i == 1 then
      for _, seg in ipairs(prefix) do
        segs[#segs + 1] = seg
      end
    else
      segs[1] = string.rep(" ", pw)
    end
    segs[#segs + 1] = { piece, group }
    last = b:line(segs, id)
  end
  return last
end

-- A record's own line (title cut to the width), then its measures; folds them.
local function record_lines(b, r, indent, width)
  local first
  local ref = line_ref(r)
  local room = width - util.width(indent) - util.width(ref)
  if r.kind == "target" then
    return wrapped(b, { indent, { ref, "BqwLine" }, { tostring(r.year or ""), "BqwYear" }, "  " }, r.text or "", nil, width, r.id)
  elseif r.kind == "meeting" then
    return wrapped(b, { indent, { ref, "BqwLine" }, { r.date or "", "BqwDate" }, "  " }, r.text or "", nil, width, r.id)
  end
  local label = util.one_line(r.kind == "city" and r.headline or util.label(r))
  first = b:line({ indent, { ref, "BqwLine" }, { util.truncate(label, room), "BqwTitle" } }, r.id)
  local last = first
  for _, m in ipairs(r.measures or {}) do
    last = wrapped(b, { indent .. INDENT, { BULLET, "BqwBullet" } }, m, "BqwMeasure", width, r.id)
  end
  b:fold(first, last)
  return last
end

local function heading(b, text, count, group, indent, width, extra)
  local segs = { indent }
  local room = width - util.width(indent)
  local tail = "  " .. tostring(count)
  local ew = extra and (util.width(extra[1]) + 2) or 0
  local t = util.truncate(text, math.max(room - util.width(tail) - ew, 1))
  segs[#segs + 1] = { t, group }
  if extra then
    segs[#segs + 1] = "  "
    segs[#segs + 1] = extra
  end
  segs[#segs + 1] = { tail, "BqwDim" }
  return b:line(segs)
end

-- Groups records by key, in order of first appearance.
local function group_by(records, key_of)
  local groups, index = {}, {}
  for _, r in ipairs(records) do
    local k = key_of(r)
    if not index[k] then
      index[k] = { key = k, records = {}, first = r }
      groups[#groups + 1] = index[k]
    end
    local g = index[k]
    g.records[#g.records + 1] = r
  end
  return groups
end

local function render_groups(b, groups, width, group_heading)
  local last
  for _, g in ipairs(groups) do
    local first = group_heading(g)
    for _, r in ipairs(g.records) do
      last = record_lines(b, r, INDENT .. INDENT, width)
    end
    b:fold(first, last)
  end
  return last
end

-- The guiding section: each guiding document with its targets under it; targets whose
-- document is not among the records stand on their own.
local function render_guiding(b, records, width)
  local present = {}
  for _, r in ipairs(records) do
    if r.kind == "guiding" then
      present[r.id] = true
    end
  end
  local last, open_first
  for _, r in ipairs(records) do
    if r.kind == "target" and r.parent and present[r.parent] then
      last = record_lines(b, r, INDENT .. INDENT, width)
    else
      if open_first then
        b:fold(open_first, last)
      end
      local start = b:count() + 1
      last = record_lines(b, r, INDENT, width)
      open_first = r.kind == "guiding" and start or nil
    end
  end
  if open_first then
    b:fold(open_first, last)
  end
  return last
end

local function render(records, opts)
  local b = util.builder()
  local width = opts.width or 100
  if #records == 0 then
    b:line({ { "(no records)", "BqwDim" } })
    return b:result()
  end
  local sections = group_by(records, function(r)
    return r.section or "other"
  end)
  for si, s in ipairs(sections) do
    if si > 1 then
      b:line("")
    end
    local title = s.first.section_title or s.key
    local first = heading(b, title, #s.records, "BqwHeading", "", width)
    local last
    if s.key == "province" then
      last = render_groups(
        b,
        group_by(s.records, function(r)
          return r.category or "—"
        end),
        width,
        function(g)
          return heading(b, g.key, #g.records, "BqwSubheading", INDENT, width)
        end
      )
    elseif s.key == "city" then
      last = render_groups(
        b,
        group_by(s.records, function(r)
          return r.city or "—"
        end),
        width,
        function(g)
          return heading(b, g.key, #g.records, "BqwCity", INDENT, width, g.first.region and { g.first.region, "BqwRegion" })
        end
      )
    elseif s.key == "guiding" then
      last = render_guiding(b, s.records, width)
    else
      for _, r in ipairs(s.records) do
        last = record_lines(b, r, INDENT, width)
      end
    end
    b:fold(first, last or first)
  end
  return b:result()
end

return {
  name = "tree",
  kind = "view",
  description = "Section → category or city → document or entry → measures; targets under the guiding document, meetings under the timeline.",
  render = render,
  wrap = wrap,
}
