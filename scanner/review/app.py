"""The review page's routes: a request in, a response out, no sockets.

Kept apart from the HTTP glue (``server.py``) so the security checks and the
decision flow are tested directly. Store work runs through a ``StoreWorker``:
the one thread that owns the SQLite connection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

from scanner.review import views
from scanner.review.data import RowView
from scanner.review.desk import Outcome, OutcomeKind, ReviewDesk, RowChoice
from scanner.review.security import SECURITY_HEADERS, Guard
from scanner.review.text import LANGS, Lang, action_text, t
from scanner.store import Store

T = TypeVar("T")
_ROW = re.compile(r"^/row/(\d+)$")
_FIELD = re.compile(r"^/field/(\d+)/([a-z][a-z0-9_]*)$")
_CROP = re.compile(r"^/img/crop/(\d+)/([a-z][a-z0-9_]*)$")
_LINE = re.compile(r"^/img/line/(\d+)$")
_STATIC = {"/static/review.css": "text/css; charset=utf-8", "/static/review.js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  #: names in lower case
    form: Mapping[str, list[str]] = field(default_factory=dict)

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def f(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[-1] if values else None

    def int_q(self, name: str) -> int | None:
        value = self.q(name)
        return int(value) if value and value.isdigit() else None

    @property
    def wants_json(self) -> bool:
        return "application/json" in self.headers.get("accept", "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _redirect(location: str, *extra: tuple[str, str]) -> Response:
    return Response(303, headers=[("Location", location), *extra])


class StoreWorker:
    """Runs every store call on one thread: SQLite connections stay on the thread that opened them."""

    def __init__(self, opener: Callable[[], Store], who: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-store")
        self._desk: ReviewDesk | None = None
        self._pool.submit(self._open, opener, who).result()  # a bad store fails here, before serving

    def _open(self, opener: Callable[[], Store], who: str) -> None:
        self._desk = ReviewDesk(opener(), who)

    def run(self, fn: Callable[[ReviewDesk], T]) -> T:
        def call() -> T:
            assert self._desk is not None
            return fn(self._desk)

        return self._pool.submit(call).result()

    def close(self) -> None:
        if self._desk is not None:
            self.run(lambda desk: desk.store.close())
            self._desk = None
        self._pool.shutdown(wait=True)


class ReviewApp:
    """Routes of the review page."""

    def __init__(self, guard: Guard, worker: StoreWorker, *, lang: Lang = "fr", store_hint: str = "",
                 page_size: int = 40) -> None:
        self.guard = guard
        self.worker = worker
        self.lang_default = lang
        self.store_hint = store_hint
        self.page_size = page_size
        package = resources.files("scanner.review") / "static"
        self.static = {path: (package / path.rsplit("/", 1)[1]).read_bytes() for path in _STATIC}

    # -- entry ---------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        resp = self._route(req)
        resp.headers.extend(SECURITY_HEADERS)
        return resp

    def _route(self, req: Request) -> Response:
        host = self.guard.check_host(req.headers.get("host"))
        if not host.ok:
            return self._refused(host.status, host.reason)
        if req.method == "GET" and req.path in _STATIC:
            return Response(200, self.static[req.path], _STATIC[req.path])
        if req.method == "GET" and req.path == "/" and req.q("token") is not None:
            if not self.guard.token_ok(req.q("token")):
                return self._refused(403, "wrong token: use the URL printed by 'petition-scan review'")
            # The token leaves the address bar at once; the cookie carries it from now on.
            return _redirect("/next", ("Set-Cookie", self.guard.set_cookie_header()))
        session = self.guard.check_session(req.headers)
        if not session.ok:
            return self._refused(session.status, session.reason)
        if req.method == "GET":
            return self._get(req)
        if req.method == "POST":
            verdict = self.guard.check_mutation(req.headers, req.f("csrf"))
            if not verdict.ok:
                return self._refused(verdict.status, verdict.reason)
            return self._post(req)
        return Response(405, b"", headers=[("Allow", "GET, POST")])

    def _refused(self, status: int, reason: str) -> Response:
        return Response(status, views.error_page(status, reason, self.lang_default).encode())

    def _lang(self, req: Request) -> Lang:
        cookie = req.headers.get("cookie", "")
        match = re.search(rf"(?:^|;\s*)psrlang{self.guard.port}=(fr|en)", cookie)
        value = match.group(1) if match else self.lang_default
        return "en" if value == "en" else "fr"

    def _chrome(self, desk: ReviewDesk, req: Request, mode: str = "row", message: str = "", kind: str = "info"
                ) -> views.Chrome:
        return views.Chrome(
            lang=self._lang(req), csrf=self.guard.csrf, counts=desk.data.counts(), labels=desk.data.labels(),
            can_undo=desk.can_undo(), mode=mode, message=message, message_kind=kind,
        )

    # -- GET -------------------------------------------------------------------------

    def _get(self, req: Request) -> Response:
        path = req.path
        if path == "/":
            return _redirect("/next")
        if path == "/next":
            return self._html(self.worker.run(lambda desk: self._next_page(desk, req)))
        if m := _ROW.match(path):
            row_id = int(m.group(1))
            return self.worker.run(lambda desk: self._row_response(desk, req, row_id))
        if path == "/fields":
            return self._html(self.worker.run(lambda desk: self._fields_page(desk, req)))
        if m := _CROP.match(path):
            row_id, column = int(m.group(1)), m.group(2)
            return self._png(self.worker.run(lambda desk: desk.data.crop_png(row_id, column)))
        if m := _LINE.match(path):
            row_id = int(m.group(1))
            return self._png(self.worker.run(lambda desk: desk.data.line_png(row_id)))
        if path == "/lang":
            to = req.q("to") or ""
            if to not in LANGS:
                return self._refused(400, "unknown language")
            back = urlsplit(req.headers.get("referer", ""))
            local = back.path.startswith("/") and not back.path.startswith("//")  # never an open redirect
            target = back.path + (f"?{back.query}" if back.query else "") if local else "/next"
            cookie = f"psrlang{self.guard.port}={to}; Path=/; SameSite=Strict"
            return _redirect(target or "/next", ("Set-Cookie", cookie))
        return self._refused(404, "no such page")

    @staticmethod
    def _html(text: str, status: int = 200) -> Response:
        return Response(status, text.encode("utf-8"))

    @staticmethod
    def _png(data: bytes | None) -> Response:
        if data is None:
            return Response(404, b"", "text/plain")
        return Response(200, data, "image/png")

    def _message(self, desk: ReviewDesk, req: Request) -> tuple[str, str]:
        """The one-line message a redirect asked for (?msg=...&prev=ID)."""
        lang = self._lang(req)
        msg = req.q("msg") or ""
        prev = req.int_q("prev")
        where = ""
        if prev is not None:
            key = desk.data.key_of(prev)
            where = f"{key[0]}:{key[1]}:{key[2]}" if key else ""
        if msg in ("accept", "reject", "duplicate", "not_duplicate", "reopen"):
            return t(f"saved_{msg}", lang, where=where), "ok"
        if msg.startswith("undone-"):
            return t("undone", lang, what=f"{action_text(msg[7:], lang)} {where}".strip()), "ok"
        if msg in ("nothing_to_undo", "conflict", "gone", "new_duplicate"):
            return t(msg, lang), "warn"
        return "", "info"

    def _next_page(self, desk: ReviewDesk, req: Request) -> str:
        message, kind = self._message(desk, req)
        row_id = desk.data.next_pending(req.int_q("after"))
        view = desk.data.row(row_id) if row_id is not None else None
        chrome = self._chrome(desk, req, message=message, kind=kind)
        if view is None:
            return views.done_page(chrome, self.store_hint)
        return views.row_page(view, chrome)

    def _row_response(self, desk: ReviewDesk, req: Request, row_id: int) -> Response:
        view = desk.data.row(row_id)
        if view is None:
            return self._refused(404, "no such row")
        message, kind = self._message(desk, req)
        return self._html(views.row_page(view, self._chrome(desk, req, message=message, kind=kind)))

    def _fields_page(self, desk: ReviewDesk, req: Request) -> str:
        columns = desk.data.doubtful_columns()
        column = req.q("column")
        message, kind = self._message(desk, req)
        chrome = self._chrome(desk, req, mode="fields", message=message, kind=kind)
        if not column:
            return views.fields_index(chrome, columns)
        after = req.int_q("after")
        items = desk.data.doubtful_fields(column, after=after, limit=self.page_size)
        if not items and after is not None:  # reached the end: wrap round to the values skipped
            items = desk.data.doubtful_fields(column, limit=self.page_size)
            after = None
        doubts = next((c for c in columns if c.column == column), None)
        return views.fields_page(chrome, doubts, column, items, after)

    # -- POST --------------------------------------------------------------------------

    def _post(self, req: Request) -> Response:
        if m := _ROW.match(req.path):
            row_id = int(m.group(1))
            return self.worker.run(lambda desk: self._post_row(desk, req, row_id))
        if m := _FIELD.match(req.path):
            row_id, column = int(m.group(1)), m.group(2)
            return self.worker.run(lambda desk: self._post_field(desk, req, row_id, column))
        if req.path == "/undo":
            return self.worker.run(lambda desk: self._post_undo(desk))
        return self._refused(404, "no such action")

    def _post_row(self, desk: ReviewDesk, req: Request, row_id: int) -> Response:
        try:
            choice = RowChoice(req.f("choice") or "accept")
        except ValueError:
            return self._refused(400, "unknown choice")
        values = {k[2:]: v[-1] for k, v in req.form.items() if k.startswith("v.")}
        # An unticked checkbox sends nothing: its marker says it was on the page.
        values.update({k[2:]: "false" for k in req.form if k.startswith("b.") and f"v.{k[2:]}" not in req.form})
        outcome = desk.decide_row(row_id, req.f("version") or "", choice, values)
        if outcome.kind is OutcomeKind.INVALID:
            view = desk.data.row(row_id)
            assert view is not None
            lang = self._lang(req)
            chrome = self._chrome(desk, req, message=t("bad_value", lang, why=outcome.detail), kind="error")
            return self._html(views.row_page(view, chrome, typed=values, invalid_column=outcome.column), 422)
        if outcome.kind in (OutcomeKind.CONFLICT, OutcomeKind.GONE):
            return self._conflict_page(desk, req, outcome)
        if outcome.action in ("new_duplicate", "reopen"):
            return _redirect(f"/row/{row_id}?{urlencode({'msg': outcome.action, 'prev': row_id})}")
        return _redirect(f"/next?{urlencode({'after': row_id, 'msg': outcome.action, 'prev': row_id})}")

    def _conflict_page(self, desk: ReviewDesk, req: Request, outcome: Outcome) -> Response:
        view: RowView | None = desk.data.row(outcome.row_id) if outcome.row_id is not None else None
        lang = self._lang(req)
        key = "gone" if view is None else "conflict"
        chrome = self._chrome(desk, req, message=t(key, lang), kind="warn")
        if view is None:
            return self._html(views.done_page(chrome, self.store_hint), 409)
        return self._html(views.row_page(view, chrome), 409)

    def _post_field(self, desk: ReviewDesk, req: Request, row_id: int, column: str) -> Response:
        outcome = desk.decide_field(row_id, req.f("version") or "", column, req.f("value") or "")
        lang = self._lang(req)
        if outcome.ok:
            message = t("field_accepted" if outcome.accepted else "saved_correct", lang)
        elif outcome.kind is OutcomeKind.INVALID:
            message = t("bad_value", lang, why=outcome.detail)
        else:
            message = t("gone" if outcome.kind is OutcomeKind.GONE else "conflict", lang)
        if req.wants_json:
            counts = desk.data.counts()
            payload = {
                "ok": outcome.ok,
                "kind": outcome.kind.value,
                "message": message,
                "version": desk.data.version(row_id) or "",
                "left": t("left", lang, n=counts.review),
                "done": "· " + t("done_counts", lang, a=counts.accepted, r=counts.rejected),
                "accepted": outcome.accepted,
            }
            status = 200 if outcome.ok else (422 if outcome.kind is OutcomeKind.INVALID else 409)
            return Response(status, json.dumps(payload).encode(), "application/json")
        query = {"column": column, "msg": "" if outcome.ok else outcome.kind.value}
        after = req.f("after")
        if after and after.isdigit():
            query["after"] = after
        return _redirect(f"/fields?{urlencode(query)}")

    def _post_undo(self, desk: ReviewDesk) -> Response:
        outcome = desk.undo()
        if outcome.kind is OutcomeKind.NOTHING:
            return _redirect("/next?msg=nothing_to_undo")
        if outcome.row_id is None:
            return _redirect("/next")
        if outcome.ok:
            query = urlencode({"msg": "undone-" + outcome.action, "prev": outcome.row_id})
            return _redirect(f"/row/{outcome.row_id}?{query}")
        return _redirect(f"/row/{outcome.row_id}?msg={outcome.kind.value}")
