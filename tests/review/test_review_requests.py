"""Malformed HTTP requests to the review server (issue 18.8): a 4xx answer and one log line, no traceback."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from review_scenario import build_scenario

from scanner.review.server import MAX_BODY, ReviewOptions, ReviewServer
from scanner.store import Store


def _raw(port: int, request: bytes, *, half_close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _post(port: int, length: str, body: bytes = b"") -> bytes:
    head = f"POST /row/2 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n"
    return (head + "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    ("length", "body", "status", "words"),
    [
        ("abc", b"", 400, "bad Content-Length"),
        ("-5", b"x=1", 400, "bad Content-Length"),
        ("1e3", b"", 400, "bad Content-Length"),
        ("99999999999999999999", b"", 400, "bad Content-Length"),
        (str(MAX_BODY + 1), b"", 413, "more than the"),
        ("100", b"csrf=x", 400, "body shorter"),
    ],
)
def test_bad_content_length_is_a_400_and_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
    length: str, body: bytes, status: int, words: str,
) -> None:
    path = tmp_path / "petition.sqlite"
    with Store.open(path) as store:
        build_scenario(store)
    with caplog.at_level(logging.WARNING, logger="petition_scan.review"), \
            ReviewServer(ReviewOptions(store_path=path, lang="en")).start() as server:
        answer = _raw(server.port, _post(server.port, length, body), half_close=True)
        # the server still answers afterwards
        ok = _raw(server.port, f"GET /static/review.css HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                  "Connection: close\r\n\r\n".encode())
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]
    assert words.encode() in answer
    assert ok.startswith(b"HTTP/1.1 ")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and words in lines[0] and "\n" not in lines[0]
    assert "Traceback" not in capfd.readouterr().err


def test_two_different_content_lengths_and_chunked_bodies_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite"
    with Store.open(path) as store:
        build_scenario(store)
    with ReviewServer(ReviewOptions(store_path=path, lang="en")).start() as server:
        host = f"Host: 127.0.0.1:{server.port}\r\n"
        two = _raw(server.port, f"POST /row/2 HTTP/1.1\r\n{host}Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc"
                   .encode(), half_close=True)
        chunked = _raw(server.port, f"POST /row/2 HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
                       "\r\n".encode(), half_close=True)
    assert two.startswith(b"HTTP/1.1 400 ")
    assert chunked.startswith(b"HTTP/1.1 411 ")
