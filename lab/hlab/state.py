"""The state directory of one lab: /run/haplane-lab/<prefix>/.

  state.json   names, hosts, managed processes (pid + start time), faults
  .lock        flock()ed around every read-modify-write of state.json
  certs/       ca.crt, ca.key, <master>.crt/.key
  etcd/<host>  etcd data dirs
  logs/        <host>-<name>.log of every managed process
  flags/       <master>.notready (forces the stand-in's /readyz to 503),
               <master>.listening (written by the stand-in once it serves)

/run/haplane-lab/current is a symlink to the prefix of the last `up`.
"""

import contextlib
import fcntl
import json
import os
import shutil

from . import topology as T


class State:
    def __init__(self, prefix):
        self.prefix = T.check_prefix(prefix)
        self.dir = os.path.join(T.STATE_ROOT, prefix)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def create(self):
        """Make the directory tree; FileExistsError if this prefix is in use."""
        os.makedirs(T.STATE_ROOT, exist_ok=True)
        os.mkdir(self.dir, 0o755)
        for d in ("certs", "etcd", "logs", "flags"):
            os.mkdir(self.path(d), 0o700 if d in ("certs", "etcd") else 0o755)

    def exists(self):
        return os.path.isdir(self.dir)

    @contextlib.contextmanager
    def locked(self):
        fd = os.open(self.path(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def load(self):
        """The state dict, or None if state.json is missing or unreadable."""
        try:
            with open(self.path("state.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def save(self, data):
        tmp = self.path("state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path("state.json"))

    @contextlib.contextmanager
    def update(self):
        """with st.update() as data: modify data; saved atomically under the lock."""
        with self.locked():
            data = self.load()
            if data is None:
                raise FileNotFoundError("lab state %s is missing" % self.path("state.json"))
            yield data
            self.save(data)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        if current_prefix() == self.prefix:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(T.CURRENT_LINK)


def set_current(prefix):
    tmp = T.CURRENT_LINK + ".tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(prefix, tmp)
    os.replace(tmp, T.CURRENT_LINK)


def current_prefix():
    """Prefix `current` points at, or None."""
    try:
        return os.path.basename(os.readlink(T.CURRENT_LINK))
    except OSError:
        return None


def state_prefixes():
    """Prefixes that have a state directory."""
    try:
        entries = os.listdir(T.STATE_ROOT)
    except FileNotFoundError:
        return []
    return sorted(e for e in entries if T.PREFIX_RE.match(e) and e != "current"
                  and os.path.isdir(os.path.join(T.STATE_ROOT, e))
                  and not os.path.islink(os.path.join(T.STATE_ROOT, e)))
