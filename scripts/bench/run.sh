#!/usr/bin/env bash
# run.sh - the topology benchmark: netlab against the baselines in baselines/
# (raw libmnl C, ip -batch, ip -n, ip netns exec) and pyroute2, building the same
# N-node star, interleaved in one run inside a private network + mount namespace;
# then the all-pairs probe benchmark. Not part of scripts/test.sh.
#
# usage: scripts/bench/run.sh [--quick] [--n "10 100 500 1000"] [--reps R]
#                             [--methods "netlab netlab-lab topo_mnl ..."] [--out DIR]
#   --quick    N = 10 and 50, 2 repetitions (a smoke run of a minute or two)
#   --reps R   repetitions per N (default: 5 for N <= 100, 3 above; the slow
#              baselines ip_n, ip_naive and pyroute2 run once for N >= 500)
#   --out DIR  where results.csv, allpairs.txt and summary.txt go (default: a new
#              directory under /tmp, printed at the end)
# Methods: netlab (star.lua, node after node), netlab-v4 (the same, IPv4 only:
# eth0 with addrgenmode none, IPv6 off on its bridge port), netlab-phased (the
# floor's order), netlab-lateup (node after node, every eth0 up in a last
# sweep; not in the default list), netlab-lab and netlab-lab-v4 (star_lab.lua,
# lab{ ipv6 = false }), netlab-lab-v4-rootless (the same as nobody, in a user
# namespace of its own; not in the default list), and the baselines.
# BENCH_LAB_ALT=DIR (DIR/netlab/init.lua, and DIR/netns.so when the change is
# in C) adds the methods netlab-lab-alt and netlab-alt: the same scripts
# against another version of the lab and of the netns module.
# Needs root. Prints a table of medians and each method's ratio to the raw-C floor
# (topo_mnl setup N batched / teardown N ns) and to netlab.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

quick=0
ns_list="10 100 500 1000"
reps=""
methods="netlab netlab-v4 netlab-phased netlab-lab netlab-lab-v4 topo_mnl floor_netns ip_batch ip_n ip_naive pyroute2"
out=""
inner=0
args=("$@")
while (($#)); do
  case $1 in
    --quick) quick=1; ns_list="10 50" ;;
    --n) ns_list=$2; shift ;;
    --reps) reps=$2; shift ;;
    --methods) methods=$2; shift ;;
    --out) out=$2; shift ;;
    --inner) inner=1 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

if ((!inner)); then
  if ((EUID != 0)); then echo "run.sh: needs root (it creates network namespaces)" >&2; exit 1; fi
  cmake -S "$root" -B "$root/build" >/dev/null
  cmake --build "$root/build" -j2 >/dev/null
  # pyroute2 from Debian's package, where it installs
  if ! /usr/bin/python3 -c 'import pyroute2' 2>/dev/null; then
    apt-get install -y -qq python3-pyroute2 >/dev/null 2>&1 ||
      echo "run.sh: python3-pyroute2 does not install here: pyroute2 is skipped" >&2
  fi
  [[ -n $out ]] || out=$(mktemp -d /tmp/netlab-bench.XXXXXX)
  mkdir -p "$out"
  mkdir -p /run/netns
  # a private network and mount namespace: the real host's network is never touched
  exec unshare --net --mount --propagation private bash "${BASH_SOURCE[0]}" "${args[@]}" --out "$out" --inner
fi

# ---- inside the private namespaces ------------------------------------------
mount -t tmpfs -o mode=0755 netlab-bench /run/netns
ip link set lo up

baselines=$here/baselines

tmp=$(mktemp -d /tmp/netlab-bench-bin.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# the C baselines and the timer are compiled here, at run time, and never kept
cc -O2 -Wall -Wextra -o "$tmp/topo_mnl" "$baselines/topo_mnl.c" -lmnl
cc -O2 -Wall -Wextra -o "$tmp/floor_netns" "$baselines/floor_netns.c"
cc -O2 -Wall -Wextra -o "$tmp/timeit" "$here/timeit.c"

export LUA_CPATH="$root/build/?.so;;"
export LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;"
# BENCH_LAB_ALT: a directory holding another netlab/init.lua (a proposed change
# of the lab) and maybe another netns.so, measured as the extra methods
# netlab-lab-alt and netlab-alt
if [[ -n ${BENCH_LAB_ALT:-} ]]; then methods+=" netlab-lab-alt netlab-alt"; fi
alt_env=(env "LUA_PATH=${BENCH_LAB_ALT:-}/?.lua;${BENCH_LAB_ALT:-}/?/init.lua;$LUA_PATH"
  "LUA_CPATH=${BENCH_LAB_ALT:-}/?.so;$LUA_CPATH")

have_pyroute2=1
/usr/bin/python3 -c 'import pyroute2' 2>/dev/null || have_pyroute2=0

# wait until the machine is quiet (the kernel frees deleted namespaces in the
# background, and answers the IPv6 chatter of new links): under 8% busy over
# 200 ms, or CAP seconds at most (default 10); sets settled_ms to the time it
# took, the last 200 ms window not counted
settled_ms=0
quiet() {
  local cap=${1:-10} t0 end a b c d e f g h t1 t2 i1 i2
  t0=$(date +%s%N); end=$((SECONDS + cap))
  while ((SECONDS < end)); do
    read -r _ a b c d e f g h _ </proc/stat; t1=$((a + b + c + d + e + f + g + h)); i1=$((d + e))
    sleep 0.2
    read -r _ a b c d e f g h _ </proc/stat; t2=$((a + b + c + d + e + f + g + h)); i2=$((d + e))
    if (((t2 - t1) > 0 && ((t2 - t1) - (i2 - i1)) * 100 < 8 * (t2 - t1))); then
      settled_ms=$((($(date +%s%N) - t0) / 1000000 - 200)); ((settled_ms >= 0)) || settled_ms=0
      return 0
    fi
  done
  settled_ms=$((($(date +%s%N) - t0) / 1000000))
  return 0
}

val() { # val KEY TEXT: the value of KEY=... in TEXT
  sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2" | head -n 1
}

csv=$out/results.csv
[[ -s $csv ]] || echo "n,rep,method,setup_ms,teardown_ms,free_ms,setup_wall_ms,teardown_wall_ms,maxrss_kb,settle_ms" >"$csv"

# run_method METHOD N REP: one setup and one teardown, one CSV row
run_method() {
  local m=$1 n=$2 rep=$3 s t names setup_cmd teardown_cmd o1 o2 rss1 rss2 free
  case $m in
    netlab) names=(-s 'nlbx%d' -l 'nlbxh%d' -b nlbxbr0)
      setup_cmd=(lua5.4 "$here/star.lua" setup "$n"); teardown_cmd=(lua5.4 "$here/star.lua" teardown "$n") ;;
    netlab-phased) names=(-s 'nlbx%d' -l 'nlbxh%d' -b nlbxbr0)
      setup_cmd=(env BENCH_ORDER=phased lua5.4 "$here/star.lua" setup "$n")
      teardown_cmd=(lua5.4 "$here/star.lua" teardown "$n") ;;
    netlab-v4|netlab-lateup) names=(-s 'nlbx%d' -l 'nlbxh%d' -b nlbxbr0)
      setup_cmd=(env "BENCH_IPV6=$([[ $m == netlab-v4 ]] && echo 0 || echo 1)"
        "BENCH_ORDER=$([[ $m == netlab-lateup ]] && echo lateup || echo node)" lua5.4 "$here/star.lua" setup "$n")
      teardown_cmd=(lua5.4 "$here/star.lua" teardown "$n") ;;
    netlab-lab) names=(-s 'nlbl%d' -l 'nlbl%d-0' -b nlblbr0)
      setup_cmd=(lua5.4 "$here/star_lab.lua" "$n"); teardown_cmd=() ;;
    netlab-lab-v4) names=(-s 'nlbv%d' -l 'nlbv%d-0' -b nlbvbr0)
      setup_cmd=(env BENCH_IPV6=0 lua5.4 "$here/star_lab.lua" "$n" nlbv); teardown_cmd=() ;;
    netlab-lab-v4-rootless) names=(-s 'nlbr%d' -l 'nlbr%d-0' -b nlbrbr0)
      # the same lab as nobody, root only in a user namespace of its own (netns.unshare_user)
      setup_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
        env BENCH_IPV6=0 BENCH_ROOTLESS=1 lua5.4 "$here/star_lab.lua" "$n" nlbr); teardown_cmd=() ;;
    netlab-lab-alt) names=(-s 'nlba%d' -l 'nlba%d-0' -b nlbabr0)
      setup_cmd=("${alt_env[@]}" lua5.4 "$here/star_lab.lua" "$n" nlba); teardown_cmd=() ;;
    netlab-alt) names=(-s 'nlbx%d' -l 'nlbxh%d' -b nlbxbr0)
      setup_cmd=("${alt_env[@]}" lua5.4 "$here/star.lua" setup "$n")
      teardown_cmd=("${alt_env[@]}" lua5.4 "$here/star.lua" teardown "$n") ;;
    topo_mnl) names=(-s 'perfx%d' -l 'perfxh%d' -b perfxbr0)
      setup_cmd=("$tmp/topo_mnl" setup "$n" batched); teardown_cmd=("$tmp/topo_mnl" teardown "$n" ns) ;;
    floor_netns) names=(-s 'perfx%d')
      setup_cmd=("$tmp/floor_netns" setup "$n"); teardown_cmd=("$tmp/floor_netns" teardown "$n") ;;
    ip_batch|ip_n|ip_naive) names=(-s 'perfx%d' -l 'perfxh%d' -b perfxbr0)
      setup_cmd=(bash "$baselines/$m.sh" setup "$n"); teardown_cmd=(bash "$baselines/$m.sh" teardown "$n") ;;
    pyroute2) names=(-s 'pyrx%d' -l 'pyrxh%d' -b pyrxbr0)
      setup_cmd=(/usr/bin/python3 "$here/star_pyroute2.py" setup "$n")
      teardown_cmd=(/usr/bin/python3 "$here/star_pyroute2.py" teardown "$n") ;;
    *) echo "run.sh: unknown method $m" >&2; return 1 ;;
  esac
  quiet
  if ((${#teardown_cmd[@]} == 0)); then
    # the lab: one process builds, then tears down and waits for the names itself
    o1=$("$tmp/timeit" -n "$n" "${names[@]}" -- "${setup_cmd[@]}")
    s=$(val setup_ms "$o1"); t=$(val teardown_ms "$o1")
    # names still taken after the process ended would add to its own figure
    free=$(awk -v t="$t" -v f="$(val free_ms "$o1")" -v w="$(val wall_ms "$o1")" 'BEGIN { printf "%.2f", t + f - w }')
    echo "$n,$rep,$m,$s,$t,$free,$(val wall_ms "$o1"),,$(val maxrss_kb "$o1")," >>"$csv"
  else
    o1=$("$tmp/timeit" -- "${setup_cmd[@]}")
    # how long the kernel stays busy after the program returned: the IPv6
    # chatter of links that came up late in the build is handled only then
    quiet 60
    o2=$("$tmp/timeit" -n "$n" "${names[@]}" -- "${teardown_cmd[@]}")
    s=$(val setup_ms "$o1"); t=$(val teardown_ms "$o2")
    rss1=$(val maxrss_kb "$o1"); rss2=$(val maxrss_kb "$o2")
    echo "$n,$rep,$m,$s,$t,$(val free_ms "$o2"),$(val wall_ms "$o1"),$(val wall_ms "$o2"),$((rss1 > rss2 ? rss1 : rss2)),$settled_ms" >>"$csv"
  fi
  printf '  %-16s N=%-5s rep %s: setup %8s ms  teardown %8s ms\n' "$m" "$n" "$rep" "$s" "$t"
}

echo "# $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# results: $out"
for n in $ns_list; do
  r=${reps:-$((quick ? 2 : (n <= 100 ? 5 : 3)))}
  set -- $methods
  ms=("$@")
  for ((rep = 1; rep <= r; rep++)); do
    # interleaved, and the order rotates from one repetition to the next
    k=${#ms[@]}
    for ((j = 0; j < k; j++)); do
      m=${ms[$(((j + rep - 1) % k))]}
      if [[ $m == pyroute2 ]] && ((!have_pyroute2)); then continue; fi
      if [[ ($m == ip_n || $m == ip_naive || $m == pyroute2) && -z ${reps:-} ]] && ((n >= 500 && rep > 1)); then continue; fi
      run_method "$m" "$n" "$rep"
    done
  done
done

quiet
echo "# all-pairs reachability of a 20-node bridge"
lua5.4 "$here/ping.lua" 20 $((quick ? 1 : 3)) | tee "$out/allpairs.txt"

{
  echo "# $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  lua5.4 "$here/report.lua" "$csv"
  grep '^allpairs' "$out/allpairs.txt"
} | tee "$out/summary.txt"
((have_pyroute2)) || echo "# pyroute2: python3-pyroute2 not installable here, skipped" | tee -a "$out/summary.txt"
echo "# CSV: $csv"
