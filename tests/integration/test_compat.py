"""The drop-in: haplane run from keepalived.conf + haproxy.cfg in the lab.

- test_cli_contract (no lab): run/check/convert with --keepalived/--haproxy,
  usage errors (exit 2), FILE:LINE:COL errors (exit 1), convert's output
  loading as a native file.

The files are tests/fixtures/compat/lab/: the seed's keepalived.conf (advert 1,
PASS authentication, `killall -0 haproxy` weight -2 fall 10 rise 2) written
once for the three masters with `@masterN` lines (priorities 100/90/80), and a
haproxy.cfg sending the VIP's port 16443 to the three API-server stand-ins
(:6443, HTTPS /readyz checks with the lab CA, whose path haproxy.cfg takes
from the environment: "${LAB_CA}").

- test_haplane_from_the_original_files: haplane on all three masters from
  those files; the VIP and the proxy work as with a native file; the VIP
  moves on SIGTERM; `haplane convert`'s output runs the same way.
- test_rolling_migration: master1 still runs the real keepalived and haproxy
  (Debian's, foreground, same files), masters 2-3 run haplane; the VIP moves
  from keepalived to haplane and back, and the API answers through the VIP
  at every step.
"""

import os
import signal
import subprocess

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}  # the stand-ins are ready unless told otherwise
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(os.path.dirname(HERE), "fixtures", "compat", "lab")
KA = os.path.join(FIX, "keepalived.conf")
HAP = os.path.join(FIX, "haproxy.cfg")
PRIO = {"master1": 100, "master2": 90, "master3": 80}
PORT = 16443
# advert 1 s: master down interval 3 s + skew; SIGTERM (priority 0) is faster
FAILOVER = 6


@pytest.fixture
def vr(lab, haplane_bin):
    gen = vrrp_lab.vr_fixture(lab, haplane_bin)
    v = next(gen)
    try:
        yield v
    finally:
        for h in MASTERS:
            if lab.is_running(h, "haproxy"):
                lab.stop(h, "haproxy")
        next(gen, None)


def compat_env(lab):
    return {"LAB_CA": lab.ca}


def compat_haplane(vr, lab, host, *source):
    """haplane on host from `source` (default: the lab's keepalived.conf and
    haproxy.cfg, with --config-id host)."""
    argv = list(source) or ["--keepalived", KA, "--haproxy", HAP, "--config-id", host]
    sock = vr.control(host)
    if os.path.exists(sock):
        os.unlink(sock)
    lab.popen(host, "haplane", [vr.bin, "run"] + argv + ["--control", sock,
                                                          "--log-level", "debug"],
              env=compat_env(lab))
    wait_for(lambda: vr._answers(host), 5, 0.05, "haplane on %s" % host)


def compat_keepalived(vr, lab, host):
    lab.popen(host, "keepalived", [
        "keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog", "--vrrp",
        "-f", KA, "-i", host, "-p", vr.path(host, "ka.pid"), "-r", vr.path(host, "ka-vrrp.pid"),
        "-c", vr.path(host, "ka-checkers.pid")])


def compat_haproxy(lab, host):
    lab.popen(host, "haproxy", ["haproxy", "-db", "-f", HAP], env=compat_env(lab))


def compat_api(lab, client="node1"):
    """GET /version through the VIP's proxy port, verified with the lab CA."""
    return lab.curl(client, "https://%s:%d/version" % (VIP, PORT), timeout=3)


def compat_api_ok(lab):
    def ok():
        r = compat_api(lab)
        return r.status == 200 and '"host"' in r.body
    wait_for(ok, 10, 0.2, "the API through %s:%d" % (VIP, PORT))


def compat_instance(vr, host):
    return vr.status(host, name="VI_1")


def compat_master(vr, host):
    """The address of the master host's haplane follows (None: none seen)."""
    return (compat_instance(vr, host).get("master") or {}).get("address")


def compat_run(*argv, env=None):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=10,
                          env=dict(os.environ, **(env or {})))


def test_cli_contract(haplane_bin, tmp_path):
    seed = os.path.join(os.path.dirname(FIX), "seed-keepalived.conf")
    cp = compat_run(haplane_bin, "convert")
    assert cp.returncode == 2 and "a config file is required" in cp.stderr, cp.stderr
    cp = compat_run(haplane_bin, "check", "-f", seed, "--keepalived", seed)
    assert cp.returncode == 2 and "cannot be used together" in cp.stderr, cp.stderr
    cp = compat_run(haplane_bin, "check", "--haproxy", HAP, "--config-id", "x")
    assert cp.returncode == 2 and "--config-id applies to --keepalived only" in cp.stderr
    cp = compat_run(haplane_bin, "convert", "--help")
    assert cp.returncode == 0 and cp.stdout.startswith("usage: haplane convert"), cp.stdout

    bad = tmp_path / "keepalived.conf"
    bad.write_text("vrrp_instance vi {\n    prioriti 100\n}\n")
    cp = compat_run(haplane_bin, "check", "--keepalived", str(bad))
    assert cp.returncode == 1
    assert ("%s:2:5: error: unknown directive 'prioriti' in vrrp_instance (did you mean "
            "'priority'?)" % bad) in cp.stderr, cp.stderr
    cp = compat_run(haplane_bin, "convert", "--keepalived", str(bad))
    assert cp.returncode == 1 and cp.stdout == ""

    cp = compat_run(haplane_bin, "convert", "--keepalived", seed, "--haproxy", HAP,
                    "--config-id", "master1", env={"LAB_CA": "/etc/ssl/certs/ca.pem"})
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.startswith("# haplane configuration, made by `haplane convert`")
    out = tmp_path / "haplane.conf"
    out.write_text(cp.stdout)
    cp = compat_run(haplane_bin, "check", "-f", str(out))
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "%s: ok: 1 vrrp instance, 1 proxy, 3 servers\n" % out


def test_haplane_from_the_original_files(vr, lab, haplane_bin, tmp_path):
    cp = subprocess.run([haplane_bin, "check", "--keepalived", KA, "--haproxy", HAP,
                         "--config-id", "master1"], capture_output=True, text=True,
                        env=dict(os.environ, LAB_CA=lab.ca), timeout=10)
    assert cp.returncode == 0, cp.stderr
    assert "becomes 'track_proxy apiserver weight -2'" in cp.stderr
    assert cp.stdout.endswith("ok: 1 vrrp instance, 1 proxy, 3 servers\n"), cp.stdout

    for h in MASTERS:
        compat_haplane(vr, lab, h)
    vr.wait_holder("master1", timeout=FAILOVER)
    for h in MASTERS:
        st = compat_instance(vr, h)
        assert st["priority"] == PRIO[h], (h, st)
        assert st["tracks"] == [{"kind": "proxy", "name": "apiserver", "weight": -2,
                                 "ok": True, "effect": "none"}], (h, st)
    assert compat_instance(vr, "master1")["state"] == "MASTER"
    assert "track_script 'check_haproxy' only checks that haproxy runs" in vr.log("master1")
    compat_api_ok(lab)

    # SIGHUP reads the same two files again
    vr.send("master3", signal.SIGHUP)
    wait_for(lambda: vr.status_all("master3")["config"]["generation"] == 2, 5, 0.05, "reload")
    conf = vr.status_all("master3")["config"]
    assert conf["path"] == "%s + %s" % (KA, HAP) and conf["last_reload_error"] is None, conf

    # SIGTERM: priority 0, master2 (90) takes over at once; the API stays up
    vr.stop("master1", sig=signal.SIGTERM)
    vr.wait_holder("master2", timeout=FAILOVER)
    compat_api_ok(lab)

    # the converted file runs the same: master1 (100) takes the VIP back
    conv = tmp_path / "master1.conf"
    cp = subprocess.run([haplane_bin, "convert", "--keepalived", KA, "--haproxy", HAP,
                         "--config-id", "master1"], capture_output=True, text=True,
                        env=dict(os.environ, LAB_CA=lab.ca), timeout=10)
    assert cp.returncode == 0, cp.stderr
    assert "track_proxy {\n        apiserver weight -2\n    }" in cp.stdout
    conv.write_text(cp.stdout)
    compat_haplane(vr, lab, "master1", "-f", str(conv))
    vr.wait_holder("master1", timeout=FAILOVER)
    st = compat_instance(vr, "master1")
    assert st["state"] == "MASTER" and st["priority"] == 100
    compat_api_ok(lab)


def test_rolling_migration(vr, lab):
    """master1: real keepalived + haproxy; master2-3: haplane; same files."""
    compat_haproxy(lab, "master1")
    compat_keepalived(vr, lab, "master1")
    vr.wait_holder("master1", timeout=FAILOVER)
    for h in ("master2", "master3"):
        compat_haplane(vr, lab, h)
    wait_for(lambda: all(compat_instance(vr, h)["state"] == "BACKUP"
                         for h in ("master2", "master3")), FAILOVER, 0.1, "haplanes backup")
    # haplane accepts keepalived's adverts (PASS auth, v2) and follows it
    wait_for(lambda: compat_master(vr, "master2") == ipv4("master1"), FAILOVER, 0.1,
             "master2 follows keepalived")
    assert vr.holders() == ["master1"]
    compat_api_ok(lab)  # through the real haproxy

    # keepalived stops (priority 0): haplane on master2 takes over
    vr.stop("master1", "keepalived", sig=signal.SIGTERM)
    vr.wait_holder("master2", timeout=FAILOVER)
    compat_api_ok(lab)  # through haplane's proxy
    wait_for(lambda: compat_master(vr, "master3") == ipv4("master2"), FAILOVER, 0.1,
             "master3 follows master2")

    # keepalived comes back with the higher priority: it preempts haplane
    compat_keepalived(vr, lab, "master1")
    vr.wait_holder("master1", timeout=FAILOVER + 3)
    wait_for(lambda: compat_instance(vr, "master2")["state"] == "BACKUP", FAILOVER, 0.1,
             "master2 back to backup")
    compat_api_ok(lab)
    ka = vr.log("master1", "keepalived")
    for bad in ("authentication", "mismatch", "invalid", "checksum"):
        lines = [ln for ln in ka.splitlines() if bad in ln.lower()]
        assert not lines, lines
    for h in ("master2", "master3"):
        assert compat_instance(vr, h)["counters"]["drops"] == {}, h
