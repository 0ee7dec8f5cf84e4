-- The codings in the exports (issue 23, item 3): the REFI-QDA project (qdpx) valid
-- against the standard's schema (tests/schema/refi-qda/, xmllint) and sound as a ZIP
-- (unzip -t), its selections where the evidence is, hand-checked on the digest; the
-- sqlite export's codes and codings tables (sqlite3); a user codebook end to end; the
-- same input giving the same project.
local H = require("tests.lua.helpers")
local json = require("bqw.json")

local SCHEMA = H.root .. "/tests/schema/refi-qda/Project-mrt2019.xsd"

local USER = table.concat({
  "# a user's codebook",
  "code\tlabel\tpatterns\tparent\texclude\tdescription",
  "交通类\tTransport\t\t\t\tRoads and logistics.",
  "公路\tRoads\t公路|道路\t交通类\t\t",
  "物流\tLogistics\t物流|寄递\t交通类\t冷链物流\t",
  "",
}, "\n")

local function sh(cmd)
  local pipe = assert(io.popen(cmd .. " 2>&1"))
  local out = pipe:read("a")
  local ok, _, code = pipe:close()
  return out, ok and 0 or code
end

local function need(tool, package)
  assert(os.execute("command -v " .. tool .. " >/dev/null 2>&1"), tool .. " is missing: install " .. package
    .. " (scripts/deps.sh does)")
end

local function scratch(suffix)
  local path = os.tmpname()
  os.remove(path)
  return path .. suffix
end

--- Exports qdpx to a fresh file: its path, after checking the command succeeded.
local function export_qdpx(args, env)
  local path = scratch(".qdpx")
  local words = { "export", "--format", "qdpx", "-o", path }
  for _, a in ipairs(args or {}) do
    words[#words + 1] = a
  end
  local _, err, code = H.bqw(words, env)
  assert.are.equal(0, code, err)
  return path
end

local function member(zip, name)
  local out, code = sh("unzip -p " .. H.quote(zip) .. " " .. H.quote(name))
  assert.are.equal(0, code, out)
  return out
end

local function length(s)
  local _, cont = s:gsub("[\128-\191]", "")
  return #s - cont
end

local function chars(s, from, to)
  return require("bqw.coding_rows").sub(s, from, to)
end

--- The sources of a project.qde: { { guid, name, path, selections = { { name, from, to,
--- code } } } } (the CodeRef of each selection's Coding).
local function sources(qde)
  local out = {}
  for head, body in qde:gmatch("<TextSource ([^>]*)>(.-)</TextSource>") do
    local s = {
      guid = head:match('guid="([^"]+)"'),
      name = head:match('name="([^"]*)"'),
      path = head:match('plainTextPath="internal://([^"]+)"'),
      selections = {},
      variables = {},
    }
    for ref, value in body:gmatch('<VariableRef targetGUID="([^"]+)"/>%s*<%a+Value>([^<]*)</%a+Value>') do
      s.variables[ref] = value
    end
    for sel, inner in body:gmatch("<PlainTextSelection ([^>]*)>(.-)</PlainTextSelection>") do
      s.selections[#s.selections + 1] = {
        name = sel:match('name="([^"]*)"'),
        from = tonumber(sel:match('startPosition="(%d+)"')),
        to = tonumber(sel:match('endPosition="(%d+)"')),
        code = inner:match('<CodeRef targetGUID="([^"]+)"'),
      }
    end
    out[#out + 1] = s
  end
  return out
end

--- The code name of each code GUID.
local function code_names(qde)
  local out = {}
  for guid, name in qde:gmatch('<Code guid="([^"]+)" name="([^"]+)"') do
    out[guid] = name
  end
  return out
end

--- Checks a qdpx: a sound ZIP, project.qde valid against the schema, every selection's
--- text (its name) at its positions in its source's text file. Returns project.qde,
--- its sources, its codes by GUID.
local function check_project(path)
  need("unzip", "unzip")
  need("xmllint", "libxml2-utils")
  local out, code = sh("unzip -t " .. H.quote(path))
  assert.are.equal(0, code, out)
  assert.truthy(out:find("No errors detected", 1, true), out)
  local dir = scratch("")
  assert(os.execute("mkdir -p " .. H.quote(dir)))
  out, code = sh("cd " .. H.quote(dir) .. " && unzip -q " .. H.quote(path))
  assert.are.equal(0, code, out)
  out, code = sh("xmllint --noout --schema " .. H.quote(SCHEMA) .. " " .. H.quote(dir .. "/project.qde"))
  assert.are.equal(0, code, out)
  assert.truthy(out:find("validates", 1, true), out)
  local qde = H.read_file(dir .. "/project.qde")
  local list = sources(qde)
  for _, s in ipairs(list) do
    local text = H.read_file(dir .. "/sources/" .. s.path)
    for _, sel in ipairs(s.selections) do
      assert.are.equal(sel.name, chars(text, sel.from, sel.to), s.name)
      assert.is_true(sel.to <= length(text))
    end
  end
  os.execute("rm -rf " .. H.quote(dir))
  return qde, list, code_names(qde)
end

local function evidence_count(args)
  local words = { "code", "--json" }
  for _, a in ipairs(args or {}) do
    words[#words + 1] = a
  end
  local out, err, code = H.bqw(words)
  assert.are.equal(0, code, err)
  local n = 0
  for _, u in ipairs(json.decode(out).units) do
    n = n + #u.evidence
  end
  return n
end

describe("export qdpx", function()
  it("writes the digest's codings as a REFI-QDA project valid against the schema", function()
    local path = export_qdpx()
    local qde, list, codes = check_project(path)
    assert.truthy(qde:find('<Project xmlns="urn:QDA-XML:project:1.0"', 1, true))
    -- one source per record, one selection per piece of evidence
    local n = 0
    for _, s in ipairs(list) do
      n = n + #s.selections
    end
    assert.are.equal(56, #list)
    assert.are.equal(evidence_count(), n)
    -- hand-checked: record 1 (line 9) is 《关于推动产业有序转移促进区域协调发展的若干措施》
    -- (25 characters and a newline), then its measures: the first 32 characters and a
    -- newline, the second 27 and a newline, so its third, 探索多种形式双向“飞地经济”模式。
    -- (line 12), starts at 87: 探索 at 87..89 (策略性措施), 飞地 at 96..98 (产业转移)
    local first = list[1]
    assert.are.equal("1 《关于推动产业有序转移促进区域协调发展的若干措施》", first.name)
    local want = { ["87 89 探索"] = "策略性措施", ["96 98 飞地"] = "产业转移", ["28 34 粤东粤西粤北"] = "区域协调" }
    local seen = {}
    for _, sel in ipairs(first.selections) do
      local key = ("%d %d %s"):format(sel.from, sel.to, sel.name)
      if want[key] then
        assert.are.equal(want[key], codes[sel.code], key)
        seen[key] = true
      end
    end
    for key in pairs(want) do
      assert.is_true(seen[key], key)
    end
    -- the record fields as variables: record 22 is the city entry of 广州, in 珠三角
    local variable = {}
    for guid, name in qde:gmatch('<Variable guid="([^"]+)" name="([^"]+)"') do
      variable[name] = guid
    end
    local guangzhou = list[22]
    assert.truthy(guangzhou.name:find("^22 广州"), guangzhou.name)
    assert.are.equal("珠三角", guangzhou.variables[variable.region])
    assert.are.equal("city", guangzhou.variables[variable.kind])
    assert.are.equal("22", guangzhou.variables[variable.id])
    assert.is_nil(first.variables[variable.region])
    -- the codebook nested: 人才培养 inside 供给型
    assert.truthy(qde:find('name="供给型" isCodable="true">%s*<Description>[^<]*</Description>%s*<Code [^>]*name="人才培养"'))
    os.remove(path)
  end)

  it("gives the same file for the same input (SOURCE_DATE_EPOCH), GUIDs by content", function()
    local env = { SOURCE_DATE_EPOCH = "1700000000" }
    local a = export_qdpx({}, env)
    local b = export_qdpx({}, env)
    assert.is_true(H.read_file(a) == H.read_file(b), "two exports of the same input differ")
    assert.truthy(member(a, "project.qde"):find('creationDateTime="2023-11-14T22:13:20Z"', 1, true))
    -- a subset keeps the GUIDs of what it holds
    local c = export_qdpx({ "--where", "id=1" }, env)
    local one = sources(member(c, "project.qde"))
    local all = sources(member(a, "project.qde"))
    assert.are.equal(1, #one)
    assert.are.equal(all[1].guid, one[1].guid)
    assert.are.same(all[1].selections, one[1].selections)
    os.remove(a)
    os.remove(b)
    os.remove(c)
  end)

  it("runs in the loop and through ds:export, giving the same project", function()
    local bqw = require("bqw")
    local ds = assert(bqw.load())
    local a, b = scratch(".qdpx"), scratch(".qdpx")
    local loop = assert(bqw.loop())
    local result
    assert(loop:export(ds, "qdpx", { output = a, slice = 5 }, {
      done = function(ok, err)
        result = ok or err
      end,
    }))
    loop:run()
    loop:close()
    assert.is_true(result)
    assert(ds:export("qdpx", { output = b }))
    local qa, la = check_project(a)
    local qb, lb = check_project(b)
    assert.are.equal(56, #la)
    -- the same GUIDs and selections; only the dates may differ
    local function undated(q)
      return (q:gsub('creationDateTime="[^"]*"', ""))
    end
    assert.are.equal(undated(qa), undated(qb))
    assert.are.same(la, lb)
    os.remove(a)
    os.remove(b)
  end)

  it("carries a user codebook end to end", function()
    local book = H.temp_file(USER, ".tsv")
    local path = export_qdpx({ "--codebook", book })
    local qde, list, codes = check_project(path)
    -- only the user's codes, nested by parent, with the description
    local names = {}
    for _, name in pairs(codes) do
      names[#names + 1] = name
    end
    table.sort(names)
    assert.are.same({ "交通类", "公路", "物流" }, names)
    local nested = 'name="交通类" isCodable="true">%s*<Description>Transport: Roads and logistics%. %(codebook [^)]+%)'
      .. '</Description>%s*<Code [^>]*name="公路"'
    assert.truthy(qde:find(nested))
    local n, roads = 0, 0
    for _, s in ipairs(list) do
      for _, sel in ipairs(s.selections) do
        n = n + 1
        if codes[sel.code] == "公路" then
          roads = roads + 1
          assert.truthy(sel.name == "公路" or sel.name == "道路", sel.name)
        end
      end
    end
    assert.are.equal(evidence_count({ "--codebook", book }), n)
    assert.is_true(roads > 0)
    os.remove(path)
    os.remove(book)
  end)
end)

describe("export sqlite codings", function()
  local function query(db, sql)
    need("sqlite3", "sqlite3")
    local out, code = sh("sqlite3 -separator '|' " .. H.quote(db) .. " " .. H.quote(sql))
    assert.are.equal(0, code, out)
    return out
  end

  it("holds the codes and every coding, hand-checked on the digest", function()
    local db = scratch(".sqlite")
    local _, err, code = H.bqw({ "export", "--format", "sqlite", "--fts", "none", "-o", db })
    assert.are.equal(0, code, err)
    assert.are.equal(tostring(evidence_count()) .. "\n", query(db, "SELECT count(*) FROM codings"))
    -- record 1's third measure (line 12): 探索 [0, 2) and 飞地 [9, 11)
    assert.are.equal(
      "1|3|策略性措施|Strategic measures|policy-tools|探索|0|2|12\n1|3|产业转移|Industrial relocation|themes|飞地|9|11|12\n",
      query(db, "SELECT record_id, measure_index, code, label, codebook, text, char_start, char_stop, line "
        .. "FROM codings WHERE record_id = 1 AND measure_index = 3 ORDER BY char_start")
    )
    -- the spans cut the matched text out of the measures table's text
    assert.are.equal("0\n", query(db, "SELECT count(*) FROM codings c JOIN measures m ON m.id = c.measure_id "
      .. "WHERE substr(m.text, c.char_start + 1, c.char_stop - c.char_start) <> c.text"))
    assert.are.equal("0\n", query(db, "SELECT count(*) FROM codings c JOIN records r ON r.id = c.record_id "
      .. "WHERE c.measure_index = 0 AND substr(r.text, c.char_start + 1, c.char_stop - c.char_start) <> c.text"))
    assert.are.equal("人才培养|供给型|policy-tools\n", query(db, "SELECT code, parent, codebook FROM codes WHERE code = '人才培养'"))
    -- a crosstab straight from the tables: codes by region
    assert.truthy(query(db, "SELECT r.region, c.code, count(*) FROM codings c JOIN records r ON r.id = c.record_id "
      .. "WHERE r.region IS NOT NULL GROUP BY 1, 2"):find("|", 1, true))
    os.remove(db)
  end)

  it("carries a user codebook", function()
    local book = H.temp_file(USER, ".tsv")
    local db = scratch(".sqlite")
    local _, err, code = H.bqw({ "export", "--format", "sqlite", "--fts", "none", "--codebook", book, "-o", db })
    assert.are.equal(0, code, err)
    assert.are.equal("交通类||Roads and logistics.\n公路|交通类|\n物流|交通类|\n",
      query(db, "SELECT code, parent, description FROM codes ORDER BY rowid"))
    assert.are.equal(tostring(evidence_count({ "--codebook", book })) .. "\n", query(db, "SELECT count(*) FROM codings"))
    assert.are.equal("0\n", query(db, "SELECT count(*) FROM codings WHERE code = '物流' AND text = '物流' "
      .. "AND measure_id IN (SELECT id FROM measures WHERE text LIKE '%冷链物流%')"))
    os.remove(db)
    os.remove(book)
  end)
end)

describe("the code column", function()
  local function units()
    local out, err, code = H.bqw({ "code", "--json" })
    assert.are.equal(0, code, err)
    local by = {}
    for _, u in ipairs(json.decode(out).units) do
      by[u.id .. "." .. u.measure] = u.codes
    end
    return by
  end

  it("is no default column: the default csv has none", function()
    local out = H.bqw({ "export", "--format", "csv", "--where", "id=1" })
    assert.is_nil(out:match("^[^\n]*code"))
  end)

  it("holds a measure row's codes, as bqw code lists them, when --columns names it", function()
    local by = units()
    local out, err, code = H.bqw({ "export", "--format", "csv", "--shape", "measure", "--columns", "id,measure_index,code" })
    assert.are.equal(0, code, err)
    local n = 0
    for id, m, codes in out:gmatch("\n(%d+),(%d+),\"?([^\n\"]*)\"?\r") do
      n = n + 1
      assert.are.equal(table.concat(by[id .. "." .. m] or {}, "; "), codes, id .. "." .. m)
    end
    assert.is_true(n > 50)
    -- hand-checked: record 1's third measure is 策略性措施 (探索, a child of 环境型) and
    -- 产业转移 (飞地)
    assert.truthy(out:find("\n1,3,环境型; 策略性措施; 产业转移\r\n", 1, true), out:sub(1, 300))
  end)

  it("holds a record's codes in ndjson (a list) and the where still selects", function()
    local out, err, code = H.bqw({ "export", "--format", "ndjson", "--columns", "id,code", "--where", "code=策略性措施" })
    assert.are.equal(0, code, err)
    local n = 0
    for line in out:gmatch("[^\n]+") do
      local row = json.decode(line)
      n = n + 1
      local has = false
      for _, c in ipairs(row.code) do
        has = has or c == "策略性措施"
      end
      assert.is_true(has, line)
    end
    assert.is_true(n > 0)
  end)
end)
