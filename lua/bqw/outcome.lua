--- How the Lua API reports failures (issue 19): nil, message, name, and the pieces of
--- ds:query and ds:export that decide them. The names: "EINVAL" (what was asked is
--- wrong), "ENOENT" (no such plugin), "EPLUGIN" (a plugin failed: "plugin NAME (PATH):
--- error: …"), "ENODATA" (an export that matches no record), or an output file's.
local M = {}

-- An error with a name, raised through a pcall (M.raise) and told apart (M.caught).
local NAMED = {
  __tostring = function(self)
    return self.message
  end,
}

--- Raises message with its name attached (level 0: the message stands as it is).
function M.raise(message, name)
  error(setmetatable({ message = message, name = name }, NAMED), 0)
end

--- The message and name of what a pcall caught: M.raise's, or the text's ("EPLUGIN"
--- for a plugin's failure, else fallback).
function M.caught(err, fallback)
  if getmetatable(err) == NAMED then
    return err.message, err.name
  end
  err = tostring(err)
  return err, require("bqw.plugins").error_name(err, fallback)
end

--- The message and name of a query that could not be made (what q:where raised):
--- a plugin's failure as it is, otherwise without the "bqw: where: " in front.
function M.query_failure(err)
  local message = tostring(err)
  local name = require("bqw.plugins").error_name(message, "EINVAL")
  if name ~= "EPLUGIN" then
    message = message:gsub("^.-bqw: where: ", ""):gsub("^.-bqw: ", "")
  end
  return message, name
end

--- The message of an export that matches no record: where is the export's where,
--- output the file left as it was (or nil).
function M.nothing(where, output)
  local what = type(where) == "string" and ("--where '" .. where .. "'") or "the export's filter"
  return ("no record matches %s; nothing exported%s (--allow-empty, or allow_empty = true in Lua, writes an empty export)"):format(
    what,
    output and ("; " .. output .. " is left as it was") or ""
  )
end

--- A count of the rows that reach an export plugin: counter.tick(n) wraps a tick
--- (n records done), counter.rows(iter) an iterator of rows; counter.seen() > 0
--- once any came.
function M.counter(tick)
  local seen = 0
  local counter = {}
  function counter.tick(n)
    if (n or 1) > 0 then
      seen = seen + 1
    end
    return tick(n)
  end
  function counter.rows(iter)
    return function()
      local row = iter()
      if row ~= nil then
        seen = seen + 1
      end
      return row
    end
  end
  function counter.add(n)
    seen = seen + n
  end
  function counter.seen()
    return seen
  end
  return counter
end

--- q narrowed to the records with these ids, in the order of the list (ds:export's
--- ids: what a view shows, in its order).
function M.only_ids(q, ids)
  local pos, ascending, last = {}, true, 0
  for i, id in ipairs(ids) do
    if type(id) ~= "number" then
      error(("bqw.export: bad argument #2: ids[%d] must be a record id (a number), got %s"):format(i, type(id)), 4)
    end
    if pos[id] == nil then
      pos[id] = i
      ascending = ascending and id > last
      last = id
    end
  end
  q = q:where(function(r)
    return pos[r.id] ~= nil
  end)
  if not ascending then
    q = q:sort(function(a, b)
      return pos[a.id] < pos[b.id]
    end)
  end
  return q
end

return M
