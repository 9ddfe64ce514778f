"""An instance whose interface does not exist yet (issue 10 item 8): at boot
a NIC or VLAN may come up after haplane starts. Like keepalived, haplane
runs, holds the instance in FAULT with the reason, retries on link changes
and every second, and starts the instance when the interface (with an
address) appears.

The late interface is `hp-late` in master3: a veth pair whose other end is
plugged into the lab's bridge, so VRRP really runs on it (198.18.0.113/24).
master2 (priority 110, on eth0) is the other router where a peer is needed.
"""

import os
import signal
import subprocess
import time

import pytest

import vrrp_lab
from vrrp_lab import VIP, VIP6, conf, wait_for

LAB_OPTIONS = {"etcd": False}
LATE = "hp-late"
LATE_IP = "198.18.0.113"
WAITING = "interface %s does not exist (waiting for it)" % LATE
NO_ADDR = "interface %s has no IPv4 address to send adverts from (waiting for it)" % LATE
FACT = ("interface '%s' does not exist on this host yet: the instance waits in FAULT until "
        "it appears" % LATE)


@pytest.fixture
def vr(lab, haplane_bin):
    v = vrrp_lab.Vrrp(lab, haplane_bin)
    try:
        yield v
    finally:
        lab.run("master3", "ip link del %s 2>/dev/null; true" % LATE, check=False)
        v.reset()


def late_conf(prio=120, extra=""):
    return conf("master3", prio, extra=extra).replace("interface eth0", "interface " + LATE)


def make_late(lab, address=True, up=True, dad=False):
    """hp-late in master3, its peer in the lab's bridge. dad: duplicate
    address detection on (the lab turns it off), so that the link-local
    address made when the link comes up is tentative for about a second."""
    peer = lab.prefix + "late"
    lab.run("master3", ["ip", "link", "add", LATE, "type", "veth", "peer", "name", peer,
                        "netns", lab.names.switch_ns])
    if dad:
        lab.run("master3", ["sysctl", "-q", "-w", "net.ipv6.conf.%s.accept_dad=1" % LATE])
    subprocess.run(["ip", "-n", lab.names.switch_ns, "link", "set", peer, "master",
                    lab.names.bridge, "up"], check=True, capture_output=True, timeout=10)
    if address:
        lab.run("master3", ["ip", "addr", "add", LATE_IP + "/24", "dev", LATE])
    if up:
        lab.run("master3", ["ip", "link", "set", LATE, "up"])


def late_addrs(lab):
    return lab.addresses("master3", 4, dev=LATE) if link_exists(lab) else []


def link_exists(lab):
    return lab.run("master3", ["ip", "link", "show", LATE], check=False).returncode == 0


def text_status(vr, host):
    return subprocess.run([vr.bin, "status", "--control", vr.control(host)], capture_output=True,
                          text=True, timeout=10, check=True).stdout


def assert_waiting(vr, lab, reason):
    assert vr.running("master3"), "haplane on master3 exited"
    s = vr.status("master3")
    assert s["state"] == "FAULT" and s["fault"] == reason, s
    assert s["source"] == "-" and s["vips_held"] is False and s["master"] is None
    assert s["counters"]["adverts_tx"] == 0
    assert "FAULT: " + reason in text_status(vr, "master3")
    assert VIP not in late_addrs(lab)


def test_instance_waits_for_its_interface_then_runs(vr, lab):
    vr.start("master2", conf("master2", 110))
    vr.wait_holder("master2", timeout=3)
    vr.start("master3", late_conf())
    assert_waiting(vr, lab, WAITING)
    log = vr.log("master3")
    assert "warning: " + FACT in log
    assert "INIT -> FAULT: fault: " + WAITING in log
    # it keeps waiting (retries every second) without touching anything
    time.sleep(1.5)
    assert_waiting(vr, lab, WAITING)
    assert vr.holders() == ["master2"]

    t = time.monotonic()
    make_late(lab)
    # 120 > 110: master3 takes over on hp-late, master2 follows it
    vr.wait_state("master3", "MASTER", timeout=5)
    assert time.monotonic() - t < 5
    wait_for(lambda: VIP in late_addrs(lab), 3, 0.02, "VIP on master3's %s" % LATE)
    vr.wait_holder(None, timeout=3)  # gone from master2's eth0
    s3 = vr.status("master3")
    assert s3["fault"] is None and s3["source"] == LATE_IP and s3["vips_held"] is True
    assert s3["counters"]["adverts_tx"] > 0
    wait_for(lambda: vr.status("master2")["master"] is not None, 2, 0.02, "master2 learns")
    s2 = vr.status("master2")
    assert s2["state"] == "BACKUP"
    assert s2["master"] == {"self": False, "address": LATE_IP, "priority": 120}
    assert "interface %s appeared" % LATE in vr.log("master3")

    # deleted: FAULT (link gone), master2 takes over; re-created with a new
    # ifindex: master3 re-attaches to it and takes the VIP back
    lab.run("master3", ["ip", "link", "del", LATE])
    vr.wait_state("master3", "FAULT", timeout=3)
    vr.wait_holder("master2", timeout=3)
    make_late(lab)
    vr.wait_state("master3", "MASTER", timeout=5)
    wait_for(lambda: VIP in late_addrs(lab), 3, 0.02, "VIP on the new %s" % LATE)
    vr.wait_holder(None, timeout=3)
    assert "was re-created" in vr.log("master3")
    assert vr.status("master3")["vips_held"] is True


def test_interface_without_address_waits_and_survives_reload(vr, lab):
    vr.start("master3", late_conf())
    assert_waiting(vr, lab, WAITING)
    # SIGHUP while waiting: the instance is kept and keeps waiting
    vr.send("master3", signal.SIGHUP)
    wait_for(lambda: "reloaded" in vr.log("master3"), 3, 0.02, "reload")
    assert_waiting(vr, lab, WAITING)

    # up, no address yet: still waiting, for the address now
    make_late(lab, address=False)
    wait_for(lambda: vr.status("master3")["fault"] == NO_ADDR, 3, 0.02, "no-address reason")
    assert_waiting(vr, lab, NO_ADDR)
    # the address comes later (no link event: the 1 s retry finds it)
    lab.run("master3", ["ip", "addr", "add", LATE_IP + "/24", "dev", LATE])
    vr.wait_state("master3", "MASTER", timeout=5)
    wait_for(lambda: VIP in late_addrs(lab), 3, 0.02, "VIP on %s" % LATE)
    assert vr.status("master3")["source"] == LATE_IP

    # a reload with the instance running keeps it running
    vr.send("master3", signal.SIGHUP)
    wait_for(lambda: vr.log("master3").count("reloaded") >= 2, 3, 0.02, "second reload")
    assert vr.state("master3") == "MASTER" and VIP in late_addrs(lab)


def test_ipv6_waits_for_a_usable_link_local_address(vr, lab):
    vr.start("master3", late_conf().replace(VIP + "/24", VIP6 + "/64"))
    assert vr.state("master3") == "FAULT"
    make_late(lab, address=False, dad=True)
    # the link-local address is tentative (DAD) for about a second: adverts
    # cannot be sent from it, so the instance waits for it to be usable
    vr.wait_state("master3", "MASTER", timeout=6)
    s = vr.status("master3")
    assert s["source"].startswith("fe80::"), s
    assert s["counters"]["tx_errors"] == 0 and s["counters"]["adverts_tx"] > 0, s
    assert VIP6 in lab.addresses("master3", 6, dev=LATE)


def test_sigterm_while_waiting_exits_cleanly(vr, lab):
    vr.start("master3", late_conf())
    assert_waiting(vr, lab, WAITING)
    assert vr.stop("master3") == 0
    assert "FAULT -> INIT" in vr.log("master3")


def test_check_warns_and_other_facts_stay_errors(vr, lab):
    path = vr.write("master3", "late.conf", late_conf())
    cp = lab.run("master3", [vr.bin, "check", "-f", path], check=False)
    assert cp.returncode == 0, cp.stderr
    assert "warning: " + FACT in cp.stderr
    # a VIP `dev` that does not exist waits the same way
    dev = late_conf().replace(VIP + "/24", VIP + "/24 dev hp-late2")
    path = vr.write("master3", "late-dev.conf", dev)
    cp = lab.run("master3", [vr.bin, "check", "-f", path], check=False)
    assert cp.returncode == 0 and "warning: interface 'hp-late2' does not exist on this host " \
        "yet" in cp.stderr, cp.stderr
    # a missing command is still an error in `run`
    bad = late_conf(extra='notify_master "/nonexistent/notify"')
    path = vr.write("master3", "bad.conf", bad)
    cp = lab.run("master3", [vr.bin, "run", "-f", path, "--control",
                             os.path.join(lab.host_dir("master3"), "bad.sock")],
                 check=False, timeout=10)
    assert cp.returncode != 0
    assert "error: command '/nonexistent/notify' is not an executable file" in cp.stderr
