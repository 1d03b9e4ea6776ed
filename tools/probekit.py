"""Helpers of tools/reliability.py: bad input files, runs of the CLI, raw HTTP, process trees."""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"
CLI = str(Path(sys.executable).with_name("petition-scan"))


class Skip(Exception):
    """The probe cannot run here (what is missing)."""


def cli(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, check=False, env=env)


def run(cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def first_line(text: str, words: str) -> str:
    return next((line for line in text.splitlines() if words in line), "")


# --- bad files ----------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(path: Path, side: int = 30000) -> None:
    """A 1-bit white PNG of side x side pixels (a few hundred KB on disk, 900 Mpx decoded)."""
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", body)
                     + _png_chunk(b"IEND", b""))


def encrypted_pdf(path: Path) -> None:
    """A PDF behind the standard security handler whose user password is not empty."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, b"ab" * 16, b"ab" * 16, xref))
    path.write_bytes(out.getvalue())


def corrupt_tiff(path: Path) -> None:
    """Two pages; the second page's image data is cut off."""
    pages = [Image.fromarray(np.full((1200, 900), 255, np.uint8)) for _ in range(2)]
    pages[1] = Image.fromarray(np.random.default_rng(1).integers(0, 255, (1200, 900), dtype=np.uint8))
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    data = buf.getvalue()
    path.write_bytes(data[: len(data) - 400_000])


def holiday_photo(path: Path) -> None:
    """A photo of no petition: sky, sea, sand and noise."""
    rng = np.random.default_rng(7)
    h, w = 2000, 3000
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (235, 180, 120)
    img[h // 2: 3 * h // 4] = (160, 90, 30)
    img[3 * h // 4:] = (120, 200, 230)
    img = np.clip(img.astype(np.int16) + rng.integers(-20, 20, img.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img[:, :, ::-1]).save(path, quality=85)


def bad_batch(folder: Path) -> dict[str, str]:
    """The 8 kinds of bad file of issue 18 and one good page; name -> what it is."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.pdf").write_bytes(b"")
    scan = (DEMO / "scan-001.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(scan[: len(scan) // 3])
    encrypted_pdf(folder / "encrypted.pdf")
    (folder / "fake.jpg").write_text("this is not a JPEG\n" * 100)
    huge_png(folder / "huge.png")
    corrupt_tiff(folder / "corrupt.tif")
    Image.fromarray(np.full((3508, 2480), 255, np.uint8)).save(folder / "blank.png", dpi=(300, 300))
    holiday_photo(folder / "holiday.jpg")
    shutil.copy(DEMO / "fax-001.png", folder / "good.png")
    return {"empty.pdf": "empty", "truncated.pdf": "truncated PDF", "encrypted.pdf": "encrypted PDF",
            "fake.jpg": "fake JPEG", "huge.png": "30000x30000 PNG", "corrupt.tif": "TIFF, corrupt page 2",
            "blank.png": "blank page", "holiday.jpg": "holiday photo"}


# --- HTTP -----------------------------------------------------------------------------------


def raw_http(port: int, data: bytes, half_close: bool = True, timeout: float = 20) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            chunks.append(b"(timeout)")
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(m.group(1)) if m else 0


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    hdrs = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in hdrs.items():
        conn.putheader(k, v)
    conn.endheaders(body)
    resp = conn.getresponse()
    out = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    conn.close()
    return out


class ReviewProcess:
    """``petition-scan review`` in a subprocess; its URL, port and stderr."""

    def __init__(self, store: Path) -> None:
        self.proc = subprocess.Popen([CLI, "review", "--store", str(store), "--no-browser", "--lang", "en"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        self.url = ""
        while time.monotonic() < deadline and not self.url:
            line = self.proc.stdout.readline()
            if not line:
                break
            if m := re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line):
                self.url = m.group()
        if not self.url:
            self.close()
            raise RuntimeError("the review server printed no address")
        self.port = int(re.search(r":(\d+)/", self.url).group(1))  # type: ignore[union-attr]
        self.token = self.url.split("token=", 1)[1]

    def cookie(self) -> str:
        _status, headers, _ = request(self.port, "GET", f"/?token={self.token}")
        return headers.get("set-cookie", "").split(";", 1)[0]

    def close(self) -> str:
        """Stop it (Ctrl-C) and return what it wrote on stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err or ""


# --- processes ------------------------------------------------------------------------------


def stored_pages(store: Path) -> int:
    """Pages a run has stored so far (read while it writes: the store is in WAL mode)."""
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM pages WHERE status != 'error'").fetchone()[0])
    except sqlite3.Error:
        return 0


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z":
            left.add(pid)
    return left


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def kill_all(pids: set[int]) -> None:
    """Clean up after a probe: the processes it started, by id."""
    for pid in alive(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
