#!/usr/bin/env bash
# ip_batch.sh - the star with as few `ip` processes as iproute2 allows: one
# `ip -batch` for everything in the host (the namespaces, every veth with its
# peer made in its node, enslaved and up), then one `ip -n NS -batch` per
# node for its own side. N + 1 processes in all.
# usage: ip_batch.sh setup|teardown N      prints setup_ms= / teardown_ms=
. "$(dirname "${BASH_SOURCE[0]}")/ip_common.sh"

# the host's part, as ip -batch commands
host_part() {
  local i
  echo "link add perfxbr0 type bridge"
  echo "addr add 10.250.0.1/16 dev perfxbr0"
  echo "link set perfxbr0 up"
  for ((i = 1; i <= n; i++)); do
    echo "netns add perfx$i"
  done
  for ((i = 1; i <= n; i++)); do
    echo "link add perfxh$i type veth peer name eth0 netns perfx$i"
    echo "link set perfxh$i master perfxbr0 up"
  done
}

setup() {
  local i
  host_part | ip -batch -
  for ((i = 1; i <= n; i++)); do
    printf 'link set lo up\nlink set eth0 up\naddr add %s/16 dev eth0\nroute add default via 10.250.0.1\n' \
      "$(addr $i)" | ip -n perfx$i -batch -
  done
}

teardown() {
  local i
  {
    for ((i = 1; i <= n; i++)); do
      echo "netns del perfx$i"
    done
    echo "link del perfxbr0"
  } | ip -batch -
}

timed
