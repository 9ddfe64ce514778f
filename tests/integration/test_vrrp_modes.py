"""VRRP modes in the lab: unicast peers (clouds carry no multicast) and an
IPv6 VIP (VRRPv3 over IPv6, adverts from the link-local address, unsolicited
neighbour advertisements on takeover). haplane on the three masters
(priorities 100, 110, 120; advert 0.1 s); master3 starts first.
"""

import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, VIP6, conf, hlab, ipv4, neigh_mac, unicast_of, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
DOWN_110 = 3 * 0.1 + (256 - 110) / 256 * 0.1


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def start_all(vr, vip, kw):
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], **kw(h)))
        if h == "master3":
            vr.wait_holder("master3", timeout=3, vip=vip)
    vr.wait_holder("master3", timeout=3, vip=vip)


def joined(lab, host, group):
    return group in lab.run(host, ["ip", "maddr", "show", "dev", "eth0"]).stdout


def test_unicast_peers(vr, lab):
    start_all(vr, VIP, kw=lambda h: {"unicast": unicast_of(h)})
    for h in ("master1", "master2"):
        wait_for(lambda h=h: vr.status(h)["master"] is not None, 2, 0.02, "%s learns" % h)
    for h in MASTERS:
        s = vr.status(h)
        assert s["mode"] == "unicast" and s["source"] == ipv4(h)
        assert s["counters"]["drops"] == {}
        assert not joined(lab, h, "224.0.0.18"), "%s joined the VRRP group" % h
    s1 = vr.status("master1")
    assert s1["master"] == {"self": False, "address": ipv4("master3"), "priority": 120}
    assert s1["counters"]["adverts_rx"] > 0
    # 2 peers: every advert goes out twice
    s3 = vr.status("master3")
    assert s3["counters"]["adverts_tx"] >= 2 and s3["counters"]["tx_errors"] == 0

    t = time.monotonic()
    lab.fail("master3")
    vr.wait_holder("master2", timeout=3)
    assert time.monotonic() - t < DOWN_110 + 1.0
    assert lab.ping("node1", VIP)
    lab.heal("master3")
    vr.wait_holder("master3", timeout=3)
    assert lab.ping("node1", VIP)


def test_multicast_joins_the_group(vr, lab):
    start_all(vr, VIP, kw=lambda h: {})
    for h in MASTERS:
        assert joined(lab, h, "224.0.0.18"), h
        assert vr.status(h)["mode"] == "multicast"


def test_ipv6_vip(vr, lab):
    start_all(vr, VIP6, kw=lambda h: {"vips": (VIP6 + "/64",)})
    s3 = vr.status("master3")
    assert s3["version"] == 3 and s3["vips"] == [VIP6 + "/64"]
    assert s3["source"].startswith("fe80::")  # RFC 5798 5.1.2.1: link-local source
    for h in ("master1", "master2"):
        wait_for(lambda h=h: vr.status(h)["master"] is not None, 2, 0.02, "%s learns" % h)
        assert vr.status(h)["master"]["address"] == s3["source"]
    assert joined(lab, "master1", "ff02::12")
    vip = [a for a in lab.addresses("master3", 6, detail=True) if a["local"] == VIP6][0]
    assert vip["prefixlen"] == 64 and 0 < vip["valid_life_time"] <= 2
    assert lab.ping("node1", VIP6)
    assert neigh_mac(lab, "node1", VIP6) == hlab.mac("master3")

    t = time.monotonic()
    lab.fail("master3")
    vr.wait_holder("master2", timeout=3, vip=VIP6)
    assert time.monotonic() - t < DOWN_110 + 1.0
    assert lab.ping("node1", VIP6)
    # the unsolicited NA (override) moved node1's neighbour entry
    assert neigh_mac(lab, "node1", VIP6) == hlab.mac("master2")
    lab.heal("master3")
    vr.wait_holder("master3", timeout=3, vip=VIP6)
    assert lab.ping("node1", VIP6)
    wait_for(lambda: neigh_mac(lab, "node1", VIP6) == hlab.mac("master3"), 1, 0.02,
             "node1's neighbour entry back on master3")
