#!/usr/bin/env bash
# vm.sh - run a command as root under Debian 12's stock kernel in a throwaway VM, for what this
# machine's kernel lacks (netem, vlan, vrf, dummy, bond, gre, wireguard ...).
# Usage: scripts/vm.sh [--timeout SECONDS] CMD [ARG...]
#   qemu-system-x86_64 (KVM when it really works here, tried once per boot, else TCG; NETLAB_VM_ACCEL=kvm|tcg
#   decides; 2 CPUs, 2 GiB, no network but lo)
#   boots the kernel of the cache scripts/vm/prepare.sh fills (scripts/setup.sh --vm; run from here
#   when the cache is missing or stale), with the busybox initramfs of scripts/vm/initramfs.sh. Its
#   /init (scripts/vm/init) mounts this machine's / read-only over 9p under a tmpfs overlay (the
#   guest writes what it likes, nothing reaches the host), with the kernel's own modules on
#   /lib/modules/VERSION (so netem, vlan ... autoload), and runs CMD there in the caller's
#   directory, with PATH, HOME, TERM, LANG and every NETLAB_* variable of the caller.
#   CMD's stdout and stderr come out on ours as it writes them (through a second, writable 9p share,
#   a temporary directory here); the exit status is CMD's. The VM is ended after SECONDS
#   (default $NETLAB_VM_TIMEOUT, else 1800): then the status is 124; when the VM ends without
#   CMD's exit status (it did not boot, or a module or a share was missing) it is 125, with the
#   last lines of its console.
#   The cache: ${NETLAB_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-vm} (see vm/prepare.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

secs=${NETLAB_VM_TIMEOUT:-1800}
if [[ "${1:-}" == --timeout ]]; then
  secs=${2:-}
  shift 2 || true
fi
if [[ ! "$secs" =~ ^[0-9]+$ ]] || (($# == 0)); then
  echo "usage: scripts/vm.sh [--timeout SECONDS] CMD [ARG...]" >&2
  exit 2
fi

# The cache is ready when prepare.sh finished it, with an initramfs of the init and initramfs.sh
# we have here.
cache=${NETLAB_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-vm}
if [[ "$cache" != /* ]]; then
  echo "${0##*/}: NETLAB_VM_CACHE must be an absolute path, not $cache" >&2
  exit 2
fi
stamp=$(cat "$here/vm/init" "$here/vm/initramfs.sh" | sha256sum | cut -c1-16)
if [[ ! -e "$cache/current/ready" || ! -e "$cache/current/initramfs-$stamp.cpio" ]] ||
  ! command -v qemu-system-x86_64 >/dev/null; then
  echo "vm.sh: preparing the kernel cache (scripts/setup.sh --vm)" >&2
  bash "$here/setup.sh" --vm >&2
fi
dir=$(cd "$cache/current" && pwd -P)
version=${dir##*/}

# KVM when it works, else TCG. A /dev/kvm that opens is not enough: under nested virtualisation
# (a VM in a cloud VM) a KVM guest can hang in its first instructions, and qemu does not fall back.
# So KVM is tried once per boot of this machine: the kernel alone, which prints its banner within
# seconds and then panics for want of a root (the answer is kept in the cache, by boot id).
# NETLAB_VM_ACCEL=kvm or tcg skips the trial.
kvm_works() {
  [[ -r /dev/kvm && -w /dev/kvm ]] || return 1
  local boot mark log answer
  boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
  mark="$cache/kvm-$boot"
  if [[ ! -e "$mark" ]]; then
    log=$(mktemp "${TMPDIR:-/tmp}/netlab-kvm.XXXXXX")
    timeout -k 2 20 qemu-system-x86_64 -accel kvm -m 256 -nographic -nodefaults -no-reboot \
      -monitor none -nic none -serial "file:$log" -kernel "$dir/vmlinux" \
      -append "console=ttyS0 panic=-1 root=/dev/nonexistent" </dev/null >/dev/null 2>&1 || true
    answer=no
    if grep -q "Linux version" "$log"; then answer=yes; fi
    rm -f "$log" "$cache"/kvm-*
    echo "$answer" >"$mark"
  fi
  [[ "$(cat "$mark")" == yes ]]
}
case ${NETLAB_VM_ACCEL:-} in
  kvm) accel=(-accel kvm) ;;
  tcg) accel=(-accel tcg) ;;
  "") if kvm_works; then accel=(-accel kvm); else accel=(-accel tcg); fi ;;
  *) echo "vm.sh: NETLAB_VM_ACCEL must be kvm or tcg, not '$NETLAB_VM_ACCEL'" >&2; exit 2 ;;
esac

res=$(mktemp -d "${TMPDIR:-/tmp}/netlab-vm.XXXXXX")
qpid=
tails=()
cleanup() {
  if [[ -n "$qpid" ]]; then kill "$qpid" 2>/dev/null || true; fi
  if ((${#tails[@]})); then kill "${tails[@]}" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$res"
}
trap cleanup EXIT
trap 'echo "vm.sh: interrupted" >&2; exit 130' INT TERM HUP

# vm.conf is read by busybox sh: values in single quotes. run.sh is read by bash: printf %q.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "version=$(sq "$version")"
  echo "moddir=$(sq "$dir/root/lib/modules/$version")"
  echo "cwd=$(sq "$PWD")"
} >"$res/vm.conf"
{
  for name in PATH HOME TERM LANG $(compgen -e | grep '^NETLAB_' || true); do
    if [[ -n "${!name+set}" ]]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
  done
  printf 'cd -- %q || exit 125\n' "$PWD"
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} >"$res/run.sh"
: >"$res/stdout"
: >"$res/stderr"

# timeout ends qemu (SIGTERM, then SIGKILL 10 s later); the trap above ends timeout.
timeout -k 10 "$secs" qemu-system-x86_64 \
  "${accel[@]}" -m 2048 -smp 2 \
  -nographic -nodefaults -no-reboot -monitor none -nic none \
  -serial "file:$res/console.log" \
  -kernel "$dir/vmlinux" -initrd "$dir/initramfs-$stamp.cpio" \
  -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$res,mount_tag=results,security_model=none" \
  </dev/null >"$res/qemu.log" 2>&1 &
qpid=$!

# CMD's output as the guest writes it; each tail ends once qemu has (and has read all of it).
tail -q -n +1 -s 0.2 -f --pid="$qpid" "$res/stdout" &
tails+=($!)
tail -q -n +1 -s 0.2 -f --pid="$qpid" "$res/stderr" >&2 &
tails+=($!)

set +e
wait "$qpid"
qstatus=$?
set -e
qpid=
wait "${tails[@]}" 2>/dev/null || true
tails=()

if ((qstatus == 124)); then
  echo "vm.sh: timed out after $secs s: the VM was ended" >&2
  exit 124
fi
status=$(cat "$res/status" 2>/dev/null || true)
if [[ ! "$status" =~ ^[0-9]+$ ]]; then
  echo "vm.sh: the VM ended without the command's exit status (qemu exited $qstatus)" >&2
  sed 's/^/vm.sh: qemu: /' "$res/qemu.log" >&2
  tail -n 20 "$res/console.log" 2>/dev/null | sed 's/^/vm.sh: console: /' >&2
  exit 125
fi
exit "$status"
