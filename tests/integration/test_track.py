"""src/track end to end: vrrp_script runs, timeouts, process-group kills, reload,
notify commands, script users and enable_script_security, and link tracking in a
private network namespace (unshare -n) with a veth pair.

The track code runs in tests/integration/track_driver.c, built here with ASan and
UBSan (a leak or UB fails the test at the driver's exit), fed commands on stdin.
"""

import glob
import json
import os
import pathlib
import queue
import re
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WARN = ("-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes "
        "-Wno-unused-parameter -Wformat=2 -Wvla").split()


@pytest.fixture(scope="module")
def driver_bin(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("track") / "track_driver")
    srcs = (sorted(glob.glob(os.path.join(ROOT, "src/track/*.c")))
            + sorted(glob.glob(os.path.join(ROOT, "src/ev/*.c")))
            + [os.path.join(ROOT, "src/log.c"), os.path.join(ROOT, "src/util/sbuf.c"),
               os.path.join(HERE, "track_driver.c")])
    cc = os.environ.get("CC", "cc")
    cmd = ([cc, "-std=c11", "-D_GNU_SOURCE", "-I" + os.path.join(ROOT, "src"), "-g", "-O1",
            "-fsanitize=address,undefined", "-fno-sanitize-recover=all"] + WARN + srcs
           + ["-lmnl", "-o", out])
    cp = subprocess.run(cmd, capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    return out


class Driver:
    """One track_driver process; stdout lines are collected by a thread."""

    def __init__(self, binary, tmp, netns=False, env=None):
        self.log_path = os.path.join(tmp, "driver-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "w")
        argv = (["unshare", "-n"] if netns else []) + [binary]
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
                   UBSAN_OPTIONS="print_stacktrace=1", **(env or {}))
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.log, text=True, env=env)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next_line(5) == "ready"

    def _read(self):
        for ln in self.p.stdout:
            self.lines.put(ln.rstrip("\n"))
        self.lines.put(None)

    def send(self, *fields):
        self.p.stdin.write("\t".join(str(f) for f in fields) + "\n")
        self.p.stdin.flush()

    def next_line(self, timeout):
        ln = self.lines.get(timeout=timeout)
        assert ln is not None, "driver exited:\n" + self.logtext()
        self.seen.append(ln)
        return ln

    def expect(self, prefix, timeout=5):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r line within %ss; log:\n%s" % (
                    prefix, timeout, self.logtext()[-3000:]))
            try:
                ln = self.next_line(left)
            except queue.Empty:
                continue
            if ln.startswith(prefix + " ") or ln == prefix:
                return ln[len(prefix) + 1:]

    def commit(self):
        self.send("commit")
        rc = self.expect("committed")
        assert rc.startswith("0"), rc

    def status(self):
        self.send("status")
        return json.loads(self.expect("status").split(" ", 1)[1])

    def wait_status(self, pred, timeout, what):
        """Poll status until pred(status) holds; return that status."""
        end = time.monotonic() + timeout
        while True:
            st = self.status()
            if pred(st):
                return st
            if time.monotonic() > end:
                raise AssertionError("%s: not within %ss; last status %s" % (
                    what, timeout, json.dumps(st)))
            time.sleep(0.05)

    def link(self, name):
        self.send("link", name)
        return int(self.expect("link " + name))

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def quit(self):
        """Stop; the driver must exit 0 (ASan: no leak, no error)."""
        if self.p.poll() is None:
            try:
                self.send("quit")
                self.p.stdin.close()
            except BrokenPipeError:
                pass
        rc = self.p.wait(timeout=10)
        self.log.close()
        assert rc == 0, "driver exit %d:\n%s" % (rc, self.logtext()[-4000:])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.log.close()


@pytest.fixture
def drv(driver_bin, tmp_path):
    made = []

    def make(netns=False, env=None):
        d = Driver(driver_bin, str(tmp_path), netns, env)
        made.append(d)
        return d

    yield make
    for d in made:
        d.kill()


@pytest.fixture
def open_dir():
    """A world-writable directory reachable by user nobody (pytest's tmp_path
    lives under a 0700 directory)."""
    path = tempfile.mkdtemp(prefix="haplane-track-", dir="/tmp")
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def script(d, name, argv, interval=100, timeout=1000, rise=1, fall=1, user="-", tracked=1):
    d.send("script", name, interval, timeout, rise, fall, user, tracked, *argv)


def by_name(st, name):
    return next(s for s in st["scripts"] if s["name"] == name)


def alive(pid):
    """Running (a zombie or a missing pid counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def read_pid(path, timeout=3):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                txt = f.read().strip()
            if txt:
                return int(txt)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError("no pid in " + path)


# ---- scripts ----

def test_script_verdicts_rise_fall_and_logs(drv, tmp_path):
    flag = tmp_path / "rc"
    flag.write_text("0")
    d = drv()
    script(d, "ok", ["true"], rise=2, fall=2)
    script(d, "bad", ["sh", "-c", "exit 3"], rise=5, fall=5)
    script(d, "flip", ["sh", "-c", "exit $(cat %s)" % flag], interval=100, rise=2, fall=3)
    d.commit()
    # keepalived: the first result decides, whatever rise/fall
    st = d.wait_status(lambda s: all(x["state"] != "init" for x in s["scripts"]), 3, "first")
    assert [x["state"] for x in st["scripts"]] == ["up", "down", "up"]
    assert by_name(st, "bad")["last_exit"] == 3
    assert by_name(st, "bad")["last_result"] == "exit 3"
    flag.write_text("1")
    st = d.wait_status(lambda s: by_name(s, "flip")["state"] == "down", 3, "flip down")
    f = by_name(st, "flip")
    assert f["failures"] >= 3 and f["last_exit"] == 1
    flag.write_text("0")
    d.wait_status(lambda s: by_name(s, "flip")["state"] == "up", 3, "flip up")
    d.quit()
    log = d.logtext()
    assert 'obj="ok" msg="init -> up: first run succeeded (exit 0)"' in log
    assert 'obj="bad" msg="init -> down: first run failed (exit 3)"' in log
    assert 'obj="flip" msg="up -> down: 3 failures in a row (exit 1)"' in log
    assert 'obj="flip" msg="down -> up: 2 successes in a row (exit 0)"' in log
    assert 'obj="flip" msg="now returning 1"' in log
    # rise/fall are "in a row": exactly 3 failures before down, 2 successes before up
    changes = [json.loads(ln.split(" ", 2)[2]) for ln in d.seen if ln.startswith("change ")]
    flips = [by_name(c, "flip") for c in changes]
    down = next(x for x in flips if x["state"] == "down")
    up_again = next(x for x in flips if x["state"] == "up" and x["successes"] > 1)
    assert down["failures"] == 3
    assert up_again["successes"] - down["successes"] == 2


def test_timeout_kills_process_group(drv, tmp_path):
    """A run past its timeout fails at the deadline; SIGTERM reaches the whole
    group (the script's own children too)."""
    pid, child = tmp_path / "pid", tmp_path / "child"
    d = drv()
    script(d, "slow", ["sh", "-c", "echo $$ > %s; sleep 30 & echo $! > %s; wait" % (pid, child)],
           interval=5000, timeout=1000)
    d.commit()
    p, c = read_pid(str(pid)), read_pid(str(child))
    t0 = time.monotonic()
    assert alive(p) and alive(c)
    st = d.wait_status(lambda s: s["scripts"][0]["state"] == "down", 3, "timed out")
    took = time.monotonic() - t0
    assert 0.7 < took < 2.0, took
    s = st["scripts"][0]
    assert s["timeouts"] == 1 and s["failures"] == 1 and s["last_exit"] is None
    assert s["last_result"] == "timed out after 1000 ms"
    end = time.monotonic() + 2
    while (alive(p) or alive(c)) and time.monotonic() < end:
        time.sleep(0.05)
    assert not alive(p) and not alive(c)
    assert not d.status()["scripts"][0]["running"]
    d.quit()
    assert 'obj="slow" msg="init -> down: first run failed (timed out after 1000 ms)"' in d.logtext()


def test_timeout_sigkill_after_grace(drv, tmp_path):
    """A group that ignores SIGTERM gets SIGKILL 2 s later (keepalived)."""
    pid, child = tmp_path / "pid", tmp_path / "child"
    d = drv()
    script(d, "stubborn", ["sh", "-c", "trap '' TERM; echo $$ > %s; sleep 30 & echo $! > %s; "
                           "while :; do wait; done" % (pid, child)], interval=10000, timeout=500)
    d.commit()
    p, c = read_pid(str(pid)), read_pid(str(child))
    d.wait_status(lambda s: s["scripts"][0]["timeouts"] == 1, 3, "timed out")
    time.sleep(1.0)  # inside the 2 s grace: SIGTERM ignored, still there
    assert alive(p) and alive(c)
    assert d.status()["scripts"][0]["running"]
    end = time.monotonic() + 3
    while (alive(p) or alive(c)) and time.monotonic() < end:
        time.sleep(0.05)
    assert not alive(p) and not alive(c)
    d.wait_status(lambda s: not s["scripts"][0]["running"], 2, "reaped")
    d.quit()


def test_never_two_runs_at_once(drv, tmp_path):
    runs = tmp_path / "runs"
    d = drv()
    # each run takes ~350 ms, the interval is 100 ms
    script(d, "long", ["sh", "-c", "echo start >> %s; sleep 0.35; echo end >> %s" % (runs, runs)],
           interval=100, timeout=2000)
    d.commit()
    st = d.wait_status(lambda s: s["scripts"][0]["successes"] >= 3, 5, "3 runs")
    d.quit()
    lines = runs.read_text().split()
    # strictly alternating: never a second start before the previous end
    for i, word in enumerate(lines):
        assert word == ("start" if i % 2 == 0 else "end"), lines
    assert st["scripts"][0]["skipped"] >= 4
    assert "previous run still running: skipping this one" in d.logtext()


def test_reload_keeps_unchanged_kills_removed(drv, tmp_path):
    pid = tmp_path / "pid"
    d = drv()
    script(d, "keep", ["true"], rise=3, fall=3)
    script(d, "gone", ["sh", "-c", "echo $$ > %s; exec sleep 30" % pid], interval=10000,
           timeout=20000)
    d.commit()
    st = d.wait_status(lambda s: by_name(s, "keep")["runs"] >= 3, 3, "keep runs")
    assert by_name(st, "keep")["state"] == "up"
    p = read_pid(str(pid))
    assert alive(p)
    # new config: "keep" unchanged (other rise/fall), "gone" removed, "new" added first
    script(d, "new", ["sh", "-c", "exit 1"], rise=1, fall=1)
    script(d, "keep", ["true"], rise=2, fall=2, interval=100)
    d.commit()
    st = d.status()
    assert [x["name"] for x in st["scripts"]] == ["new", "keep"]
    keep = by_name(st, "keep")
    assert keep["state"] == "up" and keep["runs"] >= 3 and keep["rise"] == 2
    end = time.monotonic() + 2
    while alive(p) and time.monotonic() < end:
        time.sleep(0.05)
    assert not alive(p)
    st = d.wait_status(lambda s: by_name(s, "new")["state"] == "down", 3, "new ran")
    # same name, new command: a fresh script (init, counters from zero)
    script(d, "keep", ["sh", "-c", "exit 0"], rise=2, fall=2)
    d.commit()
    st = d.status()
    assert st["scripts"][0]["name"] == "keep" and st["scripts"][0]["runs"] <= 1
    d.wait_status(lambda s: s["scripts"][0]["state"] == "up", 3, "replaced keep up")
    d.quit()
    assert 'obj="gone" msg="removed: killing its running process group"' in d.logtext()


def test_untracked_script_not_run(drv):
    d = drv()
    script(d, "idle", ["true"], tracked=0)
    d.commit()
    time.sleep(0.3)
    s = d.status()["scripts"][0]
    assert s["state"] == "init" and s["runs"] == 0 and not s["running"]
    d.quit()


# ---- users and enable_script_security ----

def make_script(dirpath, name, body, dir_mode=0o755):
    os.makedirs(dirpath, exist_ok=True)
    os.chmod(dirpath, dir_mode)
    path = os.path.join(dirpath, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def test_script_users_and_security(drv, open_dir):
    if subprocess.run(["getent", "passwd", "keepalived_script"],
                      capture_output=True).returncode == 0:
        pytest.skip("user keepalived_script exists here; the default-user rule differs")
    out = pathlib.Path(open_dir)
    safe = make_script("/tmp/haplane-track-safe-%d" % os.getpid(), "who.sh",
                       "id -u > %s/$1" % out)
    unsafe = make_script(str(out / "open"), "who.sh", "id -u > %s/$1" % out, dir_mode=0o777)
    try:
        d = drv()
        d.send("global", "security", "1")
        script(d, "nouser", [safe, "nouser"])          # no script_user, no keepalived_script
        script(d, "nobody", [safe, "nobody"], user="nobody")
        script(d, "rootsafe", [safe, "rootsafe"], user="root")
        script(d, "rootunsafe", [unsafe, "rootunsafe"], user="root")
        script(d, "nobodyunsafe", [unsafe, "nobodyunsafe"], user="nobody")
        script(d, "nosuchuser", [safe, "x"], user="no-such-user-hl")
        d.commit()
        st = d.wait_status(lambda s: all(x["state"] != "init" for x in s["scripts"]), 3, "ran")
        got = {x["name"]: x for x in st["scripts"]}
        assert got["nouser"]["state"] == "down"
        assert "keepalived_script does not exist" in got["nouser"]["refused"]
        assert got["nobody"]["state"] == "up" and got["nobody"]["user"] == "nobody"
        assert got["rootsafe"]["state"] == "up" and got["rootsafe"]["refused"] is None
        assert got["rootunsafe"]["state"] == "down"
        assert "writable by others" in got["rootunsafe"]["refused"]
        assert got["nobodyunsafe"]["state"] == "up"   # not root: no path rule (keepalived)
        assert "no-such-user-hl does not exist" in got["nosuchuser"]["refused"]
        assert got["rootunsafe"]["runs"] == 0 and got["nouser"]["runs"] == 0
        assert (out / "nobody").read_text().strip() == "65534"
        assert (out / "rootsafe").read_text().strip() == "0"
        assert not (out / "rootunsafe").exists() and not (out / "nouser").exists()
        # global script_user becomes the default; security off: root allowed everywhere
        d.send("global", "script_user", "nobody")
        script(d, "nouser", [safe, "nouser"])
        script(d, "rootunsafe", [unsafe, "rootunsafe"], user="root")
        d.commit()
        st = d.wait_status(lambda s: all(x["state"] == "up" for x in s["scripts"]), 3, "reload")
        assert by_name(st, "nouser")["user"] == "nobody"
        d.quit()
        assert (out / "nouser").read_text().strip() == "65534"
        assert (out / "rootunsafe").read_text().strip() == "0"
    finally:
        shutil.rmtree(os.path.dirname(safe), ignore_errors=True)


def test_root_fallback_warns_once(drv):
    d = drv()
    script(d, "a", ["true"])
    script(d, "b", ["true"])
    d.commit()
    d.wait_status(lambda s: all(x["state"] == "up" for x in s["scripts"]), 3, "up")
    d.send("notify", "-", "true")
    d.expect("notified")
    d.quit()
    if subprocess.run(["getent", "passwd", "keepalived_script"],
                      capture_output=True).returncode != 0:
        assert d.logtext().count("scripts run as root") == 1


# ---- notify ----

def test_notify_args_user_failure_and_timeout(drv, open_dir):
    out = pathlib.Path(open_dir)
    d = drv()
    d.commit()
    d.send("notify", "-", "sh", "-c", 'printf "%%s|" "$@" > %s/args' % out, "n",
           "--", "INSTANCE", "VI 1", "MASTER", "100")
    assert d.expect("notified") == "0"
    d.send("notify", "nobody", "sh", "-c", "id -u > %s/uid" % out)
    assert d.expect("notified") == "0"
    d.send("notify", "-", "sh", "-c", "exit 4")
    assert d.expect("notified") == "0"
    d.send("notify", "-", "/nonexistent/notify.sh")
    assert d.expect("notified") == "0"  # exec fails in the child: exit 127
    st = d.wait_status(lambda s: s["notify"]["running"] == 0, 3, "notify done")
    assert (out / "args").read_text() == "INSTANCE|VI 1|MASTER|100|"
    assert (out / "uid").read_text().strip() == "65534"
    assert st["notify"]["started"] == 4 and st["notify"]["failed"] == 2
    d.send("notify_timeout", 400)
    pid = out / "pid"
    d.send("notify", "-", "sh", "-c", "echo $$ > %s; exec sleep 30" % pid)
    assert d.expect("notified") == "0"
    p = read_pid(str(pid))
    st = d.wait_status(lambda s: s["notify"]["timeouts"] == 1, 3, "notify timeout")
    d.wait_status(lambda s: s["notify"]["running"] == 0, 3, "notify killed")
    assert not alive(p)
    d.send("notify", "no-such-user-hl", "true")
    assert d.expect("notified") == "-1"
    assert d.status()["notify"]["refused"] == 1
    d.quit()
    log = d.logtext()
    assert 'obj="sh" msg="notify exit 4"' in log
    assert 'msg="notify timed out after 400 ms: killing its process group"' in log


def test_stop_leaves_notify_running_kills_scripts(drv, tmp_path):
    spid, npid = tmp_path / "spid", tmp_path / "npid"
    d = drv()
    script(d, "s", ["sh", "-c", "echo $$ > %s; exec sleep 30" % spid], interval=10000,
           timeout=20000)
    d.commit()
    d.send("notify", "-", "sh", "-c", "echo $$ > %s; exec sleep 3" % npid)
    d.expect("notified")
    sp, np_ = read_pid(str(spid)), read_pid(str(npid))
    d.quit()
    assert not alive(sp)      # the script was killed by track_stop
    # the notify command outlived the driver (a notify_stop must be able to finish)
    assert alive(np_)
    os.kill(np_, 9)


# ---- links ----

def nsexec(d, *cmd):
    subprocess.run(["nsenter", "-t", str(d.p.pid), "-n"] + list(cmd), check=True,
                   capture_output=True)


def expect_link_change(d, name, state, timeout=3):
    """The next change callback showing link `name` in `state`."""
    end = time.monotonic() + timeout
    while True:
        line = d.expect("change", max(0.1, end - time.monotonic()))
        st = json.loads(line.split(" ", 1)[1])
        link = next(x for x in st["links"] if x["name"] == name)
        if link["state"] == state:
            return link


def test_links_in_private_netns(drv):
    d = drv(netns=True)
    d.commit()
    assert d.link("lo") == 0            # a new netns: lo exists but is down
    assert d.link("veth0") == 0         # absent, watched from now on
    assert d.link("x" * 16) == 0        # longer than IFNAMSIZ - 1: never up
    nsexec(d, "ip", "link", "set", "lo", "up")
    expect_link_change(d, "lo", "up")
    nsexec(d, "ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
    nsexec(d, "ip", "link", "set", "veth0", "up")     # admin up, no carrier yet
    time.sleep(0.2)
    v = next(x for x in d.status()["links"] if x["name"] == "veth0")
    assert v["present"] and v["state"] == "down" and v["changes"] == 0
    nsexec(d, "ip", "link", "set", "veth1", "up")     # carrier
    assert expect_link_change(d, "veth0", "up")["ifindex"] > 0
    assert d.link("veth0") == 1
    nsexec(d, "ip", "link", "set", "veth1", "down")   # carrier lost
    expect_link_change(d, "veth0", "down")
    nsexec(d, "ip", "link", "set", "veth1", "up")
    expect_link_change(d, "veth0", "up")
    nsexec(d, "ip", "link", "set", "veth0", "down")   # admin down
    expect_link_change(d, "veth0", "down")
    nsexec(d, "ip", "link", "set", "veth0", "up")
    expect_link_change(d, "veth0", "up")
    nsexec(d, "ip", "link", "set", "veth0", "down")
    expect_link_change(d, "veth0", "down")
    # a rename needs the link admin down
    nsexec(d, "ip", "link", "set", "veth0", "name", "vethX")
    time.sleep(0.2)
    v = next(x for x in d.status()["links"] if x["name"] == "veth0")
    assert not v["present"] and v["ifindex"] == 0
    nsexec(d, "ip", "link", "set", "vethX", "up")
    time.sleep(0.2)
    assert d.link("veth0") == 0
    assert d.link("vethX") == 1                       # any name can be asked
    nsexec(d, "ip", "link", "set", "vethX", "down")
    expect_link_change(d, "vethX", "down")
    nsexec(d, "ip", "link", "set", "vethX", "name", "veth0")
    nsexec(d, "ip", "link", "set", "veth0", "up")      # came back under its name
    expect_link_change(d, "veth0", "up")
    nsexec(d, "ip", "link", "del", "veth1")            # removes the pair
    expect_link_change(d, "veth0", "down")             # (goes down, then RTM_DELLINK)
    d.wait_status(lambda s: not next(x for x in s["links"] if x["name"] == "veth0")["present"],
                  3, "veth0 removed")
    nsexec(d, "ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
    nsexec(d, "ip", "link", "set", "veth0", "up")
    nsexec(d, "ip", "link", "set", "veth1", "up")
    expect_link_change(d, "veth0", "up")               # appeared later: tracked
    st = d.status()
    v = next(x for x in st["links"] if x["name"] == "veth0")
    assert v["changes"] == 9
    assert st["netlink_overruns"] == 0
    d.quit()
    log = d.logtext()
    # (a deleted link is first brought down, so "removed" is rarely the reason)
    assert 'obj="veth0" msg="link up -> down: no carrier"' in log
    assert 'obj="veth0" msg="link up -> down: administratively down"' in log


# ---- what a command starts with (the real daemon) ----

# Writes what the command was handed to $1: its uid, its own environment as
# exec'd (/proc/$$/environ), the signals ignored and blocked in a child of it
# (grep's own status: the shell itself blocks every signal while it waits for
# that child), its soft fd limit, stdin, and the fds a child of it inherits
# (`ls -l /proc/self/fd` shows ls's own directory fd besides).
PROBE = r"""#!/bin/sh
out=$1
exec >"$out.tmp" 2>&1
echo "uid $(id -u)"
tr '\0' '\n' </proc/$$/environ | sed 's/^/env /'
grep -E '^(SigIgn|SigBlk):' /proc/self/status
echo "nofile $(ulimit -n)"
echo "stdin $(readlink /proc/$$/fd/0)"
ls -l /proc/self/fd | sed -n 's/.* \([0-9][0-9]*\) -> \(.*\)/fd \1 \2/p'
mv "$out.tmp" "$out"
"""

ENV_CONF = """\
vrrp_script probe {{
    script "{probe} {out}/script"
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
    notify "{probe} {out}/notify"
}}

proxy apiserver {{
    bind 127.0.0.1:16443
    server master1 127.0.0.1:6443
}}
"""

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def read_probe(path, timeout=5):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < end, "the probe did not run: no " + path
        time.sleep(0.05)
    got = {"env": {}, "fd": {}}
    for ln in pathlib.Path(path).read_text().splitlines():
        key, val = (ln.split(None, 1) + [""])[:2]
        if key == "env":
            name, _, v = val.partition("=")
            got["env"][name] = v
        elif key == "fd":
            num, _, target = val.partition(" ")
            got["fd"][int(num)] = target
        else:
            got[key.rstrip(":")] = val.strip()
    return got


def clean_start_problems(got):
    """Everything that differs from a clean start (all of it, not the first)."""
    bad = []
    if got["env"] != {"PATH": CLEAN_PATH}:
        bad.append("environment %s" % got["env"])
    if int(got["SigIgn"], 16):
        bad.append("signals ignored " + got["SigIgn"])
    if int(got["SigBlk"], 16):
        bad.append("signals blocked " + got["SigBlk"])
    if got["nofile"] != "1000":        # the soft limit haplane started with
        bad.append("fd limit " + got["nofile"])
    if got["stdin"] != "/dev/null":
        bad.append("stdin " + got["stdin"])
    fds = {n: t for n, t in got["fd"].items()
           if n > 2 and not re.fullmatch(r"/proc/\d+/fd", t)}   # not ls's own
    if fds or sorted(got["fd"])[:3] != [0, 1, 2]:
        bad.append("fds %s" % got["fd"])
    return bad


def has_keepalived_script():
    return subprocess.run(["getent", "passwd", "keepalived_script"],
                          capture_output=True).returncode == 0


def start_daemon(haplane_bin, tmp_path, text, **popen_kw):
    """haplane run with config text in a network namespace of its own with
    lo up (exec keeps the pid); its log in tmp_path/haplane.log. Returns
    the Popen; stop it with stop_daemon."""
    conf = tmp_path / "haplane.conf"
    conf.write_text(text)
    argv = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", haplane_bin,
            "run", "-f", str(conf), "--control", str(tmp_path / "c.sock"),
            "--log-level", "debug"]
    with open(tmp_path / "haplane.log", "w") as logf:
        return subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, **popen_kw)


def stop_daemon(p, tmp_path):
    """SIGTERM it (by pid) and return its log."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return (tmp_path / "haplane.log").read_text()


def test_commands_get_a_clean_start(haplane_bin, tmp_path):
    """vrrp_scripts and notify commands, started by the daemon (which ignores
    SIGPIPE, raises RLIMIT_NOFILE for the proxy, and here inherits an fd
    without O_CLOEXEC and an environment of its own), get default signal
    dispositions, an empty mask, the fd limit haplane started with, only
    PATH in the environment, stdin from /dev/null and no fd above 2."""
    out = tmp_path / "out"
    out.mkdir()
    probe = make_script(str(tmp_path / "bin"), "probe.sh", PROBE)
    # An fd without O_CLOEXEC: the daemon inherits it from whoever started it
    # (a shell, a supervisor) and, before the fix, handed it on to every
    # command. haplane's own fds are O_CLOEXEC; this is the realistic leak.
    leak_path = tmp_path / "leaked"
    leak = os.open(str(leak_path), os.O_WRONLY | os.O_CREAT, 0o600)
    env = {"PATH": "/usr/bin:/bin", "HAPLANE_TEST_SECRET": "daemon-only", "HOME": "/root",
           "LANG": "C.UTF-8"}
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert hard > 1000, "needs a hard fd limit above 1000"

    def limits():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1000, hard))

    p = start_daemon(haplane_bin, tmp_path, ENV_CONF.format(probe=probe, out=out),
                     env=env, pass_fds=(leak,), preexec_fn=limits)
    os.close(leak)
    try:
        script_got = read_probe(str(out / "script"))
        notify_got = read_probe(str(out / "notify"))
        # the daemon itself did raise its limit and still holds the fd
        with open("/proc/%d/limits" % p.pid) as f:
            soft = next(ln for ln in f if ln.startswith("Max open files")).split()[3]
        assert int(soft) > 1000, soft
        assert os.readlink("/proc/%d/fd/%d" % (p.pid, leak)) == str(leak_path)
    finally:
        log = stop_daemon(p, tmp_path)
    bad = ["script: " + b for b in clean_start_problems(script_got)]
    bad += ["notify: " + b for b in clean_start_problems(notify_got)]
    assert not bad, "not a clean start (leaked fd %d):\n  %s" % (leak, "\n  ".join(bad))
    if not has_keepalived_script():
        # keepalived's rule, documented: no script_user, no keepalived_script: root
        assert script_got["uid"] == "0" and notify_got["uid"] == "0"
        assert log.count("scripts run as root") == 1, log


def test_bare_command_not_looked_up_in_daemon_path(haplane_bin, tmp_path):
    """A bare command name that only the daemon's own PATH would find: `run`
    refuses the config (the check looks where the command would run), it is
    not started behind the check's back."""
    bare = "haplane-bare-probe-%d" % os.getpid()
    make_script(str(tmp_path / "daemon-path"), bare, "exit 0")
    text = ENV_CONF.format(probe=bare, out=tmp_path)
    env = {"PATH": "%s:/usr/bin:/bin" % (tmp_path / "daemon-path")}
    p = start_daemon(haplane_bin, tmp_path, text, env=env)
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    log = stop_daemon(p, tmp_path)
    assert rc == 1, "haplane ran a config whose command is only in its own PATH:\n" + log
    assert "command '%s' is not found in PATH on this host" % bare in log, log


def test_bare_command_resolved_in_clean_path(drv, tmp_path):
    """src/track looks a bare name up in the fixed PATH, not the driver's:
    one found only in the caller's PATH fails to start (an error logged once,
    then counted), one in /usr/bin runs."""
    bare = "haplane-bare-probe-%d" % os.getpid()
    ran = tmp_path / "ran"
    make_script(str(tmp_path / "own-path"), bare, "touch %s" % ran)
    d = drv(env={"PATH": "%s:/usr/bin:/bin" % (tmp_path / "own-path")})
    script(d, "bare", [bare], interval=100)
    script(d, "true", ["true"], interval=100)
    d.commit()
    st = d.wait_status(lambda s: by_name(s, "bare")["spawn_errors"] >= 3, 3, "3 attempts")
    d.quit()
    b = by_name(st, "bare")
    assert b["state"] == "down" and b["runs"] == b["spawn_errors"] == b["failures"]
    assert b["last_result"] is None       # no run was ever started
    assert by_name(st, "true")["state"] == "up"
    assert not ran.exists()
    msg = 'obj="bare" msg="cannot start %s: not found in %s"' % (bare, CLEAN_PATH)
    assert d.logtext().count(msg) == 1, d.logtext()[-3000:]


NOTIFY_ONLY_CONF = """\
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
    notify_fault /bin/true
}

proxy apiserver {
    bind 127.0.0.1:16443
    server master1 127.0.0.1:6443
}
"""


def test_root_default_warned_at_start_without_scripts(haplane_bin, tmp_path):
    """Only a notify_fault, which never runs here: the warning that commands
    would run as root comes at start, not at the first fault."""
    if has_keepalived_script():
        pytest.skip("user keepalived_script exists here: commands would not run as root")
    p = start_daemon(haplane_bin, tmp_path, NOTIFY_ONLY_CONF)
    try:
        end = time.monotonic() + 5
        while "starting" not in (tmp_path / "haplane.log").read_text():
            assert p.poll() is None and time.monotonic() < end, "haplane did not start"
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        log = stop_daemon(p, tmp_path)
    assert "FAULT" not in log.split("SIGTERM")[0], log
    assert log.count("scripts run as root") == 1, log
    # with its own user (or a script_user) it would not: no warning then
    p = start_daemon(haplane_bin, tmp_path,
                     NOTIFY_ONLY_CONF.replace("/bin/true", "/bin/true nobody"))
    time.sleep(1.0)
    log = stop_daemon(p, tmp_path)
    assert "starting" in log and "scripts run as root" not in log, log
