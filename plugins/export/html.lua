--- HTML: one self-contained UTF-8 page (lang="zh"): a title, the meta (byline,
--- credits, source note, source), then one <h2> and one <table> per section (its title
--- as published, in source order). Shape "record" (the default) gives one table row per
--- record, its measures in one cell separated by <br>; shape "measure" one row per
--- measure (a record without measures, such as a target or a meeting, still gives one
--- row with the measure columns empty). Each <tr> carries data-id, the record's id.
---
--- Columns: opts.columns (a list or "a,b,c"), every one in every table; else a compact
--- default (record: id, kind, category, city, region, year, date, title, headline,
--- text, years, measures; measure: id, kind, category, city, year, date, title,
--- headline, text, measure_index, measure) from which each section's table drops the
--- columns that are empty in all its rows.
---
--- The title follows the script (--script): Simplified by default, Traditional for
--- hant and original. Every piece of text, column names included, has & < > " '
--- escaped (bqw.html_util, shared with bqw report). The page has an
--- inline <style> and nothing else: no scripts, no external URLs (a
--- Content-Security-Policy meta tag forbids loading anything).

local html = require("bqw.html_util")
local escape, lines = html.escape, html.lines
local cell = require("bqw.export_util").cell

-- numeric columns, right-aligned: the integer fields of the schema
local NUMERIC = require("bqw.fields").NUMERIC

return require("bqw.export_util").engine_sections({
  name = "html",
  description = "One self-contained HTML page (UTF-8, inline style, no scripts or URLs): "
    .. "the meta, then a table per section; every text escaped.",
  extension = "html",
  format = "html", -- the engine's writer of the table rows (binding/rows.c)
  inline = lines,
  --- The page's head, its title, the meta paragraph, the counts.
  head = function(out, opts, ctx, about, records, count)
    out:write("<!doctype html>\n")
    out:write('<html lang="zh">\n<head>\n<meta charset="utf-8">\n')
    out:write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    out:write('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; ')
    out:write('style-src &#39;unsafe-inline&#39;">\n')
    out:write('<meta name="generator" content="bqw ', escape(ctx.version or "?"), '">\n')
    local title = html.title(opts.script)
    out:write("<title>", escape(title), "</title>\n<style>\n", html.STYLE, "</style>\n</head>\n<body>\n")
    out:write("<h1>", escape(title), "</h1>\n")
    if #about > 0 then
      out:write('<p class="meta">', table.concat(about, "<br>\n"), "</p>\n")
    end
    out:write(
      ('<p class="meta">%d %s, %d rows (one per %s); exported by bqw %s.</p>\n'):format(
        records,
        records == 1 and "record" or "records",
        count,
        escape(opts.shape or "record"),
        escape(ctx.version or "?")
      )
    )
  end,
  --- A section's heading and its table's header.
  open = function(out, group)
    out:write("<section>\n<h2>", escape(group.title), "</h2>\n<table>\n<thead>\n<tr>")
    for _, c in ipairs(group.columns) do
      out:write('<th scope="col">', escape(c), "</th>")
    end
    out:write("</tr>\n</thead>\n<tbody>\n")
  end,
  --- One table row, carrying the record's id.
  row = function(row, columns)
    local parts = { '<tr data-id="', escape(row.id or ""), '">' }
    for _, c in ipairs(columns) do
      parts[#parts + 1] = NUMERIC[c] and '<td class="num">' or "<td>"
      parts[#parts + 1] = lines(cell(row, c))
      parts[#parts + 1] = "</td>"
    end
    parts[#parts + 1] = "</tr>\n"
    return table.concat(parts)
  end,
  close = function(out)
    out:write("</tbody>\n</table>\n</section>\n")
  end,
  tail = function(out)
    out:write("</body>\n</html>\n")
  end,
})
