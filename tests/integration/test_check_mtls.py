"""HTTPS checks against a server that demands a client certificate.

An API server started with --anonymous-auth=false answers /readyz only to a
client that presents a certificate it trusts. Each master runs a small HTTPS
server (TLS 1.2 and 1.3 on two ports) that requires a certificate signed by
the lab CA; haplane on node1 checks it with `cert`/`key` (must be up), with a
certificate from another CA (must be down), and with none (must be down), and
status says why.
"""

import json
import os
import subprocess
import time

import pytest

from hlab import MASTERS, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
PYTHON = "/usr/bin/python3"
HOST = "node1"
PORTS = {"tls13": 6450, "tls12": 6451}

SERVER = r"""
import http.server, socket, ssl, sys
crt, key, ca, port, maxver = sys.argv[1:6]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        who = self.connection.getpeercert()["subject"][0][0][1]
        body = ("ok " + who).encode()
        self.send_response(200 if self.path == "/readyz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    def get_request(self):
        c, a = self.socket.accept()
        return ctx.wrap_socket(c, server_side=True), a
    def handle_error(self, request, client_address):
        pass  # clients without a good certificate: expected here
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
if maxver == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
S(("::", int(port)), H).serve_forever()
"""

CONFIG = """\
proxy good13 {{
    bind *:18001
    check https GET /readyz interval 300ms timeout 1s fall 2 rise 2 ca {ca} cert {crt} key {key}
{servers13}}}
proxy good12 {{
    bind *:18002
    check https GET /readyz interval 300ms timeout 1s fall 2 rise 2 ca {ca} cert {crt} key {key}
{servers12}}}
proxy nocert {{
    bind *:18003
    check https GET /readyz interval 300ms timeout 1s fall 2 rise 2 ca {ca}
{servers13}}}
proxy othercert {{
    bind *:18004
    check https GET /readyz interval 300ms timeout 1s fall 2 rise 2 ca {ca} cert {ocrt} key {okey}
{servers13}}}
proxy nocert12 {{
    bind *:18005
    check https GET /readyz interval 300ms timeout 1s fall 2 rise 2 ca {ca}
{servers12}}}
"""


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def client_cert(d, name, ca_crt, ca_key):
    """A client certificate for CN=name signed by ca_crt/ca_key: (crt, key)."""
    crt, key, csr, ext = (os.path.join(d, name + x) for x in (".crt", ".key", ".csr", ".ext"))
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=clientAuth\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "1", "-extfile", ext, "-out", crt)
    return crt, key


@pytest.fixture(scope="module")
def mtls(lab, haplane_bin, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("mtls"))
    ca_key = os.path.join(lab.certdir, "ca.key")
    crt, key = client_cert(d, "haplane-check", lab.ca, ca_key)
    # a CA the servers do not trust, and a client certificate from it
    oca, oca_key = os.path.join(d, "other-ca.crt"), os.path.join(d, "other-ca.key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", oca_key, "-out", oca, "-subj", "/CN=other-ca", "-days", "1",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    ocrt, okey = client_cert(d, "stranger", oca, oca_key)
    for m in MASTERS:
        scrt, skey = lab.cert(m)
        for name, port in PORTS.items():
            lab.popen(m, "mtls-" + name, [PYTHON, "-c", SERVER, scrt, skey, lab.ca, port,
                                          "1.2" if name == "tls12" else "1.3"])

    def servers(port):
        return "".join("    server %s %s:%d\n" % (m, ipv4(m), port) for m in MASTERS)
    conf = os.path.join(lab.host_dir(HOST), "mtls.conf")
    control = os.path.join(lab.host_dir(HOST), "mtls.sock")
    with open(conf, "w") as f:
        f.write(CONFIG.format(ca=lab.ca, crt=crt, key=key, ocrt=ocrt, okey=okey,
                              servers13=servers(PORTS["tls13"]),
                              servers12=servers(PORTS["tls12"])))
    lab.popen(HOST, "haplane-mtls", [haplane_bin, "run", "-f", conf, "--control", control])
    wait_for(lambda: os.path.exists(control), 10, 0.05, "control socket")

    def status():
        cp = subprocess.run([haplane_bin, "status", "--json", "--control", control],
                            capture_output=True, text=True, timeout=10)
        assert cp.returncode == 0, cp.stderr
        return json.loads(cp.stdout)["proxies"]
    yield status
    lab.stop(HOST, "haplane-mtls")


def healths(status, proxy):
    return {s["name"]: s for s in status()[proxy]["servers"]}


@pytest.mark.parametrize("proxy", ["good13", "good12"])
def test_client_certificate_makes_servers_up(mtls, proxy):
    wait_for(lambda: all(s["health"] == "up" for s in healths(mtls, proxy).values()), 10, 0.1,
             "%s up" % proxy)
    assert all(s["last_result"] == "ok" for s in healths(mtls, proxy).values())


@pytest.mark.parametrize("proxy", ["nocert", "othercert", "nocert12"])
def test_missing_or_untrusted_client_certificate_is_down(mtls, proxy):
    # fall 2 at 300 ms: down within a second or two of the first checks
    wait_for(lambda: all(s["health"] == "down" for s in healths(mtls, proxy).values()), 10,
             0.1, "%s down" % proxy)
    time.sleep(0.5)
    for s in healths(mtls, proxy).values():
        assert s["health"] == "down", s
        # With TLS 1.3 the refusal comes after the client's handshake, as an
        # alert, a reset or a close: still a TLS failure, not a network fault.
        assert s["last_result"] == "tls-failed", s
        detail = s["last_check"]["detail"]
        if proxy.startswith("nocert"):
            assert detail == "the server wants a client certificate; none is set", s
        else:
            # the server's alert names the reason, unless a reset overtook it
            assert ("unknown ca" in detail
                    or "after the server asked for our client certificate" in detail), s
