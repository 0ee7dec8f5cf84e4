-- bqw convert reads as the loader reads (a regular file only, at most --max-size) and
-- checks its text as the loader does: the same message, the same byte column as bqw
-- check, the same encoding advice, and advice that, followed, gives the text back.
local H = require("tests.lua.helpers")

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

--- Runs a shell command line; returns stdout, stderr, exit code. A command that
--- blocks is ended by timeout (exit 124), so a regression fails rather than hangs.
local function sh(cmd)
  local err_path = os.tmpname()
  local pipe = assert(io.popen("timeout 20 " .. cmd .. " 2>" .. H.quote(err_path), "r"))
  local stdout = pipe:read("a")
  local _, _, code = pipe:close()
  local stderr = H.read_file(err_path) or ""
  os.remove(err_path)
  return stdout, stderr, code
end

local function bqw(...)
  local words = { H.quote(H.exe) }
  for _, w in ipairs({ ... }) do
    words[#words + 1] = H.quote(w)
  end
  return sh(table.concat(words, " "))
end

--- text in another encoding, through iconv (libc-bin)
local function encode(text, encoding)
  local src = write("iconv-src.txt", text)
  local out, err, code = sh(("iconv -f UTF-8 -t %s %s"):format(encoding, H.quote(src)))
  assert(code == 0, err)
  return out
end

-- Traditional text (Big5 has no Simplified characters), and a Simplified one
local TRADITIONAL = "全省政策\n縣域發展\n●《關於推動產業有序轉移的若干措施》\n"
  .. "◎支持粵東粵西粵北地區承接產業，實施「百縣千鎮萬村高質量發展工程」。\n"
local SIMPLIFIED = "全省政策\n县域发展\n●《关于推动产业有序转移的若干措施》\n"
  .. "◎支持粤东粤西粤北地区承接产业，实施“百县千镇万村高质量发展工程”。\n"

--- The first error bqw check reports for path: "PATH:LINE:COL: error: …".
local function check_error(path)
  local out = bqw("check", path)
  return out:match("[^\n]*: error: [^\n]*")
end

--- Runs the conversion an error message advises ("convert it: iconv … > out.txt")
--- and returns what it writes.
local function follow(message)
  local command = message:match("convert it: (iconv %-f %S+ %-t UTF%-8 %S+) > out%.txt")
  assert.is_truthy(command, message)
  local out, err, code = sh(command)
  assert.equal(0, code, err)
  return out
end

describe("bqw convert", function()
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. H.quote(dir) .. " && mkfifo " .. H.quote(dir .. "/fifo")))
  end)

  teardown(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("refuses a FIFO without opening it", function()
    local out, err, code = bqw("convert", path_of("fifo"))
    assert.equal(2, code, err) -- 124 if it blocked
    assert.equal("", out)
    assert.equal(path_of("fifo") .. ": error: not a regular file (a FIFO)", err:match("^[^;]*"))
  end)

  it("refuses a directory with an error, not a silent exit 0", function()
    local _, err, code = bqw("convert", dir)
    assert.equal(2, code)
    assert.equal(dir .. ": error: not a regular file (a directory)", err:match("^[^;]*"))
  end)

  it("refuses /dev/zero at once", function()
    local _, err, code = bqw("convert", "/dev/zero")
    assert.equal(2, code)
    assert.equal("/dev/zero: error: not a regular file (a character device)", err:match("^[^;]*"))
  end)

  it("refuses a file over --max-size, as the loader does, and stdin too", function()
    local path = write("big.txt", ("鄉村振興\n"):rep(100)) -- 1300 bytes
    local _, err, code = bqw("convert", "--max-size", "1K", path)
    assert.equal(2, code)
    local check_out = bqw("check", "--max-size", "1K", path) -- check's diagnostics: stdout
    assert.truthy(err:find("larger than the size limit of 1024 bytes", 1, true), err)
    assert.equal(check_out, err) -- the loader's very message
    local out
    out, err, code = bqw("convert", "--max-size", "2K", path)
    assert.equal(0, code, err)
    assert.equal(("乡村振兴\n"):rep(100), out)
    out, err, code = sh("head -c 5000 /dev/zero | " .. H.quote(H.exe) .. " convert --max-size 4K")
    assert.equal(2, code)
    assert.equal("", out)
    assert.truthy(err:find("<stdin>: error: file is larger than the size limit of 4096 bytes", 1, true), err)
    _, err, code = bqw("convert", "--max-size", "lots", path)
    assert.equal(2, code)
    assert.truthy(err:find("--max-size", 1, true), err)
  end)

  it("has the loader's default size limit", function()
    local core = require("bqw.core")
    local cmd = require("bqw.commands").find("convert")
    local help
    for _, o in ipairs(cmd.options) do
      if o.names == "--max-size" then
        help = o.help
      end
    end
    assert.truthy(help and help:find("default 1G", 1, true), help)
    assert.equal(1024 ^ 3, core.default_max_size)
  end)

  it("gives the byte column bqw check gives, with its message", function()
    for name, bytes in pairs({
      surrogate = "鄉村\n縣\237\160\128域\n",
      ascii_surrogate = "ab\237\160\128c\n",
      overlong = "ab\192\175\n",
      truncated = "全省政策\n縣域發\229\177",
      stray = "abc\n\tx\128y\n",
    }) do
      local path = write(name .. ".txt", bytes)
      local _, err, code = bqw("convert", path)
      assert.equal(1, code, name)
      assert.equal(check_error(path), err:match("^[^\n]*"), name)
    end
    local _, err = bqw("convert", write("s.txt", "鄉村\n縣\237\160\128域\n"))
    assert.truthy(err:find("s.txt:2:4: error: invalid UTF-8: encoded UTF-16 surrogate", 1, true), err)
  end)

  it("writes the lines before the first bad one", function()
    local out, _, code = bqw("convert", write("partial.txt", "鄉村\n振興\nab\255c\n振興\n"))
    assert.equal(1, code)
    assert.equal("乡村\n振兴\n", out)
  end)

  it("tells Big5 from GB18030, and the advice gives the text back", function()
    for _, case in ipairs({
      { "BIG5", TRADITIONAL, "Big5" },
      { "BIG5", "百縣千鎮萬村高質量發展工程\n鄉村振興\n", "Big5" }, -- no punctuation
      { "GB18030", SIMPLIFIED, "GB18030" },
      { "GB18030", TRADITIONAL, "GB18030" },
    }) do
      local encoding, text, named = case[1], case[2], case[3]
      local path = write("legacy.txt", encode(text, encoding))
      local out, err, code = bqw("convert", path)
      assert.equal(1, code, err)
      assert.equal("", out)
      local message = err:match("^[^\n]*")
      assert.equal(check_error(path), message)
      assert.truthy(message:find("it looks like " .. named, 1, true), message)
      assert.truthy(message:find("iconv -f " .. encoding .. " -t UTF-8 " .. path .. " | head", 1, true), message)
      local other = encoding == "BIG5" and "GB18030" or "BIG5"
      assert.falsy(message:find("iconv -f " .. other, 1, true), message)
      assert.equal(text, follow(message), encoding .. " " .. text)
    end
  end)

  it("never advises GB18030 for UTF-8 with a stray byte or for Latin-1", function()
    for _, bytes in ipairs({
      "title\nhello \176world, and more ASCII\n",
      "\176標題\n百縣千鎮萬村高質量發展工程\n",
      "百縣千鎮萬村\n高質量\176發展工程\n",
      "M\252ller, G\233rard; Fran\231ois\n",
    }) do
      local _, err, code = bqw("convert", write("stray.txt", bytes))
      assert.equal(1, code)
      assert.truthy(err:find("invalid UTF-8", 1, true), err)
      assert.falsy(err:find("GB18030", 1, true), err)
      assert.falsy(err:find("Big5", 1, true), err)
    end
  end)

  it("gives UTF-16 and UTF-32 their own advice, which gives the text back", function()
    for _, case in ipairs({
      { "UTF-16LE", "", "UTF-16 (little-endian, no byte order mark", "UTF-16LE" },
      { "UTF-16BE", "", "UTF-16 (big-endian, no byte order mark", "UTF-16BE" },
      { "UTF-16LE", "\255\254", "UTF-16 (little-endian byte order mark)", "UTF-16" },
      { "UTF-16BE", "\254\255", "UTF-16 (big-endian byte order mark)", "UTF-16" },
      { "UTF-32LE", "", "UTF-32 (little-endian, no byte order mark", "UTF-32LE" },
      { "UTF-32BE", "\0\0\254\255", "UTF-32 (big-endian byte order mark)", "UTF-32" },
    }) do
      local path = write("wide.txt", case[2] .. encode(SIMPLIFIED, case[1]))
      local out, err, code = bqw("convert", path)
      assert.equal(1, code)
      assert.equal("", out)
      local message = err:match("^[^\n]*")
      assert.equal(check_error(path), message)
      assert.truthy(message:find(path .. ":1:1: error: file is " .. case[3], 1, true), message)
      assert.truthy(message:find("iconv -f " .. case[4] .. " -t UTF-8", 1, true), message)
      assert.falsy(message:find("GB18030", 1, true), message)
      assert.equal(SIMPLIFIED, follow(message))
    end
  end)

  it("calls a binary file binary", function()
    local path = write("prog.bin", "\127ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0" .. ("\0\255\16\32"):rep(64))
    local out, err, code = bqw("convert", path)
    assert.equal(1, code)
    assert.equal("", out)
    local message = err:match("^[^\n]*")
    assert.equal(check_error(path), message)
    assert.truthy(message:find(path .. ":1:8: error: binary file (NUL byte at 1:8)", 1, true), message)
    assert.falsy(message:find("iconv", 1, true), message)
  end)
end)
