#!/usr/bin/env bash
# flood.sh - how much IPv6 chatter a star's bridge floods into its nodes: builds
# the N-node star (star.lua, node after node) with IPv6 on and with the
# IPv4-only setup, and counts the packets the bridge delivered into the nodes
# (tx of the host-side ports) by the end of the build and 3 s later.
# usage: sudo scripts/bench/flood.sh [N]      (default 400; about a minute)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-400}
if [[ ${1:-} != --inner && ${2:-} != --inner ]]; then
  ((EUID == 0)) || { echo "flood.sh: needs root" >&2; exit 1; }
  cmake -S "$root" -B "$root/build" >/dev/null
  cmake --build "$root/build" -j2 >/dev/null
  mkdir -p /run/netns
  exec unshare --net --mount --propagation private bash "${BASH_SOURCE[0]}" "$n" --inner
fi
mount -t tmpfs -o mode=0755 netlab-flood /run/netns
ip link set lo up
export LUA_CPATH="$root/build/?.so;;"
delivered() {
  ip -s -j link show type veth | lua5.4 -e '
    local n = 0
    for v in io.read("a"):gmatch([["tx":{"bytes":%d+,"packets":(%d+)]]) do n = n + tonumber(v) end
    print(n)'
}
for v6 in 1 0; do
  s=$(BENCH_IPV6=$v6 lua5.4 "$here/star.lua" setup "$n" nlfl)
  d0=$(delivered)
  sleep 3
  d3=$(delivered)
  echo "N=$n ipv6=$([[ $v6 == 1 ]] && echo on || echo off) $s delivered_during_build=$d0 delivered_3s_later=$d3"
  lua5.4 "$here/star.lua" teardown "$n" nlfl >/dev/null
  sleep 5
done
