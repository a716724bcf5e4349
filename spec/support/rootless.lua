-- spec/support/rootless.lua - the rootless run (scripts/test.sh --rootless): the suite again as an
-- unprivileged user, root only in a user namespace of its own. A spec that needs the real root
-- starts with
--   local why = rootless.needs_root("what for") if why then pending(why) return end
-- and is skipped there, saying why; the root run runs it.
local M = {}

M.active = os.getenv("NETLAB_TEST_ROOTLESS") ~= nil

-- why killing a command's setsid children needs the real root
M.CGROUP = "a cgroup of its own holds a command's tree; an unprivileged user has none unless one was delegated"

function M.needs_root(what)
	if M.active then
		return ("needs the real root (%s): skipped in the rootless run, runs in the root run"):format(what)
	end
end

return M
