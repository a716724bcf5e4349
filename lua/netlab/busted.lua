-- netlab.busted: a lab for a busted describe block, built before its tests and torn down after them, even when one fails.
--
--   local fixture = require "netlab.busted"
--   describe("my service", function()
--     local lab = fixture.lab(function(lab)
--       local a, b = lab:node "a", lab:node "b"
--       lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
--     end)
--     it("answers", function() assert.is_true((lab.nodes.a:ping "10.0.0.2")) end)
--   end)
--
-- The lab is built in the test process's own network namespace (busted runs
-- as root): run the suite itself in a private one (netlab run, or
-- unshare --net --mount) to keep the host untouched.
local netlab = require "netlab"

local M = {}

-- lab(build [, opts]): the lab object at once; build(lab) runs in the
-- block's setup, the teardown in its teardown. opts go to netlab.lab
-- (quiet by default: busted does the reporting).
function M.lab(build, opts)
  local busted = require "busted"
  if type(build) ~= "function" then error("netlab.busted: lab(build) needs a function that builds the lab", 2) end
  opts = opts or {}
  local lab_opts = {}
  for k, v in pairs(opts) do lab_opts[k] = v end
  if lab_opts.quiet == nil then lab_opts.quiet = true end
  local lab = netlab.lab(lab_opts)
  busted.setup(function()
    build(lab)
  end)
  busted.teardown(function()
    lab:close()
  end)
  return lab
end

return M
