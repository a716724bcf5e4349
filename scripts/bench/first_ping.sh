#!/usr/bin/env bash
# first_ping.sh - how long the first ping after a build takes: README's red/blue snippet as printed, and
# the same as a lab, RUNS times each (first_ping.lua), inside a private network + mount namespace.
# usage: sudo scripts/bench/first_ping.sh [RUNS]    (default 40)
#   BENCH_LAB_ALT=DIR (DIR/netlab/init.lua, DIR/netns.so): the same against another version, interleaved.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-40}
if [[ -z ${FIRST_PING_INNER:-} ]]; then
  ((EUID == 0)) || { echo "first_ping.sh: needs root (it makes network namespaces)" >&2; exit 1; }
  FIRST_PING_INNER=1 exec unshare --net --mount --propagation private bash "$0" "$runs"
fi
mount -t tmpfs -o mode=0755 netlab-netns /run/netns
ip link set lo up
cur=(env "LUA_CPATH=$root/build/?.so;;" "LUA_PATH=$root/lua/?.lua;$root/lua/?/init.lua;;")
alt=(env "LUA_CPATH=${BENCH_LAB_ALT:-}/?.so;;" "LUA_PATH=${BENCH_LAB_ALT:-}/?.lua;${BENCH_LAB_ALT:-}/?/init.lua;;")
echo "# this tree"
"${cur[@]}" lua5.4 "$here/first_ping.lua" "$root/README.md" "$runs"
if [[ -n ${BENCH_LAB_ALT:-} ]]; then
  echo "# BENCH_LAB_ALT=$BENCH_LAB_ALT"
  "${alt[@]}" lua5.4 "$here/first_ping.lua" "$root/README.md" "$runs"
fi
