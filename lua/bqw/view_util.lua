--- Helpers for view plugins: a builder for the renderer-neutral result, and text
--- measured in display cells (a Han character is two), by the core.
---
--- A view result is a table:
---   lines       array of strings, one per output line (no newline)
---   highlights  array of { line = L, first = B, last = E, group = "BqwTitle" }: line
---               from 1, byte columns from 0, last exclusive (nvim_buf_add_highlight's)
---   folds       array of { first = L1, last = L2 } line ranges, inclusive
---   ids         map line -> the id of the record behind it (absent for headings)
local core = require("bqw.core")
local config = require("bqw.config")

local M = {}

--- Display width of s in cells (East Asian Ambiguous characters take bqw.setup's
--- ambiwidth).
function M.width(s)
  return core.width(s, config.values.ambiwidth)
end

--- s cut to fit cells, with "…" when cut (the string only).
function M.truncate(s, cells)
  return (core.truncate(s, math.max(cells, 0), nil, config.values.ambiwidth))
end

--- s cut or padded with spaces to exactly cells (right-aligned when right is true).
function M.pad(s, cells, right)
  local used
  s, used = core.truncate(s, math.max(cells, 0), nil, config.values.ambiwidth)
  local gap = cells - used
  if gap <= 0 then
    return s
  end
  return right and (string.rep(" ", gap) .. s) or (s .. string.rep(" ", gap))
end

--- s with control characters and bidi controls made visible: "\x1b", "<U+202E>".
--- Data keeps them; terminal output and Markdown/HTML show them this way. TAB and LF
--- stay (views turn them into spaces where a line must stay one line). Shown: C0
--- controls but TAB and LF, DEL, C1 controls (U+0080–009F), the bidi embeddings and
--- overrides U+202A–202E and isolates U+2066–2069; found by the core (core.visible), as
--- a byte loop in Lua took a second per 264,000 lines of Chinese.
function M.visible(s)
  return core.visible(s)
end

--- A writer that passes what is written on to sink with the control and bidi characters of what is written made visible
--- (view_util.visible), as every view shows them on a terminal: an export to a
--- terminal must not let a crafted digest retitle it or reorder its lines. A character
--- split between two writes is held back until the next one, or flush.
function M.visible_writer(sink)
  local visible = M.visible
  -- CSV's CRLF line ends stay; a lone CR (one that rewrites the line) is shown
  local function show(s)
    local parts, pos = {}, 1
    while true do
      local crlf = s:find("\r\n", pos, true)
      parts[#parts + 1] = visible(s:sub(pos, crlf and crlf - 1 or #s))
      if not crlf then
        return table.concat(parts)
      end
      parts[#parts + 1] = "\r\n"
      pos = crlf + 2
    end
  end
  local held = ""
  local self = {}
  function self.write(_, ...)
    local s = held .. table.concat({ ... })
    local keep = s:sub(-1) == "\r" and #s - 1 or #s -- the CR of a CRLF split in two
    for i = keep, math.max(1, keep - 2), -1 do
      local b = s:byte(i)
      if b < 0x80 then
        break
      elseif b >= 0xC0 then -- the lead byte of the last character: is it whole?
        if keep - i + 1 < (b >= 0xF0 and 4 or b >= 0xE0 and 3 or 2) then
          keep = i - 1
        end
        break
      end
    end
    held = s:sub(keep + 1)
    sink:write(show(s:sub(1, keep)))
    return self
  end
  function self.flush()
    if held ~= "" then
      sink:write(show(held))
      held = ""
    end
    return sink:flush()
  end
  return self
end

--- Text on one line, newlines as spaces.
function M.one_line(s)
  return ((s or ""):gsub("\n", " "))
end

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

--- s broken into lines of at most width cells (at least 2, room for a Han character),
--- between words or characters, keeping closing punctuation off a line's start and
--- opening punctuation off its end.
function M.wrap(s, width)
  width = math.max(width, 2)
  s = M.one_line(s):gsub("%s", " ")
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
    local w = M.width(t)
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
          carry_w = carry_w + M.width(cur[c])
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
        add(c, M.width(c))
      end
      add(t, w)
    end
  end
  if #cur > 0 or #lines == 0 then
    flush()
  end
  return lines
end

local Builder = {}
Builder.__index = Builder

-- A builder with a sink hands it its lines in chunks of this many.
local CHUNK_LINES = 512

--- A fresh result builder. With sink (a function(chunk)), the lines go to sink in
--- chunks as they are made, each chunk a result whose highlights count lines from the
--- chunk's first (chunk.first is that line's number in the whole view); the builder
--- then keeps none of them, so a view of any length takes the memory of one chunk.
--- With plain, no highlights are kept (a sink that draws without colour).
function M.builder(sink, plain)
  return setmetatable({
    lines = {},
    highlights = {},
    folds = {},
    ids = {},
    tick = M.current_tick,
    sink = sink,
    base = 0,
    plain = plain,
  }, Builder)
end

--- Set by ds:view while a plugin renders (opts.tick): builders made then call it
--- every TICK_LINES lines, so a host can yield there.
M.current_tick = nil
local TICK_LINES = 256

--- Lets a host that draws in slices take its turn (ds:view's opts.tick): a plugin that
--- loops over every record without adding lines calls it every few hundred records.
function M.tick()
  if M.current_tick then
    M.current_tick()
  end
end

--- Sorts list in place by before (a strict order), stable, ticking as it goes (see
--- tick): for a plugin that orders many records itself, where table.sort would hold
--- the host. Returns list.
function M.sort(list, before)
  return require("bqw.sort").stable(list, before, M.current_tick)
end

-- Stores text as line n (id as for line), ticks every TICK_LINES lines and hands
-- the lines to the sink every CHUNK_LINES; returns n.
function Builder:_store(n, text, id)
  self.lines[n - self.base] = text
  self.ids[n - self.base] = id
  if self.tick and n % TICK_LINES == 0 then
    self.tick()
  end
  if self.sink and #self.lines >= CHUNK_LINES then
    self:flush()
  end
  return n
end

--- Adds a line made of segments: strings, or { text, group } for highlighted parts.
--- id (optional) is the record behind the line. Returns the line's number.
function Builder:line(segments, id)
  if type(segments) == "string" then
    segments = { segments }
  end
  local parts, col = {}, 0
  local n = self.base + #self.lines + 1
  for _, seg in ipairs(segments) do
    local text, group = seg, nil
    if type(seg) == "table" then
      text, group = seg[1] or "", seg[2]
    end
    parts[#parts + 1] = text
    if group and #text > 0 and not self.plain then
      self.highlights[#self.highlights + 1] = { line = n, first = col, last = col + #text, group = group }
    end
    col = col + #text
  end
  return self:_store(n, table.concat(parts), id)
end

--- Adds a line made of count cells: texts[1..count] (strings) joined, the cell j
--- highlighted with groups[j] when that is not nil; id as for line. The same as line
--- with segments { texts[j], groups[j] }, without a table per segment: a view drawing
--- many lines fills the two arrays again for each. Returns the line's number.
function Builder:cells(texts, groups, count, id)
  local n = self.base + #self.lines + 1
  if not self.plain then
    local highlights, col = self.highlights, 0
    for j = 1, count do
      local len, group = #texts[j], groups[j]
      if group and len > 0 then
        highlights[#highlights + 1] = { line = n, first = col, last = col + len, group = group }
      end
      col = col + len
    end
  end
  return self:_store(n, table.concat(texts, "", 1, count), id)
end

--- Adds a line of text without highlights (a line made whole elsewhere, the core's);
--- id as for line. Returns the line's number.
function Builder:text(text, id)
  return self:_store(self.base + #self.lines + 1, text, id)
end

--- Records a call of the core's view walks (ds:table_measure, table_lines, list_lines)
--- takes, between two ticks.
M.NATIVE_SLICE = 512

--- The query's walk, for a streaming view that lays its lines out by the core
--- (core.table_view: the cells and lines of the table and list views, without a record
--- table): { handle, script, filter, order, count, table } when the core walks the
--- query itself (Query:_native: every filter the core's, a sort it makes, no limit),
--- every column is a record field or "label", and the builder out keeps no highlights
--- (plain output); nil otherwise (the view builds its lines in Lua).
function M.native_view(ctx, columns, out)
  local q = ctx and ctx.query
  if not (out.plain and q and q._native and core.table_view) then
    return nil
  end
  local native = q:_native()
  local t = native and core.table_view({ columns = columns, script = native.script, ambiwidth = config.values.ambiwidth })
  if not t then
    return nil
  end
  native.table = t
  native.count = native.order and native.order:count() or native.last
  return native
end

--- Calls handle:name(...), one of the core's walks of a native view's records,
--- through ctx.walk (ds:view reports its failure, a user filter's, as the query's).
function M.walk(ctx, native, name, ...)
  local method = native.handle[name]
  if ctx and ctx.walk then
    return ctx.walk(method, native.handle, ...)
  end
  return method(native.handle, ...)
end

--- Draws a view the core lays out: walks native's query with the handle's method `name`
--- (list_lines, table_lines) a slice of records at a time, every line to out, then tells
--- ds:view how many were shown. ... are the method's arguments after the order.
function M.draw_walk(ctx, native, out, name, slice, ...)
  local from, shown = 1, 0
  while from do
    local lines, ids
    lines, ids, from = M.walk(ctx, native, name, native.table, native.filter, from, native.count, slice, native.order, ...)
    for i = 1, #lines do
      out:text(lines[i], ids[i])
    end
    shown = shown + #lines
  end
  M.shown(ctx, shown)
end

--- Tells ds:view how many records a view drawn by the core showed (ctx.shown).
function M.shown(ctx, n)
  if ctx and ctx.shown then
    ctx.shown(n)
  end
end

--- Hands the lines made so far to the sink (nothing without one, or with none made).
function Builder:flush()
  if not self.sink or #self.lines == 0 then
    return
  end
  local chunk = { lines = self.lines, highlights = self.highlights, folds = {}, ids = self.ids, first = self.base + 1 }
  for _, h in ipairs(chunk.highlights) do
    h.line = h.line - self.base
  end
  self.base = self.base + #self.lines
  self.lines, self.highlights, self.ids = {}, {}, {}
  self.sink(chunk)
end

--- Folds lines first..last (inclusive); ignored when the range is empty.
function Builder:fold(first, last)
  if last > first then
    self.folds[#self.folds + 1] = { first = first, last = last }
  end
end

--- The number of lines so far.
function Builder:count()
  return self.base + #self.lines
end

--- The result table.
function Builder:result()
  return { lines = self.lines, highlights = self.highlights, folds = self.folds, ids = self.ids }
end

--- The render function of a view that draws its records one after another: stream
--- is function(source, opts, ctx, out), where source() returns an iterator over the
--- records (called again for another pass, as a table sizing its columns does) and out
--- is the builder to draw into. ds:view hands a streaming view (plugin.stream) the
--- records one at a time, and the command line prints each chunk of lines as it is
--- made, so neither holds every record or line of a large view at once.
function M.render_stream(stream)
  return function(records, opts, ctx)
    local out = M.builder()
    stream(function()
      local i = 0
      return function()
        i = i + 1
        return records[i]
      end
    end, opts, ctx, out)
    return out:result()
  end
end

--- The record fields M.label reads (for a view's `fields`).
M.LABEL_FIELDS = { "kind", "title", "city", "headline", "year", "text", "date" }

--- A record's one-line label: its title, or what stands for one.
function M.label(r)
  if r.kind == "document" or r.kind == "guiding" then
    return r.title or ""
  elseif r.kind == "city" then
    return (r.city or "") .. " " .. (r.headline or "")
  elseif r.kind == "target" then
    return ("%d年 %s"):format(r.year or 0, M.one_line(r.text))
  elseif r.kind == "meeting" then
    return (r.date or "") .. " " .. M.one_line(r.text)
  end
  return M.one_line(r.title or r.text)
end

--- Adds a facet's counts ({ { value, count }, … }, as bqw.facet.count gives them) to
--- builder b: one line each, the value, the count and a bar of full blocks whose length
--- is proportional to the count (the largest fills what width leaves). indent (a
--- string) goes before each line.
function M.facet_bars(b, counts, width, indent)
  indent = indent or ""
  local label_w, count_w, max = 0, 1, 0
  for _, c in ipairs(counts) do
    label_w = math.max(label_w, M.width(tostring(c.value)))
    count_w = math.max(count_w, #tostring(c.count))
    max = math.max(max, c.count)
  end
  label_w = math.min(label_w, math.max(math.floor(width / 3), 8))
  local block = "█"
  local block_w = math.max(M.width(block), 1)
  local room = width - M.width(indent) - label_w - count_w - 4
  local cells = math.max(math.floor(room / block_w), 1)
  for _, c in ipairs(counts) do
    local n = max > 0 and math.floor(c.count * cells / max + 0.5) or 0
    if n == 0 and c.count > 0 then
      n = 1 -- a value that occurs is never drawn as nothing
    end
    b:line({
      indent,
      { M.pad(tostring(c.value), label_w), "BqwTitle" },
      "  ",
      { M.pad(tostring(c.count), count_w, true), "BqwId" },
      "  ",
      { string.rep(block, n), "BqwDim" },
    })
  end
end

--- Appends text to a builder line's segments with its spans ({ from, to }: byte
--- offsets, from exclusive) highlighted as BqwMatch, as a search shows its hits;
--- returns segments.
function M.matched(segments, text, spans)
  local pos = 0
  for _, s in ipairs(spans) do
    segments[#segments + 1] = text:sub(pos + 1, s[1])
    segments[#segments + 1] = { text:sub(s[1] + 1, s[2]), "BqwMatch" }
    pos = s[2]
  end
  segments[#segments + 1] = text:sub(pos + 1)
  return segments
end

--- Adds a line of prefix segments, then text wrapped to what is left of the width (group
--- its highlight, id the record of every line), continuation lines indented to the
--- text; with narrow (cells), when less room than that is left, the continuation lines
--- are rewrapped to start two cells in. Returns the last line's number.
function M.wrapped(b, prefix, text, group, width, id, narrow)
  local pw = 0
  for _, seg in ipairs(prefix) do
    pw = pw + M.width(type(seg) == "table" and seg[1] or seg)
  end
  local indent = pw
  if narrow and width - pw < narrow then
    indent = math.min(2, pw)
  end
  local lines = M.wrap(text, width - pw)
  local segs = {}
  for _, seg in ipairs(prefix) do
    segs[#segs + 1] = seg
  end
  segs[#segs + 1] = { lines[1] or "", group }
  b:line(segs, id)
  local rest = table.concat(lines, "", 2)
  if rest ~= "" and indent ~= pw then
    lines = M.wrap(rest, width - indent)
    for _, l in ipairs(lines) do
      b:line({ string.rep(" ", indent), { l, group } }, id)
    end
  else
    for i = 2, #lines do
      b:line({ string.rep(" ", indent), { lines[i], group } }, id)
    end
  end
  return b:count()
end

--- The result of a view of no records: one dim line "(no records)".
function M.no_records()
  local b = M.builder()
  b:line({ { "(no records)", "BqwDim" } })
  return b:result()
end

--- The highlight group of a record field's values where a view shows them (the table
--- and detail views).
M.FIELD_GROUPS = {
  id = "BqwId",
  parent = "BqwId",
  kind = "BqwKind",
  line = "BqwLine",
  measure_lines = "BqwLine",
  city = "BqwCity",
  region = "BqwRegion",
  date = "BqwDate",
  year = "BqwYear",
  years = "BqwYear",
  title = "BqwTitle",
  label = "BqwTitle",
  headline = "BqwTitle",
  measures = "BqwMeasure",
}

-- The highlight groups views use: the standard group Neovim links each to, and its
-- ANSI SGR code on a terminal (bqw.render; none: drawn plain).
local HIGHLIGHTS = {
  BqwHeading = { "Title", "1;4" },
  BqwSubheading = { "Statement", "1" },
  BqwTitle = { "Identifier", "1" },
  BqwKind = { "Type", "36" },
  BqwLine = { "LineNr", "2" },
  BqwId = { "Number", "33" },
  BqwDate = { "Constant", "32" },
  BqwYear = { "Number", "33" },
  BqwCity = { "Function", "34" },
  BqwRegion = { "Special", "35" },
  BqwMeasure = { "Normal" },
  BqwBullet = { "Delimiter", "2" },
  BqwField = { "Label", "36" },
  BqwDim = { "Comment", "2" },
  BqwMatch = { "Search", "7" },
  BqwCode = { "Underlined", "4" },
}

--- The highlight groups views use, and the standard groups Neovim links them to.
M.GROUPS = {}
--- The SGR code of each group a terminal colours.
M.ANSI = {}
for group, h in pairs(HIGHLIGHTS) do
  M.GROUPS[group], M.ANSI[group] = h[1], h[2]
end

return M
