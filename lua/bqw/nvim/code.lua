--- Policy-text coding in Neovim (issue 23): the evidence of the codes highlighted in
--- every bqw view (BqwCode), the codes of the record under the cursor (gc, and on
--- CursorHold with setup{ code_hover = true }), and :Bqw code, the codings in a buffer
--- from which <CR> opens the record with the cursor on the coded measure. The coding is
--- libbqw's (ds._handle:codings, :unit_codes); this module only shows it.
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")
local view_util = require("bqw.view_util")

local M = {}

local api = vim.api
local ns = api.nvim_create_namespace("bqw_code")

local function config()
  return require("bqw.nvim").config
end

--- The evidence of the codes given to record id's measures and prose (as published),
--- each distinct text once: { text, … }, read from libbqw for that record alone.
function M.evidence(ds, id)
  local list, seen = {}, {}
  for _, c in ipairs(ds._handle:codings(id)) do
    if not seen[c.text] then
      seen[c.text] = true
      list[#list + 1] = c.text
    end
  end
  return list
end

-- Spans found per buffer line: { [buf] = { key = result or view, [line] = spans } }.
local spans_cache = {}

-- The coding job under way (ds:coding_job) and its dataset.
local coding = {}

--- Whether ds's codings may be read now: computed, or cheap to compute (a small digest).
--- A large one's (setup's `large`) are computed by a coding job on another thread (coding
--- 100 MB takes 2 s: never on Neovim's), and the bqw windows redrawn, their evidence
--- highlighted, once it is done.
function M.ready(ds)
  if ds._handle:codings_ready() or ds:count() <= draw.large() then
    return true -- a digest of the size views are built in Neovim's state is coded at once
  end
  if coding.ds ~= ds then
    local job = ds:coding_job()
    coding = { ds = ds, job = job }
    local uv = vim.uv or vim.loop
    local timer = uv.new_timer()
    timer:start(
      50,
      50,
      vim.schedule_wrap(function()
        if coding.job ~= job or job:done() then
          timer:stop()
          timer:close()
          if coding.job == job then
            job:result()
            coding = {}
            vim.cmd("redraw!")
          end
        end
      end)
    )
  end
  return false
end

--- The spans { first, last } (bytes, from 0) of line (from 1) of buf where evidence of
--- the codes of the record on that line occurs, folded as search folds (so the view's
--- Simplified text finds evidence as published).
function M.line_spans(buf, line)
  local b = draw.buffers[buf]
  local ds = data.current()
  if not (b and ds and config().code_highlight) then
    return {}
  end
  local key = b.lazy and b.view or b.result
  local c = spans_cache[buf]
  if not (c and c.key == key and c.ds == ds) then
    c = { key = key, ds = ds }
    spans_cache[buf] = c
  end
  local spans = c[line]
  if spans then
    return spans
  end
  if not M.ready(ds) then
    return {} -- not kept: the lines are drawn again once the codings are
  end
  spans = {}
  local id, text
  if b.lazy and b.view then
    if line > b.offset then
      id, text = b.view:id(line - b.offset), b.view:line(line - b.offset)
    end
  elseif b.result then
    id, text = b.result.ids[line], b.result.lines[line]
  end
  local texts = id and text and M.evidence(ds, id)
  local core = require("bqw.core")
  for _, t in ipairs(texts or {}) do
    for _, s in ipairs(core.match_spans(text, t)) do
      spans[#spans + 1] = { s[1], s[2] }
    end
  end
  c[line] = spans
  return spans
end

-- Drawn for the lines on screen only, in every bqw buffer, small or large.
api.nvim_set_decoration_provider(ns, {
  on_win = function(_, _, buf)
    return draw.buffers[buf] ~= nil and config().code_highlight == true
  end,
  on_line = function(_, _, buf, row)
    for _, s in ipairs(M.line_spans(buf, row + 1)) do
      pcall(api.nvim_buf_set_extmark, buf, ns, row, s[1], {
        end_col = s[2],
        hl_group = "BqwCode",
        priority = 4100,
        ephemeral = true,
      })
    end
  end,
})

--- The codes of record id: { { measure = n (0: the prose), line, codes = { … } }, … }
--- for each unit given a code, ancestors included.
function M.record_codes(ds, id)
  local r = ds._handle:record(id)
  local out = {}
  if not r then
    return out
  end
  for m = 1, #(r.measures or {}) do
    local codes = ds._handle:unit_codes(id, m)
    if #codes > 0 then
      out[#out + 1] = { measure = m, line = r.measure_lines[m], codes = codes }
    end
  end
  local prose = ds._handle:unit_codes(id, 0)
  if #prose > 0 then
    out[#out + 1] = { measure = 0, line = r.line, codes = prose }
  end
  return out
end

--- One line per coded unit of record id: "#5.2 L23 供给型 人才培养", or that it has none.
function M.codes_text(ds, id)
  local lines = {}
  for _, u in ipairs(M.record_codes(ds, id)) do
    local where = u.measure > 0 and ("#%d.%d"):format(id, u.measure) or ("#%d"):format(id)
    lines[#lines + 1] = ("%s L%d  %s"):format(where, u.line, table.concat(u.codes, " "))
  end
  if #lines == 0 then
    return ("#%d: no code (bqw code lists the codings)"):format(id)
  end
  return table.concat(lines, "\n")
end

--- gc: the codes of the record under the cursor, in the message area.
function M.show_codes(buf)
  local id = draw.id_under_cursor(buf)
  if not id then
    return
  end
  data.with_dataset(function(ds)
    data.notify(M.codes_text(ds, id))
  end)
end

-- The record the last hover showed, per buffer (a hover says a record's codes once).
local hovered = {}

--- On CursorHold in buf (setup{ code_hover = true }): the codes of the record under the
--- cursor, once per record, echoed without a prompt.
function M.hover(buf)
  local id = config().code_hover and draw.id_under_cursor(buf)
  local ds = data.current()
  if not (id and ds) or hovered[buf] == id then
    return
  end
  hovered[buf] = id
  local text = M.codes_text(ds, id):gsub("\n", "  |  ")
  api.nvim_echo({ { view_util.truncate(text, vim.o.columns - 12), "BqwCode" } }, false, {})
end

--- Sets up a new bqw buffer: the hover.
function M.attach(buf)
  api.nvim_create_autocmd("CursorHold", {
    group = api.nvim_create_augroup("bqw_code_" .. buf, { clear = true }),
    buffer = buf,
    callback = function()
      M.hover(buf)
    end,
  })
  api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    once = true,
    callback = function()
      hovered[buf], spans_cache[buf] = nil, nil
    end,
  })
end

--- Puts the cursor of the detail view in buf on measure m's line (the prose's: the
--- "code:" line); tries again while the view is drawn, at most tries times.
local function cursor_to_measure(buf, measure, tries)
  if not api.nvim_buf_is_valid(buf) then
    return
  end
  local want = measure > 0 and ("^  " .. measure .. "%. ") or "^code: "
  for l, text in ipairs(api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if text:find(want) then
      local win = vim.fn.bufwinid(buf)
      if win ~= -1 then
        pcall(api.nvim_win_set_cursor, win, { l, 0 })
        api.nvim_win_call(win, function()
          vim.cmd("normal! zz") -- the measure and its codes in sight
        end)
      end
      return
    end
  end
  if tries > 0 then
    vim.defer_fn(function()
      cursor_to_measure(buf, measure, tries - 1)
    end, 50)
  end
end

--- :Bqw code [EXPR]: every coding (each piece of evidence) of the records EXPR selects
--- (as `bqw code --where` does, the measure shape), a line each: record.measure, source
--- line, code, label, evidence, the measure's text; <CR> opens the record in full with
--- the cursor on that measure.
function M.list(where)
  data.with_dataset(function(ds)
    local units, err = ds:codings({ where = where })
    if not units then
      return data.notify(err, vim.log.levels.ERROR)
    end
    local label = {}
    for _, c in ipairs(ds:codes()) do
      label[c.code] = c.label
    end
    local b = view_util.builder()
    local at = {}
    local n = 0
    for _, u in ipairs(units) do
      for _, e in ipairs(u.evidence) do
        n = n + 1
        local where_s = u.measure > 0 and ("%d.%d"):format(u.id, u.measure) or tostring(u.id)
        local l = b:line({
          { ("%-7s "):format(where_s), "BqwId" },
          { ("L%-5d "):format(u.line), "BqwLine" },
          { e.code, "BqwCode" },
          " ",
          { label[e.code] or "", "BqwDim" },
          "  ",
          { e.text, "BqwMatch" },
          "  ",
          view_util.truncate(view_util.one_line(u.text), 60),
        }, u.id)
        at[l] = u.measure
      end
    end
    if n == 0 then
      b:line({ { #ds:codes() == 0 and "no codebook in use" or "no coding", "BqwDim" } })
    end
    local buf = draw.new_buffer("code")
    draw.draw_into(buf, b:result(), {
      status = ("code%s — %s"):format(where and (": " .. where) or "", data.count(n, "coding")),
    })
    -- the status line came first: the units' lines moved down one
    local measures = {}
    for l, m in pairs(at) do
      measures[l + 1] = m
    end
    draw.buffers[buf].code_measures = measures
    local lhs = config().keymaps.open
    if lhs then
      api.nvim_buf_set_keymap(buf, "n", lhs, "", {
        nowait = true,
        silent = true,
        desc = "bqw: the record of the coding in full, at its measure",
        callback = function()
          local id = draw.id_under_cursor(buf)
          local m = measures[api.nvim_win_get_cursor(0)[1]]
          if not id then
            return
          end
          vim.cmd("split")
          local detail = draw.show("detail", "id=" .. id)
          if detail and m then
            cursor_to_measure(detail, m, 40)
          end
        end,
      })
    end
  end)
end

return M
