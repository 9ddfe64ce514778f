"""Bad adverts are dropped, counted under their reason, and change nothing.

haplane runs on the three masters with two instances each: `vi` (VRRPv3,
VRID 51, 198.18.0.100, advert 0.1 s) and `v2` (VRRPv2, VRID 52,
198.18.0.101, advert 1 s, auth_type PASS). master3 (120) is master of both.
node1 injects hand-made adverts (vrrp_tool.py inject) with priority 254:
any of them accepted would make master3 yield and change the backups'
idea of the master, so "nothing changed" is checked on every master.
Controls: the same adverts without the defect are accepted and counted.
"""

import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, conf, hlab, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
VIP2 = "198.18.0.101"
PASS = "s3cret"
SRC = hlab.ipv4("node1")
COUNT = 3


@pytest.fixture(scope="module")
def vr(lab, haplane_bin):
    v = vrrp_lab.Vrrp(lab, haplane_bin)
    try:
        for h in reversed(MASTERS):
            text = conf(h, PRIOS[h]) + vrrp_lab.instance(
                PRIOS[h], name="v2", vrid=52, version=2, advert=1, auth=PASS,
                vips=(VIP2 + "/24",))
            v.start(h, text)
            if h == "master3":
                v.wait_holder("master3", timeout=3)
                v.wait_holder("master3", timeout=6, vip=VIP2)
        for h in ("master1", "master2"):
            for name in ("vi", "v2"):
                wait_for(lambda h=h, n=name: v.status(h, n)["master"] is not None, 4, 0.05,
                         "%s/%s learns the master" % (h, name))
        yield v
    finally:
        v.reset()


def snapshot(vr):
    return {h: vr.status_all(h)["vrrp"] for h in MASTERS}


def inst(snap, host, name):
    return [i for i in snap[host]["instances"] if i["name"] == name][0]


def unchanged(vr, before):
    """Every instance on every master has the state, master and transitions it had."""
    after = snapshot(vr)
    for h in MASTERS:
        for name in ("vi", "v2"):
            b, a = inst(before, h, name), inst(after, h, name)
            assert a["state"] == b["state"], (h, name)
            assert a["master"] == b["master"], (h, name)
            assert a["master"]["address"] == ipv4("master3")
            assert a["counters"]["transitions"] == b["counters"]["transitions"], (h, name)
    assert vr.holders() == ["master3"] and vr.holders(VIP2) == ["master3"]
    return after


def wait_drops(vr, before, name, reason, n):
    """Wait until every master counted n more drops of `reason` on instance name."""
    def done():
        snap = snapshot(vr)
        return all(inst(snap, h, name)["counters"]["drops"].get(reason, 0)
                   - inst(before, h, name)["counters"]["drops"].get(reason, 0) == n
                   for h in MASTERS) and snap
    return wait_for(done, 3, 0.05, "%d x %s on %s everywhere" % (n, reason, name))


def v3(**kw):
    return dict(dict(version=3, vrid=51, prio=254, addr=[VIP], advert_cs=10, src=SRC,
                     count=COUNT, interval=0.01), **kw)


def v2(**kw):
    return dict(dict(version=2, vrid=52, prio=254, addr=[VIP2], advert_cs=100, src=SRC,
                     auth_type=1, auth_pass=PASS, count=COUNT, interval=0.01), **kw)


@pytest.mark.parametrize("name,reason,adv", [
    ("vi", "bad-ttl", v3(ttl=254)),
    ("vi", "bad-checksum", v3(bad_checksum=True)),
    ("v2", "bad-ttl", v2(ttl=254)),
    ("v2", "bad-checksum", v2(bad_checksum=True)),
    ("v2", "auth-pass-mismatch", v2(auth_pass="wrong")),
    ("v2", "auth-type-mismatch", v2(auth_type=0, auth_pass="")),
    ("v2", "interval-mismatch", v2(advert_cs=200)),
    ("vi", "addr-list-mismatch", v3(addr=["198.18.0.99"])),
    ("v2", "version-mismatch", v3(vrid=52, addr=[VIP2])),
])
def test_bad_advert_dropped_and_counted(vr, name, reason, adv):
    before = snapshot(vr)
    vr.inject("node1", **adv)
    after = wait_drops(vr, before, name, reason, COUNT)
    for h in MASTERS:
        b, a = inst(before, h, name)["counters"], inst(after, h, name)["counters"]
        others = {k: v for k, v in a["drops"].items() if k != reason}
        assert others == {k: v for k, v in b["drops"].items() if k != reason}, h
    m3b, m3a = inst(before, "master3", name), inst(after, "master3", name)
    assert m3a["counters"]["adverts_rx"] == m3b["counters"]["adverts_rx"]
    time.sleep(0.3)  # > 2 intervals of vi: a takeover would have started
    unchanged(vr, before)


def test_unknown_vrid_counted_on_the_socket(vr):
    before = snapshot(vr)
    vr.inject("node1", **v3(vrid=77))

    def counted():
        snap = snapshot(vr)
        return all(snap[h]["sockets"][0]["unknown_vrid"]
                   - before[h]["sockets"][0]["unknown_vrid"] == COUNT for h in MASTERS) and snap
    after = wait_for(counted, 3, 0.05, "unknown_vrid counted on every master")
    for h in MASTERS:
        for name in ("vi", "v2"):
            assert (inst(after, h, name)["counters"]["drops"]
                    == inst(before, h, name)["counters"]["drops"])
    assert (inst(after, "master3", "vi")["counters"]["adverts_rx"]
            == inst(before, "master3", "vi")["counters"]["adverts_rx"])
    time.sleep(0.3)
    unchanged(vr, before)


@pytest.mark.parametrize("name,adv", [("vi", v3(prio=1)), ("v2", v2(prio=1))])
def test_control_good_advert_is_accepted(vr, name, adv):
    """The injector's adverts are right apart from the defect under test: a
    correct one (priority 1: loses every election) is accepted and counted."""
    before = snapshot(vr)
    vr.inject("node1", **adv)
    wait_for(lambda: inst(snapshot(vr), "master3", name)["counters"]["adverts_rx"]
             - inst(before, "master3", name)["counters"]["adverts_rx"] == COUNT, 3, 0.05,
             "master3 accepts %d adverts on %s" % (COUNT, name))
    after = snapshot(vr)
    for h in MASTERS:
        assert (inst(after, h, name)["counters"]["drops"]
                == inst(before, h, name)["counters"]["drops"])
    unchanged(vr, before)


def test_control_good_advert_with_priority_254_takes_over(vr):
    """The same advert without a defect wins the election: the drops above
    are what kept the VIP on master3 (runs last: it disturbs the group)."""
    vr.inject("node1", **v3(count=1))
    wait_for(lambda: "MASTER -> BACKUP: higher priority 254 from %s" % SRC in vr.log("master3"),
             3, 0.05, "master3 yields to the injected advert")
    # node1 sends no more: master3 times out and takes the VIP back
    vr.wait_holder("master3", timeout=3)
    wait_for(lambda: vr.state("master3") == "MASTER", 3, 0.05, "master3 master again")
