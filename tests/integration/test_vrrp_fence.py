"""`fence etcd { ... }`: hold the VIP only while holding an etcd lease.

haplane on the three masters (unicast VRRPv3, 0.1 s adverts, priorities
100/110/120, quorum on) against the lab's real three-member etcd (plain
http on :2379; each node lists its own member first). The election key is
/haplane/vi, its value the holder's router_id.
"""

import base64
import json
import os
import signal
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, conf, ipv4, unicast_of, wait_for

PRIOS = {"master1": 100, "master2": 110, "master3": 120}
KEY = "lab-quorum-key"
TTL = 2
DOWN_100 = 3 * 0.1 + (256 - 100) / 256 * 0.1


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


@pytest.fixture
def etcd_back(lab):
    """Every etcd member running and the election key gone after the test."""
    yield
    for h in MASTERS:
        if not lab.is_running(h, "etcd"):
            lab.start(h, "etcd")
    lab.wait_etcd(30)
    lab.etcdctl("node1", "del", "--prefix", "/haplane/", check=False)


def endpoints(lab, host):
    mine = "http://127.0.0.1:2379"
    return " ".join([mine] + ["http://%s:2379" % ipv4(h) for h in MASTERS if h != host])


def fence_block(lab, host, extra=""):
    return ("fence etcd {\n    endpoints %s\n    ttl %ds\n%s}\n"
            % (endpoints(lab, host), TTL, "".join("    %s\n" % ln for ln in extra.splitlines())))


def start_all(vr, lab, fence=True, quorum=True, fence_extra="", hosts=MASTERS, wait=True):
    for h in reversed(hosts):
        extra = ("quorum on\n" if quorum else "") + (fence_block(lab, h, fence_extra) if fence else "")
        vr.start(h, conf(h, PRIOS[h], gextra="quorum_key %s" % KEY, unicast=unicast_of(h),
                         extra=extra))
    if wait:
        vr.wait_holder("master3", timeout=8)


def fence(vr, host):
    return vr.status(host)["fence"]


def etcd_key(lab):
    cp = lab.etcdctl("node1", "get", "/haplane/vi", "-w", "json", check=False)
    kvs = json.loads(cp.stdout or "{}").get("kvs") or []
    return base64.b64decode(kvs[0]["value"]).decode() if kvs else None


def wait_fence(vr, host, state, timeout=8):
    return wait_for(lambda: fence(vr, host)["state"] == state, timeout, 0.05,
                    "fence of %s %s (now %s)" % (host, state, fence(vr, host)))


def test_master_holds_the_key(vr, lab, etcd_back):
    start_all(vr, lab)
    wait_fence(vr, "master3", "held")
    f3 = fence(vr, "master3")
    assert f3["key"] == "/haplane/vi" and f3["ttl"] == TTL and f3["holder"] == "self", f3
    assert etcd_key(lab) == "master3"
    for h in ("master1", "master2"):
        wait_for(lambda h=h: fence(vr, h)["holder"] == f3["lease"], 3, 0.05,
                 "%s sees master3's lease holding the key" % h)
        assert fence(vr, h)["state"] == "standby" and vr.state(h) == "BACKUP"
    assert vr.status("master3")["vip_lifetime_s"] <= TTL
    assert "fence: holding key /haplane/vi" in vr.log("master3")
