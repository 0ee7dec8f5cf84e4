-- The command line under bad arguments, bad outputs and signals (issue 10, items 2, 5,
-- 6, 7 and 8): usage errors instead of tracebacks, -o that keeps what it replaces,
-- write errors reported, interruption within a second with nothing left behind.
local H = require("tests.lua.helpers")
local fs = require("bqw.core").fs

local function sh(cmd)
  local pipe = assert(io.popen(cmd .. " 2>&1"))
  local out = pipe:read("a")
  local _, _, code = pipe:close()
  return out, code
end

local temp_dir = H.temp_dir

local read = H.read_file
local write = H.write_file

local function entries(dir)
  local out = sh("ls -A " .. H.quote(dir))
  local names = {}
  for name in out:gmatch("[^\n]+") do
    names[#names + 1] = name
  end
  table.sort(names)
  return names
end

describe("numeric options", function()
  it("are a usage error naming the option and the range, never a traceback", function()
    local cases = {
      { { "search", "乡村", "--limit", "99999999999999999999" }, "--limit: expected a whole number from 0 to 1000000" },
      { { "search", "乡村", "--limit", "-1" }, "--limit: expected a whole number from 0 to 1000000" },
      { { "search", "乡村", "--limit", "abc" }, "--limit: expected a whole number from 0 to 1000000" },
      { { "search", "乡村", "--limit", "2.5" }, "--limit: expected a whole number" },
      { { "search", "乡村", "--limit=nan" }, "--limit: expected a whole number" },
      { { "list", "--width", "abc" }, "--width: expected a whole number from 10 to 10000" },
      { { "list", "--width", "0" }, "--width: expected a whole number from 10 to 10000" },
      { { "list", "--width", "-5" }, "--width: expected a whole number from 10 to 10000" },
      { { "view", "table", "--width", "1e9" }, "--width: expected a whole number from 10 to 10000" },
      { { "search", "乡村", "--width", "inf" }, "--width: expected a whole number from 10 to 10000" },
      { { "list", "--ambiwidth", "3" }, "--ambiwidth" },
    }
    for _, c in ipairs(cases) do
      local out, err, code = H.bqw(c[1])
      local what = table.concat(c[1], " ")
      assert.equal(2, code, what .. ": " .. err)
      assert.equal("", out, what)
      assert.truthy(err:find(c[2], 1, true), what .. ": " .. err)
      assert.is_nil(err:find("traceback", 1, true), what)
    end
    -- in range, they work
    local _, err, code = H.bqw({ "search", "乡村", "--limit", "0" })
    assert.equal(0, code, err)
    local out
    out, err, code = H.bqw({ "list", "--width", "10", "--color", "never" })
    assert.equal(0, code, err)
    assert.truthy(#out > 0)
  end)
end)

describe("-o", function()
  local dir
  before_each(function()
    dir = temp_dir()
  end)
  after_each(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("refuses a device, a FIFO and a directory, leaving them untouched (exit 2)", function()
    assert(os.execute("mkfifo " .. H.quote(dir .. "/fifo")))
    assert(os.execute("mkdir " .. H.quote(dir .. "/sub")))
    for _, target in ipairs({ "/dev/null", dir .. "/fifo", dir .. "/sub" }) do
      local out, err, code = H.bqw({ "export", "--format", "csv", "-o", target })
      assert.equal(2, code, target)
      assert.equal("", out)
      assert.matches("^bqw: error: cannot write " .. target:gsub("%p", "%%%0") .. ": it is a [%a ]+, not a regular file", err)
    end
    assert.equal("fifo", fs.stat(dir .. "/fifo", true).type)
    assert.equal("directory", fs.stat(dir .. "/sub", true).type)
    assert.equal("char", fs.stat("/dev/null", true).type)
    assert.same({ "fifo", "sub" }, entries(dir))
  end)

  it("keeps the mode of the file it replaces", function()
    local path = dir .. "/out.csv"
    write(path, "old\n")
    assert(os.execute("chmod 600 " .. H.quote(path)))
    local _, err, code = H.bqw({ "export", "--format", "csv", "-o", path })
    assert.equal(0, code, err)
    assert.equal(tonumber("600", 8), fs.stat(path).mode)
    assert.truthy(read(path):find("^id,kind"))
    assert(os.execute("chmod 640 " .. H.quote(path)))
    _, err, code = H.bqw({ "export", "--format", "json", "-o", path }, { BQW_TEMPFILE = "named" })
    assert.equal(0, code, err)
    assert.equal(tonumber("640", 8), fs.stat(path).mode)
    assert.same({ "out.csv" }, entries(dir))
  end)

  it("writes through a symlink to its target and keeps the link", function()
    local path = dir .. "/target.csv"
    write(path, "old\n")
    assert(os.execute("ln -s target.csv " .. H.quote(dir .. "/link.csv")))
    local _, err, code = H.bqw({ "export", "--format", "csv", "-o", dir .. "/link.csv" })
    assert.equal(0, code, err)
    assert.equal("link", fs.stat(dir .. "/link.csv", true).type)
    assert.truthy(read(path):find("^id,kind"))
    assert.same({ "link.csv", "target.csv" }, entries(dir))
  end)

  it("replaces a hard-linked file at its own name and says so", function()
    local path = dir .. "/a.csv"
    write(path, "old\n")
    assert(os.execute("ln " .. H.quote(path) .. " " .. H.quote(dir .. "/b.csv")))
    local _, err, code = H.bqw({ "export", "--format", "csv", "-o", path })
    assert.equal(0, code, err)
    assert.truthy(err:find("a.csv has 2 hard links; only this name gets the new content", 1, true), err)
    assert.truthy(read(path):find("^id,kind"))
    assert.equal("old\n", read(dir .. "/b.csv"))
  end)
end)

describe("an empty digest", function()
  it("is an error for export, which leaves the old output", function()
    local dir = temp_dir()
    local path = dir .. "/out.csv"
    write(path, "good\n")
    for _, text in ipairs({ "", "  \n\n\t\n" }) do
      local data = dir .. "/empty.txt"
      write(data, text)
      local _, err, code = H.bqw({ "export", "--data", data, "--format", "csv", "-o", path })
      assert.equal(1, code, err)
      -- the loader refuses it (ENODATA) or export does: either way, no records, exit 1
      assert.truthy(err:find("no records", 1, true), err)
      assert.equal("good\n", read(path))
      local out
      out, err, code = H.bqw({ "export", "--data", data, "--format", "csv" })
      assert.equal(1, code, err)
      assert.equal("", out)
    end
    assert.same({ "empty.txt", "out.csv" }, entries(dir))
    os.execute("rm -rf " .. H.quote(dir))
  end)
end)

describe("stdout", function()
  -- the digest twelve times over: views of it print in several chunks
  local BIG
  setup(function()
    local text = require("bqw").default_digest()
    BIG = H.temp_file(text .. "\n" .. (text:gsub("^.-\n全省政策", "全省政策")):rep(12), ".txt")
  end)

  it("a write error is exit 1 with the reason, for every command that prints", function()
    for _, words in ipairs({
      "export --format csv", "export --format json", "stats", "stats --json", "view table", "list",
      "list --json", "search 乡村", "dump", "overview",
      -- streamed in chunks: a write fails inside the view's drawing
      "list --data " .. H.quote(BIG), "view table --data " .. H.quote(BIG),
    }) do
      local pipe = assert(io.popen(H.quote(H.exe) .. " " .. words .. " 2>&1 >/dev/full"))
      local out = pipe:read("a")
      local _, _, code = pipe:close()
      assert.equal(1, code, words .. ": " .. out)
      assert.truthy(out:find("bqw: error: writing to stdout: No space left on device", 1, true), words .. ": " .. out)
      assert.is_nil(out:find("traceback", 1, true))
    end
  end)

  it("a write error is exit 1 also for help, version and scripts, which end through os.exit", function()
    local script = H.temp_file('print("from a script")\n', ".lua")
    local exits = H.temp_file('io.write("before os.exit")\nos.exit(true)\n', ".lua")
    for _, words in ipairs({
      "--help", "--version", "--version --verbose", "stats --help", "export --help", "plugins", "facet region",
      "check", "report", "run " .. H.quote(script), "run " .. H.quote(exits),
    }) do
      local pipe = assert(io.popen(H.quote(H.exe) .. " " .. words .. " 2>&1 >/dev/full"))
      local out = pipe:read("a")
      local _, _, code = pipe:close()
      assert.equal(1, code, words .. ": " .. out)
      assert.truthy(out:find("bqw: error: writing to stdout: ", 1, true), words .. ": " .. out)
      assert.is_nil(out:find("traceback", 1, true))
    end
    -- a status a script chose stands
    local three = H.temp_file('print("x")\nos.exit(3)\n', ".lua")
    local pipe = assert(io.popen(H.quote(H.exe) .. " run " .. H.quote(three) .. " 2>&1 >/dev/full"))
    pipe:read("a")
    local _, _, code = pipe:close()
    assert.equal(3, code)
  end)

  it("a closed pipe ends bqw quietly", function()
    local err_path = os.tmpname()
    for _, words in ipairs({ "export --format csv", "dump", "view table", "list", "search 乡村" }) do
      -- bash's PIPESTATUS: bqw's own status, 0 or 141 (SIGPIPE) depending on timing
      local line = ("%s %s 2>%s | head -1 >/dev/null; echo ${PIPESTATUS[0]}"):format(H.quote(H.exe), words, err_path)
      local out = sh("bash -c " .. H.quote(line))
      local code = tonumber(out:match("(%d+)%s*$"))
      assert.truthy(code == 0 or code == 141, words .. ": " .. out)
      local err = read(err_path)
      assert.is_nil(err:find("error", 1, true), words .. ": " .. err)
    end
    os.remove(err_path)
  end)
end)

describe("interruption", function()
  local dir, plugin_dir
  setup(function()
    plugin_dir = temp_dir()
    assert(os.execute("mkdir -p " .. H.quote(plugin_dir .. "/export")))
    write(
      plugin_dir .. "/export/spin.lua",
      [[return { name = "spin", kind = "export", description = "never ends",
        write = function(out)
          out:write("start\n")
          io.open(os.getenv("SPIN_MARK"), "w"):close() -- tells the test the loop is running
          while true do end
        end }]]
    )
  end)
  teardown(function()
    os.execute("rm -rf " .. H.quote(plugin_dir))
  end)
  setup(function()
    -- a filter that spins once a few records have been written
    assert(os.execute("mkdir -p " .. H.quote(plugin_dir .. "/filter")))
    write(
      plugin_dir .. "/filter/spin.lua",
      [[return { name = "spin", kind = "filter", description = "spins at record 3",
        match = function(r)
          if r.id >= 3 then
            io.open(os.getenv("SPIN_MARK"), "w"):close()
            while true do end
          end
          return true
        end }]]
    )
  end)
  before_each(function()
    dir = temp_dir()
  end)
  after_each(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  --- Starts bqw (SIGINT at its default: a shell's background job would ignore it),
  --- sends sig once it runs, and returns its exit status and stderr.
  local function interrupt(sig, words, env)
    local script = dir .. "/run.py"
    write(
      script,
      [[
import os, signal, subprocess, sys, time
mark = sys.argv[2] + "/running"
if os.path.exists(mark):
    os.remove(mark)
env = dict(os.environ, BQW_PLUGIN_PATH=sys.argv[2], SPIN_MARK=mark,
           **dict(a.split("=", 1) for a in sys.argv[3].split() if a))
p = subprocess.Popen(sys.argv[4:], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
# once the plugin runs (startup is slow under a sanitizer), then a little more
for _ in range(600):
    if os.path.exists(mark) or p.poll() is not None:
        break
    time.sleep(0.05)
time.sleep(0.2)
p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
try:
    _, err = p.communicate(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    print("no exit within 20 s")
    sys.exit(0)
print(p.returncode)
sys.stdout.write(err.decode())
]]
    )
    local parts = { "python3", H.quote(script), sig, H.quote(plugin_dir), H.quote(env or "") }
    parts[#parts + 1] = H.quote(H.exe)
    for _, w in ipairs(words) do
      parts[#parts + 1] = H.quote(w)
    end
    local out = sh(table.concat(parts, " "))
    os.remove(script)
    return tonumber(out:match("^(%-?%d+)\n")), out
  end

  it("leaves no scratch file of the xlsx and sqlite exports when interrupted between rows", function()
    local core = require("bqw.core")
    for _, format in ipairs({ "xlsx", "sqlite" }) do
      if core[format] then
        local scratch = dir .. "/scratch"
        assert(os.execute("mkdir -p " .. H.quote(scratch)))
        local path = dir .. "/out." .. format
        local code, out = interrupt("INT", { "export", "--format", format, "--where", "spin=1", "-o", path }, "TMPDIR=" .. scratch)
        assert.equal(130, code, out)
        assert.same({}, entries(scratch), format)
        assert.same({ "scratch" }, entries(dir), format)
        os.execute("rm -rf " .. H.quote(scratch))
        -- the scratch file is made in $TMPDIR, where the signal handler knows it
        local _, err, code2 = H.bqw({ "export", "--format", format, "-o", path }, { TMPDIR = scratch })
        assert.is_true(code2 ~= 0, err)
        assert.truthy(err:find("cannot create a scratch file in " .. scratch, 1, true), err)
      end
    end
  end)

  -- libxlsxwriter opens its file by name when it closes the workbook: a signal that
  -- arrives just before leaves a scratch file made again after the handler removed it.
  -- The child stands in for that writer: it is signalled, writes its scratch file anew,
  -- then ends by os.exit (the error path) or is ended by the grace timer (stuck in C).
  for _, ending in ipairs({ "os.exit(130)", "os.execute('sleep 3')" }) do
    it("removes a scratch file written again after the signal, ending by " .. ending, function()
      local scratch = dir .. "/scratch"
      assert(os.execute("mkdir -p " .. H.quote(scratch)))
      local child = ([[
local fs = require("bqw.core").fs
fs.catch_signals()
local t = assert(fs.tempfile(%q, "bqw-xlsx", true))
local path = t:name()
local pid = io.open("/proc/self/stat"):read("n")
os.execute("kill -TERM " .. pid) -- TERM: system() ignores INT while it waits
assert(not pcall(function() while true do end end)) -- the hook raises "interrupted"
assert(fs.interrupted() == "term")
assert(not io.open(path, "rb"), "the handler removes the scratch file at once")
local fh = io.open(path, "wb")
fh:write("made again after the signal")
fh:close()
%s
]]):format(scratch, ending)
      write(dir .. "/child.lua", child)
      local out = sh(H.quote(H.exe) .. " run " .. H.quote(dir .. "/child.lua"))
      assert.same({}, entries(scratch), out)
    end)
  end

  for _, case in ipairs({ { "INT", 130 }, { "TERM", 143 } }) do
    it(("ends a plugin stuck in a loop on SIG%s with exit %d, no temporary left"):format(case[1], case[2]), function()
      for _, env in ipairs({ "", "BQW_TEMPFILE=named" }) do
        local path = dir .. "/out.txt"
        write(path, "old\n")
        local code, out = interrupt(case[1], { "export", "--format", "spin", "-o", path }, env)
        assert.equal(case[2], code, out)
        assert.truthy(out:find("bqw: interrupted", 1, true), out)
        assert.equal("old\n", read(path))
        assert.same({ "out.txt" }, entries(dir))
        code, out = interrupt(case[1], { "export", "--format", "spin" }, env)
        assert.equal(case[2], code, out)
        assert.is_nil(out:find("failed", 1, true), out)
      end
    end)
  end
end)

describe("control characters in the data", function()
  local dir, data
  -- an OSC title change, a BEL, a screen clear, a C1 CSI, a right-to-left override, an
  -- isolate, a NUL-free DEL
  local TITLE = "关于\27]0;pwned\7测试\27[2J\194\155K\226\128\174的通知\127"
  local MEASURE = "\27[31m红色\226\129\166措施"
  setup(function()
    dir = temp_dir()
    data = dir .. "/ctl.txt"
    local lines = H.digest_lines()
    assert(lines[9]:find("^●《"), "line 9 is the first document")
    lines[9] = "●《" .. TITLE .. "》"
    lines[10] = "◎" .. MEASURE
    write(data, table.concat(lines, "\n"))
  end)
  teardown(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  --- nil, or the first control character (raw) in s, SGR sequences removed first.
  local function raw_control(s, sgr)
    if sgr then
      s = s:gsub("\27%[[%d;]*m", "")
    end
    return s:match("[%z\1-\8\11-\31\127]") or s:match("\194[\128-\159]") or s:match("\226\128[\170-\174]")
      or s:match("\226\129[\166-\169]")
  end

  it("are shown escaped in every view, list, search and the overview, whatever --color", function()
    local runs = { { "list" }, { "search", "测试" }, { "search", "红色" }, { "overview" } }
    for _, v in ipairs({ "list", "tree", "table", "timeline", "cities", "detail" }) do
      runs[#runs + 1] = { "view", v }
    end
    for _, words in ipairs(runs) do
      for _, color in ipairs({ "never", "always" }) do
        local w = { table.unpack(words) }
        if words[1] ~= "overview" then
          w[#w + 1] = "--color"
          w[#w + 1] = color
        end
        w[#w + 1] = "--data"
        w[#w + 1] = data
        local out, err, code = H.bqw(w)
        local what = table.concat(w, " ")
        assert.equal(0, code, what .. ": " .. err)
        assert.is_nil(raw_control(out, color == "always"), what)
        if words[1] ~= "overview" and words[2] ~= "cities" and words[2] ~= "timeline" then
          assert.truthy(out:find("\\x1b", 1, true), what .. ": " .. out)
        end
      end
    end
    local out = H.bqw({ "view", "detail", "--where", "id=1", "--color", "never", "--data", data })
    assert.truthy(out:find("\\x1b]0;pwned\\x07测试\\x1b[2J<U+009B>K<U+202E>的通知\\x7f", 1, true), out)
    assert.truthy(out:find("\\x1b[31m红色<U+2066>措施", 1, true), out)
  end)

  it("are kept in the data and escaped in JSON, shown escaped in Markdown and HTML", function()
    local ds = assert(require("bqw").load(data))
    assert.equal(TITLE, ds:record(1).title)
    local out, err, code = H.bqw({ "export", "--format", "json", "--where", "id=1", "--data", data })
    assert.equal(0, code, err)
    assert.is_nil(raw_control(out))
    assert.truthy(out:find("\\u001b]0;pwned\\u0007", 1, true), out)
    local decoded = require("bqw.json").decode(out)
    assert.equal(TITLE, decoded.records[1].title)
    out = H.bqw({ "export", "--format", "markdown", "--where", "id=1", "--data", data })
    assert.is_nil(raw_control(out))
    assert.truthy(out:find("\\\\x1b\\]0;pwned\\\\x07测试", 1, true), out) -- ] is Markdown-escaped too
    assert.truthy(out:find("\\<U+202E\\>", 1, true), out)
    out = H.bqw({ "export", "--format", "html", "--where", "id=1", "--data", data })
    assert.is_nil(raw_control(out))
    assert.truthy(out:find("\\x1b]0;pwned\\x07测试\\x1b[2J&lt;U+009B&gt;K&lt;U+202E&gt;", 1, true), out)
  end)
end)
