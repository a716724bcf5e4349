-- spec/support/netlab.lua - running the netlab interpreter from specs, to the end or in the
-- background, with a scratch directory per spec file for its scripts and outputs.
local proc = require "support.proc"

local M = {}

M.bin = os.getenv("NETLAB_BIN") or (proc.root .. "/build/netlab")

local quote = proc.quote

local function command(args)
	local words = { quote(M.bin) }
	for _, a in ipairs(args) do
		words[#words + 1] = quote(a)
	end
	return table.concat(words, " ")
end

local Workspace = {}
Workspace.__index = Workspace

-- A scratch directory for one spec file: w.dir; remove it with w:cleanup()
-- from the file's outermost teardown.
function M.workspace(tag)
	return setmetatable({ dir = proc.tmpdir(tag or "nl") }, Workspace)
end

function Workspace:cleanup()
	proc.rmtree(self.dir)
end

-- write a file of the workspace; its path
function Workspace:write(name, text)
	return proc.write(self.dir .. "/" .. name, text)
end

-- netlab ARGS to the end, stdin from a string (or /dev/null): exit code,
-- stdout, stderr. A run that hangs is ended after 300 s (exit 124 or 137).
function Workspace:run(args, stdin)
	local out, err = self.dir .. "/out", self.dir .. "/err"
	local cmd = "timeout -k 10 300 " .. command(args) .. " >" .. quote(out) .. " 2>" .. quote(err)
		.. (stdin and (" <" .. quote(self:write("stdin", stdin))) or " </dev/null")
	local _, _, code = os.execute(cmd)
	return code, proc.read(out), proc.read(err)
end

-- netlab ARGS in the background: { pid, finish([timeout]) -> code, stdout, stderr }
-- (code 128 + N when signal N ended it). finish waits up to timeout seconds
-- (default 300), then kills the run and raises.
function Workspace:start(args, tag)
	tag = tag or "bg"
	local out, err = self.dir .. "/" .. tag .. ".out", self.dir .. "/" .. tag .. ".err"
	local cmd = "exec " .. command(args) .. " >" .. quote(out) .. " 2>" .. quote(err) .. " </dev/null"
	-- the outer shell would report "Killed" for the signal tests: quiet
	local f = assert(io.popen("sh -c " .. quote("echo $$; " .. cmd) .. " 2>/dev/null"))
	local pid = assert(tonumber(f:read("l")))
	return {
		pid = pid,
		finish = function(timeout)
			-- netlab is gone or a zombie its shell has yet to reap
			local ended = proc.wait_until(function() return proc.alive(pid) ~= true end, timeout or 300)
			if not ended then
				os.execute("kill -KILL " .. pid)
			end
			local _, how, code = f:close()
			assert(ended, ("netlab %s did not end within %ss: killed"):format(table.concat(args, " "),
				tostring(timeout or 300)))
			return how == "signal" and 128 + code or code, proc.read(out), proc.read(err)
		end,
	}
end

return M
