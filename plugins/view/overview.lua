-- The overview: what the digest holds. A heading with the file, lines, records and
-- warnings; each section with its record kinds and measures and, for provincial
-- documents, their categories; the city entries by region (counted by bqw.facet, as
-- `bqw facet region` and the report count them); the timeline of meetings and
-- targets; the measures in all. `bqw` with no command and `bqw view overview` draw it;
-- --where narrows the records it counts.
local util = require("bqw.view_util")
local facet = require("bqw.facet")

local KIND_NAMES = {
  document = { "document", "documents" },
  city = { "city entry", "city entries" },
  guiding = { "guiding document", "guiding documents" },
  target = { "target", "targets" },
  meeting = { "meeting", "meetings" },
  other = { "unrecognised record", "unrecognised records" },
}
local KIND_ORDER = { "document", "city", "guiding", "target", "meeting", "other" }

local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or (many or one .. "s"))
end

--- Sections in source order: { title, counts = { kind = n }, measures, categories =
--- facet counts of the documents' categories }.
local function sections(records)
  local list, by_key = {}, {}
  for _, r in ipairs(records) do
    local key = r.section_title or r.section
    local sec = by_key[key]
    if not sec then
      sec = { title = key, counts = {}, measures = 0, records = {} }
      by_key[key] = sec
      list[#list + 1] = sec
    end
    sec.counts[r.kind] = (sec.counts[r.kind] or 0) + 1
    sec.measures = sec.measures + #(r.measures or {})
    sec.records[#sec.records + 1] = r
  end
  return list
end

--- The category counts of a section in the order the categories first appear.
local function categories_in_order(records)
  local counts = {}
  for _, c in ipairs(facet.count(records, "category")) do
    counts[c.value] = c.count
  end
  local out, seen = {}, {}
  for _, r in ipairs(records) do
    if r.category and not seen[r.category] then
      seen[r.category] = true
      out[#out + 1] = { value = r.category, count = counts[r.category] }
    end
  end
  return out
end

return {
  name = "overview",
  kind = "view",
  description = "Counts by section, city entries by region, the timeline.",
  render = function(records, opts, ctx)
    local b = util.builder()
    local width = opts.width or 100
    local ds = ctx.dataset
    local report = ds and ds:report() or { lines = 0, warnings = 0 }
    b:line({ { ("bqw %s — 百县千镇万村高质量发展工程 policy digest"):format(ctx.version or "?"), "BqwHeading" } })
    b:line(("%s: %s, %s, %s"):format(
      ds and ds:name() or "?",
      plural(report.lines, "line"),
      plural(#records, "record"),
      plural(report.warnings, "warning")
    ))

    b:line("")
    b:line({ { "Sections", "BqwHeading" } })
    for _, sec in ipairs(sections(records)) do
      local parts = {}
      for _, kind in ipairs(KIND_ORDER) do
        if sec.counts[kind] then
          parts[#parts + 1] = plural(sec.counts[kind], KIND_NAMES[kind][1], KIND_NAMES[kind][2])
        end
      end
      if sec.measures > 0 then
        parts[#parts + 1] = plural(sec.measures, "measure")
      end
      b:line({ "  ", { util.pad(sec.title, 28), "BqwSubheading" }, table.concat(parts, ", ") })
      for _, c in ipairs(categories_in_order(sec.records)) do
        b:line({ "    ", util.pad(c.value, 26), plural(c.count, "document") })
      end
    end

    b:line("")
    b:line({ { "City entries by region", "BqwHeading" } })
    -- an entry the gazetteer does not know (a county) has no region: it still counts
    local NO_REGION = "(no region)"
    local cities, city_records = {}, {}
    for _, r in ipairs(records) do
      if r.kind == "city" then
        local region = r.region or NO_REGION
        cities[region] = cities[region] or {}
        table.insert(cities[region], r.city)
        city_records[#city_records + 1] = r
      end
    end
    local regions = facet.count(city_records, "region")
    if cities[NO_REGION] then
      regions[#regions + 1] = { value = NO_REGION, count = #cities[NO_REGION] }
      table.sort(regions, function(x, y)
        if x.count ~= y.count then
          return x.count > y.count
        end
        return require("bqw.collate").less(x.value, y.value)
      end)
    end
    for _, c in ipairs(regions) do
      b:line({
        "  ",
        { util.pad(c.value, 8), "BqwRegion" },
        ("%2d  "):format(c.count),
        { table.concat(cities[c.value], " "), "BqwCity" },
      })
    end

    b:line("")
    b:line({ { "Timeline", "BqwHeading" } })
    for _, r in ipairs(records) do
      if r.kind == "meeting" then
        b:line({ "  ", { r.date or "????-??-??", "BqwDate" }, "  ", util.truncate(util.one_line(r.text), width - 14) }, r.id)
      end
    end
    for _, r in ipairs(records) do
      if r.kind == "target" then
        b:line({ "  ", { ("%d target "):format(r.year), "BqwYear" }, "  ", util.truncate(util.one_line(r.text), width - 14) }, r.id)
      end
    end
    local measures, provincial, city = 0, 0, 0
    for _, r in ipairs(records) do
      local n = #(r.measures or {})
      measures = measures + n
      if r.level == "city" then
        city = city + n
      else
        provincial = provincial + n
      end
    end
    b:line("")
    b:line(("%d measures in all (%d provincial, %d city)."):format(measures, provincial, city))
    return b:result()
  end,
}
