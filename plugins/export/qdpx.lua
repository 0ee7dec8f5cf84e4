--- REFI-QDA project (.qdpx): the codings of the records for QDA tools (NVivo, ATLAS.ti,
--- MAXQDA, QualCoder), as the REFI-QDA Project Exchange standard 1.0 describes it: a ZIP
--- holding project.qde (XML, namespace urn:QDA-XML:project:1.0, valid against the
--- standard's Project-mrt2019.xsd; tests/schema/refi-qda/) and one plain text file per
--- source under sources/ (UTF-8, LF line ends), which each TextSource names as
--- plainTextPath="internal://GUID.txt".
---
---   Users       one User, bqw, the creating user of everything in the project
---   CodeBook    the codes of the codebooks in use (bqw.codebooks), nested by parent,
---               each with its label, description and codebook as Description
---   Sources     one TextSource per record exported: its text file holds a heading
---               (the title, or the city and its headline) when it has one, then each
---               measure on a line of its own, then the record's own text (a target's,
---               a meeting's); one PlainTextSelection per piece of evidence, holding
---               its Coding (a CodeRef to the code)
---
---   Variables   id, kind, level, category, city, region, year, line: each source's
---               record fields as VariableValues, so a QDA tool can group the coded
---               selections by region or level as `bqw facet code --by region` does
---
--- Positions (startPosition, endPosition) count characters (Unicode code points, as
--- QualCoder reads them) from 0 at the start of the source's text, endPosition after the
--- selection's last character; the text is the record as exported (--script), whose
--- units keep the length of the text as published, where libbqw codes them.
---
--- GUIDs are version 5 UUIDs (bqw_uuid5) of what they name: a code's of its code, a
--- source's of its record id and text, a selection's of its source, span and code; so
--- exporting the same records with the same codebooks gives the same GUIDs, and a
--- project exported again after an edit keeps the GUIDs of what did not change. Dates
--- (creationDateTime) are the time of the export, or SOURCE_DATE_EPOCH when set (the
--- same input then gives the same file, byte for byte).
---
--- Streams (begin / record / finish): each record's text goes into the archive as it
--- comes, its TextSource into project.qde, written to a scratch file as the records
--- come (the head and the codebook first) and put into the archive at the end, so
--- memory holds one record's codings at a time. Needs bqw.core built with libzip
--- (pkg-config libzip); without it the export fails with a message saying so.
local M = {
  name = "qdpx",
  kind = "export",
  description = "REFI-QDA project for NVivo, ATLAS.ti, MAXQDA, QualCoder: the codebook as codes, a text "
    .. "source per record, each piece of evidence a coded selection.",
  extension = "qdpx",
  shapes = { "record" },
  default_shape = "record",
  options = {},
  binary = true,
}

local coding_rows = require("bqw.coding_rows")

--- The record fields each source carries as a variable, and their types.
local VARIABLES = {
  { "id", "Integer" },
  { "kind", "Text" },
  { "level", "Text" },
  { "category", "Text" },
  { "city", "Text" },
  { "region", "Text" },
  { "year", "Integer" },
  { "line", "Integer" },
}

--- The namespace of bqw's GUIDs: uuid5(NAMESPACE_URL, "https://github.com/bqw/refi-qda").
local NAMESPACE = "f335a795-ba9a-580f-b56b-739800f993b9"

local function check(ok, message)
  if not ok then
    error("export qdpx: " .. tostring(message), 0)
  end
  return ok
end

--- Text for an XML attribute or element: & < > " escaped, and the characters XML 1.0
--- does not allow (C0 controls other than tab, LF, CR) left out.
local function xml(s)
  s = tostring(s)
  if not s:find('[%z\1-\8\11\12\14-\31&<>"]') then
    return s
  end
  s = s:gsub("[%z\1-\8\11\12\14-\31]", "")
  return (s:gsub('[&<>"]', { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function guid(core, ...)
  return core.uuid5(NAMESPACE, table.concat({ ... }, "\0"))
end

--- The time of the export (SOURCE_DATE_EPOCH when set): seconds, and as xsd:dateTime.
local function export_time()
  local t = tonumber(os.getenv("SOURCE_DATE_EPOCH") or "") or os.time()
  return t, os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

--- The codebook as nested Code elements (children after their parent's Description).
local function codebook_xml(st)
  local children, roots = {}, {}
  for _, c in ipairs(st.codings.codes) do
    if c.parent then
      children[c.parent] = children[c.parent] or {}
      table.insert(children[c.parent], c)
    else
      roots[#roots + 1] = c
    end
  end
  local out = {}
  local function emit(c, depth)
    local pad = ("  "):rep(depth + 3)
    out[#out + 1] = ('%s<Code guid="%s" name="%s" isCodable="true">'):format(pad, st.code_guid[c.code], xml(c.code))
    local about = c.label or c.code
    if c.description then
      about = about .. ": " .. c.description
    end
    about = ("%s (codebook %s)"):format(about, c.codebook or "?")
    out[#out + 1] = ("%s  <Description>%s</Description>"):format(pad, xml(about))
    for _, child in ipairs(children[c.code] or {}) do
      emit(child, depth + 1)
    end
    out[#out + 1] = pad .. "</Code>"
  end
  for _, c in ipairs(roots) do
    emit(c, 0)
  end
  return table.concat(out, "\n")
end

local function open(opts, ctx)
  local core = require("bqw.core")
  if not core.zip then
    error("export qdpx: this bqw was built without libzip; install libzip-dev (scripts/deps.sh does) and rebuild", 0)
  end
  local codings = coding_rows.state(ctx)
  if not codings then
    error("export qdpx: needs the dataset (ctx.dataset) to read its codings", 0)
  end
  local scratch, path = ctx.util.scratch_file("bqw-qdpx")
  local zip, zerr = core.zip(path)
  if not zip then
    scratch:discard()
    error("export qdpx: " .. zerr, 0)
  end
  local mtime, stamp = export_time()
  -- project.qde, written as the records come
  local qde_scratch, qde_path = ctx.util.scratch_file("bqw-qde")
  local qde, qerr = io.open(qde_path, "wb")
  if not qde then
    qde_scratch:discard()
    scratch:discard()
    error("export qdpx: " .. tostring(qerr), 0)
  end
  -- the sources' texts, one after another in a scratch file that the archive's entries
  -- are slices of (read when it is written), so memory holds none of them
  local texts_scratch, texts_path = ctx.util.scratch_file("bqw-qdpx-sources")
  local texts, terr = io.open(texts_path, "wb")
  if not texts then
    texts_scratch:discard()
    qde:close()
    qde_scratch:discard()
    scratch:discard()
    error("export qdpx: " .. tostring(terr), 0)
  end
  local st = {
    texts = texts,
    texts_scratch = texts_scratch,
    texts_path = texts_path,
    texts_at = 0,
    core = core,
    zip = zip,
    scratch = scratch,
    path = path,
    qde = qde,
    qde_scratch = qde_scratch,
    qde_path = qde_path,
    opts = opts,
    codings = codings,
    mtime = mtime,
    stamp = stamp,
    nsources = 0,
    code_guid = {},
    seen = {},
    nrecords = 0,
    nselections = 0,
    warn = ctx.warn,
    file = ctx.dataset._handle:name() or "digest",
  }
  st.user = guid(core, "user", "bqw")
  st.variable_guid = {}
  for _, v in ipairs(VARIABLES) do
    st.variable_guid[v[1]] = guid(core, "variable", v[1])
  end
  for _, c in ipairs(codings.codes) do
    st.code_guid[c.code] = guid(core, "code", c.code)
  end
  return st
end

local function write(st, ...)
  check(st.qde:write(...))
end

--- The head of project.qde: the Project, its user, its codebook.
local function start(st, ctx)
  local meta = ctx.meta or {}
  write(
    st,
    '<?xml version="1.0" encoding="utf-8"?>\n',
    ('<Project xmlns="urn:QDA-XML:project:1.0" name="%s" origin="%s" creatingUserGUID="%s" creationDateTime="%s">\n'):format(
      xml("bqw: " .. (meta.source or "百千万工程 policy digest")),
      xml("bqw " .. tostring(ctx.version or "")),
      st.user,
      st.stamp
    ),
    "  <Users>\n",
    ('    <User guid="%s" name="bqw" id="bqw"/>\n'):format(st.user),
    "  </Users>\n"
  )
  if #st.codings.codes > 0 then
    write(st, "  <CodeBook>\n    <Codes>\n", codebook_xml(st), "\n    </Codes>\n  </CodeBook>\n")
  end
  write(st, "  <Variables>\n")
  local by_name = require("bqw.fields").BY_NAME
  for _, v in ipairs(VARIABLES) do
    write(
      st,
      ('    <Variable guid="%s" name="%s" typeOfVariable="%s">\n'):format(st.variable_guid[v[1]], v[1], v[2]),
      ("      <Description>%s</Description>\n"):format(xml(by_name[v[1]] and by_name[v[1]].description or v[1])),
      "    </Variable>\n"
    )
  end
  write(st, "  </Variables>\n")
end

--- The heading line of a record's text: its title, or its city and headline.
local function heading(r)
  if r.city then
    return r.headline and (r.city .. " " .. r.headline) or r.city
  end
  return r.title and ("《" .. r.title .. "》") or nil
end

--- The name of a record's source: its id and what it is.
local function source_name(r)
  local what = heading(r) or (r.text and require("bqw.core").truncate(r.text, 40)) or r.kind
  return ("%d %s"):format(r.id, what or "")
end

--- One record: its text file, and its TextSource with the selections of its evidence.
local function record(st, r)
  local core = st.core
  st.nrecords = st.nrecords + 1
  local list = st.codings.of(r.id)
  local units = r
  -- positions count in the units libbqw coded (as published); the record as exported
  -- serves when the script kept every unit's length (a conversion that changed one
  -- would move the selections), else the record as published does
  local original = st.codings.original(r.id)
  local same = (r.text == nil) == (original.text == nil)
    and (not r.text or coding_rows.length(r.text) == coding_rows.length(original.text))
  for i, m in ipairs(original.measures or {}) do
    same = same and r.measures[i] ~= nil and coding_rows.length(r.measures[i]) == coding_rows.length(m)
  end
  if not same then
    units = original
    st.warn(("%s:%d:1: warning: qdpx: record %d's text as exported differs in length from its text as published; "
      .. "its source holds the text as published"):format(st.file, r.line or 0, r.id))
  end
  local parts, offset, unit_at = {}, 0, {}
  local function add(text)
    parts[#parts + 1] = text
    local at = offset
    offset = offset + coding_rows.length(text) + 1
    return at
  end
  local head = heading(units)
  if head then
    add(head)
  end
  for i, m in ipairs(units.measures or {}) do
    unit_at[i] = add(m)
  end
  if units.text then
    unit_at[0] = add(units.text)
  end
  local content = table.concat(parts, "\n") .. "\n"
  local at = coding_rows.offsets(content)
  local source = guid(core, "source", r.id, content)
  check(st.texts:write(content))
  check(st.texts:flush()) -- libzip checks the slice against the file's size
  check(st.zip:add_file("sources/" .. source .. ".txt", st.texts_path, st.mtime, st.texts_at, #content))
  st.texts_at = st.texts_at + #content
  local who = ('creatingUser="%s" creationDateTime="%s"'):format(st.user, st.stamp)
  local out = {
    ('    <TextSource guid="%s" name="%s" plainTextPath="internal://%s.txt" %s>'):format(
      source,
      xml(source_name(units)),
      source,
      who
    ),
    ("      <Description>%s</Description>"):format(
      xml(("bqw record %d (%s), source line %d"):format(r.id, r.kind or "?", r.line or 0))
    ),
  }
  for _, c in ipairs(list or {}) do
    local base = unit_at[c.measure]
    local code = st.code_guid[c.code]
    if base and code then
      local from, to = base + c.char_start, base + c.char_stop
      local sel = guid(core, "selection", source, from, to, c.code)
      if not st.seen[sel] then
        st.seen[sel] = true
        st.nselections = st.nselections + 1
        local unit = c.measure > 0 and ("measure %d"):format(c.measure) or "text"
        out[#out + 1] = ('      <PlainTextSelection guid="%s" name="%s" startPosition="%d" endPosition="%d" %s>'):format(
          sel,
          xml(coding_rows.cut(content, at, from, to)),
          from,
          to,
          who
        )
        out[#out + 1] = ("        <Description>%s</Description>"):format(
          xml(("%s: %s, source line %d"):format(c.code, unit, c.line))
        )
        out[#out + 1] = ('        <Coding guid="%s" %s>'):format(guid(core, "coding", sel), who)
        out[#out + 1] = ('          <CodeRef targetGUID="%s"/>'):format(code)
        out[#out + 1] = "        </Coding>"
        out[#out + 1] = "      </PlainTextSelection>"
      end
    end
  end
  for _, v in ipairs(VARIABLES) do
    local value = r[v[1]]
    if value ~= nil then
      local tag = v[2] == "Integer" and "IntegerValue" or "TextValue"
      out[#out + 1] = ('      <VariableValue>\n        <VariableRef targetGUID="%s"/>\n        <%s>%s</%s>\n      </VariableValue>'):format(
        st.variable_guid[v[1]],
        tag,
        xml(value),
        tag
      )
    end
  end
  out[#out + 1] = "    </TextSource>\n"
  if st.nsources == 0 then
    write(st, "  <Sources>\n")
  end
  st.nsources = st.nsources + 1
  write(st, table.concat(out, "\n"))
end

local function finish(st, ctx)
  local meta = ctx.meta or {}
  if st.nsources > 0 then
    write(st, "  </Sources>\n")
  end
  write(
    st,
    ("  <Description>%s</Description>\n"):format(
      xml(("Exported by bqw %s: %d records, %d coded selections, %d codes. %s"):format(
        tostring(ctx.version or ""),
        st.nrecords,
        st.nselections,
        #st.codings.codes,
        meta.source_note or ""
      ))
    ),
    "</Project>\n"
  )
  check(st.qde:close())
  st.qde = nil
  check(st.texts:close())
  st.texts = nil
  check(st.zip:add_file("project.qde", st.qde_path, st.mtime))
  local ok, err = st.zip:close()
  st.qde_scratch:discard()
  st.texts_scratch:discard()
  check(ok, err)
end

return require("bqw.export_util").scratch_export(M, {
  open = open,
  start = start,
  record = record,
  finish = finish,
  abandon = function(st)
    if st.qde then
      st.qde:close()
    end
    if st.texts then
      st.texts:close()
    end
    st.qde_scratch:discard()
    st.texts_scratch:discard()
  end,
})
