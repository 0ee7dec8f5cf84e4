-- Coding in Neovim (issue 23): the codes' evidence highlighted in views (BqwCode, off
-- with setup{ code_highlight = false }), the codes of a record in the detail view, on gc
-- and on CursorHold (code_hover), and :Bqw code, whose <CR> opens the record at the
-- coded measure.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/code.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
local api = vim.api

local function lines(buf)
  return api.nvim_buf_get_lines(buf or 0, 0, -1, false)
end

local function line_of(buf, pattern)
  for i, l in ipairs(lines(buf)) do
    if l:find(pattern) then
      return i
    end
  end
end

T.run("nvim code", function()
  vim.cmd("runtime plugin/bqw.lua")
  local nvim = require("bqw.nvim")
  check(not pcall(nvim.setup, { code_highlight = "yes" }), "code_highlight must be a boolean")
  check(not pcall(nvim.setup, { code_hover = 1 }), "code_hover must be a boolean")
  nvim.setup({})
  check(nvim.config.code_highlight == true and nvim.config.code_hover == false, "defaults: highlight on, hover off")
  local code = require("bqw.nvim.code")
  local ds = require("bqw.nvim.data").dataset()

  -- the evidence of record 1's codes, highlighted where the list view shows it: its
  -- title holds 产业有序转移, evidence of 产业转移 in measure 1 (產業有序轉移 as published)
  vim.cmd("Bqw view list")
  local buf = api.nvim_get_current_buf()
  check(vim.fn.hlexists("BqwCode") == 1, "BqwCode is defined")
  local l1 = line_of(buf, "^%s*1 document")
  check(l1 ~= nil, "record 1 in the list view")
  local text = lines(buf)[l1] or ""
  local found = false
  for _, s in ipairs(code.line_spans(buf, l1)) do
    found = found or text:sub(s[1] + 1, s[2]) == "产业有序转移"
  end
  check(found, "产业有序转移 highlighted on record 1's line: " .. vim.inspect(code.line_spans(buf, l1)))
  -- a record no code was given: no span
  local uncoded
  for id = 1, ds:count() do
    if #code.record_codes(ds, id) == 0 then
      uncoded = id
      break
    end
  end
  check(uncoded ~= nil, "some record has no code")
  local lu = uncoded and line_of(buf, ("^%%s*%d "):format(uncoded))
  check(lu and #code.line_spans(buf, lu) == 0, "no span on an uncoded record's line")
  -- off: nothing highlighted
  nvim.setup({ code_highlight = false })
  check(#code.line_spans(buf, l1) == 0, "code_highlight = false: no span")
  nvim.setup({})

  -- gc: the codes of the record under the cursor, each measure's
  check(vim.fn.maparg("gc", "n", false, true).buffer == 1, "gc is mapped in a view")
  check(code.codes_text(ds, 1):find("#1.1 L10  需求型 对外合作 区域协调 产业转移", 1, true) ~= nil,
    "record 1's codes: " .. code.codes_text(ds, 1))
  local said
  local notify = vim.notify
  vim.notify = function(msg)
    said = msg
  end
  api.nvim_win_set_cursor(0, { l1, 0 })
  vim.cmd("normal gc")
  vim.notify = notify
  check(said and said:find("#1.3 L12  环境型 策略性措施 产业转移", 1, true) ~= nil, "gc says the codes: " .. tostring(said))

  -- the detail view shows each measure's codes
  vim.cmd("Bqw view detail id=1")
  local detail = api.nvim_get_current_buf()
  local m1 = line_of(detail, "^  1%. L10 ")
  check(m1 and lines(detail)[m1 + 1] == "     code: 需求型; 对外合作; 区域协调; 产业转移", "measure 1's codes under it")

  -- :Bqw code: a line per coding; <CR> opens the record with the cursor on the measure
  vim.cmd("Bqw code region=粤北")
  local list = api.nvim_get_current_buf()
  local want = 0
  for _, u in ipairs(ds:codings({ where = "region=粤北" })) do
    want = want + #u.evidence
  end
  check(want > 0, "codings in 粤北")
  check(lines(list)[1]:find(("— %d codings"):format(want), 1, true) ~= nil, "status counts the codings: " .. lines(list)[1])
  check(#lines(list) == want + 1, ("a line per coding: %d lines for %d"):format(#lines(list), want))
  -- the first coding of a measure other than the first
  local at, id, m
  for i, l in ipairs(lines(list)) do
    local a, b = l:match("^(%d+)%.(%d+) ")
    if a and tonumber(b) > 1 then
      at, id, m = i, tonumber(a), tonumber(b)
      break
    end
  end
  check(at ~= nil, "a coding of a later measure")
  api.nvim_win_set_cursor(0, { at, 0 })
  vim.cmd("normal \r")
  local opened = api.nvim_get_current_buf()
  check(opened ~= list, "<CR> opened another buffer")
  check(vim.wait(2000, function()
    return api.nvim_get_current_line():find(("^  %d%%. L"):format(m)) ~= nil
  end), ("the cursor on measure %d of record %d: %q"):format(m or 0, id or 0, api.nvim_get_current_line()))
  check((lines(opened)[1] or ""):find(("^#%d "):format(id)) ~= nil, "the record's detail: " .. tostring(lines(opened)[1]))

  -- hover: CursorHold echoes the codes, once per record; off by default
  local echoed
  local echo = api.nvim_echo
  api.nvim_echo = function(chunks)
    echoed = chunks[1][1]
  end
  vim.cmd("Bqw view list")
  local v = api.nvim_get_current_buf()
  api.nvim_win_set_cursor(0, { line_of(v, "^%s*1 document"), 0 })
  vim.cmd("doautocmd CursorHold")
  check(echoed == nil, "no hover by default: " .. tostring(echoed))
  nvim.setup({ code_hover = true }) -- (a setup drops the dataset: loaded again)
  require("bqw.nvim.data").dataset()
  vim.cmd("doautocmd CursorHold")
  check(echoed and echoed:find("#1.1 L10  需求型", 1, true) ~= nil, "hover echoes the codes: " .. tostring(echoed))
  echoed = nil
  vim.cmd("doautocmd CursorHold")
  check(echoed == nil, "once per record")
  api.nvim_echo = echo

  -- a large digest (more records than setup's `large`) is coded on another thread: the
  -- first lines drawn get no highlight and Neovim does not wait; once the coding job is
  -- done the codings are there
  nvim.setup({ large = 10 })
  local big = assert(require("bqw").load())
  check(not big._handle:codings_ready(), "a new dataset's codings are computed on first use")
  -- (not asked again at once: the job may already be done on a digest this small)
  check(code.ready(big) == false, "a large digest's codings are not computed on Neovim's thread")
  check(vim.wait(20000, function()
    return big._handle:codings_ready()
  end, 20), "the coding job computed them")
  check(code.ready(big) == true, "then they are ready")
end)
