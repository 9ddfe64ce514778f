"""Integration-test plumbing: the lab (lab/hlab) as pytest fixtures.

- If the machine cannot run these tests (not root, no `ip netns add`, a tool
  missing), every test here SKIPS with a one-line reason, or FAILS with it
  when CI=true.
- `lab`: one lab per test module, always torn down. A module may set
  LAB_OPTIONS = {"etcd": False} (keyword arguments of hlab.Lab.up).
- `root_links`: names of the root namespace's links before the module's lab.
- `haplane_bin`: absolute path from $HAPLANE_BIN (default build/haplane).
- When a test using `lab` fails, the tail of every lab log is attached to
  its report.
- At the end of the session, any trace (namespace, veth, bridge, state dir,
  process) of a lab made by this run fails the run.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import types

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "lab"))

import hlab  # noqa: E402

TOOLS = ("ip", "nft", "etcd", "etcdctl", "openssl", "curl")
_problem = None


def _in_ci():
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _find_problem():
    """Why integration tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "not running as root (network namespaces need root)"
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        return "missing tools: " + " ".join(missing)
    name = "hlcheck%d" % os.getpid()
    cp = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if cp.returncode != 0:
        return "`ip netns add` failed: " + (cp.stderr.strip() or "exit %d" % cp.returncode)
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def pytest_configure(config):
    global _problem
    _problem = _find_problem()
    if _problem is None and hasattr(signal, "SIGTERM"):
        # SIGTERM behaves like Ctrl-C: fixtures (and so the labs) are torn down
        def on_term(signum, frame):
            raise KeyboardInterrupt("SIGTERM")
        try:
            signal.signal(signal.SIGTERM, on_term)
        except ValueError:  # not the main thread
            pass


class _Unavailable:
    """A failure report body that is one line, also in the short summary (-ra)."""

    def __init__(self, msg):
        self.msg = msg
        self.reprcrash = types.SimpleNamespace(message=msg)

    def toterminal(self, tw):
        tw.line(self.msg)

    def __str__(self):
        return self.msg


def _fail_unavailable():
    pytest.fail("integration tests cannot run here: " + _problem, pytrace=False)


def pytest_collection_modifyitems(session, config, items):
    if _problem is None:
        return
    reason = "integration tests cannot run here: " + _problem
    for i, item in enumerate(items):
        if not str(item.path).startswith(HERE + os.sep):
            continue
        if _in_ci():  # a test without fixtures that fails in its call phase
            items[i] = pytest.Function.from_parent(item.parent, name=item.name,
                                                   callobj=_fail_unavailable)
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    if _problem is not None:
        terminalreporter.write_line("integration tests cannot run here: %s (%s)" % (
            _problem, "failing: CI=true" if _in_ci() else "skipped; set CI=true to fail"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and getattr(item, "obj", None) is _fail_unavailable:
        rep.longrepr = _Unavailable("integration tests cannot run here: " + _problem)
    lab = getattr(item, "funcargs", {}).get("lab")
    if rep.failed and isinstance(lab, hlab.Lab):
        for path in sorted(glob.glob(os.path.join(lab.state_dir, "logs", "*.log"))):
            try:
                with open(path, errors="replace") as f:
                    tail = f.read().splitlines()[-25:]
            except OSError:
                continue
            rep.sections.append(("lab log " + os.path.basename(path), "\n".join(tail)))


@pytest.fixture(scope="session", autouse=True)
def _no_lab_leftovers():
    yield
    problems = ["%s: %s" % (p, what) for p in hlab.created_prefixes()
                for what in hlab.leftovers(p)]
    if problems:
        pytest.fail("labs of this run left traces: " + "; ".join(problems), pytrace=False)


def root_link_names():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(ln.split(":")[1].strip().split("@")[0] for ln in out.splitlines())


@pytest.fixture(scope="module")
def root_links():
    """Root namespace link names taken before the module's lab came up."""
    return root_link_names()


@pytest.fixture(scope="module")
def lab(request, root_links):
    """A running lab for this module; torn down (and checked) after its last test."""
    opts = getattr(request.module, "LAB_OPTIONS", {})
    the_lab = hlab.Lab.up(**opts)
    try:
        yield the_lab
    finally:
        the_lab.down()


@pytest.fixture(scope="session")
def haplane_bin():
    """Absolute path of the haplane binary ($HAPLANE_BIN, default build/haplane)."""
    path = os.environ.get("HAPLANE_BIN", "build/haplane")
    if not os.path.isabs(path):
        path = os.path.join(ROOT, path)
    if not os.access(path, os.X_OK):
        msg = "haplane binary %s not found or not executable (run make)" % path
        if _in_ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return path
