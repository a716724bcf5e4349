#!/usr/bin/env bash
# soak.sh - build a 20-node lab with forking services and SIGKILL it at a random (seeded) moment,
# round after round, isolated and with --host followed by `netlab clean`; after each round count
# what it left behind against a baseline taken before the first (foreign objects made first).
# Usage: scripts/soak.sh [--rounds N] [--seed S] [--mode isolated|host|both] [--span-ms MS]
#                        [--start R] [--verbose]
#   --rounds N    rounds per mode (default 20)
#   --seed S      the seed of the kill moments (default: a random one, printed)
#   --mode M      isolated, host or both (default both)
#   --span-ms MS  kill moments are spread over 0..MS ms after the start (default: the median
#                 length of three runs that are not killed, measured first in each mode)
#   --start R     the first round's number (round R's moment depends only on the seed, the mode,
#                 the span and R: `--start R --rounds 1 --span-ms MS --seed S` replays one round)
#   --verbose     a line for every round, not only for those that leaked
# Runs inside a private network + mount namespace, as scripts/test.sh does: "host" is that
# namespace. Ends with "N passed, N failed" (a round passes when each of its counts is 0) and
# exits non-zero when a round failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

usage() { sed -n '2,/^set -euo/p' "$root/scripts/soak.sh" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

rounds=20 seed="" mode=both span_ms="" start=1 verbose=0
args=("$@")
while (($#)); do
  case "$1" in
    --rounds) rounds=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --mode) mode=${2:?}; shift 2 ;;
    --span-ms) span_ms=${2:?}; shift 2 ;;
    --start) start=${2:?}; shift 2 ;;
    --verbose) verbose=1; shift ;;
    -h|--help) usage ;;
    *) echo "soak.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$rounds" =~ ^[0-9]+$ && "$start" =~ ^[0-9]+$ ]] || usage
[[ -z "$seed" || "$seed" =~ ^[0-9]+$ ]] || usage
[[ -z "$span_ms" || "$span_ms" =~ ^[0-9]+$ ]] || usage
case "$mode" in
  isolated) modes=(isolated) ;;
  host) modes=(host) ;;
  both) modes=(isolated host) ;;
  *) usage ;;
esac

# Outside: build, then start over in fresh namespaces (as scripts/test.sh does), so nothing the
# soak does can reach the real host's network.
if [[ -z "${NETLAB_SOAK_OUTER_NS:-}" ]]; then
  bash scripts/setup.sh
  if ((EUID != 0)); then
    echo "soak.sh: the soak needs root (it creates network namespaces)" >&2
    exit 1
  fi
  mkdir -p /run/netns /run/netlab
  NETLAB_SOAK_OUTER_NS=$(readlink /proc/self/ns/net) \
    exec unshare --net --mount --propagation private bash "$root/scripts/soak.sh" "${args[@]}"
fi

if [[ "$(readlink /proc/self/ns/net)" == "$NETLAB_SOAK_OUTER_NS" ]]; then
  echo "soak.sh: refusing to run: not in a private network namespace" >&2
  exit 1
fi
unset NETLAB_SOAK_OUTER_NS

mount -t tmpfs -o mode=0755 netlab-netns /run/netns
mount -t tmpfs -o mode=0755 netlab-run /run/netlab
ip link set lo up

# the system's programs (what setup.sh installs): a python3 from a version manager's shim on
# the PATH takes most of a second to start, and the lab's server is one
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
netlab=$root/build/netlab
lab_script=$root/scripts/soak/lab.lua
state=(python3 -B "$root/scripts/soak/state.py")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -z "$seed" ]]; then
  seed=$(( $(od -An -N4 -tu4 /dev/urandom) % 1000000 ))
fi
# every process a lab starts inherits NETLAB_SOAK=<this pid>; every service sleeps a duration
# that starts with this soak's own prefix (5000..8999: no other suite's)
tag=$$
sleep_prefix="$((5000 + $$ % 4000))."

# ---------------------------------------------------------------------------
# the foreign objects: someone else's, made before the first round; none may be lost

foreign_ns=soak-foreign
make_foreign() {
  ip netns add "$foreign_ns"
  ip link add soak-fbr type bridge
  ip link set soak-fbr up
  ip link add soak-fveth type veth peer name soak-fpeer netns "$foreign_ns"
  ip link set soak-fveth master soak-fbr up
  # a table of someone else's with a NAT chain at the lab's own hook, and a chain of someone
  # else's in `inet netlab`, the table the netns API writes to when no table is named
  nft -f - <<'EOF'
table inet soak-foreign {
  chain soak_post { type nat hook postrouting priority srcnat; policy accept; ip saddr 10.99.0.0/16 masquerade; }
  chain soak_fwd { type filter hook forward priority filter; policy accept; ip saddr 10.201.0.0/24 counter; }
}
table inet netlab {
  chain soak-foreign { ip saddr 10.98.0.0/16 counter; }
}
EOF
}

remove_foreign() {
  ip netns del "$foreign_ns" 2>/dev/null || true
  ip link del soak-fbr 2>/dev/null || true
  ip link del soak-fveth 2>/dev/null || true
  nft delete table inet soak-foreign 2>/dev/null || true
  nft delete chain inet netlab soak-foreign 2>/dev/null || true
}

baseline=$tmp/baseline.json
take_baseline() { "${state[@]}" baseline "$baseline" --foreign-ns "$foreign_ns"; }

# ---------------------------------------------------------------------------
# the kill moment of a round: splitmix64 of (seed, mode, round), a pure function of the three

mix() {
  local z=$1
  z=$(( z + 0x9e3779b97f4a7c15 ))
  z=$(( (z ^ ((z >> 30) & 0x3ffffffff)) * 0xbf58476d1ce4e5b9 ))
  z=$(( (z ^ ((z >> 27) & 0x1fffffffff)) * 0x94d049bb133111eb ))
  z=$(( z ^ ((z >> 31) & 0x1ffffffff) ))
  echo $(( z & 0x7fffffffffffffff ))
}

moment_ms() { # moment_ms MODE_INDEX ROUND SPAN (MODE_INDEX: 0 isolated, 1 host)
  local h
  h=$(mix $(( seed * 1000003 + $1 * 7919 )))
  h=$(mix $(( h ^ $2 )))
  echo $(( h % ($3 + 1) ))
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---------------------------------------------------------------------------
# one round

columns=(procs netns links nft journals sysctls foreign clean cgroups errors)
declare -A total
for m in "${modes[@]}"; do
  for c in "${columns[@]}" passed failed rounds build run teardown ended ms; do total[$m,$c]=0; done
done

# run_lab MODE ROUND KILL_MS: start the lab, SIGKILL it KILL_MS ms later (none when empty),
# wait for it; sets lab_status, lab_pid, lab_phase, lab_ms
run_lab() {
  local m=$1 r=$2 kill_ms=$3 d t0
  d=$sleep_prefix$( [[ $m == host ]] && echo 2 || echo 1 )$(printf '%06d' "$r")
  local host_opt=()
  [[ $m == host ]] && host_opt=(--host)
  t0=$(now_ms)
  NETLAB_SOAK=$tag NETLAB_SOAK_ROUND=$m-$r \
    "$netlab" "${host_opt[@]}" --name soak "$lab_script" "$d" "$m" >"$tmp/out" 2>"$tmp/err" &
  lab_pid=$!
  set +e
  if [[ -n "$kill_ms" ]]; then
    # the kill moment, or the lab's end if that comes first
    local sleeper ended
    sleep "$(printf '%d.%03d' $((kill_ms / 1000)) $((kill_ms % 1000)))" &
    sleeper=$!
    wait -n -p ended "$lab_pid" "$sleeper" 2>/dev/null
    lab_status=$?
    if [[ "$ended" == "$lab_pid" ]]; then
      kill "$sleeper" 2>/dev/null
      wait "$sleeper"
    else
      # not waited for yet: its pid cannot have gone to another process
      kill -KILL "$lab_pid"
      wait "$lab_pid" 2>/dev/null   # (not bash's "Killed" line)
      lab_status=$?
    fi
  else
    wait "$lab_pid"
    lab_status=$?
  fi
  set -e
  lab_ms=$(( $(now_ms) - t0 ))
  # how far it got: the first result ends the build, the script's last line the run, the
  # summary (printed after the teardown) the teardown
  if grep -q -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/out"; then
    lab_phase=ended
  elif grep -q -x '# the run is over' "$tmp/out"; then
    lab_phase=teardown
  elif grep -q -E '^(ok|not ok) ' "$tmp/out"; then
    lab_phase=run
  else
    lab_phase=build
  fi
}

# check_round MODE ROUND: clean (host mode), count, restore; sets round_counts (column -> n)
declare -A round_counts
check_wait=5   # seconds a round's leftovers have to go (killing is asynchronous)
check_round() {
  local m=$1 r=$2 clean_fail=0 line rc
  : >"$tmp/details"
  if [[ $m == host ]]; then
    set +e
    "$netlab" clean >"$tmp/clean.out" 2>"$tmp/clean.err"
    rc=$?
    set -e
    if ((rc != 0)) || [[ -s "$tmp/clean.err" ]]; then
      clean_fail=1
      { echo "# clean: exit $rc"; sed 's/^/# clean: /' "$tmp/clean.err"; } >>"$tmp/details"
    fi
  fi
  set +e
  line=$("${state[@]}" check "$baseline" --tag "$tag" --sleep "$sleep_prefix" --self $$ \
    --pids "$lab_pid" --wait "$check_wait" --restore 2>>"$tmp/details")
  rc=$?
  set -e
  if ((rc != 0 && rc != 3)); then
    echo "soak.sh: state.py check failed (exit $rc)" >&2
    cat "$tmp/details" >&2
    exit 1
  fi
  local -a w
  read -r -a w <<<"$line"
  round_counts=()
  local i
  for ((i = 0; i < ${#w[@]}; i += 2)); do round_counts[${w[i]}]=${w[i + 1]}; done
  round_counts[clean]=$clean_fail
  # a lab that neither ended well nor was killed: it failed (a leftover in its way, or a bug)
  if [[ $lab_status != 0 && $lab_status != 137 ]]; then
    round_counts[errors]=1
    { echo "# errors: the lab exited $lab_status"; { tail -n 5 "$tmp/err" 2>/dev/null || true; } | sed 's/^/# errors: /'; } >>"$tmp/details"
  else
    round_counts[errors]=0
  fi
  if ((rc == 3)); then
    echo "# restore: foreign objects were lost: made again, new baseline" >>"$tmp/details"
    remove_foreign
    make_foreign
    take_baseline
  fi
}

report_round() { # report_round MODE ROUND KILL_MS
  local m=$1 r=$2 kill_ms=$3 bad=0 c counts=""
  for c in "${columns[@]}"; do
    local n=${round_counts[$c]:-0}
    counts+=" $c $n"
    total[$m,$c]=$(( total[$m,$c] + n ))
    ((n == 0)) || bad=1
  done
  total[$m,rounds]=$(( total[$m,rounds] + 1 ))
  total[$m,$lab_phase]=$(( total[$m,$lab_phase] + 1 ))
  if ((bad)); then
    total[$m,failed]=$(( total[$m,failed] + 1 ))
  else
    total[$m,passed]=$(( total[$m,passed] + 1 ))
  fi
  if ((bad || verbose)); then
    echo "$( ((bad)) && echo "not ok" || echo "ok") - $m round $r: kill at ${kill_ms:-never} ms (seed $seed, span $span ms), $lab_phase, exit $lab_status, ${lab_ms} ms:$counts"
    ((bad)) && cat "$tmp/details"
  fi
  return 0
}

# ---------------------------------------------------------------------------
# before the rounds: each counter, shown a leak made by hand, counts it, and the restore
# leaves nothing for the next check (a counter that cannot see a leak would count 0 for ever)

cgroup2=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
cgroup2=$cgroup2$(sed -n 's/^0:://p' /proc/self/cgroup)
leak() { # leak COLUMN: make one thing of that column's kind
  case "$1" in
    procs) (NETLAB_SOAK=$tag setsid sh -c "sleep ${sleep_prefix}9 & wait" >/dev/null 2>&1 &) ;;
    netns) ip netns add soak-leak; : >/run/netns/soak-empty ;;
    links) ip link add soak-leak type bridge ;;
    nft) nft add table inet netlab-soak; nft add chain inet netlab soak-leak ;;
    journals) : >/run/netlab/soak.journal ;;
    sysctls) echo 1 >/proc/sys/net/ipv4/ip_forward; echo 1 >/proc/sys/net/ipv6/conf/soak-fbr/disable_ipv6 ;;
    foreign) ip link del soak-fbr; nft delete chain inet netlab soak-foreign ;;
    clean) mkdir /run/netlab/soak.journal ;;   # a journal clean cannot read
    cgroups) mkdir "$cgroup2/netlab-$lab_pid-1" ;;
    errors) lab_status=1 ;;
  esac
}

self_test() {
  local c m bad=0 n check_wait=0.5
  for c in "${columns[@]}"; do
    m=isolated
    [[ $c == clean ]] && m=host
    lab_pid=999999999 lab_status=0
    leak "$c"
    check_round "$m" "self-test"
    n=${round_counts[$c]:-0}
    ((verbose)) && sed "s/^/# self-test $c: /" "$tmp/details"
    if ((n == 0)); then
      echo "not ok - self-test: a leak of $c made by hand was not counted"
      bad=1
    fi
    [[ $c == clean ]] && rmdir /run/netlab/soak.journal
    lab_status=0
    check_round "$m" "self-test"
    for c2 in "${columns[@]}"; do
      if ((${round_counts[$c2]:-0})); then
        echo "not ok - self-test: after the restore of a leak of $c, $c2 counts ${round_counts[$c2]}"
        cat "$tmp/details"
        bad=1
      fi
    done
  done
  if ((bad)); then
    echo "soak.sh: the counters do not work here: no round run" >&2
    exit 1
  fi
  echo "# self-test: each of the ${#columns[@]} counters counted a leak made by hand; restored"
}

make_foreign
take_baseline
self_test
echo "# soak: seed $seed, $rounds rounds per mode (${modes[*]}), from round $start"

for m in "${modes[@]}"; do
  # the mode's part in the kill moments: the same whichever modes run
  mi=0
  [[ $m == host ]] && mi=1
  # three runs that are not killed: they must leave nothing either, and the median of their
  # lengths is the span the kill moments are spread over (build, run and teardown)
  calib=()
  for r in 1 2 3; do
    run_lab "$m" "$((900000 + r))" ""
    check_round "$m" "$((900000 + r))"
    calib+=("$lab_ms")
    bad=0
    for c in "${columns[@]}"; do ((${round_counts[$c]:-0} == 0)) || bad=1; done
    if ((bad)) || [[ $lab_status != 0 ]]; then
      echo "not ok - $m: a run that was not killed (exit $lab_status) left something or failed:"
      cat "$tmp/details" "$tmp/err"
      total[$m,failed]=$(( total[$m,failed] + 1 ))
    fi
  done
  calib_ms=$(printf '%s\n' "${calib[@]}" | sort -n | sed -n 2p)
  span=${span_ms:-$calib_ms}
  echo "# $m: three runs, not killed: ${calib[*]} ms; kill moments spread over 0..$span ms"
  t_mode=$(now_ms)
  for ((r = start; r < start + rounds; r++)); do
    kill_ms=$(moment_ms "$mi" "$r" "$span")
    run_lab "$m" "$r" "$kill_ms"
    check_round "$m" "$r"
    report_round "$m" "$r" "$kill_ms"
    done_n=$(( r - start + 1 ))
    if ((done_n % 100 == 0 && done_n < rounds)); then
      echo "# $m: $done_n/$rounds rounds, ${total[$m,failed]} failed, $(( ($(now_ms) - t_mode) / done_n )) ms per round"
    fi
  done
  total[$m,ms]=$(( $(now_ms) - t_mode ))
done

# ---------------------------------------------------------------------------
# the table

remove_foreign
printf '\n| mode | rounds | passed |'; printf ' %s |' "${columns[@]}"; printf ' killed in build / run / teardown / after the end | wall time |\n'
printf '|---|---|---|'; printf -- '---|%.0s' "${columns[@]}"; printf -- '---|---|\n'
passed=0 failed=0
for m in "${modes[@]}"; do
  printf '| %s | %d | %d |' "$m" "${total[$m,rounds]}" "${total[$m,passed]}"
  for c in "${columns[@]}"; do
    if [[ $c == clean && $m == isolated ]]; then printf ' - |'; else printf ' %d |' "${total[$m,$c]}"; fi
  done
  printf ' %d / %d / %d / %d | %d s |\n' "${total[$m,build]}" "${total[$m,run]}" "${total[$m,teardown]}" \
    "${total[$m,ended]}" $(( total[$m,ms] / 1000 ))
  passed=$(( passed + total[$m,passed] ))
  failed=$(( failed + total[$m,failed] ))
done
echo
echo "# seed $seed; clean runs in host mode only"
echo "$passed passed, $failed failed"
((failed == 0))
