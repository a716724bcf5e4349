#!/usr/bin/env bash
# run-example.sh - build netlab, then run one example topology inside a private network + mount namespace.
# Usage: scripts/run-example.sh [scripts/examples/01-red-blue.lua | 01-red-blue] [args]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

script=${1:-scripts/examples/01-red-blue.lua}
shift || true
case $script in
  */*) ;;
  *) script=scripts/examples/${script%.lua}.lua ;;
esac
[[ -f $script ]] || { echo "run-example.sh: no such example: $script" >&2; exit 2; }

# Outside: build, then start over in fresh namespaces. The example's "host"
# is the private namespace, so trying it never changes the real host.
if [[ -z "${NETLAB_EXAMPLE_INNER:-}" ]]; then
  bash scripts/setup.sh >/dev/null
  if ((EUID != 0)); then
    echo "run-example.sh: network namespaces need root: run it with sudo" >&2
    exit 1
  fi
  mkdir -p /run/netns
  NETLAB_EXAMPLE_INNER=1 exec unshare --net --mount --propagation private \
    bash "$root/scripts/run-example.sh" "$script" "$@"
fi

mount -t tmpfs -o mode=0755 netlab-netns /run/netns
ip link set lo up
exec "$root/build/netlab" "$script" "$@"
