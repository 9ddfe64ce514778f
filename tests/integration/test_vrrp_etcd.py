"""`track_etcd URL [weight W]`: the local etcd member's /health moves the VIP.

haplane on the three masters (unicast VRRPv3, 0.1 s adverts, priorities
100/110/120) tracks its own etcd member (the lab runs a real three-member
cluster, plain http on :2379). Killing the holder's member (by pid, through
the lab) must move the VIP to master2: with weight -50 by priority, with
weight 0 by FAULT. Without track_etcd the same kill moves nothing, so the
test can fail.
"""

import signal
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, conf, unicast_of, wait_for

PRIOS = {"master1": 100, "master2": 110, "master3": 120}
URL = "http://127.0.0.1:2379"


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


@pytest.fixture
def etcd_back(lab):
    yield
    for h in MASTERS:
        if not lab.is_running(h, "etcd"):
            lab.start(h, "etcd")
    lab.wait_etcd(30)


def start_all(vr, extra):
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], unicast=unicast_of(h), extra=extra))
    vr.wait_holder("master3", timeout=5)


@pytest.mark.parametrize("weight", [-50, 0], ids=["weight", "fault"])
def test_holder_etcd_dies_vip_moves(vr, lab, etcd_back, weight):
    start_all(vr, "track_etcd %s weight %d" % (URL, weight))
    wait_for(lambda: all((vr.status(h)["track_etcd"] or {}).get("healthy") for h in MASTERS),
             5, 0.05, "every member healthy")
    t0 = time.monotonic()
    lab.kill("master3", "etcd", signal.SIGKILL)
    vr.wait_holder("master2", timeout=10)
    took = time.monotonic() - t0
    s3 = vr.status("master3")
    assert s3["track_etcd"]["healthy"] is False, s3["track_etcd"]
    if weight:
        assert s3["state"] == "BACKUP" and s3["priority"] == 70, s3
    else:
        assert s3["state"] == "FAULT" and "etcd" in s3["fault"], s3
    assert "track_etcd %s: " % URL in vr.log("master3")
    print("VIP moved %.2f s after master3's etcd was killed (weight %d)" % (took, weight))
    lab.start("master3", "etcd")
    lab.wait_etcd(30)
    vr.wait_holder("master3", timeout=10)


def test_without_track_etcd_nothing_moves(vr, lab, etcd_back):
    start_all(vr, "")
    lab.kill("master3", "etcd", signal.SIGKILL)
    time.sleep(3)
    assert vr.holders() == ["master3"]
