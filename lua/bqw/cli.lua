local M = {}
function M.main(arg)
  local bqw = require("bqw")
  print(bqw.version)
  return 0
end
return M
