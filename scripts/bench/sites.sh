#!/usr/bin/env bash
# sites.sh - a lab over three machines ("sites") against the same part built as a single-machine
# lab: N nodes per site, each linked to one bridge "lan" that spans all three sites (a VXLAN per
# site, head-end replication), and reachability across the sites with the built-in probe.
# Target (the issue): 3 x 300 nodes; per-site build time at most 1.2x the same 300-node part built
# as a single-machine lab; all-pairs reachability across sites with the built-in probe, no loss.
#
# usage: sudo scripts/bench/sites.sh [--n N] [--reps R] [--allpairs-n M] [--ipv6 0|1] [--reach-ipv6 0|1]
#                                   [--probe-args "K=V ..."] [--keep-results DIR]
#   --n N            nodes per site (default 300)
#   --reps R         repetitions of the timed methods, interleaved, the order rotating (default 3;
#                    0: only the reachability runs)
#   --allpairs-n M   nodes per site of the full all-pairs check (default 20, at most N)
#   --ipv6 0|1       the timed builds: 1 (default) the kernel's IPv6 on every link, as a script
#                    that says nothing gets; 0 IPv4-only nodes (the node option ipv6 = false)
#   --reach-ipv6 0|1 the same for the reachability runs (default 0: see below)
#   --probe-args "K=V ..."  more arguments of sites_lab.lua for the reachability runs, e.g.
#                    "rate=0 sweep=0 settle=0" (unpaced, nothing swept, no settling: see there)
#   --keep-results DIR  copy the raw results (results.txt, each up's stderr) to DIR
#
# The "machines" are three network namespaces ma, mb, mc (eth0 192.0.2.1-3/24 on an underlay
# bridge ul0), all inside a private network + mount namespace this script re-executes itself in,
# with a tmpfs on /run/netns: the real host's network is never touched. netlab runs in each
# machine with `ip netns exec` and NETLAB_STATE_DIR of its own. Everything is removed at the end,
# also on failure or Ctrl-C (netlab down --all on every machine, then any process still carrying
# this run's marker variable is killed by pid). The three machines share this machine's kernel
# and its 2 CPUs: what real machines would do each on their own is done here by one.
#
# Timed methods, interleaved per repetition, the order rotating (the machine is a noisy shared
# 2-CPU VM: compare the ratios of one run, medians):
#   single  netlab up sites_lab.lua -- n=N sites=a: the N nodes of site a as a lab of one machine
#           (no --sites: the placement options are accepted and everything is local); down.
#   alone   each site by itself, `netlab up --site X --sites a=..,b=..,c=.. -- n=N` with the
#           other two sites not up (no --wait-sites: nothing waits), then down: the site's part
#           of the 3-site lab as its own machine builds it, VXLAN and all (its floods go out to
#           the other machines' addresses, where nobody listens). The fair figure for the target.
#   seq     the three sites one after another, each with the sites before it already up (no
#           --wait-sites). Uncontended by the other builds, but not by the other sites: the
#           chatter of each new node (ARP, and with IPv6 DAD, MLD reports, router solicitations)
#           is flooded over the VXLAN into every port of the sites already up, and their kernel
#           work is done on these same 2 CPUs, where real machines would each do their own.
#           (Site a of the script is an exception: its ports all come before the bridge's VXLAN,
#           made when the script's first node of site b is declared.)
#   conc    the three sites at once, each with --wait-sites 120, as a user starts them: three
#           builds on 2 CPUs (1.5x from that alone), each flooding into the others, and all of
#           them taking the one kernel's RTNL lock for every link, address and namespace they
#           make, so they are mostly serialized: as measured, not what three machines would do.
#   whole   the whole 3 N-node lab (n=N sites=a,b,c, no --sites) as a lab of one machine: what
#           conc's three builds on this one kernel come to when made by one process.
# Per site two figures: build_ms, the build as the script itself times it (netns.clock() from the
# script's first line to its last node linked; sites_lab.lua prints it on stderr, netlab up passes
# it on), and up_ms, the wall time of `netlab up` until it returned (the lab's JSON printed:
# process start, isolating, the build, the probe tunnel, the description; with --wait-sites also
# the waiting for the slowest site, so conc's up_ms is mostly the slowest site's build).
#
# Reachability, after the timed repetitions: a fresh 3-site lab each, started at once with
# --wait-sites 120 --keep (a site whose probe failed keeps its lab up, so the other sites' probes
# to it still mean something), the probes in the script (sites_lab.lua check=...): once every
# site answers and the machine is quiet, each probe is lab:expect_reach(a, b, { timeout = 1 }),
# the built-in probe (node:ping from a's namespace to b's address as node:address() gives it on
# a's site); a failure is a "not ok" line and up exits 1. Paced (100 probes/s per site) and each
# site deleting its nodes' ARP entries every 0.5 s, so that the probes' ARP entries stay under
# the kernel's table limit (1024 for the whole kernel: sites_lab.lua says why).
#   index  at N: every node of each site pings the node with the same index on each other site:
#          N x 2 probes per site, 6 N in all (every node probes and is probed across sites)
#   all    at M (--allpairs-n): every node of each site pings every node of each other site:
#          M x 2M probes per site, the full all-pairs across sites (6 M^2 in all; at N = 300 that
#          would be 540,000 probes, which is why it runs at a smaller M)
# IPv4-only nodes by default (--reach-ipv6 0): with IPv6 on, the 900 nodes' router solicitations
# come in waves (4, 12, 28, 60 s after the build, ...), each RS flooded to all 900 ports of the
# one kernel, overflowing the CPUs' backlog queues (netdev_max_backlog; /proc/net/softnet_stat):
# hundreds of thousands of packets dropped per wave, ARP requests among them, and 3 to 17 of the
# 1800 index probes at N = 300 failed (timeout 1 s or 3 s alike), 0 with IPv4 only. The report
# gives the backlog drops and the ARP table's overflows during each run.
# A loss is a probe that failed or did not run (an up that failed loses all of its site's).
# Exits 1 on any loss or failed step.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

n=300 reps=3 allpairs_n=20 ipv6=1 reach_ipv6=0 keep="" probe_args=""
args=("$@")
while (($#)); do
  case $1 in
    --n) n=$2; shift ;;
    --reps) reps=$2; shift ;;
    --allpairs-n) allpairs_n=$2; shift ;;
    --ipv6) ipv6=$2; shift ;;
    --reach-ipv6) reach_ipv6=$2; shift ;;
    --keep-results) keep=$2; shift ;;
    --probe-args) probe_args=$2; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "sites.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 4000)) || { echo "sites.sh: --n: 1..4000" >&2; exit 2; }
[[ $reps =~ ^[0-9]+$ ]] || { echo "sites.sh: --reps: a count (0: the reachability runs alone)" >&2; exit 2; }
[[ $allpairs_n =~ ^[0-9]+$ ]] || { echo "sites.sh: --allpairs-n: a count" >&2; exit 2; }
[[ $ipv6 == 0 || $ipv6 == 1 ]] || { echo "sites.sh: --ipv6: 0 or 1" >&2; exit 2; }
[[ $reach_ipv6 == 0 || $reach_ipv6 == 1 ]] || { echo "sites.sh: --reach-ipv6: 0 or 1" >&2; exit 2; }
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
    if [[ $pid != "$$" ]] && grep -qzx "NETLAB_SITES_BENCH=$marker" "$e" 2>/dev/null; then
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

# record METHOD REP M [NODES]: one result line from up_site's files (NODES: how many the site
# builds, default N)
record() {
  local method=$1 rep=$2 m=$3 want=${4:-$n} rc t0 t1 nodes=""
  read -r rc t0 t1 <"$tmp/t-$m"
  cp "$tmp/err-$m" "$tmp/log-$method-$rep-$m.txt"
  if ((rc != 0)); then fail_step "$method rep $rep: netlab up on site $m (exit $rc)" "$tmp/err-$m"; return 0; fi
  # the description: this site's N nodes (the other sites' nodes are listed by name, without netns)
  if command -v jq >/dev/null; then nodes=$(jq '[.nodes[] | select(.netns)] | length' "$tmp/out-$m" 2>/dev/null || echo "?"); fi
  if [[ -n $nodes && $nodes != "$want" ]]; then
    fail_step "$method rep $rep: site $m's description lists $nodes nodes, not $want" "$tmp/err-$m"
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

step_whole() { # REP: the whole 3 N-node lab as a lab of one machine (context for conc)
  quiet
  up_site a -- "n=$n" sites=a,b,c "ipv6=$ipv6"
  record whole "$1" a $((3 * n))
  down_all a
}

step_alone() { # REP: each site by itself, the other sites not up (nothing waits, no --wait-sites)
  local k m
  for ((k = 0; k < 3; k++)); do
    m=${MACHINES[$(((k + $1 - 1) % 3))]}
    quiet
    up_site "$m" --site "$m" --sites "$SITES" -- "n=$n" "ipv6=$ipv6"
    record alone "$1" "$m"
    down_all "$m"
  done
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
  local check=$1 nn=$2 m rc ok bad want fulls0 fulls drops0 drops
  quiet
  # --keep: a site whose probe failed keeps its lab up (else it would tear it down at once and
  # the other sites' probes to it would fail too)
  fulls0=$(arp_fulls)
  drops0=$(backlog_drops)
  up_conc --wait-sites 120 --keep -- "n=$nn" "ipv6=$reach_ipv6" "check=$check" $probe_args
  fulls=$(($(arp_fulls) - fulls0))
  drops=$(($(backlog_drops) - drops0))
  for m in "${MACHINES[@]}"; do
    [[ $check == all ]] && want=$((nn * nn * 2)) || want=$((nn * 2))
    read -r rc _ _ <"$tmp/t-$m"
    cp "$tmp/err-$m" "$tmp/log-reach-$check-$nn-$m.txt"
    ok=$(val reach_ok "$tmp/err-$m"); bad=$(val reach_fail "$tmp/err-$m")
    ok=${ok:-0}; bad=${bad:-0}
    if ((rc != 0)); then fail_step "reachability ($check, n=$nn): netlab up on site $m (exit $rc)" "$tmp/err-$m"; fi
    echo "reach $check $nn $m $ok $bad $want $(val reach_ms "$tmp/err-$m") $(val wait_ms "$tmp/err-$m") $fulls $drops" >>"$tmp/results.txt"
    printf '  reach %-5s n=%-4d site %s: %d of %d answered, %d failed (waited %s ms for the sites, %s ms for quiet; probing %s ms)\n' \
      "$check" "$nn" "$m" "$ok" "$want" "$bad" "$(val wait_ms "$tmp/err-$m")" "$(val settle_ms "$tmp/err-$m")" \
      "$(val reach_ms "$tmp/err-$m")"
  done
  echo "  reach $check n=$nn: meanwhile the kernel's ARP table was full $fulls times, $drops packets dropped at full CPU backlogs (the whole kernel)"
  # up's status was 1 for a failed probe, the lab kept (--keep): down every site that has it
  for m in "${MACHINES[@]}"; do
    if NETLAB_STATE_DIR=$tmp/st-$m ip netns exec "m$m" "$NL" ls 2>/dev/null | grep -q "^$NAME "; then down_all "$m"; fi
  done
}

# how many times the kernel's ARP table was full so far (table_fulls of /proc/net/stat/arp_cache,
# summed over the CPUs; one table for the whole kernel, shown only in the first namespace's
# /proc/net: read through pid 1, read-only); 0 when it cannot be read
arp_fulls() {
  local x t=0
  for x in $(awk 'NR > 1 { print $13 }' /proc/1/net/stat/arp_cache 2>/dev/null); do t=$((t + 16#$x)); done
  echo "$t"
}

# packets dropped so far because a CPU's backlog queue was full (netdev_max_backlog, default 1000:
# a broadcast on the lan is one packet per port, 3 N of them): the second column of
# /proc/net/softnet_stat, summed over the CPUs, the whole kernel
backlog_drops() {
  local x t=0
  for x in $(awk '{ print $2 }' /proc/net/softnet_stat 2>/dev/null); do t=$((t + 16#$x)); done
  echo "$t"
}

echo "# $(nproc) CPUs, kernel $(uname -r); $NL; N=$n per site, $reps repetitions interleaved; IPv6 $( ((ipv6)) && echo on || echo off)"
: >"$tmp/results.txt"
methods=(single alone seq conc whole)
for ((rep = 1; rep <= reps; rep++)); do
  for ((j = 0; j < ${#methods[@]}; j++)); do
    "step_${methods[$(((j + rep - 1) % ${#methods[@]}))]}" "$rep"
  done
done
echo "# reachability across the sites (the built-in probe, lab:expect_reach, timeout 1 s); IPv6 $( ((reach_ipv6)) && echo on || echo "off (ipv6 = false)")"
reach index "$n"
reach all "$allpairs_n"

# ---- the report -------------------------------------------------------------
echo
awk -v n="$n" -v reps="$reps" -v failures="$failures" -v ipv6="$ipv6" -v reach_ipv6="$reach_ipv6" '
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
$1 == "single" || $1 == "alone" || $1 == "seq" || $1 == "conc" || $1 == "whole" {
  k = $1; up[k, ++nu[k]] = $4; if ($5 != "") bu[k, ++nb[k]] = $5
  ks = k "/" $3; up[ks, ++nu[ks]] = $4; if ($5 != "") bu[ks, ++nb[ks]] = $5
}
$1 == "reach" { rk = $2 " " $3; rok[rk] += $5; rbad[rk] += $6; rwant[rk] += $7; lost += $7 - $5; fulls[rk] = $10; drops[rk] = $11; if (!(rk in seen)) { seen[rk] = 1; order[++no] = rk } }
END {
  for (key in nu) { for (i = 1; i <= nu[key]; i++) tmpa[i] = up[key, i]; mu[key] = median(tmpa, nu[key]); delete tmpa }
  for (key in nb) { for (i = 1; i <= nb[key]; i++) tmpa[i] = bu[key, i]; mb[key] = median(tmpa, nb[key]); delete tmpa }
  for (key in nu) { if (!(key in mb)) mb[key] = -1 }
  if (reps > 0) {
  printf "per-site medians, N=%d nodes per site, IPv6 %s (%d repetitions; alone, seq and conc: 3 sites each)\n", n,
    ipv6 ? "on" : "off", reps
  printf "%-10s %7s %9s %9s %8s %8s\n", "method", "samples", "build_ms", "up_ms", "build/1", "up/1"
  nk = split("single alone seq conc whole alone/a alone/b alone/c seq/a seq/b seq/c conc/a conc/b conc/c", keys, " ")
  for (i = 1; i <= nk; i++) {
    key = keys[i]; if (!(key in nu)) continue
    printf "%-10s %7d %s %s %8s %8s\n", key, nu[key], show(mb[key]), show(mu[key]), ratio(mb[key], mb["single"]), ratio(mu[key], mu["single"])
  }
  print "target: per-site build <= 1.2x the same part as a single-machine lab (build/1, up/1 above)"
  verdict("alone build_ms (in script; each site by itself: the fair figure)", mb["alone"], mb["single"])
  verdict("alone up_ms    (until netlab up returned)", mu["alone"], mu["single"])
  verdict("seq   build_ms (the sites before it up, on the same CPUs)", mb["seq"], mb["single"])
  verdict("seq   up_ms", mu["seq"], mu["single"])
  verdict("conc  build_ms (3 sites building at once on the 2 CPUs)", mb["conc"], mb["single"])
  verdict("conc  up_ms    (at once, with --wait-sites: the slowest site)", mu["conc"], mu["single"])
  if (mu["whole"] > 0 && mu["conc"] > 0)
    printf "  (conc against the whole %d-node lab built on one machine: build %.2fx, up %.2fx)\n", 3 * n,
      mb["conc"] / mb["whole"], mu["conc"] / mu["whole"]
  }
  for (o = 1; o <= no; o++) {
    rk = order[o]
    split(rk, p, " ")
    printf "reachability %-5s %d nodes per site, IPv6 %s: %d of %d probes answered, %d failed, %d lost (ARP table full %d times, %d backlog drops)\n",
      p[1], p[2], reach_ipv6 ? "on" : "off", rok[rk], rwant[rk], rbad[rk], rwant[rk] - rok[rk], fulls[rk], drops[rk]
  }
  printf "losses: %d; failed steps: %d\n", lost, failures
}' "$tmp/results.txt" | tee "$tmp/summary.txt"
lost=$(awk '$1 == "reach" { l += $7 - $5 } END { print l + 0 }' "$tmp/results.txt")
if ((lost > 0 || failures > 0)); then exit 1; fi
exit 0
