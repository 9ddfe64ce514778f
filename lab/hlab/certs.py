"""Lab PKI made with the openssl CLI: a CA and one server cert per master.

Keys are ECDSA P-256 (fast to make). Server certs carry the SANs a client of
the API server may use: the master's IPv4 and IPv6 address, the VIPs,
127.0.0.1, ::1, and DNS kubernetes / localhost.
"""

import os

from . import topology as T
from .proc import run

DAYS = "30"
EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def ca_paths(certdir):
    return os.path.join(certdir, "ca.crt"), os.path.join(certdir, "ca.key")


def server_paths(certdir, host):
    return os.path.join(certdir, host + ".crt"), os.path.join(certdir, host + ".key")


def sans(host):
    ips = [T.ipv4(host), T.VIP, "127.0.0.1", T.ipv6(host), T.VIP6, "::1"]
    return ",".join(["IP:" + ip for ip in ips] + ["DNS:kubernetes", "DNS:localhost"])


def make(certdir, hosts=T.MASTERS):
    """Create ca.crt/ca.key and <host>.crt/.key for each host in certdir."""
    os.makedirs(certdir, mode=0o700, exist_ok=True)
    ca_crt, ca_key = ca_paths(certdir)
    run(["openssl", "req", "-x509"] + EC + [
        "-keyout", ca_key, "-out", ca_crt, "-days", DAYS, "-subj", "/CN=haplane-lab-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    for h in hosts:
        crt, key = server_paths(certdir, h)
        csr = os.path.join(certdir, h + ".csr")
        ext = os.path.join(certdir, h + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectKeyIdentifier=hash\n"
                    "authorityKeyIdentifier=keyid,issuer\n"
                    "subjectAltName=%s\n" % sans(h))
        run(["openssl", "req", "-new"] + EC + [
            "-keyout", key, "-out", csr, "-subj", "/CN=kube-apiserver-%s" % h])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
             "-CAcreateserial", "-days", DAYS, "-extfile", ext, "-out", crt])
        os.unlink(csr)
        os.unlink(ext)
    return ca_crt
