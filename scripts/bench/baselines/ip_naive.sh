#!/usr/bin/env bash
# ip_naive.sh - the star as tutorials build it: one `ip` process per step, the
# veth made in the host and moved into the node, the node's side configured
# through `ip netns exec NS ip ...`. 9 processes per node.
# usage: ip_naive.sh setup|teardown N      prints setup_ms= / teardown_ms=
# The node's end keeps its name perfxp<i> (tutorials do not rename it).
. "$(dirname "${BASH_SOURCE[0]}")/ip_common.sh"

setup() {
  local i
  ip link add perfxbr0 type bridge
  ip addr add 10.250.0.1/16 dev perfxbr0
  ip link set perfxbr0 up
  for ((i = 1; i <= n; i++)); do
    ip netns add perfx$i
    ip link add perfxh$i type veth peer name perfxp$i
    ip link set perfxp$i netns perfx$i
    ip link set perfxh$i master perfxbr0
    ip link set perfxh$i up
    ip netns exec perfx$i ip addr add "$(addr $i)/16" dev perfxp$i
    ip netns exec perfx$i ip link set perfxp$i up
    ip netns exec perfx$i ip link set lo up
    ip netns exec perfx$i ip route add default via 10.250.0.1
  done
}


timed
