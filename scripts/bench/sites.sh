#!/usr/bin/env bash
# sites.sh - a lab over three machines ("sites") against the same part built as a single-machine
# lab: N nodes per site, each linked to one bridge "lan" that spans all three sites (a VXLAN per
# site, head-end replication), and reachability across the sites with the built-in probe.
# Target (the issue): 3 x 300 nodes; per-site build time at most 1.2x the same 300-node part built
# as a single-machine lab; all-pairs reachability across sites with the built-in probe, no loss.
#
# usage: sudo scripts/bench/sites.sh [--n N] [--reps R] [--allpairs-n M] [--ipv6 0|1] [--keep-results DIR]
#   --n N            nodes per site (default 300)
#   --reps R         repetitions of the timed methods, interleaved, the order rotating (default 3)
#   --allpairs-n M   nodes per site of the full all-pairs check (default 20, at most N)
#   --ipv6 0         IPv4-only nodes (the node option ipv6 = false); default: the kernel's
#                    IPv6 on every link, as a script that does not say so gets
#   --keep-results DIR  copy the raw results (results.txt, each up's stderr) to DIR
#
# The "machines" are three network namespaces ma, mb, mc (eth0 192.0.2.1-3/24 on an underlay
# bridge ul0), all inside a private network + mount namespace this script re-executes itself in,
# with a tmpfs on /run/netns: the real host's network is never touched. netlab runs in each
# machine with `ip netns exec` and NETLAB_STATE_DIR of its own. Everything is removed at the end,
# also on failure or Ctrl-C (netlab down --all on every machine, then any process still carrying
# this run's marker variable is killed by pid).
#
# Methods, interleaved per repetition (the machine is a noisy shared 2-CPU VM: compare the ratios
# of one run, medians):
#   single  netlab up sites_lab.lua -- n=N sites=a: the N nodes of site a as a lab of one machine
#           (no --sites: the placement options are accepted and everything is local); netlab down.
#   seq     the three sites one after another, each `netlab up --site X --sites ...` alone, the
#           sites before it already up (no --wait-sites: nothing waits for the sites after it).
#           Each site's build is uncontended by the other builds: what it would be on machines of
#           its own. The fair figure for the target. (Still not quite: the sites already up share
#           this machine's CPUs, and the ARP / IPv6 chatter of the new nodes floods to them over
#           the VXLAN and is handled here too, where real machines would handle it on their own.)
#   conc    the three sites at once, each with --wait-sites 120, as a user starts them. The three
#           builds share 2 CPUs: up to 1.5x from that alone. Reported as measured.
# Per site two figures: build_ms, the build as the script itself times it (netns.clock() from the
# script's first line to its last node linked; sites_lab.lua prints it on stderr, netlab up passes
# it on), and up_ms, the wall time of `netlab up` until it returned (the lab's JSON printed:
# process start, isolating, the build, the probe tunnel, the description; with --wait-sites also
# the waiting for the slowest site, so conc's up_ms is mostly the slowest site's build).
#
# Reachability, after the timed repetitions (a fresh 3-site lab each, started at once with
# --wait-sites 120, the probes in the script: sites_lab.lua check=..., each probe
# lab:expect_reach(a, b, { timeout = 1 }), i.e. the built-in probe node:ping from a's namespace to
# b's address as node:address() gives it on a's site; a failure is a "not ok" line and up exits 1):
#   index  at N: every node of each site pings the node with the same index on each other site:
#          N x 2 probes per site, 6 N in all (every node probes and is probed across sites)
#   all    at M (--allpairs-n): every node of each site pings every node of each other site:
#          M x 2M probes per site, the full all-pairs across sites (6 M^2 in all; at N = 300 that
#          would be 540,000 probes, which is why it runs at a smaller M)
# A loss is a probe that failed or did not run (an up that failed loses all of its site's).
# Exits 1 on any loss or failed step.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

n=300 reps=3 allpairs_n=20 ipv6=1 keep=""
args=("$@")
while (($#)); do
  case $1 in
    --n) n=$2; shift ;;
    --reps) reps=$2; shift ;;
    --allpairs-n) allpairs_n=$2; shift ;;
    --ipv6) ipv6=$2; shift ;;
    --keep-results) keep=$2; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "sites.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 4000)) || { echo "sites.sh: --n: 1..4000" >&2; exit 2; }
[[ $reps =~ ^[0-9]+$ ]] && ((reps >= 1)) || { echo "sites.sh: --reps: a count" >&2; exit 2; }
[[ $allpairs_n =~ ^[0-9]+$ ]] || { echo "sites.sh: --allpairs-n: a count" >&2; exit 2; }
[[ $ipv6 == 0 || $ipv6 == 1 ]] || { echo "sites.sh: --ipv6: 0 or 1" >&2; exit 2; }
((allpairs_n <= n)) || allpairs_n=$n

if [[ -z ${SITES_BENCH_INNER:-} ]]; then
  ((EUID == 0)) || { echo "sites.sh: needs root (it makes network namespaces)" >&2; exit 1; }
  cmake -S "$root" -B "$root/build" >/dev/null
  cmake --build "$root/build" -j2 >/dev/null
  mkdir -p /run/netns
  # a private network and mount namespace: the real host's network is never touched
  SITES_BENCH_INNER=1 exec unshare --net --mount --propagation private bash "${BASH_SOURCE[0]}" "${args[@]}"
fi

# ---- inside the private namespaces ------------------------------------------
mount -t tmpfs -o mode=0755 netlab-sites /run/netns
ip link set lo up

NL=$root/build/netlab
LAB=$here/sites_lab.lua
NAME=nlsites
SITES=a=192.0.2.1,b=192.0.2.2,c=192.0.2.3
MACHINES=(a b c)
tmp=$(mktemp -d /tmp/netlab-sites.XXXXXX)
marker=$$.$RANDOM        # every netlab this run starts carries NETLAB_SITES_BENCH=$marker
jobs_pids=()

cleanup() {
  local status=$? m pid e
  set +e
  trap - EXIT INT TERM
  for pid in "${jobs_pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for m in "${MACHINES[@]}"; do
    [[ -e /run/netns/m$m ]] && NETLAB_STATE_DIR=$tmp/st-$m ip netns exec "m$m" "$NL" down --all >/dev/null 2>&1
  done
  # a holder down could not stop (it lives in a namespace of its own, not in the machine's)
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}; pid=${pid%/environ}
    if [[ $pid != "$$" ]] && tr '\0' '\n' <"$e" 2>/dev/null | grep -qx "NETLAB_SITES_BENCH=$marker"; then
      echo "sites.sh: killing leftover process $pid" >&2
      kill -9 "$pid" 2>/dev/null
    fi
  done
  for m in "${MACHINES[@]}"; do ip netns del "m$m" 2>/dev/null; done
  ip link del ul0 2>/dev/null
  if [[ -n $keep ]]; then mkdir -p "$keep" && cp -r "$tmp"/. "$keep"/ && rm -rf "$keep"/st-?; fi
  rm -rf "$tmp"
  if [[ -n $(ip netns list) ]]; then echo "sites.sh: namespaces left: $(ip netns list | tr '\n' ' ')" >&2; status=1; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the three machines on the underlay -------------------------------------
ip link add ul0 type bridge
ip link set ul0 up
i=1
for m in "${MACHINES[@]}"; do
  ip netns add "m$m"
  ip link add "u$m" type veth peer name eth0 netns "m$m"
  ip link set "u$m" master ul0 up
  ip -n "m$m" addr add "192.0.2.$i/24" dev eth0
  ip -n "m$m" link set eth0 up
  ip -n "m$m" link set lo up
  mkdir -p "$tmp/st-$m"
  i=$((i + 1))
done

# netlab on machine M: nl M ARGS...
nl() {
  local m=$1
  shift
  NETLAB_STATE_DIR=$tmp/st-$m NETLAB_SITES_BENCH=$marker ip netns exec "m$m" "$NL" "$@"
}

# wait (10 s at most) until the machine is quiet: under 8% busy over 200 ms (the kernel frees
# the last lab's namespaces in the background, and handles the chatter of new links)
quiet() {
  local a b c d e f g h t1 t2 i1 i2 end=$((SECONDS + 10))
  while ((SECONDS < end)); do
    read -r _ a b c d e f g h _ </proc/stat; t1=$((a + b + c + d + e + f + g + h)); i1=$((d + e))
    sleep 0.2
    read -r _ a b c d e f g h _ </proc/stat; t2=$((a + b + c + d + e + f + g + h)); i2=$((d + e))
    (((t2 - t1) > 0 && ((t2 - t1) - (i2 - i1)) * 100 < 8 * (t2 - t1))) && return 0
  done
  return 0
}
now_us() { echo "${EPOCHREALTIME/./}"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
val() { sed -n "s/^.*\\b$1=\\([0-9.]*\\).*$/\\1/p" "$2" | tail -n 1; }

failures=0
fail_step() { # fail_step WHAT ERRFILE
  failures=$((failures + 1))
  echo "sites.sh: $1 failed; its last lines:" >&2
  grep -v '^ok \|^# .*checked on site' "$2" | tail -n 8 | sed 's/^/    /' >&2
}

# up_site METHOD REP M [up options...] -- script args: one netlab up on machine M, timed; writes
# "$tmp/t-M" (rc start end) and the stdout / stderr files
up_site() {
  local m=$1 t0 t1 rc
  shift
  t0=$(now_us)
  rc=0
  nl "$m" up "$LAB" --name "$NAME" "$@" >"$tmp/out-$m" 2>"$tmp/err-$m" || rc=$?
  t1=$(now_us)
  echo "$rc $t0 $t1" >"$tmp/t-$m"
}

# record METHOD REP M: one result line from up_site's files
record() {
  local method=$1 rep=$2 m=$3 rc t0 t1 nodes=""
  read -r rc t0 t1 <"$tmp/t-$m"
  cp "$tmp/err-$m" "$tmp/log-$method-$rep-$m.txt"
  if ((rc != 0)); then fail_step "$method rep $rep: netlab up on site $m (exit $rc)" "$tmp/err-$m"; return 0; fi
  # the description: this site's N nodes
  if command -v jq >/dev/null; then nodes=$(jq '.nodes | length' "$tmp/out-$m" 2>/dev/null || echo "?"); fi
  if [[ -n $nodes && $nodes != "$n" ]]; then
    fail_step "$method rep $rep: site $m's description lists $nodes nodes, not $n" "$tmp/err-$m"
  fi
  echo "$method $rep $m $(ms "$t0" "$t1") $(val build_ms "$tmp/err-$m")" >>"$tmp/results.txt"
  printf '  %-6s rep %d site %s: up %9s ms  build %9s ms\n' "$method" "$rep" "$m" "$(ms "$t0" "$t1")" \
    "$(val build_ms "$tmp/err-$m")"
}

down_all() {
  local m
  for m in "$@"; do nl "$m" down "$NAME" >/dev/null 2>"$tmp/down-err" || fail_step "netlab down on site $m" "$tmp/down-err"; done
}

# run the three sites at once: up_conc ARGS-AFTER-SITE... (each gets --site M --sites ... ARGS)
up_conc() {
  local m pid
  jobs_pids=()
  for m in "${MACHINES[@]}"; do
    up_site "$m" --site "$m" --sites "$SITES" "$@" &
    jobs_pids+=($!)
  done
  for pid in "${jobs_pids[@]}"; do wait "$pid"; done
  jobs_pids=()
}

step_single() { # REP
  quiet
  up_site a -- "n=$n" sites=a "ipv6=$ipv6"
  record single "$1" a
  down_all a
}

step_seq() { # REP: the sites one after another, the first one rotating with the repetition
  local k m order=()
  for ((k = 0; k < 3; k++)); do order+=("${MACHINES[$(((k + $1 - 1) % 3))]}"); done
  for m in "${order[@]}"; do
    quiet
    up_site "$m" --site "$m" --sites "$SITES" -- "n=$n" "ipv6=$ipv6"
    record seq "$1" "$m"
  done
  down_all "${MACHINES[@]}"
}

step_conc() { # REP
  local m
  quiet
  up_conc --wait-sites 120 -- "n=$n" "ipv6=$ipv6"
  for m in "${MACHINES[@]}"; do record conc "$1" "$m"; done
  down_all "${MACHINES[@]}"
}

# reach CHECK N: a fresh 3-site lab with the probes in the script; "reach CHECK N M ok fail expected"
reach() {
  local check=$1 nn=$2 m rc ok bad want
  quiet
  up_conc --wait-sites 120 -- "n=$nn" "ipv6=$ipv6" "check=$check"
  for m in "${MACHINES[@]}"; do
    [[ $check == all ]] && want=$((nn * nn * 2)) || want=$((nn * 2))
    read -r rc _ _ <"$tmp/t-$m"
    cp "$tmp/err-$m" "$tmp/log-reach-$check-$nn-$m.txt"
    ok=$(val reach_ok "$tmp/err-$m"); bad=$(val reach_fail "$tmp/err-$m")
    ok=${ok:-0}; bad=${bad:-0}
    if ((rc != 0)); then fail_step "reachability ($check, n=$nn): netlab up on site $m (exit $rc)" "$tmp/err-$m"; fi
    echo "reach $check $nn $m $ok $bad $want $(val reach_ms "$tmp/err-$m") $(val wait_ms "$tmp/err-$m")" >>"$tmp/results.txt"
    printf '  reach %-5s n=%-4d site %s: %d of %d answered, %d failed (%s ms probing, %s ms waiting for the sites)\n' \
      "$check" "$nn" "$m" "$ok" "$want" "$bad" "$(val reach_ms "$tmp/err-$m")" "$(val wait_ms "$tmp/err-$m")"
  done
  # a lab whose expectation failed is torn down by up itself; down what is up
  for m in "${MACHINES[@]}"; do
    read -r rc _ _ <"$tmp/t-$m"
    if ((rc == 0)); then down_all "$m"; fi
  done
}

echo "# $(nproc) CPUs, kernel $(uname -r); $NL; N=$n per site, $reps repetitions interleaved; IPv6 $( ((ipv6)) && echo on || echo off)"
: >"$tmp/results.txt"
methods=(single seq conc)
for ((rep = 1; rep <= reps; rep++)); do
  for ((j = 0; j < 3; j++)); do
    "step_${methods[$(((j + rep - 1) % 3))]}" "$rep"
  done
done
echo "# reachability across the sites (the built-in probe, lab:expect_reach, timeout 1 s)"
reach index "$n"
reach all "$allpairs_n"

# ---- the report -------------------------------------------------------------
echo
awk -v n="$n" -v reps="$reps" -v failures="$failures" '
function median(a, k,   i, j, t, b) {
  if (k == 0) return -1
  for (i = 1; i <= k; i++) b[i] = a[i]
  for (i = 2; i <= k; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
  return k % 2 ? b[(k + 1) / 2] : (b[k / 2] + b[k / 2 + 1]) / 2
}
function verdict(what, v, base) {
  if (v < 0 || base <= 0) { printf "  %-64s -\n", what; return }
  printf "  %-64s %5.2fx  %s\n", what, v / base, v / base <= 1.2 ? "met" : "NOT met"
}
function show(v) { return v < 0 ? "      -" : sprintf("%9.1f", v) }
function ratio(v, base) { return (v < 0 || base <= 0) ? "   -" : sprintf("%5.2fx", v / base) }
$1 == "single" || $1 == "seq" || $1 == "conc" {
  k = $1; up[k, ++nu[k]] = $4; if ($5 != "") bu[k, ++nb[k]] = $5
  ks = k "/" $3; up[ks, ++nu[ks]] = $4; if ($5 != "") bu[ks, ++nb[ks]] = $5
}
$1 == "reach" { rk = $2 " " $3; rok[rk] += $5; rbad[rk] += $6; rwant[rk] += $7; lost += $7 - $5; order[rk] = 1 }
END {
  for (key in nu) { for (i = 1; i <= nu[key]; i++) tmpa[i] = up[key, i]; mu[key] = median(tmpa, nu[key]); delete tmpa }
  for (key in nb) { for (i = 1; i <= nb[key]; i++) tmpa[i] = bu[key, i]; mb[key] = median(tmpa, nb[key]); delete tmpa }
  for (key in nu) { if (!(key in mb)) mb[key] = -1 }
  printf "per-site medians, N=%d nodes per site (%d repetitions; seq and conc: 3 sites each)\n", n, reps
  printf "%-10s %7s %9s %9s %8s %8s\n", "method", "samples", "build_ms", "up_ms", "build/1", "up/1"
  split("single seq conc seq/a seq/b seq/c conc/a conc/b conc/c", keys, " ")
  for (i = 1; i <= 9; i++) {
    key = keys[i]; if (!(key in nu)) continue
    printf "%-10s %7d %s %s %8s %8s\n", key, nu[key], show(mb[key]), show(mu[key]), ratio(mb[key], mb["single"]), ratio(mu[key], mu["single"])
  }
  print "target: per-site build <= 1.2x the same part as a single-machine lab"
  verdict("seq  build_ms (in script, each site alone: the fair figure)", mb["seq"], mb["single"])
  verdict("seq  up_ms    (until netlab up returned, each site alone)", mu["seq"], mu["single"])
  verdict("conc build_ms (3 sites building at once on the 2 CPUs)", mb["conc"], mb["single"])
  verdict("conc up_ms    (at once, with --wait-sites: the slowest site)", mu["conc"], mu["single"])
  for (rk in order) {
    split(rk, p, " ")
    printf "reachability %-5s n=%d per site, 3 sites: %d of %d probes answered, %d failed, %d lost\n", p[1], p[2],
      rok[rk], rwant[rk], rbad[rk], rwant[rk] - rok[rk]
  }
  printf "losses: %d; failed steps: %d\n", lost, failures
}' "$tmp/results.txt" | tee "$tmp/summary.txt"
lost=$(awk '$1 == "reach" { l += $7 - $5 } END { print l + 0 }' "$tmp/results.txt")
if ((lost > 0 || failures > 0)); then exit 1; fi
exit 0
