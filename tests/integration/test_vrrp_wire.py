"""haplane's adverts on the wire, decoded by Wireshark's VRRP dissector
(Debian's tshark 4.0): VRRPv2 with auth_type PASS, VRRPv3 over IPv4
(multicast, and unicast: the checksum's pseudo-header holds each peer's
address) and over IPv6, all with good checksums and keepalived's IP envelope
(TTL / hop limit 255, TOS / traffic class 0xC0).

tshark 4.0 checks a v3 IPv4 checksum with the pseudo-header unless
vrrp.v3_checksum_as_in_v2 is TRUE; the test sets FALSE explicitly. A
deliberately broken advert from node2 shows that tshark does flag bad
checksums in the same capture.
"""

import os
import shutil
import signal
import time

import pytest

import vrrp_lab
from vrrp_lab import VIP, VIP6, conf, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
VIP2, VIP3 = "198.18.0.101", "198.18.0.102"
PASS = "s3cret"
FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "ip.ttl", "ipv6.hlim", "ip.dsfield",
          "ipv6.tclass", "vrrp.version", "vrrp.type", "vrrp.virt_rtr_id", "vrrp.prio",
          "vrrp.addr_count", "vrrp.auth_type", "vrrp.adver_int", "vrrp.short_adver_int",
          "vrrp.auth_string", "vrrp.ip_addr", "vrrp.ipv6_addr", "vrrp.checksum.status"]
GOOD, BAD = "1", "0"  # wireshark's PROTO_CHECKSUM_E_GOOD / _BAD

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")


@pytest.fixture
def vr(lab, haplane_bin):
    yield from vrrp_lab.vr_fixture(lab, haplane_bin)


def capture(vr, lab):
    """Start tshark in node1; returns the pcap path once it is capturing."""
    pcap = vr.path("node1", "vrrp.pcap")
    if os.path.exists(pcap):
        os.unlink(pcap)
    lab.popen("node1", "tshark", ["tshark", "-i", "eth0", "-f", "ip proto 112 or ip6 proto 112",
                                  "-w", pcap])
    wait_for(lambda: "Capturing on" in lab.read_log("node1", "tshark").split("=== ")[-1], 10,
             0.05, "tshark to capture")
    return pcap


def decode(lab, pcap):
    cp = lab.run("node1", ["tshark", "-r", pcap, "-o", "vrrp.v3_checksum_as_in_v2:FALSE",
                           "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                           "-E", "aggregator=,"] + sum((["-e", f] for f in FIELDS), []))
    return [dict(zip(FIELDS, ln.split("|"))) for ln in cp.stdout.splitlines() if ln.strip()]


def test_tshark_decodes_haplane_adverts(vr, lab):
    pcap = capture(vr, lab)
    text = conf("master3", 120)  # vi: v3 IPv4 multicast, VRID 51
    text += vrrp_lab.instance(120, name="v2", vrid=52, version=2, advert=1, auth=PASS,
                              state="MASTER", vips=(VIP2 + "/24",))
    text += vrrp_lab.instance(120, name="v6", vrid=53, vips=(VIP6 + "/64",))
    text += vrrp_lab.instance(120, name="uc", vrid=54, vips=(VIP3 + "/24",),
                              unicast=(ipv4("master3"), [ipv4("node1"), ipv4("master2")]))
    vr.start("master3", text)
    for name in ("vi", "v2", "v6", "uc"):
        vr.wait_state("master3", "MASTER", timeout=4, name=name)
    time.sleep(1.2)  # at least one more v2 advert (1 s)
    vr.inject("node2", version=3, vrid=99, prio=100, addr=[VIP], src=ipv4("node2"),
              bad_checksum=True)
    time.sleep(0.3)  # let dumpcap write it out
    lab.stop("node1", "tshark", sig=signal.SIGINT)
    pkts = decode(lab, pcap)
    by_vrid = {}
    for p in pkts:
        by_vrid.setdefault(p["vrrp.virt_rtr_id"], []).append(p)
    assert set(by_vrid) >= {"51", "52", "53", "54", "99"}, sorted(by_vrid)

    src6 = vr.status("master3", "v6")["source"]
    expect = {
        "51": {"ip.src": ipv4("master3"), "ip.dst": "224.0.0.18", "vrrp.version": "3",
               "vrrp.short_adver_int": "10", "vrrp.ip_addr": VIP},
        "52": {"ip.src": ipv4("master3"), "ip.dst": "224.0.0.18", "vrrp.version": "2",
               "vrrp.adver_int": "1", "vrrp.auth_type": "1", "vrrp.auth_string": PASS,
               "vrrp.ip_addr": VIP2},
        "53": {"ipv6.src": src6, "ipv6.dst": "ff02::12", "vrrp.version": "3",
               "vrrp.short_adver_int": "10", "vrrp.ipv6_addr": VIP6},
        "54": {"ip.src": ipv4("master3"), "ip.dst": ipv4("node1"), "vrrp.version": "3",
               "vrrp.short_adver_int": "10", "vrrp.ip_addr": VIP3},
    }
    for vrid, want in expect.items():
        for p in by_vrid[vrid]:
            got = {k: p[k] for k in want}
            assert got == want, (vrid, p)
            assert p["vrrp.type"] == "1" and p["vrrp.prio"] == "120" and \
                p["vrrp.addr_count"] == "1", p
            assert p["vrrp.checksum.status"] == GOOD, ("checksum", vrid, p)
            if "ip.src" in want:
                assert p["ip.ttl"] == "255" and int(p["ip.dsfield"], 16) == 0xC0, p
            else:
                assert p["ipv6.hlim"] == "255" and int(p["ipv6.tclass"], 16) == 0xC0, p
    assert [p["vrrp.checksum.status"] for p in by_vrid["99"]] == [BAD]
