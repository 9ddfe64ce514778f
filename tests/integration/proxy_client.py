#!/usr/bin/python3
"""Clients for the proxy tests, run inside a lab host (`ip netns exec`).
Each command prints one JSON object on stdout (idle also prints a line
"OPEN" first, when its connections are up). Times are time.time().

  transfer HOST ECHO_PORT HASH_PORT SIZES   bytes intact both ways
  greet HOST PORT ID N M                    server-first half-close
  concurrent HOST PORT N HOLD               N connections open at once
  watch HOST PORT CA PATH                   a streaming GET, line times
  rate HOST PORT CA RATE SECONDS [KILL_PID KILL_AT]
                                            new TLS connections at RATE/s
  idle HOST PORT CA N SECONDS               keep-alive connections: which
                                            server, and when each closes
                                            (SIGTERM: report at once)
  probe HOST PORT                           how a connection ends
  stream HOST PORT ID N                     "ID\\n" and N bytes up, FIN, then
                                            read until the end: how it ended
  getreset HOST PORT N K                    K connections to a reset
                                            backend: "N\\n" up, read until
                                            the end; how each one ended
  sendreset HOST PORT ID N                  "ID\\n" and N bytes up, then a
                                            reset (SO_LINGER 0, close)
  bulk HOST PORT K N                        K connections at once, each
                                            sends N bytes, FIN, reads to EOF
  rewatch HOST PORT CA N SECONDS [INTERVAL] N watch streams, each opened
                                            again when it ends (client-go)
"""

import hashlib
import json
import os
import resource
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_backend import greeting  # noqa: E402

CHUNK = 1 << 20
SNI = "kubernetes"  # in every stand-in certificate


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(host, port, timeout=10):
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def random_stream(n, seed):
    """n pseudo-random bytes in chunks (fast, reproducible), and their sha256."""
    h = hashlib.sha256()
    block = hashlib.sha512(seed.encode()).digest()
    base = (os.urandom(CHUNK // 2) + block) * 2
    chunks, left, i = [], n, 0
    while left:
        c = base[i % 97:i % 97 + min(left, CHUNK)]
        i += 1
        h.update(c)
        chunks.append(c)
        left -= len(c)
    return chunks, h.hexdigest()


# ---- transfer ------------------------------------------------------------

def echo_once(host, port, n, seed):
    chunks, digest = random_stream(n, seed)
    s = connect(host, port, timeout=60)
    got = {"h": hashlib.sha256(), "n": 0, "err": None}

    def reader():
        try:
            while True:
                d = s.recv(CHUNK)
                if not d:
                    return
                got["h"].update(d)
                got["n"] += len(d)
        except OSError as e:
            got["err"] = str(e)

    t = threading.Thread(target=reader)
    t.start()
    for c in chunks:
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    t.join(120)
    s.close()
    return {"size": n, "echo_ok": got["n"] == n and got["h"].hexdigest() == digest,
            "echo_got": got["n"], "echo_err": got["err"]}


def hash_once(host, port, n_up, n_down, seed):
    chunks, digest = random_stream(n_up, seed)
    s = connect(host, port, timeout=60)
    s.sendall(b"%d\n" % n_down)
    for c in chunks:
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)  # half-close: the answer must still come back
    f = s.makefile("rb")
    line = f.readline().decode().split()
    h, left = hashlib.sha256(), n_down
    while left:
        d = f.read(min(left, CHUNK))
        if not d:
            break
        h.update(d)
        left -= len(d)
    tail = f.readline().decode().strip()
    rest = f.read()
    s.close()
    return {"up_ok": line == [digest, str(n_up)], "down_ok": left == 0 and tail == h.hexdigest(),
            "eof_ok": rest == b""}


def cmd_transfer(host, echo_port, hash_port, sizes):
    res = []
    for i, n in enumerate(int(x) for x in sizes.split(",")):
        r = echo_once(host, echo_port, n, "e%d" % i)
        r.update(hash_once(host, hash_port, n, (n * 7919) % (64 << 20), "h%d" % i))
        res.append(r)
    out({"results": res})


# ---- half-close, server first ----------------------------------------------

def cmd_greet(host, port, ident, n, m):
    n, m = int(n), int(m)
    s = connect(host, port, timeout=30)
    s.sendall(("%s %d\n" % (ident, n)).encode())
    buf = bytearray()
    while True:
        d = s.recv(CHUNK)
        if not d:
            break
        buf.extend(d)
    chunks, digest = random_stream(m, ident)
    err = None
    try:
        for c in chunks:
            s.sendall(c)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err = str(e)
    s.close()
    out({"greeting_ok": bytes(buf) == greeting(ident, n), "greeting_len": len(buf),
         "sent": [digest, m], "error": err})


# ---- many connections ------------------------------------------------------

def cmd_concurrent(host, port, n, hold):
    raise_nofile()
    n, hold = int(n), float(hold)
    socks, errors = [], []
    for i in range(n):
        try:
            socks.append(connect(host, port))
        except OSError as e:
            errors.append("connect %d: %s" % (i, e))

    def roundtrip(tag):
        ok, sent = 0, set()
        for i, s in enumerate(socks):
            try:
                s.sendall(b"%s%07d" % (tag, i))
                sent.add(i)
            except OSError as e:
                errors.append("%s %d: %s" % (tag.decode(), i, e))
        # every answer within one 10 s deadline (not 10 s per socket: a
        # client hanging in a listen queue must not make the run take hours)
        want = {i: b"%s%07d" % (tag, i) for i in sent}
        got = {i: b"" for i in sent}
        byfd = {socks[i].fileno(): i for i in sent}
        poll = select.poll()
        for fd in byfd:
            poll.register(fd, select.POLLIN)
        deadline = time.time() + 10
        while byfd and time.time() < deadline:
            for fd, _ in poll.poll(max(0.0, deadline - time.time()) * 1000):
                i = byfd[fd]
                try:
                    d = socks[i].recv(len(want[i]) - len(got[i]))
                except OSError as e:
                    errors.append("%s %d: %s" % (tag.decode(), i, e))
                    d = b""
                got[i] += d
                if not d or got[i] == want[i]:
                    poll.unregister(fd)
                    del byfd[fd]
        for i in byfd.values():
            errors.append("%s %d: timed out" % (tag.decode(), i))
        return sum(got[i] == want[i] for i in sent)

    first = roundtrip(b"A")
    out({"held": len(socks), "time": time.time()})
    time.sleep(hold)
    second = roundtrip(b"B")
    for s in socks:
        s.close()
    out({"opened": len(socks), "first_ok": first, "second_ok": second,
         "connect_errors": sum(e.startswith("connect ") for e in errors),
         "errors": errors[:10], "nerrors": len(errors),
         "timeouts": sum("timed out" in e for e in errors)})


# ---- TLS clients of the stand-in -------------------------------------------

def tls_connect(host, port, ca, timeout=10):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx.wrap_socket(connect(host, port, timeout), server_hostname=SNI)


def read_response(f):
    """Status, headers, body of one response with Content-Length."""
    status = f.readline().decode()
    headers = {}
    while True:
        line = f.readline().decode()
        if line in ("\r\n", "\n", ""):
            break
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return int(status.split()[1]), headers, body


def cmd_watch(host, port, ca, path):
    s = tls_connect(host, port, ca)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, SNI)).encode())
    s.settimeout(120)
    start, lines, complete, reason = time.time(), [], False, "eof"
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while b'"TICK"' in buf:
                i = buf.index(b'"TICK"')
                j = buf.index(b"\n", i) if b"\n" in buf[i:] else -1
                if j < 0:
                    break
                lines.append(time.time())
                buf = buf[j + 1:]
            if buf.endswith(b"0\r\n\r\n"):
                complete = True
                break
    except (OSError, ssl.SSLError) as e:
        reason = "error: %s" % e
    out({"start": start, "lines": lines, "end": time.time(), "complete": complete,
         "reason": reason})


def one_request(host, port, ca):
    s = tls_connect(host, port, ca, timeout=5)
    try:
        s.sendall(("GET /version HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % SNI).encode())
        status, _, body = read_response(s.makefile("rb"))
        if status != 200:
            raise RuntimeError("HTTP %d" % status)
        return json.loads(body)["host"]
    finally:
        s.close()


def cmd_rate(host, port, ca, rate, seconds, kill_pid=None, kill_at=None):
    rate, seconds = float(rate), float(seconds)
    results, lock, threads = [], threading.Lock(), []
    t0 = time.time()
    killed = {}

    def worker(i):
        start = time.time()
        r = {"i": i, "start": start}
        try:
            r["host"] = one_request(host, port, ca)
            r["ok"] = True
        except Exception as e:  # noqa: BLE001 - any failure is the result
            r["ok"] = False
            r["error"] = "%s: %s" % (type(e).__name__, e)
        r["end"] = time.time()
        with lock:
            results.append(r)

    def killer():
        time.sleep(max(0.0, t0 + float(kill_at) - time.time()))
        killed["time"] = time.time()
        os.kill(int(kill_pid), signal.SIGKILL)

    if kill_pid:
        threading.Thread(target=killer).start()
    n = int(rate * seconds)
    for i in range(n):
        time.sleep(max(0.0, t0 + i / rate - time.time()))
        th = threading.Thread(target=worker, args=(i,))
        th.start()
        threads.append(th)
    for th in threads:
        th.join(30)
    out({"results": sorted(results, key=lambda r: r["i"]), "kill_time": killed.get("time"),
         "t0": t0})


def cmd_idle(host, port, ca, n, seconds):
    conns = []
    for _ in range(int(n)):
        s = tls_connect(host, port, ca)
        s.sendall(("GET /version HTTP/1.1\r\nHost: %s\r\n\r\n" % SNI).encode())
        f = s.makefile("rb")
        _, _, body = read_response(f)
        conns.append({"sock": s, "host": json.loads(body)["host"], "closed": None})
    sys.stdout.write("OPEN\n")
    sys.stdout.flush()
    deadline = time.time() + float(seconds)
    stop = []  # SIGTERM: report now (the caller has seen what it waited for)
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while time.time() < deadline and not stop:
        live = [c for c in conns if c["closed"] is None]
        if not live:
            break
        r, _, _ = select.select([c["sock"] for c in live], [], [], 0.05)
        for c in live:
            if c["sock"] in r:
                try:
                    d = c["sock"].recv(1)
                except (OSError, ssl.SSLError):
                    d = b""
                if not d:
                    c["closed"] = time.time()
    out({"conns": [{"host": c["host"], "closed": c["closed"]} for c in conns]})


def cmd_probe(host, port):
    t = time.time()
    try:
        s = connect(host, port, timeout=5)
    except OSError as e:
        out({"connected": False, "error": str(e), "after": time.time() - t})
        return
    s.settimeout(10)
    try:
        s.sendall(b"hello?")
        d = s.recv(100)
        how = "eof" if not d else "data"
    except OSError as e:
        how = "error: %s" % e
    out({"connected": True, "end": how, "after": time.time() - t})


# ---- how streams end ---------------------------------------------------------

def read_end(s):
    """Read s until the end: (bytes read, "eof" | "reset" | "error: ...")."""
    n = 0
    try:
        while True:
            d = s.recv(CHUNK)
            if not d:
                return n, "eof"
            n += len(d)
    except ConnectionResetError:
        return n, "reset"
    except OSError as e:
        return n, "error: %s" % e


def cmd_stream(host, port, ident, n):
    chunks, _ = random_stream(int(n), ident)
    h = hashlib.sha256(ident.encode() + b"\n")
    for c in chunks:
        h.update(c)
    s = connect(host, port, timeout=60)
    t = time.time()
    s.sendall(ident.encode() + b"\n")
    for c in chunks:
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    got, end = read_end(s)
    s.close()
    out({"sent": len(ident) + 1 + int(n), "sha256": h.hexdigest(), "got": got, "end": end,
         "took": time.time() - t})


def cmd_getreset(host, port, n, k):
    res = []
    for _ in range(int(k)):
        s = connect(host, port, timeout=10)
        s.settimeout(10)
        s.sendall(b"%d\n" % int(n))
        got, end = read_end(s)
        s.close()
        res.append({"got": got, "end": end})
    out({"results": res})


def cmd_sendreset(host, port, ident, n):
    chunks, _ = random_stream(int(n), ident)
    s = connect(host, port, timeout=10)
    s.sendall(ident.encode() + b"\n")
    for c in chunks:
        s.sendall(c)
    time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    out({"sent": len(ident) + 1 + int(n)})


def cmd_bulk(host, port, k, n):
    raise_nofile()
    data = os.urandom(int(n))
    res, lock = {"ok": 0, "errors": []}, threading.Lock()

    def one():
        try:
            s = connect(host, port, timeout=60)
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while s.recv(CHUNK):
                pass
            s.close()
            with lock:
                res["ok"] += 1
        except OSError as e:
            with lock:
                res["errors"].append(str(e))

    threads = [threading.Thread(target=one) for _ in range(int(k))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    out(res)


def cmd_rewatch(host, port, ca, n, seconds, interval="0.2"):
    """n watch streams (GET /watch?interval=I) for `seconds`, each opened
    again at once when it ends or fails, as a client-go watch is. Prints
    per stream: the tick times, the masters it was on, and its reconnects."""
    n, seconds = int(n), float(seconds)
    t_end = time.time() + seconds
    streams = [{"ticks": [], "hosts": [], "reconnects": [], "errors": []} for _ in range(n)]

    def one(st):
        first = True
        while time.time() < t_end:
            if not first:
                st["reconnects"].append(time.time())
            first = False
            try:
                s = tls_connect(host, port, ca, timeout=2)
            except (OSError, ssl.SSLError) as e:
                st["errors"].append([time.time(), "connect: %s" % e])
                time.sleep(0.05)
                continue
            try:
                s.sendall(("GET /watch?interval=%s HTTP/1.1\r\nHost: %s\r\n\r\n"
                           % (interval, SNI)).encode())
                s.settimeout(max(0.1, t_end - time.time()))
                buf = b""
                while time.time() < t_end:
                    d = s.recv(65536)
                    if not d:
                        break
                    buf += d
                    while b"\n" in buf:
                        line, _, buf = buf.partition(b"\n")
                        i = line.find(b"{")
                        if i < 0:
                            continue
                        try:
                            obj = json.loads(line[i:])
                        except ValueError:
                            continue
                        st["ticks"].append(time.time())
                        if not st["hosts"] or st["hosts"][-1] != obj["host"]:
                            st["hosts"].append(obj["host"])
            except (OSError, ssl.SSLError) as e:
                if time.time() < t_end:
                    st["errors"].append([time.time(), "read: %s" % e])
            finally:
                s.close()

    threads = [threading.Thread(target=one, args=(st,)) for st in streams]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    out({"streams": streams, "end": t_end})


def main():
    cmds = {"rewatch": cmd_rewatch, "transfer": cmd_transfer, "greet": cmd_greet, "concurrent": cmd_concurrent,
            "watch": cmd_watch, "rate": cmd_rate, "idle": cmd_idle, "probe": cmd_probe,
            "stream": cmd_stream, "getreset": cmd_getreset, "sendreset": cmd_sendreset,
            "bulk": cmd_bulk}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
