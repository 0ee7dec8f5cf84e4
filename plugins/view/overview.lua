-- The overview: what the digest holds. A heading with the file, lines, records and
-- warnings; each section with its record kinds and measures and, for provincial
-- documents, their categories; the city entries by region; the timeline of meetings
-- and targets; the measures in all. The counts are the query's facets (as `bqw facet`
-- and the report count them), which the core counts without building the records. `bqw` with no command and `bqw view overview` draw it;
-- --where narrows the records it counts.
local util = require("bqw.view_util")

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

--- The query of the records to count: ctx.query when ds:view gives one (query = true
--- below), else a query over the records handed in (a caller of render itself).
local function query_of(records, ctx)
  return ctx.query or require("bqw.query").new(records)
end

return {
  name = "overview",
  kind = "view",
  description = "Counts by section, city entries by region, the timeline.",
  -- counts come from the query's facets (the core counts them without building a
  -- record); only the meetings and targets of the timeline are built
  query = true,
  render = function(records, opts, ctx)
    local b = util.builder()
    local width = opts.width or 100
    local ds = ctx.dataset
    local q = query_of(records, ctx)
    local report = ds and ds:report() or { lines = 0, warnings = 0 }
    b:line({ { ("bqw %s — 百县千镇万村高质量发展工程 policy digest"):format(ctx.version or "?"), "BqwHeading" } })
    b:line(("%s: %s, %s, %s"):format(
      ds and ds:name() or "?",
      plural(report.lines, "line"),
      plural(q:count(), "record"),
      plural(report.warnings, "warning")
    ))

    b:line("")
    b:line({ { "Sections", "BqwHeading" } })
    -- the headings as published select the records; they are shown in the script
    local shown = q:facet("section_title", { source_order = true })
    local published = ctx.query and q:facet("section_title", { source_order = true, script = "original" }) or shown
    for i, sec in ipairs(shown) do
      local in_section = q:where({ section = (#published == #shown and published[i] or sec).value })
      local counts, measures = {}, 0
      for _, c in ipairs(in_section:facet("kind", { measures = true })) do
        counts[c.value] = c.count
        measures = measures + c.measures
      end
      local parts = {}
      for _, kind in ipairs(KIND_ORDER) do
        if counts[kind] then
          parts[#parts + 1] = plural(counts[kind], KIND_NAMES[kind][1], KIND_NAMES[kind][2])
        end
      end
      if measures > 0 then
        parts[#parts + 1] = plural(measures, "measure")
      end
      b:line({ "  ", { util.pad(sec.value, 28), "BqwSubheading" }, table.concat(parts, ", ") })
      for _, c in ipairs(in_section:facet("category", { source_order = true })) do
        b:line({ "    ", util.pad(c.value, 26), plural(c.count, "document") })
      end
    end

    b:line("")
    b:line({ { "City entries by region", "BqwHeading" } })
    local cities = q:where("kind=city")
    local regions, in_regions, placed = cities:facet("region"), 0, {}
    local lines = {}
    for _, c in ipairs(regions) do
      in_regions = in_regions + c.count
      local names = {}
      for _, city in ipairs(cities:where({ region = c.value }):facet("city", { source_order = true })) do
        names[#names + 1] = city.value
        placed[city.value] = true
      end
      lines[#lines + 1] = { c.value, c.count, names }
    end
    -- an entry the gazetteer does not know (a county) has no region: it still counts
    local all = cities:facet("city", { source_order = true })
    local entries = cities:count()
    if entries > in_regions then
      local names = {}
      for _, city in ipairs(all) do
        if not placed[city.value] then
          names[#names + 1] = city.value
        end
      end
      lines[#lines + 1] = { "(no region)", entries - in_regions, names }
      table.sort(lines, function(x, y)
        if x[2] ~= y[2] then
          return x[2] > y[2]
        end
        return require("bqw.collate").less(x[1], y[1])
      end)
    end
    for _, l in ipairs(lines) do
      b:line({
        "  ",
        { util.pad(l[1], 8), "BqwRegion" },
        ("%2d  "):format(l[2]),
        { table.concat(l[3], " "), "BqwCity" },
      })
    end

    b:line("")
    b:line({ { "Timeline", "BqwHeading" } })
    for r in q:where("kind=meeting"):iter() do
      b:line({ "  ", { r.date or "????-??-??", "BqwDate" }, "  ", util.truncate(util.one_line(r.text), width - 14) }, r.id)
    end
    for r in q:where("kind=target"):iter() do
      b:line({ "  ", { ("%d target "):format(r.year), "BqwYear" }, "  ", util.truncate(util.one_line(r.text), width - 14) }, r.id)
    end
    local measures, city = 0, 0
    for _, c in ipairs(q:facet("level", { measures = true })) do
      measures = measures + c.measures
      if c.value == "city" then
        city = city + c.measures
      end
    end
    b:line("")
    b:line(("%d measures in all (%d provincial, %d city)."):format(measures, measures - city, city))
    return b:result()
  end,
}
