#!/usr/bin/env python3
"""scripts/soak/state.py - what scripts/soak.sh compares after each round: the soak namespace's state.

  state.py baseline FILE --foreign-ns NAME
      records the state before the first round (JSON): the named namespaces (ip netns
      list, every file in /run/netns, the nsfs mounts), the links (here and in the
      foreign namespace), every nftables object, the journals, the sysctls a lab can
      change (net.ipv4.*, net.ipv6.* and net.core.* files, and conf/ of every link here).
  state.py check FILE --tag TAG --sleep PREFIX --self PID --pids PID[,PID...] [--wait S] [--restore]
      polls, up to S seconds, until nothing differs from FILE; then prints one line of
      counts "procs N netns N links N nft N journals N sysctls N foreign N cgroups N"
      and, on stderr, one "#" line per object counted. With --restore it then undoes
      what leaked (kills the processes, deletes the objects, writes the sysctls back)
      and exits 3 when a foreign object was lost (the caller makes them again and
      takes a new baseline).

Processes counted: every process whose environment carries NETLAB_SOAK=TAG (the soak
starts each netlab with it, and every process a lab starts inherits it), whose command
line is `sleep PREFIX...` (the duration every service of the soak's lab sleeps), or
that is in the soak's own network namespace or one under /run/netns without being the
soak (--self) or a process it started itself (whose parents lead to --self).
Cgroups counted: netlab-PID-N directories of the given netlab pids (--pids) in the soak's
cgroup, where netlab makes them.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def sh(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r.stdout


def read(path, binary=False):
    try:
        with open(path, "rb" if binary else "r") as f:
            return f.read()
    except OSError:
        return None


def ino(path):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


# ---------------------------------------------------------------------------
# the parts of the state


def netns_state():
    names = sorted(l.split()[0] for l in sh("ip", "netns", "list").splitlines() if l.strip())
    files = sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []
    mounts = []
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        if " - nsfs " in line:
            mounts.append(f[4])
    return {"names": names, "files": files, "mounts": sorted(mounts)}


def links(netns=None):
    argv = ["ip", "-j"] + (["-n", netns] if netns else []) + ["link"]
    out = sh(*argv, check=netns is None)
    return sorted("%s %d" % (l["ifname"], l["ifindex"]) for l in json.loads(out or "[]"))


def nft_objects():
    """every object of the ruleset, as 'kind family table [chain] name-or-handle'"""
    out = json.loads(sh("nft", "-j", "list", "ruleset") or '{"nftables": []}')
    objs = []
    for item in out.get("nftables", []):
        for kind, o in item.items():
            if kind == "metainfo":
                continue
            if kind == "table":
                objs.append("table %s %s" % (o["family"], o["name"]))
            elif kind == "rule":
                objs.append("rule %s %s %s #%d" % (o["family"], o["table"], o["chain"], o["handle"]))
            else:
                objs.append("%s %s %s %s" % (kind, o.get("family"), o.get("table"), o.get("name", o.get("handle"))))
    return sorted(objs)


def journals():
    d = "/run/netlab"
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def sysctls(link_names):
    keys = {}
    dirs = ["/proc/sys/net/ipv4", "/proc/sys/net/ipv6", "/proc/sys/net/core"]
    for fam in ("ipv4", "ipv6"):
        for dev in ["all", "default"] + link_names:
            dirs.append("/proc/sys/net/%s/conf/%s" % (fam, dev))
    for d in dirs:
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            continue
        for e in entries:
            p = os.path.join(d, e)
            if os.path.isfile(p):
                v = read(p)
                if v is not None:
                    keys[p] = v.strip()
    return keys


def own_netns():
    return ino("/proc/self/ns/net")


def state(foreign_ns):
    ln = links()
    return {
        "netns": netns_state(),
        "links": ln,
        "foreign_links": links(foreign_ns),
        "foreign_ns": {"name": foreign_ns, "inode": ino("/run/netns/" + foreign_ns)},
        "nft": nft_objects(),
        "journals": journals(),
        "sysctls": sysctls([l.split()[0] for l in ln]),
    }


# ---------------------------------------------------------------------------
# processes and cgroups


def ancestors_of(pid, parent):
    seen = set()
    while pid and pid not in seen:
        seen.add(pid)
        pid = parent.get(pid)
    return seen


def lab_processes(tag, sleep_prefix, self_pid, foreign_inode):
    """{pid: why} of every process the soak's labs started that still lives"""
    tagged = ("NETLAB_SOAK=%s" % tag).encode()
    want_cmd = b"sleep\0" + sleep_prefix.encode()
    lab_nets = {own_netns()}
    for f in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
        i = ino("/run/netns/" + f)
        if i and i != foreign_inode:
            lab_nets.add(i)
    parent, info = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        stat = read("/proc/%d/stat" % pid)
        if not stat:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        state_, ppid = rest[0], int(rest[1])
        parent[pid] = ppid
        info[pid] = state_
    mine = set()
    for pid in parent:
        # the soak itself and what it started (this scanner, its sleep, a netlab
        # while it runs): the pids whose chain of parents reaches the soak
        chain = ancestors_of(pid, parent)
        if self_pid in chain:
            mine.add(pid)
    found = {}
    for pid, st in info.items():
        if pid == os.getpid():
            continue
        env = read("/proc/%d/environ" % pid, binary=True) or b""
        cmd = read("/proc/%d/cmdline" % pid, binary=True) or b""
        why = None
        if tagged in env.split(b"\0"):
            why = "started by a lab (NETLAB_SOAK=%s)" % tag
        if why is None and cmd.startswith(want_cmd):
            why = "runs the lab's sleep"
        if why is None and pid not in mine:
            net = ino("/proc/%d/ns/net" % pid)
            if net in lab_nets:
                why = "in the soak's or a lab's network namespace"
        if why is None:
            continue
        shown = " ".join(a.decode(errors="replace") for a in cmd.split(b"\0") if a)
        shown = shown or "[%s]" % (read("/proc/%d/comm" % pid) or "?").strip()
        found[pid] = "%d (%s, state %s): %s" % (pid, shown, st, why)
    return found



def cgroup_base(self_pid):
    mnt = None
    for line in open("/proc/self/mountinfo"):
        if " - cgroup2 " in line:
            f = line.split()
            root, mnt = f[3], f[4]
            break
    if mnt is None:
        return None
    path = None
    for line in (read("/proc/%d/cgroup" % self_pid) or "").splitlines():
        if line.startswith("0::"):
            path = line[3:]
    if path is None:
        return None
    if root != "/" and path.startswith(root):
        path = path[len(root):]
    return mnt + path


def lab_cgroups(base, pids):
    """the cgroups netlab made for its commands (tree.c: netlab-PID-N, in its own cgroup)"""
    if not base or not pids:
        return []
    prefixes = tuple("netlab-%d-" % p for p in pids)
    try:
        return sorted(os.path.join(base, d) for d in os.listdir(base) if d.startswith(prefixes))
    except OSError:
        return []


# ---------------------------------------------------------------------------
# the comparison


def compare(base, now, procs, cgroups):
    """{column: [what, ...]}"""
    c = {k: [] for k in ("procs", "netns", "links", "nft", "journals", "sysctls", "foreign", "cgroups")}
    c["procs"] = sorted(procs.values())
    for part in ("names", "files", "mounts"):
        for x in sorted(set(now["netns"][part]) - set(base["netns"][part])):
            c["netns"].append("%s %s" % ({"names": "ip netns list:", "files": "/run/netns file", "mounts": "nsfs mount"}[part], x))
    c["links"] = ["link " + x for x in sorted(set(now["links"]) - set(base["links"]))]
    c["nft"] = sorted(set(now["nft"]) - set(base["nft"]))
    c["journals"] = ["/run/netlab/" + x for x in sorted(set(now["journals"]) - set(base["journals"]))]
    for k, v in base["sysctls"].items():
        if k in now["sysctls"] and now["sysctls"][k] != v:
            c["sysctls"].append("%s = %s (was %s)" % (k, now["sysctls"][k], v))
    fn = base["foreign_ns"]
    if now["foreign_ns"]["inode"] != fn["inode"]:
        c["foreign"].append("namespace %s (inode %s, now %s)" % (fn["name"], fn["inode"], now["foreign_ns"]["inode"]))
    c["foreign"] += ["link " + x for x in sorted(set(base["links"]) - set(now["links"]))]
    c["foreign"] += ["link in %s: %s" % (fn["name"], x) for x in sorted(set(base["foreign_links"]) - set(now["foreign_links"]))]
    c["foreign"] += ["nft " + x for x in sorted(set(base["nft"]) - set(now["nft"]))]
    c["cgroups"] = cgroups
    return c


def restore(base, c, procs, cgroups):
    lost = bool(c["foreign"])
    for pid in procs:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    t = time.monotonic() + 5
    while any(os.path.exists("/proc/%d" % p) and (read("/proc/%d/stat" % p) or "").split(") ")[-1][:1] != "Z"
              for p in procs) and time.monotonic() < t:
        time.sleep(0.02)
    now = state(base["foreign_ns"]["name"])
    # nftables: new tables whole, then what was added to tables that were there
    new_tables = set(x for x in set(now["nft"]) - set(base["nft"]) if x.startswith("table "))
    for x in sorted(new_tables):
        _, fam, name = x.split()
        sh("nft", "delete", "table", fam, name, check=False)
    in_new = lambda fam, table: ("table %s %s" % (fam, table)) in new_tables
    for x in sorted(set(now["nft"]) - set(base["nft"])):
        w = x.split()
        if w[0] == "rule" and not in_new(w[1], w[2]):
            sh("nft", "delete", "rule", w[1], w[2], w[3], "handle", w[4][1:], check=False)
    for x in sorted(set(now["nft"]) - set(base["nft"])):
        w = x.split()
        if w[0] not in ("table", "rule") and not in_new(w[1], w[2]):
            sh("nft", "delete", w[0], w[1], w[2], w[3], check=False)
    for x in sorted(set(now["netns"]["names"]) - set(base["netns"]["names"])):
        sh("ip", "netns", "del", x, check=False)
    for x in sorted(set(now["netns"]["mounts"]) - set(base["netns"]["mounts"])):
        sh("umount", x, check=False)
    for x in sorted(set(os.listdir("/run/netns")) - set(base["netns"]["files"])):
        try:
            os.unlink("/run/netns/" + x)
        except OSError:
            pass
    for x in sorted(set(now["links"]) - set(base["links"])):
        sh("ip", "link", "del", x.split()[0], check=False)
    for x in sorted(set(now["journals"]) - set(base["journals"])):
        try:
            os.unlink("/run/netlab/" + x)
        except OSError:
            pass
    for k, v in base["sysctls"].items():
        cur = read(k)
        if cur is not None and cur.strip() != v:
            try:
                with open(k, "w") as f:
                    f.write(v)
            except OSError as e:
                print("# restore: cannot write %s: %s" % (k, e), file=sys.stderr)
    for d in sorted(cgroups, key=len, reverse=True):
        try:
            if os.path.exists(d + "/cgroup.kill"):
                with open(d + "/cgroup.kill", "w") as f:
                    f.write("1")
            os.rmdir(d)
        except OSError:
            pass
    return lost


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["baseline", "check"])
    ap.add_argument("file")
    ap.add_argument("--foreign-ns")
    ap.add_argument("--tag")
    ap.add_argument("--sleep")
    ap.add_argument("--self", type=int)
    ap.add_argument("--pids", default="")
    ap.add_argument("--wait", type=float, default=5)
    ap.add_argument("--restore", action="store_true")
    a = ap.parse_args()

    if a.what == "baseline":
        s = state(a.foreign_ns)
        with open(a.file, "w") as f:
            json.dump(s, f)
        return 0

    base = json.load(open(a.file))
    pids = [int(p) for p in a.pids.split(",") if p]
    cg_base = cgroup_base(a.self)
    deadline = time.monotonic() + a.wait
    while True:
        procs = lab_processes(a.tag, a.sleep, a.self, base["foreign_ns"]["inode"])
        cgroups = lab_cgroups(cg_base, pids)
        c = compare(base, state(base["foreign_ns"]["name"]), procs, cgroups)
        if not any(c.values()) or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    print(" ".join("%s %d" % (k, len(v)) for k, v in c.items()))
    for k, v in c.items():
        for x in v:
            print("# %s: %s" % (k, x), file=sys.stderr)
    if a.restore and any(c.values()):
        if restore(base, c, procs, cgroups):
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
