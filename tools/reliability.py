"""The probes of issue 18: bad inputs, faults, kills, hostile requests; one line per probe.

    .venv/bin/python tools/reliability.py          # every probe (a few minutes)
    .venv/bin/python tools/reliability.py --fast   # the quick ones (CI: tests/test_reliability.py)
    .venv/bin/python tools/reliability.py --only huge_form,bad_content_length

Each probe runs the real CLI in a subprocess on files it makes, and prints
``name  PASS|FAIL|SKIP  what it saw``. Exit status 1 when any probe fails.
SKIP: the machine cannot stage the fault (no mount namespace, no strace).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faults
import probekit as kit

Skip = kit.Skip
Result = tuple[bool, str]


@dataclass(frozen=True)
class Probe:
    name: str
    fast: bool
    run: Callable[[Path], Result]


PROBES: list[Probe] = []


def probe(name: str, *, fast: bool) -> Callable[[Callable[[Path], Result]], Callable[[Path], Result]]:
    def register(fn: Callable[[Path], Result]) -> Callable[[Path], Result]:
        PROBES.append(Probe(name, fast, fn))
        return fn

    return register


def _csv_rows(out: Path, *names: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in names:
        with (out / name).open(encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


# --- fast probes --------------------------------------------------------------------------


@probe("bad_files", fast=True)
def bad_files(work: Path) -> Result:
    kinds = kit.bad_batch(work / "in")
    done = kit.cli("process", str(work / "in"), "--form", str(kit.FOREIGN), "--out", str(work / "out"),
                   "--workers", "1", "-q")
    unreadable = [line for line in done.stderr.splitlines() if line.startswith("unreadable:")]
    missing = [name for name in kinds if not any(f"unreadable: {name}" in line for line in unreadable)]
    tiff_page = any("corrupt.tif, page 2" in line for line in unreadable)
    rows = [r for r in _csv_rows(work / "out", "clean.csv", "review.csv") if r["source"] == "good.png"]
    ok = done.returncode == 1 and not missing and tiff_page and bool(rows) and "Traceback" not in done.stderr
    return ok, (f"exit {done.returncode}; {len(kinds) - len(missing)}/{len(kinds)} bad files named"
                + (f" (not: {', '.join(missing)})" if missing else "")
                + f"; TIFF page 2 named: {tiff_page}; good page: {len(rows)} rows")


@probe("readonly_output", fast=True)
def readonly_output(work: Path) -> Result:
    (work / "in").mkdir()
    shutil.copy(kit.DEMO / "damaged.pdf", work / "in")
    out = work / "out"
    out.mkdir()
    cmd = faults.read_only_cmd(out, [kit.CLI, "process", str(work / "in"), "--out", str(out), "-q"])
    if cmd is None:
        raise Skip("no read-only folder possible (root without mount namespaces)")
    try:
        done = kit.run(cmd)
    finally:
        out.chmod(0o755)
    said = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "(nothing)"
    ok = done.returncode == 2 and str(out) in said and ("read-only folder" in said or "permission denied" in said)
    return ok, f"exit {done.returncode}: {said}"


@probe("full_output", fast=True)
def full_output(work: Path) -> Result:
    (work / "in").mkdir()
    shutil.copy(kit.DEMO / "fax-001.png", work / "in")
    out, store = work / "out", work / "store.sqlite"
    out.mkdir()
    args = [kit.CLI, "process", str(work / "in"), "--form", str(kit.FOREIGN), "--workers", "1", "-q"]
    cmd = faults.full_disk_cmd(out, 8, [*args, "--out", str(out), "--store", str(store)])
    if cmd is None:
        raise Skip("no tiny tmpfs possible (no mount namespace)")
    full = kit.run(cmd)
    said = kit.first_line(full.stderr, "error:") or "(no error line)"
    again = kit.cli(*args[1:], "--out", str(work / "out2"), "--store", str(store))
    kept = "1 page(s) already in the store" in again.stdout
    ok = full.returncode == 2 and "disk full" in said and kept
    return ok, f"exit {full.returncode}: {said}; rerun elsewhere: page kept = {kept}"


@probe("unreadable_inputs", fast=True)
def unreadable_inputs(work: Path) -> Result:
    root = work / "in"
    (root / "a").mkdir(parents=True)
    (root / "locked").mkdir()
    shutil.copy(kit.DEMO / "damaged.pdf", root / "locked" / "x.pdf")
    (root / "a" / "loop").symlink_to("..")
    (root / "self.pdf").symlink_to("self.pdf")
    cmd = faults.unreadable_cmd(root / "locked", [kit.CLI, "process", str(root), "--out", str(work / "out"), "-q"])
    if cmd is None:
        raise Skip("no unreadable folder possible (root without setpriv)")
    try:
        done = kit.run(cmd)
    finally:
        (root / "locked").chmod(0o755)
    report_md = work / "out" / "report.md"
    report = report_md.read_text(encoding="utf-8") if report_md.exists() else ""
    named = {n: f"unreadable: {n}" in done.stderr and f"| {n} |" in report for n in ("locked/", "a/loop/", "self.pdf")}
    ok = done.returncode == 1 and all(named.values())
    return ok, f"exit {done.returncode}; named on stderr and in report.md: " + ", ".join(
        f"{n} {'yes' if v else 'NO'}" for n, v in named.items())


@probe("huge_form", fast=True)
def huge_form(work: Path) -> Result:
    column = '  - {name: c%d, type: text, label: "COLUMN"}\n'
    two = work / "two-mb.yaml"
    two.write_text("name: big\ncolumns:\n" + "".join(column % i for i in range(64_873)), encoding="utf-8")
    big = work / "sixty-five-mb.yaml"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("name: huge\ncolumns:\n")
        i = 0
        while fh.tell() < 65 * 1024 * 1024:
            fh.write("".join(column % j for j in range(i, i + 10_000)))
            i += 10_000
    seen, ok = [], True
    for path in (two, big):
        t0 = time.monotonic()
        try:
            done = kit.cli("form", "check", str(path), timeout=60)
        except Exception:  # subprocess.TimeoutExpired
            seen.append(f"{path.name}: still running after 60 s")
            ok = False
            continue
        dt = time.monotonic() - t0
        said = kit.first_line(done.stderr, "error:")
        ok &= done.returncode == 2 and "larger than" in said and dt < 10
        seen.append(f"{path.name} ({path.stat().st_size >> 20} MB): exit {done.returncode} in {dt:.1f} s"
                    f" ({said.split(': ', 2)[-1] if said else 'no error'})")
    return ok, "; ".join(seen)


def _small_store(work: Path) -> Path:
    (work / "in").mkdir(exist_ok=True)
    shutil.copy(kit.DEMO / "fax-001.png", work / "in" / "=HYPERLINK(\"x\").png")
    kit.cli("process", str(work / "in"), "--form", str(kit.FOREIGN), "--out", str(work / "out"), "--workers", "1",
            "-q")
    return work / "out" / "petition.sqlite"


@probe("bad_content_length", fast=True)
def bad_content_length(work: Path) -> Result:
    server = kit.ReviewProcess(_small_store(work))
    seen, ok = [], True
    try:
        for length, body, want in (("abc", b"", {400}), ("-1", b"x", {400}), ("99999999999999", b"", {400, 413}),
                                   ("100", b"csrf=x", {400})):
            head = f"POST /row/1 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: {length}\r\n\r\n"
            status = kit.status_of(kit.raw_http(server.port, head.encode() + body))
            ok &= status in want
            seen.append(f"{length}->{status}")
        alive = kit.request(server.port, "GET", "/static/review.css")[0] == 200
    finally:
        err = server.close()
    tracebacks = err.count("Traceback")
    lines = [line for line in err.splitlines() if "refused" in line]
    ok &= alive and tracebacks == 0 and len(lines) == 4
    return ok, f"{', '.join(seen)}; server alive after: {alive}; tracebacks: {tracebacks}; log lines: {len(lines)}"


@probe("cross_site", fast=True)
def cross_site(work: Path) -> Result:
    server = kit.ReviewProcess(_small_store(work))
    try:
        cookie = server.cookie()
        port = server.port
        good = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        body = b"choice=reject&version=1&csrf=guess"
        tries = {
            "no cookie": ("GET", "/next", {}, None),
            "DNS rebinding (Host evil)": ("GET", "/next", {"Cookie": cookie, "Host": "evil.example"}, None),
            "Origin evil": ("POST", "/row/1", {**good, "Origin": "http://evil.example"}, body),
            "Sec-Fetch-Site cross-site": ("POST", "/row/1", {**good, "Sec-Fetch-Site": "cross-site"}, body),
            "no Origin/Referer": ("POST", "/row/1", good, body),
            "wrong CSRF token": ("POST", "/row/1", {**good, "Origin": f"http://127.0.0.1:{port}"}, body),
            "Referer evil": ("POST", "/row/1", {**good, "Referer": "http://evil.example/x"}, body),
        }
        refused = {}
        for what, (method, path, headers, data) in tries.items():
            if "Host" in headers:
                answer = kit.raw_http(port, f"{method} {path} HTTP/1.1\r\nHost: evil.example\r\nCookie: {cookie}\r\n"
                                      "Connection: close\r\n\r\n".encode())
                refused[what] = kit.status_of(answer)
            else:
                refused[what] = kit.request(port, method, path, headers, data)[0]
    finally:
        server.close()
    bad = [w for w, s in refused.items() if not 400 <= s < 500]
    return not bad, f"{len(refused) - len(bad)}/{len(refused)} refused (" + ", ".join(
        f"{w}: {s}" for w, s in refused.items()) + ")"


@probe("path_traversal", fast=True)
def path_traversal(work: Path) -> Result:
    server = kit.ReviewProcess(_small_store(work))
    paths = ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/img/line/../../etc/passwd",
             "/img/crop/1/../../../etc/passwd", "//etc/passwd", "/static/review.css/../../pipeline.py",
             "/img/line/1%2f..%2f..%2fetc%2fpasswd", "/static/..%5c..%5cpipeline.py"]
    try:
        cookie = server.cookie()
        answers = {p: kit.request(server.port, "GET", p, {"Cookie": cookie}) for p in paths}
    finally:
        server.close()
    leaked = [p for p, (s, _, b) in answers.items() if s == 200 or b"root:" in b or b"import" in b]
    return not leaked, f"{len(paths) - len(leaked)}/{len(paths)} refused (statuses " + ", ".join(
        sorted({str(s) for s, _, _ in answers.values()})) + ")" + (f"; served: {leaked}" if leaked else "")


@probe("formula_injection", fast=True)
def formula_injection(work: Path) -> Result:
    store = _small_store(work)
    final = work / "final.csv"
    kit.cli("export", "--store", str(store), "--out", str(final))
    cells, risky = 0, []
    for path in (work / "out" / "clean.csv", work / "out" / "review.csv", final):
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in list(csv.reader(fh))[1:]:
                for cell in row:
                    cells += 1
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        risky.append(cell[:30])
    sources = [c for c in (r.get("source", "") for r in _csv_rows(work / "out", "clean.csv", "review.csv"))]
    ok = not risky and bool(sources) and all(s.startswith("'=") for s in sources)
    return ok, f"{cells} cells checked, {len(risky)} would run as formulas; source kept as {sources[:1]}"


@probe("control_chars", fast=True)
def control_chars(work: Path) -> Result:
    root = work / "in"
    root.mkdir()
    forged = "bad\nunreadable: forged.pdf: x\x1b[31mred.pdf"
    shutil.copy(kit.DEMO / "damaged.pdf", root / forged)
    shutil.copy(kit.DEMO / "fax-001.png", root / "fax\n\x1b[2Jname.png")
    done = kit.cli("process", str(root), "--form", str(kit.FOREIGN), "--out", str(work / "out"), "--workers", "1",
                   "-q")
    lines = [line for line in done.stderr.splitlines() if line.startswith("unreadable:")]
    report = (work / "out" / "report.md").read_text(encoding="utf-8")
    table = [line for line in report.splitlines() if line.startswith("|")]
    rows = _csv_rows(work / "out", "clean.csv", "review.csv")
    raw_esc = "\x1b" in done.stderr or "\x1b" in report
    broken = [line for line in table if not line.endswith("|")]
    real = all(r["source"] == "fax\n\x1b[2Jname.png" for r in rows) and bool(rows)
    ok = len(lines) == 1 and not raw_esc and not broken and real
    return ok, (f"{len(lines)} 'unreadable:' line(s) for 1 bad file; raw ESC printed: {raw_esc}; "
                f"broken table lines: {len(broken)}; CSV source is the real name: {real} ({len(rows)} rows)")


def main(argv: list[str] | None = None) -> int:
    import reliability_slow

    PROBES.extend(Probe(name, False, fn) for name, fn in reliability_slow.SLOW)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="only the quick probes")
    parser.add_argument("--only", help="comma-separated probe names")
    parser.add_argument("--keep", type=Path, help="keep the probes' files in this folder")
    args = parser.parse_args(argv)
    chosen = [p for p in PROBES if (not args.fast or p.fast) and (not args.only or p.name in args.only.split(","))]
    base = Path(tempfile.mkdtemp(prefix="reliability-", dir=args.keep))
    failed = 0
    for p in chosen:
        work = base / p.name
        work.mkdir()
        t0 = time.monotonic()
        try:
            ok, seen = p.run(work)
            verdict = "PASS" if ok else "FAIL"
        except Skip as skip:
            verdict, seen = "SKIP", str(skip)
        except Exception as exc:  # a probe that breaks is a failure, with what broke
            verdict, seen = "FAIL", f"probe error: {type(exc).__name__}: {exc}"
        failed += verdict == "FAIL"
        print(f"{p.name:<20} {verdict}  {seen.replace(chr(10), ' ')}  [{time.monotonic() - t0:.0f} s]", flush=True)
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
