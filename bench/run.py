#!/usr/bin/env python3
"""ewsdiag benchmark: generated corpora, exact finding counts, side-by-side
timings against `rg -c ResponseCode` (the floor) and a plain Python regex
script (what a user would otherwise write).

    python3 bench/run.py                      # full size: 1 GB ordinary, 300 MB dense, 1 GB single file
    python3 bench/run.py --scale 0.1          # a quick run (about a minute)
    python3 bench/run.py --ewsdiag PATH       # time a prebuilt binary instead of building

Steps: build ewsdiag (`cargo build --release`) and copy the binary next to the
corpora (so a rebuild during the run cannot change what is timed); make sure
`rg` is installed; generate the corpora with bench/corpus.py unless they exist
at this scale; read every file once to warm the page cache; check that ewsdiag
reports exactly the number of findings in each corpus manifest (the difference
by shape and by code is printed when it does not); then time the tools
round-robin, one child at a time, measuring wall time and the child's peak RSS
(GNU time's %M, else ru_maxrss from os.wait4). Prints a Markdown table and writes it with the raw
numbers to <dir>/results.{md,json}.

Targets checked (from the issue): ordinary corpus, ewsdiag <= 2x the time of
rg; dense corpus, ewsdiag >= 5x faster than the regex script; single 1 GB
file, ewsdiag peak RSS < 64 MiB. Exit status 1 when a count does not match or
a target is missed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench")
MiB = 1024 * 1024


def say(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- setup


def build(out_dir: str, rev: str | None) -> str:
    """Builds the working tree, or with --rev a clean export of that commit (so
    uncommitted edits in src/ are not what gets timed)."""
    if rev:
        tree = os.path.join(out_dir, "src-" + rev.replace("/", "_"))
        shutil.rmtree(tree, ignore_errors=True)
        os.makedirs(tree)
        archive = subprocess.run(["git", "archive", rev], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        target = os.path.join(out_dir, "target")
        say(f"building {rev}: cargo build --release (in {tree}, target dir {target})")
        env = dict(os.environ, CARGO_TARGET_DIR=target)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=tree, check=True, env=env)
        src = os.path.join(target, "release", "ewsdiag")
    else:
        say("building: cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
        src = os.path.join(REPO, "target", "release", "ewsdiag")
    dst = os.path.join(out_dir, "ewsdiag")
    shutil.copy2(src, dst)  # a stable copy: others may rebuild target/ meanwhile
    return dst


def ensure_rg() -> str:
    rg = shutil.which("rg")
    if rg:
        say(f"rg: found {rg}")
        return rg
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("rg: not found, installing with apt-get install -y ripgrep")
        subprocess.run(["apt-get", "install", "-y", "ripgrep"], check=True, stdout=subprocess.DEVNULL)
    else:
        say("rg: not found, installing with cargo install ripgrep --locked")
        subprocess.run(["cargo", "install", "ripgrep", "--locked"], check=True)
    rg = shutil.which("rg") or os.path.expanduser("~/.cargo/bin/rg")
    if not os.path.exists(rg):
        sys.exit("rg could not be installed")
    return rg


def ensure_corpora(out_dir: str, scale: float, names: list[str]) -> dict:
    manifests = {}
    missing = []
    for name in names:
        path = os.path.join(out_dir, f"{name}.manifest.json")
        if os.path.exists(path):
            with open(path) as f:
                m = json.load(f)
            if m.get("scale") == scale:
                manifests[name] = m
                continue
            shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
        missing.append(name)
    if missing:
        say(f"generating {', '.join(missing)} at scale {scale} into {out_dir}")
        subprocess.run(
            [sys.executable, os.path.join(BENCH, "corpus.py"), out_dir, "--scale", str(scale), "--only", ",".join(missing)],
            check=True,
        )
        for name in missing:
            with open(os.path.join(out_dir, f"{name}.manifest.json")) as f:
                manifests[name] = json.load(f)
    return manifests


def warm(path: str):
    """Read every byte once so that all tools start from a warm page cache."""
    paths = [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.read(8 * MiB):
                pass


# --------------------------------------------------------------------------- measuring


GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
RSS_FILE = f"/tmp/ewsdiag-bench-rss.{os.getpid()}"


def timed(cmd: list[str], capture=False):
    """Run one child; (wall seconds, peak RSS MiB, exit status, stdout).

    Peak RSS: a forked child starts out sharing this Python process's pages and
    Linux keeps that in its ru_maxrss across exec, so os.wait4 alone cannot
    report less than our own RSS (~20 MiB). When GNU time is installed the tool
    runs under it (`/usr/bin/time -f %M`, a ~2 MiB parent), which gives the
    tool's own peak; its fork adds about a millisecond to the wall time."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    full = [GNU_TIME, "-f", "%M", "-o", RSS_FILE, *cmd] if GNU_TIME else cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(full, stdout=out, stderr=subprocess.DEVNULL)
    data = p.stdout.read() if capture else b""  # small output: the script prints one number
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    rss = ru.ru_maxrss / 1024
    if GNU_TIME:
        with open(RSS_FILE) as f:
            rss = int(f.read().split()[-1]) / 1024  # "Command exited with ..." may precede it
        os.unlink(RSS_FILE)
    return wall, rss, p.returncode, data.decode().strip()


def count_findings(ewsdiag: str, path: str):
    """One untimed run through a counter: findings by shape, code, wrapping and
    top folder (file kind)."""
    p = subprocess.Popen([ewsdiag, "scan", "--format", "ndjson", path], stdout=subprocess.PIPE, text=True)
    c = {k: collections.Counter() for k in ("shape", "code", "shape/wrapping", "folder", "type")}
    summary = None
    for line in p.stdout:
        d = json.loads(line)
        c["type"][d["type"]] += 1
        if d["type"] == "finding":
            c["shape"][d["shape"]] += 1
            c["code"][d["code"]] += 1
            c["shape/wrapping"][f"{d['shape']}/{d['wrapping']}"] += 1
            rel = os.path.relpath(d["path"], path) if os.path.isdir(path) else os.path.basename(path)
            c["folder"][rel.split(os.sep)[0]] += 1
        elif d["type"] == "summary":
            summary = d
    status = p.wait()
    return c, summary, status


def check(name: str, manifest: dict, ewsdiag: str) -> tuple[bool, int]:
    c, summary, status = count_findings(ewsdiag, manifest["path"])
    found = sum(c["shape"].values())
    ok = found == manifest["findings"] and summary is not None and summary["findings"] == found
    say(f"[{name}] findings: ewsdiag {found}, manifest {manifest['findings']} -> {'OK' if ok else 'MISMATCH'}"
        f" (exit {status}; line types {dict(c['type'])})")
    if not ok:
        for key, want in (("shape", manifest["by_shape"]), ("code", manifest["by_code"])):
            diff = {k: c[key].get(k, 0) - want.get(k, 0) for k in sorted(set(c[key]) | set(want))}
            diff = {k: v for k, v in diff.items() if v}
            say(f"  difference by {key} (ewsdiag minus manifest): {diff}")
        say(f"  ewsdiag by shape/wrapping: {dict(c['shape/wrapping'])}")
        say(f"  ewsdiag by folder: {dict(c['folder'])}; manifest by template: {manifest['by_template']}")
    return ok, found


def round_robin(tools: dict[str, list[str]], rounds: int):
    """Each round runs every tool once; the order rotates between rounds."""
    res = {t: [] for t in tools}
    names = list(tools)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for t in order:
            res[t].append(timed(tools[t], capture=(t == "regex script")))
        say(f"  round {r + 1}/{rounds}: " + ", ".join(f"{t} {res[t][-1][0]:.2f}s" for t in names))
    return res


# --------------------------------------------------------------------------- report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/ewsdiag-bench", help="where corpora and results go (not the repo)")
    ap.add_argument("--scale", type=float, default=1.0, help="corpus size factor (0.1 for a quick run)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpora", default="ordinary,dense,big")
    ap.add_argument("--ewsdiag", help="use this binary instead of building")
    ap.add_argument("--rev", help="build this commit (a clean git archive) instead of the working tree")
    a = ap.parse_args()
    out_dir = os.path.abspath(a.dir)
    if os.path.commonpath([out_dir, REPO]) == REPO:
        sys.exit("--dir must be outside the repository")
    os.makedirs(out_dir, exist_ok=True)
    names = a.corpora.split(",")

    if a.rev:  # pin the commit now: others may commit while this runs
        a.rev = subprocess.run(["git", "rev-parse", "--short", a.rev], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout.strip()
    ewsdiag = a.ewsdiag or build(out_dir, a.rev)
    rg = ensure_rg()
    manifests = ensure_corpora(out_dir, a.scale, names)
    if a.ewsdiag:
        rev = a.ewsdiag
    elif a.rev:
        rev = a.rev
    else:
        rev = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.splitlines()[0]

    rows, raw, failures = [], {}, []
    for name in names:
        m = manifests[name]
        path = m["path"]
        say(f"[{name}] {m['files']} file(s), {m['bytes'] / MiB:.0f} MiB, {m['payload_line_share']:.1%} payload lines; warming cache")
        warm(path)
        ok, found = check(name, m, ewsdiag)
        if not ok:
            failures.append(f"{name}: ewsdiag found {found} findings, manifest says {m['findings']}")
        tools = {
            "ewsdiag": [ewsdiag, "scan", "--format", "ndjson", path],
            "rg -c": [rg, "-c", "ResponseCode", path],
        }
        if name != "big":
            tools["regex script"] = [sys.executable, os.path.join(BENCH, "regex_script.py"), path]
        res = round_robin(tools, a.rounds)
        raw[name] = {t: [list(x) for x in v] for t, v in res.items()}
        med = {t: statistics.median(x[0] for x in v) for t, v in res.items()}
        for t, v in res.items():
            counted = {"ewsdiag": f"{found} findings", "rg -c": "lines only",
                       "regex script": f"{v[-1][3]} pairs"}[t]
            rows.append({
                "corpus": f"{name} ({m['bytes'] / MiB:.0f} MiB, {m['files']} file{'s' if m['files'] > 1 else ''})",
                "tool": t,
                "median": med[t],
                "min": min(x[0] for x in v),
                "rss": max(x[1] for x in v),
                "vs_rg": med[t] / med["rg -c"],
                "vs_script": (med["regex script"] / med[t]) if "regex script" in med else None,
                "counted": counted,
                "status": sorted({x[2] for x in v}),
            })
        # Targets.
        if name == "ordinary" and med["ewsdiag"] > 2 * med["rg -c"]:
            failures.append(f"ordinary: ewsdiag takes {med['ewsdiag'] / med['rg -c']:.2f}x rg's time (target <= 2x)")
        if name == "dense" and med["regex script"] < 5 * med["ewsdiag"]:
            failures.append(f"dense: ewsdiag is {med['regex script'] / med['ewsdiag']:.2f}x faster than the script (target >= 5x)")
        if name == "big":
            peak = max(x[1] for x in res["ewsdiag"])
            if peak >= 64:
                failures.append(f"big: ewsdiag peak RSS {peak:.1f} MiB (target < 64 MiB)")

    fmt = lambda x, f: "–" if x is None else f.format(x)
    lines = [
        f"ewsdiag {rev}, {rg_version}, Python {platform.python_version()}; {os.cpu_count()} CPUs; "
        f"scale {a.scale}, {a.rounds} rounds, warm page cache, output to /dev/null",
        "",
        "| corpus | tool | median s | min s | peak RSS MiB | time ÷ rg | script ÷ time | counted |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['tool']} | {r['median']:.2f} | {r['min']:.2f} | {r['rss']:.1f} | "
            f"{r['vs_rg']:.2f} | {fmt(r['vs_script'], '{:.1f}')} | {r['counted']} |"
        )
    lines.append("")
    lines.append("Targets: ordinary, ewsdiag time ÷ rg ≤ 2; dense, script ÷ ewsdiag time ≥ 5; "
                 "single 1 GB file, ewsdiag peak RSS < 64 MiB.")
    lines.append("Result: " + ("all counts match and all targets met." if not failures else "; ".join(failures) + "."))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"rev": rev, "scale": a.scale, "rows": rows, "raw": raw, "failures": failures}, f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
