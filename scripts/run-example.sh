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
# netlab moves itself into a private network + mount namespace before the
# script runs (for an ordinary user, inside a user namespace of its own): the
# example's "host" is that namespace, never the real one
exec build/netlab "$script" "$@"
