-- The telescope extension against a minimal stand-in of telescope's picker, finder,
-- previewer and action API (the calls the extension makes, as telescope.nvim
-- documents them), and that it refuses to load without telescope.
-- Run: nvim --headless -u NONE -i NONE --cmd "set rtp+=." -c "luafile tests/nvim/telescope.lua"
local T = dofile(vim.fn.getcwd() .. "/tests/nvim/harness.lua")
local check = T.check
local api = vim.api

T.run("nvim telescope", function()
  vim.cmd("runtime plugin/bqw.lua")
  require("bqw.nvim").setup({})
  -- without telescope: a clear error, nothing else
  local ok, err = pcall(require, "telescope._extensions.bqw")
  check(not ok and tostring(err):find("needs telescope.nvim", 1, true), "refuses to load without telescope: " .. tostring(err))
  package.loaded["telescope._extensions.bqw"] = nil

  local last = {}
  local selected
  local replaced
  package.preload["telescope"] = function()
    return {
      register_extension = function(ext)
        return ext
      end,
    }
  end
  package.preload["telescope.pickers"] = function()
    return {
      new = function(opts, spec)
        return {
          find = function()
            last = { opts = opts, spec = spec }
          end,
        }
      end,
    }
  end
  package.preload["telescope.finders"] = function()
    return {
      new_table = function(t)
        return { kind = "table", results = t.results, entry_maker = t.entry_maker }
      end,
      new_dynamic = function(t)
        return { kind = "dynamic", fn = t.fn, entry_maker = t.entry_maker }
      end,
    }
  end
  package.preload["telescope.previewers"] = function()
    return {
      new_buffer_previewer = function(spec)
        return spec
      end,
    }
  end
  package.preload["telescope.sorters"] = function()
    return { empty = function()
      return { kind = "empty" }
    end }
  end
  package.preload["telescope.config"] = function()
    return { values = { generic_sorter = function()
      return { kind = "generic" }
    end } }
  end
  package.preload["telescope.actions"] = function()
    return {
      close = function() end,
      select_default = {
        replace = function(_, fn)
          replaced = fn
        end,
      },
    }
  end
  package.preload["telescope.actions.state"] = function()
    return {
      get_selected_entry = function()
        return selected
      end,
    }
  end

  local ext = require("telescope._extensions.bqw")
  check(type(ext.exports.records) == "function" and type(ext.exports.search) == "function", "exports records and search")

  ext.exports.records({})
  local spec = last.spec
  check(spec and spec.finder.kind == "table" and #spec.finder.results == 56, "records: 56 results")
  local entry = spec.finder.entry_maker(spec.finder.results[27])
  check(entry.id == 27 and entry.display:find("L81", 1, true) and entry.ordinal:find("韶关", 1, true), "records: an entry: " .. tostring(entry.display))
  -- the previewer: the record in full and its source lines
  local pbuf = api.nvim_create_buf(false, true)
  spec.previewer.define_preview({ state = { bufnr = pbuf } }, entry)
  local text = table.concat(api.nvim_buf_get_lines(pbuf, 0, -1, false), "\n")
  local has = function(x)
    return text:find(x, 1, true) ~= nil
  end
  check(has("实施生态立市") and has("source bqw-digest-2023.txt L81") and has("   81  "), "previewer: record and source lines:\n" .. text)
  -- <CR>: the detail in a split
  check(spec.attach_mappings(1, function() end) == true and replaced, "attach_mappings replaces select_default")
  selected = entry
  local wins = #api.nvim_list_wins()
  replaced()
  local shown = require("bqw.nvim").buffers[api.nvim_get_current_buf()]
  check(#api.nvim_list_wins() == wins + 1 and shown and shown.name == "detail", "select opens the detail")
  vim.cmd("only")

  ext.exports.search({})
  spec = last.spec
  check(spec.finder.kind == "dynamic", "search: a dynamic finder")
  check(#spec.finder.fn("") == 0, "search: nothing for an empty prompt")
  local hits = spec.finder.fn("乡村振兴")
  check(#hits == 12, "search: 12 hits: " .. #hits)
  local he = spec.finder.entry_maker(hits[1])
  check(he.display:find("L%d+") and he.id == hits[1].id, "search: an entry with its source line: " .. he.display)
end)
