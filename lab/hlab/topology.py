"""The lab's fixed topology: host names, addresses, ports and name rules.

The seed's cluster: three control-plane hosts with stacked etcd and three
workers on one L2 segment. Every kernel object the lab creates carries a
per-run prefix, so several labs (and other users of the machine) never
collide.
"""

import re

MASTERS = ("master1", "master2", "master3")
NODES = ("node1", "node2", "node3")
HOSTS = MASTERS + NODES
SWITCH = "sw"  # namespace suffix of the switch (holds the bridge)

SUBNET = "198.18.0.0/24"  # RFC 2544 benchmarking range
PREFIXLEN = 24
SUBNET6 = "fd18::/64"  # ULA
PREFIXLEN6 = 64
VIP = "198.18.0.100"  # not configured by the lab: haplane adds it
VIP6 = "fd18::100"  # the same for IPv6 tests
DEV = "eth0"  # every host's interface

APISERVER_PORT = 6443
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380

STATE_ROOT = "/run/haplane-lab"
CURRENT_LINK = STATE_ROOT + "/current"
ENV_MARK = "HAPLANE_LAB"  # set to the prefix in every process the lab starts

MAX_PREFIX = 10  # prefix + "br"/"m1" must fit IFNAMSIZ-1 = 15
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,%d}$" % (MAX_PREFIX - 1))
DEFAULT_PREFIX_RE = re.compile(r"^hl[0-9a-f]{4}-$")  # what random_prefix() makes


def _num(host):
    if host not in HOSTS:
        raise ValueError("unknown host %r (hosts: %s)" % (host, " ".join(HOSTS)))
    return int(host[-1])


def host_octet(host):
    """Last octet: masterN -> 1N, nodeN -> 2N (master1 = .11, node3 = .23)."""
    return (10 if host.startswith("master") else 20) + _num(host)


def ipv4(host):
    return "198.18.0.%d" % host_octet(host)


def ipv6(host):
    return "fd18::%d" % host_octet(host)


def mac(host):
    """Deterministic eth0 MAC (locally administered): 02:00:c6:12:00:<octet as decimal digits>."""
    return "02:00:c6:12:00:%d" % host_octet(host)


def short(host):
    """m1, m2, m3, n1, n2, n3: used in switch port names."""
    return host[0] + host[-1]


def host_of_ip(addr):
    """Host owning addr (IPv4 or IPv6 lab address), or None."""
    for h in HOSTS:
        if addr in (ipv4(h), ipv6(h)):
            return h
    return None


def check_prefix(prefix):
    if not PREFIX_RE.match(prefix or "") or prefix == "current":
        raise ValueError(
            "bad lab prefix %r: 1-%d characters of [A-Za-z0-9_.-], starting alphanumeric"
            % (prefix, MAX_PREFIX))
    return prefix


class Names:
    """Kernel object names of one lab run (namespaces, bridge, switch ports)."""

    def __init__(self, prefix):
        self.prefix = check_prefix(prefix)

    def ns(self, host):
        """Namespace of a host, or of the switch for host == SWITCH."""
        if host != SWITCH:
            _num(host)
        return self.prefix + host

    @property
    def switch_ns(self):
        return self.prefix + SWITCH

    @property
    def bridge(self):
        return self.prefix + "br"

    def port(self, host):
        """Switch-side veth peer of host's eth0 (lives in the switch namespace)."""
        return self.prefix + short(host)

    def all_ns(self):
        return [self.switch_ns] + [self.ns(h) for h in HOSTS]
