--- bqw code: the codings of the measures (and of the prose of targets, meetings and
--- other records) by the codebooks in use (bqw.codebooks), each with its evidence, and
--- the units no code was given, so a codebook's gaps show. The coding is libbqw's
--- (core/code.c); this module selects, groups and prints.
local json = require("bqw.json")

local M = {}

--- The units (a record's measures, then its prose) of the dataset in source order that
--- where (an expression, measure shape) selects, each with its codings: { id, measure
--- (0: the prose), line, text, codes = { … }, evidence = { { code, text, start, stop,
--- char_start, char_stop }, … } }, or nil, message, name. codes holds the codes of the
--- evidence and their ancestors in codebook order (libbqw's ds:unit_codes).
function M.units(ds, where)
  local handle = ds._handle
  local f
  if where and where:match("%S") then
    local plugins = require("bqw.plugins")
    local err
    f, err = handle:query_compile(
      where,
      plugins.engine_options(function(id)
        return handle:record(id)
      end, { dataset = ds }, "measure")
    )
    if not f then
      return nil, "--where:1:" .. err.column .. ": error: " .. err.message, "EINVAL"
    end
  end
  local by_unit = {}
  for _, c in ipairs(handle:codings()) do
    local key = c.id * 65536 + c.measure
    local list = by_unit[key]
    if not list then
      list = {}
      by_unit[key] = list
    end
    list[#list + 1] = c
  end
  local units = {}
  local function add(r, m, text, line)
    if f and not f:match(r.id, m) then
      return
    end
    -- the codes of its evidence and their ancestors, in codebook order (libbqw's)
    local codes = json.array(handle:unit_codes(r.id, m))
    local u = { id = r.id, measure = m, line = line, text = text, codes = codes, evidence = json.array() }
    for _, c in ipairs(by_unit[r.id * 65536 + m] or {}) do
      u.evidence[#u.evidence + 1] = {
        code = c.code,
        text = c.text,
        start = c.start,
        stop = c.stop,
        char_start = c.char_start,
        char_stop = c.char_stop,
      }
    end
    units[#units + 1] = u
  end
  for id = 1, handle:count() do
    local r = handle:record(id, "original")
    for m, text in ipairs(r.measures or {}) do
      add(r, m, text, r.measure_lines[m])
    end
    if r.text then
      add(r, 0, r.text, r.line)
    end
  end
  return units
end

--- Per codebook file: { file, codes, total, uncoded, share } over units, where a unit
--- is uncoded by a codebook when none of that codebook's codes was given to it.
function M.coverage(ds, units)
  local file_of, files, per = {}, {}, {}
  for _, c in ipairs(ds._handle:codes()) do
    file_of[c.code] = c.file
    if not per[c.file] then
      per[c.file] = { file = c.file, codes = 0, total = #units, uncoded = 0 }
      files[#files + 1] = c.file
    end
    per[c.file].codes = per[c.file].codes + 1
  end
  for _, u in ipairs(units) do
    local coded = {}
    for _, code in ipairs(u.codes) do
      coded[file_of[code]] = true
    end
    for _, file in ipairs(files) do
      if not coded[file] then
        per[file].uncoded = per[file].uncoded + 1
      end
    end
  end
  local out = json.array()
  for i, file in ipairs(files) do
    local p = per[file]
    p.share = p.total > 0 and math.floor(1000 * p.uncoded / p.total + 0.5) / 10 or 0
    out[i] = p
  end
  return out
end

local function where_of(u)
  return u.measure > 0 and ("%d.%d"):format(u.id, u.measure) or ("%d"):format(u.id)
end

--- bqw code [--where E] [--json]
function M.run(args, ds, cli)
  local units, err, ename = M.units(ds, args.where)
  if not units then
    cli.complain("%s", err)
    return cli.failure_code(err, ename)
  end
  local coverage = M.coverage(ds, units)
  if args.json then
    cli.say(json.encode({ units = json.array(units), coverage = coverage }, {
      keyorder = {
        "units",
        "coverage",
        "id",
        "measure",
        "line",
        "codes",
        "evidence",
        "code",
        "text",
        "start",
        "stop",
        "char_start",
        "char_stop",
        "file",
        "total",
        "uncoded",
        "share",
      },
    }))
    return cli.EXIT_OK
  end
  for _, u in ipairs(units) do
    local head = ("%-7s L%-5d"):format(where_of(u), u.line)
    if #u.evidence == 0 then
      cli.say(head, " (uncoded)  ", (require("bqw.core").truncate(u.text, 60)))
    end
    for _, e in ipairs(u.evidence) do
      cli.say(head, " ", e.code, "  ", e.text, "  [", e.char_start, ",", e.char_stop, ")")
    end
  end
  for _, c in ipairs(coverage) do
    cli.say(
      ("# %s: %d codes; %d of %d units uncoded (%.1f%%)"):format(c.file, c.codes, c.uncoded, c.total, c.share)
    )
  end
  return cli.EXIT_OK
end

return M
