"""Shared plumbing of the VRRP integration tests (tests/integration/test_vrrp*.py)
and bench/failover: configs, starting haplane and keepalived on lab masters,
status, who holds the VIP, an address-event recorder and the packet injector.

Configs use keepalived's syntax, which haplane reads natively, so one
instance text serves both daemons (haplane-only directives are left out for
keepalived). Every daemon is started with lab.popen() (foreground, logged,
killed at lab teardown) under the name "haplane" or "keepalived".
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "lab"))

import hlab  # noqa: E402,F401  (re-exported for the tests and the bench)
from hlab import MASTERS, VIP, VIP6, ipv4, wait_for  # noqa: E402,F401

PYTHON = "/usr/bin/python3"
TOOL = os.path.join(HERE, "vrrp_tool.py")
DAEMONS = ("haplane", "keepalived")


def instance(prio, *, name="vi", vrid=51, version=3, advert="0.1", vips=(VIP + "/24",),
             auth=None, unicast=None, state="BACKUP", nopreempt=False, preempt_delay=None,
             lifetime=None, extra="", keepalived=False):
    """One vrrp_instance block.

    unicast: (src_ip, [peer, ...]); auth: the v2 PASS password; lifetime:
    haplane's vip_lifetime (omitted for keepalived); extra: raw lines.
    """
    lines = ["vrrp_instance %s {" % name,
             "    state %s" % state,
             "    interface eth0",
             "    virtual_router_id %d" % vrid,
             "    priority %d" % prio,
             "    advert_int %s" % advert,
             "    version %d" % version]
    if auth:
        lines += ["    authentication {", "        auth_type PASS",
                  "        auth_pass %s" % auth, "    }"]
    if unicast:
        src, peers = unicast
        lines += ["    unicast_src_ip %s" % src, "    unicast_peer {"]
        lines += ["        %s" % p for p in peers] + ["    }"]
    if nopreempt:
        lines.append("    nopreempt")
    if preempt_delay is not None:
        lines.append("    preempt_delay %s" % preempt_delay)
    if lifetime is not None and not keepalived:
        lines.append("    vip_lifetime %s" % lifetime)
    lines.append("    virtual_ipaddress {")
    lines += ["        %s" % v for v in vips] + ["    }"]
    if extra:
        lines += ["    " + ln for ln in extra.strip("\n").splitlines()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def global_defs(host, extra=""):
    return "global_defs {\n    router_id %s\n%s}\n" % (
        host, "".join("    %s\n" % ln for ln in extra.strip("\n").splitlines()))


def conf(host, prio, gextra="", **kw):
    """A whole config for host: global_defs and one instance (see instance())."""
    return global_defs(host, gextra) + instance(prio, **kw)


def neigh_mac(lab, host, addr):
    """MAC of addr in host's neighbour table, or None."""
    out = lab.run(host, ["ip", "neigh", "show", addr], check=False).stdout.split()
    return out[out.index("lladdr") + 1] if "lladdr" in out else None


def unicast_of(host, hosts=MASTERS):
    """(src, peers) for unicast mode among hosts."""
    return (ipv4(host), [ipv4(h) for h in hosts if h != host])


class Vrrp:
    """haplane / keepalived on the lab's masters, driven by one test."""

    def __init__(self, lab, binary):
        self.lab = lab
        self.bin = binary
        self.monitors = []

    # ---- daemons ----------------------------------------------------------

    def path(self, host, name):
        return os.path.join(self.lab.host_dir(host), name)

    def control(self, host):
        return self.path(host, "haplane.sock")

    def write(self, host, fname, text):
        p = self.path(host, fname)
        with open(p, "w") as f:
            f.write(text)
        return p

    def start(self, host, conf, wait=True):
        """Start haplane on host with config text conf; wait for its control socket."""
        cfg = self.write(host, "haplane.conf", conf)
        sock = self.control(host)
        if os.path.exists(sock):
            os.unlink(sock)
        p = self.lab.popen(host, "haplane", [self.bin, "run", "-f", cfg, "--control", sock,
                                             "--log-level", "debug"])
        if wait:
            wait_for(lambda: self._answers(host), 5, 0.02, "haplane on %s to answer" % host)
        return p

    def _answers(self, host):
        if not self.lab.is_running(host, "haplane"):
            raise AssertionError("haplane on %s exited:\n%s" % (
                host, self.lab.read_log(host, "haplane")[-3000:]))
        return os.path.exists(self.control(host)) and self.status_all(host, check=False)

    def start_keepalived(self, host, conf):
        """keepalived 2.2.7 in the foreground (its VRRP child does the work)."""
        cfg = self.write(host, "keepalived.conf", conf)
        return self.lab.popen(host, "keepalived", [
            "keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog",
            "--vrrp", "-f", cfg, "-p", self.path(host, "ka.pid"),
            "-r", self.path(host, "ka-vrrp.pid"), "-c", self.path(host, "ka-checkers.pid")])

    def running(self, host, name="haplane"):
        return self.lab.is_running(host, name)

    def pid(self, host, name="haplane"):
        return self.lab.pid(host, name)

    def send(self, host, sig, name="haplane"):
        return self.lab.kill(host, name, sig)

    def stop(self, host, name="haplane", sig=signal.SIGTERM):
        return self.lab.stop(host, name, sig=sig)

    def reset(self):
        """After a test: every daemon killed, faults healed, VIPs gone."""
        for m in self.monitors:
            m.close()
        self.monitors = []
        for h in MASTERS:
            for name in DAEMONS:
                if self.lab.is_running(h, name):
                    self.lab.kill(h, name, signal.SIGCONT)
                    # keepalived's parent takes its VRRP child along on SIGTERM
                    sig = signal.SIGTERM if name == "keepalived" else signal.SIGKILL
                    self.lab.stop(h, name, sig=sig)
        self.lab.heal()
        for h in MASTERS:
            for a in (VIP + "/24", VIP + "/32", VIP6 + "/64", VIP6 + "/128", "198.18.0.101/24"):
                self.lab.run(h, ["ip", "addr", "del", a, "dev", "eth0"], check=False)
            self.lab.run(h, "ip link del hp-trk 2>/dev/null; true", check=False)

    # ---- status -----------------------------------------------------------

    def status_all(self, host, check=True):
        cp = subprocess.run([self.bin, "status", "--json", "--control", self.control(host)],
                            capture_output=True, text=True, timeout=10)
        if cp.returncode != 0:
            if check:
                raise AssertionError("haplane status on %s: %s" % (host, cp.stderr.strip()))
            return None
        return json.loads(cp.stdout)

    def status(self, host, name="vi"):
        """The vrrp instance `name` of haplane's status on host."""
        for inst in self.status_all(host)["vrrp"]["instances"]:
            if inst["name"] == name:
                return inst
        raise AssertionError("no instance %s on %s" % (name, host))

    def state(self, host, name="vi"):
        return self.status(host, name)["state"]

    def states(self, hosts=MASTERS, name="vi"):
        return {h: self.state(h, name) for h in hosts}

    def wait_state(self, host, state, timeout=5, name="vi"):
        return wait_for(lambda: self.state(host, name) == state, timeout, 0.02,
                        "%s on %s to be %s" % (name, host, state))

    def holders(self, vip=VIP, hosts=MASTERS):
        fam = 6 if ":" in vip else 4
        return [h for h in hosts if vip in self.lab.addresses(h, fam)]

    def wait_holder(self, host, timeout=5, vip=VIP, hosts=MASTERS):
        """Wait until host, and only host, has vip on eth0."""
        want = [host] if host else []
        wait_for(lambda: self.holders(vip, hosts) == want, timeout, 0.02,
                 "%s held by %s only (now: %s)" % (vip, host, self.holders(vip, hosts)))
        return time.monotonic()

    def log(self, host, name="haplane"):
        """The log of the last start of `name` on host (lab logs are appended to)."""
        text = self.lab.read_log(host, name)
        i = text.rfind("\n=== ")
        return text[i + 1:] if i >= 0 else text

    # ---- tools in hosts ---------------------------------------------------

    def tool(self, host, *args, check=True):
        cp = self.lab.run(host, [PYTHON, TOOL] + [str(a) for a in args], check=check)
        return cp.stdout

    def inject(self, host, **kw):
        """vrrp_tool.py inject in host; kw are its options (addr: list, flags: True)."""
        argv = ["inject"]
        for k, v in kw.items():
            opt = "--" + k.replace("_", "-")
            if v is True:
                argv.append(opt)
            elif isinstance(v, (list, tuple)):
                for x in v:
                    argv += [opt, x]
            else:
                argv += [opt, v]
        return self.tool(host, *argv)

    def monitor(self, hosts=MASTERS, addrs=(VIP,)):
        m = AddrMonitor(self.lab, hosts, addrs)
        self.monitors.append(m)
        return m


class AddrMonitor:
    """Records additions/removals of addrs on hosts (vrrp_tool.py addrmon in each)."""

    def __init__(self, lab, hosts, addrs):
        self.hosts = list(hosts)
        self.events = []  # (t, host, "+" added / "~" refreshed / "-" removed, addr)
        self.init = {}  # host -> set of addrs held at start
        self.t0 = {}
        self.procs = []
        self.lock = threading.Lock()
        ready = queue.Queue()
        for h in self.hosts:
            p = subprocess.Popen(lab._argv(h, [PYTHON, TOOL, "addrmon"] + list(addrs)),
                                 stdout=subprocess.PIPE, text=True, env=lab._env(None))
            self.procs.append(p)
            threading.Thread(target=self._read, args=(h, p, ready), daemon=True).start()
        for _ in self.hosts:
            ready.get(timeout=10)

    def _read(self, host, p, ready):
        for line in p.stdout:
            f = line.split()
            if len(f) >= 2 and f[1] == "init":
                self.init[host] = set(x for x in f[2:] if x != "-")
                self.t0[host] = float(f[0])
                ready.put(host)
            elif len(f) == 3 and f[1] in "+-~":
                with self.lock:
                    self.events.append((float(f[0]), host, f[1], f[2]))

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.procs = []

    def overlaps(self, addr, t_from=None, t_to=None, hosts=None):
        """[(start, end, holders)] intervals in which 2+ of hosts held addr."""
        hosts = hosts or self.hosts
        with self.lock:
            ev = sorted(e for e in self.events if e[3] == addr and e[1] in hosts)
        held = {h for h in hosts if addr in self.init.get(h, ())}
        out, start = [], None
        t_end = t_to if t_to is not None else time.monotonic()
        for t, h, op, _ in ev:
            if op in "+~":
                held.add(h)
            else:
                held.discard(h)
            if len(held) >= 2 and start is None:
                start = (t, sorted(held))
            elif len(held) < 2 and start is not None:
                out.append((start[0], t, start[1]))
                start = None
        if start is not None:
            out.append((start[0], t_end, start[1]))
        if t_from is not None:
            out = [o for o in out if o[1] >= t_from]
        return out

    def last(self, host, ops, addr, before):
        """Time of the last event in ops ("+~": added or refreshed) of addr on
        host before `before`, or None."""
        with self.lock:
            ts = [t for t, h, o, a in self.events if h == host and o in ops and a == addr
                  and t < before]
        return max(ts) if ts else None

    def first(self, host, op, addr, after=0.0):
        """Time of the first op ("+"/"-") of addr on host after `after`, or None."""
        with self.lock:
            for t, h, o, a in sorted(self.events):
                if h == host and o == op and a == addr and t >= after:
                    return t
        return None


def vr_fixture(lab, haplane_bin):
    v = Vrrp(lab, haplane_bin)
    try:
        yield v
    finally:
        v.reset()
