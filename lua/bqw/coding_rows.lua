--- The codings of exported records, for the exports that write them (sqlite's codings
--- table, xlsx's codings sheet, the qdpx project): the codebook's codes and each
--- record's codings, as libbqw gives them (ds._handle:codes(), :codings(); core/code.c),
--- with the matched text taken from the record as exported (its script). The coding is
--- the core's; this module only indexes and cuts text.
local M = {}

--- The columns of a coding row, in order (the codings table and sheet): record_id,
--- measure_index (0: the record's own text), code, label, codebook, text (the matched
--- text), char_start, char_stop (characters, from 0, stop excluded, in the measure or
--- text as exported), line (the measure's source line).
M.COLUMNS = { "record_id", "measure_index", "code", "label", "codebook", "text", "char_start", "char_stop", "line" }

--- The columns of a code row (the codes table and sheet): code, label, parent,
--- codebook, description.
M.CODE_COLUMNS = { "code", "label", "parent", "codebook", "description" }

--- Characters (code points) of UTF-8 text.
function M.length(s)
  local _, continuation = s:gsub("[\128-\191]", "")
  return #s - continuation
end

--- The characters [from, to) of s (from 0), as a string.
function M.sub(s, from, to)
  local at, first, last = 0, nil, nil
  for pos in s:gmatch("()[^\128-\191]") do
    if at == from then
      first = pos
    end
    if at == to then
      last = pos - 1
      break
    end
    at = at + 1
  end
  if not first then
    return ""
  end
  return s:sub(first, last or #s)
end

--- The codebook name of a code's file: its base name without .tsv.
local function book_name(file)
  return file and (file:match("([^/]+)%.tsv$") or file) or nil
end

--- The codes of ds's codebooks, in codebook order, each { code, label, parent,
--- codebook, description, depth }.
function M.codes(ds)
  local out = {}
  for i, c in ipairs(ds._handle:codes()) do
    out[i] = {
      code = c.code,
      label = c.label ~= "" and c.label or nil,
      parent = c.parent,
      codebook = book_name(c.file),
      description = c.description ~= "" and c.description or nil,
      depth = c.depth,
    }
  end
  return out
end

--- The codings of ds by record id: { [id] = { { id, measure, code, line, start, stop,
--- char_start, char_stop, text }, … } } in source order (as ds._handle:codings()).
function M.by_record(ds)
  local out = {}
  for _, c in ipairs(ds._handle:codings()) do
    local list = out[c.id]
    if not list then
      list = {}
      out[c.id] = list
    end
    list[#list + 1] = c
  end
  return out
end

--- The text a coding of record r (as exported) counts in: its measure, or its text.
function M.unit_text(r, c)
  if c.measure > 0 then
    return r.measures and r.measures[c.measure]
  end
  return r.text
end

--- The matched text of coding c in record r as exported: the characters of its span in
--- the exported unit, or the evidence as published when the unit's length differs
--- (a script conversion that changed it; never on the digest).
function M.matched(r, c, published_length)
  local unit = M.unit_text(r, c)
  if unit and published_length and M.length(unit) == published_length then
    return M.sub(unit, c.char_start, c.char_stop)
  end
  return c.text
end

--- The coding rows of record r (as exported) in the columns' order: { record_id,
--- measure_index, code, label, codebook, text, char_start, char_stop, line } tables.
--- codings: M.by_record's list for r; code_of: code -> M.codes' entry; original: the
--- record as published (ds._handle:record(id, "original")), to measure its units.
function M.rows(r, codings, code_of, original)
  local rows = {}
  local lengths = {}
  for _, c in ipairs(codings or {}) do
    local key = c.measure
    if lengths[key] == nil then
      local unit = original and M.unit_text(original, c)
      lengths[key] = unit and M.length(unit) or false
    end
    local info = code_of[c.code] or {}
    rows[#rows + 1] = {
      record_id = r.id,
      measure_index = c.measure,
      code = c.code,
      label = info.label,
      codebook = info.codebook,
      text = M.matched(r, c, lengths[key] or nil),
      char_start = c.char_start,
      char_stop = c.char_stop,
      line = c.line,
    }
  end
  return rows
end

--- The shared state of an export writing codings: { codes, code_of, by_record,
--- original(id) }, made once per export from ctx.dataset.
function M.state(ctx)
  local ds = ctx.dataset
  if not ds then
    return nil
  end
  local codes = M.codes(ds)
  local code_of = {}
  for _, c in ipairs(codes) do
    code_of[c.code] = c
  end
  return {
    codes = codes,
    code_of = code_of,
    by_record = M.by_record(ds),
    original = function(id)
      return ds._handle:record(id, "original")
    end,
  }
end

return M
