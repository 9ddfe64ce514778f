"""`haplane manifest` (issue 14 §5): a static-pod manifest for
/etc/kubernetes/manifests, made from a configuration.

The output is read with a real YAML parser (PyYAML, Debian's python3-yaml)
and every field a kubelet acts on is checked: the kind, host network, the
priority class, the container's command and args, its capabilities exactly,
each hostPath volume matching a mount at the same path, the readOnly flags,
the probes and the resources. Generated from a native file that uses every
feature the manifest derives something from, from the seed-style
keepalived.conf + haproxy.cfg fixtures, and from broken inputs (the same
errors as `haplane check`, exit 1).

No cluster is needed (kubectl can only validate against an API server), and
nothing on this machine is changed.
"""

import os
import re
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPAT = os.path.join(ROOT, "tests", "fixtures", "compat")
VERSION = open(os.path.join(ROOT, "VERSION")).read().strip()
BIN = "/usr/sbin/haplane"
CONTROL = "/run/haplane/control.sock"
STATUS = [BIN, "status", "--control", CONTROL]
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# A control-plane node's file with everything the manifest derives from:
# VRRP (NET_ADMIN, NET_RAW), a bind on port 443 (NET_BIND_SERVICE), a
# tracked script and a notify command with users (SETUID, SETGID, KILL and
# the host's /etc/passwd), an HTTPS check with ca/cert/key, an include,
# and a 40 s drain (the grace period follows).
FULL = """
global_defs {
    router_id master1
    script_user nobody
}
include conf.d/extra.conf
vrrp_script chk_apiserver {
    script "/etc/haplane/check-apiserver.sh --quick"
    interval 2
    user nobody
}
vrrp_instance apiserver {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 0.1
    version 3
    virtual_ipaddress { 192.168.200.154/24 }
    track_script { chk_apiserver }
    track_proxy apiserver weight -50
    notify_master "/usr/local/libexec/vip-up.sh" haplane-notify
    notify "/usr/bin/logger -t haplane /var/log/extra"
}
proxy apiserver {
    bind *:443
    bind *:16443
    timeout drain 40s
    check https GET /readyz ca /etc/kubernetes/pki/ca.crt cert /etc/kubernetes/pki/apiserver-kubelet-client.crt key /etc/kubernetes/pki/apiserver-kubelet-client.key
    server master1 192.168.200.151:6443
    server master2 192.168.200.152:6443
}
"""
EXTRA = """
proxy other {
    bind 127.0.0.1:26443
    check https GET /readyz ca /etc/kubernetes/pki/ca.crt
    server master1 192.168.200.151:6443
}
"""


def manifest(haplane_bin, *args, cwd=None, env=None):
    return subprocess.run([haplane_bin, "manifest"] + list(args), capture_output=True, text=True,
                          errors="replace", cwd=cwd, env=env, timeout=30)


def pod_of(cp):
    assert cp.returncode == 0, cp.stderr
    assert "error:" not in cp.stderr, cp.stderr
    pod = yaml.safe_load(cp.stdout)
    assert isinstance(pod, dict), cp.stdout
    return pod


def container(pod):
    cs = pod["spec"]["containers"]
    assert len(cs) == 1
    return cs[0]


def mounts_by_path(pod):
    """{mountPath: (mount, volume)}, after checking that names and paths are
    unique, every name is a DNS-1123 label and every mount has its volume."""
    c = container(pod)
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert len(vols) == len(pod["spec"]["volumes"]), "duplicate volume names"
    names = [m["name"] for m in c["volumeMounts"]]
    paths = [m["mountPath"] for m in c["volumeMounts"]]
    assert len(set(names)) == len(names) and len(set(paths)) == len(paths)
    assert sorted(names) == sorted(vols), "a volume without a mount or a mount without a volume"
    for n in names:
        assert DNS1123.match(n) and len(n) <= 63, n
    for p in paths:
        assert p.startswith("/") and ".." not in p.split("/"), p
    return {m["mountPath"]: (m, vols[m["name"]]) for m in c["volumeMounts"]}


def host_files(pod):
    """The read-only host files: each one a hostPath of type File at the
    path where it is mounted."""
    out = set()
    for path, (m, v) in mounts_by_path(pod).items():
        if "hostPath" in v and v["hostPath"]["type"] == "File":
            assert v["hostPath"]["path"] == path, (m, v)
            assert m.get("readOnly") is True, m
            out.add(path)
    return out


def check_fixed_fields(pod):
    """What every manifest has, whatever the configuration."""
    assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod"
    md = pod["metadata"]
    assert md["name"] == "haplane" and md["namespace"] == "kube-system"
    assert md["labels"]["component"] == "haplane"
    spec = pod["spec"]
    assert spec["hostNetwork"] is True
    assert spec["dnsPolicy"] == "Default"
    assert spec["priorityClassName"] == "system-node-critical"
    assert spec["priority"] == 2000001000
    c = container(pod)
    assert c["name"] == "haplane"
    assert c["command"] == [BIN]
    assert c["args"][0] == "run" and c["args"][-2:] == ["--control", CONTROL]
    sc = c["securityContext"]
    assert sc["runAsUser"] == 0
    assert sc["privileged"] is False
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert c["startupProbe"]["exec"]["command"] == STATUS, c["startupProbe"]
    for name in ("startupProbe", "livenessProbe"):
        p = c[name]
        assert all(isinstance(p[k], int) and p[k] > 0
                   for k in ("periodSeconds", "timeoutSeconds", "failureThreshold")), p
    live = c["livenessProbe"]
    # exactly one handler: httpGet on metrics_listen's /healthz, else exec `status`
    assert len({"exec", "httpGet", "tcpSocket", "grpc"} & set(live)) == 1, live
    if "httpGet" in live:
        assert live["httpGet"]["path"] == "/healthz", live
        assert live["httpGet"]["scheme"] == "HTTP", live
        assert isinstance(live["httpGet"]["port"], int) and 0 < live["httpGet"]["port"] < 65536
    else:
        assert live["exec"]["command"] == STATUS, live
    assert live["periodSeconds"] * live["failureThreshold"] <= 30
    res = c["resources"]
    assert res["requests"] == {"cpu": "100m", "memory": "64Mi"}
    assert res["limits"] == {"memory": "512Mi"}, "a CPU limit would throttle the VRRP timers"
    run = mounts_by_path(pod)["/run/haplane"]
    assert run[1]["hostPath"] == {"path": "/run/haplane", "type": "DirectoryOrCreate"}
    assert not run[0].get("readOnly"), "the control socket is created there"


def write_full(tmp_path):
    d = tmp_path / "etc-haplane"
    (d / "conf.d").mkdir(parents=True)
    (d / "haplane.conf").write_text(FULL)
    (d / "conf.d" / "extra.conf").write_text(EXTRA)
    return d


def test_native_every_feature(haplane_bin, tmp_path):
    d = write_full(tmp_path)
    cp = manifest(haplane_bin, "-f", str(d / "haplane.conf"))
    pod = pod_of(cp)
    check_fixed_fields(pod)
    c = container(pod)
    assert c["image"] == "haplane:" + VERSION
    assert c["args"] == ["run", "-f", "/etc/haplane/haplane.conf", "--control", CONTROL]
    assert c["securityContext"]["capabilities"]["add"] == [
        "NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID", "KILL"]
    assert host_files(pod) == {
        "/etc/haplane/haplane.conf",
        "/etc/haplane/conf.d/extra.conf",  # the include, beside the file on the node
        "/etc/kubernetes/pki/ca.crt",  # once, though two proxies name it
        "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "/etc/haplane/check-apiserver.sh",
        "/usr/local/libexec/vip-up.sh",
        "/etc/passwd", "/etc/group",  # users nobody and haplane-notify
    }
    # /usr/bin/logger comes from the image: not mounted, but listed
    assert "\n  # vrrp_instance apiserver notify: /usr/bin/logger\n" in cp.stdout
    tmp = mounts_by_path(pod)["/tmp"][1]
    assert tmp["emptyDir"]["medium"] == "Memory"
    assert pod["spec"]["terminationGracePeriodSeconds"] == 50  # drain 40 s + 10
    # the file is not at /etc/haplane here, and an argument is not mounted: said
    assert "the pod reads /etc/haplane/haplane.conf on the node" in cp.stderr
    assert "argument /var/log/extra is not mounted" in cp.stderr
    # comments say why each capability is there
    assert "# proxy apiserver binds port 443" in cp.stdout
    assert "# notify_master of vrrp_instance apiserver runs as user haplane-notify" in cp.stdout


def test_liveness_without_metrics_listen_execs_status(haplane_bin, tmp_path):
    d = write_full(tmp_path)
    cp = manifest(haplane_bin, "-f", str(d / "haplane.conf"))
    live = container(pod_of(cp))["livenessProbe"]
    assert live["exec"]["command"] == STATUS and "httpGet" not in live
    assert "# no metrics_listen in the configuration, so no /healthz to ask" in cp.stdout


@pytest.mark.parametrize("listen,host", [
    ("127.0.0.1:9100", "127.0.0.1"),
    ("[::1]:9100", "::1"),
    ("198.18.0.11:10299", "198.18.0.11"),
    ("0.0.0.0:9100", None),  # wildcard: the kubelet asks the pod IP (the node's)
])
def test_liveness_on_healthz_with_metrics_listen(haplane_bin, tmp_path, listen, host):
    conf = tmp_path / "m.conf"
    conf.write_text("global_defs {\n    metrics_listen %s\n}\n"
                    "proxy api {\n    bind 127.0.0.1:16443\n"
                    "    server m1 192.168.200.151:6443\n}\n" % listen)
    cp = manifest(haplane_bin, "-f", str(conf))
    pod = pod_of(cp)
    check_fixed_fields(pod)
    live = container(pod)["livenessProbe"]
    want = {"path": "/healthz", "port": int(listen.rsplit(":", 1)[1]), "scheme": "HTTP"}
    if host:
        want["host"] = host
    assert live["httpGet"] == want, live
    assert "exec" not in live
    # the startup probe still waits for the control socket
    assert container(pod)["startupProbe"]["exec"]["command"] == STATUS


def test_run_as_capabilities(haplane_bin, tmp_path):
    """run_as: the drop's own capabilities, none for the commands' users (they run as
    the run_as user), and the host's user database."""
    conf = tmp_path / "ra.conf"
    conf.write_text("""global_defs {
    run_as nobody
    realtime on
}
vrrp_script chk {
    script "/etc/haplane/check.sh"
}
vrrp_instance apiserver {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress { 192.168.200.154/24 }
    track_script { chk }
    notify_master "/usr/local/libexec/vip-up.sh"
}
""")
    cp = manifest(haplane_bin, "-f", str(conf))
    pod = pod_of(cp)
    check_fixed_fields(pod)
    assert container(pod)["securityContext"]["capabilities"]["add"] == [
        "NET_ADMIN", "NET_RAW", "SETUID", "SETGID", "SETPCAP", "SYS_RESOURCE"]
    assert "# global_defs run_as nobody: dropping from root to nobody at start" in cp.stdout
    assert {"/etc/passwd", "/etc/group"} <= host_files(pod)


def test_image_and_config_path(haplane_bin, tmp_path):
    d = write_full(tmp_path)
    cp = manifest(haplane_bin, "-f", "haplane.conf", "--image", "registry.local/haplane@sha256:"
                  + "ab" * 32, "--config-path", "/srv//haplane/./main.conf", cwd=str(d))
    pod = pod_of(cp)
    c = container(pod)
    assert c["image"] == "registry.local/haplane@sha256:" + "ab" * 32
    assert c["args"][:3] == ["run", "-f", "/srv/haplane/main.conf"]
    files = host_files(pod)
    assert "/srv/haplane/main.conf" in files and "/srv/haplane/conf.d/extra.conf" in files
    assert "/etc/haplane/haplane.conf" not in files
    assert "put %s there" % (d / "haplane.conf") in cp.stderr


def test_config_at_its_node_path_gives_no_warning(haplane_bin, tmp_path):
    d = write_full(tmp_path)
    cp = manifest(haplane_bin, "-f", str(d / "haplane.conf"), "--config-path",
                  str(d / "haplane.conf"))
    pod_of(cp)
    assert "the pod reads" not in cp.stderr


def test_proxy_only_needs_no_capability(haplane_bin, tmp_path):
    conf = tmp_path / "worker.conf"
    conf.write_text("proxy api {\n    bind 127.0.0.1:16443\n"
                    "    server m1 192.168.200.151:6443\n}\n")
    cp = manifest(haplane_bin, "-f", str(conf))
    pod = pod_of(cp)
    check_fixed_fields(pod)
    assert container(pod)["securityContext"]["capabilities"]["add"] == []
    assert host_files(pod) == {"/etc/haplane/haplane.conf"}
    assert set(mounts_by_path(pod)) == {"/etc/haplane/haplane.conf", "/run/haplane"}
    assert pod["spec"]["terminationGracePeriodSeconds"] == 30


def test_kubeadm_guide_files(haplane_bin):
    """The kubeadm HA guide's keepalived.conf (a check script in
    /etc/keepalived) and haproxy.cfg (port 8443): the pod runs from them."""
    ka = os.path.join(COMPAT, "kubeadm", "keepalived.conf")
    hap = os.path.join(COMPAT, "kubeadm", "haproxy.cfg")
    pod = pod_of(manifest(haplane_bin, "--keepalived", ka, "--haproxy", hap))
    check_fixed_fields(pod)
    c = container(pod)
    assert c["args"] == ["run", "--keepalived", ka, "--haproxy", hap, "--control", CONTROL]
    # the script runs as root (no script_user): no SETUID, no passwd
    assert c["securityContext"]["capabilities"]["add"] == ["NET_ADMIN", "NET_RAW"]
    assert host_files(pod) == {ka, hap, "/etc/keepalived/check_apiserver.sh"}


def test_lab_files_with_config_id(haplane_bin, tmp_path):
    """The seed's keepalived.conf (`killall -0 haproxy` becomes track_proxy)
    and the lab's haproxy.cfg, whose CA path comes from the environment."""
    ka = os.path.join(COMPAT, "lab", "keepalived.conf")
    hap = os.path.join(COMPAT, "lab", "haproxy.cfg")
    env = dict(os.environ, LAB_CA="/etc/kubernetes/pki/ca.crt")
    pod = pod_of(manifest(haplane_bin, "--keepalived", ka, "--haproxy", hap, "--config-id",
                          "master2", env=env))
    check_fixed_fields(pod)
    c = container(pod)
    assert c["args"] == ["run", "--keepalived", ka, "--haproxy", hap, "--config-id", "master2",
                         "--control", CONTROL]
    # script_user root: no user to switch to
    assert c["securityContext"]["capabilities"]["add"] == ["NET_ADMIN", "NET_RAW"]
    assert host_files(pod) == {ka, hap, "/etc/kubernetes/pki/ca.crt"}


def test_strings_survive_yaml(haplane_bin, tmp_path):
    """A CA path with a quote, a backslash, a tab, a newline and non-ASCII
    letters reads back from the YAML exactly as the file names it."""
    weird = '/etc/pki/ça "q" back\\slash\ttab\nline 日本.crt'
    esc = weird.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    conf = tmp_path / "w.conf"
    conf.write_text('proxy api {\n bind 127.0.0.1:16443\n check https GET /readyz ca "%s"\n'
                    ' server m1 192.168.200.151:6443\n}\n' % esc, encoding="utf-8")
    pod = pod_of(manifest(haplane_bin, "-f", str(conf)))
    assert weird in host_files(pod)


def test_invalid_utf8_is_refused(haplane_bin, tmp_path):
    conf = tmp_path / "bad-utf8.conf"
    conf.write_bytes(b'proxy api {\n bind 127.0.0.1:16443\n check https GET /readyz'
                     b' ca "/etc/pki/\xff.crt"\n server m1 192.168.200.151:6443\n}\n')
    cp = manifest(haplane_bin, "-f", str(conf))
    assert cp.returncode == 1 and cp.stdout == ""
    assert "not valid UTF-8" in cp.stderr, cp.stderr


def test_bad_config_gives_the_check_error(haplane_bin, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("vrrp_instance vi {\n    interface eth0\n    virtual_router_id 300\n"
                    "    virtual_ipaddress { 192.168.200.154 }\n}\n")
    cp = manifest(haplane_bin, "-f", str(conf))
    check = subprocess.run([haplane_bin, "check", "-f", str(conf)], capture_output=True,
                           text=True)
    assert cp.returncode == 1 and check.returncode == 1
    assert cp.stdout == ""
    assert "%s:3:" % conf in cp.stderr and "error:" in cp.stderr
    assert cp.stderr == check.stderr


def test_paths_the_pod_cannot_mount(haplane_bin, tmp_path):
    conf = tmp_path / "rel.conf"
    conf.write_text("proxy api {\n bind 127.0.0.1:16443\n check https GET /readyz ca pki/ca.crt\n"
                    " server m1 192.168.200.151:6443\n}\n")
    cp = manifest(haplane_bin, "-f", str(conf))
    assert cp.returncode == 1 and cp.stdout == ""
    assert "check ca 'pki/ca.crt' is not an absolute path" in cp.stderr, cp.stderr

    conf.write_text('vrrp_script s {\n script "./check.sh"\n}\nvrrp_instance vi {\n'
                    ' interface eth0\n virtual_router_id 5\n virtual_ipaddress { 192.0.2.1 }\n'
                    ' track_script { s }\n}\n')
    cp = manifest(haplane_bin, "-f", str(conf))
    assert cp.returncode == 1 and cp.stdout == ""
    assert "command './check.sh' is a relative path" in cp.stderr, cp.stderr


@pytest.mark.parametrize("args,message", [
    ([], "a config file is required"),
    (["-f", "a.conf", "--keepalived", "k.conf"], "cannot be used together"),
    (["-f", "a.conf", "--config-path", "etc/haplane.conf"], "is not an absolute path"),
    (["--keepalived", "k.conf", "--config-path", "/etc/x.conf"], "applies to -f only"),
    (["-f", "a.conf", "--config-id", "m1"], "applies to --keepalived only"),
    (["-f", "a.conf", "--image", ""], "is not an image reference"),
    (["-f", "a.conf", "--image", "a b"], "is not an image reference"),
    (["-f", "a.conf", "--bogus"], "unknown or incomplete option"),
    (["-f", "a.conf", "extra"], "unexpected argument"),
])
def test_usage_errors(haplane_bin, args, message):
    cp = manifest(haplane_bin, *args)
    assert cp.returncode == 2 and cp.stdout == ""
    assert message in cp.stderr, cp.stderr


def test_help(haplane_bin):
    cp = manifest(haplane_bin, "--help")
    assert cp.returncode == 0 and cp.stdout.startswith("usage: haplane manifest")
    for opt in ("--config-path", "--image", "--keepalived", "--haproxy", "--config-id", BIN):
        assert opt in cp.stdout, opt
    assert subprocess.run([haplane_bin, "help", "manifest"], capture_output=True,
                          text=True).stdout == cp.stdout
    main = subprocess.run([haplane_bin, "--help"], capture_output=True, text=True).stdout
    assert "\n  manifest " in main
    # no longer "part of the design but not built yet"
    cp = manifest(haplane_bin)
    assert "not built yet" not in cp.stderr


# ---- the capabilities are enough, and each one is needed ----

CAPS_CONF = """
vrrp_script chk {
    script "/bin/true"
    interval 0.2
    user nobody
}
vrrp_instance vi {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 0.1
    version 3
    virtual_ipaddress { 192.0.2.100/24 }
    track_script { chk }
}
proxy api {
    bind *:443
    check none
    server m1 127.0.0.1:6443
}
"""

# In a private network namespace with a veth as eth0: the daemon runs as
# root with exactly the bounding set given (root's capabilities after exec)
# and no_new_privs, as in the pod; the shell then waits up to 5 s for MASTER
# and prints the state and eth0's addresses.
CAPS_SH = """
ip link set lo up
ip link add eth0 type veth peer name eth1
ip link set eth1 up; ip link set eth0 up
ip addr add 192.0.2.10/24 dev eth0
setpriv --bounding-set -all,{caps} --inh-caps -all --no-new-privs \
    {bin} run -f {conf} --control {sock} 2>{log} &
pid=$!
for i in $(seq 50); do
    {bin} status --json --control {sock} >{st} 2>/dev/null && grep -q '"state":"MASTER"' {st} && break
    sleep 0.1
done
echo "running: $(kill -0 $pid 2>/dev/null && echo yes || echo no)"
ip -o -4 addr show dev eth0
kill $pid 2>/dev/null; wait
"""


def run_with_caps(haplane_bin, tmp_path, caps, text=CAPS_CONF):
    """(the daemon's status or None, eth0's IPv4 addresses, its log)."""
    conf, sock, st, log = (tmp_path / n for n in ("caps.conf", "c.sock", "st.json", "d.log"))
    conf.write_text(text)
    if st.exists():
        st.unlink()
    sh = CAPS_SH.format(caps=",".join("+" + c.lower() for c in caps), bin=haplane_bin,
                        conf=conf, sock=sock, st=st, log=log)
    cp = subprocess.run(["unshare", "-n", "sh", "-c", sh], capture_output=True, text=True,
                        timeout=30)
    assert cp.returncode == 0, cp.stderr
    status = None
    if st.exists() and st.read_text().strip():
        status = yaml.safe_load(st.read_text())  # JSON is YAML
    return status, cp.stdout, log.read_text()


def test_manifest_capabilities_run_the_daemon(haplane_bin, tmp_path):
    """The daemon under exactly the manifest's capabilities (as root with
    no_new_privs, like the pod) becomes MASTER, installs the VIP, binds :443
    and runs its script as nobody; without any one of them but KILL (needed
    only to kill a timed-out script of another user), that part fails."""
    conf = tmp_path / "caps.conf"
    conf.write_text(CAPS_CONF)
    caps = container(pod_of(manifest(haplane_bin, "-f", str(conf))))[
        "securityContext"]["capabilities"]["add"]
    assert caps == ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID", "KILL"]

    status, out, log = run_with_caps(haplane_bin, tmp_path, caps)
    assert status is not None, log
    vi = status["vrrp"]["instances"][0]
    assert vi["state"] == "MASTER", (vi, log)
    assert vi["vips_held"] is True and vi["vips_failed"] == 0, vi
    assert vi["tracks"][0]["ok"] is True, (vi, log)
    assert "192.0.2.100/24" in out, out
    assert status["proxies"]["api"]["binds"] == ["*:443"]

    def without(cap):
        return run_with_caps(haplane_bin, tmp_path, [c for c in caps if c != cap])

    status, out, log = without("NET_ADMIN")
    assert "192.0.2.100/24" not in out and "Operation not permitted" in log, (out, log)
    vi = status["vrrp"]["instances"][0]  # status says the VIP is not held, and why
    assert vi["vips_held"] is False and vi["vips_failed"] == 1, vi
    assert vi["counters"]["vip_errors"] > 0, vi
    for cap, words in (("NET_RAW", "Operation not permitted"),
                       ("NET_BIND_SERVICE", "bind *:443: Permission denied")):
        status, out, log = without(cap)
        assert "running: no" in out and words in log, (cap, out, log)
    for cap in ("SETUID", "SETGID"):
        status, out, log = without(cap)
        vi = status["vrrp"]["instances"][0]
        assert vi["state"] == "FAULT" and "script chk" in vi["reason"], (cap, vi, log)


def test_manifest_capabilities_run_the_daemon_with_run_as(haplane_bin, tmp_path):
    """With run_as the manifest's capabilities are the three plus what the drop takes:
    under exactly those the daemon drops to nobody, becomes MASTER with the VIP, binds
    :443 and runs its script; without SETUID or SETGID it cannot drop and does not
    start; without SETPCAP it runs but says its bounding set stays."""
    text = "global_defs {\n    run_as nobody\n}\n" + CAPS_CONF
    conf = tmp_path / "caps.conf"
    conf.write_text(text)
    caps = container(pod_of(manifest(haplane_bin, "-f", str(conf))))[
        "securityContext"]["capabilities"]["add"]
    assert caps == ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID", "SETPCAP"]
    status, out, log = run_with_caps(haplane_bin, tmp_path, caps, text)
    assert status is not None, log
    assert status["run_as"]["user"] == "nobody", status["run_as"]
    vi = status["vrrp"]["instances"][0]
    assert vi["state"] == "MASTER" and vi["vips_held"] is True, (vi, log)
    assert vi["tracks"][0]["ok"] is True, (vi, log)
    assert "192.0.2.100/24" in out, out
    assert status["proxies"]["api"]["binds"] == ["*:443"]
    assert "bounding set could not be reduced" not in log, log
    for cap, words in (("SETUID", "run_as: setresuid"), ("SETGID", "run_as: setgroups")):
        status, out, log = run_with_caps(haplane_bin, tmp_path, [c for c in caps if c != cap],
                                         text)
        assert "running: no" in out and words in log, (cap, out, log)
    status, out, log = run_with_caps(haplane_bin, tmp_path,
                                     [c for c in caps if c != "SETPCAP"], text)
    assert status is not None and "192.0.2.100/24" in out, (out, log)
    assert "the capability bounding set could not be reduced (no CAP_SETPCAP)" in log, log


def test_fence_certificates_are_mounted(haplane_bin, tmp_path):
    """The etcd fence's cacert/cert/key are mounted like the checks' files."""
    conf = tmp_path / "fence.conf"
    peers = " ".join("192.168.200.%d" % i for i in (152, 153))
    conf.write_text(
        "vrrp_instance apiserver {\n    interface lo\n    virtual_router_id 51\n"
        "    version 3\n    advert_int 0.1\n    vip_lifetime 2s\n"
        "    unicast_peer { %s }\n    quorum on\n"
        "    virtual_ipaddress { 192.168.200.154/24 }\n"
        "    fence etcd {\n        endpoints https://192.168.200.151:2379\n"
        "        cacert /etc/kubernetes/pki/etcd/ca.crt\n"
        "        cert /etc/kubernetes/pki/apiserver-etcd-client.crt\n"
        "        key /etc/kubernetes/pki/apiserver-etcd-client.key\n        ttl 2s\n    }\n}\n"
        % peers)
    cp = manifest(haplane_bin, "-f", str(conf))
    pod = pod_of(cp)
    files = host_files(pod)
    for f in ("/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/apiserver-etcd-client.crt",
              "/etc/kubernetes/pki/apiserver-etcd-client.key"):
        assert f in files, (f, files)
        assert mounts_by_path(pod)[f][0]["readOnly"] is True
