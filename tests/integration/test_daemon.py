"""The daemon's life cycle from the outside: the CLI contract, check, run,
SIGHUP reload with good and bad files, clean exit on SIGTERM and SIGINT.

Each daemon runs in a private network namespace of its own (unshare -n), so
whatever it opens can reach nothing but itself. Control sockets and configs
live in the test's temporary directory.
"""

import json
import os
import signal
import subprocess
import time

import pytest

GOOD = """\
global_defs {
    router_id test1
}

vrrp_instance apiserver {
    state BACKUP
    interface lo
    virtual_router_id 51
    priority 100
    advert_int 0.1
    version 3
    unicast_src_ip 127.0.0.1
    unicast_peer { 127.0.0.2 }
    virtual_ipaddress { 198.18.0.100/32 }
    track_proxy apiserver weight -50
}

proxy apiserver {
    bind 127.0.0.1:16443
    balance leastconn
    check https GET /readyz expect 200 interval 1s timeout 1s fall 3 rise 2
    server master1 127.0.0.1:6443
    server master2 127.0.0.1:6444
}
"""

# the same with a third server: the summary changes when this is loaded
GOOD2 = GOOD.replace("    server master2 127.0.0.1:6444\n",
                     "    server master2 127.0.0.1:6444\n    server master3 127.0.0.1:6445\n")

# a misspelt directive on line 9, column 5
BAD = GOOD.replace("    priority 100\n", "    prioriti 100\n")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=20, **kw)


def isolated(*argv):
    """argv run in a new network namespace with only lo (up); exec keeps the
    pid, so signals reach haplane itself."""
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + list(argv)


class Daemon:
    """haplane run in its own network namespace; stopped by pid."""

    def __init__(self, binary, tmp, conf_text, env=None):
        self.conf = tmp / "haplane.conf"
        self.conf.write_text(conf_text)
        self.control = tmp / "control.sock"
        self.log = tmp / "haplane.log"
        self.logf = open(self.log, "w")
        self.binary = binary
        self.proc = subprocess.Popen(
            isolated(binary, "run", "-f", str(self.conf), "--control", str(self.control),
                     "--log-level", "debug"),
            stdout=self.logf, stderr=subprocess.STDOUT, env=env)

    def status(self, as_json=True):
        argv = [self.binary, "status", "--control", str(self.control)]
        cp = run(argv + (["--json"] if as_json else []))
        assert cp.returncode == 0, cp.stderr
        return json.loads(cp.stdout) if as_json else cp.stdout

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "haplane exited early:\n" + self.log.read_text()
            if self.control.exists():
                try:
                    return self.status()
                except AssertionError:
                    pass
            time.sleep(0.05)
        raise AssertionError("haplane did not answer on its control socket:\n"
                             + self.log.read_text())

    def wait_for(self, cond, what, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.status()
            if cond(st):
                return st
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; log:\n%s" % (what, self.log.read_text()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.logf.close()


@pytest.fixture
def daemon(haplane_bin, tmp_path):
    started = []

    def start(text=GOOD):
        d = Daemon(haplane_bin, tmp_path, text)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


def test_version_and_help(haplane_bin):
    cp = run([haplane_bin, "version"])
    assert cp.returncode == 0 and cp.stdout.startswith("haplane ")
    for cmd in ("run", "check", "status", "version"):
        cp = run([haplane_bin, cmd, "--help"])
        assert cp.returncode == 0, cmd
        assert cp.stdout.startswith("usage: haplane " + cmd), cp.stdout
    cp = run([haplane_bin, "--help"])
    assert cp.returncode == 0 and "commands:" in cp.stdout


def test_usage_errors_exit_2(haplane_bin):
    assert run([haplane_bin]).returncode == 2
    cp = run([haplane_bin, "frobnicate"])
    assert cp.returncode == 2 and "unknown command 'frobnicate'" in cp.stderr
    cp = run([haplane_bin, "run"])
    assert cp.returncode == 2 and "config file is required" in cp.stderr
    cp = run([haplane_bin, "check", "-f", "x", "--log-level", "loud"])
    assert cp.returncode == 2 and "unknown log level 'loud'" in cp.stderr


def test_check_good_and_bad(haplane_bin, tmp_path):
    good = tmp_path / "good.conf"
    good.write_text(GOOD)
    cp = run([haplane_bin, "check", "-f", str(good)])
    assert cp.returncode == 0, cp.stderr
    assert "ok" in cp.stdout
    bad = tmp_path / "bad.conf"
    bad.write_text(BAD)
    cp = run([haplane_bin, "check", "-f", str(bad)])
    assert cp.returncode == 1
    assert ("%s:9:5: error: unknown directive 'prioriti' in vrrp_instance "
            "(did you mean 'priority'?)" % bad) in cp.stderr
    cp = run([haplane_bin, "check", "-f", str(tmp_path / "missing.conf")])
    assert cp.returncode == 1 and "missing.conf" in cp.stderr


HAP_HEAD = """\
listen api
    bind 127.0.0.1:16443
    option httpchk GET /readyz
"""


@pytest.mark.parametrize("case", ["sni_control_byte", "too_many_servers"])
def test_check_refuses_what_run_refuses(haplane_bin, tmp_path, case):
    """`haplane check --haproxy F` and `haplane run --haproxy F` refuse the
    same files with the same FILE:LINE:COL: message (issue 10, item 5)."""
    hap = tmp_path / "haproxy.cfg"
    if case == "sni_control_byte":
        hap.write_bytes(HAP_HEAD.encode() + b"    server m1 127.0.0.1:6443 check check-ssl "
                        b"verify none check-sni api\x15.local\n")
        want = "%s:4:68: error: invalid sni 'api\\x15.local': not a host name" % hap
    else:
        hap.write_text(HAP_HEAD + "".join("    server m%d 127.0.%d.%d:6443 check\n"
                                          % (i, i // 250, i % 250 + 1) for i in range(3000)))
        want = "%s:68:12: error: proxy 'api' has 3000 servers, at most 64" % hap
    check = run([haplane_bin, "check", "--haproxy", str(hap)])
    assert check.returncode == 1, check.stdout + check.stderr
    assert want in check.stderr
    ran = run(isolated(haplane_bin, "run", "--haproxy", str(hap), "--control",
                       str(tmp_path / "c.sock")))
    assert ran.returncode == 1
    assert want in ran.stderr.replace("\\\\", "\\")   # the log line is logfmt-escaped
    assert not (tmp_path / "c.sock").exists()


def test_run_bad_config_refuses_to_start(haplane_bin, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(BAD)
    cp = run(isolated(haplane_bin, "run", "-f", str(conf), "--control",
                      str(tmp_path / "c.sock")))
    assert cp.returncode == 1
    assert "prioriti" in cp.stderr
    assert not (tmp_path / "c.sock").exists()


def test_sighup_reload_good_then_bad(daemon):
    d = daemon()
    st = d.wait_ready()
    assert st["config"]["generation"] == 1
    assert "2 servers" in st["config"]["summary"]

    d.conf.write_text(GOOD2)
    d.proc.send_signal(signal.SIGHUP)
    st = d.wait_for(lambda s: s["config"]["generation"] == 2, "generation 2")
    assert "3 servers" in st["config"]["summary"]
    assert st["config"]["last_reload_error"] is None

    d.conf.write_text(BAD)
    d.proc.send_signal(signal.SIGHUP)
    st = d.wait_for(lambda s: s["config"]["reloads_rejected"] == 1, "rejected reload")
    assert st["config"]["generation"] == 2           # the running config stayed
    assert "3 servers" in st["config"]["summary"]
    assert ":9:5: error: unknown directive 'prioriti'" in st["config"]["last_reload_error"]
    text = d.status(as_json=False)
    assert "REJECTED" in text and "prioriti" in text

    # a good file again is accepted after a rejected one
    d.conf.write_text(GOOD)
    d.proc.send_signal(signal.SIGHUP)
    st = d.wait_for(lambda s: s["config"]["generation"] == 3, "generation 3")
    assert st["config"]["last_reload_error"] is None

    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=10) == 0
    log = d.log.read_text()
    assert "reload rejected, generation 2 keeps running" in log
    assert "SIGTERM: shutting down" in log
    assert not d.control.exists(), "control socket left behind"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_exit_on_signal(daemon, sig):
    d = daemon()
    d.wait_ready()
    d.proc.send_signal(sig)
    assert d.proc.wait(timeout=10) == 0
    assert not d.control.exists()


def test_second_daemon_on_same_control_socket_refuses(daemon, haplane_bin, tmp_path):
    d = daemon()
    d.wait_ready()
    cp = run(isolated(haplane_bin, "run", "-f", str(d.conf), "--control", str(d.control)))
    assert cp.returncode == 1
    assert "in use by a running daemon" in cp.stderr
    assert d.status()["config"]["generation"] == 1   # the first one is untouched


def test_status_without_daemon_says_why(haplane_bin, tmp_path):
    cp = run([haplane_bin, "status", "--control", str(tmp_path / "none.sock")])
    assert cp.returncode == 1
    assert "cannot reach the daemon" in cp.stderr


# ---- the control socket under abuse (issue 10, items 7 and 11) ----------------------------


def _connect(path):
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(path))
    return s


def test_status_answers_while_idle_connections_fill_the_slots(daemon):
    """200 connections opened and held without a request, then a client that
    keeps 16 idle connections open, reconnecting as soon as one is closed:
    `haplane status` still answers, every time."""
    import select
    import threading
    d = daemon()
    d.wait_ready()
    held = [_connect(d.control) for _ in range(200)]
    stop = threading.Event()
    refilled = [0]

    def refill():
        mine = [_connect(d.control) for _ in range(16)]
        while not stop.is_set():
            ready, _, _ = select.select(mine, [], [], 0.01)
            for s in ready:
                if s.recv(100) == b"":
                    mine.remove(s)
                    s.close()
                    mine.append(_connect(d.control))
                    refilled[0] += 1
        for s in mine:
            s.close()

    t = threading.Thread(target=refill)
    t.start()
    try:
        time.sleep(0.2)
        for _ in range(5):
            cp = run([d.binary, "status", "--control", str(d.control)])
            assert cp.returncode == 0, cp.stderr
            assert cp.stdout.startswith("haplane ")
    finally:
        stop.set()
        t.join()
        for s in held:
            s.close()
    assert refilled[0] > 0
    ctl = d.status()["control"]
    assert ctl["evicted"] > 0, ctl


def test_idle_control_client_is_closed_quickly(daemon):
    """A client that sends no request line is closed after about 1 s (the
    bound is generous); the close is counted."""
    d = daemon()
    d.wait_ready()
    s = _connect(d.control)
    s.settimeout(10)
    t0 = time.monotonic()
    assert s.recv(100) == b""
    took = time.monotonic() - t0
    s.close()
    assert took < 3, "idle client closed after %.1f s" % took
    assert d.status()["control"]["timed_out"] >= 1


def _cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime


def _nofile(pid):
    """(soft, hard) RLIMIT_NOFILE of pid."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return tuple(int(x) for x in line.split()[3:5])
    raise AssertionError("no open-files limit for pid %d" % pid)


def _lowest_free_fd(pid):
    used = {int(x) for x in os.listdir("/proc/%d/fd" % pid)}
    fd = 0
    while fd in used:
        fd += 1
    return fd


def test_control_socket_backs_off_when_out_of_fds(daemon):
    """With no descriptor left (RLIMIT_NOFILE lowered by prlimit) and clients
    waiting, the control listener backs off instead of spinning: the daemon
    uses a small share of one CPU (a generous bound), says so in the log
    once, counts the failures, and answers again once descriptors are back."""
    d = daemon()
    d.wait_ready()
    pid = d.proc.pid
    soft, hard = _nofile(pid)
    limit = _lowest_free_fd(pid)
    cp = run(["prlimit", "--pid", str(pid), "--nofile=%d:%d" % (limit, hard)])
    assert cp.returncode == 0, cp.stderr
    held = [_connect(d.control) for _ in range(4)]
    try:
        time.sleep(0.5)
        hz = os.sysconf("SC_CLK_TCK")
        c0, t0 = _cpu_ticks(pid), time.monotonic()
        time.sleep(3)
        cpu = (_cpu_ticks(pid) - c0) / hz / (time.monotonic() - t0)
    finally:
        for s in held:
            s.close()
        run(["prlimit", "--pid", str(pid), "--nofile=%d:%d" % (soft, hard)])
    assert cpu < 0.2, "daemon used %.0f%% CPU while out of descriptors" % (cpu * 100)
    assert d.proc.poll() is None
    ctl = d.wait_for(lambda st: st["control"]["accept_errors"] > 0, "accept errors counted")
    assert ctl["control"]["accept_errors"] > 0
    log = d.log.read_text()
    assert log.count("accept: Too many open files") == 1, log[-3000:]
