--- Draws a view result on a terminal: its lines, with ANSI colours for the highlight
--- groups when asked. Neovim draws the same result with its own highlight groups.
local M = {}

-- SGR codes for each group (bqw.view_util, with the groups' links); groups without
-- one are drawn plain.
M.ANSI = require("bqw.view_util").ANSI

local visible = require("bqw.view_util").visible

--- The lines of a view result, coloured with ANSI escapes when color is true. Control
--- characters in the text (an escape sequence in the data, a BEL, a right-to-left
--- override) are shown escaped either way (view_util.visible): a terminal must only
--- ever get the escapes bqw itself writes.
function M.lines(result, color)
  if not color then
    local out = {}
    for n, text in ipairs(result.lines) do
      out[n] = visible(text)
    end
    return out
  end
  local by_line = {}
  for _, h in ipairs(result.highlights or {}) do
    if M.ANSI[h.group] then
      by_line[h.line] = by_line[h.line] or {}
      table.insert(by_line[h.line], h)
    end
  end
  local out = {}
  for n, text in ipairs(result.lines) do
    local spans = by_line[n]
    if not spans then
      out[n] = visible(text)
    else
      table.sort(spans, function(a, b)
        return a.first < b.first
      end)
      local parts, pos = {}, 0
      -- each piece escaped on its own: the spans' byte offsets are into the raw text
      for _, h in ipairs(spans) do
        if h.first >= pos then
          parts[#parts + 1] = visible(text:sub(pos + 1, h.first))
          parts[#parts + 1] = "\27[" .. M.ANSI[h.group] .. "m" .. visible(text:sub(h.first + 1, h.last)) .. "\27[0m"
          pos = h.last
        end
      end
      parts[#parts + 1] = visible(text:sub(pos + 1))
      out[n] = table.concat(parts)
    end
  end
  return out
end

return M
