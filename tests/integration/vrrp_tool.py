#!/usr/bin/python3
"""In-namespace helpers for the VRRP tests and bench/failover (run with
`ip netns exec NS /usr/bin/python3 vrrp_tool.py CMD ...`; standard library only).

    inject  send hand-made VRRP adverts (raw socket, protocol 112), good or bad
    addrmon print address additions (+), refreshes (~) and removals (-) with times
    probe   ICMP echo to an address every INTERVAL s, print each reply's time
    link    set interfaces up/down on stdin commands, print the ioctl's times
    listen  print the arrival time, source, VRID and priority of each VRRP packet

Times are time.monotonic() (CLOCK_MONOTONIC, the same in every network
namespace), so lines from tools in different hosts can be compared.
"""

import argparse
import fcntl
import ipaddress
import os
import select
import socket
import struct
import sys
import time

IPPROTO_VRRP = 112


def csum(data):
    """RFC 1071 Internet checksum of bytes."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---- inject ----------------------------------------------------------------


def vrrp_packet(version, vrid, prio, addrs, advert_cs, auth_type=0, auth_pass=b"",
                src=None, dst=None, vtype=1):
    """A VRRP advert (RFC 3768 5.3 / RFC 5798 5.2) with a correct checksum.

    v2: checksum over the message; v3: with the pseudo-header of src/dst.
    """
    fam = socket.AF_INET6 if ":" in addrs[0] else socket.AF_INET
    body = b"".join(socket.inet_pton(fam, a) for a in addrs)
    if version == 2:
        hdr = struct.pack("!BBBBBBH", 0x20 | vtype, vrid, prio, len(addrs), auth_type,
                          advert_cs // 100, 0)
        msg = hdr + body + auth_pass[:8].ljust(8, b"\0")
        c = csum(msg)
    else:
        hdr = struct.pack("!BBBBHH", 0x30 | vtype, vrid, prio, len(addrs), advert_cs & 0xFFF, 0)
        msg = hdr + body
        s, d = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
        if fam == socket.AF_INET:
            pseudo = s + d + struct.pack("!BBH", 0, IPPROTO_VRRP, len(msg))
        else:
            pseudo = s + d + struct.pack("!I3xB", len(msg), IPPROTO_VRRP)
        c = csum(pseudo + msg)
    return msg[:6] + struct.pack("!H", c) + msg[8:]


def cmd_inject(a):
    fam = socket.AF_INET6 if ":" in a.addr[0] else socket.AF_INET
    dst = a.dst or ("ff02::12" if fam == socket.AF_INET6 else "224.0.0.18")
    pkts = []
    for prio in [a.prio] + ([a.prio2] if a.prio2 is not None else []):
        pkt = vrrp_packet(a.version, a.vrid, prio, a.addr, a.advert_cs, a.auth_type,
                          a.auth_pass.encode(), a.src, dst, a.type)
        if a.bad_checksum:
            pkt = pkt[:6] + struct.pack("!H", struct.unpack("!H", pkt[6:8])[0] ^ 0x5A5A) + pkt[8:]
        pkts.append(pkt)
    s = socket.socket(fam, socket.SOCK_RAW, IPPROTO_VRRP)
    ifindex = socket.if_nametoindex(a.dev)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    if fam == socket.AF_INET:
        s.bind((a.src, 0))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(a.src))
        target = (dst, 0)
    else:
        s.bind((a.src, 0, 0, ifindex))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, a.ttl)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        target = (dst, 0, 0, ifindex)
    for i in range(a.count):
        s.sendto(pkts[i % len(pkts)], target)
        if i + 1 < a.count:
            time.sleep(a.interval)
    print("sent %d" % a.count)


# ---- addrmon ---------------------------------------------------------------

RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
NLMSG_DONE, NLMSG_ERROR = 3, 2
RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR = 0x10, 0x100
IFA_ADDRESS, IFA_LOCAL = 1, 2


def parse_addr_msgs(data):
    """[(type, address string)] of the RTM_*ADDR messages in one netlink read."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, typ = struct.unpack_from("=IH", data, off)
        if ln < 16:
            break
        if typ in (RTM_NEWADDR, RTM_DELADDR):
            fam = data[off + 16]
            a_off, local, address = off + 16 + 8, None, None
            while a_off + 4 <= off + ln:
                alen, atyp = struct.unpack_from("=HH", data, a_off)
                if alen < 4:
                    break
                val = data[a_off + 4:a_off + alen]
                if atyp == IFA_LOCAL:
                    local = val
                elif atyp == IFA_ADDRESS:
                    address = val
                a_off += (alen + 3) & ~3
            raw = local or address
            if raw:
                out.append((typ, socket.inet_ntop(fam, raw)))
        elif typ == NLMSG_DONE:
            out.append((NLMSG_DONE, None))
        off += (ln + 3) & ~3
    return out


def cmd_addrmon(a):
    watch = set(str(ipaddress.ip_address(x)) for x in a.addr)
    mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    mon.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    mon.bind((0, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
    dump = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    dump.bind((0, 0))
    req = struct.pack("=IHHII", 16 + 8, RTM_GETADDR, 0x301, 1, 0) + struct.pack("=BBBBI", 0,
                                                                                0, 0, 0, 0)
    dump.send(req)
    have, done = set(), False
    while not done:
        for typ, addr in parse_addr_msgs(dump.recv(1 << 16)):
            if typ == NLMSG_DONE:
                done = True
            elif addr in watch:
                have.add(addr)
    dump.close()
    print("%.6f init %s" % (time.monotonic(), " ".join(sorted(have)) or "-"), flush=True)
    while True:
        data = mon.recv(1 << 16)
        t = time.monotonic()
        for typ, addr in parse_addr_msgs(data):
            if addr not in watch:
                continue
            if typ == RTM_NEWADDR and addr not in have:
                have.add(addr)
                print("%.6f + %s" % (t, addr), flush=True)
            elif typ == RTM_NEWADDR:
                print("%.6f ~ %s" % (t, addr), flush=True)  # lifetime refreshed
            elif typ == RTM_DELADDR and addr in have:
                have.discard(addr)
                print("%.6f - %s" % (t, addr), flush=True)


# ---- probe -----------------------------------------------------------------


def cmd_probe(a):
    """Echo requests every interval; prints "R <t> <seq> <sent>" per reply."""
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    v6 = fam == socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    req_type, rep_type = (128, 129) if v6 else (8, 0)
    ident = os.getpid() & 0xFFFF
    sent = {}
    seq, next_send = 0, time.monotonic()
    end = time.monotonic() + a.duration if a.duration else None
    print("%.6f start" % time.monotonic(), flush=True)
    while end is None or time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq & 0xFFFF)
            payload = b"hplprobe"
            if not v6:
                hdr = struct.pack("!BBHHH", req_type, 0, csum(hdr + payload), ident, seq & 0xFFFF)
            try:
                s.sendto(hdr + payload, (a.addr, 0))
            except OSError:
                pass
            sent[seq & 0xFFFF] = now
            seq += 1
            next_send += a.interval
            if next_send < now:
                next_send = now + a.interval
        r, _, _ = select.select([s], [], [], max(0.0, next_send - time.monotonic()))
        if not r:
            continue
        data = s.recv(2048)
        t = time.monotonic()
        if not v6:
            data = data[(data[0] & 0x0F) * 4:]
        if len(data) < 8:
            continue
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if typ == rep_type and rid == ident and rseq in sent:
            print("R %.6f %d %.6f" % (t, rseq, sent.pop(rseq)), flush=True)


# ---- listen ----------------------------------------------------------------


def cmd_listen(a):
    """Print "A <t> <src> <vrid> <prio>" for every IPv4 VRRP packet received on dev."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_VRRP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    mreq = struct.pack("4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"),
                       socket.if_nametoindex(a.dev))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print("ready", flush=True)
    while True:
        data = s.recv(2048)
        t = time.monotonic()
        ihl = (data[0] & 0x0F) * 4
        if len(data) >= ihl + 3:
            print("A %.6f %s %d %d" % (t, socket.inet_ntoa(data[12:16]), data[ihl + 1],
                                       data[ihl + 2]), flush=True)


# ---- link ------------------------------------------------------------------

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def set_link(sock, name, up):
    ifr = struct.pack("16sH", name.encode(), 0)
    flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, ifr)[:18])[1]
    flags = flags | IFF_UP if up else flags & ~IFF_UP
    fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", name.encode(), flags))


def cmd_link(a):
    """stdin lines "up IF" / "down IF"; answers "ok <t_before> <t_after>"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("ready", flush=True)
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 2 or parts[0] not in ("up", "down"):
            print("error bad command", flush=True)
            continue
        t0 = time.monotonic()
        try:
            set_link(sock, parts[1], parts[0] == "up")
        except OSError as e:
            print("error %s" % e, flush=True)
            continue
        print("ok %.6f %.6f" % (t0, time.monotonic()), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("inject")
    p.add_argument("--version", type=int, default=3)
    p.add_argument("--type", type=int, default=1)
    p.add_argument("--vrid", type=int, required=True)
    p.add_argument("--prio", type=int, required=True)
    p.add_argument("--prio2", type=int, help="alternate --prio and this, packet by packet")
    p.add_argument("--addr", action="append", required=True, help="VIP in the advert")
    p.add_argument("--advert-cs", type=int, default=10, help="interval, centiseconds")
    p.add_argument("--auth-type", type=int, default=0)
    p.add_argument("--auth-pass", default="")
    p.add_argument("--src", required=True, help="our address (IP source)")
    p.add_argument("--dst", help="default: the VRRP multicast group")
    p.add_argument("--dev", default="eth0")
    p.add_argument("--ttl", type=int, default=255)
    p.add_argument("--bad-checksum", action="store_true")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.02)
    p = sub.add_parser("addrmon")
    p.add_argument("addr", nargs="+")
    p = sub.add_parser("probe")
    p.add_argument("addr")
    p.add_argument("-i", "--interval", type=float, default=0.01)
    p.add_argument("-d", "--duration", type=float, default=0)
    sub.add_parser("link")
    p = sub.add_parser("listen")
    p.add_argument("--dev", default="eth0")
    a = ap.parse_args()
    {"inject": cmd_inject, "addrmon": cmd_addrmon, "probe": cmd_probe, "link": cmd_link,
     "listen": cmd_listen}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
