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

--- The byte position of each character of s (from 1), and #s + 1 after the last: for
--- cutting many spans out of one text (M.cut) with one pass over it.
function M.offsets(s)
  local at = {}
  for pos in s:gmatch("()[^\128-\191]") do
    at[#at + 1] = pos
  end
  at[#at + 1] = #s + 1
  return at
end

--- The characters [from, to) (from 0) of the text whose M.offsets are at.
function M.cut(s, at, from, to)
  local first, stop = at[from + 1], at[to + 1]
  if not first or not stop then
    return ""
  end
  return s:sub(first, stop - 1)
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


--- The text a coding of record r (as exported) counts in: its measure, or its text.
function M.unit_text(r, c)
  if c.measure > 0 then
    return r.measures and r.measures[c.measure]
  end
  return r.text
end


--- The coding rows of record r (as exported) in the columns' order: { record_id,
--- measure_index, code, label, codebook, text, char_start, char_stop, line } tables.
--- codings: state's of(r.id); code_of: code -> M.codes' entry; original: the
--- record as published (ds._handle:record(id, "original")), to measure its units.
function M.rows(r, codings, code_of, original)
  local rows = {}
  -- each unit's character offsets, when it has the length of the unit as published
  -- (else a script conversion changed it, never on the digest, and the evidence as
  -- published is the matched text)
  local offsets = {}
  for _, c in ipairs(codings or {}) do
    local key = c.measure
    if offsets[key] == nil then
      local unit, published = M.unit_text(r, c), original and M.unit_text(original, c)
      local at = unit and M.offsets(unit)
      offsets[key] = at and published and #at - 1 == M.length(published) and at or false
    end
    local at = offsets[key]
    local info = code_of[c.code] or {}
    rows[#rows + 1] = {
      record_id = r.id,
      measure_index = c.measure,
      code = c.code,
      label = info.label,
      codebook = info.codebook,
      text = at and M.cut(M.unit_text(r, c), at, c.char_start, c.char_stop) or c.text,
      char_start = c.char_start,
      char_stop = c.char_stop,
      line = c.line,
    }
  end
  return rows
end

--- The shared state of an export writing codings: { codes, code_of, of(id),
--- original(id) }, made once per export from ctx.dataset: of(id) gives record id's
--- codings ({ { id, measure, code, line, start, stop, char_start, char_stop, text }, …
--- } in source order: ds._handle:codings(id)), one record at a time, so an export
--- holds only the current record's.
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
    of = function(id)
      return ds._handle:codings(id)
    end,
    original = function(id)
      return ds._handle:record(id, "original")
    end,
  }
end

return M
