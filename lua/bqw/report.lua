--- bqw report: one self-contained HTML page about the digest (no network: inline CSS,
--- inline SVG charts, a little vanilla JavaScript). Headline counts; bar charts of the
--- city entries and measures by region and city, the provincial documents by category
--- and document type, the documents by issuer; the meetings and targets on a time
--- axis; then every record in a table with a search box and facet checkboxes that
--- filter it in the page. Each record row is linkable (#r27) and names its source line.
--- Counts come from the dataset's facets (in C when the core tests the filter), as
--- `bqw facet` counts them; the records stream into the table one at a time; escaping
--- and the page's common style from bqw.html_util, shared with the HTML export.
---
--- The page reads its URL's fragment: #q=TEXT fills the search box, so a link (or a
--- headless browser) can open it filtered. The timeline's points link their records'
--- rows; past the rows the table holds, a labelled point's row is kept in a <template>
--- and put in the table when followed, any other point shows a `bqw view detail` command.
local html = require("bqw.html_util")
local escape = html.escape

local M = {}

local STYLE = [[
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; min-width: 8em; }
.card b { display: block; font-size: 1.6em; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(26em, 100%), 1fr)); gap: 1.5em; }
figure { margin: 0; min-width: 0; break-inside: avoid; page-break-inside: avoid; }
figure.timeline { margin-top: 1.5em; }
figcaption { font-weight: bold; margin-bottom: 0.3em; break-after: avoid; page-break-after: avoid; }
figure svg { display: block; width: 100%; height: auto; }
h1, h2 { break-after: avoid; page-break-after: avoid; }
svg text { font-family: inherit; font-size: 12px; fill: #222; }
svg .bar { fill: #3b7dd8; }
svg .bar2 { fill: #e08a2c; }
svg .axis { stroke: #999; }
svg .lead { stroke: #bbb; }
#filters { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; margin: 1em 0; }
#filters fieldset { border: 1px solid #ddd; padding: 0.2em 0.6em; }
#q { font-size: 1em; padding: 0.3em; min-width: 16em; }
.bound { border-left: 4px solid #e08a2c; padding: 0.3em 0.8em; background: #fdf6ee; }
.bound code, #more code { user-select: all; }
#more { border-left: 4px solid #d33; padding: 0.3em 0.8em; background: #fdeeee; }
tr:target, tr.picked { outline: 2px solid #e08a2c; }
td.src { color: #777; white-space: nowrap; }
@page { margin: 15mm 14mm; }
@media print {
  #filters, #more, .noprint { display: none; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .charts { grid-template-columns: 1fr 1fr; gap: 1em 1.5em; }
  h2 { margin-top: 1.2em; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
]]

-- Filters the table: the search box as `bqw search` answers (the words must all occur in
-- one of a record's texts, data-s: title, city, headline, each measure, prose, category as
-- published; query and texts folded by FOLD, bqw's fold of every character whose fold is a
-- character of those texts, then by RULES, the conversion overrides that can apply, by
-- maximum match from the left), and the checked values of each facet. Kept small and
-- dependency-free; FOLD and RULES are written in front of it.
local SCRIPT = [=[
(function () {
  var q = document.getElementById('q');
  var table = document.getElementById('records');
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[type=checkbox]'));
  var shown = document.getElementById('shown');
  var paging = document.getElementById('paging');
  // the matching rows are drawn PAGE at a time (a hidden row costs the browser no layout)
  var PAGE = Number(table.getAttribute('data-page')), limit = PAGE;
  var more = document.getElementById('more');
  var total = Number(table.getAttribute('data-total'));
  var rules = {};
  RULES.forEach(function (r) {
    var from = Array.from(r[0]);
    (rules[from[0]] = rules[from[0]] || []).push({ from: from, to: Array.from(r[1]) });
  });
  function fold(s) {
    var cs = Array.from(s, function (c) { return FOLD[c] || c; });
    var out = [];
    for (var i = 0; i < cs.length;) {
      var best = null;
      (rules[cs[i]] || []).forEach(function (r) {
        if (best && best.from.length >= r.from.length) { return; }
        for (var k = 0; k < r.from.length; k++) { if (cs[i + k] !== r.from[k]) { return; } }
        best = r;
      });
      if (best) { out.push.apply(out, best.to); i += best.from.length; } else { out.push(cs[i]); i++; }
    }
    return out.join('');
  }
  // a --where string literal, and a word for a POSIX shell
  function lit(s) { return '"' + s.replace(/[\\"]/g, '\\$&') + '"'; }
  function sh(s) { return /^[\w@%+=:,.\/-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'"; }
  // the page's filter as a --where of bqw: the report's own, the words (text~ selects
  // what bqw search finds), the checked values of each facet
  function where(words, want) {
    var parts = [];
    var base = table.getAttribute('data-where');
    if (base) { parts.push('(' + base + ')'); }
    if (words.length) { parts.push('text~' + lit(words.join(' '))); }
    Object.keys(want).forEach(function (f) {
      parts.push('(' + want[f].map(function (v) { return f + '=' + lit(v); }).join(' or ') + ')');
    });
    return parts.join(' and ');
  }
  // each row's texts, folded, made at the first search (not while the page opens)
  var docs = null;
  function texts() {
    if (!docs) {
      docs = rows.map(function (tr) { return JSON.parse(tr.getAttribute('data-s') || '[]').map(fold); });
    }
    return docs;
  }
  function apply(how) {
    limit = how === 'next' ? limit + PAGE : how === 'all' ? rows.length : PAGE;
    var raw = q.value.split(/\s+/).filter(Boolean);
    var words = raw.map(fold);
    var want = {};
    boxes.forEach(function (b) {
      if (b.checked) { (want[b.name] = want[b.name] || []).push(b.value); }
    });
    var n = 0;
    rows.forEach(function (tr, i) {
      var ok = words.length === 0 || texts()[i].some(function (d) {
        return words.every(function (w) { return d.indexOf(w) >= 0; });
      });
      Object.keys(want).forEach(function (f) {
        var v = (tr.getAttribute('data-' + f) || '').split('|');
        if (!want[f].some(function (x) { return v.indexOf(x) >= 0; })) { ok = false; }
      });
      if (ok) { n++; }
      tr.hidden = !ok || n > limit;
    });
    shown.textContent = n;
    paging.hidden = n <= limit;
    paging.querySelectorAll('.drawn').forEach(function (e) { e.textContent = Math.min(n, limit); });
    document.body.setAttribute('data-shown', n);
    var filtered = raw.length > 0 || Object.keys(want).length > 0;
    if (more) {
      more.hidden = !filtered;
      if (filtered) {
        var w = sh(where(raw, want)), data = table.getAttribute('data-data') || '';
        more.querySelector('.n').textContent = n;
        more.querySelector('.list').textContent = 'bqw list' + data + ' --where ' + w;
        more.querySelector('.export').textContent = 'bqw export' + data + ' --format xlsx --where ' + w + ' -o matches.xlsx';
      }
    }
  }
  q.addEventListener('input', apply);
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  paging.querySelector('.next').addEventListener('click', function () { apply('next'); });
  paging.querySelector('.all').addEventListener('click', function () { apply('all'); });
  // #r27: the row, even when it is past the rows drawn
  function reveal() {
    var r = /^#(r\d+)$/.exec(location.hash), tr = r && document.getElementById(r[1]);
    if (tr && tr.hidden) { tr.hidden = false; tr.scrollIntoView(); }
  }
  window.addEventListener('hashchange', reveal);
  var m = /(?:^#|&)q=([^&]*)/.exec(location.hash);
  if (m) { q.value = decodeURIComponent(m[1]); }
  apply();
  reveal();
})();
]=]

-- The timeline's links (#r27) to records the table does not hold (past its first
-- ROWS): a labelled point's row, kept in <template id="timeline-rows">, is put at the
-- end of the table and shown; any other, the notice under the timeline gives the
-- command that shows the record. Its own script, after SCRIPT (whose search never
-- hides a row put there).
local TIMELINE_SCRIPT = [=[
(function () {
  var table = document.getElementById('records');
  var kept = document.getElementById('timeline-rows');
  var away = document.getElementById('away');
  function show() {
    var m = /^#r(\d+)$/.exec(location.hash);
    if (away) { away.hidden = true; }
    if (!m || !table || document.getElementById('r' + m[1])) { return; }
    var tr = kept && kept.content.querySelector('tr[data-r="' + m[1] + '"]');
    if (tr) {
      tr = document.importNode(tr, true);
      tr.id = 'r' + m[1];
      tr.classList.add('picked');
      table.tBodies[0].appendChild(tr);
      tr.scrollIntoView();
    } else if (away) {
      away.querySelectorAll('.id').forEach(function (e) { e.textContent = m[1]; });
      away.querySelector('.cmd').textContent =
        'bqw view detail' + (table.getAttribute('data-data') || '') + ' --where id=' + m[1];
      away.hidden = false;
      away.scrollIntoView({ block: 'nearest' });
    }
  }
  window.addEventListener('hashchange', show);
  show();
})();
]=]

local FACETS = { "kind", "region", "category", "doctype" }

--- The records the table holds at most (the first, in the query's order): the page stays
--- a few MB whatever the digest's size; the counts and charts count every record, and
--- the page gives the commands that list or export the rest.
M.ROWS = 2000
--- The rows drawn at once (the others are hidden until asked for: a browser lays out only
--- these, so the page opens at once).
M.PAGE = 200

-- s as one word for a POSIX shell.
local function shell_word(s)
  if s:match("^[%w@%%+=:,./_-]+$") then
    return s
  end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- n with thousands separators: 264,376.
local function thousands(n)
  local s = tostring(n)
  local k
  repeat
    s, k = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until k == 0
  return s
end

-- The texts `bqw search` searches in a record (as published), in its index's order.
local function search_texts(r)
  local t = {}
  for _, k in ipairs({ "title", "city", "headline" }) do
    t[#t + 1] = r[k]
  end
  for _, m in ipairs(r.measures or {}) do
    t[#t + 1] = m
  end
  t[#t + 1] = r.text
  t[#t + 1] = r.category
  return t
end

-- Every character from U+0021 to U+2FFFF but the surrogates and U+007F, as UTF-8, one a
-- line, built byte by byte (no utf8 library in LuaJIT).
local function all_chars(out)
  local char = string.char
  for b = 0x21, 0x7E do
    out[#out + 1] = char(b)
  end
  for b1 = 0xC2, 0xDF do
    for b2 = 0x80, 0xBF do
      out[#out + 1] = char(b1, b2)
    end
  end
  for b1 = 0xE0, 0xEF do
    for b2 = b1 == 0xE0 and 0xA0 or 0x80, b1 == 0xED and 0x9F or 0xBF do
      for b3 = 0x80, 0xBF do
        out[#out + 1] = char(b1, b2, b3)
      end
    end
  end
  for b2 = 0x90, 0xAF do
    for b3 = 0x80, 0xBF do
      for b4 = 0x80, 0xBF do
        out[#out + 1] = char(0xF0, b2, b3, b4)
      end
    end
  end
  return out
end
local CHAR = "[%z\1-\127\194-\244][\128-\191]*"

-- bqw's fold of every character that it changes, in planes 0-2 (the Traditional
-- characters, full-width forms and capitals): { [char] = folded char }, made once.
local changed_by_fold
local function fold_table()
  if changed_by_fold then
    return changed_by_fold
  end
  local chars = all_chars({})
  -- one character a line: the overrides (phrases) cannot apply, bqw_fold is per character
  local folded = require("bqw.core").fold(table.concat(chars, "\n"))
  local t, i = {}, 0
  for f in (folded .. "\n"):gmatch("([^\n]*)\n") do
    i = i + 1
    if f ~= chars[i] then
      t[chars[i]] = f
    end
  end
  changed_by_fold = t
  return t
end

-- A JavaScript string literal of s (inside <script>: no "<", no line separators).
local function js_string(s)
  return '"' .. s:gsub('[%c"\\<]', function(c)
    return ("\\u%04x"):format(c:byte())
  end):gsub("\226\128\168", "\\u2028"):gsub("\226\128\169", "\\u2029") .. '"'
end

-- The page's fold: FOLD, each character whose fold is a character of the folded texts
-- the page holds (chars: a set of them), and RULES, the conversion overrides (from,
-- to, folded character by character) whose either side is made of those characters.
local function fold_script(chars)
  local t = fold_table()
  local out = { "var FOLD = {" }
  local keys = {}
  for c, f in pairs(t) do
    if chars[f] then
      keys[#keys + 1] = c
    end
  end
  table.sort(keys)
  for i, c in ipairs(keys) do
    out[#out + 1] = (i > 1 and "," or "") .. js_string(c) .. ":" .. js_string(t[c])
  end
  out[#out + 1] = "};\nvar RULES = ["
  local core, n = require("bqw.core"), 0
  local function charfold(s)
    return (s:gsub(CHAR, t))
  end
  local function within(s)
    for c in s:gmatch(CHAR) do
      if not chars[c] then
        return false
      end
    end
    return true
  end
  for _, name in ipairs({ "convert-overrides", "convert-zhe" }) do
    for line in (core.fact_table(name) or ""):gmatch("[^\n]+") do
      local from, _, to = line:match("^([^#\t][^\t]*)\t([^\t]*)\t([^\t]*)")
      if from then
        from, to = charfold(from), charfold(to)
        if within(from) or within(to) then
          n = n + 1
          out[#out + 1] = (n > 1 and "," or "") .. "[" .. js_string(from) .. "," .. js_string(to) .. "]"
        end
      end
    end
  end
  out[#out + 1] = "];\n"
  return table.concat(out)
end

-- The width of s in an SVG text of FONT px, over-estimated (a CJK or other non-ASCII
-- character a full em, wide Latin letters 0.95 em, other ASCII 0.65 em), so that what is
-- laid out by it stays clear of the lines beside it in any of FONT_STACK's fonts.
local FONT = 12
local function text_width(s)
  local wd = 0
  for c in s:gmatch(CHAR) do
    if #c > 1 then
      wd = wd + FONT
    elseif c:match("[MWmw@%%]") then
      wd = wd + 0.95 * FONT
    else
      wd = wd + 0.65 * FONT
    end
  end
  return wd
end

-- s cut at a character boundary, with "…", to fit room (units of text_width); "" when
-- not even "…" fits.
local function fit(s, room)
  if text_width(s) <= room then
    return s
  end
  local out, wd = {}, FONT -- the ellipsis
  for c in s:gmatch(CHAR) do
    local cw = text_width(c)
    if wd + cw > room then
      break
    end
    out[#out + 1] = c
    wd = wd + cw
  end
  return wd <= room and table.concat(out) .. "…" or ""
end

-- Bars drawn at most; a facet of more values ends in a line saying how many more (bqw
-- facet lists them all).
local MAX_BARS = 30

--- A horizontal bar chart as inline SVG, as wide as its column (never wider than drawn):
--- counts = { { value, count }, … }; field names the facet for the "more" line.
local function bars(caption, counts, class, field)
  if #counts == 0 then
    return ""
  end
  local row, label_w, chart_w, num_w = 22, 170, 240, 60
  local max = 0
  for _, c in ipairs(counts) do
    max = math.max(max, c.count)
  end
  local drawn = math.min(#counts, MAX_BARS)
  local h = row * (drawn + (#counts > drawn and 1 or 0)) + 6
  local width = label_w + chart_w + num_w
  local out = {
    ("<figure><figcaption>%s</figcaption>"):format(escape(caption)),
    ('<svg role="img" aria-label="%s" viewBox="0 0 %d %d" style="max-width:%dpx">'):format(
      escape(caption), width, h, width),
  }
  for i = 1, drawn do
    local c = counts[i]
    local y = (i - 1) * row + 3
    local w = max > 0 and math.max(math.floor(c.count * chart_w / max + 0.5), 1) or 0
    local label = tostring(c.value)
    out[#out + 1] = ('<text x="%d" y="%d" text-anchor="end">%s</text>'):format(
      label_w - 6, y + 14, escape(fit(label, label_w - 10)))
    out[#out + 1] = ('<rect class="%s" x="%d" y="%d" width="%d" height="%d"><title>%s: %d</title></rect>'):format(
      class or "bar", label_w, y, w, row - 6, escape(label), c.count)
    out[#out + 1] = ('<text x="%d" y="%d">%d</text>'):format(label_w + w + 4, y + 14, c.count)
  end
  if #counts > drawn then
    out[#out + 1] = ('<text x="%d" y="%d">… %d more (bqw facet %s)</text>'):format(
      label_w - 100, drawn * row + 17, #counts - drawn, field or "")
  end
  out[#out + 1] = "</svg></figure>"
  return table.concat(out, "\n")
end

--- A facet's items ordered by their measures (then pinyin), as counts of measures.
local function by_measures(items)
  local collate = require("bqw.collate")
  local out = {}
  for i, c in ipairs(items) do
    out[i] = { value = c.value, count = c.measures or 0 }
  end
  table.sort(out, function(a, b)
    if a.count ~= b.count then
      return a.count > b.count
    end
    return collate.less(a.value, b.value)
  end)
  return out
end

--- Days since 1970-01-01 of a "YYYY-MM-DD" date (proleptic Gregorian), for the axis.
local function days(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- Points labelled on the time axis; a larger digest's further points are drawn
-- without a label (the table lists them all).
local MAX_LABELS = 60
local ROW = 16 -- the labels' pitch: 60 of them and the axis fit a printed page

--- Meetings (by date) and targets (by year, at its start) on one time axis; records
--- iterates over them (only meetings and targets are asked for). Records on the same
--- day and of the same kind make one point ("×3"), so a digest repeating its dates
--- stays one point per date and memory stays with the distinct dates.
local function timeline(records)
  local points, by_key = {}, {}
  for r in records do
    local t, label, class
    if r.kind == "meeting" and r.date then
      local y, m, d = r.date:match("^(%d+)-(%d+)-(%d+)$")
      if y then
        t, label, class = days(tonumber(y), tonumber(m), tonumber(d)), r.date, "bar"
      end
    elseif r.kind == "target" and r.year then
      t, label, class = days(r.year, 1, 1), ("%d target"):format(r.year), "bar2"
    end
    if t then
      local key = class .. t
      local p = by_key[key]
      if p then
        p.n = p.n + 1
      else
        local text = (r.text or ""):gsub("\n", " ")
        p = { t = t, id = r.id, text = require("bqw").truncate(text, 72), label = label, class = class, n = 1 }
        by_key[key] = p
        points[#points + 1] = p
      end
    end
  end
  if #points == 0 then
    return "", {}
  end
  local lo, hi = points[1].t, points[1].t
  for _, p in ipairs(points) do
    lo, hi = math.min(lo, p.t), math.max(hi, p.t)
  end
  local first_year = math.floor(lo / 365.2425 + 1970)
  local last_year = math.floor(hi / 365.2425 + 1970) + 1
  lo, hi = days(first_year, 1, 1), days(last_year, 1, 1)
  local w, left, right = 900, 20, 20
  local function x(t)
    return left + (t - lo) * (w - left - right) / math.max(hi - lo, 1)
  end
  -- the targets first, then the earliest meetings, are labelled; the others are circles
  table.sort(points, function(a, b)
    if a.class ~= b.class then
      return a.class == "bar2"
    end
    return a.t < b.t or (a.t == b.t and a.id < b.id)
  end)
  local n = math.min(#points, MAX_LABELS)
  local labelled = {}
  for i = 1, n do
    labelled[i] = points[i]
  end
  table.sort(labelled, function(a, b)
    return a.t < b.t or (a.t == b.t and a.id < b.id)
  end)
  for i = 1, n do
    points[i] = labelled[i]
  end
  -- Each labelled point has a row of its own; its leader line runs from the axis down to
  -- that row. The first k points (in time) label to the right of their line, in rows from
  -- the latest up; the others to the left of it, in rows below those, from the earliest
  -- down. So a line only passes the rows above its own, where every label lies on the
  -- side away from it, and a right-hand label must end before the first left-labelled
  -- point's line (those run past every right-hand row). k is chosen to show most text.
  local GAP, EDGE = 5, 2
  local px, need = {}, {}
  for i = 1, n do
    local p = points[i]
    px[i] = x(p.t)
    p.head = p.label .. (p.n > 1 and (" ×%d"):format(p.n) or "")
    need[i] = text_width(p.head .. "  " .. p.text)
  end
  local function room(i, k)
    if i <= k then
      return math.min(k < n and px[k + 1] - GAP or w - EDGE, w - EDGE) - (px[i] + GAP)
    end
    return px[i] - GAP - EDGE
  end
  local best_k, best = 0, nil
  for k = 0, n do
    local score = 0
    for i = 1, n do
      local r = room(i, k)
      score = score + math.min(need[i], r) - (r < text_width(points[i].head) and 10000 or 0)
    end
    if not best or score > best then
      best_k, best = k, score
    end
  end
  local k = best_k
  local h = 70 + ROW * n + (#points > n and ROW or 0)
  local out = {
    '<figure class="timeline"><figcaption>会议与目标 Meetings and targets</figcaption>',
    ('<svg role="img" aria-label="timeline" viewBox="0 0 %d %d">'):format(w, h),
    ('<line class="axis" x1="%d" y1="40" x2="%d" y2="40"/>'):format(left, w - right),
  }
  for year = first_year, last_year do
    local tx = x(days(year, 1, 1))
    out[#out + 1] = ('<line class="axis" x1="%.1f" y1="34" x2="%.1f" y2="46"/><text x="%.1f" y="28" text-anchor="middle">%d</text>'):format(
      tx, tx, tx, year)
  end
  for i = n + 1, #points do
    local p = points[i]
    out[#out + 1] = ('<a href="#r%d"><circle class="%s" cx="%.1f" cy="40" r="5"/></a>'):format(p.id, p.class, x(p.t))
  end
  for i = 1, n do
    local p = points[i]
    local row = i <= k and k - i + 1 or i
    local py = 60 + ROW * (row - 1)
    local label = fit(p.head .. "  " .. p.text, room(i, k))
    local tx, anchor = px[i] + GAP, "start"
    if i > k then
      tx, anchor = px[i] - GAP, "end"
    end
    out[#out + 1] = table.concat({
      ('<a href="#r%d"><circle class="%s" cx="%.1f" cy="40" r="5"/>'):format(p.id, p.class, px[i]),
      ('<line class="lead" x1="%.1f" y1="45" x2="%.1f" y2="%d"/>'):format(px[i], px[i], py),
      ('<text x="%.1f" y="%d" text-anchor="%s"><title>%s</title>%s</text></a>'):format(
        tx, py + 4, anchor, escape(p.head .. "  " .. p.text), escape(label)),
    })
  end
  if #points > n then
    out[#out + 1] = ('<text x="%d" y="%d">… %d more (bqw list --where "kind=meeting or kind=target")</text>'):format(
      left, 60 + ROW * n + 4, #points - n)
  end
  out[#out + 1] = "</svg>"
  -- a point whose record the table does not hold, and the page does not keep: the command
  out[#out + 1] = '<p id="away" class="bound noprint" hidden>记录 <b class="id"></b> 不在本页的表格中。'
    .. 'Record <b class="id"></b> is not among the records this page holds; show it with '
    .. '<code class="cmd"></code></p></figure>'
  local ids = {}
  for i = 1, n do
    ids[i] = points[i].id
  end
  return table.concat(out, "\n"), ids
end

--- Writes the report of a query's records to out. q is a query of ds (ds:query(where,
--- { script })), iterated once for the table, a row written per record as it comes;
--- the counts and charts are facets of q, which the core counts without building
--- records when it can test q's filter itself (the meetings and targets of the
--- timeline are the only other records built). ctx: script, where (shown), name (the
--- source file's name), version, meta.
function M.write(out, ds, q, ctx)
  local title = html.title(ctx.script)
  local w = function(...)
    out:write(...)
  end
  local function facet_of(query, field, with_measures)
    return assert(ds:_facet_query(query, field, ctx.script, nil, with_measures))
  end
  w("<!doctype html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n")
  w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
  w('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; ')
  w('style-src &#39;unsafe-inline&#39;; script-src &#39;unsafe-inline&#39;">\n')
  w('<meta name="generator" content="bqw ', escape(ctx.version or "?"), '">\n')
  w("<title>", escape(title), " · 报告 report</title>\n<style>\n", html.STYLE, STYLE, require("bqw.report_code").STYLE, "</style>\n</head>\n<body>\n")
  w("<h1>", escape(title), "</h1>\n")
  local meta = ctx.meta or {}
  if meta.source or meta.source_note then
    w('<p class="meta">', html.lines(table.concat({ meta.source_note or "", meta.source or "" }, " ")), "</p>\n")
  end
  if ctx.where then
    w('<p class="meta">筛选 Filter: <code>', escape(ctx.where), "</code></p>\n")
  end

  local kinds, total, measures = {}, 0, 0
  for _, c in ipairs(facet_of(q, "kind", true)) do
    kinds[c.value] = c.count
    total = total + c.count
    measures = measures + c.measures
  end
  w('<div class="cards">\n')
  for _, card in ipairs({
    { "记录 records", total },
    { "措施 measures", measures },
    { "省级文件 provincial documents", kinds.document or 0 },
    { "地市 city entries", kinds.city or 0 },
    { "会议 meetings", kinds.meeting or 0 },
    { "目标 targets", kinds.target or 0 },
  }) do
    w('<div class="card"><b>', card[2], "</b>", escape(card[1]), "</div>\n")
  end
  w("</div>\n")

  local cities = q:where("kind=city")
  local docs = q:where("kind=document")
  local regions = facet_of(cities, "region", true)
  w('<h2>图表 Charts</h2>\n<div class="charts">\n')
  w(bars("各区域地市 City entries by region", regions, "bar", "region"), "\n")
  w(bars("各区域措施 Measures by region", by_measures(regions), "bar2", "region"), "\n")
  w(bars("各地市措施 Measures by city", by_measures(facet_of(cities, "city", true)), "bar2", "city"), "\n")
  w(bars("省级文件·类别 Provincial documents by category", facet_of(docs, "category"), "bar", "category"), "\n")
  w(bars("省级文件·文种 Provincial documents by type", facet_of(docs, "doctype"), "bar", "doctype"), "\n")
  w(bars("发文机关 Documents by issuer", facet_of(q, "issuer"), "bar", "issuer"), "\n")
  local timeline_html, labelled = timeline(q:where("kind=meeting or kind=target"):iter())
  w("</div>\n", timeline_html, "\n")
  w(require("bqw.report_code").section(ds, q, ctx.script))

  w('<h2>记录 Records</h2>\n<div id="filters" class="noprint">\n')
  w('<label>搜索 Search <input id="q" type="search" placeholder="振兴, 广州, 2027…"></label>\n')
  for _, f in ipairs(FACETS) do
    local counts = facet_of(q, f)
    if #counts > 0 then
      w("<fieldset><legend>", escape(f), "</legend>\n")
      for _, c in ipairs(counts) do
        w('<label><input type="checkbox" name="', escape(f), '" value="', escape(c.value), '"> ', escape(c.value),
          " (", c.count, ")</label><br>\n")
      end
      w("</fieldset>\n")
    end
  end
  local held = math.min(total, ctx.rows or M.ROWS)
  w('<p><span id="shown">', held, "</span> / ", held, " shown</p>\n</div>\n")
  local page = ctx.page or M.PAGE
  local data = ds:name():match("^%(embedded%)") and "" or " --data " .. shell_word(ds:name())
  local where = ctx.where and " --where " .. shell_word(ctx.where) or ""
  if held < total then
    w('<p class="bound">本页列出前 ', thousands(held), " 条，共 ", thousands(total), " 条。The table lists the first ",
      thousands(held), " of the ", thousands(total),
      " records (the counts and charts above count them all); the search box and the boxes search these. ",
      "All of them: <code>bqw export", escape(data .. where), " --format xlsx -o records.xlsx</code></p>\n")
    w('<div id="more" class="noprint" hidden><p><span class="n"></span> 条匹配 matches among the ',
      thousands(held), " records this page holds. The other ", thousands(total - held),
      " records may hold more; list them all:<br><code class=\"list\"></code><br>",
      'or export them: <code class="export"></code></p></div>\n')
  end
  w('<p id="paging" class="noprint"', held > page and "" or " hidden", '>已显示前 <span class="drawn">',
    math.min(held, page), '</span> 条 The first <span class="drawn">', math.min(held, page),
    '</span> rows are shown: <button type="button" class="next">再显示 ', page, " 条 show ", page,
    ' more</button> <button type="button" class="all">全部显示 show all</button></p>\n')
  w('<table id="records" data-page="', page, '" data-total="', total, '" data-where="', escape(ctx.where or ""), '" data-data="',
    escape(data), '">\n<thead><tr><th>#</th><th>kind</th><th>city / category</th><th>title</th>',
    "<th>measures</th><th>source</th></tr></thead>\n<tbody>\n")
  local label = require("bqw.view_util").label
  local json, core = require("bqw.json"), require("bqw.core")
  --- A record's cells, ending its row.
  local function cells(r)
    w('<td class="num"><a href="#r', r.id, '">', r.id, "</a></td><td>", escape(r.kind), "</td><td>",
      escape(r.city or r.category or ""), "</td><td>", escape(label(r)), "</td><td>")
    local ms = r.measures or {}
    for i, m in ipairs(ms) do
      w(i > 1 and "<br>" or "", "◎ ", escape(m))
    end
    if #ms == 0 and r.text and r.text ~= label(r) then
      w(html.lines(r.text))
    end
    w('</td><td class="src">', escape(ctx.name or ""), ":", r.line, "</td></tr>\n")
  end
  local page_chars = {}
  local written, in_table = 0, {}
  for r in q:iter() do
    if written >= held then
      break
    end
    written = written + 1
    in_table[r.id] = true
    local texts = search_texts(ctx.script == "original" and r or ds:record(r.id, { script = "original" }))
    for _, text in ipairs(texts) do
      for c in core.fold(text):gmatch(CHAR) do
        page_chars[c] = true
      end
    end
    w('<tr id="r', r.id, '"', written > page and " hidden" or "", ' data-s="', escape(json.encode(texts)), '"')
    for _, f in ipairs(FACETS) do
      local v = r[f]
      if v then
        w(" data-", f, '="', escape(v), '"')
      end
    end
    w(">")
    cells(r)
    if ctx.tick then
      ctx.tick()
    end
  end
  w("</tbody>\n</table>\n")
  -- the rows of the timeline's labelled points the table does not hold, for its links
  local kept = false
  for _, id in ipairs(labelled) do
    if not in_table[id] then
      if not kept then
        w('<template id="timeline-rows">\n')
        kept = true
      end
      in_table[id] = true
      w('<tr data-r="', id, '" title="from the timeline: past the records the table lists">')
      cells(ds:record(id, { script = ctx.script }))
    end
  end
  if kept then
    w("</template>\n")
  end
  w('<p class="meta">bqw ', escape(ctx.version or "?"), "</p>\n")
  w("<script>", fold_script(page_chars), SCRIPT, "</script>\n")
  w("<script>", TIMELINE_SCRIPT, "</script>\n</body>\n</html>\n")
end

return M
