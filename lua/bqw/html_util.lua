--- Helpers shared by the HTML export and the report (bqw report): escaping, the
--- stylesheet's common part with a CJK font stack, and the digest's title in the
--- script the text is shown in.
local M = {}

local ENTITIES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Text with & < > " ' escaped (safe in element content and quoted attributes);
--- control characters shown as \x1b, <U+202E> first (a page must not be reordered by
--- a stray override).
function M.escape(s)
  return (require("bqw.view_util").visible(tostring(s)):gsub("[&<>\"']", ENTITIES))
end

--- Escaped text with its line breaks as <br>.
function M.lines(s)
  return (M.escape(s):gsub("\r\n", "\n"):gsub("[\r\n]", "<br>"))
end

--- Fonts that have Chinese glyphs on Linux, macOS and Windows, before the generic one.
M.FONT_STACK = 'system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

--- The common stylesheet: page, headings, tables.
M.STYLE = ([[
body { font-family: %s;
  margin: 2em auto; max-width: 80em; padding: 0 1em; line-height: 1.5; color: #222; }
h1 { font-size: 1.6em; }
h2 { font-size: 1.25em; margin-top: 2em; }
.meta { color: #555; }
table { border-collapse: collapse; width: 100%%; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tbody tr:nth-child(even) { background: #fafafa; }
td.num { text-align: right; white-space: nowrap; }
]]):format(M.FONT_STACK)

local TITLE = { hans = "“百千万工程”政策汇编", hant = "“百千萬工程”政策匯編" }

--- The digest's title in a script: "hans", "hant", or "original" (as published,
--- Traditional); default: bqw.setup's script.
function M.title(script)
  script = script or require("bqw.config").script()
  return TITLE[script] or TITLE.hant
end

return M
