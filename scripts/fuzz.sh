#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets of fuzz/ (scripts/setup.sh --fuzz, into build-fuzz/) and run
# each for SECONDS of CPU time over a copy of its seed corpus.
# Usage: scripts/fuzz.sh [-j 1|2] [SECONDS] [TARGET...]   (default: 60 s each, every target, one at a time)
#   A target runs until it has used SECONDS of CPU time (then SIGUSR1: libFuzzer stops, prints its
#   final stats and runs its leak check), or 3 x SECONDS + 60 s of wall time on a starved machine
#   (-max_total_time), with -rss_limit_mb=2048, -timeout=10 (a slower input is a failure), and
#   fuzz/TARGET.dict. It fuzzes a temporary copy of fuzz/corpus/TARGET: what it finds never lands in
#   the repository. -j 2 runs two targets at once; nice it on a shared machine (nice -n 10 ...).
#   One line per target: executions, CPU and wall seconds, coverage, corpus size; a crash, leak,
#   undefined behaviour, broken property, timeout or memory blow-up is "not ok", with the input kept
#   in build-fuzz/crashes/ and the log in build-fuzz/logs/. The figures also go to
#   build-fuzz/fuzz-results.tsv. The last line is "N passed, N failed"; the exit status is 1 when any
#   target failed. The fuzzers never touch the network: they are pure parsers.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

jobs=1
if [[ "${1:-}" == -j ]]; then
  jobs=${2:-}
  shift 2 || true
fi
if [[ ! "$jobs" =~ ^[12]$ ]]; then
  echo "usage: scripts/fuzz.sh [-j 1|2] [SECONDS] [TARGET...]" >&2
  exit 2
fi
secs=60
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
if ((secs < 1)); then
  echo "fuzz.sh: SECONDS must be at least 1" >&2
  exit 2
fi
all=(prefix mac name sysctl nat_to units netlink nft_rule qdisc tc_units wg rtprot)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all[*]} " == *" $t "* ]]; then
    echo "fuzz.sh: no target '$t' (targets: ${all[*]})" >&2
    exit 2
  fi
done

bash scripts/setup.sh --fuzz

out=$root/build-fuzz
crashes=$out/crashes
logs=$out/logs
mkdir -p "$crashes" "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hz=$(getconf CLK_TCK)

# CPU ticks (user + system) a running process has used, with those of the children it has
# reaped (LeakSanitizer's checks run in a child); empty once it is gone
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }	# after the command name
  set -- $stat		# field 3 of stat is now $1: utime, stime, cutime, cstime are $12..$15
  echo $((${12} + ${13} + ${14} + ${15}))
}

# run_one TARGET: fuzz it, print its line, leave "ok"/"fail" and the figures in $tmp/TARGET.result
run_one() {
  local t=$1 bin=$out/fuzz/fuzz_$1 log=$logs/$1.log work=$tmp/$1 pid ticks status=0
  local dict=() cpu wall runs cov ft corp artifact what start
  set +e	# a figure missing from the log is shown as '?', not the end of the run
  rm -f "$crashes/$t-"* "$log"
  mkdir -p "$work/corpus"
  cp -R "fuzz/corpus/$t/." "$work/corpus/"
  [[ -f fuzz/$t.dict ]] && dict=("-dict=fuzz/$t.dict")
  start=$(date +%s%N)
  # a shell of its own around the fuzzer, which reports the fuzzer's CPU time when it ends
  (
    "$bin" -max_total_time=$((3 * secs + 60)) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$crashes/$t-" "${dict[@]}" "$work/corpus" >"$log" 2>&1 &
    echo $! >"$work/pid"
    wait $! && s=0 || s=$?
    times >"$work/times"
    exit $s
  ) &
  local shell=$!
  while [[ ! -s $work/pid ]]; do sleep 0.05; done
  pid=$(<"$work/pid")
  # the CPU budget: SIGUSR1 once it is spent (libFuzzer stops gracefully)
  while kill -0 "$pid" 2>/dev/null; do
    ticks=$(cpu_ticks "$pid")
    if [[ -n "$ticks" ]] && ((ticks >= secs * hz)); then
      kill -USR1 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  wait "$shell" || status=$?
  wall=$(( ($(date +%s%N) - start) / 1000000 ))
  # times: the shell's own line, then its children's: "0m12.345s 0m0.678s"
  cpu=$(sed -n 2p "$work/times" | awk '{
      split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2)
  wall=$(awk -v ms="$wall" 'BEGIN { printf "%.1f", ms / 1000 }')
  local figures="${runs:-?} runs, ${cpu:-?} s CPU (${wall} s wall), cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?}"
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if ((status == 0)) && [[ -z "$artifact" ]]; then
    echo "ok - fuzz_$t: $figures, no crash"
    echo "ok" >"$tmp/$t.result"
  else
    what=$(grep -m 1 -o -E 'ERROR: [A-Za-z]+(Sanitizer|libFuzzer): [^(]*|runtime error: .*|property broken: .*' "$log" || true)
    echo "not ok - fuzz_$t: ${what:-exit status $status}: $figures; input ${artifact:-none saved} (log $log)"
    echo "fail" >"$tmp/$t.result"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$(<"$tmp/$t.result")" "${runs:-}" "${cpu:-}" "$wall" \
    "${cov:-}" "${ft:-}" "${corp:-}" >"$tmp/$t.tsv"
}

echo "# fuzz.sh: ${#targets[@]} targets, $secs s of CPU time each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
wait

passed=0
failed=0
printf 'target\tresult\truns\tcpu_s\twall_s\tcov\tft\tcorpus\n' >"$out/fuzz-results.tsv"
for t in "${targets[@]}"; do
  if [[ "$(cat "$tmp/$t.result" 2>/dev/null)" == ok ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    [[ -f $tmp/$t.result ]] || echo "not ok - fuzz_$t: did not report"
  fi
  cat "$tmp/$t.tsv" >>"$out/fuzz-results.tsv" 2>/dev/null || true
done
echo "$passed passed, $failed failed"
((failed == 0))
