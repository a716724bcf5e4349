#!/usr/bin/env bash
# capture-seeds.sh - regenerate the real-dump seeds of fuzz/corpus/netlink and fuzz/corpus/nft_rule:
# in a throwaway network namespace (never the host's), netlab's own netns module makes a veth, a
# bridge, IPv4 and IPv6 addresses, routes, neighbours and the NAT rules netlab writes (plus one it
# does not), then fuzz/capture.c writes the kernel's dumps of them. Needs root and build/
# (scripts/setup.sh). Files already in the corpus of the same name are replaced; others stay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

if [[ -z "${NETLAB_CAPTURE_OUTER_NS:-}" ]]; then
  bash scripts/setup.sh
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cc -O1 -Wall -Wextra -o "$tmp/capture" fuzz/capture.c $(pkg-config --cflags --libs libmnl)
  NETLAB_CAPTURE_OUTER_NS=$(readlink /proc/self/ns/net) NETLAB_CAPTURE_BIN="$tmp/capture" \
    unshare --net bash "$root/fuzz/capture-seeds.sh"
  exit
fi
if [[ "$(readlink /proc/self/ns/net)" == "$NETLAB_CAPTURE_OUTER_NS" ]]; then
  echo "capture-seeds.sh: refusing to run: not in a private network namespace" >&2
  exit 1
fi

mkdir -p fuzz/corpus/netlink fuzz/corpus/nft_rule
lua5.4 - <<'LUA'
package.cpath = "build/?.so;" .. package.cpath
local netns = require "netns"
local h = netns.host()
h:link_set("lo", { up = true })
h:link_add("br0", "bridge", { up = true, address = "02:00:00:00:00:01" })
h:link_add("veth0", "veth", { peer = "veth1", up = true, master = "br0", alias = "seed -> br0" })
h:link_set("veth1", { up = true })
h:addr_add("br0", "192.168.15.5/24")
h:addr_add("br0", "fd00::5/64", { nodad = true })
h:addr_add("veth1", "10.0.0.1/30")
h:route_add { dst = "10.1.0.0/16", via = "192.168.15.1", metric = 10 }
h:route_add { dst = "fd01::/48", via = "fd00::1" }
h:route_add { dst = "default", via = "192.168.15.1", table = 1000 }
h:neigh_add { dst = "192.168.15.1", lladdr = "02:00:00:00:00:02", dev = "br0" }
h:neigh_add { dst = "fd00::1", lladdr = "02:00:00:00:00:03", dev = "br0" }
h:nat_masquerade { src = "192.168.15.0/24", oif = "veth1" }
h:nat_masquerade { src = "fd00::/64" }
h:nat_snat { src = "10.0.0.0/8", to = "10.0.0.1" }
h:nat_snat { src = "192.168.15.0/25", to = "10.0.0.1", oif = "veth1" }
h:nat_dnat { proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
h:nat_dnat { proto = "udp", dport = 53, to = "[fd00::2]:5353", iif = "veth1" }
h:nat_dnat { proto = "tcp", dport = 443, to = "192.168.15.3" }
LUA
# a rule netlab does not write, in its table: read back as kind "other"
nft add rule inet netlab postrouting ip daddr 10.9.9.9 counter accept
"$NETLAB_CAPTURE_BIN" fuzz/corpus
