"""The local HTTP server of the review page (stdlib only, 127.0.0.1 only).

``ThreadingHTTPServer`` so a browser's idle pre-connections never block the
page; the store itself is used from a single thread (``StoreWorker``), and
SQLite transactions plus the version check keep two tabs (or two review
processes) from overwriting each other.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from scanner.dedupe import open_store
from scanner.review.app import Request, Response, ReviewApp, StoreWorker
from scanner.review.security import Guard
from scanner.review.text import Lang
from scanner.store import Store, resolve_store_path

log = logging.getLogger("petition_scan.review")

#: Largest form body accepted (a row's values are a few hundred bytes).
MAX_BODY = 256 * 1024
LOOPBACK = "127.0.0.1"
#: Seconds a request may take to send its body: a truncated body must not hold a thread for good.
BODY_TIMEOUT = 10.0
_DIGITS = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class ReviewOptions:
    store_path: Path
    port: int = 0  #: 0: any free port
    lang: Lang = "fr"
    who: str = "review"  #: written in the audit trail's ``who``
    page_size: int = 40  #: values per page in field-by-field mode


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "petition-scan-review"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _refuse(self, status: int, reason: str) -> None:
        """A malformed request: one log line, a short answer, and the connection closed
        (what follows on it cannot be trusted to start a new request)."""
        log.warning("review page: %s %s refused (%d): %s", self.command, urlsplit(self.path).path, status, reason)
        self.close_connection = True
        self._write(Response(status, f"{reason}\n".encode(), "text/plain; charset=utf-8", [("Connection", "close")]))

    def _body(self) -> bytes | None:
        """The request's body, or None after answering a bad one (400, 411, 413)."""
        values = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, "Transfer-Encoding is not supported: send a Content-Length")
            return None
        if not values:
            return b""
        if len(set(v.strip() for v in values)) > 1 or not _DIGITS.match(values[0].strip()):
            self._refuse(400, f"bad Content-Length {values[0][:40]!r}: a single whole number is needed")
            return None
        length = int(values[0])
        if length > MAX_BODY:
            self._refuse(413, f"body of {length} bytes, more than the {MAX_BODY} accepted")
            return None
        self.connection.settimeout(BODY_TIMEOUT)
        try:
            body = self.rfile.read(length)
        except (TimeoutError, OSError):
            body = b""
        finally:
            self.connection.settimeout(None)
        if len(body) < length:
            self._refuse(400, f"body shorter than its Content-Length ({len(body)} of {length} bytes)")
            return None
        return body

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        form: dict[str, list[str]] = {}
        body = self._body()
        if body is None:
            return
        if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        req = Request(method=method, path=url.path, query=parse_qs(url.query), headers=headers, form=form)
        try:
            resp = self.server.app.handle(req)
        except Exception:  # one broken request must not stop the page
            log.exception("review page: error on %s %s", method, url.path)
            resp = Response(500, b"internal error: see the terminal", "text/plain")
        self._write(resp)

    def _write(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def log_message(self, format: str, *args: object) -> None:
        # Never the query string: the first URL carries the session token.
        log.debug("review %s %s", self.command, urlsplit(self.path).path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    app: ReviewApp

    def handle_error(self, request: object, client_address: object) -> None:
        """One line, not socketserver's traceback: a client that hangs up is no fault of ours."""
        exc = sys.exc_info()[1]
        log.warning("review page: a connection failed (%s: %s)", type(exc).__name__, exc)


class ReviewServer:
    """The review page over one store; ``url`` is what the user opens."""

    def __init__(self, options: ReviewOptions, opener: Callable[[], Store] | None = None) -> None:
        path = resolve_store_path(options.store_path)
        self.options = options
        self.worker = StoreWorker(opener or (lambda: open_store(path, create=False)), options.who)
        try:
            self.httpd = _Server((LOOPBACK, options.port), _Handler)
        except OSError:
            self.worker.close()
            raise
        self.port = int(self.httpd.server_address[1])
        self.guard = Guard(port=self.port, host=LOOPBACK)
        self.httpd.app = ReviewApp(
            self.guard, self.worker, lang=options.lang, page_size=options.page_size,
            store_hint=f"petition-scan export --store {path} --out final.csv",
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The start URL with the one-time token (print it; do not log it elsewhere)."""
        return self.guard.start_url()

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> Self:
        """Serve from a background thread (tests, benchmarks)."""
        self._thread = threading.Thread(target=self.serve_forever, name="review-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
        self.worker.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
