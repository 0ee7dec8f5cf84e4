-- Every command that reads the data, over every kind of bad input: the exit status, and
-- the first line of the error output names the file (with LINE:COL where there is one).
-- `check` writes its diagnostics to stdout; the others write the error to stderr.
local H = require("tests.lua.helpers")

local sanitized = os.getenv("BQW_SANITIZED") == "1"

local dir

local function path_of(name)
  return dir .. "/" .. name
end

local function write(name, data)
  local fh = assert(io.open(path_of(name), "wb"))
  fh:write(data)
  fh:close()
  return path_of(name)
end

--- bytes of text in another encoding, through iconv (libc-bin)
local function encode(text, encoding)
  local src = write("iconv-src.txt", text)
  local pipe = assert(io.popen(("iconv -f UTF-8 -t %s %s"):format(encoding, H.quote(src)), "r"))
  local bytes = pipe:read("a")
  pipe:close()
  return bytes
end

local SAMPLE = "全省政策\n縣域發展\n●《關于推動產業有序轉移的若干措施》\n◎支持粵東粵西粵北地區承接產業。\n"

-- name, how to make it, expected exit status, the first line's pattern (after the path)
local function inputs()
  return {
    { "empty", write("empty.txt", ""), 1, ": error: no records: the file is empty$" },
    { "whitespace", write("blank.txt", " \n\t\n\227\128\128\n\n"), 1, ": error: no records: the file holds only white space" },
    { "NUL bytes", write("nul.txt", "全省政策\n縣域\0發展\n"), 1, ":2:7: error: binary file %(NUL byte at 2:7%)" },
    {
      "binary",
      write("binary.bin", "\127ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0" .. ("\0\255\16\32"):rep(64)),
      1,
      ":1:8: error: binary file %(NUL byte at 1:8%)",
    },
    {
      "UTF-16LE with BOM",
      write("u16le-bom.txt", "\255\254" .. encode(SAMPLE, "UTF-16LE")),
      1,
      ":1:1: error: file is UTF%-16 %(little%-endian byte order mark%)",
    },
    {
      "UTF-16BE with BOM",
      write("u16be-bom.txt", "\254\255" .. encode(SAMPLE, "UTF-16BE")),
      1,
      ":1:1: error: file is UTF%-16 %(big%-endian byte order mark%)",
    },
    { "UTF-16LE", write("u16le.txt", encode(SAMPLE, "UTF-16LE")), 1, ":1:1: error: file is UTF%-16 %(little%-endian, no byte order mark.*iconv %-f UTF%-16LE" },
    { "UTF-16BE", write("u16be.txt", encode(SAMPLE, "UTF-16BE")), 1, ":1:1: error: file is UTF%-16 %(big%-endian, no byte order mark.*iconv %-f UTF%-16BE" },
    { "UTF-32", write("u32.txt", encode(SAMPLE, "UTF-32")), 1, ":1:1: error: file is UTF%-32" },
    { "UTF-32LE", write("u32le.txt", encode(SAMPLE, "UTF-32LE")), 1, ":1:1: error: file is UTF%-32 %(little%-endian, no byte order mark" },
    { "GB18030", write("gb.txt", encode(SAMPLE, "GB18030")), 1, ":1:5: error: file is not UTF%-8; it looks like GB18030" },
    { "overlong", write("overlong.txt", "全省政策\n縣域發展\192\175\n"), 1, ":2:13: error: invalid UTF%-8: overlong" },
    { "surrogate", write("surrogate.txt", "全省政策\n縣\237\160\128域\n"), 1, ":2:4: error: invalid UTF%-8: encoded UTF%-16 surrogate" },
    { "truncated", write("truncated.txt", "全省政策\n縣域發\229\177"), 1, ":2:10: error: invalid UTF%-8: truncated sequence" },
    { "lone CR", write("cr.txt", (SAMPLE:gsub("\n", "\r"))), 0, nil },
    { "10^6 empty lines", write("lines.txt", ("\n"):rep(1000000)), 1, ": error: no records: the file holds only white space %(1000000 lines%)" },
    { "directory", dir, 2, ": error: not a regular file %(a directory%)" },
    { "FIFO", path_of("fifo"), 2, ": error: not a regular file %(a FIFO%)" },
    { "/dev/zero", "/dev/zero", 2, ": error: not a regular file %(a character device%)" },
    { "missing path", path_of("missing.txt"), 2, ": error: cannot read file: No such file or directory" },
  }
end

-- Under ASan each run costs seconds: there `check` (the loader, the same for every
-- command) stands for all; the gcc build runs them all.
local COMMANDS = sanitized and { { "check" } } or {
  { "check" },
  { "overview" },
  { "stats" },
  { "list" },
  { "dump" },
  { "view", "list" },
  { "export", "--format", "csv" },
  { "search", "乡村" },
}

--- Runs a command line (a list of words); returns stdout, stderr, exit code.
local function run(words)
  local parts = {}
  for i, w in ipairs(words) do
    parts[i] = H.quote(w)
  end
  local err_path = os.tmpname()
  local pipe = assert(io.popen(table.concat(parts, " ") .. " 2>" .. H.quote(err_path), "r"))
  local stdout = pipe:read("a")
  local _, _, code = pipe:close()
  local fh = io.open(err_path, "rb")
  local stderr = fh and fh:read("a") or ""
  if fh then
    fh:close()
  end
  os.remove(err_path)
  return stdout, stderr, code
end

local function first_line(s)
  return (s or ""):match("^[^\n]*")
end

local function escape(s)
  return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

describe("bad input", function()
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. H.quote(dir) .. " && mkfifo " .. H.quote(dir .. "/fifo")))
  end)

  teardown(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("gets a clear error from every command that reads the data", function()
    for _, input in ipairs(inputs()) do
      local name, path, want_code, want = input[1], input[2], input[3], input[4]
      for _, cmd in ipairs(COMMANDS) do
        local words = { "timeout", "20", H.exe }
        for _, w in ipairs(cmd) do
          words[#words + 1] = w
        end
        if cmd[1] == "check" then
          words[#words + 1] = path
        else
          words[#words + 1] = "--data=" .. path
        end
        local out, err, code = run(words)
        local label = ("%s: bqw %s: exit %s\nstdout: %s\nstderr: %s"):format(name, table.concat(cmd, " "), tostring(code), first_line(out), first_line(err))
        assert.equal(want_code, code, label)
        if want then
          local line = first_line(cmd[1] == "check" and out or err)
          assert.truthy(line:find("^" .. escape(path) .. want), label)
        end
      end
    end
  end)

  it("reads a 100 MB line, and refuses it over --max-size", function()
    if sanitized then
      return pending("100 MB under ASan is slow; the gcc build runs it")
    end
    local path = write("long.txt", ("鄉村振興"):rep(math.floor(100 * 1024 * 1024 / 12)))
    local out, err, code = run({ H.exe, "check", path })
    assert.equal(0, code, err)
    assert.truthy(first_line(out):find("^" .. escape(path) .. ":1:1: warning: no records: "), first_line(out))
    out, err, code = run({ H.exe, "stats", "--data", path, "--max-size", "50M" })
    assert.equal(2, code, out)
    assert.truthy(first_line(err):find("^" .. escape(path) .. ": error: file is larger than the size limit of 52428800 bytes"), err)
    os.remove(path)
  end)
end)
