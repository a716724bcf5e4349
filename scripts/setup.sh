#!/usr/bin/env bash
# setup.sh - install the Debian packages netlab needs (only the missing ones) and build it into build/.
# Usage: scripts/setup.sh [--sanitize | --fuzz]
#   --sanitize: build the ASan + UBSan tree build-sanitize/ instead (-DNETLAB_SANITIZE=ON, gcc;
#               what `scripts/test.sh --sanitize` runs), with gcc's sanitizer runtimes installed too.
#   --fuzz:     build the libFuzzer targets of fuzz/ into build-fuzz/ instead (-DNETLAB_FUZZ=ON,
#               clang; what `scripts/fuzz.sh` runs), with clang and libFuzzer installed too.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize=0
fuzz=0
case "${1:-}" in
  "") ;;
  --sanitize) sanitize=1 ;;
  --fuzz) fuzz=1 ;;
  *) echo "usage: scripts/setup.sh [--sanitize | --fuzz]" >&2; exit 2 ;;
esac

# Build: cmake pkg-config liblua5.4-dev lua5.4 libmnl-dev libnftnl-dev (luarocks for the rockspec).
# The suite (scripts/test.sh): busted and the Lua libraries its support modules use (lua-dkjson,
# lua-system), and every program a spec runs: ip (iproute2), nft (nftables), ping (iputils-ping),
# python3, strace, dot (graphviz), pgrep (procps), nsenter and unshare (util-linux), script
# (bsdutils), timeout, sleep, readlink, ls, cat, stat, head ... (coreutils), sh (dash), bash;
# test.sh itself: grep, sed, awk (mawk).
packages=(cmake pkg-config liblua5.4-dev lua5.4 libmnl-dev libnftnl-dev luarocks
          lua-busted lua-dkjson lua-system iproute2 iputils-ping nftables python3 graphviz
          strace procps util-linux bsdutils coreutils dash bash grep sed mawk)
# The sanitized build: gcc and its ASan and UBSan runtimes (Debian 12's gcc-12 pulls them in
# through libgcc-12-dev), and patchelf, which makes the tree's lua5.4 load them (CMakeLists.txt).
if ((sanitize)); then
  packages+=(gcc libasan8 libubsan1 patchelf)
fi
# The fuzz build: clang, with its sanitizer runtimes, and libFuzzer.
if ((fuzz)); then
  packages+=(clang libfuzzer-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  # dpkg-query fails for unknown packages and prints e.g. "deinstall ok config-files"
  # for removed ones: only "install ok installed" counts.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if ((EUID == 0)); then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "setup.sh: missing packages (${missing[*]}) and not root, and sudo is not available" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The build log is shown only when it has something to say: a failure or a warning.
build() { # build DIR WHAT [cmake options]
  local dir=$1 what=$2
  shift 2
  cmake -S . -B "$dir" "$@" >/dev/null
  if ! cmake --build "$dir" -j2 >"$dir/build.log" 2>&1; then
    cat "$dir/build.log" >&2
    echo "setup.sh: build failed" >&2
    exit 1
  fi
  if grep -q 'warning:' "$dir/build.log"; then
    cat "$dir/build.log" >&2
  fi
  echo "setup.sh: built $what"
}

if ((sanitize)); then
  build build-sanitize "build-sanitize/netlab and build-sanitize/netns.so" -DNETLAB_SANITIZE=ON -DCMAKE_C_COMPILER=gcc
elif ((fuzz)); then
  build build-fuzz "the fuzz targets in build-fuzz/fuzz/" -DNETLAB_FUZZ=ON -DCMAKE_C_COMPILER=clang
else
  build build "build/netlab and build/netns.so"
fi
