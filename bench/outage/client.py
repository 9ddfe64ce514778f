#!/usr/bin/python3
"""bench/outage/client.py: API clients through the VIP (or a node-local proxy).

    client.py ADDR PORT --every S --for S [--timeout S] [--watches N]
              [--watch-idle S] [--kubeconfig FILE] [--kubectl PATH]

Three kinds of client, run together for --for seconds:

  requests  one every --every seconds, each in a thread of its own: a new TCP
            connection, TLS (no verification: what is measured is
            reachability, not trust), GET /readyz, the status line read.
  watches   --watches long-lived GET /watch?interval=1 streams (the lab's
            API-server stand-in sends one line a second) that only receive,
            as a kubelet's or controller's watch does. A stream that ends
            (EOF, reset) or stays silent for --watch-idle seconds (the
            client's own idle timeout; client-go's HTTP/2 ping has a longer
            one) is re-opened at once, then every 0.2 s until it connects.
  kubectl   with --kubeconfig, `kubectl get --raw /readyz` in a loop, one at a
            time (a real client: its own TLS, verification with the lab CA,
            its own timeouts: --request-timeout 10s).

Then waits for the last requests (at most --timeout) and prints one JSON
object on stdout, times from CLOCK_MONOTONIC (the same clock as every other
namespace's on this kernel):

  {"requests": [[t_start, t_end, ok, error, local_port], ...],
   "watches": [[[t, "data"|"open"|"end:<why>"], ...], ...],
   "kubectl": [[t_start, t_end, ok, error], ...]}
"""

import argparse
import json
import socket
import ssl
import subprocess
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("addr")
ap.add_argument("port", type=int)
ap.add_argument("--every", type=float, default=0.02)
ap.add_argument("--for", dest="duration", type=float, default=10.0)
ap.add_argument("--timeout", type=float, default=10.0)
ap.add_argument("--watches", type=int, default=0)
ap.add_argument("--watch-idle", type=float, default=10.0)
ap.add_argument("--kubeconfig")
ap.add_argument("--kubectl", default="kubectl")
args = ap.parse_args()

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
results, lock = [], threading.Lock()
stop = threading.Event()


def one():
    t0 = time.monotonic()
    ok, err, lport = False, "", 0
    try:
        with socket.create_connection((args.addr, args.port), timeout=args.timeout) as raw:
            lport = raw.getsockname()[1]
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
        results.append([t0, time.monotonic(), ok, err, lport])


def watch(events):
    """One watch stream, re-opened whenever it ends, until stop."""
    while not stop.is_set():
        why = "eof"
        try:
            with socket.create_connection((args.addr, args.port), timeout=args.watch_idle) as raw:
                raw.settimeout(args.watch_idle)
                with ctx.wrap_socket(raw, server_hostname="kubernetes") as s:
                    s.sendall(b"GET /watch?interval=1 HTTP/1.1\r\nHost: kubernetes\r\n\r\n")
                    events.append([time.monotonic(), "open"])
                    while not stop.is_set():
                        d = s.recv(4096)
                        if not d:
                            break
                        events.append([time.monotonic(), "data"])
        except Exception as e:  # the stream ended: that is what is measured
            why = type(e).__name__
        if stop.is_set():
            return
        events.append([time.monotonic(), "end:" + why])
        if why != "eof" and not any(k == "data" for _, k in events[-3:]):
            stop.wait(0.2)  # could not connect: do not spin


def kubectl(out):
    argv = [args.kubectl, "--kubeconfig", args.kubeconfig, "get", "--raw", "/readyz",
            "--request-timeout", "10s"]
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            cp = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                                stdin=subprocess.DEVNULL)
            ok = cp.returncode == 0 and cp.stdout.strip() == "ok"
            err = "" if ok else (cp.stderr.strip().splitlines() or ["exit %d" % cp.returncode])[-1]
        except subprocess.TimeoutExpired:
            ok, err = False, "kubectl hung 30 s"
        out.append([t0, time.monotonic(), ok, err[:160]])


watches = [[] for _ in range(args.watches)]
kubectl_runs = []
bg = [threading.Thread(target=watch, args=(w,), daemon=True) for w in watches]
if args.kubeconfig:
    bg.append(threading.Thread(target=kubectl, args=(kubectl_runs,), daemon=True))
for t in bg:
    t.start()
threads = []
start = time.monotonic()
n = 0
while time.monotonic() - start < args.duration:
    t = threading.Thread(target=one, daemon=True)
    t.start()
    threads.append(t)
    n += 1
    time.sleep(max(0.0, start + n * args.every - time.monotonic()))
stop.set()
for t in threads:
    t.join(args.timeout + 1)
for t in bg:
    t.join(0.1)  # watches blocked in recv end with the process
with lock:
    print(json.dumps({"requests": results, "watches": [list(w) for w in watches],
                      "kubectl": list(kubectl_runs)}))
