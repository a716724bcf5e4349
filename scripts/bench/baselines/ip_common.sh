# ip_common.sh - what the three iproute2 baselines share, sourced by each before
# its clock starts: the arguments, node i's address and the clock.
# The star is the one topo_mnl.c builds: namespaces perfx1..perfxN, the host
# ends perfxh<i> ports of the bridge perfxbr0 (10.250.0.1/16).
# shellcheck shell=bash disable=SC2034  # n is for the scripts that source this
set -euo pipefail

usage() {
  echo "usage: ${0##*/} setup|teardown N" >&2
  exit 2
}
[[ $# == 2 && ($1 == setup || $1 == teardown) && $2 =~ ^[1-9][0-9]{0,4}$ ]] || usage
cmd=$1 n=$2

# node i's address, 10.250.0.0/16 + i + 1. Called as $(addr $i): a fork per
# node, as a script written by hand has it and as every figure measured so far
# includes. It shows: ip_batch.sh takes about 1.4x as long with it as with
# the address computed in place (20 nodes, 2 CPUs)
addr() {
  echo "10.250.$((($1 + 1) / 256)).$((($1 + 1) % 256))"
}

# teardown, one ip process per namespace, then the bridge: each namespace's
# veth goes with it, in the kernel's own time (ip_batch.sh has its own)
teardown() {
  local i
  for ((i = 1; i <= n; i++)); do
    ip netns del perfx$i
  done
  ip link del perfxbr0
}

# timed: runs the function named $cmd and prints ${cmd}_ms= (the start of bash
# and the sourcing of this file not counted); the clock is bash's own, no fork
timed() {
  local t0 t1 c
  t0=${EPOCHREALTIME/[.,]/}  # microseconds
  "$cmd"
  t1=${EPOCHREALTIME/[.,]/}
  c=$(((t1 - t0 + 5) / 10))  # hundredths of a millisecond, rounded
  printf '%s_ms=%d.%02d\n' "$cmd" $((c / 100)) $((c % 100))
}
