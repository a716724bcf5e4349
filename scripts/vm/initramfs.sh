#!/usr/bin/env bash
# vm/initramfs.sh - the initramfs scripts/vm.sh boots: busybox (Debian's busybox-static), the
# modules needed to reach the host's filesystem (virtio PCI, 9p over virtio, overlayfs) with
# everything they depend on, and scripts/vm/init as /init.
# Usage: scripts/vm/initramfs.sh MODULES_DIR OUT.cpio   (MODULES_DIR: an unpacked lib/modules/VERSION
#        with its modules.dep; run by scripts/vm/prepare.sh)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
moddir=$1
out=$2

# What init loads, in this order; each one's dependencies go before it (from modules.dep).
wanted=(virtio_pci 9pnet_virtio 9p overlay)

busybox=/bin/busybox
if ! "$busybox" --help >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
  echo "initramfs.sh: $busybox is missing or not static (install busybox-static)" >&2
  exit 1
fi

# modules.dep: "kernel/fs/9p/9p.ko: kernel/fs/netfs/netfs.ko kernel/net/9p/9pnet.ko ..."
declare -A path_of deps_of
while IFS= read -r line; do
  mod=${line%%:*}
  name=${mod##*/}
  name=${name%.ko*}
  path_of[$name]=$mod
  deps_of[$name]=${line#*:}
done <"$moddir/modules.dep"

order=()
declare -A seen
add() { # add NAME: its dependencies first, then itself, each once
  local name=$1 dep
  [[ -n "${seen[$name]:-}" ]] && return
  seen[$name]=1
  if [[ -z "${path_of[$name]:-}" ]]; then
    # built into the kernel: nothing to load
    if grep -q "/$name\.ko" "$moddir/modules.builtin"; then return; fi
    echo "initramfs.sh: no module $name in $moddir" >&2
    exit 1
  fi
  for dep in ${deps_of[$name]}; do
    dep=${dep##*/}
    add "${dep%.ko*}"
  done
  order+=("$name")
}
for m in "${wanted[@]}"; do
  add "${m//-/_}"
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,modules,lower,upper,newroot,results}
cp "$busybox" "$stage/bin/busybox"
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
# /dev/console comes from the kernel's own built-in initramfs, unpacked before this one.
for name in "${order[@]}"; do
  cp "$moddir/${path_of[$name]}" "$stage/modules/$name.ko"
  echo "$name" >>"$stage/modules/order"
done

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs.sh: $out: busybox, /init, modules ${order[*]}"
