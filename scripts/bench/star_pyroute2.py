#!/usr/bin/python3
"""star_pyroute2.py - the benchmark's N-node star with pyroute2 (Debian's python3-pyroute2).

usage: /usr/bin/python3 star_pyroute2.py setup|teardown N [prefix]   (root, private namespace)

The same star as baselines/topo_mnl.c, written the way pyroute2's
documentation shows: IPRoute in the host, a NetNS object per namespace.
Prints setup_ms= / teardown_ms= like the baselines.
"""
import sys
import time

from pyroute2 import IPRoute, NetNS, netns


def addr(i):
    return "10.250.%d.%d" % ((i + 1) // 256, (i + 1) % 256)


def setup(n, p):
    ipr = IPRoute()
    br = p + "br0"
    ipr.link("add", ifname=br, kind="bridge")
    bri = ipr.link_lookup(ifname=br)[0]
    ipr.addr("add", index=bri, address="10.250.0.1", mask=16)
    ipr.link("set", index=bri, state="up")
    for i in range(1, n + 1):
        name = p + str(i)
        netns.create(name)
        host_end = p + "h" + str(i)
        ipr.link("add", ifname=host_end, kind="veth",
                 peer={"ifname": "eth0", "net_ns_fd": name})
        hi = ipr.link_lookup(ifname=host_end)[0]
        ipr.link("set", index=hi, master=bri, state="up")
        ns = NetNS(name)
        try:
            eth0 = ns.link_lookup(ifname="eth0")[0]
            lo = ns.link_lookup(ifname="lo")[0]
            ns.link("set", index=lo, state="up")
            ns.link("set", index=eth0, state="up")
            ns.addr("add", index=eth0, address=addr(i), mask=16)
            ns.route("add", dst="0.0.0.0/0", gateway="10.250.0.1")
        finally:
            ns.close()
    ipr.close()


def teardown(n, p):
    for i in range(1, n + 1):
        netns.remove(p + str(i))
    ipr = IPRoute()
    ipr.link("del", index=ipr.link_lookup(ifname=p + "br0")[0])
    ipr.close()


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("setup", "teardown"):
        sys.stderr.write("usage: star_pyroute2.py setup|teardown N [prefix]\n")
        sys.exit(2)
    cmd, n = sys.argv[1], int(sys.argv[2])
    p = sys.argv[3] if len(sys.argv) > 3 else "pyrx"
    t0 = time.monotonic()
    (setup if cmd == "setup" else teardown)(n, p)
    print("%s_ms=%.2f" % (cmd, (time.monotonic() - t0) * 1e3))


if __name__ == "__main__":
    main()
