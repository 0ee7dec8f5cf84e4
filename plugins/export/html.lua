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

-- numeric columns, right-aligned: the integer fields of the schema
local NUMERIC = require("bqw.fields").NUMERIC

return {
  name = "html",
  kind = "export",
  description = "One self-contained HTML page (UTF-8, inline style, no scripts or URLs): "
    .. "the meta, then a table per section; every text escaped.",
  extension = "html",
  shapes = { "record", "measure" },
  default_shape = "record",
  options = {},
  -- a table per section, its columns those some row fills: a first pass over the rows
  -- finds them, then one pass per section writes its rows (ctx.rows), so no row is
  -- held; when the core walks the records (ctx.native) it makes both passes itself
  stream = true,
  write = function(out, rows_iter, opts, ctx)
    local util = ctx.util
    local meta = ctx.meta or {}
    local shape = opts.shape or "record"
    local groups, records, count
    if ctx.native then
      -- the core walks the records: it finds the sections and writes their rows
      groups, records, count = util.native_sections(ctx.native, opts)
    else
      groups, records, count =
        util.section_passes(ctx.rows or util.collect(rows_iter), opts, ctx.rows and ctx.rows_of)
    end
    out:write("<!doctype html>\n")
    out:write('<html lang="zh">\n<head>\n<meta charset="utf-8">\n')
    out:write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    out:write('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; ')
    out:write('style-src &#39;unsafe-inline&#39;">\n')
    out:write('<meta name="generator" content="bqw ', escape(ctx.version or "?"), '">\n')
    local title = html.title(opts.script)
    out:write("<title>", escape(title), "</title>\n<style>\n", html.STYLE, "</style>\n</head>\n<body>\n")
    out:write("<h1>", escape(title), "</h1>\n")
    local about = {}
    for _, key in ipairs({ "byline", "credits", "source_note", "source" }) do
      if meta[key] and meta[key] ~= "" then
        about[#about + 1] = lines(meta[key])
      end
    end
    if #about > 0 then
      out:write('<p class="meta">', table.concat(about, "<br>\n"), "</p>\n")
    end
    out:write(
      ('<p class="meta">%d %s, %d rows (one per %s); exported by bqw %s.</p>\n'):format(
        records,
        records == 1 and "record" or "records",
        count,
        escape(shape),
        escape(ctx.version or "?")
      )
    )
    for _, group in ipairs(groups) do
      local columns = group.columns
      out:write("<section>\n<h2>", escape(group.title), "</h2>\n<table>\n<thead>\n<tr>")
      for _, c in ipairs(columns) do
        out:write('<th scope="col">', escape(c), "</th>")
      end
      out:write("</tr>\n</thead>\n<tbody>\n")
      if group.write then
        group.write(out, "html") -- the same bytes as below, written in C
      else
        group.each(function(row)
          out:write('<tr data-id="', escape(row.id or ""), '">')
          for _, c in ipairs(columns) do
            out:write(NUMERIC[c] and '<td class="num">' or "<td>", lines(util.cell(row, c)), "</td>")
          end
          out:write("</tr>\n")
          if ctx.tick then
            ctx.tick() -- a row done: a background export may yield here
          end
        end)
      end
      out:write("</tbody>\n</table>\n</section>\n")
    end
    out:write("</body>\n</html>\n")
  end,
}
