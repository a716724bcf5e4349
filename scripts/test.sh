#!/usr/bin/env bash
# test.sh - build netlab, then run the busted suite (TAP) inside a private network + mount namespace and check it leaked nothing.
# Usage: scripts/test.sh [--sanitize | --vm] [busted args]   (default root: spec/)
#   --sanitize: the same suite against the ASan + UBSan build in build-sanitize/: busted, every
#               lua5.4 a spec starts and every netlab run with the sanitizers; a report from
#               any of them is a failed test (see scripts/sanitize/README.md).
#   --vm:       build here, then run the suite under Debian 12's stock kernel (scripts/vm.sh), for
#               what this kernel lacks: e.g. scripts/test.sh --vm --tags=netem. Inside, this script
#               runs as it does here (NETLAB_IN_VM=1: nothing installed, nothing built); its lines
#               come out prefixed "[vm] ", and the last line is the VM's count, unprefixed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

sanitize=()
if [[ "${1:-}" == --sanitize ]]; then
  sanitize=(--sanitize)
  shift
fi
vm=0
if [[ "${1:-}" == --vm ]]; then
  vm=1
  shift
fi
if ((vm && ${#sanitize[@]})) || [[ "${1:-}" == --sanitize ]]; then
  echo "test.sh: --sanitize and --vm do not go together" >&2
  exit 2
fi
rootless=0
if [[ "${1:-}" == --rootless ]]; then
  rootless=1
  shift
fi
if ((rootless && (vm || ${#sanitize[@]}))); then
  echo "test.sh: --rootless goes alone" >&2
  exit 2
fi

# --rootless: the suite again as an unprivileged throwaway user (uid 65534, nobody), root only in
# a user namespace of its own (unshare --map-root-user) with the same private network + mount
# namespace; a copy of the tree it can read (a clone may sit where it cannot, /root say). Specs
# that need the real root (other users, a cgroup of their own) skip, saying so
# (spec/support/rootless.lua, NETLAB_TEST_ROOTLESS).
if ((rootless)) && [[ -z "${NETLAB_TEST_ROOTLESS:-}" ]]; then
  bash scripts/setup.sh
  if ((EUID != 0)); then
    echo "test.sh: --rootless starts as root: it runs the suite as a throwaway user" >&2
    exit 1
  fi
  copy=$(mktemp -d /tmp/netlab-rootless.XXXXXX)
  trap 'rm -rf "$copy"' EXIT
  # the whole tree but the sanitized build, the user's own: it is root inside its namespace
  tar -C "$root" --exclude=./build-sanitize -cf - . | tar -C "$copy" -xf -
  # its running labs are listed in the copy too (not in /tmp/netlab-65534, left behind)
  mkdir -m 0700 "$copy/.xdg"
  chown -R 65534:65534 "$copy"
  chmod 0755 "$copy"
  mkdir -p /run/netns /run/netlab
  set +e
  # (a PATH the user can search: a directory it may not enter turns "no such program" into EACCES)
  (cd "$copy" && NETLAB_TEST_ROOTLESS=1 NETLAB_TEST_OUTER_NS=$(readlink /proc/self/ns/net) HOME="$copy" XDG_RUNTIME_DIR="$copy/.xdg" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    unshare --user --map-root-user --net --mount --propagation private bash "$copy/scripts/test.sh" "$@")
  status=$?
  exit $status
fi

# --vm, outside the VM: the native build (the guest sees this tree, build/ included, through its
# overlay), then this script again inside the VM. Its lines are marked; its count is ours.
if ((vm)) && [[ -z "${NETLAB_IN_VM:-}" ]]; then
  bash scripts/setup.sh
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  set +e
  NETLAB_IN_VM=1 bash scripts/vm.sh bash scripts/test.sh "$@" 2>&1 | tee "$log" | sed -u 's/^/[vm] /'
  status=${PIPESTATUS[0]}
  set -e
  count=$(tail -n 1 "$log")
  if [[ "$count" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]}
    failed=${BASH_REMATCH[2]}
    if ((status != 0 && failed == 0)); then
      echo "not ok - the suite in the VM exited $status with no failed test"
      failed=1
    fi
  else
    echo "not ok - the suite in the VM ended without its count (scripts/vm.sh exited $status)"
    passed=0
    failed=1
  fi
  echo "$passed passed, $failed failed"
  ((failed == 0))
  exit
fi

# Outside: build, then start over in fresh namespaces so nothing the suite
# does can reach the real host's network. NETLAB_TEST_OUTER_NS records the
# namespace we left, so the inner run can prove it really is elsewhere.
if [[ -z "${NETLAB_TEST_OUTER_NS:-}" ]]; then
  if [[ -z "${NETLAB_IN_VM:-}" ]]; then
    bash scripts/setup.sh "${sanitize[@]}"
  fi
  if ((EUID != 0)); then
    echo "test.sh: the suite needs root (it creates network namespaces)" >&2
    exit 1
  fi
  mkdir -p /run/netns /run/netlab
  NETLAB_TEST_OUTER_NS=$(readlink /proc/self/ns/net) \
    exec unshare --net --mount --propagation private bash "$root/scripts/test.sh" "${sanitize[@]}" "$@"
fi

if [[ "$(readlink /proc/self/ns/net)" == "$NETLAB_TEST_OUTER_NS" ]]; then
  echo "test.sh: refusing to run: not in a private network namespace" >&2
  exit 1
fi
unset NETLAB_TEST_OUTER_NS

# Namespaces made by the suite live only in this mount namespace: they vanish
# with it, and the host's /run/netns is never seen or touched.
mount -t tmpfs -o mode=0755 netlab-netns /run/netns
mount -t tmpfs -o mode=0755 netlab-run /run/netlab
ip link set lo up

export NETLAB_BIN="$root/build/netlab"
busted_args=()

# --sanitize: the sanitized netlab and netns.so (the busted process loads it,
# and every lua5.4 a spec starts gets busted's package.cpath), and the tree's
# lua5.4 first on the PATH: the system's, with the sanitizer runtimes linked
# in. Nothing is preloaded through the environment, so the ip, nft, python3,
# sh ... they start run without the runtimes. Every report goes to one
# directory, read after the run (scripts/sanitize/hooks.c sends UBSan's there).
if ((${#sanitize[@]})); then
  san=$root/build-sanitize
  reports=$san/reports
  rm -rf "$reports"
  mkdir -p "$reports"
  export NETLAB_BIN="$san/netlab"
  busted_args=("--cpath=$san/?.so")
  export PATH="$san/bin:$PATH"
  export NETLAB_SAN_REPORTS="$reports"
  export ASAN_OPTIONS="log_path=$reports/asan:log_exe_name=1:detect_leaks=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi

# .busted has the rest: Lua 5.4, the search paths (lua/, build/, the specs'
# support modules), the helper loaded once per run, TAP, and spec/ as the
# default root.
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT

set +e
busted --lua=lua5.4 -o TAP "${busted_args[@]}" "$@" | tee "$tap"
busted_status=${PIPESTATUS[0]}
set -e

passed=$(grep -c '^ok ' "$tap" || true)
skipped=$(grep -c '^ok [0-9]* - # SKIP' "$tap" || true)
failed=$(grep -c '^not ok ' "$tap" || true)
passed=$((passed - skipped))
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | tail -n 1)

report() { # report ok|fail message: one more test, in TAP's words
  if [[ $1 == ok ]]; then
    passed=$((passed + 1))
    echo "ok - $2"
  else
    failed=$((failed + 1))
    echo "not ok - $2"
  fi
}

# busted can die without reporting (its TAP handler crashes on a spec file
# with a syntax error): a missing or short plan is a failure of its own.
if [[ -z "$planned" ]]; then
  report fail "busted ran to completion (no TAP plan; exit status $busted_status)"
elif ((planned != passed + skipped + failed)); then
  report fail "busted ran to completion (plan 1..$planned, $((passed + skipped + failed)) results)"
elif ((busted_status != 0 && failed == 0)); then
  report fail "busted ran to completion (exit status $busted_status with no failed test)"
fi

left=$(ip netns list | awk '{ print $1 }' | tr '\n' ' ')
if [[ -z "$left" ]]; then
  report ok "leak check: no network namespace left"
else
  report fail "leak check: network namespaces left: ${left% }"
fi

# lo, and the fallback devices a tunnel module makes in every namespace once loaded (the VM loads
# them for the tunnel specs; they cannot be deleted)
left=$(ip -j link | grep -o '"ifname":"[^"]*"' | sed 's/"ifname":"\(.*\)"/\1/' |
  grep -vxE 'lo|gre0|gretap0|erspan0|tunl0|sit0|ip6tnl0|ip6gre0|ip_vti0|ip6_vti0' | tr '\n' ' ' || true)
if [[ -z "$left" ]]; then
  report ok "leak check: only lo left in the suite's namespace"
else
  report fail "leak check: links left in the suite's namespace: ${left% }"
fi

# the cgroups netlab makes for each command's tree of processes (netlab-PID-N):
# left behind when the process that made it is gone (one that still runs,
# e.g. another suite's on a shared machine, is using its own)
left=$(awk '/ - cgroup2 / { print $5 }' /proc/self/mountinfo |
  while read -r m; do find "$m" -maxdepth 3 -type d -name 'netlab-*' 2>/dev/null; done |
  while read -r d; do pid=${d##*/netlab-}; pid=${pid%%-*}; [[ -e /proc/$pid ]] || echo "$d"; done | tr '\n' ' ')
if [[ -z "$left" ]]; then
  report ok "leak check: no cgroup of netlab's left"
else
  report fail "leak check: cgroups left: ${left% }"
fi

# --sanitize: each report (ASan, LeakSanitizer, UBSan) of a sanitized process
# is a failed test, whatever the spec made of that process's exit status.
if ((${#sanitize[@]})); then
  found=0
  for f in "$reports"/*; do
    [[ -e "$f" ]] || continue
    found=$((found + 1))
    what=$(grep -m 1 -o -E '(ERROR|WARNING): [A-Za-z]*Sanitizer: .*' "$f" || true)
    report fail "sanitizer report ${f##*/}: ${what:-see below}"
    sed 's/^/# /' "$f"
  done
  if ((found == 0)); then
    report ok "sanitizers: no report from netns.so or netlab"
  fi
fi

if ((skipped)); then
  echo "# $skipped skipped"
fi
echo "$passed passed, $failed failed"
((failed == 0))
