"""hlab: the haplane lab, the seed's cluster in network namespaces.

Shared by lab/haplane-lab (CLI), lab/demo, tests/integration and bench/.
"""

from .lab import (CurlResult, Lab, created_prefixes, destroy, find_prefixes, leftovers,
                  random_prefix, resolve_prefix)
from .proc import CommandError, LabError, LabTimeout, wait_for
from .topology import (APISERVER_PORT, DEV, ETCD_CLIENT_PORT, ETCD_PEER_PORT, HOSTS, MASTERS,
                       NODES, PREFIXLEN, PREFIXLEN6, STATE_ROOT, SUBNET, SUBNET6, VIP, VIP6,
                       host_of_ip, ipv4, ipv6, mac)

__all__ = [
    "APISERVER_PORT", "CommandError", "CurlResult", "DEV", "ETCD_CLIENT_PORT", "ETCD_PEER_PORT",
    "HOSTS", "Lab", "LabError", "LabTimeout", "MASTERS", "NODES", "PREFIXLEN", "PREFIXLEN6",
    "STATE_ROOT", "SUBNET", "SUBNET6", "VIP", "VIP6", "created_prefixes", "destroy",
    "find_prefixes", "host_of_ip", "ipv4", "ipv6", "leftovers", "mac", "random_prefix",
    "resolve_prefix", "wait_for",
]
