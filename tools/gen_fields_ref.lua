-- Generates the field tables of README.md and doc/bqw.txt from libbqw's schema
-- (core/bqw_schema.h, read through bqw.fields), so that the docs cannot drift from
-- the fields the records, filters, facets, sorts and exports have.
--   bqw run tools/gen_fields_ref.lua write README.md doc/bqw.txt   (make fields-ref)
--   bqw run tools/gen_fields_ref.lua check README.md doc/bqw.txt   fails when stale
-- README.md: the Markdown table between the two marker comments below.
-- doc/bqw.txt: the lines after the line that ends with the *bqw-fields* tag, up to
-- the first empty line.
local fields = require("bqw.fields")

local README_BEGIN = "<!-- fields: generated from core/bqw_schema.h by `make fields-ref`; do not edit -->\n"
local README_END = "<!-- end of the generated fields -->\n"
local TAG = "*bqw-fields*\n"

local fileio = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/fileio.lua")
local read, write = fileio.read, fileio.write

--- text split around the generated part: before, the part, after (nil when the
--- markers are missing, with a message).
local function split_readme(text)
  local a = text:find(README_BEGIN, 1, true)
  local b = a and text:find(README_END, a, true)
  if not b then
    return nil, "no " .. README_BEGIN:gsub("\n", "") .. " ... " .. README_END:gsub("\n", "") .. " markers"
  end
  local start = a + #README_BEGIN
  return text:sub(1, start - 1), text:sub(start, b - 1), text:sub(b)
end

local function split_vimdoc(text)
  local a = text:find(TAG, 1, true)
  if not a then
    return nil, "no line ending with " .. TAG:gsub("\n", "")
  end
  local start = a + #TAG
  local stop = text:find("\n\n", start - 1, true)
  if not stop then
    return nil, "no empty line after the field table"
  end
  return text:sub(1, start - 1), text:sub(start, stop), text:sub(stop + 1)
end

local mode, readme, vimdoc = arg[1], arg[2], arg[3]
if (mode ~= "write" and mode ~= "check") or not readme or not vimdoc then
  io.stderr:write("usage: bqw run tools/gen_fields_ref.lua write|check README.md doc/bqw.txt\n")
  os.exit(2)
end

local stale = false
for _, doc in ipairs({
  { path = readme, split = split_readme, fresh = fields.markdown() },
  { path = vimdoc, split = split_vimdoc, fresh = fields.vimdoc() },
}) do
  local text = read(doc.path)
  local before, part, after = doc.split(text)
  if not before then
    io.stderr:write(doc.path, ": error: ", part, "\n")
    os.exit(1)
  end
  if mode == "write" then
    if part ~= doc.fresh then
      write(doc.path, before .. doc.fresh .. after)
      print("rewrote the field table of " .. doc.path)
    end
  elseif part ~= doc.fresh then
    io.stderr:write(doc.path, ": error: the field table differs from core/bqw_schema.h; run `make fields-ref` and review the diff\n")
    stale = true
  end
end
if stale then
  os.exit(1)
end
print("fields reference ok")
