"""VIP failover in the lab: haplane on the three masters (priorities 100, 110,
120 on master1-3; VRRPv3, advert 0.1 s), faults injected from outside.

Protocol figures used below (RFC 5798 6.1), advert A = 0.1 s:
    skew(p)        = (256 - p) / 256 * A     master2 (110): 57 ms
    master down(p) = 3 * A + skew(p)         master2: 357 ms
Bounds asserted here are generous (a loaded 2-core machine); bench/failover
measures the real figures.
"""

import signal
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, VIP, conf, hlab, ipv4, neigh_mac, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
A = 0.1


def skew(prio, a=A):
    return (256 - prio) / 256 * a


def down(prio, a=A):
    return 3 * a + skew(prio, a)


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def start_all(vr, per_host=None, **kw):
    """haplane on every master with PRIOS, master3 first (so that it is the
    master even with nopreempt); per_host: {host: extra instance kwargs}."""
    for h in reversed(MASTERS):
        vr.start(h, conf(h, PRIOS[h], **dict(kw, **(per_host or {}).get(h, {}))))
        if h == "master3":
            vr.wait_holder("master3", timeout=3)
    return vr.wait_holder("master3", timeout=3)


def master_of(vr, host):
    return vr.status(host)["master"]


def test_initial_election_highest_priority_wins(vr, lab):
    t0 = time.monotonic()
    for h, p in PRIOS.items():
        vr.start(h, conf(h, p), wait=False)
    # all start as backups; whoever times out first (3A + skew) takes the VIP,
    # and the highest priority ends up with it
    vr.wait_holder("master3", timeout=3)
    assert time.monotonic() - t0 < 2.0
    st = {h: vr.status(h) for h in MASTERS}
    assert st["master3"]["state"] == "MASTER"
    assert st["master3"]["master"] == {"self": True, "address": ipv4("master3"),
                                       "priority": 120}
    assert st["master3"]["vips_held"] is True
    assert st["master3"]["reason"] == "master down timer expired"
    assert st["master3"]["counters"]["transitions"] == 2  # INIT -> BACKUP -> MASTER
    assert st["master3"]["counters"]["became_master"] == 1
    assert st["master3"]["counters"]["garps_sent"] >= 5  # first burst, 5 per VIP
    for h in ("master1", "master2"):
        wait_for(lambda h=h: vr.status(h)["master"] is not None, 2, 0.02, "%s learns" % h)
        s = vr.status(h)
        assert s["state"] == "BACKUP" and s["vips_held"] is False
        assert s["master"] == {"self": False, "address": ipv4("master3"), "priority": 120}
        # 1, or 3 if it started early enough to time out before master3 (the
        # daemons start a few ms apart and the skews differ by 4-8 ms)
        assert s["counters"]["transitions"] in (1, 3)
        assert s["counters"]["adverts_rx"] > 0 and s["counters"]["drops"] == {}
    # the VIP answers, through master3's MAC, with a kernel lifetime
    assert lab.ping("node1", VIP)
    assert neigh_mac(lab, "node1", VIP) == hlab.mac("master3")
    assert st["master3"]["vip_lifetime_s"] == 2  # auto: max(2 s, 4 x advert)
    vip = [a for a in lab.addresses("master3", 4, detail=True) if a["local"] == VIP]
    assert vip and vip[0]["prefixlen"] == 24 and 0 < vip[0]["valid_life_time"] <= 2


def test_link_down_moves_vip_and_old_master_preempts(vr, lab):
    start_all(vr)
    t = time.monotonic()
    lab.fail("master3")
    vr.wait_holder("master2", timeout=3)
    took = time.monotonic() - t
    assert took < down(110) + 1.0, "takeover after %.3f s" % took
    s3 = vr.status("master3")
    assert s3["state"] == "FAULT" and s3["fault"] == "interface eth0 down"
    assert s3["vips_held"] is False
    s2 = vr.status("master2")
    assert s2["state"] == "MASTER" and s2["reason"] == "master down timer expired"
    wait_for(lambda: master_of(vr, "master1") == {"self": False, "address": ipv4("master2"),
                                                  "priority": 110}, 2, 0.02, "master1 follows")
    assert lab.ping("node1", VIP)
    assert neigh_mac(lab, "node1", VIP) == hlab.mac("master2")

    # the link comes back: master3 (120) is a backup for 3A + skew, then preempts
    t = time.monotonic()
    lab.heal("master3")
    vr.wait_holder("master3", timeout=3)
    assert time.monotonic() - t < down(120) + 1.0
    s2 = vr.status("master2")
    assert s2["state"] == "BACKUP"
    assert s2["reason"] == "higher priority 120 from %s" % ipv4("master3")
    assert vr.status("master3")["counters"]["became_master"] == 2
    assert lab.ping("node1", VIP)
    assert neigh_mac(lab, "node1", VIP) == hlab.mac("master3")


def test_sigkill_moves_vip_and_killed_masters_vip_expires(vr, lab):
    start_all(vr, lifetime="2s")
    mon = vr.monitor()
    time.sleep(0.8)  # at least one lifetime refresh (every 2 s / 3) has happened
    refreshed = mon.last("master3", "~", VIP, time.monotonic())
    assert refreshed is not None, "no lifetime refresh seen on master3"
    t = time.monotonic()
    vr.send("master3", signal.SIGKILL)
    wait_for(lambda: "master2" in vr.holders(), 3, 0.02, "master2 takes over")
    assert time.monotonic() - t < down(110) + 1.0
    # nobody removes master3's VIP but the kernel, when its lifetime ends
    gone = wait_for(lambda: mon.first("master3", "-", VIP, t), 4, 0.05,
                    "the killed master's VIP to expire")
    last = mon.last("master3", "+~", VIP, t)
    # the kernel checks lifetimes on a coarse timer: allow 0.6 s past the end
    assert 2.0 - 0.05 <= gone - last <= 2.0 + 0.6, "expired %.3f s after refresh" % (gone - last)
    assert gone - t <= 2.0 + 0.6
    assert vr.holders() == ["master2"]
    # restarted, master3 sweeps nothing, waits as a backup and preempts
    vr.start("master3", conf("master3", 120, lifetime="2s"))
    vr.wait_holder("master3", timeout=3)
    assert vr.status("master2")["state"] == "BACKUP"


def test_vip_lifetime_off_leaves_vip_after_sigkill_and_restart_sweeps_it(vr, lab):
    # keepalived's behaviour, on request: the VIP outlives a killed daemon
    start_all(vr, lifetime="off")
    vip = [a for a in lab.addresses("master3", 4, detail=True) if a["local"] == VIP][0]
    assert vip["valid_life_time"] == 4294967295  # forever
    assert vr.status("master3")["vip_lifetime_s"] is None
    vr.send("master3", signal.SIGKILL)
    wait_for(lambda: "master2" in vr.holders(), 3, 0.02, "master2 takes over")
    time.sleep(0.5)
    assert vr.holders() == ["master2", "master3"]  # two hosts answer ARP for the VIP
    # a new run removes what the earlier one left, then waits as a backup
    vr.start("master3", conf("master3", 120, lifetime="off"))
    wait_for(lambda: "removed leftover VIP %s/24 (from an earlier run)" % VIP
             in vr.log("master3"), 2, 0.02, "the leftover VIP swept")
    vr.wait_holder("master3", timeout=3)


def test_frozen_master_loses_vip_and_reannounces_on_resume(vr, lab):
    start_all(vr, lifetime="2s")
    mon = vr.monitor()
    t = time.monotonic()
    vr.send("master3", signal.SIGSTOP)
    wait_for(lambda: "master2" in vr.holders(), 3, 0.02, "master2 takes over")
    gone = wait_for(lambda: mon.first("master3", "-", VIP, t), 4, 0.05,
                    "the frozen master's VIP to expire")
    assert gone - t <= 2.0 + 0.6
    assert vr.holders() == ["master2"]
    assert lab.ping("node1", VIP)
    assert neigh_mac(lab, "node1", VIP) == hlab.mac("master2")
    # resumed: still MASTER with the higher priority, master3 answers master2's
    # adverts, master2 yields, and master3 re-installs and re-announces the VIP
    vr.send("master3", signal.SIGCONT)
    vr.wait_holder("master3", timeout=2)
    wait_for(lambda: neigh_mac(lab, "node1", VIP) == hlab.mac("master3"), 1.0, 0.02,
             "node1 to learn master3's MAC again")
    assert lab.ping("node1", VIP)
    assert "re-installing and re-announcing the VIPs" in vr.log("master3")
    assert vr.status("master2")["state"] == "BACKUP"


def test_sigterm_hands_over_within_skew(vr, lab):
    start_all(vr)
    mon = vr.monitor()
    time.sleep(0.2)
    t = time.monotonic()
    vr.send("master3", signal.SIGTERM)
    vr.wait_holder("master2", timeout=2)
    added = mon.first("master2", "+", VIP, t)
    removed = mon.first("master3", "-", VIP, t)
    # priority 0: master2 waits only its skew time (57 ms), not 3A + skew
    assert added - t < skew(110) + 0.15, "handover took %.3f s" % (added - t)
    assert removed < added  # the old master lets go first: never two holders
    assert mon.overlaps(VIP) == []
    wait_for(lambda: not vr.running("master3"), 3, 0.02, "master3 to exit")
    assert lab.returncode("master3", "haplane") == 0
    assert vr.status("master1")["state"] == "BACKUP"
    log = vr.log("master3")
    assert 'msg="MASTER -> INIT: shutdown"' in log


def test_nopreempt_returning_master_stays_backup(vr, lab):
    start_all(vr, per_host={"master3": {"nopreempt": True}})
    lab.fail("master3")
    vr.wait_holder("master2", timeout=3)
    lab.heal("master3")
    vr.wait_state("master3", "BACKUP", timeout=3)
    time.sleep(3 * down(120))  # would have preempted after one master-down interval
    assert vr.holders() == ["master2"]
    s3 = vr.status("master3")
    assert s3["state"] == "BACKUP"
    assert s3["master"] == {"self": False, "address": ipv4("master2"), "priority": 110}
    assert vr.status("master2")["counters"]["transitions"] == 2  # INIT, BACKUP, MASTER


def test_preempt_delay(vr, lab):
    for h in ("master1", "master2"):
        vr.start(h, conf(h, PRIOS[h]))
    vr.wait_holder("master2", timeout=3)
    mon = vr.monitor()
    t = time.monotonic()
    vr.start("master3", conf("master3", 120, preempt_delay="1s"))
    # master3 accepts the lower master for 1 s after its first advert, then
    # discards its adverts and takes over one master-down interval later
    vr.wait_holder("master3", timeout=4)
    took = mon.first("master3", "+", VIP, t) - t
    assert 1.0 <= took <= 1.0 + down(120) + 1.0, "took over after %.3f s" % took
    assert mon.first("master2", "-", VIP, t) is not None


def test_sighup_reload_keeps_unchanged_instance(vr, lab):
    start_all(vr)
    before = {h: vr.status_all(h) for h in MASTERS}
    mon = vr.monitor(addrs=(VIP, "198.18.0.101"))
    for i, h in enumerate(MASTERS):
        # same instance, plus a new one: only the new one starts
        second = vrrp_lab.instance(100 + 5 * i, name="vi2", vrid=52, vips=("198.18.0.101/24",))
        vr.write(h, "haplane.conf", conf(h, PRIOS[h]) + second)
        vr.send(h, signal.SIGHUP)
    for h in MASTERS:
        wait_for(lambda h=h: vr.status_all(h)["config"]["generation"] == 2, 3, 0.02,
                 "reload on %s" % h)
    wait_for(lambda: len(vr.holders("198.18.0.101")) == 1, 3, 0.02, "vi2 elects a master")
    time.sleep(3 * down(100))
    for h in MASTERS:
        old = [i for i in before[h]["vrrp"]["instances"] if i["name"] == "vi"][0]
        new = vr.status(h)
        assert new["state"] == old["state"]
        assert new["counters"]["transitions"] == old["counters"]["transitions"], h
        assert new["since_s"] > old["since_s"]  # the same run, not a restart
        assert vr.status(h, "vi2")["state"] in ("MASTER", "BACKUP")
    # the VIP never left master3 nor appeared anywhere else
    assert [e for e in mon.events if e[3] == VIP and e[2] != "~"] == []
    assert vr.holders() == ["master3"]
