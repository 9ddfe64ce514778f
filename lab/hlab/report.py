"""Plain-text tables for the CLI and the demo."""


def table(headers, rows):
    """Left-aligned columns separated by two spaces; returns a string."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def faults_text(f):
    if not f or not (f.get("failed") or f.get("cuts") or f.get("loss")):
        return "none"
    parts = []
    if f.get("failed"):
        parts.append("link down: " + " ".join(f["failed"]))
    if f.get("cuts"):
        parts.append("cut: " + " ".join("%s->%s" % tuple(c) for c in f["cuts"]))
    if f.get("loss"):
        parts.append("loss: " + " ".join("%s %d%%" % kv for kv in sorted(f["loss"].items())))
    return "; ".join(parts)


def status_text(st):
    """Lab.status() as a readable block."""
    head = "lab %s   state %s   etcd %s   VIP %s (switch %s, bridge %s)" % (
        st["prefix"], st["state_dir"], "on" if st["etcd"] else "off", st["vip"],
        st["switch_ns"], st["bridge"])
    rows = []
    for h, hs in st["hosts"].items():
        procs = " ".join("%s:%d%s" % (n, p["pid"], "" if p["running"] else "(dead)")
                         for n, p in hs["procs"].items())
        if hs.get("notready"):
            procs += " [notready]"
        rows.append([h, hs["ns"], hs["link"], " ".join(hs["addresses"]), procs or "-"])
    return "\n".join([head, "", table(["HOST", "NAMESPACE", "LINK", "ADDRESSES (eth0)",
                                       "PROCESSES"], rows),
                      "", "faults: " + faults_text(st["faults"])])
