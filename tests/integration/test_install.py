"""`make install` into a staging directory (DESTDIR), and the shipped examples.

The install runs make in the source tree with the build directory of
$HAPLANE_BIN, so it installs the binary under test (make may relink it if
the tree changed since, which is what `make install` would do anyway).
"""

import filecmp
import json
import glob
import os
import re
import stat
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_install(haplane_bin, destdir, *args):
    build = os.path.dirname(haplane_bin)
    cp = subprocess.run(["make", "-C", ROOT, "install", "B=" + build, "DESTDIR=" + str(destdir)]
                        + list(args), capture_output=True, text=True, timeout=600)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return build


def installed_files(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            out[os.path.relpath(path, root)] = stat.S_IMODE(os.stat(path).st_mode)
    return out


def test_make_install_layout(haplane_bin, tmp_path):
    build = make_install(haplane_bin, tmp_path)
    docs = ["README.md"] + sorted(os.path.basename(p)
                                  for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    expected = {
        "usr/local/sbin/haplane": 0o755,
        "usr/local/lib/systemd/system/haplane.service": 0o644,
        "usr/local/lib/systemd/system/haplane-node-local.service": 0o644,
        "usr/local/share/man/man8/haplane.8": 0o644,
        "usr/local/share/man/man5/haplane.conf.5": 0o644,
        "usr/local/share/doc/haplane/examples/master.conf": 0o644,
        "usr/local/share/doc/haplane/examples/worker.conf": 0o644,
    }
    expected.update({"usr/local/share/doc/haplane/" + d: 0o644 for d in docs})
    assert installed_files(tmp_path) == expected

    assert filecmp.cmp(tmp_path / "usr/local/sbin/haplane", os.path.join(build, "haplane"),
                       shallow=False)
    for src, dst in (("contrib/haplane.service", "usr/local/lib/systemd/system/haplane.service"),
                     ("contrib/haplane-node-local.service",
                      "usr/local/lib/systemd/system/haplane-node-local.service"),
                     ("man/haplane.8", "usr/local/share/man/man8/haplane.8"),
                     ("man/haplane.conf.5", "usr/local/share/man/man5/haplane.conf.5"),
                     ("examples/master.conf",
                      "usr/local/share/doc/haplane/examples/master.conf"),
                     ("examples/worker.conf",
                      "usr/local/share/doc/haplane/examples/worker.conf")):
        assert filecmp.cmp(os.path.join(ROOT, src), tmp_path / dst, shallow=False), dst
    # nothing is written to /etc: the configuration is the administrator's
    assert not (tmp_path / "etc").exists()

    # the installed binary runs
    cp = subprocess.run([str(tmp_path / "usr/local/sbin/haplane"), "version"],
                        capture_output=True, text=True)
    assert cp.returncode == 0 and cp.stdout.startswith("haplane "), cp


def test_make_install_prefix_reaches_the_unit(haplane_bin, tmp_path):
    """With PREFIX=/usr the unit runs /usr/sbin/haplane, and lands where
    systemd looks for distribution units."""
    make_install(haplane_bin, tmp_path, "PREFIX=/usr")
    unit = (tmp_path / "usr/lib/systemd/system/haplane.service").read_text()
    assert "ExecStart=/usr/sbin/haplane run -f /etc/haplane/haplane.conf\n" in unit
    assert [ln for ln in unit.splitlines() if "/usr/local" in ln and not ln.startswith("#")] == []
    unit = (tmp_path / "usr/lib/systemd/system/haplane-node-local.service").read_text()
    assert "ExecStart=/usr/sbin/haplane node-local " in unit
    assert [ln for ln in unit.splitlines() if "/usr/local" in ln and not ln.startswith("#")] == []
    assert (tmp_path / "usr/sbin/haplane").exists()
    assert (tmp_path / "usr/share/man/man8/haplane.8").exists()


@pytest.mark.parametrize("example", sorted(
    os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "examples", "*.conf"))))
def test_example_passes_check(haplane_bin, example):
    """Every shipped example is a valid configuration. Facts about this
    machine (its interfaces, the cluster CA file) may only be warnings."""
    path = os.path.join(ROOT, "examples", example)
    cp = subprocess.run([haplane_bin, "check", "-f", path], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    assert "error:" not in cp.stderr, cp.stderr
    for line in cp.stderr.splitlines():
        assert "on this host" in line or "does not exist" in line, line


def test_master_example_is_the_documented_one(haplane_bin):
    path = os.path.join(ROOT, "examples", "master.conf")
    cp = subprocess.run([haplane_bin, "check", "-f", path], capture_output=True, text=True)
    assert cp.stdout.strip() == "%s: ok: 1 vrrp instance, 1 proxy, 3 servers" % path, cp


def test_worker_example_runs_as_node_local(haplane_bin, tmp_path):
    """examples/worker.conf is a valid node-local file: it runs (in a
    private network namespace, without the CA it names) and serves its
    proxy with node-local's defaults."""
    path = os.path.join(ROOT, "examples", "worker.conf")
    cp = subprocess.run([haplane_bin, "check", "-f", path], capture_output=True, text=True)
    assert cp.stdout.strip() == "%s: ok: 0 vrrp instances, 1 proxy, 3 servers" % path, cp
    text = open(path).read().replace(" ca /etc/kubernetes/pki/ca.crt", "")
    conf = tmp_path / "worker.conf"
    conf.write_text(text)
    ctl = str(tmp_path / "ctl.sock")
    p = subprocess.Popen(["unshare", "-n", "sh", "-c",
                          'ip link set lo up && exec "$0" node-local -f "$1" --control "$2"',
                          haplane_bin, str(conf), ctl],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        st = None
        while time.monotonic() < deadline:
            r = subprocess.run([haplane_bin, "status", "--json", "--control", ctl],
                               capture_output=True, text=True)
            if r.returncode == 0:
                st = json.loads(r.stdout)
                break
            assert p.poll() is None, p.stderr.read()
            time.sleep(0.1)
        assert st is not None, "no status from node-local -f examples/worker.conf"
        assert list(st["proxies"]) == ["node-local"], st
        servers = st["proxies"]["node-local"]["servers"]
        assert [s["name"] for s in servers] == ["master1", "master2", "master3"], st
        assert not st.get("instances"), st
    finally:
        p.terminate()
        assert p.wait(timeout=10) == 0, p.stderr.read()


def help_text(haplane_bin, *args):
    cp = subprocess.run([haplane_bin] + list(args), capture_output=True, text=True)
    assert cp.returncode == 0, cp
    return cp.stdout


def test_man_page_covers_help(haplane_bin):
    """haplane(8) documents every command `haplane --help` lists and every
    option of every command's --help; the commands the binary calls not
    built yet are marked so there."""
    man = open(os.path.join(ROOT, "man", "haplane.8")).read()
    main = help_text(haplane_bin, "--help")
    section = main.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = sorted({ln.split()[0] for ln in section.splitlines() if ln.startswith("  ")
                       and not ln.startswith("   ")})
    assert "run" in commands and "drain" in commands, commands
    missing = [c for c in commands if ".Cm %s" % c not in man and "Cm %s |" % c not in man
               and "| %s" % c not in man]
    assert missing == [], "commands not in man/haplane.8: %s" % missing

    # an option is what a usage or command line shows, or what starts an
    # indented line; prose that quotes other programs (`swapoff -a`) is not
    options = set()
    for cmd in commands + ["undrain"]:
        if cmd == "help":
            continue
        for ln in (help_text(haplane_bin, cmd, "--help") + main).splitlines():
            words = ln.split()
            if ln.startswith("usage:") or (words and words[0] in commands):
                options |= set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", ln))
            elif words and re.match(r"--?[a-z]", words[0]):
                options.add(re.match(r"--?[a-z][a-z-]*", words[0]).group(0))
    # mdoc writes --json as "Fl -json" and -f as "Fl f"
    missing = sorted(o for o in options if "Fl %s" % o[1:] not in man)
    assert missing == [], "options not in man/haplane.8: %s" % missing

    # every command of the design is built (node-local was the last): none
    # may say it is not, and the man page may not claim one is
    for name in ("manifest", "node-local"):
        cp = subprocess.run([haplane_bin, name], capture_output=True, text=True)
        assert "not built yet" not in cp.stderr, (name, cp.stderr)
        assert ".Cm %s" % name in man, name
    assert "not built yet" not in man
