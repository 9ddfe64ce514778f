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
"""

import argparse
import hashlib
import os
import socket
import socketserver
import sys
import threading

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


class Server(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6  # dual stack: IPv4 and IPv6 clients
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 4096

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def handle_error(self, request, client_address):
        sys.stderr.write("%s: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True, help="directory for greet results")
    ap.add_argument("--base", type=int, default=7000)
    args = ap.parse_args()
    servers = []
    for i, handler in enumerate((Echo, Hash, Greet)):
        srv = Server(("::", args.base + i), handler)
        srv.results = args.results
        servers.append(srv)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stderr.write("serving echo/hash/greet on %d-%d\n" % (args.base, args.base + 2))
    sys.stderr.flush()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
