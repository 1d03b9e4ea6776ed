#!/usr/bin/env python3
"""Benchmark the review page's response time with many flagged rows in the store.

Builds (or reuses) a store of N flagged rows with real PNG crops
(scanner.review.sample), starts the review server in this process on
127.0.0.1, and times real HTTP requests for each kind of page: the next row at
the start, middle and end of the queue, the field-by-field index and lists, an
image, and decisions (POST, then the page it redirects to). Prints median, 95th
percentile and max in milliseconds, and the page size, which stays the same
whatever N is (one row, or one page of values, per request).

    .venv/bin/python tools/bench_review.py --rows 10000
    .venv/bin/python tools/bench_review.py --rows 10000 --store /tmp/bench-review.sqlite  # keep/reuse the store
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.review.sample import build_store
from scanner.review.server import ReviewOptions, ReviewServer
from scanner.store import Store


@dataclass
class Timing:
    name: str
    ms: list[float]
    size: int

    def row(self) -> str:
        ordered = sorted(self.ms)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return (f"| {self.name} | {len(ordered)} | {statistics.median(ordered):.1f} | {p95:.1f} | {ordered[-1]:.1f}"
                f" | {self.size / 1024:.1f} |")


class Browser:
    """A cookie-keeping client that sends what a browser sends (Origin on POST)."""

    def __init__(self, server: ReviewServer) -> None:
        self.base = f"http://127.0.0.1:{server.port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = server.guard.csrf
        started = time.perf_counter()
        self.opener.open(server.url).read()  # the first page also builds the page's queue tables
        self.first_ms = (time.perf_counter() - started) * 1000

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=60) as resp:
            return bytes(resp.read())

    def post(self, path: str, form: dict[str, str], accept: str = "text/html") -> bytes:
        data = urlencode({"csrf": self.csrf, **form}).encode()
        req = urllib.request.Request(self.base + path, data=data, headers={"Origin": self.base, "Accept": accept})
        with self.opener.open(req, timeout=60) as resp:  # follows the 303 to the next row, like a browser
            return bytes(resp.read())


def timed(name: str, repeat: int, call: Callable[[int], bytes]) -> Timing:
    ms: list[float] = []
    size = 0
    for i in range(repeat):
        start = time.perf_counter()
        body = call(i)
        ms.append((time.perf_counter() - start) * 1000)
        size = max(size, len(body))
    return Timing(name, ms, size)


def _version(html: bytes) -> str:
    match = re.search(rb'name="version" value="([^"]+)"', html)
    return match.group(1).decode() if match else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--store", type=Path, help="store to build (if missing) and reuse; default: a temp file")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = args.store or Path(tmp.name) / "bench.sqlite"
    if not path.exists():
        started = time.perf_counter()
        build_store(path, args.rows).close()
        print(f"built {args.rows} flagged rows in {time.perf_counter() - started:.1f} s: {path}"
              f" ({path.stat().st_size / 1e6:.0f} MB)")
    with Store.open(path, create=False) as store:
        ids = [int(r) for (r,) in store.execute("SELECT id FROM rows WHERE status = 'review' ORDER BY id")]
        counts = store.count_rows()
        dups = dict(store.execute("SELECT dup_flag, COUNT(*) FROM rows WHERE dup_flag IS NOT NULL GROUP BY 1"))
    print(f"store: {counts}, duplicate flags: {dups}")
    middle, last = ids[len(ids) // 2], ids[-2]

    timings: list[Timing] = []
    with ReviewServer(ReviewOptions(store_path=path, lang="fr")).start() as server:
        client = Browser(server)
        n = args.repeat
        timings.append(Timing("first page after start (builds the queue)", [client.first_ms], 0))
        timings.append(timed("GET /next (start of queue)", n, lambda i: client.get("/next")))
        timings.append(timed("GET /next?after= (middle)", n,
                             lambda i: client.get(f"/next?after={ids[len(ids) // 2 + i]}")))
        timings.append(timed("GET /next?after= (end, wraps)", n, lambda i: client.get(f"/next?after={last}")))
        timings.append(timed("GET /row/ID", n, lambda i: client.get(f"/row/{ids[i * 97 % len(ids)]}")))
        timings.append(timed("GET /img/crop/ID/email", n, lambda i: client.get(f"/img/crop/{middle}/email")))
        timings.append(timed("GET /fields (counts per column)", n, lambda i: client.get("/fields")))
        timings.append(timed("GET /fields?column=code_postal", n, lambda i: client.get("/fields?column=code_postal")))
        timings.append(timed("GET /fields?column=code_postal&after= (middle)", n,
                             lambda i: client.get(f"/fields?column=code_postal&after={middle}")))

        post_ms: list[float] = []

        def accept(i: int) -> bytes:
            row = ids[i + 10]
            page = client.get(f"/row/{row}")
            start = time.perf_counter()
            fixes = {"v.code_postal": "75011", "v.email": f"personne{i}@exemple.fr"}  # the typed corrections
            body = client.post(f"/row/{row}", {"version": _version(page), "choice": "accept", **fixes})
            post_ms.append((time.perf_counter() - start) * 1000)
            return body

        timed("(GET + POST)", n, accept)
        timings.append(Timing("POST /row/ID accept + GET next row (redirect)", list(post_ms), 0))
        post_ms.clear()

        def correct(i: int) -> bytes:
            page = client.get(f"/fields?column=code_postal&after={ids[200 + i * 3]}")
            found = re.search(rb'action="/field/(\d+)/code_postal"', page)
            assert found is not None
            start = time.perf_counter()
            body = client.post(f"/field/{int(found.group(1))}/code_postal",
                               {"version": _version(page), "value": "75011"}, accept="application/json")
            post_ms.append((time.perf_counter() - start) * 1000)
            return body

        timed("(fields GET + POST)", n, correct)
        timings.append(Timing("POST /field/ID/code_postal (JSON, in place)", list(post_ms), 0))

    print(f"\n{len(ids)} flagged rows; {n} requests each; times in ms over real HTTP on 127.0.0.1\n")
    print("| request | n | median | p95 | max | page KiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for timing in timings:
        print(timing.row())
    tmp.cleanup()


if __name__ == "__main__":
    main()
