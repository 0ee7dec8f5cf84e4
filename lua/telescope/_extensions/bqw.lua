-- bqw's telescope extension: :Telescope bqw (records) and :Telescope bqw search (live
-- search), each with a previewer showing the record in full and its source lines.
-- Telescope loads this file (require("telescope").load_extension("bqw")); without
-- telescope nothing does, and requiring it says what is missing.
local has_telescope, telescope = pcall(require, "telescope")
if not has_telescope then
  error("bqw: the telescope extension needs telescope.nvim (github.com/nvim-telescope/telescope.nvim)")
end

require("bqw.loader") -- bqw's modules from bqw's directory, never the working directory
local pickers = require("telescope.pickers")
local finders = require("telescope.finders")
local previewers = require("telescope.previewers")
local sorters = require("telescope.sorters")
local conf = require("telescope.config").values
local actions = require("telescope.actions")
local action_state = require("telescope.actions.state")

local data = require("bqw.nvim.data")
local pick = require("bqw.nvim.pick")

local function previewer()
  return previewers.new_buffer_previewer({
    title = "bqw record",
    define_preview = function(self, entry)
      local ds = data.current()
      if not ds then
        return
      end
      local r = ds:record(entry.id)
      if r then
        vim.api.nvim_buf_set_lines(self.state.bufnr, 0, -1, false, pick.preview_lines(ds, r))
      end
    end,
  })
end

-- <CR> opens the chosen record's detail in a split.
local function open_on_select(prompt_bufnr)
  actions.select_default:replace(function()
    actions.close(prompt_bufnr)
    local entry = action_state.get_selected_entry()
    if entry then
      pick.open_record(entry.id)
    end
  end)
  return true
end

local function record_entry(r)
  local line = pick.record_line(r)
  return { value = r, id = r.id, display = line, ordinal = line }
end

local function hit_entry(hit)
  local line = pick.hit_line(hit)
  return { value = hit, id = hit.id, display = line, ordinal = line }
end

--- Every record (opts.where narrows them).
local function records(opts)
  opts = opts or {}
  data.with_dataset(function(ds)
    pickers
      .new(opts, {
        prompt_title = "bqw records",
        finder = finders.new_table({ results = assert(ds:query(opts.where)):all(), entry_maker = record_entry }),
        sorter = conf.generic_sorter(opts),
        previewer = previewer(),
        attach_mappings = open_on_select,
      })
      :find()
  end)
end

--- Live search: the hits of what is typed, in rank order.
local function search(opts)
  opts = opts or {}
  data.with_dataset(function(ds)
    pickers
      .new(opts, {
        prompt_title = "bqw search",
        finder = finders.new_dynamic({
          fn = function(prompt)
            if not prompt or vim.trim(prompt) == "" then
              return {}
            end
            local result = ds:search(prompt, { limit = opts.limit or 200 })
            return result and result.hits or {}
          end,
          entry_maker = hit_entry,
        }),
        sorter = sorters.empty(),
        previewer = previewer(),
        attach_mappings = open_on_select,
      })
      :find()
  end)
end

return telescope.register_extension({
  exports = { bqw = records, records = records, search = search },
})
