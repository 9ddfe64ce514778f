#!/usr/bin/python3
"""Clients and a backend for test_failover_reset.py, run inside a lab host.
Times are time.monotonic() (the lab shares one clock); each client prints "OPEN" once its connections are
up, then one JSON object at the end.

  watch HOST PORT CA N SECONDS TIMEOUT
        N watch streams (GET /watch?interval=0.1 through HOST:PORT, TLS):
        each reads lines with a TIMEOUT s read timeout and, when its
        connection ends (EOF, reset, timeout), reconnects at once; after
        SECONDS: {"streams": [{"lines": [[t, host]...], "ends": [[t, why]...]}]}
  idle HOST PORT N SECONDS
        N plain TCP connections that only wait; after SECONDS:
        {"ends": [[t, why]...], "open": n}
  hold PORT
        a backend that accepts connections and keeps them open, reading
        and dropping whatever comes
"""

import json
import os
import resource
import selectors
import socket
import ssl
import sys
import threading
import time

SNI = "kubernetes"


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def watch(host, port, ca, n, seconds, timeout):
    ctx = ssl.create_default_context(cafile=ca)
    end_at = time.monotonic() + seconds
    streams = [{"lines": [], "ends": []} for _ in range(n)]
    first = threading.Barrier(n + 1)

    def one(st):
        told = False
        while time.monotonic() < end_at:
            try:
                s = socket.socket(family_of(host), socket.SOCK_STREAM)
                s.settimeout(1.0)
                s.connect((host, port))
                s.settimeout(timeout)
                t = ctx.wrap_socket(s, server_hostname=SNI, suppress_ragged_eofs=False)
                t.sendall(b"GET /watch?interval=0.1 HTTP/1.1\r\nHost: kubernetes\r\n\r\n")
                f = t.makefile("rb")
                while time.monotonic() < end_at:
                    line = f.readline()
                    if not line:
                        st["ends"].append([time.monotonic(), "eof"])
                        break
                    if line.startswith(b"{"):
                        st["lines"].append([time.monotonic(), json.loads(line)["host"]])
                        if not told:
                            told = True
                            first.wait()
                t.close()
            except socket.timeout:
                st["ends"].append([time.monotonic(), "timeout"])
            except (OSError, ValueError) as e:
                st["ends"].append([time.monotonic(), type(e).__name__])
                time.sleep(0.02)
        if not told:
            first.abort()

    ths = [threading.Thread(target=one, args=(st,), daemon=True) for st in streams]
    for th in ths:
        th.start()
    try:
        first.wait(timeout=15)
        print("OPEN", flush=True)
    except threading.BrokenBarrierError:
        print("FAILED", flush=True)
    for th in ths:
        th.join(max(0.1, end_at - time.monotonic() + timeout + 2))
    print(json.dumps({"streams": streams}), flush=True)


def idle(host, port, n, seconds):
    raise_nofile()
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        if i % 200 == 199:
            time.sleep(0.05)  # the proxy's backlog
    # connected: writable
    pending = set(range(n))
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_WRITE, i)
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(1.0):
            i = key.data
            err = socks[i].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                print("FAILED connect %d: %s" % (i, os.strerror(err)), flush=True)
                sys.exit(1)
            sel.unregister(socks[i])
            pending.discard(i)
    if pending:
        print("FAILED %d connections not up" % len(pending), flush=True)
        sys.exit(1)
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    print("OPEN", flush=True)
    ends, end_at = [], time.monotonic() + seconds
    while time.monotonic() < end_at and len(ends) < n:
        for key, _ in sel.select(0.2):
            s = socks[key.data]
            try:
                data = s.recv(4096)
                if data:
                    continue
                why = "eof"
            except ConnectionResetError:
                why = "reset"
            except OSError as e:
                why = type(e).__name__
            ends.append([time.monotonic(), why])
            sel.unregister(s)
    print(json.dumps({"ends": ends, "open": n - len(ends)}), flush=True)


def hold(port):
    raise_nofile()
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    print("LISTENING", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        c, _ = ls.accept()
                    except BlockingIOError:
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, "c")
                continue
            try:
                if key.fileobj.recv(4096):
                    continue
            except OSError:
                pass
            sel.unregister(key.fileobj)
            key.fileobj.close()


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "watch":
        watch(a[0], int(a[1]), a[2], int(a[3]), float(a[4]), float(a[5]))
    elif cmd == "idle":
        idle(a[0], int(a[1]), int(a[2]), float(a[3]))
    elif cmd == "hold":
        hold(int(a[0]))
    else:
        sys.exit("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
