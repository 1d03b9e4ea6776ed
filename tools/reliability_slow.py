"""The slow probes of tools/reliability.py: kills and resume, network, orphans, two runs on one store."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import probekit as kit

Result = tuple[bool, str]


def _pages(folder: Path) -> Path:
    """The demo set's petition pages (12 pages of 4 files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("scan-001.pdf", "scan-002.pdf", "foreign-001.pdf", "photo-001.jpg", "fax-001.png"):
        shutil.copy(kit.DEMO / name, folder)
    return folder


def _process(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [kit.CLI, "process", str(inputs), "--form", str(kit.FOREIGN), "--out", str(out), "--workers", "2", "-q",
            *extra]


def _rows(out: Path) -> list[tuple[str, ...]]:
    rows = []
    for name in ("clean.csv", "review.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            rows += [(name, *r) for r in list(csv.reader(fh))[1:]]
    return sorted(rows)


def kill_resume(work: Path) -> Result:
    """SIGKILL the whole run (workers too) each time a new page is stored, three times; then finish."""
    inputs = _pages(work / "in")
    for name in list(os.listdir(inputs)):
        shutil.copy(inputs / name, inputs / f"again-{name}")  # 24 pages
    whole = kit.run(_process(inputs, work / "whole"))
    expected = _rows(work / "whole")
    store = work / "killed" / "petition.sqlite"
    kills, stored = 0, []
    for _ in range(3):
        before = kit.stored_pages(store)
        proc = subprocess.Popen(_process(inputs, work / "killed"), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while proc.poll() is None and kit.stored_pages(store) <= before and time.monotonic() < deadline:
            time.sleep(0.2)
        tree = kit.descendants(proc.pid) | {proc.pid}
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        kit.kill_all(tree)
        stored.append(kit.stored_pages(store))
    final = kit.run(_process(inputs, work / "killed"))
    got = _rows(work / "killed")
    ok = whole.returncode in (0, 1) and final.returncode == whole.returncode and got == expected and kills == 3
    return ok, (f"{kills} SIGKILLs (pages stored at each: {stored}) then a rerun: {len(got)} rows, "
                f"uninterrupted {len(expected)}, identical: {got == expected}")


def network(work: Path) -> Result:
    if shutil.which("strace") is None:
        raise kit.Skip("strace is not installed")
    inputs = _pages(work / "in")
    log = work / "strace.log"
    done = kit.run(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,execve", "-o", str(log),
                    *_process(inputs, work / "out")])
    text = log.read_text(errors="replace") if log.exists() else ""
    inet = [line for line in text.splitlines() if re.search(r"AF_INET6?\b", line)]
    dns = [line for line in inet if "htons(53)" in line]
    pids = {line.split()[0] for line in inet}
    traced = {line.split()[0] for line in text.splitlines() if line[:1].isdigit()}
    calls = [line for line in text.splitlines() if re.match(r"\d+ +(connect|sendto|sendmsg)\(", line)]
    ok = done.returncode in (0, 1) and not inet and len(traced) > 1
    return ok, (f"exit {done.returncode}; strace -f: {len(calls)} connect/send calls from {len(traced)} pid(s); "
                f"{len(inet)} AF_INET/AF_INET6 ({len(dns)} to port 53) from {len(pids)} process(es)"
                + (f"; first: {inet[0][:100]}" if inet else ""))


def _orphans(work: Path, sig: signal.Signals, want: int | None) -> Result:
    inputs = _pages(work / "in")
    proc = subprocess.Popen(_process(inputs, work / "out"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    tree: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None and len(tree) < 2:
        time.sleep(0.5)
        tree = kit.descendants(proc.pid)
    if proc.poll() is not None:
        return False, f"the run ended before its workers started (exit {proc.returncode})"
    time.sleep(2)
    tree |= kit.descendants(proc.pid)
    proc.send_signal(sig)  # the main process only, as a closed terminal or `kill` does
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    time.sleep(5)
    left = kit.alive(tree)
    names = sorted({kit.cmdline(pid)[:60] for pid in left})
    kit.kill_all(left)
    ok = not left and (want is None or code == want)
    return ok, (f"exit {code}" + (f" (want {want})" if want is not None else "")
                + f"; {len(tree)} child process(es), {len(left)} still running 5 s after"
                + (f" ({'; '.join(names)})" if names else ""))


def _dup_links(store: Path) -> set[tuple[frozenset[str], str]]:
    """Each duplicate link as {row, the row it repeats} and its kind: the same whichever batch came first."""
    with sqlite3.connect(store) as conn:
        return {(frozenset({f"{s}:{p}:{r}", str(of)}), str(flag)) for s, p, r, of, flag in conn.execute(
            "SELECT p.source, p.page, r.row_no, r.duplicate_of, r.dup_flag FROM rows r JOIN pages p"
            " ON p.id = r.page_id WHERE r.dup_flag IS NOT NULL")}


def two_runs(work: Path) -> Result:
    """Two batches with people in common, on one store: at the same time as one after the other."""
    one, two = work / "one", work / "two"
    for folder, names in ((one, ("scan-001.pdf", "photo-001.jpg", "scan-200dpi.tif")),
                          (two, ("scan-002.pdf", "photo-002.jpg", "photo-003.jpg", "fax-001.png"))):
        folder.mkdir()
        for name in names:
            shutil.copy(kit.DEMO / name, folder)
    sequential = work / "sequential.sqlite"
    for d in (one, two):
        kit.run(_process(d, work / f"seq-{d.name}", "--store", str(sequential)))
    store = work / "shared.sqlite"
    procs = [subprocess.Popen(_process(d, work / f"out-{d.name}", "--store", str(store)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for d in (one, two)]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    refused = [i for i, (_, err) in enumerate(outs) if codes[i] == 2 and "in use" in err]
    if refused:
        said = kit.first_line(outs[refused[0]][1], "in use")
        return len(refused) == 1, f"exits {codes}; refused: {said}"
    want, got = _dup_links(sequential), _dup_links(store)
    ok = want == got and len(want) > 0
    return ok, (f"exits {codes}, no lock; duplicate links: {len(got)} together, {len(want)} one after the other, "
                f"{len(want - got)} lost, {len(got - want)} new"
                + "".join(f"; {w}: {' = '.join(sorted(pair))} ({kind})" for w, links in (("lost", want - got),
                          ("new", got - want)) for pair, kind in sorted(links, key=str)))


SLOW: list[tuple[str, Callable[[Path], Result]]] = [
    ("kill_resume", kill_resume),
    ("network", network),
    ("orphans_sigterm", lambda w: _orphans(w, signal.SIGTERM, 143)),
    ("orphans_sighup", lambda w: _orphans(w, signal.SIGHUP, 129)),
    ("orphans_sigkill", lambda w: _orphans(w, signal.SIGKILL, None)),
    ("two_runs_one_store", two_runs),
]
