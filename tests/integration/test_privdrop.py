"""Least privilege (issue 14 §4): global_defs `run_as USER`.

Two masters of the lab run haplane with `run_as nobody` and
enable_script_security, a VRRP instance, a proxy, a tracked vrrp_script and
a notify_master command. From the outside the test checks:

- every thread of the daemon is uid/gid nobody with exactly CAP_NET_ADMIN,
  CAP_NET_RAW and CAP_NET_BIND_SERVICE in its permitted, effective and
  bounding sets, nothing inheritable or ambient, and no_new_privs
  (/proc/PID/task/*/status), and its metrics listener, bound on port 611
  after the drop, answers;
- the script and the notify command run as nobody with no capability at
  all (each writes its own /proc/$$/status where the test reads it);
- a failover after the drop: the master sends gratuitous ARPs, removes its
  VIP on SIGTERM, and the backup adds it (rtnetlink, raw sockets);
- a SIGHUP that adds a proxy on port 843 is applied after the drop and
  that listener relays an HTTPS request;
- each refusal, with its FILE:LINE: an unknown run_as user, a script
  writable by others, a script in a directory writable by others, a
  script_user other than run_as, run_as root, and reloads that would add
  an unsafe script or change run_as (rejected, the old generation runs);
- systemd's notify protocol from the dropped process (READY, RELOADING,
  STOPPING), a reload read as nobody, and one nobody cannot read (rejected).

nobody (uid 65534) is Debian's; the test skips without it. Scripts live in
a root-owned directory under /tmp (removed at the end).
"""

import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import time

import pytest

from hlab import VIP, VIP6, ipv4, wait_for

LAB_OPTIONS = {"etcd": False}
KEEP = 0x3400  # CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13)
PRIO = {"master1": 100, "master2": 90}

try:
    NOBODY = pwd.getpwnam("nobody")
    # run_as USER GROUP with a group other than nobody's primary one
    GROUP = grp.getgrnam("daemon")
except KeyError:
    NOBODY = GROUP = None

pytestmark = pytest.mark.skipif(NOBODY is None, reason="no user nobody or group daemon here")

CONF = """\
global_defs {{
    router_id {host}
    run_as nobody daemon
    enable_script_security
    metrics_listen {addr}:611
}}

vrrp_script probe {{
    script "{probe} {out}/{host}-script"
    interval 300ms
    user nobody
}}

vrrp_instance apiserver {{
    interface eth0
    virtual_router_id 73
    priority {prio}
    advert_int 0.1
    version 3
    virtual_ipaddress {{ {vip}/24 }}
    track_script {{
        probe
    }}
    notify_master "{probe} {out}/{host}-notify"
}}

vrrp_instance apiserver6 {{
    interface eth0
    virtual_router_id 74
    priority {prio}
    advert_int 0.1
    version 3
    virtual_ipaddress {{ {vip6}/64 }}
}}

proxy apiserver {{
    bind *:16443
    server master1 {m1}:6443
    server master2 {m2}:6443
}}
{extra}"""

LOW = """
proxy low {{
    bind *:843
    server master1 {m1}:6443
    server master2 {m2}:6443
}}
"""

PROBE = """#!/bin/sh
# what this command runs with, for the test
grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/$$/status \\
    > "$1.tmp" && mv "$1.tmp" "$1"
"""


@pytest.fixture(scope="module")
def scripts():
    """/tmp/haplane-pd-PID/ (root, 0755) with probe.sh (root, 0755), and out/
    (1777) where the commands, running as nobody, write."""
    d = "/tmp/haplane-pd-%d" % os.getpid()
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "out"))
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "out"), 0o1777)
    probe = os.path.join(d, "probe.sh")
    with open(probe, "w") as f:
        f.write(PROBE)
    os.chmod(probe, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def conf_text(host, scripts, extra=""):
    return CONF.format(host=host, addr=ipv4(host), prio=PRIO[host], vip=VIP, vip6=VIP6, probe=os.path.join(scripts, "probe.sh"),
                       out=os.path.join(scripts, "out"), m1=ipv4("master1"), m2=ipv4("master2"),
                       extra=extra)


def paths(lab, host):
    d = lab.host_dir(host)
    return os.path.join(d, "pd.conf"), os.path.join(d, "pd.sock")


def start(lab, binary, host, scripts):
    conf, sock = paths(lab, host)
    with open(conf, "w") as f:
        f.write(conf_text(host, scripts))
    os.chmod(conf, 0o644)  # read again as nobody on SIGHUP
    lab.popen(host, "haplane", [binary, "run", "-f", conf, "--control", sock])


def status(lab, binary, host):
    _, sock = paths(lab, host)
    cp = lab.run(host, [binary, "status", "--json", "--control", sock])
    return json.loads(cp.stdout)


def inst(st, name="apiserver"):
    return next(i for i in st["vrrp"]["instances"] if i["name"] == name)


def proc_status(path):
    """{key: value} of a /proc/.../status file."""
    out = {}
    with open(path) as f:
        for ln in f:
            k, _, v = ln.partition(":")
            out[k] = v.strip()
    return out


def probe_out(scripts, name):
    return proc_status(os.path.join(scripts, "out", name))


@pytest.fixture(scope="module")
def masters(lab, haplane_bin, scripts):
    for h in PRIO:
        start(lab, haplane_bin, h, scripts)
    for h in PRIO:
        wait_for(lambda h=h: os.path.exists(paths(lab, h)[1]) and
                 inst(status(lab, haplane_bin, h))["state"] in ("MASTER", "BACKUP"),
                 10, 0.1, what="%s to run" % h)
    wait_for(lambda: VIP in lab.addresses("master1", 4), 10, 0.05, what="master1 to hold the VIP")
    wait_for(lambda: VIP6 in lab.addresses("master1", 6), 10, 0.05,
             what="master1 to hold the IPv6 VIP")
    yield
    for h in PRIO:
        if lab.is_running(h, "haplane"):
            lab.stop(h, "haplane")


def test_every_thread_is_nobody_with_three_capabilities(lab, haplane_bin, masters):
    for h in PRIO:
        pid = lab.pid(h, "haplane")
        tasks = os.listdir("/proc/%d/task" % pid)
        assert len(tasks) >= 2, "the proxy's workers are threads: %s" % tasks
        for t in tasks:
            s = proc_status("/proc/%d/task/%s/status" % (pid, t))
            uid, gid = NOBODY.pw_uid, GROUP.gr_gid
            assert s["Uid"].split() == [str(uid)] * 4, (h, t, s["Uid"])
            assert s["Gid"].split() == [str(gid)] * 4, (h, t, s["Gid"])
            assert s["Groups"].split() == [str(gid)], (h, t, s["Groups"])
            for k in ("CapPrm", "CapEff", "CapBnd"):
                assert int(s[k], 16) == KEEP, (h, t, k, s[k])
            for k in ("CapInh", "CapAmb"):
                assert int(s[k], 16) == 0, (h, t, k, s[k])
            assert s["NoNewPrivs"] == "1", (h, t)
        st = status(lab, haplane_bin, h)
        assert st["run_as"] == {"user": "nobody", "uid": NOBODY.pw_uid, "group": "daemon",
                                "gid": GROUP.gr_gid,
                                "capabilities": ["CAP_NET_ADMIN", "CAP_NET_RAW",
                                                 "CAP_NET_BIND_SERVICE"]}
        log = lab.read_log(h, "haplane")
        assert "dropped privileges: running as user nobody (uid %d)" % NOBODY.pw_uid in log
        # the text status says it too
        _, sock = paths(lab, h)
        text = lab.run(h, [haplane_bin, "status", "--control", sock]).stdout
        assert "privileges user nobody (uid %d)" % NOBODY.pw_uid in text
        # the metrics listener, bound on port 611 after the drop, answers
        r = lab.curl("node1", "http://%s:611/healthz" % ipv4(h))
        assert r.status == 200, r
        r = lab.curl("node1", "http://%s:611/metrics" % ipv4(h))
        assert r.status == 200 and "haplane_vrrp_state{" in r.body, r


def test_commands_run_as_nobody_without_capabilities(lab, haplane_bin, masters, scripts):
    wait_for(lambda: all(os.path.exists(os.path.join(scripts, "out", n))
                         for n in ("master1-script", "master2-script", "master1-notify")),
             10, 0.1, what="the probe script and master1's notify_master to run")
    for name in ("master1-script", "master2-script", "master1-notify"):
        s = probe_out(scripts, name)
        assert s["Uid"].split() == [str(NOBODY.pw_uid)] * 4, (name, s)
        # `user nobody` (the script) and no user (notify): run_as's group, like the daemon
        assert s["Gid"].split() == [str(GROUP.gr_gid)] * 4, (name, s)
        for k in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            assert int(s[k], 16) == 0, (name, k, s[k])
        assert int(s["CapBnd"], 16) == KEEP, (name, s["CapBnd"])
        assert s["NoNewPrivs"] == "1", name
    sc = status(lab, haplane_bin, "master1")
    assert inst(sc)["state"] == "MASTER"


def test_reload_adds_a_listener_on_port_843(lab, haplane_bin, masters, scripts):
    conf, _ = paths(lab, "master1")
    gen = status(lab, haplane_bin, "master1")["config"]["generation"]
    with open(conf, "w") as f:
        f.write(conf_text("master1", scripts,
                          LOW.format(m1=ipv4("master1"), m2=ipv4("master2"))))
    lab.kill("master1", "haplane", signal.SIGHUP)
    wait_for(lambda: status(lab, haplane_bin, "master1")["config"]["generation"] == gen + 1,
             10, 0.1, what="the reload to be applied")
    st = status(lab, haplane_bin, "master1")
    assert st["config"]["last_reload_error"] is None
    assert "low" in st["proxies"]
    wait_for(lambda: status(lab, haplane_bin, "master1")["proxies"]["low"]["healthy"], 10, 0.1,
             what="proxy low to have a server")
    # the new listener, bound by nobody with CAP_NET_BIND_SERVICE, relays a request
    r = lab.curl("node1", "https://%s:843/readyz" % ipv4("master1"), args=("-k",))
    assert r.status == 200, r
    # still the dropped process: no capability came back with the reload
    s = proc_status("/proc/%d/status" % lab.pid("master1", "haplane"))
    assert int(s["CapEff"], 16) == KEEP and s["Uid"].split()[0] == str(NOBODY.pw_uid)


def test_reload_refusals_keep_the_running_generation(lab, haplane_bin, masters, scripts):
    conf, _ = paths(lab, "master1")
    before = status(lab, haplane_bin, "master1")
    good = open(conf).read()
    bad_dir = os.path.join(scripts, "open")
    os.makedirs(bad_dir, exist_ok=True)
    os.chmod(bad_dir, 0o777)
    bad = os.path.join(bad_dir, "probe.sh")
    shutil.copy(os.path.join(scripts, "probe.sh"), bad)
    os.chmod(bad, 0o755)
    cases = [
        (good.replace(os.path.join(scripts, "probe.sh") + " " +
                      os.path.join(scripts, "out", "master1-script"), bad + " /dev/null"),
         "enable_script_security: refusing '%s': %s is writable by others" % (bad, bad_dir)),
        (good.replace("run_as nobody daemon", "run_as nobody"),  # another group
         "run_as cannot change on a reload (haplane runs as nobody:daemon since its start"),
    ]
    try:
        for i, (text, want) in enumerate(cases):
            with open(conf, "w") as f:
                f.write(text)
            lab.kill("master1", "haplane", signal.SIGHUP)
            wait_for(lambda: status(lab, haplane_bin, "master1")["config"]["reloads_rejected"]
                     == before["config"]["reloads_rejected"] + i + 1, 10, 0.1,
                     what="reload %d to be rejected" % i)
            st = status(lab, haplane_bin, "master1")
            assert want in st["config"]["last_reload_error"], st["config"]
            assert st["config"]["generation"] == before["config"]["generation"]
        # the unsafe script case names the script's line
        line = 1 + good[:good.index('    script "')].count("\n")
        assert "pd.conf:%d:12: error: enable_script_security: refusing" % line \
            in lab.read_log("master1", "haplane")
    finally:
        with open(conf, "w") as f:
            f.write(good)


def test_failover_after_the_drop(lab, haplane_bin, masters):
    """IPv4 (gratuitous ARP, packet socket) and IPv6 (unsolicited NA, raw ICMPv6)."""
    for name in ("apiserver", "apiserver6"):
        m1 = inst(status(lab, haplane_bin, "master1"), name)
        assert m1["state"] == "MASTER" and m1["counters"]["garps_sent"] > 0, m1
        assert inst(status(lab, haplane_bin, "master2"), name)["state"] == "BACKUP"
    lab.stop("master1", "haplane")  # SIGTERM: priority 0, VIPs removed
    assert VIP not in lab.addresses("master1", 4), "master1 (nobody) removed its VIP"
    assert VIP6 not in lab.addresses("master1", 6), "master1 (nobody) removed its IPv6 VIP"
    wait_for(lambda: VIP in lab.addresses("master2", 4), 5, 0.02, what="master2 to add the VIP")
    wait_for(lambda: VIP6 in lab.addresses("master2", 6), 5, 0.02,
             what="master2 to add the IPv6 VIP")
    for name in ("apiserver", "apiserver6"):
        m2 = inst(status(lab, haplane_bin, "master2"), name)
        assert m2["state"] == "MASTER" and m2["vips_held"], m2
        wait_for(lambda: inst(status(lab, haplane_bin, "master2"), name)["counters"]["garps_sent"]
                 > 0, 5, 0.05, what="master2's gratuitous ARPs / NAs for %s" % name)
        assert inst(status(lab, haplane_bin, "master2"), name)["counters"]["vip_errors"] == 0
    log = lab.read_log("master1", "haplane")
    assert "stopped" in log and "error" not in log.split("SIGTERM")[-1].lower()


# ---- refusals at start, with FILE:LINE ----

def run_refused(lab, binary, tmp_path, text, host="master2"):
    """Start haplane on text in host; it must exit 1. Returns its output."""
    conf = tmp_path / "r.conf"
    conf.write_text(text)
    cp = lab.run(host, [binary, "run", "-f", str(conf), "--control", str(tmp_path / "r.sock")],
                 check=False, timeout=15)
    assert cp.returncode == 1, (cp.returncode, cp.stdout, cp.stderr)
    return str(conf), cp.stdout + cp.stderr


SCRIPT_CONF = """\
global_defs {{
    run_as {user}
    enable_script_security
}}

vrrp_script chk {{
    script "{script}"
}}

proxy p {{
    bind 127.0.0.1:16999
    server a 127.0.0.1:1
}}
"""


def test_refusals_at_start(lab, haplane_bin, scripts, tmp_path):
    probe = os.path.join(scripts, "probe.sh")
    # an unknown user
    conf, out = run_refused(lab, haplane_bin, tmp_path,
                            SCRIPT_CONF.format(user="no-such-user-hl", script=probe))
    assert "%s:2:12: error: user 'no-such-user-hl' does not exist on this host" % conf in out
    # a script writable by others
    w = os.path.join(scripts, "writable.sh")
    shutil.copy(probe, w)
    os.chmod(w, 0o757)
    conf, out = run_refused(lab, haplane_bin, tmp_path,
                            SCRIPT_CONF.format(user="nobody", script=w))
    assert ("%s:7:12: error: enable_script_security: refusing '%s': %s is writable by others"
            % (conf, w, w)) in out
    # a script owned by a non-root user (the run_as user itself could rewrite it)
    os.chmod(w, 0o755)
    os.chown(w, NOBODY.pw_uid, NOBODY.pw_gid)
    conf, out = run_refused(lab, haplane_bin, tmp_path,
                            SCRIPT_CONF.format(user="nobody", script=w))
    assert "refusing '%s': %s is owned by a non-root user" % (w, w) in out
    # a script in a directory writable by others (no sticky bit)
    d = os.path.join(scripts, "opendir")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o777)
    s = os.path.join(d, "probe.sh")
    shutil.copy(probe, s)
    os.chmod(s, 0o755)
    conf, out = run_refused(lab, haplane_bin, tmp_path,
                            SCRIPT_CONF.format(user="nobody", script=s))
    assert ("%s:7:12: error: enable_script_security: refusing '%s': %s is writable by others"
            % (conf, s, d)) in out
    # the same safe script starts (the refusals above are the files', not the config's)
    conf = tmp_path / "ok.conf"
    conf.write_text(SCRIPT_CONF.format(user="nobody", script=probe))
    assert subprocess.run([haplane_bin, "check", "-f", str(conf)], capture_output=True,
                          text=True).returncode == 0
    # a command user other than run_as, and run_as root: validation errors (check too)
    text = SCRIPT_CONF.format(user="nobody", script=probe).replace(
        "    enable_script_security\n", "    enable_script_security\n    script_user daemon\n")
    conf, out = run_refused(lab, haplane_bin, tmp_path, text)
    assert ("%s:4:17: error: script_user runs as user 'daemon', but haplane runs as run_as "
            "'nobody' and cannot switch users" % conf) in out
    cp = subprocess.run([haplane_bin, "check", "-f", conf], capture_output=True, text=True)
    assert cp.returncode == 1 and "cannot switch users" in cp.stdout + cp.stderr
    conf, out = run_refused(lab, haplane_bin, tmp_path,
                            SCRIPT_CONF.format(user="root", script=probe))
    assert "%s:2:12: error: run_as root: there is nothing to drop to" % conf in out


def test_without_run_as_says_it_runs_as_root(haplane_bin, tmp_path):
    conf = tmp_path / "root.conf"
    conf.write_text("global_defs {\n    router_id pdroot\n}\n")
    sock = tmp_path / "root.sock"
    p = subprocess.Popen([haplane_bin, "run", "-f", str(conf), "--control", str(sock)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: subprocess.run([haplane_bin, "status", "--control", str(sock)],
                                        capture_output=True).returncode == 0, 10, 0.05,
                 what="the daemon to answer")
        st = json.loads(subprocess.run([haplane_bin, "status", "--json", "--control", str(sock)],
                                       capture_output=True, text=True, check=True).stdout)
        assert st["run_as"] is None
        s = proc_status("/proc/%d/status" % p.pid)
        assert s["Uid"].split()[0] == "0"
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=10)
    assert ("running as root with the capabilities it was started with; global_defs `run_as "
            "USER` drops to USER keeping only CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE"
            in out), out


def test_systemd_notify_after_the_drop(haplane_bin, tmp_path):
    """READY=1 (sent once VRRP and the listeners are up, after the drop), then
    RELOADING=1 and READY=1 around a SIGHUP, and STOPPING=1, all from the dropped
    process to a notify socket that is world-writable, as systemd's is. The
    reloads read the file as nobody: a file nobody cannot read is rejected."""
    import socket
    # pytest's tmp_path sits under a 0700 directory nobody cannot traverse
    d = "/tmp/haplane-pdn-%d" % os.getpid()
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(d, 0o755)
    path = os.path.join(d, "notify")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.settimeout(10)
    conf = os.path.join(d, "n.conf")
    with open(conf, "w") as f:
        f.write("global_defs {\n    run_as nobody\n}\n")
    os.chmod(conf, 0o644)
    sock = tmp_path / "n.sock"
    env = dict(os.environ, NOTIFY_SOCKET=path)
    p = subprocess.Popen([haplane_bin, "run", "-f", conf, "--control", str(sock)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    got = []

    def config():
        return json.loads(subprocess.run([haplane_bin, "status", "--json", "--control",
                                          str(sock)], capture_output=True, text=True,
                                         check=True).stdout)["config"]

    def until(word):
        while True:
            msg = srv.recv(4096).decode()
            got.append(msg)
            if word in msg.split("\n"):
                return

    try:
        until("READY=1")
        assert proc_status("/proc/%d/status" % p.pid)["Uid"].split()[0] == str(NOBODY.pw_uid)
        p.send_signal(signal.SIGHUP)
        until("RELOADING=1")
        until("READY=1")
        assert config()["generation"] == 2  # read again by nobody
        # a file nobody cannot read: the reload is rejected, and says why
        os.chmod(conf, 0o600)
        p.send_signal(signal.SIGHUP)
        until("RELOADING=1")
        until("READY=1")
        c = config()
        assert c["generation"] == 2 and c["reloads_rejected"] == 1, c
        assert "Permission denied" in c["last_reload_error"] and conf in c["last_reload_error"], c
        p.send_signal(signal.SIGTERM)
        until("STOPPING=1")
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=10)
        srv.close()
        shutil.rmtree(d, ignore_errors=True)
    assert "cannot notify" not in out, out
    assert "dropped privileges" in out
