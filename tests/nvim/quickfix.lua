-- Vim's quickfix reads `bqw check` as it is: `:cexpr system(…)` and `:cgetexpr` with the
-- default 'errorformat' give one entry a diagnostic (no summary lines: stderr is not a
-- terminal), and `:cc N` puts the cursor on the offending character, Chinese before it
-- or not (a quickfix column is a byte index, and bqw check counts bytes).
-- Run: BQW_EXE=build/bqw nvim --headless -u NONE -i NONE -c "luafile tests/nvim/quickfix.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check

local exe = assert(os.getenv("BQW_EXE"), "BQW_EXE: the bqw command")

--- The text the entry's diagnostic points at, from its message, or nil.
local function target_of(text)
  text = text:gsub("^%s*%a+: ", "") -- the severity, as 'errorformat' leaves it in the text
  local corrupted = text:match('^repaired "(.-)" to ')
  if corrupted then
    return corrupted
  end
  if text:find("^control character U%+001B") then
    return "\27"
  end
  if text:find("^control character U%+202E") then
    return "\226\128\174"
  end
  return nil
end

--- Checks the quickfix list against the output: one entry a line, an entry with a
--- place for each FILE:LINE:COL line (a diagnostic about the whole file, "FILE: warning:
--- …", is a text entry, as clang's are), each aimed where its message says.
local function check_entries(label, file, output)
  local qf = vim.fn.getqflist()
  local lines = vim.split(vim.trim(output), "\n")
  check(#qf == #lines, ("%s: %d entries for %d lines"):format(label, #qf, #lines))
  local aimed = 0
  for i, e in ipairs(qf) do
    local placed = (lines[i] or ""):find("^[^:]+:%d+:%d+: ") ~= nil
    check((e.valid == 1 and e.lnum > 0 and e.col > 0) == placed, label .. ": entry " .. i .. ": " .. e.text)
    if placed then
      check(vim.fn.bufname(e.bufnr) == file, label .. ": entry " .. i .. " names " .. file)
    end
    local target = target_of(e.text)
    if target then
      vim.cmd("cc " .. i)
      local cursor = vim.api.nvim_win_get_cursor(0)
      local line = vim.api.nvim_get_current_line()
      check(cursor[1] == e.lnum, label .. ": line of entry " .. i)
      local at = line:sub(cursor[2] + 1, cursor[2] + #target)
      check(at == target, ("%s: entry %d: the cursor is on %q, expected %q"):format(label, i, at, target))
      aimed = aimed + 1
    end
  end
  return aimed
end

T.run("nvim quickfix", function()
  local digest = "data/bqw-digest-2023.txt"
  local command = exe .. " check " .. digest
  vim.cmd("cexpr system(" .. vim.fn.string(command) .. ")")
  -- the known defect and the six repaired spots, each after Chinese text
  local output = vim.fn.system(command)
  check(#vim.split(vim.trim(output), "\n") == 7, "7 lines, no summary")
  check(check_entries(":cexpr", digest, output) == 6, ":cexpr: six repaired spots aimed at")

  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  local file = dir .. "/controls.txt"
  local fh = assert(io.open(file, "wb"))
  fh:write("全省政策\n縣域發展說明\27[2J之後\n●《甲方案》\n◎措施一,\226\128\174反向。\n")
  fh:close()
  vim.cmd("silent! %bwipeout!")
  output = vim.fn.system(exe .. " check " .. vim.fn.shellescape(file))
  vim.g.bqw_check_output = output
  vim.cmd("cgetexpr g:bqw_check_output")
  local aimed = check_entries(":cgetexpr", file, output)
  check(aimed == 2, ":cgetexpr: both control characters aimed at (" .. aimed .. ")")
  vim.fn.delete(dir, "rf")
end)
