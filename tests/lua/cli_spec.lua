-- The bqw command: every command and exit code.
local H = require("tests.lua.helpers")
local json = require("bqw.vendor.dkjson")

describe("bqw stats", function()
  it("--json prints exactly the documented keys and counts", function()
    local out, err, code = H.bqw({ "stats", "--json" })
    assert.equal(0, code, err)
    local obj = json.decode(out)
    assert.same({
      provincial_documents = 21,
      provincial_measures = 31,
      city_entries = 21,
      city_measures = 32,
      guiding_documents = 1,
      targets = 3,
      meetings = 10,
      measures = 63,
    }, obj)
    assert.truthy(out:find('^{"provincial_documents":21,'))
  end)

  it("reads --data FILE", function()
    local path = H.temp_file("\239\187\191" .. require("bqw").default_digest():gsub("\n", "\r\n"))
    local out, _, code = H.bqw({ "stats", "--json", "--data", path })
    assert.equal(0, code)
    assert.equal(63, json.decode(out).measures)
    out, _, code = H.bqw({ "--data", path, "stats", "--json" })
    assert.equal(0, code)
    assert.equal(21, json.decode(out).city_entries)
    os.remove(path)
  end)

  it("prints a table without --json", function()
    local out, _, code = H.bqw({ "stats" })
    assert.equal(0, code)
    assert.truthy(out:find("city_measures%s+32"))
  end)
end)

describe("bqw list", function()
  it("prints one line per record, clean of residue", function()
    local out, _, code = H.bqw({ "list" })
    assert.equal(0, code)
    local n = 0
    for line in out:gmatch("[^\n]+") do
      n = n + 1
      assert.is_nil(line:find("(xi", 1, true))
      assert.is_nil(line:find("?", 1, true))
      assert.is_nil(line:find("</", 1, true))
    end
    assert.equal(56, n)
  end)

  it("--json is an array of the records", function()
    local out, _, code = H.bqw({ "list", "--json" })
    assert.equal(0, code)
    local records = json.decode(out)
    assert.equal(56, #records)
    assert.equal("meeting", records[56].kind)
  end)
end)

describe("bqw check", function()
  it("exits 0 on the shipped digest and summarises with --summary", function()
    local out, err, code = H.bqw({ "check", "--summary", H.root .. "/data/bqw-digest-2023.txt" })
    assert.equal(0, code)
    assert.truthy(out:find("bqw%-digest%-2023%.txt:1:1: warning: known defect"))
    assert.truthy(err:find("removed 807 pinyin readings", 1, true))
    assert.truthy(err:find("applied 6 repairs", 1, true))
    assert.truthy(err:find("0 errors, 1 warning", 1, true))
  end)

  it("exits 1 with FILE:LINE:COL errors", function()
    local path = H.temp_file("全省政策\n縣域發展\n●《文\237\160\128》\n")
    local out, _, code = H.bqw({ "check", path })
    local out_chars = H.bqw({ "check", "--column-unit", "char", path })
    os.remove(path)
    assert.equal(1, code)
    -- bytes by default (●《文 is 9 bytes), characters with --column-unit char
    assert.truthy(out:find(path .. ":3:10: error: invalid UTF-8: encoded UTF-16 surrogate U+D800", 1, true), out)
    assert.truthy(out_chars:find(path .. ":3:4: error: invalid UTF-8: encoded UTF-16 surrogate U+D800", 1, true), out_chars)
  end)

  it("prints no summary on stderr when it is not a terminal (Vim's system())", function()
    local out, err, code = H.bqw({ "check", H.root .. "/data/bqw-digest-2023.txt" })
    assert.equal(0, code)
    assert.equal("", err)
    -- every line of stdout is an entry: the defect and a note at each repaired spot
    local n = 0
    for line in out:gmatch("[^\n]+") do
      n = n + 1
      assert.truthy(line:find("^[^:]+:%d+:%d+: %a+: "), line)
    end
    assert.equal(7, n)
    assert.truthy(out:find("bqw%-digest%-2023%.txt:123:133: note: repaired "), out)
  end)

  it("takes --max-size with a suffix and refuses a bad one", function()
    local digest = H.root .. "/data/bqw-digest-2023.txt"
    local _, err, code = H.bqw({ "stats", "--data", digest, "--max-size", "10K" })
    assert.equal(2, code)
    assert.truthy(err:find(digest .. ": error: file is larger than the size limit of 10240 bytes", 1, true), err)
    _, _, code = H.bqw({ "stats", "--data", digest, "--max-size", "1M" })
    assert.equal(0, code)
    for _, bad in ipairs({ "0", "abc", "10X", "-5", "1.5M" }) do
      _, err, code = H.bqw({ "check", digest, "--max-size=" .. bad })
      assert.equal(2, code)
      assert.truthy(err:find("^bqw: error: %-%-max%-size: "), err)
    end
  end)

  it("exits 2 when the file cannot be read", function()
    local out, _, code = H.bqw({ "check", "/nonexistent/x.txt" })
    assert.equal(2, code)
    assert.truthy(out:find("/nonexistent/x.txt: error: cannot read file", 1, true))
  end)

  it("names UTF-16 and the fix", function()
    local path = H.temp_file("\255\254" .. ("a\0b\0"):rep(10))
    local out, _, code = H.bqw({ "check", path })
    os.remove(path)
    assert.equal(1, code)
    assert.truthy(out:find("UTF-16", 1, true))
    assert.truthy(out:find("iconv -f UTF-16 -t UTF-8", 1, true))
  end)
end)

describe("bqw run", function()
  it("runs a script with bqw, arguments and exit status", function()
    local script = H.temp_file(
      'local n = #bqw.load():records()\nprint(n, arg[1], select("#", ...), ...)\nreturn 7\n',
      ".lua"
    )
    local out, _, code = H.bqw({ "run", script, "x", "--flag" })
    os.remove(script)
    assert.equal(7, code)
    assert.equal("56\tx\t2\tx\t--flag\n", out)
  end)

  it("passes --data to bqw.load()", function()
    local data = H.temp_file(require("bqw").default_digest())
    local script = H.temp_file("print(bqw.load():name())", ".lua")
    local out, _, code = H.bqw({ "--data", data, "run", script })
    assert.equal(0, code)
    assert.equal(data .. "\n", out)
    os.remove(data)
    os.remove(script)
  end)

  it("exits 1 when the script fails and 2 when it is missing", function()
    local script = H.temp_file("error('boom')", ".lua")
    local _, err, code = H.bqw({ "run", script })
    os.remove(script)
    assert.equal(1, code)
    assert.truthy(err:find("boom", 1, true))
    _, err, code = H.bqw({ "run", "/nonexistent/s.lua" })
    assert.equal(2, code)
    assert.truthy(err:find("bqw: error:", 1, true))
    _, _, code = H.bqw({ "run" })
    assert.equal(2, code)
  end)
end)

describe("usage", function()
  it("--help and --version exit 0", function()
    local out, _, code = H.bqw({ "--help" })
    assert.equal(0, code)
    assert.truthy(out:find("Usage: bqw", 1, true))
    out, _, code = H.bqw({ "--version" })
    assert.equal(0, code)
    assert.truthy(out:find("^bqw %d+%.%d+%.%d+"))
  end)

  it("an unknown command or option exits 2 with a clear message", function()
    local _, err, code = H.bqw({ "frobnicate" })
    assert.equal(2, code)
    assert.truthy(err:find("bqw: error: unknown command 'frobnicate'", 1, true))
    _, err, code = H.bqw({ "stats", "--jsn" })
    assert.equal(2, code)
    assert.truthy(err:find("unknown option '--jsn'", 1, true))
    _, _, code = H.bqw({ "stats", "--data" })
    assert.equal(2, code)
  end)

  it("with no command prints the overview", function()
    local out, _, code = H.bqw({})
    assert.equal(0, code)
    assert.truthy(out:find("City entries by region", 1, true))
    assert.truthy(out:find("珠三角%s+9"))
    assert.truthy(out:find("2022-12-08", 1, true))
  end)

  it("a bad --data file exits 2 for every dataset command", function()
    for _, cmd in ipairs({ "overview", "stats", "list", "dump" }) do
      local _, err, code = H.bqw({ cmd, "--data", "/nonexistent/d.txt" })
      assert.equal(2, code, cmd)
      assert.truthy(err:find("/nonexistent/d.txt: error:", 1, true), cmd)
    end
  end)
end)

describe("bqw view, list --where, export", function()
  it("draws a view of the records an expression selects", function()
    local out, err, code = H.bqw({ "view", "list", "--where", "region=粤北", "--color", "never" })
    assert.equal(0, code, err)
    local n = select(2, out:gsub("\n", ""))
    assert.equal(5, n)
    assert.is_nil(out:find("\27[", 1, true))
    out = H.bqw({ "list", "--where", "kind=meeting year=2022" })
    assert.truthy(out:find("^ 47 meeting"))
  end)

  it("colours only when asked or on a terminal", function()
    local out = H.bqw({ "view", "list", "--where", "id=1", "--color", "always" })
    assert.truthy(out:find("\27[33m  1 \27[0m", 1, true), out)
  end)

  it("keeps lines within --width, measured in display cells", function()
    local bqw = require("bqw")
    local out = H.bqw({ "view", "list", "--width", "40" })
    for line in out:gmatch("[^\n]+") do
      assert.is_true(bqw.width(line) <= 40, line)
    end
  end)

  it("exits 2 with a pointed message for a bad expression, view or format", function()
    local _, err, code = H.bqw({ "view", "list", "--where", "region=粤北 yaer>=2025" })
    assert.equal(2, code)
    assert.truthy(err:find('^%-%-where:1:11: error: unknown filter "yaer", did you mean "year"%?'), err)
    _, err, code = H.bqw({ "view", "tree", "--columns", "id" })
    assert.equal(2, code)
    assert.truthy(err:find('view "tree" has no option "columns"', 1, true))
    _, err, code = H.bqw({ "view", "nosuch" })
    assert.equal(2, code)
    assert.truthy(err:find('no view plugin "nosuch"', 1, true))
    _, err, code = H.bqw({ "export", "--format", "nosuch" })
    assert.equal(2, code)
    assert.truthy(err:find('no export plugin "nosuch"', 1, true))
    -- the plugin is looked up before the data is read: no waiting for a load to learn
    -- of a typo, and the plugins are not read between the load and the first row
    for _, words in ipairs({ { "export", "--format", "nosuch" }, { "view", "nosuch" } }) do
      table.insert(words, 1, "--data")
      table.insert(words, 2, "/nonexistent/digest.txt")
      _, err, code = H.bqw(words)
      assert.equal(2, code)
      assert.truthy(err:find("no %a+ plugin \"nosuch\""), err)
    end
    _, _, code = H.bqw({ "export" })
    assert.equal(2, code)
  end)

  it("refuses to write a binary export to a terminal, not to a pipe", function()
    -- script(1) (util-linux) gives the command a terminal as its stdout
    local cmd = ("script -qec %s /dev/null"):format(H.quote(H.quote(H.exe) .. " export --format xlsx"))
    local pipe = assert(io.popen(cmd, "r"))
    local shown = pipe:read("a")
    local _, _, code = pipe:close()
    assert.equal(2, code)
    assert.truthy(shown:find("export xlsx writes a binary file, which a terminal cannot show", 1, true), shown)
    local out
    out, _, code = H.bqw({ "export", "--format", "xlsx" })
    assert.equal(0, code)
    assert.equal("PK\3\4", out:sub(1, 4)) -- a zip archive, as Excel reads it
  end)

  it("run: require finds the script's own modules, not the working directory's", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. H.quote(dir .. "/lib") .. " " .. H.quote(dir .. "/elsewhere"))
    H.write_file(dir .. "/lib/helper.lua", 'return "beside the script"\n')
    H.write_file(dir .. "/lib/main.lua", 'print(require("helper")) print(pcall(require, "stray"))\n')
    H.write_file(dir .. "/elsewhere/stray.lua", 'print("STRAY RAN") return true\n')
    local cmd = ("cd %s && %s run %s 2>&1"):format(H.quote(dir .. "/elsewhere"), H.quote(H.exe), H.quote(dir .. "/lib/main.lua"))
    local pipe = assert(io.popen(cmd))
    local out = pipe:read("a")
    pipe:close()
    assert.truthy(out:find("beside the script", 1, true), out)
    assert.falsy(out:find("STRAY RAN", 1, true), out)
    assert.truthy(out:find("false", 1, true), out)
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("escapes control and bidi characters in csv/tsv on a terminal, not in a pipe", function()
    local lines = H.digest_lines()
    assert(lines[10]:find("^◎"), "line 10 is a measure")
    lines[10] = "◎改\27]0;PWNED\7文\226\128\174反\194\155x"
    local path = H.temp_file(table.concat(lines, "\n"), ".txt")
    for _, format in ipairs({ "csv", "tsv" }) do
      local words = { "--data", path, "export", "--format", format, "--shape", "measure", "--where", "id=1" }
      local piped, _, code = H.bqw(words)
      assert.equal(0, code)
      assert.truthy(piped:find("改\27]0;PWNED\7文\226\128\174反\194\155x", 1, true), "a pipe gets the exact bytes")
      local quoted = {}
      for i, w in ipairs(words) do
        quoted[i] = H.quote(w)
      end
      local cmd = ("script -qec %s /dev/null"):format(H.quote(H.quote(H.exe) .. " " .. table.concat(quoted, " ")))
      local pipe = assert(io.popen(cmd, "r"))
      local shown = pipe:read("a")
      local _, _, status = pipe:close()
      assert.equal(0, status)
      assert.truthy(shown:find("改\\x1b]0;PWNED\\x07文<U+202E>反<U+009B>x", 1, true), shown)
      assert.falsy(shown:find("[\27\7]"), "no raw ESC or BEL reaches the terminal")
      assert.falsy(shown:find("\226\128\174", 1, true), "no raw RLO reaches the terminal")
    end
  end)

  it("exports to stdout or atomically to a file", function()
    local out, _, code = H.bqw({ "export", "--format", "json", "--where", "kind=target" })
    assert.equal(0, code)
    assert.equal(3, json.decode(out).count)
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    local path = dir .. "/out.json"
    local _, err
    _, err, code = H.bqw({ "export", "--format", "json", "-o", path })
    assert.equal(0, code, err)
    local fh = assert(io.open(path))
    assert.equal(56, json.decode(fh:read("a")).count)
    fh:close()
    -- a failing export leaves the older file as it was and no temporary file
    _, err, code = H.bqw({ "export", "--format", "json", "--where", "bogus=1", "-o", path })
    assert.equal(2, code)
    assert.truthy(err:find('unknown filter "bogus"', 1, true))
    fh = assert(io.open(path))
    assert.equal(56, json.decode(fh:read("a")).count)
    fh:close()
    local listing = io.popen("ls -A " .. dir):read("a")
    assert.equal("out.json\n", listing)
    os.execute("rm -rf " .. dir)
  end)
end)

describe("bqw facet", function()
  it("--by crosstabs two fields: a table, and --json an object (issue 19)", function()
    local out, err, code = H.bqw({ "facet", "region", "--by", "action" })
    assert.equal(0, code, err)
    local lines = {}
    for line in out:gmatch("[^\n]+") do
      lines[#lines + 1] = line
    end
    assert.equal(5, #lines)
    assert.truthy(lines[1]:find("^region \\ action%s+issue%s+meeting%s+statement$"), lines[1])
    assert.truthy(lines[2]:find("^珠三角%s+6%s+1%s+2$"), lines[2])
    out, err, code = H.bqw({ "facet", "region", "--by", "action", "--json" })
    assert.equal(0, code, err)
    assert.equal('{"珠三角":{"issue":6,"meeting":1,"statement":2},"粤北":{"issue":2,"meeting":3,"statement":0},'
      .. '"粤东":{"issue":2,"meeting":2,"statement":0},"粤西":{"issue":3,"meeting":0,"statement":0}}\n', out)
    -- every cell is the count of FIELD=value BY=value
    local ds = require("bqw").load()
    local tab = assert(ds:facet("kind", { by = "year" }))
    for _, row in ipairs(tab) do
      for j, y in ipairs(tab.by) do
        assert.equal(ds:query(("kind=%s year=%d"):format(row.value, y)):count(), row.cells[j])
      end
    end
    local _, why = ds:facet("kind", { by = "town" })
    assert.truthy(why:find('unknown facet field "town"', 1, true))
  end)

  it("counts every facetable field: section, section_title, action (issue 19)", function()
    local out, err, code = H.bqw({ "facet", "section", "--json" })
    assert.equal(0, code, err)
    assert.equal('[{"value":"city","count":21},{"value":"province","count":21},{"value":"timeline","count":10},'
      .. '{"value":"guiding","count":4}]\n', out)
  end)

  it("--json is an array of { value, count } by count, then pinyin", function()
    local out, err, code = H.bqw({ "facet", "region", "--json" })
    assert.equal(0, code, err)
    assert.equal('[{"value":"珠三角","count":9},{"value":"粤北","count":5},{"value":"粤东","count":4},{"value":"粤西","count":3}]\n', out)
    out = H.bqw({ "facet", "kind", "--where", "level=province", "--json" })
    local total = 0
    for _, c in ipairs(json.decode(out)) do
      total = total + c.count
    end
    assert.equal(35, total)
  end)

  it("draws bars proportional to the counts within the width", function()
    local out, _, code = H.bqw({ "facet", "region", "--width", "40", "--color", "never" })
    assert.equal(0, code)
    local lines = {}
    for line in out:gmatch("[^\n]+") do
      lines[#lines + 1] = line
      assert.is_true(require("bqw").width(line) <= 40, line)
    end
    assert.equal(4, #lines)
    local function bar(line)
      local _, n = line:gsub("█", "")
      return n
    end
    assert.truthy(lines[1]:find("^珠三角%s+9 "))
    assert.is_true(bar(lines[1]) > bar(lines[2]) and bar(lines[2]) > bar(lines[4]))
    assert.is_true(math.abs(bar(lines[4]) / bar(lines[1]) - 3 / 9) < 0.1)
  end)

  it("exits 2 on an unknown field", function()
    local _, err, code = H.bqw({ "facet", "town" })
    assert.equal(2, code)
    assert.truthy(err:find('unknown facet field "town"', 1, true))
  end)
end)

describe("bqw list --sort", function()
  it("orders by pinyin, several keys, - for descending", function()
    local out, err, code = H.bqw({ "list", "--where", "kind=city", "--sort", "city", "--json" })
    assert.equal(0, code, err)
    local rs = json.decode(out)
    assert.equal("潮州", rs[1].city)
    assert.equal("珠海", rs[#rs].city)
    out = H.bqw({ "list", "--where", "kind=city", "--sort=region,-city", "--color", "never" })
    assert.truthy(out:find("^%s*42 city%s+L136%s+云浮")) -- 粤北 (bei) first, 云浮 last of its cities
    local _, err2, code2 = H.bqw({ "list", "--sort", "town" })
    assert.equal(2, code2)
    assert.truthy(err2:find('^bqw: error: unknown sort field "town"'))
  end)
end)

describe("the overview as a view plugin", function()
  it("bqw, bqw overview and bqw view overview draw the same", function()
    local plain = H.bqw({})
    assert.equal(plain, (H.bqw({ "overview" })))
    assert.equal(plain, (H.bqw({ "view", "overview", "--width", "100", "--color", "never" })))
    assert.truthy(plain:find("\n  珠三角   9  广州 深圳", 1, true))
    assert.truthy(plain:find("63 measures in all (31 provincial, 32 city).", 1, true))
  end)

  it("counts what --where selects, regions as bqw facet does", function()
    local out, err, code = H.bqw({ "view", "overview", "--where", "region=粤北", "--color", "never" })
    assert.equal(0, code, err)
    assert.truthy(out:find("5 records", 1, true))
    assert.truthy(out:find("\n  粤北     5  韶关 河源 梅州 清远 云浮\n", 1, true))
    assert.is_nil(out:find("珠三角", 1, true))
    local ds = require("bqw").load()
    local v = assert(ds:view("overview", { width = 80 }))
    local regions = {}
    for _, line in ipairs(v.lines) do
      local region, n = line:match("^  (%S+)%s+(%d+)  %S")
      if region and not line:find("document") then
        regions[#regions + 1] = { value = region, count = tonumber(n) }
      end
    end
    assert.same(ds:facet("region"), regions)
  end)
end)
