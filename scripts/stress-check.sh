#!/usr/bin/env bash
# stress-check.sh - the suite, N times in a row (default 5), in a fresh clone, on a loaded machine.
# Usage: scripts/stress-check.sh [-s SOURCE] [N]
#   SOURCE: the repository to clone (default: the one this script is in); its HEAD commit is
#   tested, so commit first: uncommitted work is not in a clone.
# While the runs go, `stress-ng --cpu 2` keeps two CPUs busy. Each run is the README's test
# command (scripts/test.sh); its final line is reported, then a verdict. Exits 1 if any run
# failed. Needs root (as the suite does); installs stress-ng and git when they are missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_repo=$here
runs=5

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    -s|--source) source_repo=${2:?"$1 needs a directory"}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *[!0-9]*|'') echo "stress-check.sh: not a number of runs: '$1'" >&2; usage >&2; exit 2 ;;
    *) runs=$1; shift ;;
  esac
done
((runs >= 1)) || { echo "stress-check.sh: at least one run" >&2; exit 2; }

if ((EUID != 0)); then
  echo "stress-check.sh: needs root (the suite creates network namespaces)" >&2
  exit 1
fi

missing=()
for p in stress-ng git; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "stress-check.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

commit=$(git -C "$source_repo" rev-parse HEAD)
if [[ -n "$(git -C "$source_repo" status --porcelain --untracked-files=no)" ]]; then
  echo "stress-check.sh: note: $source_repo has uncommitted changes; testing its HEAD ($commit) only"
fi

work=$(mktemp -d /tmp/netlab-stress.XXXXXX)
stress_pid=
cleanup() {
  if [[ -n "$stress_pid" ]]; then
    kill -TERM "$stress_pid" 2>/dev/null || true
    wait "$stress_pid" 2>/dev/null || true
  fi
  rm -rf "$work/repo"
}
trap cleanup EXIT

git clone -q --no-checkout "$source_repo" "$work/repo"
git -C "$work/repo" -c advice.detachedHead=false checkout -q "$commit"
echo "stress-check.sh: $runs runs of scripts/test.sh in a fresh clone of $source_repo at $commit"

# the load: two CPU hogs, from before the first run to after the last
stress-ng --cpu 2 --quiet &
stress_pid=$!
sleep 1
if ! kill -0 "$stress_pid" 2>/dev/null; then
  echo "stress-check.sh: stress-ng did not start" >&2
  exit 1
fi
echo "stress-check.sh: stress-ng --cpu 2 running (pid $stress_pid); logs in $work"

finals=() failed_runs=0
for ((i = 1; i <= runs; i++)); do
  log="$work/run-$i.log"
  start=$SECONDS
  set +e
  (cd "$work/repo" && bash scripts/test.sh) >"$log" 2>&1
  status=$?
  set -e
  final=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
  [[ -n "$final" ]] || final="(no final line; exit status $status)"
  verdict=ok
  if ((status != 0)); then
    failed_runs=$((failed_runs + 1))
    verdict=FAILED
  fi
  finals+=("run $i: $final ($verdict, $((SECONDS - start)) s)")
  echo "run $i: $final ($verdict, $((SECONDS - start)) s)"
  grep -E '^not ok' "$log" | sed 's/^/    /' || true
done

echo
echo "stress-check.sh: under stress-ng --cpu 2, at $commit:"
printf '  %s\n' "${finals[@]}"
if ((failed_runs)); then
  echo "stress-check.sh: FAILED: $failed_runs of $runs runs failed (logs in $work)"
  exit 1
fi
echo "stress-check.sh: PASSED: $runs of $runs runs passed"
rm -rf "$work"
