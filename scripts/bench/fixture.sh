#!/usr/bin/env bash
# fixture.sh - what a 4-node lab costs as a test fixture, end to end: `netlab run
# four.lua -- true` and `netlab up four.lua` + `netlab down` against an empty
# `netlab -e 'x = 1'` (the process, its private namespaces, the Lua state) and
# the build itself (timed inside four.lua), interleaved, the order rotating per
# repetition; medians. Not part of scripts/test.sh.
# usage: sudo scripts/bench/fixture.sh [REPS]       (default 15)
#        sudo BENCH_NETLAB=/path/to/netlab scripts/bench/fixture.sh   (another build, e.g. an older version)
#        sudo BENCH_ROOTLESS=1 scripts/bench/fixture.sh    (every netlab as nobody: rootless labs)
# Target (issue 16): run <= empty + build + 10 ms; up + down <= empty + build + 20 ms.
# Every lab is isolated (the interpreter's own private network + mount
# namespace): the real host's network is never touched; up/down keep their
# state file under /run/netlab as they always do.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${1:-15}
((EUID == 0)) || { echo "fixture.sh: needs root (labs are network namespaces)" >&2; exit 1; }
if [[ -n ${BENCH_NETLAB:-} ]]; then
  netlab=$BENCH_NETLAB
else
  cmake -S "$root" -B "$root/build" >/dev/null
  cmake --build "$root/build" -j2 >/dev/null
  netlab=$root/build/netlab
fi
four=$here/four.lua
name=benchfx$$
tmp=$(mktemp -d /tmp/netlab-fixture.XXXXXX)
as=()
if [[ ${BENCH_ROOTLESS:-} == 1 ]]; then
  # an ordinary user's labs: listed under /tmp/netlab-65534, removed after when this made it
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env -u XDG_RUNTIME_DIR)
  [[ -e /tmp/netlab-65534 ]] || trap_rm=/tmp/netlab-65534
fi
trap '"${as[@]}" "$netlab" down "$name" >/dev/null 2>&1 || true; rm -rf "$tmp" ${trap_rm:-}' EXIT

# wait (1 s at most) until the machine is quiet: under 10% busy over 100 ms
# (the kernel frees the last lab's namespaces in the background)
quiet() {
  local a b c d e f g h t1 t2 i1 i2 end=$((SECONDS + 1))
  while ((SECONDS < end)); do
    read -r _ a b c d e f g h _ </proc/stat; t1=$((a + b + c + d + e + f + g + h)); i1=$((d + e))
    sleep 0.1
    read -r _ a b c d e f g h _ </proc/stat; t2=$((a + b + c + d + e + f + g + h)); i2=$((d + e))
    (((t2 - t1) > 0 && ((t2 - t1) - (i2 - i1)) * 10 < (t2 - t1))) && return 0
  done
  return 0
}
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
build_of() { sed -n 's/^build_ms=\([0-9.]*\)$/\1/p' "$1" | tail -n 1; }

step() { # step METHOD: one measurement, one line of results
  local t0 t1 t2 out=$tmp/out err=$tmp/err
  case $1 in
    empty)
      t0=$(now_us); "${as[@]}" "$netlab" -e 'x = 1' >"$out" 2>"$err"; t1=$(now_us)
      echo "empty $(ms "$t0" "$t1")" ;;
    run)
      t0=$(now_us); "${as[@]}" "$netlab" run "$four" --name "$name" -- true >"$out" 2>"$err"; t1=$(now_us)
      echo "run $(ms "$t0" "$t1") $(build_of "$err")" ;;
    updown)
      t0=$(now_us); "${as[@]}" "$netlab" up "$four" --name "$name" >"$out" 2>"$err"; t1=$(now_us)
      "${as[@]}" "$netlab" down "$name" >/dev/null; t2=$(now_us)
      echo "updown $(ms "$t0" "$t2") $(build_of "$err") $(ms "$t0" "$t1") $(ms "$t1" "$t2")" ;;
  esac
}

echo "# $(nproc) CPUs, kernel $(uname -r); $netlab${as:+ as nobody (rootless)}; $reps repetitions, interleaved"
methods=(empty run updown)
for ((rep = 0; rep < reps; rep++)); do
  for ((j = 0; j < 3; j++)); do
    quiet
    step "${methods[$(((j + rep) % 3))]}" >>"$tmp/results"
  done
done

awk '
function median(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 == "empty" { e[++ne] = $2 }
$1 == "run" { r[++nr] = $2; b[++nb] = $3 }
$1 == "updown" { u[++nu] = $2; b[++nb] = $3; up[nu] = $4; down[nu] = $5 }
END {
  E = median(e, ne); R = median(r, nr); U = median(u, nu); B = median(b, nb)
  printf "empty netlab -e     %8.2f ms  (median of %d)\n", E, ne
  printf "build (in script)   %8.2f ms  (median of %d)\n", B, nb
  printf "netlab run          %8.2f ms  %5.2fx empty  target <= %.2f: %s\n", R, R / E, E + B + 10, R <= E + B + 10 ? "met" : "NOT met"
  printf "netlab up + down    %8.2f ms  %5.2fx empty  target <= %.2f: %s  (up %.2f, down %.2f)\n", U, U / E, E + B + 20,
    U <= E + B + 20 ? "met" : "NOT met", median(up, nu), median(down, nu)
  printf "overhead beyond empty + build: run %.2f ms, up + down %.2f ms\n", R - E - B, U - E - B
}' "$tmp/results"
