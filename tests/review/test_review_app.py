"""The review page's routes and its defences, request by request (and one real socket)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from review_scenario import build_scenario

from scanner.review.app import Request, Response, ReviewApp, StoreWorker
from scanner.review.security import Guard
from scanner.review.server import ReviewOptions, ReviewServer
from scanner.store import RowStatus, Store

PORT = 8123
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"


class Client:
    """Sends requests to the app the way a browser on this computer would."""

    def __init__(self, app: ReviewApp) -> None:
        self.app = app
        self.cookie = f"{app.guard.cookie_name}={app.guard.token}"

    def get(self, path: str, **headers: str) -> Response:
        base, _, query = path.partition("?")
        params: dict[str, list[str]] = {}
        for part in filter(None, query.split("&")):
            k, _, v = part.partition("=")
            params.setdefault(k, []).append(v)
        h = {"host": HOST, "cookie": self.cookie, **headers}
        return self.app.handle(Request("GET", base, params, h))

    def post(self, path: str, form: dict[str, str], **headers: str) -> Response:
        h = {"host": HOST, "cookie": self.cookie, "origin": ORIGIN, **headers}
        body = {"csrf": self.app.guard.csrf, **form}
        return self.app.handle(Request("POST", path, {}, h, {k: [v] for k, v in body.items()}))


@pytest.fixture
def app() -> Iterator[tuple[ReviewApp, dict[str, int]]]:
    ids: dict[str, int] = {}

    def opener() -> Store:
        store = Store.memory()
        ids.update(build_scenario(store))
        return store

    worker = StoreWorker(opener, who="app-test")
    yield ReviewApp(Guard(port=PORT), worker, lang="en"), ids
    worker.close()


def _text(resp: Response) -> str:
    return resp.body.decode("utf-8")


def _version(html: str) -> str:
    match = re.search(r'name="version" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_the_token_url_sets_a_strict_cookie_and_leaves_the_address_bar(
    app: tuple[ReviewApp, dict[str, int]],
) -> None:
    review, _ = app
    guard = review.guard
    resp = review.handle(Request("GET", "/", {"token": [guard.token]}, {"host": HOST}))
    assert resp.status == 303 and ("Location", "/next") in resp.headers
    cookie = dict(resp.headers)["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and guard.token in cookie
    bad = review.handle(Request("GET", "/", {"token": ["guess"]}, {"host": HOST}))
    assert bad.status == 403 and "Set-Cookie" not in dict(bad.headers)


def test_no_cookie_no_page_and_wrong_host_refused(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    assert client.get("/next", cookie="").status == 403
    assert client.get(f"/img/crop/{ids['martin']}/nom", cookie="").status == 403
    assert client.get("/next", host="evil.example:8123").status == 421  # DNS rebinding
    page = client.get("/next")
    assert page.status == 200
    headers = dict(page.headers)
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("headers", "with_csrf"),
    [
        ({"origin": "http://evil.example"}, True),
        ({"origin": "", "referer": ""}, True),
        ({"sec-fetch-site": "cross-site"}, True),
        ({}, False),
    ],
)
def test_cross_site_posts_are_refused(
    app: tuple[ReviewApp, dict[str, int]], headers: dict[str, str], with_csrf: bool
) -> None:
    review, ids = app
    client = Client(review)
    row = ids["martin"]
    version = _version(_text(client.get(f"/row/{row}")))
    h = {"host": HOST, "cookie": client.cookie, "origin": ORIGIN, **headers}
    h = {k: v for k, v in h.items() if v}
    form = {"version": [version], "choice": ["reject"]}
    if with_csrf:
        form["csrf"] = [review.guard.csrf]
    resp = review.handle(Request("POST", f"/row/{row}", {}, h, form))
    assert resp.status == 403
    assert review.worker.run(lambda desk: desk.store.get_row(row)).status is RowStatus.REVIEW  # type: ignore[union-attr]


def test_get_never_changes_the_store(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    resp = client.get(f"/row/{ids['martin']}?choice=reject")
    assert resp.status == 200
    assert review.worker.run(lambda desk: len(desk.store.decisions())) == 0


def test_row_page_shows_crops_flags_in_words_and_escapes_values(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    html = _text(client.get("/next"))
    assert f'action="/row/{ids["martin"]}"' in html
    assert "CODE POSTAL: handwriting hard to read" in html
    assert f'src="/img/crop/{ids["martin"]}/code_postal"' in html
    assert 'for="v-' in html and "aria-describedby" in html
    # the doubtful value has the focus, the accept button comes first (Enter submits it)
    assert re.search(r'name="v.code_postal" value="69008"[^>]*autofocus', html)
    assert html.index('value="accept"') < html.index('value="reject"')
    png = client.get(f"/img/crop/{ids['martin']}/code_postal")
    assert png.status == 200 and png.content_type == "image/png" and png.body.startswith(b"\x89PNG")
    line = client.get(f"/img/line/{ids['martin']}")
    assert line.status == 200 and line.body.startswith(b"\x89PNG")
    review.worker.run(lambda desk: desk.store.execute(
        "UPDATE fields SET value = '<script>alert(1)</script>' WHERE row_id = ? AND col = 'nom'", (ids["martin"],)))
    html = _text(client.get(f"/row/{ids['martin']}"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_duplicate_is_shown_side_by_side(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    html = _text(Client(review).get(f"/row/{ids['dupont2']}"))
    assert 'class="side"' in html and "Already stored: scan-a.pdf:1:1" in html
    assert f'/img/crop/{ids["dupont"]}/nom' in html
    assert 'value="duplicate"' in html


def test_decide_then_redirect_to_the_next_row_and_replay_is_a_conflict(
    app: tuple[ReviewApp, dict[str, int]],
) -> None:
    review, ids = app
    client = Client(review)
    row = ids["martin"]
    version = _version(_text(client.get(f"/row/{row}")))
    resp = client.post(f"/row/{row}", {"version": version, "choice": "accept", "v.code_postal": "69003",
                                       "b.signature": "1", "v.signature": "true", "b.infos": "1"})
    assert resp.status == 303
    location = dict(resp.headers)["Location"]
    assert location.startswith(f"/next?after={row}")
    html = _text(client.get(location))
    assert "Row scan-a.pdf:1:2 accepted." in html and f'action="/row/{ids["leroy"]}"' in html
    stored = review.worker.run(lambda desk: desk.store.get_row(row))
    assert stored is not None and stored.fields["code_postal"].value == "69003"
    assert stored.fields["infos"].value == "false"  # unticked box posted as its marker only
    replay = client.post(f"/row/{row}", {"version": version, "choice": "reject"})
    assert replay.status == 409 and "already decided" in _text(replay)


def test_bad_value_is_shown_back_with_the_typed_text(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    row = ids["martin"]
    version = _version(_text(client.get(f"/row/{row}")))
    resp = client.post(f"/row/{row}", {"version": version, "choice": "accept", "v.code_postal": "6900"})
    html = _text(resp)
    assert resp.status == 422 and 'value="6900"' in html and 'aria-invalid="true"' in html


def test_field_mode_saves_in_place_with_json(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    index = _text(client.get("/fields"))
    assert "ADRESSE E-MAIL: 1 doubtful value(s)" in index
    html = _text(client.get("/fields?column=email"))
    version = _version(html)
    assert f'action="/field/{ids["bernard"]}/email"' in html
    resp = client.post(f"/field/{ids['bernard']}/email", {"version": version, "value": "louise.bernard@exemple.fr"},
                       accept="application/json")
    payload = json.loads(resp.body)
    assert resp.status == 200 and payload["ok"] and payload["accepted"]
    assert payload["left"] == "4 row(s) left to review"
    stale = client.post(f"/field/{ids['bernard']}/email", {"version": version, "value": "x@y.fr"},
                        accept="application/json")
    assert stale.status == 409 and not json.loads(stale.body)["ok"]


def test_undo_reopens_the_row(app: tuple[ReviewApp, dict[str, int]]) -> None:
    review, ids = app
    client = Client(review)
    row = ids["leroy"]
    client.post(f"/row/{row}", {"version": _version(_text(client.get(f"/row/{row}"))), "choice": "reject"})
    resp = client.post("/undo", {})
    assert resp.status == 303 and dict(resp.headers)["Location"].startswith(f"/row/{row}?")
    html = _text(client.get(dict(resp.headers)["Location"]))
    assert "Decision undone" in html and 'value="reject"' in html


def test_server_listens_on_loopback_only_and_serves_the_page(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite"
    with Store.open(path) as store:
        build_scenario(store)
    with ReviewServer(ReviewOptions(store_path=path, lang="en")).start() as server:
        assert server.httpd.server_address[0] == "127.0.0.1"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", server.url)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(server.url, timeout=10) as resp:
            assert resp.status == 200 and "left to review" in resp.read().decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/next", timeout=10)
        assert refused.value.code == 403
        data = urlencode({"csrf": server.guard.csrf, "version": "x", "choice": "reject"}).encode()
        with pytest.raises(urllib.error.HTTPError) as no_origin:
            opener.open(urllib.request.Request(f"http://127.0.0.1:{server.port}/row/2", data=data), timeout=10)
        assert no_origin.value.code == 403


def test_cli_names_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline import main

    assert main(["review", "--store", str(tmp_path / "nothing"), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "no batch store at" in err and "hint:" in err


def test_control_characters_in_a_file_name_are_shown_escaped() -> None:
    """Issue 18.9: a newline or ESC in a scan's name is shown as \\n, \\x1b on the page."""
    from review_scenario import PETIT

    from scanner.forms import resolve_form
    from scanner.review.sample import SampleRow, sample_page

    ids: dict[str, int] = {}

    def opener() -> Store:
        store = Store.memory()
        form = resolve_form("surveillance-fr")
        run_id = store.start_run(args={"test": "names"}, forms=[form])
        store.save_page(run_id, sample_page(form, "bad\nname\x1b[31m.pdf", 1, [SampleRow(PETIT, flags=("unsigned",))]))
        ids["row"] = next(iter(store.iter_rows())).id
        return store

    worker = StoreWorker(opener, who="names-test")
    try:
        html = _text(Client(ReviewApp(Guard(port=PORT), worker, lang="en")).get(f"/row/{ids['row']}"))
    finally:
        worker.close()
    assert "bad\\nname\\x1b[31m.pdf" in html
    assert "\x1b" not in html and "bad\nname" not in html
