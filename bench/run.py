#!/usr/bin/env python3
"""ewsdiag benchmark: the measurement behind issue 9's "Done when".

    python3 bench/run.py                                # full size, default corpora, 5 rounds
    python3 bench/run.py --ewsdiag target/release/ewsdiag --corpora ordinary,dense,big,heavy,tiny,huge
    python3 bench/run.py --scale 0.02 --rounds 1 --max-load 99   # a quick check that it all works
    python3 bench/run.py --prepare-only        # generate the corpora and check counts; time nothing

Corpora (under --dir, default /tmp/ewsdiag-bench; each has an exact manifest of
the findings ewsdiag must report):

    ordinary       1 GiB, 100 files of server and trace logs, CSV and JSON exports;
                   about 1% of the records carry a payload (bench/corpus.py)
    dense          300 MiB, 30 files that are mostly payloads
    big            the ordinary corpus concatenated into one 1 GiB log
    heavy          2 GiB folder of payload-heavy files (40 files, dense's mix)
    tiny           200,000 tiny files of 2-6 lines; one in ten has a payload
    huge           heavy concatenated 5 times: one 10 GiB log, for the memory
                   figure; only when named in --corpora
    shared-noise   the shared generator's ordinary corpus (1000 MiB, 100 files) and
    shared-dense   its dense one (300 MiB, 30 files), made with ../shared/bench/
                   gen_corpus.py, whose ground truth is its JSON output; skipped
                   (and said so) when that folder is absent

bench/corpus.py sets its densities in findings per MiB a little above the shared
generator's, and its noise trips the anchors more often, so its corpora are at
least as demanding. --scale shrinks every corpus (sizes and the tiny-file count).

Per corpus: read every file once (warm page cache); one untimed ndjson run whose
finding count must equal the manifest's; one untimed `scan --timings` run for the
CPU seconds per phase; wait until the 1-minute load average is below --max-load
(at most --load-wait seconds, then the numbers are flagged as from a busy
machine); then the tools round-robin, one child at a time, the order rotating
each round, --rounds rounds, medians:

    ewsdiag        ewsdiag scan --format ndjson -j2 (full ndjson with diagnoses, to /dev/null)
    rg -c          rg -c ResponseCode
    script         the plain regex script (shared py_baseline.py, else bench/regex_script.py)
    summary        ewsdiag scan --format summary -j2 (dense, big, heavy, huge, shared-dense)
    ewsdiag -j1    ewsdiag scan --format ndjson -j1 (dense, tiny, shared-dense)

Peak RSS is each child's own (GNU time's %M when installed, else ru_maxrss).
Prints Markdown tables (times and ratios, CPU per phase, -j1 vs -j2, targets
with PASS/MISS) and writes them with the raw numbers to <dir>/results.md and
<dir>/results.json. Exit status 1 when a count is off or a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench")
sys.path.insert(0, BENCH)
import corpus  # noqa: E402  (bench/corpus.py)

MiB = 1024 * 1024
DEFAULT_CORPORA = "ordinary,dense,big,heavy,tiny,shared-noise,shared-dense"
# The shared generator's corpora at scale 1: name -> (MiB, files, extra flags).
SHARED = {"shared-noise": (1000, 100, []), "shared-dense": (300, 30, ["--dense"])}
# Which extra runs and which targets each corpus gets.
SPECS = {
    "ordinary": {"script": True, "targets": ["speed-ordinary"]},
    "dense": {"script": True, "summary": True, "j1": True, "targets": ["speed-dense", "memory", "threads-dense"]},
    "big": {"summary": True, "targets": ["memory"]},
    "heavy": {"script": True, "summary": True, "targets": ["memory"]},
    "tiny": {"script": True, "j1": True, "targets": ["threads-tiny"]},
    "huge": {"rg": False, "summary": True, "rounds": 1, "targets": []},
    "shared-noise": {"script": True, "targets": ["speed-ordinary"]},
    "shared-dense": {"script": True, "summary": True, "j1": True,
                     "targets": ["speed-dense", "memory", "threads-dense"]},
}
EWSDIAG_TOOLS = ("ewsdiag", "summary", "ewsdiag -j1")
PHASES = ["scan", "diagnose", "tally", "render", "correlate", "report"]


def say(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- setup


def build(out_dir: str, rev: str | None) -> str:
    """Builds the working tree, or with --rev a clean export of that commit (so
    uncommitted edits in src/ are not what gets timed); returns a copy of the
    binary next to the corpora, so a rebuild during the run changes nothing."""
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
    shutil.copy2(src, dst)
    return dst


def ensure_rg() -> str:
    rg = shutil.which("rg")
    if rg:
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


def default_shared_dir() -> str:
    """../shared/bench beside the repository; for a git worktree, beside the main one."""
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    for repo in (REPO, os.path.dirname(common) if common else None):
        if repo and os.path.isdir(os.path.join(repo, "..", "shared", "bench")):
            return os.path.normpath(os.path.join(repo, "..", "shared", "bench"))
    return os.path.normpath(os.path.join(REPO, "..", "shared", "bench"))


def shared_args(name: str, scale: float) -> tuple[float, int, list[str]]:
    mib, files, flags = SHARED[name]
    return round(mib * scale, 3), files, flags


def shared_truth_matches(name: str, scale: float, truth: dict, root: str) -> bool:
    """Whether an existing shared corpus (made before, its JSON saved beside it)
    is what gen_corpus.py writes with this scale's arguments."""
    mib, files, _ = shared_args(name, scale)
    if not os.path.isdir(root) or len(os.listdir(root)) != truth.get("files"):
        return False
    return truth.get("files") == files and truth.get("bytes") == files * int(mib * 1024 * 1024 / files)  # as the generator computes it


def ensure_shared(out_dir: str, name: str, scale: float, shared_dir: str) -> dict:
    """The shared generator's corpus and a manifest from its printed ground truth."""
    root = os.path.join(out_dir, name)
    mp = corpus.manifest_path(out_dir, name)
    if os.path.exists(mp):
        with open(mp) as f:
            m = json.load(f)
        if m.get("scale") == scale and shared_truth_matches(name, scale, m, root):
            return m
    mib, files, flags = shared_args(name, scale)
    legacy = os.path.join(out_dir, f"{name}.json")  # what an earlier hand run saved
    truth = None
    if os.path.exists(legacy):
        with open(legacy) as f:
            truth = json.load(f)
        if not shared_truth_matches(name, scale, truth, root):
            truth = None
    if truth is None:
        cmd = [sys.executable, os.path.join(shared_dir, "gen_corpus.py"), root, str(mib), *flags, "--files", str(files)]
        say(f"[{name}] generating: {' '.join(cmd)}")
        if os.path.exists(root) and (os.path.exists(mp) or os.path.exists(legacy)):
            shutil.rmtree(root)  # made by this script or by a hand run of the generator
        elif os.path.exists(root):
            os.rename(root, f"{root}.unmanaged-{int(time.time())}")  # not ours: keep it
        truth = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    m = {"corpus": name, "path": root, "scale": scale, "generator": "shared gen_corpus.py",
         "args": [str(mib), *flags, "--files", str(files)], **truth,
         "findings_per_mib": round(truth["findings"] / truth["bytes"] * MiB, 1)}
    with open(mp, "w") as f:
        json.dump(m, f, indent=2)
    return m


def ensure_corpora(out_dir: str, scale: float, names: list[str], shared_dir: str) -> dict:
    """Manifests of the corpora, generating those missing or stale."""
    own = [n for n in names if n not in SHARED]
    missing = [n for n in own if not corpus.current(out_dir, n, scale)]
    if missing:
        say(f"generating {', '.join(missing)} at scale {scale} into {out_dir} (bench/corpus.py)")
        subprocess.run([sys.executable, os.path.join(BENCH, "corpus.py"), out_dir, "--scale", str(scale),
                        "--only", ",".join(missing)], check=True)
    manifests = {n: corpus.current(out_dir, n, scale) for n in own}
    for n in names:
        if n not in SHARED:
            continue
        if not os.path.exists(os.path.join(shared_dir, "gen_corpus.py")):
            say(f"[{n}] skipped: the shared generator {shared_dir}/gen_corpus.py is absent")
            continue
        manifests[n] = ensure_shared(out_dir, n, scale, shared_dir)
    return {n: manifests[n] for n in names if n in manifests}


def warm(path: str):
    """Read every byte once so that all tools start from a warm page cache."""
    for p in files_of(path):
        with open(p, "rb", buffering=0) as f:
            while f.read(8 * MiB):
                pass


def files_of(path: str) -> list[str]:
    return [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]


def wait_for_quiet(max_load: float, timeout: float) -> tuple[float, bool]:
    """Waits until the 1-minute load average is below max_load; (load, quiet)."""
    load = os.getloadavg()[0]
    if load < max_load:
        return load, True
    if timeout <= 0:
        say(f"  load average {load:.2f}: timing on a busy machine")
        return load, False
    say(f"  waiting for the 1-minute load average ({load:.2f}) to drop below {max_load} (at most {timeout:.0f} s)")
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(min(15, max(1, deadline - time.time())))
        load = os.getloadavg()[0]
        if load < max_load:
            say(f"  load average {load:.2f}: going on")
            return load, True
    say(f"  gave up waiting: load average {load:.2f}; these numbers are from a busy machine")
    return load, False


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
    data = p.stdout.read() if capture else b""  # small output: the script prints one line
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    rss = ru.ru_maxrss / 1024
    if GNU_TIME:
        with open(RSS_FILE) as f:
            rss = int(f.read().split()[-1]) / 1024  # "Command exited with ..." may precede it
        os.unlink(RSS_FILE)
    return wall, rss, p.returncode, data.decode().strip()


FIELD = re.compile(rb'"(shape|code)":"([^"]*)"')
FINDING = b'{"type":"finding"'  # starts every finding line; inside strings a quote is escaped


def count_quickly(ewsdiag: str, path: str) -> tuple[int, dict | None, int]:
    """One untimed ndjson run, read in large blocks: (finding lines, summary
    line, exit status). Fast enough for the 10 GiB corpus's output."""
    p = subprocess.Popen([ewsdiag, "scan", "--format", "ndjson", "-j2", path], stdout=subprocess.PIPE)
    found, tail, last = 0, b"", b""
    while block := p.stdout.read(16 * MiB):
        block = tail + block
        cut = block.rfind(b"\n") + 1
        if cut:
            found += block[:cut].count(FINDING)
            last = block[:cut - 1].rsplit(b"\n", 1)[-1]  # the latest complete line
        tail = block[cut:]
    last = tail or last
    summary = json.loads(last) if last.startswith(b'{"type":"summary"') else None
    return found, summary, p.wait()


def count_by_kind(ewsdiag: str, path: str) -> dict:
    """Findings by shape and by code (read from each finding line's head), to
    show where a count that does not match differs."""
    p = subprocess.Popen([ewsdiag, "scan", "--format", "ndjson", "-j2", path], stdout=subprocess.PIPE)
    by = {"shape": {}, "code": {}}
    for line in p.stdout:
        if line.startswith(FINDING):
            head = {}
            for k, v in FIELD.findall(line[:2000]):
                head.setdefault(k, v)  # the finding's own, not its diagnosis's
            for key in by:
                v = head.get(key.encode(), b"?").decode()
                by[key][v] = by[key].get(v, 0) + 1
    p.wait()
    return by


def check_count(name: str, m: dict, ewsdiag: str) -> tuple[bool, int]:
    found, summary, status = count_quickly(ewsdiag, m["path"])
    ok = found == m["findings"] and summary is not None and summary["findings"] == found and status == 0
    say(f"[{name}] findings: ewsdiag {found}, manifest {m['findings']} -> {'OK' if ok else 'MISMATCH'}"
        f" (exit {status}; summary line says {summary and summary['findings']})")
    if not ok and "by_shape" in m:
        by = count_by_kind(ewsdiag, m["path"])
        for key, got in by.items():
            want = m[f"by_{key}"]
            diff = {k: got.get(k, 0) - want.get(k, 0) for k in sorted(set(got) | set(want))}
            say(f"  difference by {key} (ewsdiag minus manifest): { {k: v for k, v in diff.items() if v} }")
    return ok, found


PHASE_LINE = re.compile(r"CPU seconds by phase: (.*)")


def phase_times(ewsdiag: str, path: str) -> dict | None:
    """CPU seconds per phase from one untimed `scan --timings` ndjson run."""
    t0 = time.perf_counter()
    p = subprocess.run([ewsdiag, "scan", "--timings", "--format", "ndjson", "-j2", path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    m = PHASE_LINE.search(p.stderr)
    if not m:
        say(f"  no phase line on stderr from --timings: {p.stderr.strip()[:200]!r}")
        return None
    phases = {k: float(v) for k, v in (part.strip().split() for part in m.group(1).split(","))}
    phases["wall"] = wall
    return phases


def round_robin(tools: dict[str, list[str]], rounds: int) -> dict:
    """Each round runs every tool once; the order rotates between rounds."""
    res = {t: [] for t in tools}
    names = list(tools)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for t in order:
            res[t].append(timed(tools[t], capture=(t == "script")))
        say(f"  round {r + 1}/{rounds}: " + ", ".join(f"{t} {res[t][-1][0]:.2f}s" for t in names))
    return res


def tools_for(name: str, path: str, ewsdiag: str, rg: str, script: str) -> dict[str, list[str]]:
    spec = SPECS[name]
    tools = {"ewsdiag": [ewsdiag, "scan", "--format", "ndjson", "-j2", path]}
    if spec.get("rg", True):
        tools["rg -c"] = [rg, "-c", "ResponseCode", path]
    if spec.get("script"):
        tools["script"] = [sys.executable, script, path]
    if spec.get("summary"):
        tools["summary"] = [ewsdiag, "scan", "--format", "summary", "-j2", path]
    if spec.get("j1"):
        tools["ewsdiag -j1"] = [ewsdiag, "scan", "--format", "ndjson", "-j1", path]
    return tools


def measure(name: str, m: dict, a, ewsdiag: str, rg: str, script: str) -> dict:
    """Everything measured on one corpus."""
    path = m["path"]
    say(f"[{name}] {m['files']} file(s), {m['bytes'] / MiB:.0f} MiB, {m['findings']} findings; warming the cache")
    warm(path)
    ok, found = check_count(name, m, ewsdiag)
    phases = phase_times(ewsdiag, path)
    load_before, quiet = wait_for_quiet(a.max_load, a.load_wait)
    if not quiet:
        a.load_wait = 0  # waited in vain once: do not wait again for every corpus
    rounds = SPECS[name].get("rounds", a.rounds)
    res = round_robin(tools_for(name, path, ewsdiag, rg, script), rounds)
    stats = {t: {"median": statistics.median(x[0] for x in v), "min": min(x[0] for x in v),
                 "rss": max(x[1] for x in v), "status": sorted({x[2] for x in v}), "out": v[-1][3]}
             for t, v in res.items()}
    return {"manifest": {k: v for k, v in m.items() if not k.startswith("by_")}, "count_ok": ok, "found": found,
            "phases": phases, "load": [round(load_before, 2), round(os.getloadavg()[0], 2)], "quiet": quiet,
            "stats": stats, "raw": {t: [list(x[:3]) for x in v] for t, v in res.items()}}


# --------------------------------------------------------------------------- targets


def targets(results: dict) -> list[tuple[bool, str]]:
    """(passed, line) for every target of the issue that applies to the corpora run."""
    out = []
    for name, r in results.items():
        s = {t: v["median"] for t, v in r["stats"].items()}
        out.append((r["count_ok"], f"{name}: exact finding count ({r['found']} found, manifest {r['manifest']['findings']})"))
        failed = {t: v["status"] for t, v in r["stats"].items() if t in EWSDIAG_TOOLS and v["status"] != [0]}
        if failed:
            out.append((False, f"{name}: timed ewsdiag runs exited with {failed} (0 expected: findings were reported)"))
        for target in SPECS[name]["targets"]:
            if target == "speed-ordinary":
                q = s["ewsdiag"] / s["rg -c"]
                out.append((q <= 3, f"{name}: ewsdiag ≤ 3× rg -c: {q:.2f}× (stretch ≤ 2×: {'met' if q <= 2 else 'not met'})"))
                q = s["ewsdiag"] / s["script"]
                out.append((q <= 0.25, f"{name}: ewsdiag ≥ 4× faster than the script: {1 / q:.2f}× faster"))
            elif target == "speed-dense":
                q = s["ewsdiag"] / s["script"]
                out.append((q <= 1.0, f"{name}: ewsdiag ≤ 1.0× the script's time: {q:.2f}× "
                                      f"(stretch ≤ 0.6×: {'met' if q <= 0.6 else 'not met'})"))
            elif target == "memory":
                for t, label in (("ewsdiag", "ndjson"), ("summary", "summary")):
                    rss = r["stats"][t]["rss"]
                    out.append((rss <= 64, f"{name}: peak RSS ≤ 64 MiB with --format {label}: {rss:.1f} MiB"))
            elif target in ("threads-dense", "threads-tiny"):
                q = s["ewsdiag -j1"] / s["ewsdiag"]
                need = 1.6 if target == "threads-dense" else 1.0
                out.append((q >= need, f"{name}: -j2 ≥ {need}× faster than -j1: {q:.2f}×"))
    return out


# --------------------------------------------------------------------------- report


def fmt(x, f="{:.2f}"):
    return "–" if x is None else f.format(x)


def corpus_table(manifests: dict) -> list[str]:
    lines = ["| corpus | files | MiB | findings | findings per MiB | payload share of records | made by |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, m in manifests.items():
        share = m.get("payload_item_share")
        made = m.get("generator") or ("bench/corpus.py" + (f", {m['source']} × {m['times']}" if "source" in m else ""))
        lines.append(f"| {name} | {m['files']} | {m['bytes'] / MiB:.0f} | {m['findings']} | "
                     f"{m['findings'] / m['bytes'] * MiB:.0f} | {fmt(share, '{:.1%}')} | {made} |")
    return lines


def time_table(results: dict) -> list[str]:
    lines = ["| corpus | tool | median s | min s | peak RSS MiB | ÷ rg | ÷ script | counted | load avg |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for name, r in results.items():
        m, st = r["manifest"], r["stats"]
        label = f"{name} ({m['bytes'] / MiB:.0f} MiB, {m['files']} file{'s' if m['files'] > 1 else ''})"
        rg, script = st.get("rg -c", {}).get("median"), st.get("script", {}).get("median")
        for t, v in st.items():
            counted = {"rg -c": "lines", "script": f"{v['out'].split()[0] if v['out'] else '?'} pairs"}.get(
                t, f"{r['found']} findings")
            load = f"{r['load'][0]:.2f}→{r['load'][1]:.2f}" + ("" if r["quiet"] else " busy")
            lines.append(f"| {label} | {t} | {v['median']:.2f} | {v['min']:.2f} | {v['rss']:.1f} | "
                         f"{fmt(rg and v['median'] / rg)} | {fmt(script and v['median'] / script)} | {counted} | {load} |")
    return lines


def phase_table(results: dict) -> list[str]:
    lines = ["| corpus | " + " | ".join(PHASES) + " | CPU total | wall |", "|---|" + "---:|" * (len(PHASES) + 2)]
    for name, r in results.items():
        p = r["phases"]
        if p:
            cpu = sum(p.get(k, 0) for k in PHASES)
            lines.append(f"| {name} | " + " | ".join(fmt(p.get(k)) for k in PHASES) + f" | {cpu:.2f} | {p['wall']:.2f} |")
    return lines


def threads_table(results: dict) -> list[str]:
    lines = ["| corpus | -j1 median s | -j2 median s | -j1 ÷ -j2 |", "|---|---:|---:|---:|"]
    for name, r in results.items():
        st = r["stats"]
        if "ewsdiag -j1" in st:
            j1, j2 = st["ewsdiag -j1"]["median"], st["ewsdiag"]["median"]
            lines.append(f"| {name} | {j1:.2f} | {j2:.2f} | {j1 / j2:.2f} |")
    return lines


def report(results: dict, checks: list, header: str) -> str:
    lines = [header, "", "Corpora:", ""]
    lines += corpus_table({n: r["manifest"] for n, r in results.items()})
    lines += ["", "Times (medians over rounds; ratios are this tool's median ÷ rg's or ÷ the script's):", ""]
    lines += time_table(results)
    lines += ["", "CPU seconds per phase (`scan --timings`, ndjson, -j2, one untimed run):", ""]
    lines += phase_table(results)
    lines += ["", "Threads (ndjson):", ""]
    lines += threads_table(results)
    lines += ["", "Targets (issue 9):", ""]
    lines += [f"- {'PASS' if ok else 'MISS'} {text}" for ok, text in checks]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/ewsdiag-bench", help="where corpora and results go (not the repo)")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor for every corpus (0.02 for a quick check)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpora", default=DEFAULT_CORPORA,
                    help=f"comma-separated, from {', '.join(SPECS)} (default: all but huge)")
    ap.add_argument("--ewsdiag", help="time this prebuilt binary instead of building")
    ap.add_argument("--rev", help="build this commit (a clean git archive) instead of the working tree")
    ap.add_argument("--shared", help="folder of the shared generator (default: ../shared/bench beside the repo)")
    ap.add_argument("--max-load", type=float, default=1.5, help="time only when the 1-minute load average is below this")
    ap.add_argument("--load-wait", type=float, default=900, help="seconds to wait for that before going on anyway (once per run)")
    ap.add_argument("--prepare-only", action="store_true",
                    help="generate the corpora and check the finding counts, time nothing")
    a = ap.parse_args()
    out_dir = os.path.abspath(a.dir)
    if os.path.commonpath([out_dir, REPO]) == REPO:
        sys.exit("--dir must be outside the repository")
    names = a.corpora.split(",")
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        sys.exit(f"unknown corpus {', '.join(unknown)}; known: {', '.join(SPECS)}")
    os.makedirs(out_dir, exist_ok=True)
    shared_dir = os.path.abspath(a.shared) if a.shared else default_shared_dir()

    if a.rev:  # pin the commit now: others may commit while this runs
        a.rev = subprocess.run(["git", "rev-parse", "--short", a.rev], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout.strip()
    ewsdiag = os.path.abspath(a.ewsdiag) if a.ewsdiag else build(out_dir, a.rev)
    rg = ensure_rg()
    baseline = os.path.join(shared_dir, "py_baseline.py")
    script = baseline if os.path.exists(baseline) else os.path.join(BENCH, "regex_script.py")
    manifests = ensure_corpora(out_dir, a.scale, names, shared_dir)
    if a.prepare_only:
        ok = [check_count(name, m, ewsdiag)[0] for name, m in manifests.items()]
        print("\n".join(corpus_table(manifests)))
        sys.exit(0 if all(ok) else 1)

    results = {name: measure(name, m, a, ewsdiag, rg, script) for name, m in manifests.items()}
    checks = targets(results)
    rev = a.rev or (a.ewsdiag and os.path.abspath(a.ewsdiag)) or subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    busy = [n for n, r in results.items() if not r["quiet"]]
    header = (f"ewsdiag {rev}; {rg_version}; script {os.path.relpath(script, REPO)}; Python {platform.python_version()}; "
              f"{os.cpu_count()} CPUs; scale {a.scale}; {a.rounds} rounds; warm page cache; output to /dev/null; "
              f"1-minute load average before→after each corpus's timing in the table"
              + (f". BUSY MACHINE (load stayed ≥ {a.max_load}) for: {', '.join(busy)}" if busy else ""))
    text = report(results, checks, header)
    print(text)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"rev": rev, "scale": a.scale, "rounds": a.rounds, "max_load": a.max_load, "results": results,
                   "targets": [{"pass": ok, "target": t} for ok, t in checks]}, f, indent=1)
    sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
