-- netns-scm-1.rockspec - builds the netns Lua module, the netlab library and the netlab interpreter with CMake.
rockspec_format = "3.0"
package = "netns"
version = "scm-1"

source = {
  url = "git+https://github.com/netlab/netlab.git",
}

description = {
  summary = "Linux network namespaces, veth, bridges, addresses, routes and NAT from Lua",
  detailed = [[
netns drives Linux network namespaces from Lua 5.4 over netlink (libmnl,
libnftnl): namespaces, veth pairs, bridges, addresses, routes, neighbours,
sysctls, NAT, VLANs, VRFs, bonds, tunnels and WireGuard, without running ip,
nft or a shell. The netlab interpreter
runs topology scripts with it preloaded and tears the lab down afterwards.
]],
  homepage = "https://github.com/netlab/netlab",
  license = "MIT",
  labels = { "linux", "network", "netlink", "namespaces" },
}

supported_platforms = { "linux" }

dependencies = {
  "lua >= 5.4, < 5.5",
  "dkjson >= 2.5",   -- lab descriptions (netlab up --json, netlab.describe)
}

external_dependencies = {
  MNL = { header = "libmnl/libmnl.h" },
  NFTNL = { header = "libnftnl/table.h" },
  SODIUM = { header = "sodium.h" },  -- wireguard keys (CMake finds it with pkg-config)
}

build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    -- what has no directory of its own in a rocks tree (the man page) goes
    -- under the rock's own directory: `luarocks make --tree DIR` writes
    -- nothing outside DIR
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LIBDIR = "$(LIBDIR)",
    LUADIR = "$(LUADIR)",
    BINDIR = "$(BINDIR)",
  },
}
