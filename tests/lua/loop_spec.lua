-- The async core: background load, timers, watching, background export, resources.
local bqw = require("bqw")
local H = require("tests.lua.helpers")

local tempdir = H.temp_dir
local write = H.write_file

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then
    return nil
  end
  local data = fh:read("a")
  fh:close()
  return data
end

local function listing(dir)
  local out = {}
  for name in io.popen("ls -A '" .. dir .. "'"):lines() do
    out[#out + 1] = name
  end
  table.sort(out)
  return table.concat(out, " ")
end

--- A bigger digest: the shipped one repeated n times (sections repeat; it parses).
local function big_digest(n)
  local one = bqw.default_digest()
  local parts = {}
  for i = 1, n do
    parts[i] = one
  end
  return table.concat(parts, "\n")
end

describe("loop:load", function()
  it("loads in the background while a timer keeps firing", function()
    local dir = tempdir()
    local path = dir .. "/big.txt"
    write(path, big_digest(600)) -- about 14 MB
    local loop = assert(bqw.loop())
    local ticks, ticks_at_load, result = 0, nil, nil
    local timer = loop:timer(0, 2, function()
      ticks = ticks + 1
    end)
    loop:load(path, function(ds, err)
      ticks_at_load = ticks
      result = ds or err
      timer:stop()
    end)
    loop:run()
    loop:close()
    assert.is_table(result, tostring(result))
    assert.equal(63 * 600, result:stats().measures)
    assert.is_true(ticks_at_load > 1, "the timer should fire while the file loads")
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("reports failures and cancellation as nil, message, name", function()
    local loop = assert(bqw.loop())
    local got = {}
    loop:load("/nonexistent/x.txt", function(ds, err, name)
      got.missing = { ds, err, name }
    end)
    local req = loop:load(H.root .. "/data/bqw-digest-2023.txt", function(ds, err, name)
      got.cancelled = { ds, err, name }
    end)
    req:cancel()
    loop:run()
    loop:close()
    assert.is_nil(got.missing[1])
    assert.truthy(got.missing[2]:find("cannot read file", 1, true))
    assert.equal("EIO", got.missing[3])
    assert.is_nil(got.cancelled[1])
    assert.equal("ECANCELED", got.cancelled[3])
  end)

  it("hands the dataset over with its index building aside, unless set_index(false)", function()
    for _, on in ipairs({ true, false }) do
      local loop = assert(bqw.loop()):set_index(on)
      local ds
      loop:load(H.root .. "/data/bqw-digest-2023.txt", function(d)
        ds = d
      end)
      loop:run()
      -- wait (up to 5 s, in 10 ms turns of the loop) for the build, searching nothing
      local waited, timer = 0, nil
      timer = loop:timer(10, 10, function()
        waited = waited + 10
        if ds:index_ready() or waited >= (on and 5000 or 300) then
          timer:stop()
        end
      end)
      loop:run()
      loop:close()
      assert.equal(on, ds:index_ready(), "set_index(" .. tostring(on) .. ")")
      local total = ds:search("乡村振兴").total
      assert(ds:index())
      assert.equal(total, ds:search("乡村振兴").total)
      ds:close()
    end
    assert.has_error(function()
      assert(bqw.loop()):set_index(1)
    end)
  end)

  it("raises a callback's error from run()", function()
    local loop = assert(bqw.loop())
    loop:timer(0, 0, function()
      error("boom in a callback")
    end)
    assert.has_error(function()
      loop:run()
    end)
    loop:close()
  end)
end)

describe("loop:set_load_nice", function()
  it("takes a whole number 0..19 and raises on anything else", function()
    local loop = assert(bqw.loop())
    for _, bad in ipairs({ -1, 20, 1.5, 0 / 0, math.huge }) do
      local ok, err = pcall(loop.set_load_nice, loop, bad)
      assert.is_false(ok, tostring(bad))
      assert.truthy(tostring(err):find("whole number from 0", 1, true), tostring(err))
    end
    for _, bad in ipairs({ "x", {}, true }) do
      assert.is_false(pcall(loop.set_load_nice, loop, bad), tostring(bad))
    end
    assert.is_false((pcall(loop.set_load_nice, loop)))
    assert.equal(0, loop:info().load_nice)
    assert.equal(loop, loop:set_load_nice(19))
    assert.equal(19, loop:info().load_nice)
    loop:set_load_nice(0)
    assert.equal(0, loop:info().load_nice)
    loop:close()
    assert.has_error(function()
      loop:set_load_nice(5)
    end)
  end)

  it("loads, cancels and reloads through a niced thread", function()
    local dir = tempdir()
    local path = dir .. "/big.txt"
    write(path, big_digest(50))
    local loop = assert(bqw.loop()):set_load_nice(10)
    local ticks, got, cancelled = 0, nil, nil
    local timer = loop:timer(0, 2, function()
      ticks = ticks + 1
    end)
    loop:load(path, function(ds, err)
      got = ds or err
      timer:stop()
    end)
    local req = loop:load(path, function(ds, err, name)
      cancelled = { ds, err, name }
    end)
    req:cancel()
    loop:run()
    assert.is_table(got, tostring(got))
    assert.equal(63 * 50, got:stats().measures)
    assert.is_nil(cancelled[1])
    assert.equal("ECANCELED", cancelled[3])
    -- a watch's reload runs at the loop's nice value too
    local reloaded
    local watcher = assert(loop:watch(path, { debounce = 20 }, function(ds, err)
      reloaded = ds and ds:stats().measures or err
    end))
    loop:timer(10, 0, function()
      write(path, bqw.default_digest())
    end)
    local guard = loop:timer(20000, 0, function()
      watcher.stop()
    end)
    while reloaded == nil and watcher.active() do
      loop:run("once")
    end
    watcher.stop()
    guard:stop()
    loop:run()
    loop:close()
    assert.equal(63, reloaded)
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("closing from a callback", function()
  it("closes the loop from inside a timer callback", function()
    local loop = assert(bqw.loop())
    local closed = false
    loop:timer(0, 0, function()
      loop:close()
      closed = true
    end)
    loop:run()
    assert.is_true(closed)
  end)

  it("prints an error raised after the loop was closed", function()
    local loop = assert(bqw.loop())
    local printed
    local saved = _G.print
    _G.print = function(s)
      printed = s
    end
    loop:timer(0, 0, function()
      loop:close()
      error("after close")
    end)
    local ok = pcall(loop.run, loop)
    _G.print = saved
    assert.is_true(ok)
    assert.truthy(printed and printed:find("after close", 1, true), tostring(printed))
  end)

  it("keeps a load's request alive while its callback closes the loop", function()
    local loop = assert(bqw.loop())
    local got
    loop:load(H.root .. "/data/bqw-digest-2023.txt", function(ds)
      loop:close()
      collectgarbage()
      collectgarbage()
      got = ds and ds:stats().measures
    end)
    loop:run()
    assert.equal(63, got)
  end)
end)

describe("loop:watch", function()
  local dir, path, loop, events, watcher
  before_each(function()
    dir = tempdir()
    path = dir .. "/digest.txt"
    write(path, bqw.default_digest())
    loop = assert(bqw.loop())
    events = {}
    watcher = assert(loop:watch(path, { debounce = 50 }, function(ds, err, diagnostics)
      events[#events + 1] = ds and "ok" or ("error: " .. err)
      events.diagnostics = diagnostics
    end))
  end)
  after_each(function()
    loop:close()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  --- Runs the loop through steps { ms = …, fn = … } and a last settle.
  local function script(steps)
    for _, step in ipairs(steps) do
      loop:timer(step.ms, 0, step.fn)
    end
    loop:timer(steps[#steps].ms + 400, 0, function()
      watcher.stop()
    end)
    loop:run()
  end

  it("reloads once for a burst of writes", function()
    script({
      {
        ms = 10,
        fn = function()
          for _ = 1, 20 do
            local fh = assert(io.open(path, "ab"))
            fh:write("\n")
            fh:close()
          end
        end,
      },
    })
    assert.same({ "ok" }, { events[1], events[2] })
    assert.equal(1, #events)
  end)

  it("survives an editor's atomic save", function()
    script({
      {
        ms = 10,
        fn = function()
          write(dir .. "/.digest.txt.swp", bqw.default_digest():gsub("廣州", "廣州市"))
          os.rename(dir .. "/.digest.txt.swp", path)
        end,
      },
    })
    assert.same({ "ok" }, events)
    assert.equal(21, watcher.dataset:stats().city_entries)
  end)

  it("survives deletion and re-creation", function()
    script({
      {
        ms = 10,
        fn = function()
          os.remove(path)
        end,
      },
      {
        ms = 200,
        fn = function()
          write(path, bqw.default_digest())
        end,
      },
    })
    assert.equal("ok", events[#events])
    assert.truthy(watcher.dataset)
  end)

  it("keeps the last good dataset when the new content has errors", function()
    script({
      {
        ms = 10,
        fn = function()
          write(path, bqw.default_digest())
        end,
      },
      {
        ms = 200,
        fn = function()
          write(path, "全省政策\n縣域發展\xC0\xAF\n")
        end,
      },
    })
    assert.equal("ok", events[1])
    assert.truthy(events[2]:find("^error: .*digest.txt:2:13: error: invalid UTF%-8"), events[2])
    assert.equal("error", events.diagnostics[1].severity)
    assert.equal(63, watcher.dataset:stats().measures)
  end)
end)

describe("loop:export", function()
  it("exports in slices, reporting progress, atomically", function()
    local dir = tempdir()
    local out = dir .. "/all.csv"
    local ds = assert(bqw.load())
    local loop = assert(bqw.loop())
    local seen, result = {}, nil
    assert(loop:export(ds, "csv", { output = out, slice = 10 }, {
      progress = function(done, total)
        seen[#seen + 1] = done .. "/" .. total
      end,
      done = function(ok, err)
        result = ok or err
      end,
    }))
    loop:run()
    loop:close()
    assert.is_true(result)
    assert.is_true(#seen >= 6, table.concat(seen, " "))
    assert.equal("56/56", seen[#seen])
    assert.equal(57, select(2, read(out):gsub("\r\n%d", "")) + 1)
    assert.equal("all.csv", listing(dir))
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("yields during passes that write nothing: the count, sections, a sort in Lua", function()
    -- a Lua filter sees every record in each pass; between two yields of the export's
    -- coroutine it must not see more than a slice of them
    local dir = tempdir()
    local ds = assert(bqw.load())
    local yield = coroutine.yield
    local since, most = 0, 0
    coroutine.yield = function(...) -- luacheck: ignore 122
      since = 0
      return yield(...)
    end
    local ok, err = pcall(function()
      for _, case in ipairs({
        { format = "json" },
        { format = "markdown" },
        { format = "html" },
        { format = "csv", sort = "city" },
      }) do
        local loop = assert(bqw.loop())
        local result
        since, most = 0, 0
        assert(loop:export(ds, case.format, {
          output = dir .. "/out." .. case.format,
          slice = 5,
          sort = case.sort,
          where = function(r)
            since = since + 1
            most = math.max(most, since)
            return r.kind == "meeting" -- few rows written: passes that mostly skip
          end,
        }, {
          done = function(done_ok, done_err)
            result = done_ok or done_err
          end,
        }))
        loop:run()
        loop:close()
        assert.is_true(result, case.format)
        assert.is_true(most <= 5, ("%s: %d records looked at between two yields"):format(case.format, most))
      end
    end)
    coroutine.yield = yield -- luacheck: ignore 122
    os.execute("rm -rf '" .. dir .. "'")
    assert(ok, err)
  end)

  it("yields during the core's passes of markdown and html, as in Lua", function()
    -- the core finds a document's sections (ds:scan_sections) a slice of records at a
    -- time, and the export yields after each slice: between two yields it must not
    -- look at more than a slice of records; the rows are written as csv's are, the
    -- export yielding once the records of its chunks add up to a slice (so fewer
    -- than two slices between two yields)
    local dir = tempdir()
    local path = dir .. "/big.txt"
    write(path, big_digest(20))
    local ds = assert(bqw.load(path))
    local methods = getmetatable(require("bqw.core").load()).__index
    local scan, write_rows = methods.scan_sections, methods.write_rows
    local yield = coroutine.yield
    local looked, written, most, most_written, calls = 0, 0, 0, 0, 0
    methods.scan_sections = function(...)
      local nxt, n = scan(...)
      calls = calls + 1
      looked = looked + n
      most = math.max(most, looked)
      return nxt, n
    end
    methods.write_rows = function(...)
      local chunk, nxt, records, rows = write_rows(...)
      written = written + records
      most_written = math.max(most_written, written)
      return chunk, nxt, records, rows
    end
    coroutine.yield = function(...) -- luacheck: ignore 122
      looked, written = 0, 0
      return yield(...)
    end
    local ok, err = pcall(function()
      for _, case in ipairs({
        { format = "markdown", where = "kind=meeting" },
        { format = "html", where = "kind=document", sort = "city" },
        { format = "markdown" },
      }) do
        local loop = assert(bqw.loop())
        local result
        calls, most, most_written = 0, 0, 0
        assert(loop:export(ds, case.format, {
          output = dir .. "/out." .. case.format,
          slice = 50,
          sort = case.sort,
          where = case.where,
        }, {
          done = function(done_ok, done_err)
            result = done_ok or done_err
          end,
        }))
        loop:run()
        loop:close()
        assert.is_true(result, case.format)
        assert.is_true(calls >= 5, case.format .. ": the sections found in slices " .. calls)
        assert.is_true(most <= 50, ("%s: %d records looked at between two yields"):format(case.format, most))
        assert.is_true(
          most_written > 0 and most_written < 100,
          ("%s: %d records written between two yields"):format(case.format, most_written)
        )
      end
    end)
    coroutine.yield = yield -- luacheck: ignore 122
    methods.scan_sections, methods.write_rows = scan, write_rows
    os.execute("rm -rf '" .. dir .. "'")
    assert(ok, err)
    -- and the file is the one written at once
    assert.equal(
      assert(ds:export("markdown", { where = "kind=meeting" })),
      (function()
        local loop = assert(bqw.loop())
        local out = os.tmpname()
        assert(loop:export(ds, "markdown", { output = out, slice = 7, where = "kind=meeting" }, {}))
        loop:run()
        loop:close()
        local text = read(out)
        os.remove(out)
        return text
      end)()
    )
  end)

  it("leaves the older file and no temporary file when cancelled", function()
    local dir = tempdir()
    local out = dir .. "/all.csv"
    write(out, "older\n")
    local ds = assert(bqw.load())
    local loop = assert(bqw.loop())
    local result
    local job
    job = assert(loop:export(ds, "csv", { output = out, slice = 5 }, {
      progress = function(done)
        if done >= 10 then
          job.cancel()
        end
      end,
      done = function(ok, err)
        result = ok or err
      end,
    }))
    loop:run()
    loop:close()
    assert.equal("cancelled", result)
    assert.equal("older\n", read(out))
    assert.equal("all.csv", listing(dir))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("resources", function()
  local function open_fds()
    return #listing("/proc/self/fd"):gsub("%S+", "x"):gsub(" ", "")
  end
  local function rss_kb()
    local statm = read("/proc/self/statm")
    return tonumber(statm:match("^%d+ (%d+)")) * 4
  end

  it("leaks no fd or memory across 1000 reloads", function()
    local loop = assert(bqw.loop())
    local path = H.root .. "/data/bqw-digest-2023.txt"
    local function reload(n)
      local left = n
      local function next_load()
        loop:load(path, function(ds)
          assert.truthy(ds)
          ds:close()
          left = left - 1
          if left > 0 then
            next_load()
          end
        end)
      end
      next_load()
      loop:run()
      collectgarbage()
      collectgarbage()
    end
    reload(100) -- warm up: allocator arenas, OpenCC, the threadpool
    local fds, rss = open_fds(), rss_kb()
    reload(1000)
    assert.equal(fds, open_fds())
    if not os.getenv("BQW_SANITIZED") then -- under ASan, LeakSanitizer checks memory instead
      local grown = rss_kb() - rss
      assert.is_true(grown < 4096, ("RSS grew by %d KB over 1000 reloads"):format(grown))
    end
    loop:close()
  end)
end)

describe("bqw export --watch", function()
  it("keeps FILE in sync, keeps it on a broken change, and ends cleanly on Ctrl-C", function()
    local dir = tempdir()
    local data, out, log = dir .. "/d.txt", dir .. "/out.json", dir .. "/log"
    write(data, bqw.default_digest())
    -- a shell runs bqw and records its exit status; SIGINT goes to its child, bqw.
    -- Nothing of the test's stdio is handed down, so a stray process cannot hold it.
    write(dir .. "/run.sh", 'cd "$(dirname "$0")"\n"$1" export --format json --data d.txt -o out.json --watch 2>log\necho "exit $?" >>log\n')
    local pipe = io.popen(("sh '%s/run.sh' '%s' </dev/null >/dev/null 2>&1 & echo $!"):format(dir, H.exe))
    local pid = pipe:read("l"):match("%d+")
    pipe:close()
    finally(function()
      os.execute("pkill -KILL -P " .. pid .. " 2>/dev/null")
      os.execute("rm -rf '" .. dir .. "'")
    end)
    local function wait_for(fn)
      for _ = 1, 100 do
        if fn() then
          return true
        end
        os.execute("sleep 0.05")
      end
      return false
    end
    assert.is_true(wait_for(function()
      local text = read(out)
      return text and text:find('"count":56', 1, true)
    end), read(log))
    -- a change is exported
    write(data, (bqw.default_digest():gsub("\n2035年\n", "\n2040年\n再添一項目標。\n2035年\n")))
    assert.is_true(wait_for(function()
      local text = read(out)
      return text and text:find('"count":57', 1, true)
    end), read(log))
    -- a broken change leaves the file as it was
    local before = read(out)
    write(data, "全省政策\n\xff\n")
    assert.is_true(wait_for(function()
      return (read(log) or ""):find("is left as it was", 1, true)
    end), read(log))
    assert.equal(before, read(out))
    assert.truthy(read(log):find("d.txt:2:1: error: invalid UTF-8", 1, true), read(log))
    -- Ctrl-C
    os.execute("pkill -INT -P " .. pid .. " 2>/dev/null")
    assert.is_true(wait_for(function()
      return (read(log) or ""):find("exit %d+")
    end))
    assert.truthy(read(log):find("exit 130", 1, true), read(log))
    assert.equal("d.txt log out.json run.sh", listing(dir))
  end)
end)

describe("a host's loop (luv, as in Neovim)", function()
  -- luv loaded globally, as Neovim links it, so bqw.core finds luv_loop with dlsym
  local luv_path = package.searchpath("luv", "/usr/lib/x86_64-linux-gnu/lua/5.4/?.so")
  local uv
  setup(function()
    assert(package.loadlib(luv_path, "*"))
    uv = require("luv")
  end)

  it("runs bqw's work on luv's loop, found at run time", function()
    local loop = assert(bqw.loop({ host = true }))
    assert.is_true(loop.hosted)
    local ticks, result = 0, nil
    local timer = uv.new_timer()
    timer:start(0, 2, function()
      ticks = ticks + 1
    end)
    loop:load(H.root .. "/data/bqw-digest-2023.txt", function(ds, err)
      result = ds and ds:stats().measures or err
      timer:stop()
      timer:close()
    end)
    uv.run()
    assert.equal(63, result)
    assert.is_true(ticks >= 1)
    assert.has_error(function()
      loop:run()
    end)
    loop:close()
    uv.run()
  end)

  it("or lets luv poll its backend fd", function()
    local loop = assert(bqw.loop())
    loop:attach(uv)
    local result
    loop:load(H.root .. "/data/bqw-digest-2023.txt", function(ds, err)
      result = ds and ds:stats().measures or err
      loop:detach()
    end)
    uv.run()
    assert.equal(63, result)
    loop:close()
  end)
end)
