--- Markdown (GitHub Flavored): a heading with the digest's name, a short paragraph of
--- meta (byline, credits, source note, source), then one "##" heading per section (its
--- title as published, in source order) with a GFM table under it. Shape "record" (the
--- default) gives one table row per record, its measures in one cell separated by
--- <br>; shape "measure" one row per measure (a record without measures, such as a
--- target or a meeting, still gives one row with the measure columns empty).
---
--- Columns: opts.columns (a list or "a,b,c"), every one in every table; else a compact
--- default (record: id, kind, category, city, region, year, date, title, headline,
--- text, years, measures; measure: id, kind, category, city, year, date, title,
--- headline, text, measure_index, measure) from which each section's table drops the
--- columns that are empty in all its rows. In cells, | and the Markdown punctuation
--- \ ` * _ [ ] < > & ~ # are backslash-escaped and newlines become <br>, so text is
--- never read as markup, links or HTML; in headings and the meta paragraph newlines
--- become spaces and a leading - + = or "1." is escaped too.


local cell = require("bqw.export_util").cell

--- Text with Markdown's active punctuation escaped, each line on its own.
local function escape(s)
  -- control characters shown as \x1b, <U+202E> first, then those escaped in turn
  return (require("bqw.view_util").visible(tostring(s)):gsub("[\\`*_%[%]<>&~#|]", "\\%0"))
end

--- One table cell: escaped, newlines as <br>, surrounding spaces trimmed.
local function cell_text(s)
  s = escape(s):gsub("\r\n", "\n"):gsub("[\r\n]", "<br>")
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

--- One line of text for a heading or a paragraph: newlines as spaces, and a start that
--- would open a list, a quote or a setext underline escaped.
local function inline(s)
  s = escape(s):gsub("%s*[\r\n]+%s*", " "):gsub("^%s+", "")
  return (s:gsub("^([-+=])", "\\%1"):gsub("^(%d+)([.)])", "%1\\%2"))
end

return require("bqw.export_util").engine_sections({
  name = "markdown",
  description = "Markdown (GFM): a heading, the meta, then a ## heading and a table per "
    .. "section; one row per record or measure, text escaped.",
  extension = "md",
  format = "markdown", -- the engine's writer of the table rows (binding/rows.c)
  inline = inline,
  --- The heading, the meta paragraph, the counts.
  head = function(out, opts, ctx, about, records, count)
    out:write("# ", inline(require("bqw.html_util").title(opts.script)), "\n\n")
    if #about > 0 then
      out:write(table.concat(about, "  \n"), "\n\n")
    end
    out:write(
      ("%d %s, %d rows (one per %s); exported by bqw %s.\n"):format(
        records,
        records == 1 and "record" or "records",
        count,
        opts.shape or "record",
        inline(ctx.version or "?")
      )
    )
  end,
  --- A section's heading and its table's header; no table without columns.
  open = function(out, group)
    out:write("\n## ", inline(group.title), "\n\n")
    if #group.columns == 0 then
      return false
    end
    local header, rule = {}, {}
    for i, c in ipairs(group.columns) do
      header[i], rule[i] = cell_text(c), "---"
    end
    out:write("| ", table.concat(header, " | "), " |\n")
    out:write("| ", table.concat(rule, " | "), " |\n")
  end,
  --- One table row.
  row = function(row, columns)
    local cells = {}
    for i, c in ipairs(columns) do
      cells[i] = cell_text(cell(row, c))
    end
    return "| " .. table.concat(cells, " | ") .. " |\n"
  end,
})
