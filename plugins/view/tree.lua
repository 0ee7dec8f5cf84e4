-- The digest as a tree: section → category (全省政策) or city (地市政策) → document or
-- entry → ◎ measures; the guiding document with its targets; the meetings under the
-- timeline heading. Sections, groups and records with measures fold; record and
-- measure lines carry the record's id. Titles are cut to the width with "…"; measures,
-- targets and meetings wrap to it (by display width: a Han character is two cells).
local util = require("bqw.view_util")

local BULLET = "◎ "
local INDENT = "  "

local function line_ref(r)
  return ("L%-4d "):format(r.line)
end

-- Adds prefix segments then text wrapped to what is left of the width; continuation
-- lines are indented to the text. Returns the last line's number.
local wrapped = util.wrapped

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
  for i, r in ipairs(records) do
    if i % 500 == 0 then
      util.tick()
    end
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
  if #records == 0 then
    return util.no_records()
  end
  local b = util.builder()
  local width = opts.width or 100
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
    if s.key == "province" or s.key == "city" then
      -- provincial documents by category, city entries by city (with its region)
      local by = s.key == "province" and "category" or "city"
      last = render_groups(
        b,
        group_by(s.records, function(r)
          return r[by] or "—"
        end),
        width,
        function(g)
          if by == "city" then
            return heading(b, g.key, #g.records, "BqwCity", INDENT, width, g.first.region and { g.first.region, "BqwRegion" })
          end
          return heading(b, g.key, #g.records, "BqwSubheading", INDENT, width)
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
}
