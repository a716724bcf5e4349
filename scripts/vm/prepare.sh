#!/usr/bin/env bash
# vm/prepare.sh - fill the kernel cache scripts/vm.sh boots from: Debian 12's stock kernel
# (linux-image-amd64's real package, fetched with apt-get download, never installed), its modules
# with a modules.dep, the uncompressed vmlinux, and the busybox initramfs (scripts/vm/initramfs.sh).
# Usage: scripts/vm/prepare.sh   (run by scripts/setup.sh --vm, which installs the tools first)
#   Idempotent: a second run only checks that the cache is complete (and rebuilds the initramfs when
#   scripts/vm/init or scripts/vm/initramfs.sh changed). Prints the kernel directory on its last line.
#   Exit status 3: apt knows no linux-image-amd64 (no package lists yet: apt-get update).
#
# The cache: ${NETLAB_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-vm} (outside the checkout:
# every clone shares it and no clean step removes it; ~470 MB per kernel version):
#   VERSION/root/      the unpacked package (boot/vmlinuz-VERSION, lib/modules/VERSION/ + modules.dep)
#   VERSION/vmlinux    the ELF kernel: with CONFIG_PVH, `qemu -kernel vmlinux` boots it directly
#   VERSION/initramfs-HASH.cpio   HASH: of scripts/vm/init and initramfs.sh (see initramfs.sh)
#   VERSION/ready      written last: the kernel part is complete
#   current -> VERSION the kernel vm.sh boots
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${NETLAB_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-vm}
if [[ "$cache" != /* ]]; then
  echo "${0##*/}: NETLAB_VM_CACHE must be an absolute path, not $cache" >&2
  exit 2
fi
mkdir -p "$cache"

# Two preparations at once (two checkouts, two CI jobs) would unpack over each other.
exec 9>"$cache/lock"
flock 9

# linux-image-amd64 is a meta package: the kernel is the linux-image-6.1.0-NN-amd64 it depends on.
# When apt does not know it (no package lists yet), keep using the kernel we have.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
  sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1 || true)
if [[ -z "$pkg" ]]; then
  if [[ -e "$cache/current/ready" ]]; then
    pkg=linux-image-$(readlink "$cache/current")
    echo "prepare.sh: apt does not know linux-image-amd64; keeping ${pkg#linux-image-}" >&2
  else
    echo "prepare.sh: apt does not know linux-image-amd64 (run apt-get update)" >&2
    exit 3
  fi
fi
version=${pkg#linux-image-}
dir=$cache/$version

if [[ ! -e "$dir/ready" ]]; then
  echo "prepare.sh: fetching and unpacking $pkg into $dir"
  rm -rf "$dir"
  mkdir -p "$dir/download"
  # apt-get download writes into the current directory; as root, apt's sandbox user _apt cannot
  # write to it, which apt only warns about.
  (cd "$dir/download" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' >&2 || true)
  deb=$(ls "$dir/download"/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
  if [[ -z "$deb" ]]; then
    echo "prepare.sh: apt-get download $pkg gave no package" >&2
    exit 1
  fi
  dpkg-deb -x "$deb" "$dir/root"
  rm -rf "$dir/download"

  # The package has no modules.dep: depmod runs when it is installed, which we do not do.
  depmod -b "$dir/root" "$version"

  # vmlinuz is a bzImage: a boot stub, then the kernel as an xz stream (the kernel's
  # scripts/extract-vmlinux does the same): find the xz magic, decompress from there (xz stops at
  # the end of the stream and complains about what follows), and check that it is an ELF.
  vmlinuz=$dir/root/boot/vmlinuz-$version
  offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
  if [[ -z "$offset" ]]; then
    echo "prepare.sh: no xz stream in $vmlinuz" >&2
    exit 1
  fi
  tail -c +$((offset + 1)) "$vmlinuz" | xz -dc >"$dir/vmlinux.tmp" 2>/dev/null || true
  if [[ "$(head -c 4 "$dir/vmlinux.tmp" | od -An -c | tr -d ' ')" != '177ELF' ]]; then
    echo "prepare.sh: the xz stream of $vmlinuz is not an ELF kernel" >&2
    exit 1
  fi
  mv "$dir/vmlinux.tmp" "$dir/vmlinux"
  touch "$dir/ready"
fi

# The initramfs is made of scripts/vm/init and initramfs.sh: one per version of the two, named by
# their hash, so checkouts of different versions share the cache without undoing each other's.
stamp=$(cat "$here/init" "$here/initramfs.sh" | sha256sum | cut -c1-16)
if [[ ! -e "$dir/initramfs-$stamp.cpio" ]]; then
  bash "$here/initramfs.sh" "$dir/root/lib/modules/$version" "$dir/initramfs-$stamp.cpio"
fi

ln -sfn "$version" "$cache/current"
echo "$dir"
