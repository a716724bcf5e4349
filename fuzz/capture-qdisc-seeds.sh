#!/usr/bin/env bash
# capture-qdisc-seeds.sh - regenerate the seeds of fuzz/corpus/qdisc: real tbf records (tc makes
# four tbf qdiscs in a throwaway network namespace, never the host's, and a dump writes the
# kernel's answer as KIND-N and tbf-all), and netem records built by hand as the kernel's
# netem_dump lays them out (netem-*: this project's kernel has no sch_netem to capture from).
# Needs root, tc and python3. Files of the same name are replaced; others stay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=fuzz/corpus/qdisc
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/dump.py" <<'PY'
# an RTM_GETQDISC dump: each record as KIND-N, all of them as tbf-all
import os, socket, struct, sys
out = sys.argv[1]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
s.send(struct.pack("=LHHLL", 36, 38, 0x301, 1, 0) + struct.pack("=BxxxiIII", 0, 0, 0, 0, 0))
msgs, done = [], False
while not done:
    buf, off = s.recv(65536), 0
    while off + 16 <= len(buf):
        ln, ty = struct.unpack_from("=LH", buf, off)
        if ty == 3:
            done = True
            break
        msgs.append(buf[off:off + ln])
        off += (ln + 3) & ~3
allb = b""
for i, m in enumerate(msgs):
    kind = m[40:].split(b"\0")[0].decode()
    open(os.path.join(out, f"{kind}-{i}"), "wb").write(m)
    allb += m + b"\0" * (((len(m) + 3) & ~3) - len(m))
open(os.path.join(out, "tbf-all"), "wb").write(allb)
print(f"capture: {len(msgs)} qdisc records")
PY
unshare --net bash -c '
set -e
ip link set lo up
for i in 0 1 2; do
  ip link add d$i type veth peer e$i
  ip link set d$i up
  ip link set e$i up
done
tc qdisc add dev lo root tbf rate 1mbit burst 32kbit latency 400ms
tc qdisc add dev d0 root handle 1: tbf rate 100gbit burst 1mb limit 10000000 peakrate 120gbit mtu 65000 mpu 64 overhead 14
tc qdisc add dev d1 root tbf rate 40gbit burst 4000mb latency 5ms
tc qdisc add dev d2 root handle 8: tbf rate 8bit burst 1500 limit 1500
ping -c 3 -i 0.01 -q 127.0.0.1 >/dev/null
python3 "$1/dump.py" "$2"' capture "$tmp" "$out"

python3 - "$out" <<'PY'
import struct, sys, os
out = sys.argv[1]
def attr(t, p):
    a = struct.pack("=HH", 4 + len(p), t) + p
    return a + b"\0" * (((len(a) + 3) & ~3) - len(a))
def record(opts_head, opts_attrs, ifindex=2, handle=0x80010000, parent=0xffffffff, loss_nest=None):
    body = struct.pack("=BxxxiIII", 0, ifindex, handle, parent, 2)
    body += attr(1, b"netem\0")
    body += attr(2, opts_head + b"".join(opts_attrs))
    stats2 = attr(1, struct.pack("=QIxxxx", 123456, 789)) + attr(3, struct.pack("=IIIII", 1, 1514, 3, 0, 0))
    body += attr(7, stats2)
    body += attr(12, b"\0")  # TCA_HW_OFFLOAD
    return struct.pack("=LHHLL", 16 + len(body), 36, 2, 1, 0) + body
def qopt(latency=0, limit=1000, loss=0, gap=0, dup=0, jitter=0):
    return struct.pack("=IIIIII", latency, limit, loss, gap, dup, jitter)
P = lambda pct: round(pct / 100 * 0xffffffff)
T = lambda us: int(us * 15.625)  # ticks of 64 ns
recs = {
 # tc qdisc add dev X root netem delay 100ms 10ms 25% distribution normal
 "netem-delay": record(qopt(T(100000), 1000, 0, 0, 0, T(10000)),
    [attr(1, struct.pack("=III", P(25), 0, 0)), attr(10, struct.pack("=q", 100000000)), attr(11, struct.pack("=q", 10000000))]),
 # loss 1.5% 25% duplicate 1% corrupt 0.1% reorder 25% 50% gap 5 delay 10ms
 "netem-loss-reorder": record(qopt(T(10000), 2000, P(1.5), 5, P(1), 0),
    [attr(1, struct.pack("=III", 0, P(25), 0)), attr(3, struct.pack("=II", P(25), P(50))),
     attr(4, struct.pack("=II", P(0.1), 0))]),
 # loss gemodel 1% 10% 70% 0.1% ecn
 "netem-gemodel": record(qopt(),
    [attr(7, struct.pack("=I", 1)), attr(5 | 0x8000, attr(2, struct.pack("=IIII", P(1), P(10), P(30), P(0.1))))]),
 # loss state 5% 95% 10% 90% 0.1%
 "netem-state": record(qopt(),
    [attr(5 | 0x8000, attr(1, struct.pack("=IIIII", P(5), P(95), P(10), P(90), P(0.1))))]),
 # rate 100gbit -4 48 5 (rate64) slot 1ms 10ms packets 32 bytes 65536, seed
 "netem-rate-slot-seed": record(qopt(),
    [attr(6, struct.pack("=IiIi", 0xffffffff, -4, 48, 5)), attr(9, b"\0" * 4) [:0] + attr(8, struct.pack("=Q", 12500000000)),
     attr(12, struct.pack("=qqiiqq", 1000000, 10000000, 32, 65536, 0, 0)),
     attr(14, struct.pack("=Q", 0xffffffffffffffff))], handle=0x10000, parent=0x10001),
 # delay 5000s (does not fit 32-bit ticks: the 64-bit times alone)
 "netem-wide": record(qopt(0xffffffff, 1000, 0, 0, 0, 0),
    [attr(10, struct.pack("=q", 5000 * 10**9)), attr(11, struct.pack("=q", 4295 * 10**9))]),
}
allb = b""
for name, m in recs.items():
    open(os.path.join(out, name), "wb").write(m)
    allb += m
open(os.path.join(out, "netem-all"), "wb").write(allb)
PY
