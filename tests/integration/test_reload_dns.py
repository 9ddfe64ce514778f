"""A reload whose new server name resolves slowly does not stall VRRP.

VRRP adverts, the checks and the control socket run on the daemon's main
thread. A reload that adds `server NAME:PORT` used to resolve NAME there,
blocking: with a DNS server that does not answer, the master fell silent for
the resolver's whole timeout and its backup took the VIP. Names are now
resolved on a thread of their own while the main loop goes on.

master1 (priority 120) and master2 (100) run VRRPv3 at 0.1 s (master down
after about 0.35 s). master1's resolver is pointed (through
/etc/netns/NS/resolv.conf, which `ip netns exec` mounts over /etc/resolv.conf)
at node1, where a UDP socket swallows every query: a lookup takes 3 s. The
test adds such a server on master1 and sends SIGHUP.
"""

import os
import shutil
import signal
import time

import pytest

import vrrp_lab
from vrrp_lab import VIP, conf, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
PYTHON = "/usr/bin/python3"
NAME = "slow.haplane.test"

SINK = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
while True:
    s.recvfrom(4096)  # never answered
"""

PROXY = """\
proxy api {{
    bind *:16443
    check none
    server master2 {master2}:6443
{extra}}}
"""


@pytest.fixture
def slow_dns(lab):
    """master1's resolver asks node1, which never answers (1 s x 3 tries)."""
    made_top = not os.path.isdir("/etc/netns")
    d = os.path.join("/etc/netns", lab.ns("master1"))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "resolv.conf"), "w") as f:
        f.write("nameserver %s\noptions timeout:1 attempts:3\n" % ipv4("node1"))
    lab.popen("node1", "dnssink", [PYTHON, "-c", SINK])
    try:
        yield
    finally:
        if lab.is_running("node1", "dnssink"):
            lab.stop("node1", "dnssink")
        shutil.rmtree(d, ignore_errors=True)
        if made_top:
            try:
                os.rmdir("/etc/netns")
            except OSError:
                pass


@pytest.fixture
def vr(lab, haplane_bin, slow_dns):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def config(host, prio, extra=""):
    return conf(host, prio, version=3, advert="0.1") + PROXY.format(
        master2=ipv4("master2"), extra=extra)


def test_slow_dns_on_reload_does_not_stall_vrrp(vr, lab):
    vr.start("master1", config("master1", 120))
    vr.start("master2", config("master2", 100))
    vr.wait_holder("master1", timeout=3)
    mon = vr.monitor()
    gen = vr.status_all("master1")["config"]["generation"]
    vr.write("master1", "haplane.conf",
             config("master1", 120, "    server slow %s:6443\n" % NAME))
    t0 = time.monotonic()
    vr.send("master1", signal.SIGHUP)
    time.sleep(0.2)
    # while the lookup hangs, master1 answers its control socket at once and
    # keeps sending adverts: master2 never takes the VIP
    while time.monotonic() - t0 < 2.5:
        t = time.monotonic()
        st = vr.status_all("master1")
        assert time.monotonic() - t < 0.5, "status took %.3f s" % (time.monotonic() - t)
        assert st["config"]["generation"] == gen
        assert st["config"]["reload_pending"] is True
        time.sleep(0.1)
    assert vr.state("master2") == "BACKUP"
    assert mon.first("master2", "+", VIP, t0) is None
    # the lookup fails in the end: the reload is rejected, generation 1 stays
    wait_for(lambda: vr.status_all("master1")["config"]["last_reload_error"], 10, 0.1,
             "the reload to be rejected")
    st = vr.status_all("master1")
    assert "cannot resolve %s" % NAME in st["config"]["last_reload_error"], st["config"]
    assert st["config"]["generation"] == gen
    assert vr.holders() == ["master1"]
    assert "reload: resolving 1 name in the background" in vr.log("master1")
    # a reload without the name goes through at once
    vr.write("master1", "haplane.conf", config("master1", 120))
    vr.send("master1", signal.SIGHUP)
    wait_for(lambda: vr.status_all("master1")["config"]["generation"] == gen + 1, 3, 0.05,
             "the next reload")
    assert vr.status_all("master1")["config"]["last_reload_error"] is None


def test_sigterm_while_a_reload_waits_for_dns(vr, lab):
    """SIGHUP starts a reload that waits for the slow name, SIGTERM comes
    during the wait: the daemon hands the VIP over and exits 0 at once
    (the lookup thread is not waited for), and the other master takes over;
    a second SIGHUP during the wait is noted and does not pile up."""
    vr.start("master1", config("master1", 120))
    vr.start("master2", config("master2", 100))
    vr.wait_holder("master1", timeout=3)
    vr.write("master1", "haplane.conf",
             config("master1", 120, "    server slow %s:6443\n" % NAME))
    vr.send("master1", signal.SIGHUP)
    wait_for(lambda: vr.status_all("master1")["config"]["reload_pending"], 2, 0.02,
             "the reload to wait for DNS")
    vr.send("master1", signal.SIGHUP)
    wait_for(lambda: "reloading again after it" in vr.log("master1"), 2, 0.02,
             "the second SIGHUP noted")
    t = time.monotonic()
    rc = lab.stop("master1", "haplane", sig=signal.SIGTERM, timeout=5)
    assert rc == 0, vr.log("master1")[-2000:]
    assert time.monotonic() - t < 2.5  # not after the 3 s lookup
    vr.wait_holder("master2", timeout=2)
    assert "SIGTERM: shutting down" in vr.log("master1")
