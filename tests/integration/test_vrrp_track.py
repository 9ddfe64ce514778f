"""Tracking and notify in the lab: a failing vrrp_script (with a weight, and
with weight 0 = FAULT), a tracked interface, and notify commands called with
keepalived's arguments. haplane on the three masters (priorities 100, 110,
120; VRRPv3, advert 0.1 s); master3 starts first and holds the VIP.
"""

import os
import signal
import stat
import time

import pytest

import vrrp_lab
from vrrp_lab import MASTERS, conf, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
PRIOS = {"master1": 100, "master2": 110, "master3": 120}
A = 0.1
SKEW_110 = (256 - 110) / 256 * A
DOWN_110 = 3 * A + SKEW_110


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def flag(vr, host):
    return vr.path(host, "chk-fail")


def start_all(vr, track="", scripts="", track_hosts=MASTERS):
    """The masters in track_hosts track what `track` says (instance lines);
    `scripts` is a format string for global vrrp_script blocks, {flag} = the
    host's flag file."""
    for h in reversed(MASTERS):
        if os.path.exists(flag(vr, h)):
            os.unlink(flag(vr, h))
        text = conf(h, PRIOS[h], gextra="script_user root",
                    extra=track if h in track_hosts else "")
        vr.start(h, text + scripts.format(flag=flag(vr, h)))
        if h == "master3":
            vr.wait_holder("master3", timeout=3)
    return vr.wait_holder("master3", timeout=3)


SCRIPT = """vrrp_script chk {{
    script "test ! -e {flag}"
    interval 100ms
    fall 1
    rise 1
    weight %d
}}
"""


def test_failing_script_with_weight_moves_vip(vr, lab):
    start_all(vr, track="track_script {\n    chk\n}", scripts=SCRIPT % -30)
    wait_for(lambda: vr.status("master3")["tracks"][0]["ok"] is True, 2, 0.02, "script ran")
    t = time.monotonic()
    open(flag(vr, "master3"), "w").close()
    # 120 - 30 = 90: master3 advertises 90, the backups discard that and the
    # best of them (master2, 110) takes over one master-down interval later
    vr.wait_holder("master2", timeout=3)
    took = time.monotonic() - t
    assert took < A + DOWN_110 + 1.0, "took %.3f s" % took
    s3 = vr.status("master3")
    assert s3["state"] == "BACKUP" and s3["priority"] == 90 and s3["base_priority"] == 120
    assert s3["tracks"] == [{"kind": "script", "name": "chk", "weight": -30, "ok": False,
                            "effect": "weight"}]
    assert s3["fault"] is None
    assert s3["master"] == {"self": False, "address": ipv4("master2"), "priority": 110}
    assert "tracked script chk is failing (weight -30)" in vr.log("master3")
    # healthy again: 120, preempts
    os.unlink(flag(vr, "master3"))
    vr.wait_holder("master3", timeout=3)
    assert vr.status("master3")["priority"] == 120


def test_failing_script_weight_0_is_fault(vr, lab):
    start_all(vr, track="track_script {\n    chk\n}", scripts=SCRIPT % 0)
    wait_for(lambda: vr.status("master3")["tracks"][0]["ok"] is True, 2, 0.02, "script ran")
    t = time.monotonic()
    open(flag(vr, "master3"), "w").close()
    # FAULT: master3 sends priority 0, master2 takes over after its skew time
    vr.wait_holder("master2", timeout=3)
    took = time.monotonic() - t
    assert took < A + SKEW_110 + 0.5, "took %.3f s" % took
    s3 = vr.status("master3")
    assert s3["state"] == "FAULT" and s3["fault"] == "script chk failing"
    assert s3["vips_held"] is False and s3["master"] is None
    os.unlink(flag(vr, "master3"))
    vr.wait_holder("master3", timeout=3)
    s3 = vr.status("master3")
    assert s3["fault"] is None and s3["state"] == "MASTER"


def test_track_interface(vr, lab):
    # a second interface on master3 (a veth pair: up with carrier)
    lab.run("master3", "ip link add hp-trk type veth peer name hp-trk-p && "
            "ip link set hp-trk-p up && ip link set hp-trk up")
    start_all(vr, track="track_interface {\n    hp-trk\n}", track_hosts=["master3"])
    t = time.monotonic()
    lab.run("master3", ["ip", "link", "set", "hp-trk", "down"])
    vr.wait_holder("master2", timeout=3)
    assert time.monotonic() - t < SKEW_110 + 0.5
    s3 = vr.status("master3")
    assert s3["state"] == "FAULT" and s3["fault"] == "interface hp-trk down"
    assert s3["tracks"] == [{"kind": "interface", "name": "hp-trk", "weight": 0, "ok": False,
                            "effect": "fault"}]
    lab.run("master3", ["ip", "link", "set", "hp-trk", "up"])
    vr.wait_holder("master3", timeout=3)
    assert vr.status("master3")["tracks"][0]["ok"] is True


def test_track_interface_that_appears_later(vr, lab):
    """A tracked interface that does not exist yet (a VLAN made after haplane
    starts) is a warning, counts as down, and is picked up when it appears."""
    track = "track_interface {\n    hp-late-trk weight -30\n}"
    text = conf("master3", PRIOS["master3"], extra=track)
    path = vr.write("master3", "late-trk.conf", text)
    cp = lab.run("master3", [vr.bin, "check", "-f", path], check=False)
    assert cp.returncode == 0, cp.stderr
    assert "warning: track_interface 'hp-late-trk' does not exist on this host yet: it counts " \
        "as down (weight -30) until it appears" in cp.stderr, cp.stderr
    try:
        for h in ("master2", "master1"):
            vr.start(h, conf(h, PRIOS[h]))
        vr.wait_holder("master2", timeout=3)
        vr.start("master3", text)
        # 120 - 30 = 90: below master2's 110, so master3 stays BACKUP
        vr.wait_state("master3", "BACKUP", timeout=3)
        s3 = vr.status("master3")
        assert s3["priority"] == PRIOS["master3"] - 30, s3
        assert s3["tracks"][0]["name"] == "hp-late-trk" and s3["tracks"][0]["ok"] is False, s3
        assert vr.holders() == ["master2"]
        lab.run("master3", "ip link add hp-late-trk type veth peer name hp-late-trk-p && "
                "ip link set hp-late-trk-p up && ip link set hp-late-trk up")
        vr.wait_holder("master3", timeout=3)
        s3 = vr.status("master3")
        assert s3["priority"] == PRIOS["master3"] and s3["tracks"][0]["ok"] is True, s3
        assert "link down -> up" in vr.log("master3")
    finally:
        lab.run("master3", "ip link del hp-late-trk 2>/dev/null; true", check=False)


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_notify_commands_get_keepalived_arguments(vr, lab):
    out = vr.path("master3", "notify.out")
    script = vr.write("master3", "notify.sh", '#!/bin/sh\necho "$@" >> %s\n' % out)
    os.chmod(script, stat.S_IRWXU)
    if os.path.exists(out):
        os.unlink(out)
    notify = "\n".join('%s "%s %s"' % (d, script, w) for d, w in (
        ("notify_master", "to-master"), ("notify_backup", "to-backup"),
        ("notify_fault", "to-fault"), ("notify_stop", "to-stop"), ("notify", "generic")))
    vr.start("master3", conf("master3", 120, gextra="script_user root", extra=notify))
    vr.wait_holder("master3", timeout=3)

    def expect(lines, what):
        wait_for(lambda: sorted(read_lines(out)) == sorted(lines), 3, 0.02,
                 "%s: %s (have %s)" % (what, lines, read_lines(out)))
        return list(lines)

    # specific commands get their own words only; `notify` gets
    # INSTANCE <name> <state> <priority> appended (keepalived 2.2.7)
    seen = expect(["to-backup", "generic INSTANCE vi BACKUP 120",
                   "to-master", "generic INSTANCE vi MASTER 120"], "start")
    lab.fail("master3")
    seen = expect(seen + ["to-fault", "generic INSTANCE vi FAULT 120"], "link down")
    lab.heal("master3")
    seen = expect(seen + ["to-backup", "generic INSTANCE vi BACKUP 120",
                          "to-master", "generic INSTANCE vi MASTER 120"], "link up")
    vr.send("master3", signal.SIGTERM)
    expect(seen + ["to-stop", "generic INSTANCE vi STOP 120"], "SIGTERM")
