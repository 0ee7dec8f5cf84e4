-- doc/bqw.txt's structure, checked as a reader meets it: the title and CONTENTS first;
-- every numbered section and subsection in CONTENTS order, each under its section; every
-- *tag* unique, after CONTENTS and inside a section CONTENTS lists; every |link| to a bqw
-- tag has its tag; a rule line (==== or ----) is a rule and nothing else; no line over
-- 78 columns of text outside examples.
-- Usage: lua5.4 tests/doc_check.lua doc/bqw.txt   (prints "doc check ok")
local path = assert(arg[1], "usage: doc_check.lua doc/bqw.txt")
local lines = {}
for line in io.lines(path) do
  lines[#lines + 1] = line
end

local failures = {}
local function fail(n, fmt, ...)
  failures[#failures + 1] = ("%s:%d:1: error: %s"):format(path, n, fmt:format(...))
end

-- the title line, then CONTENTS within the first screen (24 lines)
if not (lines[1] or ""):match("^%*bqw%.txt%*") then
  fail(1, "the first line must be the title with *bqw.txt*")
end
local contents_at
for n = 1, #lines do
  if lines[n]:match("^CONTENTS%s+%*bqw%-contents%*$") then
    contents_at = n
    break
  end
end
if not contents_at then
  fail(1, "no CONTENTS heading with *bqw-contents*")
  contents_at = #lines
elseif contents_at > 24 then
  fail(contents_at, "CONTENTS starts at line %d: :help bqw must show it on its first screen", contents_at)
end

-- the CONTENTS entries: "  N. Title .... |tag|" and "     N.M Title ... |tag|"
local order = {}
for n = contents_at + 1, #lines do
  local line = lines[n]
  if line:match("^====") then
    break
  end
  local number, tag = line:match("^%s+(%d+[%.%d]*)%.?%s.-|([^|]+)|%s*$")
  if number then
    number = number:gsub("%.$", "")
    order[#order + 1] = { number = number, tag = tag, line = n }
  end
end
if #order == 0 then
  fail(contents_at, "CONTENTS lists no section")
end

-- rule lines, section headings and tags through the file
local RULE = "^([=%-])%1%1%1"
local headings, tags_at = {}, {}
local section -- the number of the section a line is in
for n, line in ipairs(lines) do
  if line:match(RULE) and not line:match("^[=]+$") and not line:match("^[%-]+$") then
    fail(n, "a rule line joined to text: %q", line:sub(1, 60))
  end
  local number, tag = line:match("^(%d+[%.%d]*)%.?%s.-%*([^*%s]+)%*%s*$")
  if number and n > contents_at then
    number = number:gsub("%.$", "")
    headings[#headings + 1] = { number = number, tag = tag, line = n }
    section = number
  end
  -- as :helptags reads them: *name* after the line's start or a blank, before a blank
  -- or the line's end
  for tag_name in (" " .. line .. " "):gmatch("%s%*([^*%s|]+)%*%f[%s]") do
    do
      if tags_at[tag_name] then
        fail(n, "*%s* again (first at line %d)", tag_name, tags_at[tag_name])
      end
      tags_at[tag_name] = tags_at[tag_name] or n
      if n < contents_at and n > 1 then
        fail(n, "*%s* stands before CONTENTS: a section there is spliced out of place", tag_name)
      elseif n > contents_at and not section then
        fail(n, "*%s* is in no section CONTENTS lists", tag_name)
      end
    end
  end
end

-- the headings are CONTENTS, in order, with the same numbers and tags
for i, entry in ipairs(order) do
  local h = headings[i]
  if not h then
    fail(entry.line, "CONTENTS lists %s |%s|, but no heading follows for it", entry.number, entry.tag)
  elseif h.number ~= entry.number or h.tag ~= entry.tag then
    fail(h.line, "heading %s *%s* where CONTENTS (line %d) lists %s |%s| next", h.number, h.tag, entry.line,
      entry.number, entry.tag)
    break
  end
end
if #headings > #order then
  local h = headings[#order + 1]
  fail(h.line, "heading %s *%s* is not in CONTENTS", h.number, h.tag)
end
-- a subsection N.M sits under section N, numbered one after another
local current, sub = nil, 0
for _, h in ipairs(headings) do
  local major, minor = h.number:match("^(%d+)%.(%d+)$")
  if not major then
    current, sub = h.number, 0
  elseif major ~= current then
    fail(h.line, "subsection %s outside section %s", h.number, major)
  elseif tonumber(minor) ~= sub + 1 then
    fail(h.line, "subsection %s after %s.%d", h.number, major, sub)
    sub = tonumber(minor)
  else
    sub = sub + 1
  end
end

-- every |link| to a bqw tag (or :Bqw) has its tag
local text = table.concat(lines, "\n")
for link in text:gmatch("|([%w%.%-_:()]+)|") do
  if (link:find("bqw", 1, true) or link:find("Bqw", 1, true)) and not tags_at[link] then
    local n = select(2, text:sub(1, text:find("|" .. link .. "|", 1, true)):gsub("\n", "")) + 1
    fail(n, "|%s| has no *%s*", link, link)
  end
end

-- plugins/README.md names exactly the built-in plugins, kind by kind
local plugins = arg[2]
if plugins then
  local readme_path = plugins .. "/README.md"
  local readme = assert(io.open(readme_path)):read("a") .. "\n\n"
  for _, kind in ipairs({ "view", "filter", "export" }) do
    local list = readme:match("%- `" .. kind .. "/`: (.-)\n[%-\n]")
    local named = {}
    for name in (list or ""):gmatch("[%w_]+") do
      named[name] = true
    end
    local pipe = assert(io.popen("ls " .. plugins .. "/" .. kind))
    for file in pipe:lines() do
      local name = file:match("^(.+)%.lua$")
      if name and not named[name] then
        failures[#failures + 1] = ("%s:1:1: error: the %s plugin %q is not listed"):format(readme_path, kind, name)
      end
      named[name or ""] = nil
    end
    pipe:close()
    for name in pairs(named) do
      failures[#failures + 1] = ("%s:1:1: error: lists the %s plugin %q, which plugins/%s/ lacks"):format(
        readme_path, kind, name, kind)
    end
  end
end

for _, f in ipairs(failures) do
  io.stderr:write(f, "\n")
end
if #failures > 0 then
  io.stderr:write(("doc check: %d problem(s)\n"):format(#failures))
  os.exit(1)
end
print(("doc check ok (%d sections, %d tags)"):format(#headings, (function()
  local c = 0
  for _ in pairs(tags_at) do
    c = c + 1
  end
  return c
end)()))
