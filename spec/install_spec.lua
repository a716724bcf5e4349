-- spec/install_spec.lua - installing: luarocks make --tree DIR writes only inside DIR, and what it installs works from there.
local proc = require "support.proc"

local q = proc.quote

describe("luarocks make --tree DIR", function()
	local work = proc.tmpdir("inst")
	teardown(function() proc.rmtree(work) end)

	it("installs everything inside DIR, and the netlab it installs finds its own files #root", function()
		if proc.missing("luarocks", "luarocks") then return end
		-- a copy of the project's files, as a user's clone has them
		local src, tree = work .. "/src", work .. "/tree"
		assert(os.execute(("mkdir -p %s && cd %s && git ls-files -z | xargs -0 cp --parents -t %s")
			:format(q(src), q(proc.root), q(src))))
		-- the system's PATH, as a user's: not the suite's (under --sanitize its
		-- first lua5.4 is the sanitized one, whose headers LuaRocks looks for
		-- beside it)
		local out, code = proc.exec({ "env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "sh", "-c",
			("cd %s && luarocks --lua-version=5.4 make --tree %s --deps-mode=none rockspec/netns-scm-1.rockspec")
			:format(q(src), q(tree)) }, true)
		assert.equal(0, code, out)
		-- every file CMake installed, the man page too, is in the tree
		local manifest = assert(proc.read(src .. "/build.luarocks/install_manifest.txt"))
		local n = 0
		for path in manifest:gmatch("[^\n]+") do
			n = n + 1
			assert.equal(tree .. "/", path:sub(1, #tree + 1), path)
		end
		assert.truthy(n >= 10, manifest)
		assert.truthy(manifest:find("/man1/netlab.1", 1, true), manifest)
		-- the installed netlab runs a lab, and points busted at the tree's files
		local netlab = tree .. "/bin/netlab"
		out, code = proc.exec({ netlab, "-e", "local a, b = lab:node 'a', lab:node 'b'; "
			.. "lab:link(a, b, { addr = { '10.0.0.1/24', '10.0.0.2/24' } }); lab:expect_reach(a, b)" }, true)
		assert.equal(0, code, out)
		assert.truthy(out:find("1 passed, 0 failed", 1, true), out)
		proc.write(work .. "/where_spec.lua", ([[
it("loads the tree's files", function()
  assert.equal(%q, package.searchpath("netns", package.cpath))
  assert.equal(%q, package.searchpath("netlab.busted", package.path))
end)
]]):format(tree .. "/lib/lua/5.4/netns.so", tree .. "/share/lua/5.4/netlab/busted.lua"))
		out, code = proc.exec({ "sh", "-c", ("cd %s && %s busted where_spec.lua"):format(q(work), q(netlab)) }, true)
		assert.equal(0, code, out)
	end)
end)
