#!/usr/bin/python3
"""Plain-TCP backends for the proxy tests, run on each master next to the
API-server stand-in (which only speaks HTTPS):

All listen on [::] (IPv4 and IPv6).

  echo  :7000  sends back every byte it receives; after the client's FIN it
               finishes and sends its own FIN (client-first half-close)
  hash  :7001  reads "N\\n", then bytes until the client's FIN; answers
               "<sha256 of what it got> <count>\\n", then N random bytes,
               then "<sha256 of those bytes>\\n", then FIN
  greet :7002  reads "ID N\\n", sends N bytes derived from ID and its FIN
               at once (server-first half-close), then still reads the
               client's bytes until their FIN and writes "<sha256> <count>"
               to RESULTS/ID: what went up after the server had closed its
               side
  sink  :7003  waits --sink-delay seconds without reading (a slow server),
               then reads until EOF or error and writes one JSON file per
               connection to RESULTS/sink-PORT-N.json: count, sha256, the
               first line of what it got, and how the stream ended ("eof" or
               the error); sockets get SO_RCVBUF --sink-rcvbuf when given
  reset :7004  reads "N\\n", sends N bytes, waits 0.3 s (not when N is 0)
               and resets the connection (SO_LINGER 0, close): a server
               failing mid-stream
"""

import argparse
import hashlib
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time

CHUNK = 1 << 20


def greeting(ident, n):
    """The n bytes greet sends for ident (the client recomputes them)."""
    seed = hashlib.sha256(ident.encode()).digest()
    return (seed * (n // len(seed) + 1))[:n]


def read_line(sock, limit=256):
    line = b""
    while not line.endswith(b"\n"):
        b = sock.recv(1)
        if not b or len(line) > limit:
            raise ConnectionError("no header line")
        line += b
    return line.decode().strip()


def drain_hash(sock):
    h, n = hashlib.sha256(), 0
    while True:
        d = sock.recv(CHUNK)
        if not d:
            return h.hexdigest(), n
        h.update(d)
        n += len(d)


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        while True:
            d = s.recv(CHUNK)
            if not d:
                break
            s.sendall(d)
        s.shutdown(socket.SHUT_WR)


class Hash(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        want = int(read_line(s))
        digest, count = drain_hash(s)
        s.sendall(("%s %d\n" % (digest, count)).encode())
        h, left = hashlib.sha256(), want
        while left:
            d = os.urandom(min(left, CHUNK))
            h.update(d)
            s.sendall(d)
            left -= len(d)
        s.sendall((h.hexdigest() + "\n").encode())
        s.shutdown(socket.SHUT_WR)


class Greet(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        ident, n = read_line(s).split()
        if not ident.isalnum():
            return
        s.sendall(greeting(ident, int(n)))
        s.shutdown(socket.SHUT_WR)
        digest, count = drain_hash(s)
        path = os.path.join(self.server.results, ident)
        with open(path + ".tmp", "w") as f:
            f.write("%s %d\n" % (digest, count))
        os.rename(path + ".tmp", path)


class Sink(socketserver.BaseRequestHandler):
    def handle(self):
        s, srv = self.request, self.server
        with srv.lock:
            srv.seq += 1
            n = srv.seq
        time.sleep(srv.sink_delay)
        h, count, head, end = hashlib.sha256(), 0, b"", "eof"
        try:
            while True:
                d = s.recv(CHUNK)
                if not d:
                    break
                if len(head) < 64:
                    head += d[:64 - len(head)]
                h.update(d)
                count += len(d)
        except OSError as e:
            end = "error: %s" % e
        port = s.getsockname()[1]
        path = os.path.join(srv.results, "sink-%d-%d.json" % (port, n))
        with open(path + ".tmp", "w") as f:
            json.dump({"port": port, "count": count, "sha256": h.hexdigest(),
                       "head": head.split(b"\n")[0].decode(errors="replace"), "end": end}, f)
        os.rename(path + ".tmp", path)


class Reset(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        n = int(read_line(s))
        if n:
            s.sendall(os.urandom(n))
            time.sleep(0.3)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


class Server(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6  # dual stack: IPv4 and IPv6 clients
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 4096

    rcvbuf = 0

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if self.rcvbuf:  # inherited by accepted sockets
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        super().server_bind()

    def handle_error(self, request, client_address):
        sys.stderr.write("%s: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True, help="directory for greet results")
    ap.add_argument("--base", type=int, default=7000)
    ap.add_argument("--sink-delay", type=float, default=0.0, help="seconds before sink reads")
    ap.add_argument("--sink-rcvbuf", type=int, default=0, help="SO_RCVBUF of sink sockets")
    args = ap.parse_args()
    servers = []
    for i, handler in enumerate((Echo, Hash, Greet, Sink, Reset)):
        if handler is Sink:
            Server.rcvbuf = args.sink_rcvbuf
        srv = Server(("::", args.base + i), handler)
        Server.rcvbuf = 0
        srv.results, srv.sink_delay = args.results, args.sink_delay
        srv.lock, srv.seq = threading.Lock(), 0
        servers.append(srv)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stderr.write("serving echo/hash/greet/sink/reset on %d-%d\n"
                     % (args.base, args.base + 4))
    sys.stderr.flush()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
