#!/usr/bin/env bash
# setup.sh - install the Debian packages netlab needs (only the missing ones) and build it into build/.
# Usage: scripts/setup.sh [--sanitize | --fuzz | --vm]
#   --sanitize: build the ASan + UBSan tree build-sanitize/ instead (-DNETLAB_SANITIZE=ON, gcc;
#               what `scripts/test.sh --sanitize` runs), with gcc's sanitizer runtimes installed too.
#   --fuzz:     build the libFuzzer targets of fuzz/ into build-fuzz/ instead (-DNETLAB_FUZZ=ON,
#               clang; what `scripts/fuzz.sh` runs), with clang and libFuzzer installed too.
#   --vm:       install what scripts/vm.sh needs (qemu, busybox-static, kmod, xz-utils, cpio) and
#               fill its kernel cache (scripts/vm/prepare.sh: Debian 12's stock kernel, unpacked,
#               never installed); builds nothing. A second run only checks.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize=0
fuzz=0
vm=0
case "${1:-}" in
  "") ;;
  --sanitize) sanitize=1 ;;
  --fuzz) fuzz=1 ;;
  --vm) vm=1 ;;
  *) echo "usage: scripts/setup.sh [--sanitize | --fuzz | --vm]" >&2; exit 2 ;;
esac

# Build: cmake pkg-config liblua5.4-dev lua5.4 libmnl-dev libnftnl-dev libsodium-dev (wireguard
# keys) (luarocks for the rockspec).
# The suite (scripts/test.sh): busted and the Lua libraries its support modules use (lua-dkjson,
# lua-system), and every program a spec runs: ip (iproute2), nft (nftables), ping (iputils-ping),
# python3, strace, dot (graphviz), pgrep (procps), nsenter and unshare (util-linux), script
# (bsdutils), timeout, sleep, readlink, ls, cat, stat, head ... (coreutils), sh (dash), bash, wg
# (wireguard-tools); test.sh itself: grep, sed, awk (mawk). And newuidmap, newgidmap (uidmap): a
# rootless lab maps the user's /etc/subuid range with them.
packages=(cmake pkg-config liblua5.4-dev lua5.4 libmnl-dev libnftnl-dev libsodium-dev luarocks
          lua-busted lua-dkjson lua-system iproute2 iputils-ping nftables python3 graphviz
          strace procps util-linux bsdutils coreutils dash bash grep sed mawk uidmap)
# Installed without the recommended packages: wireguard-tools recommends the kernel module,
# which apt satisfies with a whole kernel image (and initramfs tooling, and a newer systemd).
bare=(wireguard-tools)
# Routing daemons the routing-lab examples run inside nodes (scripts/examples/ospf-ring*.lua,
# spec/ospf_spec.lua): BIRD 2 and FRR. Debian's packages enable and start bird.service and
# frr.service on install: a routing daemon on the real host, speaking on its interfaces, that
# nobody asked for (and holding /run/bird, /run/frr). They are installed with service starts
# denied (see below) and, where systemd runs, with the units they enabled disabled again.
daemons=(bird2 frr)
# The sanitized build: gcc and its ASan and UBSan runtimes (Debian 12's gcc-12 pulls them in
# through libgcc-12-dev), and patchelf, which makes the tree's lua5.4 load them (CMakeLists.txt).
if ((sanitize)); then
  packages+=(gcc libasan8 libubsan1 patchelf)
fi
# The fuzz build: clang, with its sanitizer runtimes, and libFuzzer.
if ((fuzz)); then
  packages+=(clang libfuzzer-14-dev)
fi
# The VM (scripts/vm.sh) and its cache: qemu-system-x86_64, a static busybox for the initramfs,
# depmod (kmod; also the guest's modprobe, which runs the host's), xz for the kernel image, cpio;
# apt-get download and dpkg-deb fetch and unpack the kernel. Installed without the recommended
# packages: qemu's are a GUI, OVMF and block drivers.
install_opts=()
if ((vm)); then
  packages=(qemu-system-x86 busybox-static kmod xz-utils cpio coreutils grep sed)
  install_opts=(--no-install-recommends)
  bare=()
  daemons=()
fi

# dpkg-query fails for unknown packages and prints e.g. "deinstall ok config-files"
# for removed ones: only "install ok installed" counts.
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
missing_bare=()
for p in "${bare[@]}"; do
  installed "$p" || missing_bare+=("$p")
done
missing_daemons=()
for p in "${daemons[@]}"; do
  installed "$p" || missing_daemons+=("$p")
done

sudo=()
if ((EUID != 0)) && command -v sudo >/dev/null; then
  sudo=(sudo)
fi
if ((${#missing[@]} + ${#missing_bare[@]} + ${#missing_daemons[@]})); then
  if ((EUID != 0 && ${#sudo[@]} == 0)); then
    echo "setup.sh: missing packages (${missing[*]} ${missing_bare[*]} ${missing_daemons[*]}) and not root, and sudo is not available" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]} ${missing_bare[*]} ${missing_daemons[*]}"
  # another apt-get (a second clone's setup, unattended upgrades) holds dpkg's lock: wait for it
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  if ((${#missing[@]})); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      "${install_opts[@]}" "${missing[@]}" >/dev/null
  fi
  if ((${#missing_bare[@]})); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${missing_bare[@]}" >/dev/null
  fi
  if ((${#missing_daemons[@]})); then
    # The daemons only ever run inside a lab's nodes, never as the host's services. Debian's way
    # to keep a package's maintainer scripts from starting its service: /usr/sbin/policy-rc.d
    # exiting 101 ("action forbidden"), which invoke-rc.d and deb-systemd-invoke obey. Ours lives
    # only for this apt-get (removed on any exit by the trap); one already there (a container's,
    # an admin's) is theirs and stays untouched. Without recommends: frr-pythontools (frr-reload)
    # is not needed.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [[ ! -e "$policy" ]]; then
      trap '"${sudo[@]}" rm -f "$policy"' EXIT
      printf '#!/bin/sh\n# scripts/setup.sh of netlab: no service starts while it installs routing daemons\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
      "${sudo[@]}" chmod 0755 "$policy"
      own_policy=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${missing_daemons[@]}" >/dev/null
    if ((own_policy)); then
      "${sudo[@]}" rm -f "$policy"
      trap - EXIT
    fi
    # policy-rc.d stops the start, not the enabling: under systemd the units would start at the
    # next boot. Disable (and stop, in case a policy-rc.d of someone else's let them start) only
    # the units of the packages installed just now; a host that already ran them keeps them.
    if [[ -d /run/systemd/system ]]; then
      units=()
      for p in "${missing_daemons[@]}"; do
        case "$p" in
          bird2) units+=(bird.service) ;;
          frr) units+=(frr.service) ;;
        esac
      done
      for u in "${units[@]}"; do
        if systemctl is-enabled --quiet "$u" 2>/dev/null || systemctl is-active --quiet "$u" 2>/dev/null; then
          "${sudo[@]}" systemctl disable --now --quiet "$u"
        fi
      done
    fi
  fi
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

if ((vm)); then
  # apt-get download needs package lists: a machine that never ran apt-get update has none (3).
  status=0
  bash scripts/vm/prepare.sh >/dev/null || status=$?
  if ((status == 3)); then
    "${sudo[@]}" apt-get update -qq
    bash scripts/vm/prepare.sh >/dev/null
  elif ((status != 0)); then
    exit "$status"
  fi
  echo "setup.sh: the VM's kernel cache is ready ($(readlink "${NETLAB_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-vm}/current"))"
elif ((sanitize)); then
  build build-sanitize "build-sanitize/netlab and build-sanitize/netns.so" -DNETLAB_SANITIZE=ON -DCMAKE_C_COMPILER=gcc
elif ((fuzz)); then
  build build-fuzz "the fuzz targets in build-fuzz/fuzz/" -DNETLAB_FUZZ=ON -DCMAKE_C_COMPILER=clang
else
  build build "build/netlab and build/netns.so"
fi
