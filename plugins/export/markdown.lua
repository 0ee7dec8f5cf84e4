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
---
--- opts.table (--table): "pipe" (the default) writes the GFM pipe tables above, which
--- GitHub and GitLab draw, their <br> a line break; pandoc keeps <br> as raw HTML,
--- which its docx, odt and PDF writers drop. "grid" writes pandoc's grid tables for
--- `pandoc -f markdown`: a cell's lines are lines of the cell, each but the last ending
--- in a backslash (pandoc's escaped line break: <w:br/> in docx, <br /> in HTML), every
--- ASCII punctuation character of the text backslash-escaped (pandoc reads \X as X for
--- any punctuation, so no text turns into a list, a citation, math or a superscript),
--- TABs as spaces; the columns are as wide as their longest line in display cells (a Han
--- character takes 2, as pandoc counts it when it splits a line into cells).


local cell = require("bqw.export_util").cell

--- Every ASCII punctuation character (pandoc's markdown escapes any of them).
local PUNCTUATION = "[!\"#$%%&'()*+,%-./:;<=>?@%[\\%]^_`{|}~]"

--- Whether opts ask for pandoc's grid tables (and its escapes).
local function grid(opts)
  local t = opts and opts.table
  if t == nil or t == "pipe" then
    return false
  elseif t == "grid" then
    return true
  end
  error(("export markdown: --table %s: expected pipe or grid"):format(tostring(t)), 0)
end

--- Text with Markdown's active punctuation escaped (every ASCII punctuation character
--- for pandoc's grid flavor), each line on its own.
local function escape(s, pandoc)
  -- control characters shown as \x1b, <U+202E> first, then those escaped in turn
  return (require("bqw.view_util").visible(tostring(s)):gsub(pandoc and PUNCTUATION or "[\\`*_%[%]<>&~#|]", "\\%0"))
end

--- One table cell: escaped, newlines as <br>, surrounding spaces trimmed.
local function cell_text(s)
  s = escape(s):gsub("\r\n", "\n"):gsub("[\r\n]", "<br>")
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

--- One line of text for a heading or a paragraph: newlines as spaces, and a start that
--- would open a list, a quote or a setext underline escaped.
local function inline(s, opts)
  local pandoc = grid(opts)
  s = escape(s, pandoc):gsub("%s*[\r\n]+%s*", " "):gsub("^%s+", "")
  if pandoc then
    return s -- every punctuation character is escaped already
  end
  return (s:gsub("^([-+=])", "\\%1"):gsub("^(%d+)([.)])", "%1\\%2"))
end

local width = require("bqw.core").width

--- A cell of a grid table as its lines: escaped for pandoc, TABs as spaces, each line
--- trimmed, none blank at the start or the end; every line but the last ends in a
--- backslash (a line break; a blank line inside is the backslash alone).
local function grid_lines(s)
  local lines = {}
  for line in (escape(s, true):gsub("\t", " ") .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line:gsub("^%s+", ""):gsub("%s+$", "")
  end
  while lines[#lines] == "" do
    lines[#lines] = nil
  end
  while lines[1] == "" do
    table.remove(lines, 1)
  end
  for i = 1, #lines - 1 do
    lines[i] = lines[i] .. "\\"
  end
  return lines
end

--- The rule under a grid table's header ("=") or under a row ("-").
local function grid_rule(widths, char)
  local parts = {}
  for i, w in ipairs(widths) do
    parts[i] = char:rep(w + 2)
  end
  return "+" .. table.concat(parts, "+") .. "+\n"
end

--- One row of a grid table (cells: a list of lines per column) and the rule under it.
local function grid_row(cells, widths, char)
  local height = 1
  for _, lines in ipairs(cells) do
    height = math.max(height, #lines)
  end
  local out = {}
  for k = 1, height do
    local parts = {}
    for i, lines in ipairs(cells) do
      local line = lines[k] or ""
      parts[i] = " " .. line .. (" "):rep(widths[i] - width(line) + 1)
    end
    out[k] = "|" .. table.concat(parts, "|") .. "|\n"
  end
  out[#out + 1] = grid_rule(widths, char)
  return table.concat(out)
end

--- A section's grid table: a pass over its rows for the widths of its columns (in
--- display cells, the header's too), then its top rule and header.
local function grid_open(out, group)
  local widths, header = {}, {}
  for i, c in ipairs(group.columns) do
    header[i] = grid_lines(c)
    widths[i] = 3
    for _, line in ipairs(header[i]) do
      widths[i] = math.max(widths[i], width(line))
    end
  end
  group.each(function(row)
    for i, c in ipairs(group.columns) do
      for _, line in ipairs(grid_lines(cell(row, c))) do
        local w = width(line)
        if w > widths[i] then
          widths[i] = w
        end
      end
    end
  end)
  group.widths = widths
  out:write(grid_rule(widths, "-"), grid_row(header, widths, "="))
end

return require("bqw.export_util").engine_sections({
  name = "markdown",
  description = "Markdown (GFM): a heading, the meta, then a ## heading and a table per "
    .. "section; one row per record or measure, text escaped.",
  extension = "md",
  format = "markdown", -- the engine's writer of the table rows (binding/rows.c)
  options = {
    table = "pipe (default: GFM pipe tables, <br> between a cell's lines, for GitHub and GitLab) or grid "
      .. "(pandoc's grid tables: a cell's line breaks survive pandoc to docx, odt and HTML)",
  },
  own_rows = grid, -- grid tables are written here, from Lua rows
  inline = inline,
  --- The heading, the meta paragraph, the counts.
  head = function(out, opts, ctx, about, records, count)
    out:write("# ", inline(require("bqw.html_util").title(opts.script), opts), "\n\n")
    if #about > 0 then
      out:write(table.concat(about, "  \n"), "\n\n")
    end
    out:write(
      ("%d %s, %d rows (one per %s); exported by bqw %s.\n"):format(
        records,
        records == 1 and "record" or "records",
        count,
        opts.shape or "record",
        inline(ctx.version or "?", opts)
      )
    )
  end,
  --- A section's heading and its table's header; no table without columns.
  open = function(out, group, opts)
    out:write("\n## ", inline(group.title, opts), "\n\n")
    if #group.columns == 0 then
      return false
    end
    if grid(opts) then
      return grid_open(out, group)
    end
    local header, rule = {}, {}
    for i, c in ipairs(group.columns) do
      header[i], rule[i] = cell_text(c), "---"
    end
    out:write("| ", table.concat(header, " | "), " |\n")
    out:write("| ", table.concat(rule, " | "), " |\n")
  end,
  --- One table row.
  row = function(row, columns, group, opts)
    local cells = {}
    if grid(opts) then
      for i, c in ipairs(columns) do
        cells[i] = grid_lines(cell(row, c))
      end
      return grid_row(cells, group.widths, "-")
    end
    for i, c in ipairs(columns) do
      cells[i] = cell_text(cell(row, c))
    end
    return "| " .. table.concat(cells, " | ") .. " |\n"
  end,
})
