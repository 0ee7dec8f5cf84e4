-- common.lua -- what run.lua and surfaces.lua both need: a scratch directory, files,
-- lines, characters and OpenCC over a list of lines (with tests/lua/helpers.lua's quote
-- and file functions). Not for oracle.lua, which requires nothing (it shares no code
-- with bqw, nor with these drivers).
local H = require("tests.lua.helpers") -- the specs' quote, read_file, write_file, temp_dir
local C = {}

C.sh_quote = H.quote
C.read = H.read_file
C.write = H.write_file
C.temp_dir = H.temp_dir


--- The bytes of path, or nil when it cannot be opened.
function C.try_read(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("a")
  f:close()
  return s
end

--- The lines of s, without their "\n"; a last line without one counts.
function C.lines_of(s)
  local out = {}
  for l in (s .. (s:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    out[#out + 1] = l
  end
  return out
end

--- The characters of a UTF-8 string.
function C.chars(s)
  local out = {}
  for _, c in utf8.codes(s) do
    out[#out + 1] = utf8.char(c)
  end
  return out
end

--- lines (no "\n" in any) through `opencc -c config` at once, in dir; the converted
--- lines, one for each.
function C.opencc_lines(lines, config, dir)
  local from, to = dir .. "/opencc-in.txt", dir .. "/opencc-out.txt"
  C.write(from, table.concat(lines, "\n") .. "\n")
  local q = C.sh_quote
  assert(os.execute(("opencc -c %s -i %s -o %s"):format(q(config), q(from), q(to))), "opencc -c " .. config)
  local out = C.lines_of(C.read(to))
  assert(#out == #lines, "opencc changed the line count")
  return out
end

return C
