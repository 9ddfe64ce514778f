"""`haplane node-local` (issue 11, item 1) in the lab.

node-local runs on node1 listening on 127.0.0.1 (as on a worker, where the
kubelet's kubeconfig says server: https://127.0.0.1:PORT) with the three
API-server stand-ins as servers, on its defaults; clients run in node1
too (tests/integration/proxy_client.py). Tests where the proxy carries the
traffic run in both relay modes (--relay splice / copy). The command-line
errors need no lab.
"""

import base64
import json
import os
import re
import signal
import subprocess
import time

import pytest

from hlab import MASTERS, certs, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}  # /readyz follows notready()/ready() only
HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "proxy_client.py")
PYTHON = "/usr/bin/python3"
HOST = "node1"
MODES = ("splice", "copy")
OFFSET = {"splice": 0, "copy": 100}


def srv(m):
    return "%s:6443" % ipv4(m)


class NodeLocal:
    """One node-local on node1."""

    def __init__(self, lab, binary, name, args):
        self.lab, self.binary, self.name = lab, binary, name
        d = lab.host_dir(HOST)
        self.control = os.path.join(d, name + ".sock")
        lab.popen(HOST, name, [binary, "node-local", "--control", self.control] + args)
        wait_for(lambda: os.path.exists(self.control), 10, 0.05, name + " control socket")

    def status(self):
        cp = subprocess.run([self.binary, "status", "--json", "--control", self.control],
                            capture_output=True, text=True, timeout=10)
        assert cp.returncode == 0, cp.stderr + self.log()[-3000:]
        return json.loads(cp.stdout)

    def servers(self):
        px = self.status()["proxies"]["node-local"]
        return {s["name"]: s for s in px["servers"]}

    def wait_health(self, want, names, timeout=10):
        wait_for(lambda: all(self.servers().get(n, {}).get("health") == want for n in names),
                 timeout, 0.05, "%s: %s %s" % (self.name, names, want))
        return time.time()

    def log(self):
        return self.lab.read_log(HOST, self.name)

    def stop(self):
        if self.lab.is_running(HOST, self.name):
            self.lab.stop(HOST, self.name)


def client_argv(lab, *args):
    return ["ip", "netns", "exec", lab.ns(HOST), PYTHON, CLIENT] + [str(a) for a in args]


class Background:
    def __init__(self, lab, *args):
        self.p = subprocess.Popen(client_argv(lab, *args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def result(self, timeout=90):
        out, err = self.p.communicate(timeout=timeout)
        assert self.p.returncode == 0, "client failed:\n%s%s" % (out, err)
        return json.loads(out.strip().splitlines()[-1])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def all_up(lab):
    for m in MASTERS:
        lab.ready(m)
    lab.heal()
    lab.set_endpoints(MASTERS)


# ---- the command line (no lab) ------------------------------------------------

def nl_cli(binary, *args):
    return subprocess.run([binary, "node-local"] + list(args), capture_output=True, text=True,
                          timeout=10)


@pytest.mark.parametrize("listen,why", [
    ("127.0.0.1", "missing port"),
    ("127.0.0.1:99999", "port"),
    ("localhost:6444", "expected ADDRESS:PORT"),
    ("", ""),
])
def test_cli_bad_listen(haplane_bin, listen, why):
    cp = nl_cli(haplane_bin, "--listen", listen, "--server", "198.18.0.11:6443")
    assert cp.returncode == 2, cp
    assert "invalid --listen '%s'" % listen in cp.stderr, cp.stderr
    assert why in cp.stderr, cp.stderr


def test_cli_cert_without_key(haplane_bin, tmp_path):
    crt = tmp_path / "c.crt"
    crt.write_text("x")
    cp = nl_cli(haplane_bin, "--server", "198.18.0.11:6443", "--cert", str(crt))
    assert cp.returncode == 2 and "--cert needs --key" in cp.stderr, cp
    cp = nl_cli(haplane_bin, "--server", "198.18.0.11:6443", "--key", str(crt))
    assert cp.returncode == 2 and "--key needs --cert" in cp.stderr, cp


def test_cli_needs_a_server_and_no_mixing(haplane_bin, tmp_path):
    cp = nl_cli(haplane_bin)
    assert cp.returncode == 2 and "at least one --server HOST:PORT" in cp.stderr, cp
    cp = nl_cli(haplane_bin, "--server", "198.18.0.11")
    assert cp.returncode == 2 and "invalid --server '198.18.0.11'" in cp.stderr, cp
    f = tmp_path / "nl.conf"
    f.write_text("proxy a {\n    bind 127.0.0.1:6444\n    server m1 198.18.0.11:6443\n}\n")
    cp = nl_cli(haplane_bin, "-f", str(f), "--server", "198.18.0.12:6443")
    assert cp.returncode == 2 and "-f FILE cannot be combined with --server" in cp.stderr, cp


def test_cli_vrrp_instance_refused(haplane_bin, tmp_path):
    f = tmp_path / "nl.conf"
    f.write_text("proxy a {\n    bind 127.0.0.1:6444\n    server m1 198.18.0.11:6443\n}\n"
                 "vrrp_instance vi {\n    interface eth0\n    virtual_router_id 51\n"
                 "    virtual_ipaddress {\n        198.18.0.100/24\n    }\n}\n")
    cp = nl_cli(haplane_bin, "-f", str(f), "--control", str(tmp_path / "c.sock"))
    assert cp.returncode == 1, cp
    assert re.search(r"%s:5:15: error: vrrp_instance 'vi' in a node-local file: node-local "
                     r"runs proxies only" % re.escape(str(f)), cp.stderr), cp.stderr
    assert not os.path.exists(tmp_path / "c.sock")
    g = tmp_path / "empty.conf"
    g.write_text("global_defs {\n    router_id x\n}\n")
    cp = nl_cli(haplane_bin, "-f", str(g), "--control", str(tmp_path / "c.sock"))
    assert cp.returncode == 1 and "no proxy block" in cp.stderr, cp


def test_cli_help(haplane_bin):
    cp = nl_cli(haplane_bin, "--help")
    assert cp.returncode == 0
    for opt in ("--listen", "--server", "--ca", "--cert", "--key", "--control",
                "--metrics-listen", "--discover", "127.0.0.1:6444"):
        assert opt in cp.stdout, opt


# ---- the lab ----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_link_loss_no_failed_connection(lab, haplane_bin, mode):
    """node-local on its defaults (check every 10 s, so the link loss is
    found by passive signals: hedges and connect timeouts). New
    connections at 50/s and 6 watch streams that reconnect when cut;
    master2's link goes down. No connection opened after the fault fails
    (one master2 had begun to answer dies with it and is excused, as no L4
    proxy can move a TLS session), and every watch on master2 is cut and
    running again on another master within 3 s of the fault."""
    all_up(lab)
    port = 26444 + OFFSET[mode]
    nl = rate = watch = None
    try:
        nl = NodeLocal(lab, haplane_bin, "nl-link-" + mode,
                       ["--listen", "127.0.0.1:%d" % port, "--ca", lab.ca, "--relay", mode]
                       + sum((["--server", srv(m)] for m in MASTERS), []))
        nl.wait_health("up", [srv(m) for m in MASTERS])
        watch = Background(lab, "rewatch", "127.0.0.1", port, lab.ca, 6, 9, 0.2)
        time.sleep(1.0)
        rate = Background(lab, "rate", "127.0.0.1", port, lab.ca, 50, 6)
        time.sleep(1.5)
        t_fail = time.time()
        lab.fail("master2")
        new = rate.result()["results"]
        streams = watch.result()["streams"]
        status = nl.status()
        log = nl.log()
    finally:
        lab.heal("master2")
        for b in (rate, watch):
            if b:
                b.kill()
        if nl:
            nl.stop()
    lost = [x for x in new if not x["ok"] and x["start"] < t_fail]
    failed = [x for x in new if not x["ok"] and x["start"] >= t_fail]
    on2 = [s for s in streams if "master2" in s["hosts"]]
    silences = []
    for s in streams:
        ticks = [t_fail] + [t for t in s["ticks"] if t >= t_fail]
        silences.append(max(b - a for a, b in zip(ticks, ticks[1:])) if len(ticks) > 1 else 99)
    print("%s: %d new connections, %d lost in flight, %d failed after the fault; "
          "%d watches on master2; longest watch silence after the fault %s s"
          % (mode, len(new), len(lost), len(failed), len(on2),
             ["%.2f" % x for x in silences]))
    assert len(new) == 300
    assert not failed, "failed connections after the fault: %s" % failed
    assert len(lost) <= 3, lost
    assert on2, "no watch was on master2: the cut was not tested (%s)" % streams
    for s in on2:
        assert s["reconnects"], s
        assert s["hosts"][-1] != "master2", s
    assert max(silences) <= 3.0, silences
    srvs = {s["name"]: s for s in status["proxies"]["node-local"]["servers"]}
    assert srvs[srv("master2")]["health"] == "down", srvs[srv("master2")]
    assert re.search(r'server %s is down .*cut fast' % re.escape(srv("master2")), log), log


def kubeconfig(lab, path, port, crt_key=None):
    """A kubelet-style kubeconfig that points at node-local itself: the CA
    as a file, the client certificate inline (base64), the key as a file."""
    crt, key = crt_key or lab.cert("master1")  # any certificate and key of the lab CA
    with open(crt, "rb") as f:
        crt_b64 = base64.b64encode(f.read()).decode()
    with open(path, "w") as f:
        f.write("""apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: %s
    server: https://127.0.0.1:%d
  name: lab
contexts:
- context:
    cluster: lab
    user: system:node:node1
  name: system:node:node1@lab
current-context: system:node:node1@lab
users:
- name: system:node:node1
  user:
    client-certificate-data: %s
    client-key: %s
""" % (lab.ca, port, crt_b64, key))


@pytest.mark.parametrize("mode", MODES)
def test_discovery_adds_and_removes_servers(lab, haplane_bin, mode):
    """--discover with only master1 as the seed: the stand-ins' `kubernetes`
    Endpoints list master1 and master2, so master2 is added; then the list
    becomes master1 and master3: master2 is removed and master3 added. New
    connections at 20/s through all of it: none fails. A fetch that fails
    (an Endpoints object that is not one) is counted and the last good
    list stays."""
    all_up(lab)
    port = 26450 + OFFSET[mode]
    d = lab.host_dir(HOST)
    kc = os.path.join(d, "kubelet-%s.conf" % mode)
    kubeconfig(lab, kc, port)
    lab.set_endpoints(["master1", "master2"])
    nl = rate = None
    try:
        nl = NodeLocal(lab, haplane_bin, "nl-disc-" + mode,
                       ["--listen", "127.0.0.1:%d" % port, "--ca", lab.ca, "--relay", mode,
                        "--server", srv("master1"), "--discover", kc,
                        "--discover-interval", "1s"])
        nl.wait_health("up", [srv("master1")])
        rate = Background(lab, "rate", "127.0.0.1", port, lab.ca, 20, 12)
        nl.wait_health("up", [srv("master1"), srv("master2")], timeout=8)
        t_added = time.time()
        lab.set_endpoints(["master1", "master3"])
        wait_for(lambda: set(nl.servers()) == {srv("master1"), srv("master3")}, 8, 0.1,
                 "master2 removed, master3 added")
        nl.wait_health("up", [srv("master3")], timeout=8)
        # a broken answer: counted, the list stays
        with open(lab.endpoints_file, "w") as f:
            f.write("not-an-address\n")
        wait_for(lambda: nl.status()["node_local"]["discover"]["errors"]["parse"] >= 1, 8, 0.1,
                 "a parse error counted")
        new = rate.result()["results"]
        st = nl.status()
        log = nl.log()
    finally:
        all_up(lab)
        if rate:
            rate.kill()
        if nl:
            nl.stop()
    disc = st["node_local"]["discover"]
    hosts = {x.get("host") for x in new if x["start"] > t_added + 1}
    print("%s: %d requests, failed %s; discover %s; hosts after the change %s"
          % (mode, len(new), [x for x in new if not x["ok"]], disc, hosts))
    assert len(new) == 240 and all(x["ok"] for x in new), [x for x in new if not x["ok"]]
    assert disc["changes"] >= 2 and disc["ok"] >= 2, disc
    assert disc["servers"] == sorted([srv("master1"), srv("master3")]), disc
    assert set(s["name"] for s in st["proxies"]["node-local"]["servers"]) == \
        {srv("master1"), srv("master3")}
    assert st["config"]["generation"] >= 3, st["config"]
    assert re.search(r'servers changed: added \[%s\], removed \[\]' % re.escape(srv("master2")),
                     log), log
    assert re.search(r'servers changed: added \[%s\], removed \[%s\]'
                     % (re.escape(srv("master3")), re.escape(srv("master2"))), log), log
    assert re.search(r'fetch failed \(parse: .*not-an-address.*\); keeping 2 servers', log), log
    assert "master3" in hosts, hosts


STANDIN = os.path.join(os.path.dirname(os.path.dirname(HERE)), "lab", "apiserver-standin")
MTLS_PORT = 7443


def test_discovery_sends_the_client_certificate(lab, haplane_bin, tmp_path):
    """Stand-ins on master1 and master2 that ask for a client certificate,
    verify it with the lab CA and answer the Endpoints object only to a
    client that gave one (403 otherwise, as kube-apiserver answers
    anonymous requests), on port 7443. A node-local seeded with master1
    alone learns master2 with the kubeconfig's certificate (of the lab CA);
    one whose kubeconfig holds a certificate of another CA is refused: the
    failure is counted and logged and its list stays the seed."""
    all_up(lab)
    eps = os.path.join(lab.host_dir(HOST), "mtls-endpoints")
    with open(eps, "w") as f:
        f.write("%s\n%s\n" % (ipv4("master1"), ipv4("master2")))
    for m in ("master1", "master2"):
        crt, key = lab.cert(m)
        flag = str(tmp_path / (m + ".listening"))
        lab.popen(m, "apiserver-mtls", [PYTHON, STANDIN, "--host", m, "--cert", crt, "--key",
                                        key, "--port", str(MTLS_PORT), "--no-etcd",
                                        "--ready-file", flag, "--endpoints-file", eps,
                                        "--endpoints-port", str(MTLS_PORT), "--client-ca",
                                        lab.ca])
        wait_for(lambda flag=flag: os.path.exists(flag), 10, 0.05, m + " mTLS stand-in")
    # the kubelet's kind of certificate: the cluster CA's, for client auth
    crt, key, csr, ext = (str(tmp_path / n) for n in ("node1.crt", "node1.key", "node1.csr",
                                                        "node1.ext"))
    with open(ext, "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj",
                    "/O=system:nodes/CN=system:node:node1"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", lab.ca, "-CAkey",
                    certs.ca_paths(lab.certdir)[1], "-CAcreateserial", "-days", "1",
                    "-extfile", ext, "-out", crt], check=True, capture_output=True)
    bad_crt, bad_key = str(tmp_path / "other.crt"), str(tmp_path / "other.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", bad_key, "-out", bad_crt,
                    "-subj", "/CN=system:node:stranger", "-days", "1"],
                   check=True, capture_output=True)
    good = bad = None
    m1, m2 = "%s:%d" % (ipv4("master1"), MTLS_PORT), "%s:%d" % (ipv4("master2"), MTLS_PORT)
    try:
        kc_good, kc_bad = str(tmp_path / "good.conf"), str(tmp_path / "bad.conf")
        kubeconfig(lab, kc_good, 26470, (crt, key))
        kubeconfig(lab, kc_bad, 26471, (bad_crt, bad_key))
        good = NodeLocal(lab, haplane_bin, "nl-mtls-good",
                         ["--listen", "127.0.0.1:26470", "--ca", lab.ca, "--server", m1,
                          "--discover", kc_good, "--discover-interval", "1s"])
        bad = NodeLocal(lab, haplane_bin, "nl-mtls-bad",
                        ["--listen", "127.0.0.1:26471", "--ca", lab.ca, "--server", m1,
                         "--discover", kc_bad, "--discover-interval", "1s"])
        good.wait_health("up", [m1, m2], timeout=10)
        wait_for(lambda: sum(bad.status()["node_local"]["discover"]["errors"].values()) >= 2,
                 10, 0.1, "the stranger's fetches refused")
        dg, db = (good.status()["node_local"]["discover"], bad.status()["node_local"]["discover"])
        bad_servers = set(bad.servers())
        log_bad = bad.log()
    finally:
        for n in (good, bad):
            if n:
                n.stop()
        for m in ("master1", "master2"):
            if lab.is_running(m, "apiserver-mtls"):
                lab.stop(m, "apiserver-mtls")
    print("good: %s\nbad: %s" % (dg, db))
    assert dg["servers"] == sorted([m1, m2]) and dg["ok"] >= 1, dg
    assert db["ok"] == 0 and db["seed_only"] and db["servers"] == [m1], db
    assert bad_servers == {m1}
    assert db["errors"]["tls"] >= 2, db
    # the server's alert ("unknown ca"), or its reset after asking for the
    # certificate, whichever reaches the client first
    assert re.search(r"fetch failed \(tls: [^)]*(client certificate|unknown ca)[^)]*\); "
                     r"keeping 1 server", log_bad), log_bad


@pytest.mark.parametrize("mode", MODES)
def test_notready_drains_slowly_dead_cut_fast(lab, haplane_bin, mode):
    """node-local's defaults: a not-ready server (/readyz 503, a graceful
    shutdown) keeps its connections until `timeout drain` (10 s) spreads
    their close; a dead one (link down) is cut within about 1 s of being
    marked down. 8 idle keep-alive connections per master; new connections
    at 10/s give the passive signals."""
    all_up(lab)
    port = 26460 + OFFSET[mode]
    nl = idle = rate = None
    try:
        nl = NodeLocal(lab, haplane_bin, "nl-drain-" + mode,
                       ["--listen", "127.0.0.1:%d" % port, "--ca", lab.ca, "--relay", mode]
                       + sum((["--server", srv(m)] for m in MASTERS), []))
        nl.wait_health("up", [srv(m) for m in MASTERS])
        idle = Background(lab, "idle", "127.0.0.1", port, lab.ca, 24, 40)
        assert idle.p.stdout.readline().strip() == "OPEN"
        rate = Background(lab, "rate", "127.0.0.1", port, lab.ca, 10, 4)
        time.sleep(0.5)
        t_fail = time.time()
        lab.fail("master2")
        t_down2 = nl.wait_health("down", [srv("master2")], timeout=10)
        rate.result()
        lab.heal("master2")
        t_nr = time.time()
        lab.notready("master3")
        # the active check finds it: up to 10 s +- 20 %, then the fast interval
        t_down3 = nl.wait_health("down", [srv("master3")], timeout=16)
        # the drain spreads master3's closes over 10 s: report once it is over
        # (master1's connections stay open to the client's 40 s otherwise)
        time.sleep(max(0.0, t_down3 + 11.0 - time.time()))
        idle.p.send_signal(signal.SIGTERM)
        idle.p.wait(timeout=10)
        out = idle.p.stdout.read()
        conns = json.loads(out.strip().splitlines()[-1])["conns"]
        log = nl.log()
    finally:
        for b in (idle, rate):
            if b:
                b.kill()
        all_up(lab)
        if nl:
            nl.stop()
    on2 = sorted(c["closed"] - t_down2 for c in conns
                 if c["host"] == "master2" and c["closed"] is not None)
    on3 = sorted(c["closed"] - t_down3 for c in conns
                 if c["host"] == "master3" and c["closed"] is not None)
    print("%s: master2 down %.2f s after its link, connections closed at %s s; master3 down "
          "%.2f s after not ready, connections closed at %s s"
          % (mode, t_down2 - t_fail, ["%.2f" % x for x in on2], t_down3 - t_nr,
             ["%.2f" % x for x in on3]))
    assert t_down2 - t_fail <= 2.0
    assert len(on2) == 8 and len(on3) == 8, conns
    assert on2[-1] <= 1.2, on2
    assert on3[-1] >= 3.0 and on3[-1] <= 10.5, on3
    assert re.search(r'server %s is down \(bad-status\): .* close over 10000 ms \(timeout '
                     r'drain\)' % re.escape(srv("master3")), log), log


def test_status_and_metrics_without_lab(haplane_bin, tmp_path):
    """On loopback, no lab: `haplane status` (text and JSON) through
    node-local's control socket, and --metrics-listen serving /metrics and
    /healthz for its proxy. Its one server refuses (127.0.0.1:1): down,
    with the reason, and the listener still answers."""
    import random
    import socket
    import urllib.request
    ctl = str(tmp_path / "nl.sock")
    port = random.randint(40000, 49000)
    mport = port + 1
    p = subprocess.Popen([haplane_bin, "node-local", "--listen", "127.0.0.1:%d" % port,
                          "--server", "127.0.0.1:1", "--control", ctl,
                          "--metrics-listen", "127.0.0.1:%d" % mport],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: os.path.exists(ctl), 10, 0.05, "control socket")

        def status_json():
            cp = subprocess.run([haplane_bin, "status", "--json", "--control", ctl],
                                capture_output=True, text=True, timeout=10)
            assert cp.returncode == 0, cp.stderr
            return json.loads(cp.stdout)
        wait_for(lambda: status_json()["proxies"]["node-local"]["servers"][0]["health"] ==
                 "down", 10, 0.05, "the server down")
        st = status_json()
        px = st["proxies"]["node-local"]
        assert st["config"]["path"].startswith("node-local --listen 127.0.0.1:%d" % port)
        assert st["node_local"] == {"file": None, "discover": None}
        assert px["servers"][0]["name"] == "127.0.0.1:1"
        text = subprocess.run([haplane_bin, "status", "--control", ctl], capture_output=True,
                              text=True, timeout=10).stdout
        assert "proxy node-local: 127.0.0.1:%d, leastconn" % port in text, text
        assert "refused" in text, text
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=5) as r:
            metrics = r.read().decode()
        assert re.search(r'haplane_\w+\{[^}]*proxy="node-local"[^}]*server="127.0.0.1:1"',
                         metrics), metrics[:2000]
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % mport, timeout=5) as r:
            assert r.status == 200
        # the listener is up even with no server: a client is closed, not refused
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.settimeout(5)
        assert s.recv(1) == b""
        s.close()
    finally:
        p.terminate()
        out = p.communicate(timeout=30)[0]
    assert p.returncode == 0, out
    assert "SIGTERM: shutting down" in out, out
