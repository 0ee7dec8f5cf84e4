-- An export from a bqw buffer writes exactly the records it shows, in its order (issue
-- 19 item 4): search results (ranked, not in id order), a table sorted by a column, a
-- live filter; through :Bqw export, the e key and the exports picker.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/export_shown.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
local api = vim.api

-- The ids of a CSV export's rows (the first column, id), in order.
local function csv_ids(path)
  local ids = {}
  if vim.fn.filereadable(path) ~= 1 then
    return ids
  end
  for i, line in ipairs(vim.fn.readfile(path, "b")) do
    if i > 1 and line ~= "" then
      ids[#ids + 1] = tonumber(line:match("^(%d+),"))
    end
  end
  return ids
end

local function wait_for(path)
  vim.wait(10000, function()
    return vim.fn.filereadable(path) == 1
  end, 20)
end

-- The ids the current buffer shows, from its lines (each record once, first line).
local function shown()
  local b = require("bqw.nvim.draw").buffers[api.nvim_get_current_buf()]
  local ids, seen = {}, {}
  for l = 1, #api.nvim_buf_get_lines(0, 0, -1, false) do
    local id = b.result.ids[l]
    if id and not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  return ids
end

local function same(a, b)
  return vim.deep_equal(a, b)
end

local function ascending(ids)
  for i = 2, #ids do
    if ids[i] < ids[i - 1] then
      return false
    end
  end
  return true
end

T.run("nvim export shown", function()
  vim.cmd("runtime plugin/bqw.lua")
  local nvim = require("bqw.nvim")
  nvim.setup({})
  local ds = assert(require("bqw").load())

  -- :Bqw search, then :Bqw export: the records of the hits, in rank order
  vim.cmd("Bqw search 乡村振兴")
  local want = {}
  local result = assert(ds:search("乡村振兴", { limit = 500 }))
  local seen = {}
  for _, hit in ipairs(result.hits) do
    if not seen[hit.id] then
      seen[hit.id] = true
      want[#want + 1] = hit.id
    end
  end
  check(#want == 10 and same(shown(), want), "the search shows 10 records: " .. vim.inspect(shown()))
  check(not ascending(want), "search hits are ranked, not in id order")
  local out = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export csv " .. out)
  wait_for(out)
  check(same(csv_ids(out), want), ":Bqw export after a search: " .. vim.inspect(csv_ids(out)))

  -- the e key: asks for a format and a file
  local answers = { "csv", vim.fn.tempname() .. ".csv" }
  local e_out = answers[2]
  local saved_input = vim.ui.input
  vim.ui.input = function(_, on_confirm)
    on_confirm(table.remove(answers, 1))
  end
  nvim.keymap_actions.export(api.nvim_get_current_buf())
  vim.ui.input = saved_input
  wait_for(e_out)
  check(same(csv_ids(e_out), want), "e after a search: " .. vim.inspect(csv_ids(e_out)))

  -- an expression narrows what is shown; --all is every record it selects
  local narrowed = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export csv " .. narrowed .. " kind=city")
  wait_for(narrowed)
  local want_city = {}
  for _, id in ipairs(want) do
    if ds:record(id).kind == "city" then
      want_city[#want_city + 1] = id
    end
  end
  check(#want_city > 0 and same(csv_ids(narrowed), want_city), "EXPR narrows the shown records: " .. vim.inspect(csv_ids(narrowed)))
  local all = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export --all csv " .. all .. " kind=city")
  wait_for(all)
  check(#csv_ids(all) == ds:query("kind=city"):count(), "--all: every record EXPR selects")

  -- a table sorted by city: the export comes out in the table's order
  vim.cmd("Bqw view table kind=city")
  local buf = api.nvim_get_current_buf()
  local header = api.nvim_buf_get_lines(buf, 0, -1, false)
  local hl
  for l, text in ipairs(header) do
    if text:find("^id%s") then
      hl = l
      break
    end
  end
  api.nvim_win_set_cursor(0, { hl, (header[hl]:find("city", 1, true)) - 1 })
  require("bqw.nvim.draw").sort_by_cursor(buf)
  local sorted = shown()
  check(#sorted == ds:query("kind=city"):count() and not ascending(sorted), "the table is sorted by city: " .. vim.inspect(sorted))
  check(ds:record(sorted[1]).city == "潮州", "潮州 first in pinyin order")
  local sorted_out = vim.fn.tempname() .. ".csv"
  vim.cmd("Bqw export csv " .. sorted_out)
  wait_for(sorted_out)
  check(same(csv_ids(sorted_out), sorted), "the sorted table's export: " .. vim.inspect(csv_ids(sorted_out)))

  -- the exports picker (vim.ui.select, then a file)
  local picked = vim.fn.tempname() .. ".csv"
  local saved_select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    for _, p in ipairs(items) do
      if p.name == "csv" then
        return on_choice(p)
      end
    end
  end
  vim.ui.input = function(_, on_confirm)
    on_confirm(picked)
  end
  require("bqw.nvim.pick").exports(buf)
  vim.ui.select, vim.ui.input = saved_select, saved_input
  wait_for(picked)
  check(same(csv_ids(picked), sorted), "the exports picker: " .. vim.inspect(csv_ids(picked)))
end)
