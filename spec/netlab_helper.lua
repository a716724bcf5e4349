-- spec/netlab_helper.lua - running the netlab interpreter from specs: to the end, or in the background.
-- Load it with dofile, like helper.lua: local nl = dofile(dir .. "netlab_helper.lua")
local M = {}

M.NETLAB = os.getenv("NETLAB_BIN") or "build/netlab"

-- a fresh directory for the spec file's scripts and outputs
M.dir = os.tmpname()
os.remove(M.dir)
assert(os.execute("mkdir -p " .. M.dir))

-- remove the directory: call it from the spec file's outermost teardown
function M.cleanup()
	os.execute("rm -rf " .. M.quote(M.dir))
end

function M.write(name, text)
	local path = M.dir .. "/" .. name
	local f = assert(io.open(path, "w"))
	f:write(text)
	f:close()
	return path
end

function M.read(path)
	local f = io.open(path)
	if not f then return nil end
	local s = f:read("a")
	f:close()
	return s
end

function M.quote(s)
	return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function command(args)
	local cmd = M.NETLAB
	for _, a in ipairs(args) do cmd = cmd .. " " .. M.quote(a) end
	return cmd
end

-- netlab ARGS to the end, stdin from a string (or /dev/null): exit code, stdout, stderr
function M.run(args, stdin)
	local out, err = M.dir .. "/out", M.dir .. "/err"
	local cmd = command(args) .. " >" .. out .. " 2>" .. err
		.. (stdin and (" <" .. M.quote(M.write("stdin", stdin))) or " </dev/null")
	local _, _, code = os.execute(cmd)
	return code, M.read(out), M.read(err)
end

-- netlab ARGS in the background: { pid, finish() -> code, stdout, stderr }
-- (code 128 + N when a signal N ended it)
function M.start(args, tag)
	tag = tag or "bg"
	local out, err = M.dir .. "/" .. tag .. ".out", M.dir .. "/" .. tag .. ".err"
	local cmd = "exec " .. command(args) .. " >" .. out .. " 2>" .. err .. " </dev/null"
	-- the outer shell would report "Killed" for the signal tests: quiet
	local f = assert(io.popen("sh -c " .. M.quote("echo $$; " .. cmd) .. " 2>/dev/null"))
	local pid = assert(tonumber(f:read("l")))
	return {
		pid = pid,
		finish = function()
			local _, how, code = f:close()
			return how == "signal" and 128 + code or code, M.read(out), M.read(err)
		end,
	}
end

return M
