"""metrics_listen: /metrics checked by promtool and scraped by a real
Prometheus server, /healthz, the HTTP server's handling of bad clients,
and the HTML status page.

Three masters run haplane with a VRRP instance, the apiserver proxy with
HTTPS /readyz checks, and `metrics_listen <own address>:9610`. A Prometheus
server (Debian's package) runs in node1's namespace with its storage in
the lab's state dir and scrapes the three every 500 ms; it is stopped by
pid (lab.stop, and the lab's teardown in any case).
"""

import html.parser
import json
import os
import re
import shutil
import signal
import subprocess
import urllib.parse

import pytest

from hlab import MASTERS, VIP, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
PORT = 9610
PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(os.path.dirname(HERE), "artifacts")

CONF = """\
global_defs {{
    router_id {host}
    metrics_listen {addr}:{port}
}}

vrrp_instance apiserver {{
    interface eth0
    virtual_router_id 71
    priority {prio}
    advert_int 0.1
    version 3
    virtual_ipaddress {{ {vip}/24 }}
    track_proxy apiserver weight -50
}}

proxy apiserver {{
    bind *:16443
    check https GET /readyz expect 200 interval 200ms timeout 500ms fall 2 rise 1 ca {ca}
{servers}}}
"""

PRIO = {"master1": 100, "master2": 90, "master3": 80}


def start(lab, binary, host):
    servers = "".join("    server %s %s:6443\n" % (m, ipv4(m)) for m in MASTERS)
    d = lab.host_dir(host)
    conf = os.path.join(d, "mx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(host=host, addr=ipv4(host), port=PORT, prio=PRIO[host], vip=VIP,
                            ca=lab.ca, servers=servers))
    lab.popen(host, "haplane", [binary, "run", "-f", conf, "--control",
                                os.path.join(d, "mx.sock")])


def get(lab, src, host, path, check=True):
    """(status code, body) of GET path on host's metrics listener, from src's namespace."""
    cp = lab.run(src, ["curl", "-sS", "-m", "3", "-w", "\n%{http_code}",
                       "http://%s:%d%s" % (ipv4(host), PORT, path)], check=check)
    body, _, code = cp.stdout.rpartition("\n")
    return int(code or 0), body


def samples(text, name):
    """{labels-string: value} of metric name in an exposition text."""
    out = {}
    for ln in text.splitlines():
        m = re.match(r"^%s(\{[^}]*\})? (\S+)$" % re.escape(name), ln)
        if m:
            out[m.group(1) or ""] = float(m.group(2))
    return out


@pytest.fixture(scope="module")
def masters(lab, haplane_bin):
    for h in MASTERS:
        start(lab, haplane_bin, h)
    for h in MASTERS:
        wait_for(lambda h=h: get(lab, h, h, "/healthz", check=False)[0] == 200, 10, 0.1,
                 what="metrics listener of %s" % h)
    wait_for(lambda: VIP in lab.addresses("master1", 4), 10, 0.05, what="master1 to hold the VIP")
    wait_for(lambda: samples(get(lab, "master1", "master1", "/metrics")[1],
                             "haplane_server_up") and
             all(v == 1 for v in samples(get(lab, "master1", "master1", "/metrics")[1],
                                         "haplane_server_up").values()),
             10, 0.1, what="master1's checks to pass")
    yield
    for h in MASTERS:
        lab.stop(h, "haplane")


def promtool(text):
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=30)


def test_scrape_passes_promtool_and_has_the_metrics(lab, masters, haplane_bin):
    code, text = get(lab, "master1", "master1", "/metrics")
    assert code == 200
    cp = promtool(text)
    assert cp.returncode == 0, "promtool: %s%s" % (cp.stdout, cp.stderr)
    # promtool does check: the same scrape with a counter named wrongly fails
    bad = text.replace("haplane_vrrp_transitions_total", "haplane_vrrp_transitions")
    assert promtool(bad).returncode != 0

    n = sum(1 for ln in text.splitlines() if ln.startswith("haplane_"))
    assert n >= 30, "only %d haplane_ samples" % n
    st = samples(text, "haplane_vrrp_state")
    assert st['{vrrp_instance="apiserver",state="MASTER"}'] == 1
    assert st['{vrrp_instance="apiserver",state="BACKUP"}'] == 0
    assert samples(text, "haplane_vrrp_priority") == {'{vrrp_instance="apiserver"}': 100}
    assert samples(text, "haplane_vrrp_adverts_sent_total")['{vrrp_instance="apiserver"}'] > 0
    assert samples(text, "haplane_vrrp_vips_held") == {'{vrrp_instance="apiserver"}': 1}
    # transitions by reason: the fixed set of state machine events, zeros included;
    # master1 came up INIT -> BACKUP -> MASTER (two changes, each under its event)
    tr = samples(text, "haplane_vrrp_transitions_total")
    assert len(tr) == 18, sorted(tr)
    assert sum(tr.values()) >= 2, tr
    assert tr['{vrrp_instance="apiserver",reason="master-down"}'] >= 1, tr
    # the self-expiring VIP (lifetime 2 s) is renewed every 2/3 s while master
    wait_for(lambda: samples(get(lab, "master1", "master1", "/metrics")[1],
                             "haplane_vrrp_vip_refreshes_total")['{vrrp_instance="apiserver"}'] > 0,
             5, 0.1, what="a VIP lifetime refresh counted")
    up = samples(text, "haplane_server_up")
    assert up == {'{proxy="apiserver",server="%s"}' % m: 1 for m in MASTERS}
    ok = samples(text, "haplane_server_check_results_total")
    assert ok['{proxy="apiserver",server="master2",result="ok"}'] > 0
    buckets = samples(text, "haplane_server_check_duration_seconds_bucket")
    inf = buckets['{proxy="apiserver",server="master2",le="+Inf"}']
    count = samples(text, "haplane_server_check_duration_seconds_count")
    assert inf == count['{proxy="apiserver",server="master2"}'] > 0
    drops = samples(text, "haplane_proxy_dropped_connections_total")
    assert '{proxy="apiserver",reason="maxconn"}' in drops
    assert '{proxy="apiserver",reason="no_server"}' in drops
    info = samples(text, "haplane_build_info")
    assert len(info) == 1 and list(info.values()) == [1]
    # failover_reset is on (the proxy binds *:16443): its counters, every drop reason
    fr = samples(text, "haplane_vrrp_failover_reset_dropped_total")
    assert fr['{vrrp_instance="apiserver",reason="replayed"}'] == 0, fr
    assert '{vrrp_instance="apiserver",reason="bad-tag"}' in fr, fr
    assert samples(text, "haplane_vrrp_failover_reset_resets_sent_total") == {
        '{vrrp_instance="apiserver"}': 0}
    assert '{vrrp_instance="apiserver"}' in samples(
        text, "haplane_vrrp_failover_reset_messages_sent_total")
    # the status JSON and the metrics tell the same story
    sock = os.path.join(lab.host_dir("master1"), "mx.sock")
    st_json = json.loads(lab.run("master1", [haplane_bin, "status", "--json", "--control",
                                             sock]).stdout)
    inst = st_json["vrrp"]["instances"][0]
    assert inst["state"] == "MASTER" and inst["priority"] == 100
    # one status document: checks by result and by duration bucket add up
    for srv in st_json["proxies"]["apiserver"]["servers"]:
        assert sum(srv["check_results"].values()) == srv["checks"] > 0, srv
        assert sum(srv["check_duration"]["counts"]) == srv["checks"], srv
        assert len(srv["check_duration"]["counts"]) == len(srv["check_duration"]["le_s"]) + 1


def test_healthz_answers_ok(lab, masters):
    assert get(lab, "node1", "master2", "/healthz") == (200, "ok\n")


PROM_CONF = """\
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: haplane
    static_configs:
      - targets: [{targets}]
"""


def prom_query(lab, q):
    url = "http://127.0.0.1:9090/api/v1/query?query=" + urllib.parse.quote(q)
    cp = lab.run("node1", ["curl", "-sS", "-m", "3", url], check=False)
    if cp.returncode != 0:
        return None
    r = json.loads(cp.stdout)
    assert r["status"] == "success", r
    return {s["metric"].get("instance"): float(s["value"][1]) for s in r["data"]["result"]}


def master_target(lab):
    """The target that Prometheus last saw as MASTER (value 1), or None."""
    r = prom_query(lab, 'haplane_vrrp_state{state="MASTER"} == 1') or {}
    return sorted(r)


@pytest.fixture()
def prometheus(lab):
    if not shutil.which("prometheus"):
        pytest.fail("prometheus is not installed (scripts/install-deps installs it)")
    d = os.path.join(lab.host_dir("node1"), "prometheus")
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    conf = os.path.join(d, "prometheus.yml")
    with open(conf, "w") as f:
        f.write(PROM_CONF.format(targets=", ".join('"%s:%d"' % (ipv4(m), PORT)
                                                   for m in MASTERS)))
    lab.popen("node1", "prometheus", [
        "prometheus", "--config.file", conf, "--storage.tsdb.path", os.path.join(d, "data"),
        "--web.listen-address", "127.0.0.1:9090", "--log.level", "warn"])
    wait_for(lambda: prom_query(lab, "up") is not None, 30, 0.2, what="prometheus to answer")
    yield
    lab.stop("node1", "prometheus")


def test_prometheus_sees_the_failover(lab, masters, prometheus):
    t1, t2 = "%s:%d" % (ipv4("master1"), PORT), "%s:%d" % (ipv4("master2"), PORT)
    wait_for(lambda: len(prom_query(lab, "up == 1") or {}) == 3, 15, 0.2,
             what="prometheus to scrape the three masters")
    wait_for(lambda: master_target(lab) == [t1], 10, 0.2, what="prometheus to see master1 MASTER")
    before = prom_query(lab, "sum by (instance) (haplane_vrrp_transitions_total)")[t2]
    lab.fail("master1")
    try:
        wait_for(lambda: VIP in lab.addresses("master2", 4), 10, 0.05,
                 what="master2 to take the VIP")
        # master1 cannot be scraped any more: its series go stale and master2's turns 1
        wait_for(lambda: master_target(lab) == [t2], 15, 0.2,
                 what="prometheus to see master2 MASTER")
        assert prom_query(lab, "sum by (instance) (haplane_vrrp_transitions_total)")[t2] > before
        # the takeover is counted under its reason: master1 went silent
        assert prom_query(lab, 'haplane_vrrp_transitions_total{reason="master-down"}')[t2] >= 1
        assert prom_query(lab, "up")[t1] == 0
        # master2 measured the gap: master1's last advert to its own VIP installed
        m2 = get(lab, "node1", "master2", "/metrics")[1]
        lab_ = '{vrrp_instance="apiserver"}'
        assert samples(m2, "haplane_vrrp_failover_gap_seconds_count")[lab_] == 1
        gap = samples(m2, "haplane_vrrp_failover_gap_seconds_sum")[lab_]
        assert 0 < gap < 10, gap  # about 3 x advert_int 100 ms plus skew
    finally:
        lab.heal("master1")
    wait_for(lambda: master_target(lab) == [t1], 15, 0.2,
             what="prometheus to see master1 MASTER again after it is back")


def test_bad_clients_get_an_error_or_a_close_and_are_counted(lab, masters):
    client = os.path.join(HERE, "http_client.py")
    cp = lab.run("master1", [PYTHON, client, ipv4("master1"), str(PORT), "4096", "16"],
                 timeout=60)
    r = json.loads(cp.stdout)
    assert r["garbage"]["line"] == "HTTP/1.1 400 Bad Request"
    assert r["not_http"]["line"] == "HTTP/1.1 400 Bad Request"
    assert r["long_target"]["line"] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert r["long_headers"]["line"] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert r["slowloris"]["line"] == "HTTP/1.1 408 Request Timeout"
    assert r["slowloris"]["s"] < 5  # MX_IDLE_MS is 2 s; "hang" would be 6 s
    assert r["post"]["line"] == "HTTP/1.1 405 Method Not Allowed"
    assert r["not_found"]["line"] == "HTTP/1.1 404 Not Found"
    assert r["crowd"]["line"] == "HTTP/1.1 200 OK" and r["crowd"]["oldest"] == "closed"
    assert r["after"]["line"] == "HTTP/1.1 200 OK"
    errs = samples(get(lab, "master1", "master1", "/metrics")[1], "haplane_http_errors_total")
    for reason, n in (("bad_request", 2), ("too_large", 2), ("timeout", 1),
                      ("method_not_allowed", 1), ("not_found", 1), ("too_many_clients", 1)):
        assert errs['{reason="%s"}' % reason] >= n, (reason, errs)


class _Text(html.parser.HTMLParser):
    """The visible text of a page, and whether it has scripts or external assets."""

    def __init__(self):
        super().__init__()
        self.parts, self.scripts, self.external = [], 0, []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag in ("style", "script", "title"):
            self._skip = True
        for k in ("src", "href"):
            if a.get(k) and "://" in a[k]:
                self.external.append(a[k])

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    def text(self):
        return re.sub(r"\s+", " ", " ".join(self.parts))


def chromium(lab, host, *args):
    profile = os.path.join(lab.host_dir(host), "chromium")
    return lab.run(host, ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                          "--user-data-dir=" + profile, *args], timeout=60)


def test_status_page_in_a_browser(lab, masters):
    if not shutil.which("chromium"):
        pytest.fail("chromium is not installed (scripts/install-deps installs it)")
    url = "http://%s:%d/" % (ipv4("master1"), PORT)
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "status-page.png")
    if os.path.exists(shot):
        os.unlink(shot)
    chromium(lab, "node1", "--window-size=1280,900", "--screenshot=" + shot, url)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"

    dom = chromium(lab, "node1", "--dump-dom", url).stdout
    assert '<meta http-equiv="refresh" content="5">' in dom
    p = _Text()
    p.feed(dom)
    text = p.text()
    assert p.scripts == 0 and p.external == []
    for want in ("haplane status", "VRRP instances", "apiserver MASTER 100 (base 100)",
                 VIP + "/24 (held here)", "this node (%s)" % ipv4("master1"),
                 # the tracked proxy is ok: its -50 does not apply
                 "proxy apiserver -50 ok none", "binds *:16443; healthy;"):
        assert want in text, (want, text)
    for m in MASTERS:
        assert re.search(r"%s %s:6443 up no ok \(HTTP 200\) \d+\.\d ms" % (
            m, re.escape(ipv4(m))), text), text
    # the same page from master2's point of view: BACKUP, master1 holds the VIP
    p2 = _Text()
    p2.feed(get(lab, "node1", "master2", "/")[1])
    assert "apiserver BACKUP 90 (base 90)" in p2.text()
    assert "%s (priority 100)" % ipv4("master1") in p2.text()


def test_reload_moves_the_listener(lab, masters):
    conf = os.path.join(lab.host_dir("master3"), "mx.conf")
    with open(conf) as f:
        text = f.read()
    url = "http://%s:%%d/metrics" % ipv4("master3")
    try:
        with open(conf, "w") as f:
            f.write(text.replace(":%d\n" % PORT, ":%d\n" % (PORT + 1)))
        lab.kill("master3", "haplane", signal.SIGHUP)
        wait_for(lambda: lab.run("node1", ["curl", "-sf", "-m", "2", url % (PORT + 1)],
                                 check=False).returncode == 0, 10, 0.1,
                 what="the listener on the new port")
        new = lab.run("node1", ["curl", "-sf", "-m", "2", url % (PORT + 1)]).stdout
        assert samples(new, "haplane_reloads_total")['{result="accepted"}'] >= 1
        # the old port is closed: connection refused (curl exit 7)
        assert lab.run("node1", ["curl", "-sf", "-m", "2", url % PORT],
                       check=False).returncode == 7
    finally:
        with open(conf, "w") as f:
            f.write(text)
        lab.kill("master3", "haplane", signal.SIGHUP)
    wait_for(lambda: get(lab, "node1", "master3", "/healthz", check=False)[0] == 200, 10, 0.1,
             what="the listener back on its port")
