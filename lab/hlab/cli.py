"""haplane-lab: command line of the lab (see lab/README.md)."""

import argparse
import json
import os
import signal
import sys

from . import report
from . import topology as T
from .lab import Lab, destroy, find_prefixes, leftovers, resolve_prefix
from .proc import LabError

USAGE_HINT = """\
Use it:
  haplane-lab status
  haplane-lab exec node1 curl --cacert {ca} https://198.18.0.11:6443/version
  haplane-lab exec master1 bash          (a shell in master1's namespace)
  haplane-lab fail master1 | heal | partition master1 | loss node1 30
  haplane-lab kill master1 etcd | start master1 etcd | notready master2 | ready master2
Tear it down:
  haplane-lab down{prefix_opt}"""


def _signal(text):
    t = text.upper()
    try:
        return signal.Signals(int(t)) if t.isdigit() else signal.Signals[
            t if t.startswith("SIG") else "SIG" + t]
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError("unknown signal %r" % text)


def _interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def cmd_up(a):
    signal.signal(signal.SIGTERM, _interrupt)
    lab = Lab.up(prefix=a.prefix, etcd=not a.no_etcd, timeout=a.timeout,
                 progress=lambda m: print("haplane-lab: " + m, file=sys.stderr))
    lab.detach()
    print(report.status_text(lab.status()))
    print()
    print(USAGE_HINT.format(ca=lab.ca, prefix_opt=" --prefix %s" % lab.prefix))


def cmd_down(a):
    prefixes = find_prefixes() if a.all else [resolve_prefix(a.prefix)]
    if a.dry_run:
        for p in prefixes:
            print("%s: %s" % (p, "; ".join(leftovers(p)) or "nothing left"))
        return
    errors = []
    for p in prefixes:
        try:
            destroy(p)
            print("haplane-lab: lab %s removed" % p)
        except LabError as e:
            errors.append(str(e))
    if not prefixes:
        print("haplane-lab: no lab found")
    if errors:
        raise LabError("\n".join(errors))


def cmd_status(a):
    st = Lab.attach(a.prefix).status()
    print(json.dumps(st, indent=2) if a.json else report.status_text(st))


def cmd_exec(a):
    lab = Lab.attach(a.prefix)
    argv = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    argv = argv or [os.environ.get("SHELL", "bash")]
    env = dict(os.environ, **{T.ENV_MARK: lab.prefix})
    os.execvpe("ip", ["ip", "netns", "exec", lab.ns(a.host)] + argv, env)


def cmd_simple(a):
    lab = Lab.attach(a.prefix)
    if a.cmd == "fail":
        lab.fail(a.host)
    elif a.cmd == "heal":
        lab.heal(a.host)
    elif a.cmd == "partition":
        lab.partition(*a.hosts)
    elif a.cmd == "cut":
        lab.cut(a.a, a.b, both=not a.one_way)
    elif a.cmd == "loss":
        lab.loss(a.host, a.pct)
    elif a.cmd in ("notready", "ready"):
        getattr(lab, a.cmd)(a.host)
        print("haplane-lab: %s /readyz %s" % (a.host, "forced to 503" if a.cmd == "notready"
                                              else "follows etcd again"))
        return
    elif a.cmd == "kill":
        if not lab.kill(a.host, a.proc, a.signal):
            raise LabError("%s on %s is not running" % (a.proc, a.host))
        print("haplane-lab: sent %s to %s on %s (pid %d)"
              % (a.signal.name, a.proc, a.host, lab.pid(a.host, a.proc)))
        return
    elif a.cmd == "start":
        p = lab.start(a.host, a.proc)
        print("haplane-lab: %s on %s started, pid %d" % (a.proc, a.host, p.pid))
        return
    elif a.cmd == "logs":
        sys.stdout.write(lab.read_log(a.host, a.proc))
        return
    print("haplane-lab: faults: " + report.faults_text(lab.faults()))


def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--prefix", help="lab prefix (default: the current lab, %s)"
                        % T.CURRENT_LINK)
    ap = argparse.ArgumentParser(
        prog="haplane-lab",
        description="The seed's cluster (master1-3 with etcd + API-server stand-in, "
        "node1-3) in network namespaces. Needs root.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def add(name, help, fn=cmd_simple):
        p = sub.add_parser(name, help=help, parents=[common], description=help)
        p.set_defaults(fn=fn)
        return p

    p = add("up", "build a lab and leave it running", cmd_up)
    p.add_argument("--no-etcd", action="store_true",
                   help="no etcd; stand-ins are then ready unless `notready`")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to become healthy")
    p = add("down", "remove a lab completely (works after crashes too)", cmd_down)
    p.add_argument("--all", action="store_true", help="every lab on this machine")
    p.add_argument("--dry-run", "-n", action="store_true", help="only list what is there")
    p = add("status", "hosts, links, addresses, processes, faults", cmd_status)
    p.add_argument("--json", action="store_true")
    p = add("exec", "run a command (default: a shell) in a host's namespace", cmd_exec)
    p.add_argument("host", choices=T.HOSTS + (T.SWITCH,))
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    add("fail", "link down: the host's switch port goes down").add_argument(
        "host", choices=T.HOSTS)
    add("heal", "undo fail/partition/cut/loss for HOST (default: all)").add_argument(
        "host", nargs="?", choices=T.HOSTS)
    add("partition", "HOSTS on one side, everyone else on the other").add_argument(
        "hosts", nargs="+", choices=T.HOSTS, metavar="HOST")
    p = add("cut", "drop frames between hosts A and B")
    p.add_argument("a", choices=T.HOSTS)
    p.add_argument("b", choices=T.HOSTS)
    p.add_argument("--one-way", action="store_true", help="only A -> B")
    p = add("loss", "drop PCT %% of frames to and from HOST at random (0 removes)")
    p.add_argument("host", choices=T.HOSTS)
    p.add_argument("pct", type=int)
    for name, help in (("kill", "signal a lab process (default SIGKILL)"),
                       ("start", "start a killed lab process again"),
                       ("logs", "print a lab process's log")):
        p = add(name, help)
        p.add_argument("host", choices=T.HOSTS)
        p.add_argument("proc", help="etcd, apiserver, or a name given to Lab.popen()")
        if name == "kill":
            p.add_argument("--signal", "-s", type=_signal, default=signal.SIGKILL)
    add("notready", "force a master's stand-in /readyz to 503").add_argument(
        "host", choices=T.MASTERS)
    add("ready", "undo notready: /readyz follows etcd again").add_argument(
        "host", choices=T.MASTERS)
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    if os.geteuid() != 0:
        print("haplane-lab: must run as root (network namespaces)", file=sys.stderr)
        return 1
    try:
        args.fn(args)
    except KeyboardInterrupt:
        print("haplane-lab: interrupted (lab torn down)" if args.cmd == "up"
              else "haplane-lab: interrupted", file=sys.stderr)
        return 130
    except (LabError, ValueError, OSError) as e:
        print("haplane-lab: error: %s" % e, file=sys.stderr)
        return 1
    return 0
