"""Bad HTTP clients for the metrics listener (run inside a lab namespace by
test_metrics.py). Prints one JSON object: for each case, the response's
status line (or "closed" / "hang") and how long it took."""

import json
import socket
import sys
import time

ADDR = (sys.argv[1], int(sys.argv[2]))
MAX = int(sys.argv[3])  # MX_REQ_MAX
CLIENTS = int(sys.argv[4])  # MX_MAX_CLIENTS


def talk(data, wait=6.0):
    t = time.monotonic()
    s = socket.create_connection(ADDR, timeout=wait)
    buf = b""
    try:
        if data:
            s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except socket.timeout:
        return {"line": "hang", "s": time.monotonic() - t}
    except ConnectionResetError:
        pass
    finally:
        s.close()
    line = buf.split(b"\r\n", 1)[0].decode("latin-1") if buf else "closed"
    return {"line": line, "s": round(time.monotonic() - t, 3)}


def crowd():
    """CLIENTS idle connections, then a scrape: it is served, and the oldest
    idle connection is closed to make room."""
    idle = [socket.create_connection(ADDR, timeout=3) for _ in range(CLIENTS)]
    time.sleep(0.2)
    r = talk(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", wait=3)
    try:
        r["oldest"] = "closed" if idle[0].recv(100) == b"" else "data"
    except socket.timeout:
        r["oldest"] = "open"
    except ConnectionResetError:
        r["oldest"] = "closed"
    for s in idle:
        s.close()
    return r


out = {
    "garbage": talk(b"\x00\x01\x02\xff garbage\r\n\r\n"),
    "not_http": talk(b"HELLO THERE\r\n\r\n"),
    "long_target": talk(b"GET /" + b"a" * (MAX - 5)),
    "long_headers": talk(b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * (MAX - 30)),
    "slowloris": talk(b"GET /metrics HTTP/1.1\r\n"),
    "post": talk(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    "not_found": talk(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
    "crowd": crowd(),
    "after": talk(b"GET /metrics HTTP/1.0\r\n\r\n"),
}
print(json.dumps(out))
