"""`quorum on`: hold the VIP only while a majority of the group is seen.

haplane on the three masters, unicast VRRPv3 at 0.1 s adverts (priorities
100, 110, 120), quorum on with a shared quorum_key. When the holder
(master3) is cut off from both peers (lab.cut: nothing crosses), it must
release the VIP and the majority side take over, so that two hosts never
hold the VIP for longer than one master-down interval. The same cut with
quorum off shows the split brain (so the test can fail). Bad heartbeats
from a stranger are dropped and counted and change nothing.
"""

import hashlib
import hmac
import signal
import socket
import struct
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, VIP6, conf, hlab, ipv4, unicast_of, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
KEY = "lab-quorum-key"
DOWN_110 = 3 * 0.1 + (256 - 110) / 256 * 0.1
PORT = 7112


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def start_all(vr, quorum=True, key=KEY):
    gextra = ("quorum_key %s" % key) if key else ""
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], gextra=gextra, unicast=unicast_of(h),
                         extra="quorum on" if quorum else ""))
    vr.wait_holder("master3", timeout=5)
    if quorum:
        for h in MASTERS:
            wait_for(lambda h=h: (vr.status(h)["quorum"] or {}).get("seen") == 3, 3, 0.05,
                     "%s sees the whole group" % h)


def test_quorum_forms(vr):
    start_all(vr)
    for h in MASTERS:
        q = vr.status(h)["quorum"]
        assert q["majority"] and q["nodes"] == 3 and q["needed"] == 2, (h, q)
        assert all(p["seen"] for p in q["peers"]), (h, q)
        assert q["drops"].get("bad-tag", 0) == 0 and q["sent"] > 0 and q["received"] > 0
    assert vr.status("master3")["state"] == "MASTER"


def cut_holder(vr, lab):
    mon = vr.monitor()
    t = time.monotonic()
    lab.cut("master3", "master1")
    lab.cut("master3", "master2")
    return mon, t


@pytest.mark.parametrize("quorum", [True, False], ids=["quorum", "no-quorum"])
def test_cut_off_holder_releases_the_vip(vr, lab, quorum):
    start_all(vr, quorum=quorum)
    mon, t = cut_holder(vr, lab)
    try:
        vr.wait_holder("master2", timeout=3, hosts=["master1", "master2"])
        time.sleep(1.5)  # a while into the cut
        overlaps = mon.overlaps(VIP, t_from=t)
        double = sum(end - start for start, end, _ in overlaps)
        if quorum:
            s3 = vr.status("master3")
            assert s3["state"] == "FAULT" and not s3["quorum"]["majority"], s3
            assert "quorum" in (s3["fault"] or ""), s3["fault"]
            assert double <= DOWN_110, "two holders for %.3f s: %s" % (double, overlaps)
            assert vr.holders() == ["master2"]
            assert "quorum lost: 1 of 3 nodes seen" in vr.log("master3")
        else:
            # VRRP alone: the cut-off holder keeps the VIP for the whole cut
            assert vr.holders() == ["master2", "master3"], vr.holders()
    finally:
        lab.heal("master3")
        mon.close()
    vr.wait_holder("master3", timeout=5)


def test_minority_node_never_takes_over(vr, lab):
    """master1 alone (cut from both others) has no majority: it stays in
    FAULT instead of becoming a second master."""
    start_all(vr)
    lab.cut("master1", "master2")
    lab.cut("master1", "master3")
    try:
        time.sleep(1.0)
        s1 = vr.status("master1")
        assert s1["state"] == "FAULT" and not s1["vips_held"], s1
        assert vr.holders() == ["master3"]
    finally:
        lab.heal("master1")
    wait_for(lambda: vr.status("master1")["state"] == "BACKUP", 3, 0.05, "master1 back")


def heartbeat(name="vi", vrid=51, boot=1, seq=1, nonce=5, echo=0, tag=b""):
    n = name.encode()
    return (b"HPQ1" + bytes([1 if tag else 0, vrid, len(n), 0])
            + struct.pack("!QQQQ", boot, seq, nonce, echo) + n + tag)


def test_bad_heartbeats_change_nothing(vr, lab):
    start_all(vr)
    before = {h: vr.status(h) for h in MASTERS}
    sock_before = vr.status_all("master3")["vrrp"]
    msgs = [heartbeat(tag=b"x" * 16),          # forged tag
            heartbeat(),                         # no tag while a key is set
            heartbeat()[:30],                    # truncated
            b"junk" + bytes(60),                 # not a heartbeat
            heartbeat(name="nosuch", tag=b"y" * 16)]
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "for m in sys.argv[2:]:\n"
            "    s.sendto(bytes.fromhex(m),(sys.argv[1],%d))\n" % PORT)
    lab.run("node1", ["/usr/bin/python3", "-c", code, ipv4("master3")] + [m.hex() for m in msgs])
    def counted():
        q = vr.status_all("master3")["vrrp"]
        return sum(q["quorum_drops"].values()) - sum(sock_before["quorum_drops"].values()) >= 5 and q
    after = wait_for(counted, 3, 0.05, "5 bad heartbeats counted on master3")
    assert after["quorum_drops"].get("bad-tag", 0) >= 2
    assert after["quorum_drops"].get("no-tag", 0) >= 1
    assert after["quorum_drops"].get("truncated", 0) >= 1
    assert after["quorum_drops"].get("bad-magic", 0) >= 1
    # a stranger that knows the key: a valid heartbeat, but not from a peer
    body = heartbeat(tag=b"")
    body = body[:4] + bytes([1]) + body[5:]  # flag: tagged
    tagged = body + hmac.new(KEY.encode(), body, hashlib.sha256).digest()[:16]
    lab.run("node1", ["/usr/bin/python3", "-c", code, ipv4("master3"), tagged.hex()])
    wait_for(lambda: vr.status("master3")["quorum"]["drops"].get("unknown-peer", 0) >= 1, 3,
             0.05, "a stranger's heartbeat counted as unknown-peer")
    time.sleep(0.3)
    for h in MASTERS:
        s = vr.status(h)
        assert s["state"] == before[h]["state"], h
        assert s["counters"]["transitions"] == before[h]["counters"]["transitions"], h
        assert s["quorum"]["majority"], h


def test_two_node_quorum_is_refused(vr, lab, haplane_bin):
    text = conf("master1", 100, unicast=(ipv4("master1"), [ipv4("master2")]), extra="quorum on")
    path = vr.write("master1", "two.conf", text)
    cp = lab.run("master1", [haplane_bin, "check", "-f", path], check=False)
    assert cp.returncode == 1
    assert "two nodes have no majority" in cp.stderr


def test_quorum_over_ipv6_and_reload(vr, lab):
    """Unicast IPv6 peers: the heartbeat runs over IPv6 and the cut-off holder
    releases the VIP6; a reload that turns quorum off and on again keeps the
    group working."""
    def text(h, quorum=True):
        peers = [hlab.ipv6(p) for p in MASTERS if p != h]
        return conf(h, PRIOS[h], gextra="quorum_key %s" % KEY, vips=(VIP6 + "/64",),
                    unicast=(hlab.ipv6(h), peers), extra="quorum on" if quorum else "")
    for h in reversed(MASTERS):
        vr.start(h, text(h))
    vr.wait_holder("master3", timeout=5, vip=VIP6)
    for h in MASTERS:
        wait_for(lambda h=h: (vr.status(h)["quorum"] or {}).get("seen") == 3, 3, 0.05,
                 "%s sees the whole group over IPv6" % h)
    mon = vr.monitor(addrs=(VIP6,))
    t = time.monotonic()
    lab.cut("master3", "master1")
    lab.cut("master3", "master2")
    try:
        vr.wait_holder("master2", timeout=3, vip=VIP6, hosts=["master1", "master2"])
        time.sleep(1.0)
        assert vr.holders(VIP6) == ["master2"]
        double = sum(e - s for s, e, _ in mon.overlaps(VIP6, t_from=t))
        assert double <= DOWN_110, double
    finally:
        lab.heal("master3")
        mon.close()
    vr.wait_holder("master3", timeout=5, vip=VIP6)
    # reload master1 without quorum, then with it again
    for quorum in (False, True):
        vr.write("master1", "haplane.conf", text("master1", quorum))
        vr.send("master1", signal.SIGHUP)
        wait_for(lambda q=quorum: (vr.status("master1")["quorum"] is not None) == q, 3, 0.05,
                 "master1 reloaded with quorum %s" % quorum)
    wait_for(lambda: (vr.status("master1")["quorum"] or {}).get("seen") == 3, 3, 0.05,
             "master1 sees the group again")
    assert vr.holders(VIP6) == ["master3"]


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_multicast_group_with_cluster_size(vr, lab, family):
    """Multicast VRRP with `cluster_size 3`: the nodes learn each other from
    their announcements on the VRRP group, form a majority, and the cut-off
    holder releases the VIP before the others take it."""
    vip = VIP if family == "ipv4" else VIP6
    vips = (vip + ("/24" if family == "ipv4" else "/64"),)
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], gextra="quorum_key %s" % KEY, vips=vips,
                         extra="quorum on\ncluster_size 3"))
    vr.wait_holder("master3", timeout=5, vip=vip)
    for h in MASTERS:
        wait_for(lambda h=h: (vr.status(h)["quorum"] or {}).get("seen") == 3, 3, 0.05,
                 "%s learns and sees the whole group" % h)
        q = vr.status(h)["quorum"]
        assert q["mode"] == "multicast" and q["nodes"] == 3 and q["announces"] > 0, q
        assert len(q["peers"]) == 2, q
    mon = vr.monitor(addrs=(vip,))
    t = time.monotonic()
    lab.cut("master3", "master1")
    lab.cut("master3", "master2")
    try:
        vr.wait_holder("master2", timeout=3, vip=vip, hosts=["master1", "master2"])
        time.sleep(1.0)
        assert vr.holders(vip) == ["master2"]
        s3 = vr.status("master3")
        assert s3["state"] == "FAULT" and not s3["quorum"]["majority"], s3
        double = sum(e - s for s, e, _ in mon.overlaps(vip, t_from=t))
        assert double <= DOWN_110, double
    finally:
        lab.heal("master3")
        mon.close()
    vr.wait_holder("master3", timeout=5, vip=vip)
