"""The lab itself: topology, etcd, API-server stand-ins, fault injection, teardown."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

import hlab
from hlab import MASTERS, NODES, HOSTS, ipv4, ipv6, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "lab", "haplane-lab")


def root_link_names():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(ln.split(":")[1].strip().split("@")[0] for ln in out.splitlines())


def reachable(lab, src, dst, timeout=1):
    """The stand-in on dst answers /livez to src over HTTPS."""
    r = lab.curl(src, lab.apiserver_url(dst, "/livez"), timeout=timeout)
    return r.status == 200 and r.body == "ok"


def readyz(lab, src, dst):
    return lab.curl(src, lab.apiserver_url(dst, "/readyz"), timeout=3)


def tool(*args, check=True, timeout=60):
    cp = subprocess.run([TOOL] + list(args), capture_output=True, text=True, timeout=timeout)
    if check:
        assert cp.returncode == 0, "haplane-lab %s: rc %d\n%s%s" % (
            " ".join(args), cp.returncode, cp.stdout, cp.stderr)
    return cp


# ---- topology ---------------------------------------------------------------

def test_hosts_have_the_right_addresses(lab):
    for h in HOSTS:
        assert lab.addresses(h, 4) == [ipv4(h)]
        v6 = lab.addresses(h, 6)
        assert v6[0] == ipv6(h) and len(v6) == 2, v6
        assert v6[1].startswith("fe80::"), v6
        info = {a["local"]: a for a in lab.addresses(h, detail=True)}
        assert info[ipv4(h)]["prefixlen"] == 24
        assert info[ipv6(h)]["prefixlen"] == 64
        assert "tentative" not in info[ipv6(h)] and "dadfailed" not in info[ipv6(h)]
        assert lab.link_state(h) == "UP"
        assert hlab.net.link_info(lab.ns(h))["address"] == hlab.mac(h)
        lo = hlab.net.link_info(lab.ns(h), "lo")
        assert "UP" in lo["flags"]
        # nothing but lo and eth0 in a host
        links = json.loads(lab.run(h, ["ip", "-j", "link"]).stdout)
        assert sorted(link["ifname"] for link in links) == ["eth0", "lo"]
    assert ipv4("master1") == "198.18.0.11" and ipv4("node3") == "198.18.0.23"
    assert ipv6("master2") == "fd18::12" and hlab.VIP == "198.18.0.100"


def test_switch_holds_the_bridge_and_all_ports(lab):
    sw = lab.names.switch_ns
    bridges = json.loads(lab.run("master1", ["ip", "-j", "-n", sw, "link", "show",
                                             "type", "bridge"]).stdout)
    assert [b["ifname"] for b in bridges] == [lab.names.bridge]
    ports = json.loads(lab.run("master1", ["ip", "-j", "-n", sw, "link", "show",
                                           "master", lab.names.bridge]).stdout)
    assert sorted(p["ifname"] for p in ports) == sorted(lab.names.port(h) for h in HOSTS)
    assert all(p["operstate"] == "UP" for p in ports)
    assert all(len(p["ifname"]) <= 15 for p in ports)
    listed = set(hlab.net.list_netns())
    assert set(lab.names.all_ns()) <= listed


def test_root_namespace_untouched(lab, root_links):
    assert root_link_names() == root_links
    root_addrs = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True).stdout
    assert "198.18.0." not in root_addrs and "fd18::" not in root_addrs


def test_ipv4_and_ipv6_between_all_hosts(lab):
    for h in HOSTS:
        if h != "node1":
            assert lab.ping("node1", h), h
    assert lab.ping("node1", ipv6("master3"))
    ll = [a for a in lab.addresses("master2", 6) if a.startswith("fe80::")][0]
    assert lab.ping("node1", "%s%%eth0" % ll)
    assert not lab.ping("node1", "198.18.0.99", wait=0.3)  # nobody: the prober can fail


# ---- etcd and the API-server stand-ins -------------------------------------

def test_etcd_cluster_healthy(lab):
    assert lab.etcd_health("node1") == {m: True for m in MASTERS}
    members = json.loads(lab.etcdctl("node1", "member", "list", "-w", "json").stdout)
    assert sorted(m["name"] for m in members["members"]) == list(MASTERS)
    lab.etcdctl("node1", "put", "/lab/test", "hello")
    out = lab.etcdctl("node2", "get", "--print-value-only", "/lab/test",
                      endpoints=["http://%s:2379" % ipv4("master3")]).stdout
    assert out.strip() == "hello"


def test_standins_answer_https_from_every_node(lab):
    for n in NODES:
        for m in MASTERS:
            r = readyz(lab, n, m)
            assert (r.status, r.body) == (200, "ok"), (n, m, r)
            r = lab.curl(n, lab.apiserver_url(m, "/version"), check=True)
            assert r.status == 200
            v = json.loads(r.body)
            assert v["host"] == m and v["major"] == "1" and v["gitVersion"].startswith("v1.")
    for path, code in (("/livez", 200), ("/healthz", 200), ("/api/v1/nodes", 404)):
        assert lab.curl("node1", lab.apiserver_url("master2", path)).status == code
    # IPv6, and the certificate's SANs (curl verifies against the lab CA)
    assert lab.curl("node2", lab.apiserver_url("master3", "/readyz", family=6)).status == 200
    r = lab.curl("master1", "https://localhost:6443/readyz")
    assert (r.status, r.body) == (200, "ok")
    r = lab.curl("node1", "https://kubernetes:6443/livez",
                 args=["--resolve", "kubernetes:6443:%s" % ipv4("master1")])
    assert r.status == 200
    # without the lab CA the certificate is rejected
    r = lab.curl("node1", lab.apiserver_url("master1"), cacert="/etc/ssl/certs/ca-certificates.crt")
    assert r.status is None and r.rc == 60


def test_watch_streams_lines(lab):
    results = {}

    def watch(m):
        results[m] = lab.curl("node1", lab.apiserver_url(m, "/watch"), timeout=2.5)

    threads = [threading.Thread(target=watch, args=(m,)) for m in MASTERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m in MASTERS:
        r = results[m]
        assert r.status == 200 and r.rc == 28, r  # 28: curl's -m ended the stream
        lines = [json.loads(x) for x in r.body.splitlines()]
        assert len(lines) >= 2, r.body
        assert [x["n"] for x in lines] == list(range(len(lines)))
        assert {x["host"] for x in lines} == {m}
        assert 0.9 <= lines[1]["time"] - lines[0]["time"] < 2.0
    # the stand-in survived its clients leaving
    assert all(lab.is_running(m, "apiserver") for m in MASTERS)
    r = lab.curl("node2", lab.apiserver_url("master1", "/watch?interval=0.05&count=5"))
    assert r.rc == 0 and len(r.body.splitlines()) == 5


# ---- faults -----------------------------------------------------------------

def test_fail_and_heal(lab):
    assert reachable(lab, "node1", "master1")
    try:
        lab.fail("master1")
        assert lab.faults()["failed"] == ["master1"]
        info = hlab.net.link_info(lab.ns("master1"))
        assert "NO-CARRIER" in info["flags"] and info["operstate"] != "UP"
        assert not reachable(lab, "node1", "master1")
        assert reachable(lab, "node1", "master2")
        assert ipv6("master1") in lab.addresses("master1", 6)  # config survives
    finally:
        lab.heal("master1")
    assert lab.faults() == {"failed": [], "cuts": [], "loss": {}}
    wait_for(lambda: reachable(lab, "node1", "master1"), 10, 0.2, "master1 back after heal")
    assert lab.link_state("master1") == "UP"


def _neigh_state(lab, host, addr):
    out = lab.run(host, ["ip", "-j", "neigh", "show", addr]).stdout
    entries = json.loads(out or "[]")
    return entries[0]["state"] if entries else []


def test_partition_and_heal(lab):
    try:
        lab.partition("master1")
        assert not reachable(lab, "node1", "master1")
        assert not lab.ping("master1", "master2")
        assert lab.ping("master2", "master3")
        assert reachable(lab, "node1", "master2")
        # ARP is cut too: master1 cannot resolve master2 afresh
        lab.run("master1", ["ip", "neigh", "flush", "dev", "eth0"])
        assert not lab.ping("master1", "master2")
        assert _neigh_state(lab, "master1", ipv4("master2")) in (["INCOMPLETE"], ["FAILED"])
        # master1's etcd member lost quorum: its stand-in turns not ready
        r = wait_for(lambda: (lambda r: r if r.status == 503 else None)(
            readyz(lab, "master1", "master1")), 15, 0.3, "master1 /readyz 503 when isolated")
        assert "etcd" in r.body
        assert readyz(lab, "master2", "master2").status == 200
    finally:
        lab.heal()
    assert lab.faults()["cuts"] == []
    wait_for(lambda: reachable(lab, "node1", "master1"), 10, 0.2, "master1 back after heal")
    wait_for(lambda: readyz(lab, "node1", "master1").status == 200, 20, 0.3,
             "master1 /readyz 200 after heal")


def test_cut_one_way(lab):
    try:
        lab.cut("node2", "master3", both=False)
        assert lab.faults()["cuts"] == [["node2", "master3"]]
        assert not lab.ping("node2", "master3")
        assert lab.ping("node3", "master3")
    finally:
        lab.heal("node2")
    assert lab.ping("node2", "master3")


def test_loss(lab):
    assert lab.ping("node3", "master1")  # ARP entry in place
    try:
        lab.loss("node3", 100)
        assert lab.faults()["loss"] == {"node3": 100}
        assert lab.ping_count("node3", "master1", 5, 0.01, 0.5) == 0
        assert lab.ping("node2", "master1")
        lab.loss("node3", 30)  # 0.7 * 0.7 = 49 % of the round trips survive
        got = lab.ping_count("node3", "master1", 200, 0.005, 0.5)
        assert 60 <= got <= 140, got
        lab.loss("node3", 0)
        assert lab.faults()["loss"] == {}
        assert lab.ping_count("node3", "master1", 20, 0.01, 0.5) == 20
    finally:
        lab.heal()


def test_notready_and_ready(lab):
    try:
        lab.notready("master2")
        r = readyz(lab, "node1", "master2")
        assert r.status == 503 and "forced not ready" in r.body
        assert lab.curl("node1", lab.apiserver_url("master2", "/livez")).status == 200
        assert readyz(lab, "node1", "master1").status == 200
    finally:
        lab.ready("master2")
    r = readyz(lab, "node1", "master2")
    assert (r.status, r.body) == (200, "ok")


def test_etcd_down_makes_readyz_503(lab):
    lab.stop("master1", "etcd", signal.SIGKILL)
    assert not lab.is_running("master1", "etcd")
    t0 = time.monotonic()
    r = wait_for(lambda: (lambda r: r if r.status == 503 else None)(
        readyz(lab, "node1", "master1")), 3, 0.1, "master1 /readyz 503 without etcd")
    assert time.monotonic() - t0 < 3
    assert "etcd" in r.body
    assert readyz(lab, "node1", "master2").status == 200  # 2 of 3 members: quorum
    lab.start("master1", "etcd")
    wait_for(lambda: readyz(lab, "node1", "master1").status == 200, 20, 0.3,
             "master1 /readyz 200 after etcd restart")
    assert lab.etcd_health("node1") == {m: True for m in MASTERS}


def test_managed_process(lab):
    p = lab.popen("node2", "sleeper", ["sh", "-c", "hostname -I; exec sleep 60"])
    wait_for(lambda: ipv4("node2") in lab.read_log("node2", "sleeper"), 5, 0.05,
             "node2's address in the sleeper's log")
    assert lab.is_running("node2", "sleeper") and lab.pid("node2", "sleeper") == p.pid
    with pytest.raises(hlab.LabError):
        lab.popen("node2", "sleeper", ["sleep", "1"])
    assert lab.stop("node2", "sleeper") == -signal.SIGTERM
    assert not lab.is_running("node2", "sleeper")
    with pytest.raises(hlab.CommandError) as e:
        lab.run("node1", "echo oops >&2; exit 3")
    assert e.value.returncode == 3 and "oops" in str(e.value)


def test_prefix_in_use_is_refused(lab):
    with pytest.raises(hlab.LabError, match="in use"):
        hlab.Lab.up(prefix=lab.prefix)
    assert reachable(lab, "node1", "master1")  # the running lab was not harmed


# ---- the CLI and teardown ---------------------------------------------------

def test_cli_up_and_down_after_state_loss():
    prefix = "hlcli%d-" % (os.getpid() % 10000)
    tool("up", "--prefix", prefix, "--no-etcd")
    try:
        st = json.loads(tool("status", "--prefix", prefix, "--json").stdout)
        assert st["etcd"] is False and st["hosts"]["master3"]["link"] == "UP"
        pids = [p["pid"] for h in MASTERS for p in st["hosts"][h]["procs"].values()]
        assert len(pids) == 3
        cmd = ["exec", "--prefix", prefix, "node1", "curl", "-sS", "--cacert", st["ca"]]
        assert tool(*cmd, "https://198.18.0.12:6443/readyz").stdout == "ok"
        tool("notready", "--prefix", prefix, "master2")
        out = tool(*cmd, "-w", "%{http_code}", "https://198.18.0.12:6443/readyz").stdout
        assert out.endswith("503")
        tool("fail", "--prefix", prefix, "node1")
        assert tool(*cmd, "-m", "1", "https://198.18.0.11:6443/livez", check=False).returncode
        # a crashed tool: state.json gone; down still finds and removes everything
        os.unlink(os.path.join(st["state_dir"], "state.json"))
    finally:
        tool("down", "--prefix", prefix)
    assert hlab.leftovers(prefix) == []
    assert not [p for p in pids if hlab.proc.alive(p)]


def test_up_interrupted_by_sigterm_leaves_nothing():
    prefix = "hlint%d-" % (os.getpid() % 10000)
    p = subprocess.Popen([TOOL, "up", "--prefix", prefix], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    state = os.path.join(hlab.STATE_ROOT, prefix, "state.json")
    try:
        # interrupt while it waits for etcd: namespaces and processes exist
        wait_for(lambda: os.path.exists(state) and '"master3/etcd"' in open(state).read(),
                 10, 0.01, "up to start etcd")
        assert prefix + "node3" in hlab.net.list_netns()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
            hlab.destroy(prefix)
    assert p.returncode == 130, err
    assert "interrupted" in err
    assert hlab.leftovers(prefix) == []


def test_context_manager_tears_down_on_error():
    prefix = "hlctx%d-" % (os.getpid() % 10000)
    with pytest.raises(RuntimeError, match="boom"):
        with hlab.Lab.up(prefix=prefix, etcd=False) as lab2:
            assert lab2.curl("node3", lab2.apiserver_url("master1")).status == 200
            raise RuntimeError("boom")
    assert hlab.leftovers(prefix) == []


def test_failed_up_says_why_and_leaves_nothing(monkeypatch):
    prefix = "hlbad%d-" % (os.getpid() % 10000)
    real = hlab.Lab.popen

    def broken_etcd(self, host, name, argv, **kw):
        if name == "etcd" and host == "master2":
            argv = list(argv) + ["--no-such-flag"]
        return real(self, host, name, argv, **kw)

    monkeypatch.setattr(hlab.Lab, "popen", broken_etcd)
    with pytest.raises(hlab.LabError) as e:
        hlab.Lab.up(prefix=prefix, timeout=10)
    msg = str(e.value)
    assert "etcd exited on master2" in msg and "no-such-flag" in msg, msg
    assert hlab.leftovers(prefix) == []
