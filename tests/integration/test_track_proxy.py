"""track_proxy: the VRRP priority follows whether this node's proxy has a
healthy server. The real engine and the real proxy in one daemon on each
master; master1 loses its way to every apiserver (an nftables rule in its own
namespace drops its connects to :6443), its proxy turns unhealthy, its
priority drops by the weight, and master2 takes the VIP; when the path comes
back, master1 takes it back.
"""

import json
import os

from hlab import MASTERS, VIP, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}

CONF = """\
vrrp_instance apiserver {{
    interface eth0
    virtual_router_id 61
    priority {prio}
    advert_int 0.1
    version 3
    virtual_ipaddress {{ {vip}/24 }}
    track_proxy apiserver weight -50
}}

proxy apiserver {{
    bind *:16443
    check https GET /readyz expect 200 interval 200ms timeout 200ms fall 2 rise 2 ca {ca}
{servers}}}
"""

BLOCK = """table inet tp {
    chain out {
        type filter hook output priority 0;
        tcp dport 6443 drop
    }
}
"""


def start(lab, binary, host, prio):
    servers = "".join("    server %s %s:6443\n" % (m, ipv4(m)) for m in MASTERS)
    d = lab.host_dir(host)
    conf = os.path.join(d, "tp.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(prio=prio, vip=VIP, ca=lab.ca, servers=servers))
    sock = os.path.join(d, "tp.sock")
    lab.popen(host, "haplane", [binary, "run", "-f", conf, "--control", sock])
    return sock


def status(lab, binary, host, sock):
    out = lab.run(host, [binary, "status", "--json", "--control", sock]).stdout
    return json.loads(out)


def holders(lab):
    return [h for h in ("master1", "master2") if VIP in lab.addresses(h, 4)]


def test_unhealthy_proxy_hands_the_vip_over_and_back(lab, haplane_bin):
    socks = {"master1": start(lab, haplane_bin, "master1", 100),
             "master2": start(lab, haplane_bin, "master2", 90)}
    try:
        wait_for(lambda: holders(lab) == ["master1"], 10, what="master1 to hold the VIP")
        wait_for(lambda: status(lab, haplane_bin, "master1", socks["master1"])
                 ["vrrp"]["instances"][0]["priority"] == 100, 10,
                 what="master1 at full priority once its checks pass")

        lab.run("master1", ["nft", "-f", "-"], input=BLOCK)
        wait_for(lambda: holders(lab) == ["master2"], 10, 0.05,
                 what="master2 to take the VIP from master1 with no healthy server")
        st = status(lab, haplane_bin, "master1", socks["master1"])
        inst = st["vrrp"]["instances"][0]
        assert inst["state"] == "BACKUP"
        assert inst["priority"] == 50 and inst["base_priority"] == 100
        assert inst["tracks"] == [{"kind": "proxy", "name": "apiserver", "weight": -50,
                                   "ok": False, "effect": "weight"}]
        log = lab.read_log("master1", "haplane")
        assert "tracked proxy apiserver is without a healthy server (weight -50)" in log
        assert "priority 100 -> 50 (base 100)" in log

        lab.run("master1", ["nft", "delete", "table", "inet", "tp"])
        wait_for(lambda: holders(lab) == ["master1"], 10, 0.05,
                 what="master1 to take the VIP back once its proxy is healthy")
        inst = status(lab, haplane_bin, "master1", socks["master1"])["vrrp"]["instances"][0]
        assert inst["priority"] == 100 and inst["tracks"][0]["ok"] is True
    finally:
        lab.run("master1", ["nft", "delete", "table", "inet", "tp"], check=False)
        for h in socks:
            lab.stop(h, "haplane")
