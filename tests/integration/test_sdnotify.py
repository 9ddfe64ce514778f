"""systemd's notify protocol (sd_notify(3)) from the outside: the real daemon
started with NOTIFY_SOCKET pointing at a datagram socket this test binds, as
systemd does for a Type=notify service, and the messages it sends checked in
order: READY=1 once it serves, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1
with MONOTONIC_USEC then READY=1 around every SIGHUP (also a rejected one),
STOPPING=1 on SIGTERM, STATUS= when the summary changes.

Daemons with VRRP and a proxy run in a private network namespace
(test_daemon's Daemon); the ones with an abstract socket name (per network
namespace) run in this one, with a configuration that opens nothing but the
control socket in the test's temporary directory.
"""

import os
import re
import signal
import socket
import statistics
import subprocess
import time

import pytest

from test_daemon import BAD, GOOD, GOOD2, Daemon, run

EMPTY = "global_defs {\n    router_id sdtest\n}\n"

# a vrrp_script that writes its environment where the test reads it
PROBE_CONF = """\
global_defs {{
    script_user root
}}

vrrp_script probe {{
    script "{probe} {out}"
    interval 200ms
}}

vrrp_instance apiserver {{
    state BACKUP
    interface lo
    virtual_router_id 51
    priority 100
    advert_int 0.1
    version 3
    unicast_src_ip 127.0.0.1
    unicast_peer {{ 127.0.0.2 }}
    virtual_ipaddress {{ 198.18.0.100/32 }}
    track_script {{
        probe
    }}
    notify "{probe} {out}.notify"
}}
"""


class Msg:
    def __init__(self, t, raw):
        self.t = t  # time.monotonic() when received
        self.raw = raw
        lines = raw.decode().split("\n")
        for ln in lines:
            assert re.fullmatch(r"[A-Z_]+=[^\n]*", ln), "not KEY=VALUE: %r in %r" % (ln, raw)
        self.fields = dict(ln.split("=", 1) for ln in lines)
        assert len(self.fields) == len(lines), "a key twice in %r" % raw

    def is_event(self):
        """Anything but a bare watchdog ping or a bare status update."""
        return not set(self.fields) <= {"WATCHDOG", "STATUS"}

    def __repr__(self):
        return "%.3f %r" % (self.t, self.raw)


class Listener:
    """The service manager's side: a bound AF_UNIX datagram socket that keeps
    every message with the time it arrived."""

    def __init__(self, address):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.msgs = []
        self.seen = 0  # msgs[:seen] were handed out by next_event

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            raw = self.sock.recv(65536)
        except socket.timeout:
            return None
        m = Msg(time.monotonic(), raw)
        self.msgs.append(m)
        return m

    def collect(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._recv(end - time.monotonic())

    def next_event(self, timeout=10):
        """The next message that is not a bare ping or status update."""
        end = time.monotonic() + timeout
        while True:
            for i in range(self.seen, len(self.msgs)):
                if self.msgs[i].is_event():
                    self.seen = i + 1
                    return self.msgs[i]
            self.seen = len(self.msgs)
            left = end - time.monotonic()
            assert left > 0, "no message within %s s; got %s" % (timeout, self.msgs)
            self._recv(left)

    def wait_status(self, pattern, timeout=10):
        """The first STATUS= (on any message) matching pattern."""
        end = time.monotonic() + timeout
        i = 0
        while True:
            for m in self.msgs[i:]:
                if re.search(pattern, m.fields.get("STATUS", "")):
                    return m
            i = len(self.msgs)
            left = end - time.monotonic()
            assert left > 0, "no STATUS matching %r within %s s; got %s" % (
                pattern, timeout, self.msgs)
            self._recv(left)

    def pings(self, since=0.0):
        return [m.t for m in self.msgs if m.fields.get("WATCHDOG") == "1" and m.t >= since]

    def close(self):
        self.sock.close()
        if not self.address.startswith("@"):
            try:
                os.unlink(self.address)
            except FileNotFoundError:
                pass


@pytest.fixture
def listener(tmp_path):
    made = []

    def make(address=None):
        lst = Listener(address or str(tmp_path / "notify.sock"))
        made.append(lst)
        return lst

    yield make
    for lst in made:
        lst.close()


def notify_env(address, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    env["NOTIFY_SOCKET"] = address
    env.update(extra)
    return env


def listening_in_netns(pid, port):
    """Does something accept TCP connections on 127.0.0.1:port in pid's
    network namespace?"""
    cp = run(["nsenter", "-t", str(pid), "-n", "/usr/bin/python3", "-c",
              "import socket; socket.create_connection(('127.0.0.1', %d), timeout=2)" % port])
    return cp.returncode == 0


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_notify_sequence(haplane_bin, tmp_path, listener):
    lst = listener()
    d = Daemon(haplane_bin, tmp_path, GOOD, env=notify_env(lst.address, WATCHDOG_USEC="400000"))
    try:
        # 1. READY=1 first (no ping before it), and by then the daemon serves
        ready = lst.next_event(timeout=15)
        assert lst.msgs[0] is ready, lst.msgs
        assert set(ready.fields) == {"READY", "STATUS"} and ready.fields["READY"] == "1"
        assert re.fullmatch(r"apiserver (INIT|BACKUP|MASTER), apiserver 0/2 servers up",
                            ready.fields["STATUS"]), ready
        st = d.status()  # the control socket answers at once, no retry
        assert st["config"]["generation"] == 1
        assert [i["name"] for i in st["vrrp"]["instances"]] == ["apiserver"]
        assert listening_in_netns(d.proc.pid, 16443), "READY=1 before the listener accepts"

        # 2. STATUS= follows the state: the peer is silent, the instance takes over
        lst.wait_status(r"^apiserver MASTER, apiserver 0/2 servers up$", timeout=10)

        # 3. watchdog pings every 200 ms (half of 400 ms), from the main loop
        t0 = time.monotonic()
        lst.collect(3.0)
        pings = lst.pings(since=t0)
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert 8 <= len(pings) <= 22, "%d pings in 3 s, expected ~15: %s" % (len(pings), gaps)
        assert 0.12 <= statistics.median(gaps) <= 0.32, gaps

        # 4. an accepted reload: RELOADING=1 with the time it started, then READY=1
        d.conf.write_text(GOOD2)
        before_us = time.monotonic_ns() // 1000
        d.proc.send_signal(signal.SIGHUP)
        m = lst.next_event()
        assert set(m.fields) == {"RELOADING", "MONOTONIC_USEC"} and m.fields["RELOADING"] == "1"
        assert before_us <= int(m.fields["MONOTONIC_USEC"]) <= int(m.t * 1e6), m
        m = lst.next_event()
        assert m.fields["READY"] == "1", m
        assert m.fields["STATUS"].endswith("apiserver 0/3 servers up"), m  # the new config
        assert d.status()["config"]["generation"] == 2

        # 5. a rejected reload: the old configuration runs, so READY=1 again
        d.conf.write_text(BAD)
        before_us = time.monotonic_ns() // 1000
        d.proc.send_signal(signal.SIGHUP)
        m = lst.next_event()
        assert m.fields["RELOADING"] == "1" and before_us <= int(m.fields["MONOTONIC_USEC"])
        m = lst.next_event()
        assert m.fields["READY"] == "1", m
        assert m.fields["STATUS"] == "apiserver MASTER, apiserver 0/3 servers up, " \
                                     "last reload rejected", m
        st = d.status()
        assert st["config"]["generation"] == 2 and st["config"]["reloads_rejected"] == 1

        # 6. SIGTERM: STOPPING=1, then a clean exit and nothing after but pings
        d.proc.send_signal(signal.SIGTERM)
        m = lst.next_event()
        assert m.fields == {"STOPPING": "1", "STATUS": "shutting down (SIGTERM)"}, m
        assert d.proc.wait(timeout=15) == 0
        lst.collect(0.3)
        after = lst.msgs[lst.msgs.index(m) + 1:]
        assert all(set(x.fields) == {"WATCHDOG"} for x in after), after
    finally:
        d.stop()
    log = d.log.read_text()
    assert "watchdog ping every 0.200 s" in log, log


@pytest.mark.parametrize("whose", ["ours", "another's"])
def test_abstract_socket_and_watchdog_pid(haplane_bin, tmp_path, listener, whose):
    """An abstract NOTIFY_SOCKET ('@name'); WATCHDOG_PID naming the daemon
    turns the pings on, naming another process (a parent's variables
    inherited by mistake) leaves them off."""
    lst = listener("@haplane-test-%d-%d" % (os.getpid(), time.monotonic_ns()))
    conf = tmp_path / "empty.conf"
    conf.write_text(EMPTY)
    env = notify_env(lst.address, WATCHDOG_USEC="200000")
    if whose != "ours":
        env["WATCHDOG_PID"] = "1"
    # $$ is the pid haplane keeps through exec
    argv = ["sh", "-c", ('WATCHDOG_PID=$$ ' if whose == "ours" else '') + 'exec "$@"', "sh",
            haplane_bin, "run", "-f", str(conf), "--control", str(tmp_path / "c.sock")]
    with open(tmp_path / "haplane.log", "w") as logf:
        proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, env=env)
    try:
        m = lst.next_event(timeout=10)
        assert m.fields == {"READY": "1", "STATUS": "running, nothing configured"}, m
        lst.collect(1.0)
        pings = lst.pings()
        if whose == "ours":
            assert 3 <= len(pings) <= 20, pings  # every 100 ms
        else:
            assert pings == []
        proc.send_signal(signal.SIGTERM)
        m = lst.next_event()
        assert m.fields["STOPPING"] == "1", m
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)


def test_children_do_not_inherit_the_notify_socket(haplane_bin, tmp_path, listener):
    """Scripts and notify commands must not speak to systemd in our name:
    neither NOTIFY_SOCKET nor WATCHDOG_* reach them."""
    lst = listener()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    probe = bindir / "probe.sh"
    probe.write_text('#!/bin/sh\ntr "\\0" "\\n" </proc/$$/environ >"$1.tmp"\nmv "$1.tmp" "$1"\n')
    probe.chmod(0o755)
    out = tmp_path / "env"
    d = Daemon(haplane_bin, tmp_path, PROBE_CONF.format(probe=probe, out=out),
               env=notify_env(lst.address, WATCHDOG_USEC="1000000"))
    try:
        lst.next_event(timeout=15)  # READY=1
        notify_out = tmp_path / "env.notify"
        end = time.monotonic() + 10
        while not (out.exists() and notify_out.exists()):
            assert time.monotonic() < end, "the probe did not run:\n" + d.log.read_text()
            assert d.proc.poll() is None, d.log.read_text()
            time.sleep(0.05)
        for path in (out, notify_out):
            env = path.read_text().split("\n")
            assert [v for v in env if v.startswith(("NOTIFY_SOCKET=", "WATCHDOG_"))] == [], env
            assert any(v.startswith("PATH=") for v in env), env  # the probe did read it
    finally:
        d.stop()


def test_unusable_notify_socket_is_not_fatal(haplane_bin, tmp_path):
    """A NOTIFY_SOCKET that is not an address is logged; the daemon runs."""
    conf = tmp_path / "empty.conf"
    conf.write_text(EMPTY)
    env = notify_env("relative/notify.sock")
    with open(tmp_path / "haplane.log", "w") as logf:
        proc = subprocess.Popen([haplane_bin, "run", "-f", str(conf), "--control",
                                 str(tmp_path / "c.sock")],
                                stdout=logf, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + 10
        while run([haplane_bin, "status", "--control", str(tmp_path / "c.sock")]).returncode:
            assert proc.poll() is None and time.monotonic() < end, \
                (tmp_path / "haplane.log").read_text()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)
    log = (tmp_path / "haplane.log").read_text()
    assert ("NOTIFY_SOCKET 'relative/notify.sock' is neither an absolute path nor '@name': "
            "not notifying the service manager") in log, log


def test_malformed_watchdog_usec_means_no_pings(haplane_bin, tmp_path, listener):
    """A WATCHDOG_USEC that is not a number is logged; READY=1 still goes out."""
    lst = listener()
    conf = tmp_path / "empty.conf"
    conf.write_text(EMPTY)
    env = notify_env(lst.address, WATCHDOG_USEC="5s")
    with open(tmp_path / "haplane.log", "w") as logf:
        proc = subprocess.Popen([haplane_bin, "run", "-f", str(conf), "--control",
                                 str(tmp_path / "c.sock")],
                                stdout=logf, stderr=subprocess.STDOUT, env=env)
    try:
        assert lst.next_event(timeout=10).fields["READY"] == "1"
        lst.collect(0.5)
        assert lst.pings() == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)
    log = (tmp_path / "haplane.log").read_text()
    assert ("WATCHDOG_USEC '5s' is not a positive number of microseconds: no watchdog pings"
            in log), log
