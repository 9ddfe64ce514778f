"""The Lab: bring the seed's cluster up in network namespaces, drive it, tear it down.

    with Lab.up() as lab:                      # or lab = Lab.up(); ...; lab.down()
        lab.ping("node1", VIP)
        lab.popen("master1", "haplane", [bin, "run", "-f", conf])
        lab.fail("master1"); lab.heal()

Every process the lab starts runs inside a host namespace through
`ip netns exec` (which execs, so the recorded pid is the process itself),
carries HAPLANE_LAB=<prefix> in its environment, and is recorded in
state.json with its start time. Teardown (destroy()) needs none of that to
be intact: it also finds processes through `ip netns pids` and the
environment mark, kills them by pid, deletes the namespaces and the state
directory.
"""

import atexit
import collections
import os
import random
import re
import signal
import subprocess
import sys
import time

from . import certs, net
from . import topology as T
from .proc import (LabError, LabTimeout, alive, kill_all, marked_pids, netns_pids, reap, run,
                   send, start_time, wait_for)
from .state import State, current_prefix, set_current, state_prefixes

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(LAB_DIR, "apiserver-standin")
PING = os.path.join(LAB_DIR, "hlab", "ping.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# status: HTTP status (None: no HTTP response), body: text, rc: curl's exit code
CurlResult = collections.namedtuple("CurlResult", "status body rc stderr")

_created = []  # prefixes made by Lab.up() in this process
_started = []  # (prefix, pid, start time) of every process started by this process
_owned = {}  # prefix -> pid of the process that made it: destroyed at that process's exit


def created_prefixes():
    """Prefixes of the labs this process brought up (for leftover checks)."""
    return list(_created)


def in_use(prefix):
    names = T.Names(prefix)
    return State(prefix).exists() or bool(set(names.all_ns()) & set(net.list_netns()))


def random_prefix():
    for _ in range(100):
        prefix = "hl%04x-" % random.randrange(0x10000)
        if not in_use(prefix):
            return prefix
    raise LabError("no free random lab prefix")


def resolve_prefix(prefix=None):
    """prefix, or the one /run/haplane-lab/current points at."""
    if prefix:
        return T.check_prefix(prefix)
    prefix = current_prefix()
    if not prefix:
        raise LabError("no current lab (%s missing): run `haplane-lab up` or give --prefix"
                       % T.CURRENT_LINK)
    return prefix


def find_prefixes():
    """Every lab prefix with a trace: a state dir, a marked process, a default-named netns."""
    found = set(state_prefixes())
    found.update(p for p in marked_pids().values() if T.PREFIX_RE.match(p))
    pat = re.compile(r"^(.+?)(%s|master[1-3]|node[1-3])$" % T.SWITCH)
    for ns in net.list_netns():
        m = pat.match(ns)
        if m and T.DEFAULT_PREFIX_RE.match(m.group(1)):
            found.add(m.group(1))
    return sorted(found)


def _lab_pids(prefix, names, data):
    """{pid: start} of every process belonging to the lab, found three ways."""
    pids = {}
    for rec in ((data or {}).get("procs") or {}).values():
        if rec.get("pid"):
            pids[rec["pid"]] = rec.get("start")
    for ns in names.all_ns():
        for p in netns_pids(ns):
            pids.setdefault(p, start_time(p))
    for p, mark in marked_pids().items():
        if mark == prefix:
            pids.setdefault(p, start_time(p))
    return pids


def destroy(prefix, term_wait=3.0):
    """Remove every trace of lab `prefix`, even if its state is gone or corrupt.

    Kills its processes by pid (SIGTERM, then SIGKILL after term_wait s;
    etcd members get SIGKILL at once), deletes its namespaces (with them the
    bridge and veths) and its state directory. SIGINT/SIGTERM are held off meanwhile. Raises LabError naming
    whatever could not be removed.
    """
    names, st = T.Names(prefix), State(prefix)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        data = st.load()
        survivors = []
        # etcd's graceful stop waits seconds for a leader transfer when all
        # members stop together; its data is thrown away, so kill it outright.
        for rec in ((data or {}).get("procs") or {}).values():
            if rec.get("name") == "etcd" and rec.get("pid"):
                send(rec["pid"], signal.SIGKILL, rec.get("start"))
        for _ in range(3):  # again, in case something forked meanwhile
            pids = _lab_pids(prefix, names, data)
            data = None
            if not pids:
                break
            survivors = kill_all(pids, term_wait=term_wait)
        present = set(net.list_netns())
        left_ns = net.delete_netns([ns for ns in names.all_ns() if ns in present])
        st.remove()
        _owned.pop(prefix, None)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    problems = leftovers(prefix)
    if survivors:
        problems.append("pids %s survived SIGKILL" % survivors)
    if left_ns and not problems:
        problems.append("namespaces %s could not be deleted" % " ".join(left_ns))
    if problems:
        raise LabError("teardown of lab %s incomplete: %s" % (prefix, "; ".join(problems)))


def leftovers(prefix):
    """Descriptions of whatever remains of lab `prefix` (empty list: nothing)."""
    names, out = T.Names(prefix), []
    ns = sorted(set(names.all_ns()) & set(net.list_netns()))
    if ns:
        out.append("namespaces %s" % " ".join(ns))
    if State(prefix).exists():
        out.append("state dir %s" % State(prefix).dir)
    marked = sorted(p for p, m in marked_pids().items() if m == prefix)
    started = sorted(p for pre, p, s in _started if pre == prefix and alive(p, s))
    if marked or started:
        out.append("processes %s" % sorted(set(marked + started)))
    ours = {names.bridge} | {names.port(h) for h in T.HOSTS}
    root = run(["ip", "-o", "link", "show"]).stdout
    links = sorted(ours & {ln.split(":")[1].strip().split("@")[0] for ln in root.splitlines()})
    if links:
        out.append("root namespace links %s" % " ".join(links))
    return out


@atexit.register
def _destroy_owned():
    for prefix, pid in list(_owned.items()):
        if pid != os.getpid():  # a forked child: not ours to remove
            continue
        try:
            destroy(prefix)
        except Exception as e:  # at exit: report, keep going
            sys.stderr.write("haplane-lab: %s\n" % e)


class Lab:
    """One running lab. Make with Lab.up() or Lab.attach(); see module doc."""

    def __init__(self, prefix):
        self.prefix = T.check_prefix(prefix)
        self.names = T.Names(prefix)
        self.st = State(prefix)
        self._children = {}  # pid -> subprocess.Popen for processes we started

    # ---- life cycle -------------------------------------------------------

    @classmethod
    def up(cls, prefix=None, etcd=True, timeout=30.0, progress=None):
        """Build a lab and wait until it is healthy; tears down on any failure.

        prefix: name prefix (default: random "hlXXXX-"). etcd: run an etcd
        member on each master (without it the stand-ins' /readyz ignores
        etcd and is 200 unless notready()). timeout: seconds for etcd and the
        stand-ins to become healthy. progress: callable(str) for step messages.
        The lab is destroyed when this process exits unless down() or
        detach() is called first.
        """
        prefix = T.check_prefix(prefix) if prefix else random_prefix()
        if in_use(prefix):
            raise LabError("lab prefix %r is in use: `haplane-lab down --prefix %s` first"
                           % (prefix, prefix))
        lab = cls(prefix)
        try:
            lab.st.create()
        except FileExistsError:
            raise LabError("lab prefix %r is in use (%s exists)" % (prefix, lab.st.dir))
        _created.append(prefix)
        _owned[prefix] = os.getpid()
        set_current(prefix)  # early, so a plain `haplane-lab down` finds a crashed up
        try:
            lab._build(etcd, timeout, progress or (lambda msg: None))
        except BaseException:
            try:
                destroy(prefix)
            except Exception as e:  # keep the original error; report this one
                sys.stderr.write("haplane-lab: cleanup after failed up: %s\n" % e)
            raise
        return lab

    def _build(self, etcd, timeout, progress):
        t0 = time.monotonic()
        self.st.save({"version": 1, "prefix": self.prefix, "etcd": etcd,
                      "created": time.time(), "vip": T.VIP, "vip6": T.VIP6,
                      "switch_ns": self.names.switch_ns, "bridge": self.names.bridge,
                      "hosts": {h: {"ns": self.ns(h), "ipv4": T.ipv4(h), "ipv6": T.ipv6(h),
                                    "mac": T.mac(h), "port": self.names.port(h)}
                                for h in T.HOSTS},
                      "procs": {}, "faults": {"failed": [], "cuts": [], "loss": {}}})
        net.create(self.names)
        progress("network up (%d namespaces) in %.2fs" % (len(self.names.all_ns()),
                                                         time.monotonic() - t0))
        if etcd:
            for h in T.MASTERS:
                self._start_etcd(h)
        certs.make(self.certdir)
        for h in T.MASTERS:
            self._start_standin(h, etcd)
        if etcd:
            self.wait_etcd(timeout)
            progress("etcd cluster healthy after %.2fs" % (time.monotonic() - t0))
        self.wait_standins(timeout)
        progress("API-server stand-ins ready after %.2fs" % (time.monotonic() - t0))

    @classmethod
    def attach(cls, prefix=None):
        """The running lab `prefix` (default: current); not destroyed at exit."""
        lab = cls(resolve_prefix(prefix))
        if lab.st.load() is None:
            raise LabError("no lab %r (no %s)" % (lab.prefix, lab.st.path("state.json")))
        return lab

    def detach(self):
        """Leave the lab running when this process exits (haplane-lab up)."""
        _owned.pop(self.prefix, None)

    def down(self):
        """Destroy the lab: processes, namespaces, state. Raises LabError if traces remain."""
        try:
            destroy(self.prefix)
        finally:
            for p in self._children.values():
                p.poll()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.down()

    # ---- names and paths --------------------------------------------------

    def ns(self, host):
        return self.names.ns(host)

    @property
    def state_dir(self):
        return self.st.dir

    @property
    def certdir(self):
        return self.st.path("certs")

    @property
    def ca(self):
        """Path of the lab CA certificate (verifies every stand-in)."""
        return certs.ca_paths(self.certdir)[0]

    def cert(self, host):
        """(cert, key) paths of a master's server certificate."""
        return certs.server_paths(self.certdir, host)

    @property
    def etcd(self):
        return bool((self.st.load() or {}).get("etcd"))

    def host_dir(self, host):
        """<state dir>/hosts/<host>/, made on demand: a place for configs, sockets, ..."""
        T.host_octet(host)  # validates
        path = self.st.path("hosts", host)
        os.makedirs(path, exist_ok=True)
        return path

    def logpath(self, host, name):
        return self.st.path("logs", "%s-%s.log" % (host, name))

    def read_log(self, host, name):
        try:
            with open(self.logpath(host, name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _tail(self, host, name, head=6, tail=10):
        """The last run's log, shortened to its first and last lines (errors are in either)."""
        lines = self.read_log(host, name).splitlines()
        starts = [i for i, ln in enumerate(lines) if ln.startswith("=== ")]
        lines = lines[starts[-1] + 1:] if starts else lines
        if len(lines) > head + tail:
            lines = lines[:head] + ["[... %d lines ...]" % (len(lines) - head - tail)] + \
                lines[-tail:]
        return "\n    ".join(["--- %s ---" % self.logpath(host, name)] + lines)

    # ---- commands in hosts ------------------------------------------------

    def _env(self, env):
        full = dict(os.environ)
        full.update(env or {})
        full[T.ENV_MARK] = self.prefix
        return full

    def _argv(self, host, cmd):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return ["ip", "netns", "exec", self.ns(host)] + [str(a) for a in cmd]

    def run(self, host, cmd, check=True, timeout=30, input=None, env=None):
        """Run cmd (argv list, or a shell string) in host; CompletedProcess with text output.

        check: raise CommandError (message includes output) on non-zero exit.
        """
        return run(self._argv(host, cmd), check=check, timeout=timeout, input=input,
                   env=self._env(env))

    def popen(self, host, name, argv, env=None, cwd=None):
        """Start a managed process `name` in host, detached, output to logpath(host, name).

        Recorded in state.json (pid, start time, argv) so stop()/kill()/
        start() and the CLI find it, and killed by pid at teardown.
        Returns the subprocess.Popen (its .pid is the process itself).
        """
        if self.is_running(host, name):
            raise LabError("%s on %s is already running (pid %d)"
                           % (name, host, self._rec(host, name)["pid"]))
        log = self.logpath(host, name)
        argv = [str(a) for a in argv]
        with open(log, "a") as f:
            f.write("=== %s start: %s\n" % (time.strftime("%F %T"), " ".join(argv)))
            f.flush()
            p = subprocess.Popen(self._argv(host, argv), stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT, env=self._env(env), cwd=cwd,
                                 start_new_session=True)
        start = start_time(p.pid)
        self._children[p.pid] = p
        _started.append((self.prefix, p.pid, start))
        with self.st.update() as data:
            data["procs"]["%s/%s" % (host, name)] = {
                "host": host, "name": name, "argv": argv, "env": env or {}, "cwd": cwd,
                "pid": p.pid, "start": start, "log": log, "started": time.time()}
        p.log = log
        return p

    def _rec(self, host, name):
        rec = ((self.st.load() or {}).get("procs") or {}).get("%s/%s" % (host, name))
        if rec is None:
            raise LabError("no process %r on %s (known: %s)"
                           % (name, host, " ".join(self.procs(host)) or "none"))
        return rec

    def procs(self, host=None):
        """Names of managed processes ("host/name" keys when host is None)."""
        keys = sorted(((self.st.load() or {}).get("procs") or {}))
        if host is None:
            return keys
        return [k.split("/", 1)[1] for k in keys if k.startswith(host + "/")]

    def pid(self, host, name):
        return self._rec(host, name)["pid"]

    def is_running(self, host, name):
        try:
            rec = self._rec(host, name)
        except LabError:
            return False
        p = self._children.get(rec["pid"])
        if p is not None:
            p.poll()
        else:
            reap(rec["pid"])
        return alive(rec["pid"], rec["start"])

    def returncode(self, host, name):
        """Exit status of a managed process this object started (None: running/unknown)."""
        p = self._children.get(self._rec(host, name)["pid"])
        return p.poll() if p is not None else None

    def kill(self, host, name, sig=signal.SIGKILL):
        """Send sig (default SIGKILL) to a managed process; no waiting. True if sent."""
        rec = self._rec(host, name)
        return send(rec["pid"], sig, rec["start"])

    def stop(self, host, name, sig=signal.SIGTERM, timeout=5.0):
        """Signal a managed process and wait until it is gone (SIGKILL after timeout).

        Returns its exit status when this object started it, else None.
        """
        rec = self._rec(host, name)
        send(rec["pid"], sig, rec["start"])
        try:
            wait_for(lambda: not self.is_running(host, name), timeout, 0.02,
                     "%s on %s to exit after signal %s" % (name, host, sig))
        except LabTimeout:
            send(rec["pid"], signal.SIGKILL, rec["start"])
            wait_for(lambda: not self.is_running(host, name), 3.0, 0.02,
                     "%s on %s to exit after SIGKILL" % (name, host))
        return self.returncode(host, name)

    def start(self, host, name):
        """Start a managed process again with its recorded argv/env (e.g. after kill)."""
        rec = self._rec(host, name)
        return self.popen(host, name, rec["argv"], env=rec.get("env"), cwd=rec.get("cwd"))

    # ---- the cluster: etcd and stand-ins ----------------------------------

    def _start_etcd(self, h):
        ip = T.ipv4(h)
        cluster = ",".join("%s=http://%s:%d" % (m, T.ipv4(m), T.ETCD_PEER_PORT)
                           for m in T.MASTERS)
        self.popen(h, "etcd", [
            "etcd", "--name", h, "--data-dir", self.st.path("etcd", h),
            "--listen-peer-urls", "http://%s:%d" % (ip, T.ETCD_PEER_PORT),
            "--initial-advertise-peer-urls", "http://%s:%d" % (ip, T.ETCD_PEER_PORT),
            "--listen-client-urls", "http://%s:%d,http://127.0.0.1:%d"
            % (ip, T.ETCD_CLIENT_PORT, T.ETCD_CLIENT_PORT),
            "--advertise-client-urls", "http://%s:%d" % (ip, T.ETCD_CLIENT_PORT),
            "--initial-cluster", cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", self.prefix + "etcd",
            "--logger", "zap", "--log-outputs", "stderr"])

    def _start_standin(self, h, etcd):
        crt, key = self.cert(h)
        listening = self.st.path("flags", h + ".listening")
        if os.path.exists(listening):
            os.unlink(listening)
        if not os.path.exists(self.endpoints_file):
            self.set_endpoints(T.MASTERS)
        self.popen(h, "apiserver", [
            PYTHON, STANDIN, "--host", h, "--cert", crt, "--key", key,
            "--port", T.APISERVER_PORT, "--notready-file", self._notready_flag(h),
            "--ready-file", listening, "--endpoints-file", self.endpoints_file]
            + ([] if etcd else ["--no-etcd"]))

    @property
    def endpoints_file(self):
        """The addresses every stand-in serves as the `kubernetes` Endpoints."""
        return self.st.path("flags", "endpoints")

    def set_endpoints(self, hosts=T.MASTERS, addrs=()):
        """The `kubernetes` Endpoints the stand-ins serve: the IPv4 addresses
        of hosts, then addrs (written atomically; read on each request)."""
        lines = [T.ipv4(h) for h in self._hosts(hosts)] + list(addrs)
        tmp = self.endpoints_file + ".tmp"
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
        with open(tmp, "w") as f:
            f.write("".join(a + "\n" for a in lines))
        os.rename(tmp, self.endpoints_file)

    def etcd_endpoints(self, members=T.MASTERS):
        return ["http://%s:%d" % (T.ipv4(m), T.ETCD_CLIENT_PORT) for m in members]

    def etcdctl(self, host, *args, endpoints=None, check=True, timeout=15):
        """Run `etcdctl --endpoints ... ARGS` (API v3) in host."""
        eps = endpoints or self.etcd_endpoints()
        return self.run(host, ["etcdctl", "--endpoints", ",".join(eps), "--dial-timeout",
                               "1s", "--command-timeout", "3s"] + list(args),
                        check=check, timeout=timeout, env={"ETCDCTL_API": "3"})

    def etcd_health(self, host="node1", members=T.MASTERS):
        """{member: True/False} from `etcdctl endpoint health` run in host."""
        cp = self.etcdctl(host, "endpoint", "health", endpoints=self.etcd_endpoints(members),
                          check=False)
        text = cp.stdout + cp.stderr
        out = {}
        for m in members:
            ep = re.escape(self.etcd_endpoints([m])[0])
            out[m] = bool(re.search(r"^%s is healthy" % ep, text, re.M))
        return out

    def wait_etcd(self, timeout=30.0):
        """Wait until every member reports healthy; LabError with logs if one dies."""
        def healthy():
            dead = [h for h in T.MASTERS if not self.is_running(h, "etcd")]
            if dead:
                raise LabError("etcd exited on %s:\n    %s" % (
                    " ".join(dead), "\n    ".join(self._tail(h, "etcd") for h in dead)))
            return all(self.etcd_health("master1").values())
        try:
            wait_for(healthy, timeout, 0.2, "etcd cluster health")
        except LabTimeout as e:
            cp = self.etcdctl("master1", "endpoint", "health", check=False)
            raise LabTimeout("%s\n  etcdctl endpoint health: %s" % (
                e, (cp.stdout + cp.stderr).strip().replace("\n", "\n    "))) from e

    def wait_standins(self, timeout=30.0):
        """Wait until each stand-in listens and its /readyz (via 127.0.0.1) is 200."""
        for h in T.MASTERS:
            def listening(h=h):
                if not self.is_running(h, "apiserver"):
                    raise LabError("apiserver stand-in exited on %s:\n    %s"
                                   % (h, self._tail(h, "apiserver")))
                return os.path.exists(self.st.path("flags", h + ".listening"))
            wait_for(listening, timeout, 0.02, "stand-in on %s to listen" % h)
        if self.notready_hosts():
            return
        for h in T.MASTERS:
            url = "https://127.0.0.1:%d/readyz" % T.APISERVER_PORT
            wait_for(lambda h=h: self.curl(h, url, timeout=2).status == 200, timeout, 0.1,
                     "%s on %s to return 200" % (url, h))

    def _notready_flag(self, host):
        return self.st.path("flags", host + ".notready")

    def notready(self, host):
        """Force host's stand-in /readyz to 503 ("forced not ready")."""
        if host not in T.MASTERS:
            raise LabError("%s runs no API-server stand-in (masters: %s)"
                           % (host, " ".join(T.MASTERS)))
        open(self._notready_flag(host), "w").close()

    def ready(self, host):
        """Undo notready(): /readyz follows etcd health again."""
        if host not in T.MASTERS:
            raise LabError("%s runs no API-server stand-in" % host)
        try:
            os.unlink(self._notready_flag(host))
        except FileNotFoundError:
            pass

    def notready_hosts(self):
        return [h for h in T.MASTERS if os.path.exists(self._notready_flag(h))]

    # ---- clients ----------------------------------------------------------

    def curl(self, host, url, timeout=3.0, cacert=None, args=(), check=False):
        """curl url from host; CurlResult(status, body, rc, stderr).

        https URLs are verified with the lab CA unless cacert is given.
        status is None when no HTTP response came (refused, timeout before
        headers...); a timed-out stream keeps its status and partial body
        (rc 28). check: raise LabError unless rc == 0.
        """
        mark = "\n--hlab-status:"
        argv = ["curl", "-sS", "-g", "-m", str(timeout), "-o", "-", "-w", mark + "%{http_code}"]
        if url.startswith("https:"):
            argv += ["--cacert", cacert or self.ca]
        cp = self.run(host, argv + list(args) + [url], check=False, timeout=timeout + 10)
        body, _, code = cp.stdout.rpartition(mark)
        status = int(code) if code.strip().isdigit() and int(code) else None
        if check and cp.returncode != 0:
            raise LabError("curl %s from %s failed (rc %d): %s"
                           % (url, host, cp.returncode, cp.stderr.strip()))
        return CurlResult(status, body, cp.returncode, cp.stderr)

    def apiserver_url(self, host, path="/readyz", family=4):
        ip = T.ipv4(host) if family == 4 else "[%s]" % T.ipv6(host)
        return "https://%s:%d%s" % (ip, T.APISERVER_PORT, path)

    def ping_count(self, src, dst, count=1, interval=0.2, wait=1.0):
        """Echo replies received by src from dst (a host name or an IPv4/IPv6 address).

        Uses hlab/ping.py (raw ICMP; the machine has no ping binary):
        count requests interval s apart, then wait s for late replies.
        """
        addr = T.ipv4(dst) if dst in T.HOSTS else dst
        cp = self.run(src, [PYTHON, PING, addr, "-c", count, "-i", interval, "-W", wait],
                      check=False, timeout=count * interval + wait + 10)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", cp.stdout)
        if cp.returncode == 2 or not m:
            raise LabError("ping %s from %s failed: %s" % (addr, src, cp.stderr.strip()))
        return int(m.group(2))

    def ping(self, src, dst, count=1, wait=1.0):
        """True if src gets at least one echo reply from dst (name or address)."""
        return self.ping_count(src, dst, count, 0.2, wait) > 0

    # ---- addresses and links ----------------------------------------------

    def addresses(self, host, family=None, dev=T.DEV, detail=False):
        """Addresses on host's dev (all devs if dev is None), read with `ip -j addr`.

        family: None, 4 or 6. Returns address strings without prefix length,
        or the raw addr_info dicts (prefixlen, scope, valid_life_time...) with detail.
        """
        fam = {None: None, 4: "inet", 6: "inet6", "inet": "inet", "inet6": "inet6"}[family]
        infos = [a for a in net.addr_info(self.ns(host), dev) if fam in (None, a["family"])]
        return infos if detail else [a["local"] for a in infos]

    def link_state(self, host):
        """operstate of host's eth0: UP, DOWN, LOWERLAYERDOWN..."""
        return net.link_info(self.ns(host))["operstate"]

    # ---- faults -----------------------------------------------------------

    def _faults(self, change):
        with self.st.update() as data:
            f = data["faults"]
            cuts = {tuple(c) for c in f["cuts"]}
            loss = dict(f["loss"])
            change(f, cuts, loss)
            f["cuts"] = sorted(list(c) for c in cuts)
            f["loss"] = loss
            net.apply_faults(self.names, cuts, loss)

    @staticmethod
    def _hosts(hosts):
        for h in hosts:
            T.host_octet(h)  # validates
        return list(hosts)

    def fail(self, host):
        """Link down: host's switch port goes down, its eth0 loses carrier."""
        self._hosts([host])
        with self.st.update() as data:
            net.set_port(self.names, host, up=False)
            if host not in data["faults"]["failed"]:
                data["faults"]["failed"].append(host)

    def cut(self, a, b, both=True):
        """Drop frames from a to b (and b to a when both)."""
        self._hosts([a, b])
        self._faults(lambda f, cuts, loss: cuts.update({(a, b)} | ({(b, a)} if both else set())))

    def partition(self, *hosts):
        """hosts on one side, every other host on the other: nothing crosses (ARP included)."""
        side = set(self._hosts(hosts))
        other = set(T.HOSTS) - side
        if not side or not other:
            raise LabError("partition needs 1-%d hosts, got %s" % (len(T.HOSTS) - 1, hosts))
        pairs = {(a, b) for a in side for b in other} | {(b, a) for a in side for b in other}
        self._faults(lambda f, cuts, loss: cuts.update(pairs))

    def loss(self, host, pct):
        """Drop pct % of frames from and to host at random (0 removes)."""
        self._hosts([host])
        pct = int(pct)
        if not 0 <= pct <= 100:
            raise LabError("loss must be 0-100 %%, got %d" % pct)

        def change(f, cuts, loss):
            if pct:
                loss[host] = pct
            else:
                loss.pop(host, None)
        self._faults(change)

    def heal(self, host=None):
        """Undo fail/cut/partition/loss involving host (all faults when None)."""
        hosts = self._hosts([host] if host else T.HOSTS)

        def change(f, cuts, loss):
            for h in hosts:
                if h in f["failed"]:
                    net.set_port(self.names, h, up=True)
                    f["failed"].remove(h)
                loss.pop(h, None)
            cuts.difference_update({c for c in cuts if c[0] in hosts or c[1] in hosts})
        self._faults(change)

    def faults(self):
        """{"failed": [...], "cuts": [[a, b]...], "loss": {host: pct}}"""
        return (self.st.load() or {}).get("faults")

    # ---- overview ---------------------------------------------------------

    def status(self):
        """A dict describing the lab: hosts, links, addresses, processes, faults."""
        data = self.st.load() or {}
        hosts = {}
        for h in T.HOSTS:
            try:
                link, addrs = self.link_state(h), self.addresses(h, detail=True)
            except LabError as e:
                link, addrs = "error: %s" % e, []
            hosts[h] = {"ns": self.ns(h), "link": link,
                        "addresses": ["%s/%s" % (a["local"], a["prefixlen"]) for a in addrs],
                        "procs": {n: {"pid": self.pid(h, n), "running": self.is_running(h, n)}
                                  for n in self.procs(h)}}
            if h in T.MASTERS:
                hosts[h]["notready"] = h in self.notready_hosts()
        return {"prefix": self.prefix, "state_dir": self.state_dir, "ca": self.ca,
                "etcd": data.get("etcd"), "switch_ns": self.names.switch_ns,
                "bridge": self.names.bridge, "vip": T.VIP, "hosts": hosts,
                "faults": data.get("faults")}
