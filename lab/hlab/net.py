"""Network plumbing: namespaces, the bridge, veths, addresses, fault rules.

Nothing is created in the root namespace: veth pairs are made inside the
switch namespace with their host end moved straight into the host namespace.

Sysctls set (all inside lab namespaces, never in the root namespace):
  hosts:  net.ipv6.conf.{all,default}.accept_dad=0  (addresses usable at once)
  switch: net.ipv6.conf.{all,default}.disable_ipv6=1  (the switch is pure L2
          and never sends packets of its own; bridging IPv6 is unaffected)
The bridge has multicast snooping off, so it floods multicast like a dumb
switch (VRRP to 224.0.0.18 / ff02::12 reaches every host, joined or not).

Faults live in one nftables table, `bridge hlab`, in the switch namespace: a
forward-hook chain matching switch ports (iifname/oifname). Filtering whole
frames at the switch cuts everything between two hosts, ARP, IPv6 ND and VRRP
included, whatever addresses (VIPs move) or MACs (virtual MACs) are used, and
leaves the hosts' own netfilter untouched for the software under test.
"""

import json
import subprocess

from . import topology as T
from .proc import CommandError, LabError, run


def list_netns():
    """Names of all network namespaces (`ip netns list`)."""
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _batch(argv_prefix, lines, force=False):
    argv = list(argv_prefix) + (["-force"] if force else []) + ["-batch", "-"]
    return run(argv, input="\n".join(lines) + "\n", check=not force)


def _parallel(jobs):
    """Run [(argv, stdin_text)] concurrently; CommandError for the first failure."""
    procs = []
    for argv, text in jobs:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        procs.append((argv, p, text))
    err = None
    for argv, p, text in procs:
        out, errout = p.communicate(text, timeout=30)
        if p.returncode != 0 and err is None:
            err = CommandError(p.returncode, argv, out, errout)
    if err:
        raise err


def create(names):
    """Create the namespaces, bridge, veths and addresses of one lab."""
    sw = names.switch_ns
    _batch(["ip"], ["netns add %s" % ns for ns in names.all_ns()])
    sysctl = ["sysctl", "-q", "-w"]
    jobs = [(["ip", "netns", "exec", sw] + sysctl + [
        "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], None)]
    for h in T.HOSTS:
        jobs.append((["ip", "netns", "exec", names.ns(h)] + sysctl + [
            "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"], None))
    _parallel(jobs)
    lines = ["link set lo up",
             "link add %s type bridge mcast_snooping 0" % names.bridge,
             "link set %s up" % names.bridge]
    for h in T.HOSTS:
        port = names.port(h)
        lines += ["link add %s type veth peer name %s address %s netns %s"
                  % (port, T.DEV, T.mac(h), names.ns(h)),
                  "link set %s master %s" % (port, names.bridge),
                  "link set %s up" % port]
    _batch(["ip", "-n", sw], lines)
    jobs = []
    for h in T.HOSTS:
        lines = ["link set lo up",
                 "addr add %s/%d dev %s" % (T.ipv4(h), T.PREFIXLEN, T.DEV),
                 "addr add %s/%d dev %s nodad" % (T.ipv6(h), T.PREFIXLEN6, T.DEV),
                 "link set %s up" % T.DEV]
        jobs.append((["ip", "-n", names.ns(h), "-batch", "-"], "\n".join(lines) + "\n"))
    _parallel(jobs)


def delete_netns(namespaces):
    """`ip netns del` each; missing ones are ignored. Returns those still listed."""
    if namespaces:
        _batch(["ip"], ["netns del %s" % ns for ns in namespaces], force=True)
    left = set(list_netns())
    return [ns for ns in namespaces if ns in left]


def set_port(names, host, up):
    """Switch port of host up/down: down is a cable pull (host's eth0 loses carrier)."""
    run(["ip", "-n", names.switch_ns, "link", "set", names.port(host),
         "up" if up else "down"])


def link_info(ns, dev=T.DEV):
    """`ip -j link show dev` as a dict (operstate, flags, address, ...)."""
    out = run(["ip", "-j", "-n", ns, "link", "show", "dev", dev]).stdout
    return json.loads(out)[0]


def addr_info(ns, dev=T.DEV):
    """addr_info entries (dicts with local, prefixlen, family, scope, valid_life_time...)."""
    argv = ["ip", "-j", "-n", ns, "addr", "show"] + (["dev", dev] if dev else [])
    out = run(argv).stdout
    return [a for link in json.loads(out or "[]") for a in link.get("addr_info", [])
            if "local" in a]


def fault_ruleset(names, cuts, loss):
    """nft script (pure) replacing table `bridge hlab` with the given faults.

    cuts: iterable of (src_host, dst_host): frames from src to dst are dropped.
    loss: {host: percent}: frames from and to host dropped at random.
    With no faults the table is just removed.
    """
    head = ["table bridge hlab", "delete table bridge hlab"]
    rules = []
    for a, b in sorted(cuts):
        rules.append('iifname "%s" oifname "%s" counter drop' % (names.port(a), names.port(b)))
    for h, pct in sorted(loss.items()):
        rand = "numgen random mod 100 < %d " % pct if pct < 100 else ""
        for d in ("iifname", "oifname"):
            rules.append('%s "%s" %scounter drop' % (d, names.port(h), rand))
    if not rules:
        return "\n".join(head) + "\n"
    body = ["table bridge hlab {", "  chain faults {",
            "    type filter hook forward priority 0; policy accept;"]
    body += ["    " + r for r in rules] + ["  }", "}"]
    return "\n".join(head + body) + "\n"


def apply_faults(names, cuts, loss):
    try:
        run(["ip", "netns", "exec", names.switch_ns, "nft", "-f", "-"],
            input=fault_ruleset(names, cuts, loss))
    except CommandError as e:
        raise LabError("cannot apply fault rules in %s: %s" % (names.switch_ns, e)) from e
