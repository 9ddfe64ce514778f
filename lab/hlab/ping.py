#!/usr/bin/python3
"""ICMP echo prober (the machine has no `ping`): run inside a namespace.

    ping.py ADDR [-c COUNT] [-i INTERVAL] [-W WAIT]

ADDR is IPv4 or IPv6 (link-local as fe80::1%eth0). Sends COUNT echo
requests INTERVAL s apart, waits WAIT s after the last one, prints
"N packets transmitted, M received" (iputils' wording) and exits 0 if any
reply came, 1 if none, 2 on error. Needs root (raw sockets).
"""

import argparse
import os
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser(description="ICMP echo prober")
    ap.add_argument("addr")
    ap.add_argument("-c", type=int, default=1, dest="count")
    ap.add_argument("-i", type=float, default=0.2, dest="interval")
    ap.add_argument("-W", type=float, default=1.0, dest="wait")
    a = ap.parse_args()
    info = socket.getaddrinfo(a.addr, None, 0, socket.SOCK_RAW)[0]
    fam, sockaddr = info[0], info[4]
    v6 = fam == socket.AF_INET6
    sock = socket.socket(fam, socket.SOCK_RAW,
                         socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    req_type, rep_type = (128, 129) if v6 else (8, 0)
    ident = (os.getpid() ^ int(time.time() * 1000)) & 0xFFFF
    sent, got, rtts = {}, set(), []
    next_send, end = time.monotonic(), None
    while True:
        now = time.monotonic()
        if len(sent) < a.count and now >= next_send:
            seq = len(sent)
            payload = struct.pack("!d", now) + b"haplane-lab"
            hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
            if not v6:  # the kernel fills the ICMPv6 checksum
                hdr = struct.pack("!BBHHH", req_type, 0, checksum(hdr + payload), ident, seq)
            try:
                sock.sendto(hdr + payload, sockaddr)
            except OSError:
                pass  # unreachable: counts as lost
            sent[seq] = now
            next_send = now + a.interval
            if len(sent) == a.count:
                end = now + a.wait
        if end is not None and (now >= end or len(got) == a.count):
            break
        timeout = (end if end is not None else next_send) - now
        r, _, _ = select.select([sock], [], [], max(0.0, timeout))
        if not r:
            continue
        data = sock.recv(2048)
        if not v6:
            data = data[(data[0] & 0x0F) * 4:]
        if len(data) < 8:
            continue
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if typ == rep_type and rid == ident and rseq in sent and rseq not in got:
            got.add(rseq)
            rtts.append((time.monotonic() - sent[rseq]) * 1000)
    print("%d packets transmitted, %d received" % (len(sent), len(got)))
    if rtts:
        print("rtt min/avg/max = %.3f/%.3f/%.3f ms" % (min(rtts), sum(rtts) / len(rtts),
                                                       max(rtts)))
    return 0 if got else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print("ping.py: %s" % e, file=sys.stderr)
        sys.exit(2)
