#!/usr/bin/env bash
# run-example.sh - build netlab, then run one example topology with it.
# Usage: scripts/run-example.sh [scripts/examples/01-red-blue.lua | 01-red-blue] [netlab options and args]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

script=${1:-scripts/examples/01-red-blue.lua}
shift || true
case $script in
  */*) ;;
  *) script=scripts/examples/${script%.lua}.lua ;;
esac
[[ -f $script ]] || { echo "run-example.sh: no such example: $script" >&2; exit 2; }

bash scripts/setup.sh >/dev/null
if ((EUID != 0)); then
  echo "run-example.sh: network namespaces need root: run it with sudo" >&2
  exit 1
fi
# netlab moves itself into a private network + mount namespace before the
# script runs: the example's "host" is that namespace, never the real one
exec build/netlab "$script" "$@"
