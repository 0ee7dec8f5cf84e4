--- The report's coding section (issue 23): a tool × region heat map of the policy-tools
--- codebook (its top-level tools and their sub-tools, a row each, a column per region)
--- and the counts of every code in use. Both count records as `bqw facet code` and
--- `bqw facet code --by region` count them (the engine's crosstab): a record counts
--- under a code when one of its measures, or its prose, was given the code or one of
--- its children. The cells are table cells holding their numbers (a screen reader reads
--- them; the colour only repeats them), shaded on one sequential scale with a legend.
local html = require("bqw.html_util")
local escape = html.escape

local M = {}

M.STYLE = [[
table.heat, table.codes { border-collapse: collapse; margin: 0.5em 0 1em; break-inside: avoid; page-break-inside: avoid; }
table.heat th, table.heat td, table.codes th, table.codes td { border: 1px solid #ddd; padding: 0.15em 0.6em; }
table.heat td { text-align: right; min-width: 3.2em; font-variant-numeric: tabular-nums; }
table.heat th.sub, table.codes th.sub { font-weight: normal; padding-left: 1.6em; }
table.heat caption, table.codes caption { font-weight: bold; text-align: left; margin-bottom: 0.3em; }
table.codes td.num { text-align: right; font-variant-numeric: tabular-nums; }
.heat-legend { display: flex; align-items: center; gap: 0.3em; font-size: 0.9em; margin-bottom: 1em; }
.heat-legend span { display: inline-block; min-width: 2.4em; text-align: center; padding: 0.1em 0.3em; }
.heat, .heat-legend { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
]]

-- The scale's steps, light to dark (a sequential blue, readable in grey): a cell of n
-- of at most max takes step ceil(n / max * (#STEPS - 1)) + 1, 0 the first.
local STEPS = {
  { "#f7fbff", "#222" },
  { "#deebf7", "#222" },
  { "#c6dbef", "#222" },
  { "#9ecae1", "#222" },
  { "#6baed6", "#111" },
  { "#3182bd", "#fff" },
  { "#08519c", "#fff" },
}

local function step(n, max)
  if n <= 0 or max <= 0 then
    return STEPS[1]
  end
  return STEPS[math.ceil(n / max * (#STEPS - 1)) + 1]
end

--- The codes of the policy-tools codebook (the file named policy-tools.tsv, else the
--- first codebook in use), top level and sub-tools, in codebook order.
local function tools(codes)
  local file
  for _, c in ipairs(codes) do
    if c.file:match("policy%-tools%.tsv$") then
      file = c.file
      break
    end
  end
  file = file or (codes[1] and codes[1].file)
  local out = {}
  for _, c in ipairs(codes) do
    if c.file == file and c.depth <= 1 then
      out[#out + 1] = c
    end
  end
  return out, file
end

--- The section's HTML, or "" when no codebook is in use. ds: the dataset, q: the
--- report's query, script: the values' script.
function M.section(ds, q, script)
  local codes = ds:codes()
  if #codes == 0 then
    return ""
  end
  local x = assert(ds:_crosstab(q, "code", "region", script))
  local cells = {}
  for _, c in ipairs(x) do
    cells[tostring(c.value)] = c.cells
  end
  local rows, file = tools(codes)
  local max = 0
  for _, c in ipairs(rows) do
    for j = 1, #x.by do
      max = math.max(max, (cells[c.code] or {})[j] or 0)
    end
  end
  local out = {
    "<h2>编码 Coding</h2>\n",
    '<p class="meta">A record counts under a code when one of its measures, or its prose, was given the code or ',
    "one of its children (<code>bqw code</code> lists the evidence); the regions are the city entries'.</p>\n",
  }
  local w = function(...)
    for _, s in ipairs({ ... }) do
      out[#out + 1] = s
    end
  end
  w('<table class="heat" id="heat" data-file="', escape(file or ""), '">\n<caption>政策工具 × 区域 Policy tools × region: ',
    "records coded (<code>bqw facet code --by region</code>)</caption>\n<thead><tr><th scope=\"col\">工具 tool</th>")
  for _, region in ipairs(x.by) do
    w('<th scope="col">', escape(tostring(region)), "</th>")
  end
  w("</tr></thead>\n<tbody>\n")
  for _, c in ipairs(rows) do
    w('<tr data-code="', escape(c.code), '"><th scope="row"', c.depth > 0 and ' class="sub"' or "", ' title="',
      escape(c.label), '">', escape(c.code), "</th>")
    for j, region in ipairs(x.by) do
      local n = (cells[c.code] or {})[j] or 0
      local s = step(n, max)
      w('<td data-region="', escape(tostring(region)), '" style="background:', s[1], ";color:", s[2], '">', n, "</td>")
    end
    w("</tr>\n")
  end
  w("</tbody>\n</table>\n")
  -- the legend: each step with the counts it stands for
  w('<div class="heat-legend">色阶 Scale, records:')
  for i = 1, #STEPS do
    local lo = i == 1 and 0 or math.floor((i - 2) / (#STEPS - 1) * max) + 1
    local hi = math.floor((i - 1) / (#STEPS - 1) * max)
    if i == 1 or hi >= lo then
      local label = i == 1 and "0" or (lo == hi and tostring(hi) or ("%d–%d"):format(lo, hi))
      w('<span style="background:', STEPS[i][1], ";color:", STEPS[i][2], '">', label, "</span>")
    end
  end
  w("</div>\n")
  -- the counts of every code in use, in codebook order
  local count = {}
  for _, c in ipairs(assert(ds:_facet_query(q, "code", script))) do
    count[tostring(c.value)] = c.count
  end
  w('<table class="codes" id="code-counts">\n<caption>编码计数 Code counts: records coded (<code>bqw facet code</code>)',
    '</caption>\n<thead><tr><th scope="col">code</th><th scope="col">label</th><th scope="col">records</th>',
    '<th scope="col">codebook</th></tr></thead>\n<tbody>\n')
  for _, c in ipairs(codes) do
    w('<tr data-code="', escape(c.code), '"><th scope="row"', c.depth > 0 and ' class="sub"' or "", ">", escape(c.code),
      "</th><td>", escape(c.label), '</td><td class="num">', count[c.code] or 0, "</td><td>",
      escape((c.file:gsub("^.*/", ""))), "</td></tr>\n")
  end
  w("</tbody>\n</table>\n")
  return table.concat(out)
end

return M
