#!/usr/bin/python3
"""bench/outage/client.py: API clients through the VIP, as kubectl would be.

    client.py ADDR PORT --every S --for S [--timeout S]

Starts a request every --every seconds for --for seconds, each in a thread
of its own: a new TCP connection, TLS (no verification: what is measured is
reachability, not trust), GET /readyz, the status line read. Then waits for
the last ones (at most --timeout) and prints one JSON list on stdout:
[[t_start, t_end, ok, error], ...] with CLOCK_MONOTONIC times (the same
clock as every other namespace's on this kernel).
"""

import argparse
import json
import socket
import ssl
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("addr")
ap.add_argument("port", type=int)
ap.add_argument("--every", type=float, default=0.02)
ap.add_argument("--for", dest="duration", type=float, default=10.0)
ap.add_argument("--timeout", type=float, default=10.0)
args = ap.parse_args()

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
results, lock = [], threading.Lock()


def one():
    t0 = time.monotonic()
    ok, err = False, ""
    try:
        with socket.create_connection((args.addr, args.port), timeout=args.timeout) as raw:
            raw.settimeout(max(0.1, args.timeout - (time.monotonic() - t0)))
            with ctx.wrap_socket(raw, server_hostname="kubernetes") as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: kubernetes\r\nConnection: close\r\n\r\n")
                head = b""
                while b"\r\n" not in head:
                    d = s.recv(4096)
                    if not d:
                        break
                    head += d
                ok = head.startswith(b"HTTP/1.1 200")
                err = "" if ok else "status " + head.split(b"\r\n")[0].decode(errors="replace")
    except Exception as e:  # every failure is a result here
        err = type(e).__name__
    with lock:
        results.append([t0, time.monotonic(), ok, err])


threads = []
start = time.monotonic()
n = 0
while time.monotonic() - start < args.duration:
    t = threading.Thread(target=one, daemon=True)
    t.start()
    threads.append(t)
    n += 1
    time.sleep(max(0.0, start + n * args.every - time.monotonic()))
for t in threads:
    t.join(args.timeout + 1)
with lock:
    print(json.dumps(results))
