-- spec/support/server.lua - the one test server and its client (Python's standard library), for
-- real traffic between namespaces: TCP or UDP, IPv4 and IPv6, answering each caller with a text
-- that may name the caller ("hello from blue", "out 203.0.113.1").
local proc = require "support.proc"
local ip = require "support.ip"

local M = {}

-- Answers every TCP connection / UDP datagram on port (IPv4 and IPv6) with
-- the text, "{peer}" in it replaced by the caller's address as the server
-- sees it. Says "ready" once it listens.
local server_code = [[
import socket, sys
proto, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
def answer(a):
    peer = a[0][7:] if a[0].startswith("::ffff:") else a[0]
    return text.replace("{peer}", peer).encode()
if proto == "tcp":
    s.listen(16)
print("ready", flush=True)
while True:
    if proto == "tcp":
        c, a = s.accept()
        c.sendall(answer(a))
        c.close()
    else:
        d, a = s.recvfrom(100)
        s.sendto(answer(a), a)
]]

-- Start the server in namespace handle ns with ns:spawn; return its process
-- handle (close it to stop it) once it listens.
--   opts: proto ("tcp" default, or "udp"), port, say (the answer; "{peer}" is the caller)
function M.start(ns, opts)
	local proto = opts.proto or "tcp"
	assert(proto == "tcp" or proto == "udp", "server: proto must be tcp or udp")
	local log = proc.tmpname("srv")
	local p = ns:spawn({ proc.python(), "-c", server_code, proto, tostring(opts.port), opts.say },
			   { stdout = log, stderr = "stdout" })
	-- the gate: the server's own word that it listens (or its end)
	proc.wait_until(function()
		return proc.contains(proc.read(log), "ready") or not p:running()
	end, 30)
	local text = proc.read(log) or ""
	os.remove(log)
	assert(p:running() and text:find("ready", 1, true),
		("the %s server on port %s did not start: %s"):format(proto, tostring(opts.port), text))
	return p
end

-- Connect (tcp) or send a datagram (udp) to addr:port, retrying until an
-- answer comes or the patience (seconds) runs out; print the answer.
local client_code = [[
import socket, sys, time
proto, addr, port, patience = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
deadline = time.monotonic() + patience
while True:
    try:
        if proto == "tcp":
            c = socket.create_connection((addr, port), timeout=max(0.2, min(2.0, deadline - time.monotonic())))
        else:
            c = socket.socket(fam, socket.SOCK_DGRAM)
            c.settimeout(0.3)
            c.connect((addr, port))
            c.send(b"who")
        sys.stdout.write(c.recv(100).decode())
        sys.exit(0)
    except OSError as e:
        if time.monotonic() >= deadline:
            sys.stderr.write("%s\n" % e)
            sys.exit(1)
        time.sleep(0.1)
]]

-- A real client in namespace ns (by name, through ip netns exec, not the
-- module): what the server said ("" when nothing came) and the exit code.
-- Without patience, the answer to "it must get through": retries for up to
-- 10 s (IPv6 neighbour discovery can wait a second or two) and returns at
-- the first answer. With patience (seconds), the window for "it must not".
function M.ask(ns, proto, addr, port, patience)
	local out, code = ip.netns_exec(ns, { proc.python(), "-c", client_code, proto, addr, tostring(port),
		tostring(patience or 10) })
	return out, code
end

return M
