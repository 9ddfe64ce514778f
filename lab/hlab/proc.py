"""Process helpers: commands with clear errors, pid identity, signals, sweeps.

Processes are always addressed by pid, and a pid is only signalled while its
start time (field 22 of /proc/PID/stat) still matches the one recorded, so a
recycled pid is never hit. Nothing here looks processes up by name.
"""

import os
import signal
import subprocess
import time


class LabError(Exception):
    """Any lab failure; the message says what failed and why."""


class LabTimeout(LabError):
    """wait_for() or a command ran out of time."""


class CommandError(LabError, subprocess.CalledProcessError):
    """A command exited non-zero; str() includes its output."""

    def __init__(self, returncode, cmd, output=None, stderr=None):
        LabError.__init__(self)
        subprocess.CalledProcessError.__init__(self, returncode, cmd, output, stderr)

    def __str__(self):
        cmd = self.cmd if isinstance(self.cmd, str) else " ".join(map(str, self.cmd))
        msg = "command failed (exit %s): %s" % (self.returncode, cmd)
        for label, text in (("stderr", self.stderr), ("stdout", self.output)):
            text = (text or "").strip()
            if text:
                msg += "\n  %s: %s" % (label, text[-2000:].replace("\n", "\n    "))
        return msg


def run(argv, check=True, timeout=30, input=None, env=None):
    """Run argv, capture text output; CommandError on failure when check."""
    try:
        cp = subprocess.run(argv, input=input, capture_output=True, text=True,
                            timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise LabTimeout("command timed out after %ss: %s" % (timeout, " ".join(argv))) from e
    except FileNotFoundError as e:
        raise LabError("command not found: %s" % argv[0]) from e
    if check and cp.returncode != 0:
        raise CommandError(cp.returncode, argv, cp.stdout, cp.stderr)
    return cp


def wait_for(cond, timeout=10.0, interval=0.1, what=None):
    """Call cond() until it returns a true value; return that value.

    Raises LabTimeout naming `what` (or cond) and the last value seen when
    `timeout` seconds pass. Exceptions from cond propagate.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = what or getattr(cond, "__name__", "condition")
            raise LabTimeout("timed out after %.1fs waiting for %s (last value: %r)"
                             % (timeout, name, value))
        time.sleep(interval)


def _stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return data[data.rindex(")") + 2:].split()


def start_time(pid):
    """Start time of pid in clock ticks since boot, or None if it does not exist."""
    st = _stat(pid)
    return int(st[19]) if st else None


def alive(pid, start=None):
    """True if pid exists, is not a zombie, and (if given) started at `start`."""
    st = _stat(pid)
    if not st or st[0] in ("Z", "X"):
        return False
    return start is None or int(st[19]) == start


def reap(pid):
    """Collect pid's exit status if it is our (possibly adopted) child."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return False


def send(pid, sig, start=None):
    """Signal pid if it is still the same process; True if sent."""
    if not alive(pid, start):
        return False
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def ancestors():
    """Our own pid and every ancestor's (never to be killed by a sweep)."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        st = _stat(pid)
        if not st:
            break
        pid = int(st[1])
    return pids


def marked_pids():
    """{pid: prefix} of live processes whose environment holds HAPLANE_LAB=prefix."""
    from .topology import ENV_MARK
    key = ENV_MARK.encode() + b"="
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
        except OSError:
            continue
        for item in env.split(b"\0"):
            if item.startswith(key):
                found[int(d)] = item[len(key):].decode(errors="replace")
                break
    return found


def netns_pids(ns):
    """Pids of processes in network namespace `ns` (empty if it does not exist)."""
    cp = run(["ip", "netns", "pids", ns], check=False)
    return {int(p) for p in cp.stdout.split() if p.isdigit()}


def kill_all(pids, term_wait=3.0, kill_wait=3.0):
    """Stop processes: SIGTERM, wait, SIGKILL what is left, wait.

    pids maps pid -> start time (or None when unknown). Our children (and
    adopted orphans, if we are a subreaper) are reaped. Returns the pids still
    alive at the end (normally empty).
    """
    mine = ancestors()
    todo = {p: s for p, s in pids.items() if p not in mine and alive(p, s)}
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, kill_wait)):
        for p, s in todo.items():
            send(p, sig, s)
        deadline = time.monotonic() + wait
        while todo and time.monotonic() < deadline:
            for p in list(todo):
                reap(p)
                if not alive(p, todo[p]):
                    del todo[p]
            if todo:
                time.sleep(0.02)
        if not todo:
            break
    for p in pids:
        reap(p)
    return sorted(todo)
