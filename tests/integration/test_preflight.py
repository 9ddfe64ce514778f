"""`haplane preflight` (issue 14 §6): the seed's node preparation, checked.

Two halves:

- Every file-based check against a temporary --root tree: a healthy node,
  then each broken condition built in the tree, the verdict and exit code it
  gives, what --fix changes there (and that it changes nothing else), the
  JSON output and the usage errors. Nothing on this machine is read for
  those checks, and nothing of it is changed: with --root, --fix writes only
  the tree's sysctl files and runs no command.
- The live network checks in the lab's namespaces only: the ARP probe for a
  VIP that a lab host holds (FAIL) or that is free (PASS), and the firewall
  check against an nftables ruleset made in a lab host. Every packet stays on
  the lab's bridge (198.18.0.0/24).
"""

import json
import os
import subprocess

import pytest

import hlab

LAB_OPTIONS = {"etcd": False}
SWAPS_HEAD = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
BRIDGE = "proc/sys/net/bridge/"
FWD = "proc/sys/net/ipv4/ip_forward"
NF4 = BRIDGE + "bridge-nf-call-iptables"
NF6 = BRIDGE + "bridge-nf-call-ip6tables"

HEALTHY = {
    "proc/swaps": SWAPS_HEAD,
    "proc/modules": "nf_tables 1 0 - Live 0\nbr_netfilter 32768 0 - Live 0\nbridge 1 1 "
                    "br_netfilter, Live 0\n",
    NF4: "1\n",
    NF6: "1\n",
    FWD: "1\n",
    "proc/sys/net/ipv4/ip_nonlocal_bind": "0\n",
    "proc/1/comm": "systemd\n",
    "proc/412/comm": "sshd\n",
    "etc/fstab": "UUID=1 / ext4 defaults 0 1\n#/swap.img none swap sw 0 0\n",
    "etc/hostname": "master1\n",
    "etc/hosts": "127.0.0.1 localhost\n198.18.0.11 master1\n",
}


def make_tree(root, **changes):
    """HEALTHY written under root, changed by files={path: text, or None to leave it out}."""
    files = dict(HEALTHY)
    files.update(changes.pop("files", {}))
    for path, text in files.items():
        if text is None:
            continue
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    os.makedirs(os.path.join(root, "sys", "module"), exist_ok=True)
    return root


def run(haplane_bin, *args, check_rc=None):
    cp = subprocess.run([haplane_bin, "preflight"] + [str(a) for a in args],
                        capture_output=True, text=True, timeout=30)
    if check_rc is not None:
        assert cp.returncode == check_rc, "rc %d, want %d\n%s%s" % (
            cp.returncode, check_rc, cp.stdout, cp.stderr)
    return cp


def rows(stdout):
    """{check id: (STATUS, rest of the line)} from the text output."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("PASS", "WARN", "FAIL", "SKIP"):
            out[parts[1]] = (parts[0], parts[2])
    return out


def checks(haplane_bin, root, *args, rc=None):
    cp = run(haplane_bin, "--root", root, "--json", *args, check_rc=rc)
    doc = json.loads(cp.stdout)
    return doc, {c["id"]: c for c in doc["checks"]}


def snapshot(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


# ---- a healthy tree ----------------------------------------------------------

def test_healthy_tree_passes(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path))
    cp = run(haplane_bin, "--root", root, check_rc=0)
    r = rows(cp.stdout)
    assert len(r) == 12, cp.stdout
    skipped = {k for k, v in r.items() if v[0] == "SKIP"}
    assert skipped == {"ports", "vip-arp"}, cp.stdout
    assert all(v[0] == "PASS" for k, v in r.items() if k not in skipped), cp.stdout
    assert "with --root" in r["ports"][1]
    assert "master1 -> 198.18.0.11 (%s/etc/hosts:2)" % root in r["hostname-resolves"][1]
    assert cp.stdout.rstrip().endswith("0 FAIL, 0 WARN, 10 PASS, 2 SKIP")


def test_vip_is_not_probed_with_root(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path))
    _, c = checks(haplane_bin, root, "--vip", "198.18.0.100", rc=0)
    assert c["vip-arp"]["status"] == "skip"
    assert "--root" in c["vip-arp"]["message"]


# ---- each broken condition ---------------------------------------------------

BROKEN = [
    # (name, files changed, check id, status, words in the message, words in the fix)
    ("swap on", {"proc/swaps": SWAPS_HEAD + "/dev/vda2 partition 1048572 0 -2\n"},
     "swap", "fail", "swap is on: /dev/vda2 (partition)", "swapoff -a"),
    ("swap in fstab", {"etc/fstab": "UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n"},
     "swap", "warn", "etc/fstab:2 (/swap.img) turns it on at boot", "sed -ri"),
    ("br_netfilter not loaded", {"proc/modules": "bridge 1 0 - Live 0\n", NF4: None, NF6: None},
     "br_netfilter", "fail", "br_netfilter is not loaded", "modprobe br_netfilter"),
    ("bridge-nf-call-iptables 0", {NF4: "0\n"},
     "net.bridge.bridge-nf-call-iptables", "fail", "= 0, needs 1",
     "sysctl -w net.bridge.bridge-nf-call-iptables=1"),
    ("bridge-nf-call-ip6tables 0", {NF6: "0\n"},
     "net.bridge.bridge-nf-call-ip6tables", "fail", "= 0, needs 1",
     "sysctl -w net.bridge.bridge-nf-call-ip6tables=1"),
    ("ip_forward 0", {FWD: "0\n"},
     "net.ipv4.ip_forward", "fail", "net.ipv4.ip_forward = 0", "sysctl -w net.ipv4.ip_forward=1"),
    ("ip_forward garbage", {FWD: "on\n"},
     "net.ipv4.ip_forward", "warn", FWD + ":1: expected a number, found 'on'", "sysctl -w"),
    ("SELinux enforcing", {"sys/fs/selinux/enforce": "1"},
     "selinux", "fail", "SELinux is enforcing", "setenforce 0"),
    ("firewalld running", {"proc/733/comm": "firewalld\n"},
     "firewalld", "warn", "firewalld is running", "systemctl disable --now firewalld"),
    ("host name uppercase", {"etc/hostname": "Master1\n", "etc/hosts": "10.0.0.1 Master1\n"},
     "hostname", "fail", "etc/hostname:1: 'Master1' is not a valid node name",
     "hostnamectl set-hostname"),
    ("host name localhost", {"etc/hostname": "localhost\n", "etc/hosts": "10.0.0.1 localhost\n"},
     "hostname", "fail", "'localhost' is not unique", "hostnamectl set-hostname"),
    ("no /etc/hostname", {"etc/hostname": None},
     "hostname", "fail", "no ", "hostnamectl set-hostname"),
    ("host name on loopback", {"etc/hosts": "127.0.0.1 localhost\n127.0.1.1 master1\n"},
     "hostname-resolves", "warn", "etc/hosts:2: master1 maps to 127.0.1.1 (loopback)",
     "echo 'NODE_IP master1' >> /etc/hosts"),
    ("host name not in hosts", {"etc/hosts": "127.0.0.1 localhost\n"},
     "hostname-resolves", "warn", "master1 is not in", "echo 'NODE_IP master1' >> /etc/hosts"),
]


@pytest.mark.parametrize("name,files,cid,status,msg,fix", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_condition(haplane_bin, tmp_path, name, files, cid, status, msg, fix):
    root = make_tree(str(tmp_path), files=files)
    doc, c = checks(haplane_bin, root, rc=1 if status == "fail" else 0)
    assert c[cid]["status"] == status, c[cid]
    assert msg in c[cid]["message"], c[cid]
    assert fix in (c[cid]["fix"] or ""), c[cid]
    assert doc["ok"] is (status != "fail")
    others = [k for k, v in c.items() if k != cid and v["status"] not in ("pass", "skip")]
    if cid == "br_netfilter":  # its sysctls are gone with it
        assert sorted(others) == ["net.bridge.bridge-nf-call-ip6tables",
                                  "net.bridge.bridge-nf-call-iptables"], c
    else:
        assert others == [], c
    # the text output says the same on one line, with the fix
    cp = run(haplane_bin, "--root", root)
    line = [ln for ln in cp.stdout.splitlines() if ln.split()[1:2] == [cid]][0]
    assert line.startswith(status.upper() + "  ") and msg in line and "fix: " + fix in line


def test_selinux_permissive_passes(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path), files={"sys/fs/selinux/enforce": "0"})
    _, c = checks(haplane_bin, root, rc=0)
    assert c["selinux"]["status"] == "pass" and "permissive" in c["selinux"]["message"]


def test_br_netfilter_in_sys_module_passes(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path), files={"proc/modules": ""})
    os.makedirs(os.path.join(root, "sys/module/br_netfilter"))
    _, c = checks(haplane_bin, root, rc=0)
    assert c["br_netfilter"]["status"] == "pass"
    assert "/sys/module/br_netfilter" in c["br_netfilter"]["message"]


# ---- --fix -------------------------------------------------------------------

def test_fix_writes_the_sysctls_and_nothing_else(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path), files={FWD: "0\n", NF4: "0\n", NF6: "0\n"})
    before = snapshot(root)
    run(haplane_bin, "--root", root, check_rc=1)
    cp = run(haplane_bin, "--root", root, "--fix", check_rc=0)
    for key, path in (("net.ipv4.ip_forward", FWD), ("net.bridge.bridge-nf-call-iptables", NF4),
                      ("net.bridge.bridge-nf-call-ip6tables", NF6)):
        assert "fixed: %s = 1 (%s: 0 -> 1)" % (key, os.path.join(root, path)) in cp.stdout
        assert rows(cp.stdout)[key][0] == "PASS", cp.stdout
    after = snapshot(root)
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert changed == sorted([FWD, NF4, NF6]), changed
    assert set(after) == set(before)
    assert all(after[p] == b"1\n" for p in changed)
    # a second run has nothing left to do
    cp = run(haplane_bin, "--root", root, "--fix", check_rc=0)
    assert "fixed: nothing" in cp.stdout


def test_fix_runs_no_command_with_root(haplane_bin, tmp_path):
    """swapoff and modprobe would act on this machine, not the tree: not run."""
    root = make_tree(str(tmp_path), files={
        "proc/swaps": SWAPS_HEAD + "/dev/vda2 partition 1048572 0 -2\n",
        "proc/modules": "", NF4: None, NF6: None, FWD: "0\n"})
    before = snapshot(root)
    with open("/proc/swaps") as f:
        host_swaps = f.read()
    cp = run(haplane_bin, "--root", root, "--fix", check_rc=1)
    assert "not run: swapoff -a (--root:" in cp.stdout
    assert "not run: modprobe br_netfilter (--root:" in cp.stdout
    assert "fixed: net.ipv4.ip_forward = 1" in cp.stdout
    r = rows(cp.stdout)
    assert r["swap"][0] == "FAIL" and r["br_netfilter"][0] == "FAIL"
    assert r["net.bridge.bridge-nf-call-iptables"][0] == "FAIL"
    assert r["net.ipv4.ip_forward"][0] == "PASS"
    after = snapshot(root)
    assert [p for p in after if after[p] != before.get(p)] == [FWD]
    assert not os.path.exists(os.path.join(root, BRIDGE))
    with open("/proc/swaps") as f:
        assert f.read() == host_swaps


def test_fix_leaves_what_is_not_safe(haplane_bin, tmp_path):
    """SELinux, fstab, the host name: reported with a command, never changed."""
    root = make_tree(str(tmp_path), files={
        "sys/fs/selinux/enforce": "1", "etc/hostname": "Master1\n",
        "etc/fstab": "/swap.img none swap sw 0 0\n"})
    before = snapshot(root)
    cp = run(haplane_bin, "--root", root, "--fix", check_rc=1)
    assert "fixed: nothing" in cp.stdout
    assert snapshot(root) == before


def test_fix_json(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path), files={FWD: "0\n", "proc/swaps": SWAPS_HEAD + "/sw file 1 0 -2\n"})
    doc, c = checks(haplane_bin, root, "--fix", rc=1)
    assert doc["fix"] is True and doc["ok"] is False
    assert doc["root"] == root and doc["vip"] is None and doc["port"] == 16443
    by = {f["action"]: f for f in doc["fixes"]}
    assert by["swapoff -a"]["result"] == "not-run"
    assert by["net.ipv4.ip_forward = 1"]["result"] == "done"
    assert by["net.ipv4.ip_forward = 1"]["detail"].endswith(FWD + ": 0 -> 1")
    assert c["net.ipv4.ip_forward"]["status"] == "pass"
    assert c["swap"]["status"] == "fail"


# ---- JSON, usage -------------------------------------------------------------

def test_json_shape(haplane_bin, tmp_path):
    root = make_tree(str(tmp_path), files={FWD: "0\n"})
    doc, c = checks(haplane_bin, root, "--port", "8443", rc=1)
    assert set(doc) == {"root", "vip", "port", "fix", "fixes", "checks", "ok"}
    assert doc["port"] == 8443 and doc["fix"] is False and doc["fixes"] == []
    assert [x["id"] for x in doc["checks"]] == [
        "swap", "br_netfilter", "net.bridge.bridge-nf-call-iptables",
        "net.bridge.bridge-nf-call-ip6tables", "net.ipv4.ip_forward", "selinux", "firewalld",
        "ports", "hostname", "hostname-resolves", "vip-arp", "freebind"]
    for x in doc["checks"]:
        assert set(x) == {"id", "status", "message", "fix"}
        assert x["status"] in ("pass", "warn", "fail", "skip")
    assert c["net.ipv4.ip_forward"]["fix"].startswith("sysctl -w net.ipv4.ip_forward=1")
    assert c["swap"]["fix"] is None


@pytest.mark.parametrize("args,words", [
    (["--bogus"], "unknown or incomplete option '--bogus'"),
    (["--vip", "198.18.0"], "--vip: '198.18.0' is not an IPv4 or IPv6 address"),
    (["--port", "0"], "--port: '0' is not a port"),
    (["--port", "70000"], "--port: '70000' is not a port"),
    (["--root", "/nonexistent/preflight-root"],
     "--root: '/nonexistent/preflight-root' is not a directory"),
    (["extra"], "unexpected argument 'extra'"),
    (["--vip"], "unknown or incomplete option '--vip'"),
])
def test_usage_errors(haplane_bin, args, words):
    cp = run(haplane_bin, *args, check_rc=2)
    assert words in cp.stderr and "usage: haplane preflight" in cp.stderr
    assert cp.stdout == ""


def test_help(haplane_bin):
    cp = run(haplane_bin, "--help", check_rc=0)
    assert cp.stdout.startswith("usage: haplane preflight")
    for words in ("--fix", "--root DIR", "--json", "--vip ADDR", "skipped", "IP_FREEBIND",
                  "swapoff -a", "modprobe"):
        assert words in cp.stdout, words
    cp2 = subprocess.run([haplane_bin, "help", "preflight"], capture_output=True, text=True)
    assert cp2.returncode == 0 and cp2.stdout == cp.stdout
    top = subprocess.run([haplane_bin, "help"], capture_output=True, text=True).stdout
    assert "preflight [--vip ADDR] [--fix]" in top


# ---- live checks, inside the lab ---------------------------------------------

def lab_checks(lab, haplane_bin, host, *args):
    """preflight --json run in host's namespace (read-only: no --fix)."""
    cp = lab.run(host, [haplane_bin, "preflight", "--json"] + list(args), check=False)
    assert cp.returncode in (0, 1), cp.stdout + cp.stderr
    doc = json.loads(cp.stdout)
    return {c["id"]: c for c in doc["checks"]}


def test_arp_vip_held_by_another_lab_host_fails(lab, haplane_bin):
    lab.run("master2", ["ip", "addr", "add", hlab.VIP + "/24", "dev", "eth0"])
    try:
        c = lab_checks(lab, haplane_bin, "master1", "--vip", hlab.VIP)
        arp = c["vip-arp"]
        assert arp["status"] == "fail", arp
        assert "something already answers for %s on eth0: %s" % (
            hlab.VIP, hlab.mac("master2")) in arp["message"]
        assert arp["fix"] == "ip neigh show %s dev eth0" % hlab.VIP
        # text output and exit code
        cp = lab.run("master1", [haplane_bin, "preflight", "--vip", hlab.VIP], check=False)
        assert cp.returncode == 1
        assert rows(cp.stdout)["vip-arp"][0] == "FAIL"
        # on the holder itself it is a local address, not a stranger
        c = lab_checks(lab, haplane_bin, "master2", "--vip", hlab.VIP)
        assert c["vip-arp"]["status"] == "warn"
        assert "already an address of this host (eth0)" in c["vip-arp"]["message"]
    finally:
        lab.run("master2", ["ip", "addr", "del", hlab.VIP + "/24", "dev", "eth0"], check=False)


def test_arp_free_vip_passes(lab, haplane_bin):
    c = lab_checks(lab, haplane_bin, "master1", "--vip", hlab.VIP)
    assert c["vip-arp"]["status"] == "pass", c["vip-arp"]
    assert c["vip-arp"]["message"] == "nothing answers ARP for %s on eth0 (3 probes)" % hlab.VIP
    assert c["freebind"]["status"] == "pass"
    assert "binds %s" % hlab.VIP in c["freebind"]["message"]


def test_arp_vip_outside_every_subnet_is_not_probed(lab, haplane_bin):
    c = lab_checks(lab, haplane_bin, "master1", "--vip", "198.18.1.100")
    assert c["vip-arp"]["status"] == "warn"
    assert "no interface has a subnet holding 198.18.1.100" in c["vip-arp"]["message"]


def test_arp_ipv6_vip_is_skipped(lab, haplane_bin):
    c = lab_checks(lab, haplane_bin, "master1", "--vip", hlab.VIP6)
    assert c["vip-arp"]["status"] == "skip" and "IPv6" in c["vip-arp"]["message"]
    assert c["freebind"]["status"] == "pass"
    assert "binds %s" % hlab.VIP6 in c["freebind"]["message"]


def test_ports_from_the_nftables_ruleset(lab, haplane_bin):
    host = "node3"
    c = lab_checks(lab, haplane_bin, host)
    assert c["ports"]["status"] == "pass", c["ports"]
    assert "nothing in nftables filters input" in c["ports"]["message"]
    rules = ("add table inet pftest\n"
             "add chain inet pftest input { type filter hook input priority 0; policy drop; }\n"
             "add rule inet pftest input tcp dport { 6443, 16443 } accept\n")
    lab.run(host, ["nft", "-f", "-"], input=rules)
    try:
        c = lab_checks(lab, haplane_bin, host)
        p = c["ports"]
        assert p["status"] == "warn", p
        assert ("input is filtered (inet pftest input: policy drop) and no accept rule was seen "
                "for VRRP (protocol 112), tcp 2379-2380, tcp 10250") in p["message"]
        assert p["fix"] == ("nft add rule inet pftest input ip protocol vrrp accept && "
                            "nft add rule inet pftest input tcp dport { 2379-2380, 10250 } accept")
        # the fix it prints is the fix
        for cmd in p["fix"].split(" && "):
            lab.run(host, cmd.split())
        c = lab_checks(lab, haplane_bin, host)
        assert c["ports"]["status"] == "pass", c["ports"]
        assert "accept rules exist" in c["ports"]["message"]
    finally:
        lab.run(host, ["nft", "delete", "table", "inet", "pftest"], check=False)
