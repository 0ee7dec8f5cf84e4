-- Shared by the headless Neovim tests: check() records a failure and carries on;
-- run(name, fn) runs the test, prints "<name> ok" or the count, and quits with the
-- status ctest reads.
local T = { failures = 0 }

function T.check(ok, what)
  if not ok then
    T.failures = T.failures + 1
    io.stderr:write("FAILED: ", what, "\n")
  end
end

function T.run(name, fn)
  local ok, err = pcall(fn)
  if not ok then
    T.failures = T.failures + 1
    io.stderr:write("ERROR: ", tostring(err), "\n")
  end
  io.stdout:write(T.failures == 0 and (name .. " ok\n") or (name .. ": " .. T.failures .. " failures\n"))
  vim.cmd(T.failures == 0 and "qa!" or "cq!")
end

return T
