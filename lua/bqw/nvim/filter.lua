--- The live filter: a prompt that starts with the view's current filter and narrows
--- the view as you type (debounced), the count or the expression's error in the
--- view's first line, the matched text highlighted. An empty filter or <Esc> shows
--- the view unfiltered again; a new filter replaces the old one.
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")

local M = {}

local uv = vim.uv or vim.loop

-- Text with any of these is meant as an expression (|bqw-where|); other text is
-- searched for.
local EXPRESSION_CHARS = '[=~<>!()"]'

--- Typed text to a filter expression: nil for an empty text; an expression when the
--- query engine compiles it (over ds, default the loaded dataset); plain text becomes a
--- text search; text that looks like an expression but does not compile gives nil,
--- message.
function M.expression(text, ds)
  text = vim.trim(text or "")
  if text == "" then
    return nil
  end
  local f, err = (ds or data.dataset()):_compile(text, true)
  if f then
    return text
  end
  if text:find(EXPRESSION_CHARS) then
    return nil, M.one_line(("--where:1:%d: error: %s"):format(err.column, err.message))
  end
  return ('text~"%s"'):format(text:gsub("\\", "\\\\"):gsub('"', '\\"'))
end

--- An error message's first line, without its "--where:" or "bqw: where:" prefix.
function M.one_line(msg)
  msg = tostring(msg):match("^[^\n]*"):gsub("^bqw: where: ", ""):gsub("^%-%-where:", "")
  return msg
end

--- The words to highlight for a filter: the text searched, or an expression's values.
function M.terms(text, expr)
  local terms = {}
  if not expr then
    return terms
  end
  if expr ~= vim.trim(text) then -- plain text
    for word in text:gmatch("%S+") do
      terms[#terms + 1] = word
    end
    return terms
  end
  for op, value in expr:gmatch('([!]?[=~])%s*"?([^"%s()]+)') do
    if op:sub(1, 1) ~= "!" then
      terms[#terms + 1] = value
    end
  end
  return terms
end

--- Applies typed text to buf's view: the filter, its status line and highlights; an
--- expression that does not parse keeps the last good filter and shows the error.
function M.apply(buf, text)
  local b = draw.buffers[buf]
  if not b then
    return
  end
  text = vim.trim(text or "")
  data.with_dataset(function(ds)
    if not vim.api.nvim_buf_is_valid(buf) then
      return
    end
    local expr, err = M.expression(text, ds)
    if err then
      b.status = ("filter: %s — error: %s"):format(text, err)
      if ds:count() > draw.large() and not b.stale then
        -- the view stays (a new one would take seconds): only its first line changes
        draw.show_status(buf)
        return
      end
      return draw.render(buf)
    end
    local where = draw.where_of({ where = b.where, expr = expr })
    local large = ds:count() > draw.large()
    if large then
      -- even checking the expression here could take 10s of ms (a text search's
      -- ids): the view jobs check it off Neovim's thread; the first to fail puts
      -- the last good filter back, the old view still in the buffer
      local before = { filter = b.filter, expr = b.expr, terms = b.terms }
      b.filter, b.expr, b.terms = expr and text or nil, expr, M.terms(text, expr)
      b.status = expr and ("filter: %s — counting…"):format(text) or nil
      b.counting = expr and text or nil
      b.revert = function(message)
        b.filter, b.expr, b.terms, b.counting = before.filter, before.expr, before.terms, nil
        b.status = ("filter: %s — error: %s"):format(text, M.one_line(message))
        draw.show_status(buf)
        vim.cmd("redraw")
      end
      return draw.render(buf)
    end
    local ok, n = pcall(function()
      local q, qerr = ds:query(where)
      if not q then
        error(qerr, 0)
      end
      return q:count()
    end)
    if not ok then
      b.status = ("filter: %s — error: %s"):format(text, M.one_line(n))
      return draw.render(buf)
    end
    b.filter = expr and text or nil
    b.expr = expr
    b.terms = M.terms(text, expr)
    b.status = expr and ("filter: %s — %s"):format(text, data.count(n, "record")) or nil
    draw.render(buf)
  end)
end

--- The prompt (vim.fn.input, so <C-r>, history and editing work), starting with the
--- current filter; the view follows each keystroke after the debounce.
function M.live(buf)
  local b = draw.buffers[buf]
  if not b then
    return
  end
  local timer = uv.new_timer()
  local applied -- the text the view follows, applied during this prompt
  local group = vim.api.nvim_create_augroup("bqw_live_filter", { clear = true })
  vim.api.nvim_create_autocmd("CmdlineChanged", {
    group = group,
    callback = function()
      local text = vim.fn.getcmdline()
      -- the view being built and drawn for the text before is stale: its job and its
      -- steps stop now, not at the debounce's end
      if draw.cancel(buf) then
        applied = nil
      end
      timer:stop()
      timer:start(
        require("bqw.nvim").config.debounce,
        0,
        vim.schedule_wrap(function()
          applied = text
          M.apply(buf, text)
          vim.cmd("redraw")
        end)
      )
    end,
  })
  local cancelled = "\027bqw-cancelled"
  local ok, text = pcall(vim.fn.input, { prompt = "bqw filter: ", default = b.filter or "", cancelreturn = cancelled })
  vim.api.nvim_del_augroup_by_id(group)
  timer:stop()
  timer:close()
  if not ok or text == cancelled then
    text = ""
  end
  -- Enter on the text the view follows already builds nothing again
  if text ~= applied then
    M.apply(buf, text)
  end
end

return M
