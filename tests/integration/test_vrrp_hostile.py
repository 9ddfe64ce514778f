"""Adverts from strangers (issue 10, VRRP items): who may speak to an instance.

haplane runs on the three masters (priorities 100, 110, 120, VRRPv3, advert
0.1 s); master3 is master. node1 (not a peer) and master2 (a peer whose
packets are made to look routed, TTL 254) inject adverts with priority 255:
any of them accepted makes master3 yield, so "master3 still holds the VIP,
with no new transition" is the check, plus the drop counted under its reason.
Controls show the same adverts are accepted where they should be.
"""

import os
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, VIP6, conf, hlab, ipv4, unicast_of, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
COUNT = 3


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def start_all(vr, kw, vip=VIP):
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], **kw(h)))
        if h == "master3":
            vr.wait_holder("master3", timeout=3, vip=vip)
    for h in ("master1", "master2"):
        wait_for(lambda h=h: vr.status(h)["master"] is not None, 3, 0.02, "%s learns" % h)


def wait_drop(vr, host, reason, n):
    return wait_for(lambda: vr.status(host)["counters"]["drops"].get(reason, 0) >= n and
                    vr.status(host), 3, 0.05, "%d x %s on %s" % (n, reason, host))


def assert_kept(vr, before, vip=VIP):
    time.sleep(0.5)  # several intervals: a takeover would have happened
    after = vr.status("master3")
    assert after["state"] == "MASTER"
    assert after["counters"]["transitions"] == before["counters"]["transitions"]
    assert vr.holders(vip) == ["master3"]


def test_unicast_advert_from_a_stranger_is_dropped(vr):
    start_all(vr, lambda h: {"unicast": unicast_of(h)})
    before = vr.status("master3")
    vr.inject("node1", version=3, vrid=51, prio=255, addr=[VIP], advert_cs=10,
              src=ipv4("node1"), dst=ipv4("master3"), count=COUNT, interval=0.01)
    after = wait_drop(vr, "master3", "unknown-peer", COUNT)
    assert after["counters"]["adverts_rx"] >= before["counters"]["adverts_rx"]
    assert_kept(vr, before)
    assert "dropped advert from %s: unknown-peer" % ipv4("node1") in vr.log("master3")


def with_min_ttl(ttl):
    """unicast kw where master3 gives master2 `min_ttl ttl` (None: not set)."""
    def kw(h):
        src, peers = unicast_of(h)
        if h == "master3" and ttl is not None:
            peers = [p + (" min_ttl %d" % ttl if p == ipv4("master2") else "") for p in peers]
        return {"unicast": (src, peers)}
    return kw


def test_unicast_peer_ttl_below_min_ttl_is_dropped(vr):
    """With `min_ttl 255` (on the link), a peer's advert that crossed a router
    (TTL 254), or a stranger forging the peer's address from elsewhere, is dropped."""
    start_all(vr, with_min_ttl(255))
    before = vr.status("master3")
    vr.inject("master2", version=3, vrid=51, prio=255, addr=[VIP], advert_cs=10,
              src=ipv4("master2"), dst=ipv4("master3"), ttl=254, count=COUNT, interval=0.01)
    wait_drop(vr, "master3", "bad-ttl", COUNT)
    assert_kept(vr, before)


@pytest.mark.parametrize("ttl", [250, None])
def test_unicast_peer_ttl_in_range_is_heard(vr, ttl):
    """Control: with `min_ttl 250`, or none (keepalived: unchecked), the same
    routed advert from the peer counts."""
    start_all(vr, with_min_ttl(ttl))
    vr.inject("master2", version=3, vrid=51, prio=255, addr=[VIP], advert_cs=10,
              src=ipv4("master2"), dst=ipv4("master3"), ttl=254, count=COUNT, interval=0.01)
    vr.wait_state("master3", "BACKUP", timeout=3)
    assert vr.status("master3")["counters"]["drops"].get("bad-ttl", 0) == 0


def test_ipv6_multicast_advert_from_a_global_address_is_dropped(vr):
    start_all(vr, lambda h: {"vips": (VIP6 + "/64",)}, vip=VIP6)
    before = vr.status("master3")
    vr.inject("node1", version=3, vrid=51, prio=255, addr=[VIP6], advert_cs=10,
              src=hlab.ipv6("node1"), count=COUNT, interval=0.01)
    wait_drop(vr, "master3", "bad-source", COUNT)
    assert_kept(vr, before, vip=VIP6)


def test_advert_larger_than_the_mtu_is_refused(vr, lab):
    """80 IPv6 VIPs make a 1328-byte advert: on a 1280-byte link it cannot be
    sent, so haplane must not run the instance (it went MASTER, silently)."""
    vips = tuple("fd18::1:%x/64" % (i + 1) for i in range(80))
    lab.run("master3", ["ip", "link", "set", "eth0", "mtu", "1280"])
    try:
        vr.start("master3", conf("master3", 120, vips=vips), wait=False)
        wait_for(lambda: not vr.running("master3"), 5, 0.05, "haplane on master3 to refuse")
        log = vr.log("master3")
        assert "more than the MTU 1280 of eth0" in log, log[-2000:]
        assert "MASTER" not in log
    finally:
        lab.run("master3", ["ip", "link", "set", "eth0", "mtu", "1500"])


NOTIFY = """#!/bin/sh
echo "start $$ $3" >> {log}
sleep 1
echo "end $$" >> {log}
"""


def max_concurrent(path):
    running, peak = 0, 0
    with open(path) as f:
        for line in f:
            running += 1 if line.startswith("start") else -1
            peak = max(peak, running)
    return peak


def idle(path):
    """Every notify command that started has ended."""
    with open(path) as f:
        lines = f.read().splitlines()
    return sum(1 if ln.startswith("start") else -1 for ln in lines) == 0


def test_flapping_flood_is_bounded(vr, lab):
    """Alternating priority 255 / 0 adverts every 60 ms for 3 s from a host on
    the link (each 0 lets master3's master-down timer, 53 ms at priority 120,
    run out before the next 255: the previous binary changed state 49 times):
    a bounded number of state changes, and never more than one notify command
    of the instance running (it sleeps 1 s)."""
    log = vr.path("master3", "notify.log")
    script = vr.write("master3", "notify.sh", NOTIFY.format(log=log))
    os.chmod(script, 0o755)
    open(log, "w").close()
    for h in reversed(MASTERS):
        extra = 'notify "%s"' % script if h == "master3" else ""
        vr.start(h, conf(h, PRIOS[h], extra=extra))
        if h == "master3":
            vr.wait_holder("master3", timeout=3)
    wait_for(lambda: idle(log), 5, 0.05, "the start-up notify to end")
    before = vr.status("master3")
    vr.inject("node1", version=3, vrid=51, prio=255, prio2=0, addr=[VIP], advert_cs=10,
              src=ipv4("node1"), count=50, interval=0.06)
    after = vr.status("master3")
    changes = after["counters"]["transitions"] - before["counters"]["transitions"]
    # at most VRRP_FLAP_MAX (10) advert-caused changes per 10 s, each followed
    # by at most one timer-caused change back
    assert changes <= 22, changes
    assert after["counters"]["drops"].get("rate-limited", 0) > 0
    wait_for(lambda: vr.status("master3")["state"] == "MASTER", 5, 0.05, "master3 back")
    wait_for(lambda: idle(log), 15, 0.1, "notify commands to end")
    assert vr.status("master3")["counters"]["notify_running"] == 0
    assert max_concurrent(log) == 1
    with open(log) as f:
        starts = [ln.split() for ln in f if ln.startswith("start")]
    assert starts[-1][2] == "MASTER", starts  # the scripts end up told the state it is in


def test_master_answers_a_flood_of_lower_adverts_once_per_interval(vr, lab):
    start_all(vr, lambda h: {})
    before = vr.status("master3")
    t = time.monotonic()
    vr.inject("node1", version=3, vrid=51, prio=1, addr=[VIP], advert_cs=10,
              src=ipv4("node1"), count=1000, interval=0.001)
    took = time.monotonic() - t
    after = vr.status("master3")
    sent = after["counters"]["adverts_tx"] - before["counters"]["adverts_tx"]
    # own adverts every 0.1 s plus at most one answer per interval
    assert sent <= 2 * (took / 0.1) + 6, (sent, took)
    assert after["state"] == "MASTER"
    assert after["counters"]["replies_limited"] > 0
    # and the VIPs are announced again at most once a second, not per advert
    reann = after["counters"]["reannounces"] - before["counters"]["reannounces"]
    assert 1 <= reann <= took / 1.0 + 1, (reann, took)
    assert after["counters"]["drops"] == {}


def mac(lab, host):
    return lab.run(host, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()


def neigh_mac(lab, host, addr):
    out = lab.run(host, ["ip", "neigh", "show", addr, "dev", "eth0"]).stdout.split()
    return out[out.index("lladdr") + 1] if "lladdr" in out else None


def test_master_hearing_a_lower_master_announces_the_vip_again(vr, lab):
    """Two nodes took over at once; the lower one stepped back, but its GARP
    was the last node1 heard, so node1 sends to it. The master that stays
    answers the lower master's advert with a GARP of its own."""
    start_all(vr, lambda h: {})
    m2, m3 = mac(lab, "master2"), mac(lab, "master3")
    # node1 believes master2's announcement (older than the kernel's 1 s
    # locktime, so a later GARP may override it)
    lab.run("node1", ["ip", "neigh", "replace", VIP, "lladdr", m2, "dev", "eth0",
                      "nud", "stale"])
    time.sleep(1.2)
    assert neigh_mac(lab, "node1", VIP) == m2
    before = vr.status("master3")["counters"]
    vr.inject("node2", version=3, vrid=51, prio=1, addr=[VIP], advert_cs=10,
              src=ipv4("node2"), count=1, interval=0.01)
    wait_for(lambda: neigh_mac(lab, "node1", VIP) == m3, 2, 0.05,
             "node1's ARP entry for the VIP to point at master3")
    after = vr.status("master3")["counters"]
    assert after["reannounces"] == before["reannounces"] + 1, (before, after)
    assert "announcing the VIPs again" in vr.log("master3")
