#!/usr/bin/env bash
# emulation.sh - what link emulation costs: the N-node star plain and with a qdisc on every link,
# interleaved, and link:set on every link in one lab:batch against one by one (emulation.lua),
# inside a private network + mount namespace.
# usage: sudo scripts/bench/emulation.sh [N] [REPS] [tbf|netem]   (default 100 7 tbf; netem needs
#        a kernel with sch_netem: scripts/vm.sh scripts/bench/emulation.sh 100 7 netem)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
if [[ -z ${EMULATION_INNER:-} ]]; then
  ((EUID == 0)) || { echo "emulation.sh: needs root (it makes network namespaces)" >&2; exit 1; }
  EMULATION_INNER=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
mkdir -p /run/netns
mount -t tmpfs -o mode=0755 netlab-netns /run/netns
ip link set lo up
LUA_CPATH="$root/build/?.so;;" LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" \
  lua5.4 "$here/emulation.lua" "${1:-100}" "${2:-7}" "${3:-tbf}"
