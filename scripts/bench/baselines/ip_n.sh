#!/usr/bin/env bash
# ip_n.sh - the star built with one `ip` process per step, the node's side
# through `ip -n NS` (no `ip netns exec`): each veth made with its peer
# already in the node, enslaved and up in one command. 7 processes per node.
# usage: ip_n.sh setup|teardown N      prints setup_ms= / teardown_ms=
. "$(dirname "${BASH_SOURCE[0]}")/ip_common.sh"

setup() {
  local i
  ip link add perfxbr0 type bridge
  ip addr add 10.250.0.1/16 dev perfxbr0
  ip link set perfxbr0 up
  for ((i = 1; i <= n; i++)); do
    ip netns add perfx$i
    ip link add perfxh$i type veth peer name eth0 netns perfx$i
    ip link set perfxh$i master perfxbr0 up
    ip -n perfx$i addr add "$(addr $i)/16" dev eth0
    ip -n perfx$i link set eth0 up
    ip -n perfx$i link set lo up
    ip -n perfx$i route add default via 10.250.0.1
  done
}


timed
