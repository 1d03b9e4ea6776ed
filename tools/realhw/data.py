"""Reading the shared handwriting data, and the writer-held-out tune/test split."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "handwriting"
SPLITS = ("tune", "test")
#: Share of the texts (writers) in the test split.
TEST_SHARE = 0.5


def data_dir(option: str | Path | None = None) -> Path:
    """--data, else $PETITION_HANDWRITING, else ../shared/handwriting next to the checkout."""
    if option:
        return Path(option)
    env = os.environ.get("PETITION_HANDWRITING")
    return Path(env) if env else DEFAULT_DATA


def split_of(text_id: str) -> str:
    """'test' or 'tune' from a stable hash of the text id (every page of a text, hence
    every writer of it, falls on one side)."""
    h = int.from_bytes(hashlib.sha256(f"realhw:{text_id}".encode()).digest()[:8], "big")
    return "test" if h / 2**64 < TEST_SHARE else "tune"


@dataclass(frozen=True)
class Line:
    file: str
    text: str
    page: str
    text_id: str

    @property
    def split(self) -> str:
        return split_of(self.text_id)

    def image(self, root: Path) -> np.ndarray:
        img = cv2.imread(str(root / "copiste-lines" / self.file), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(root / "copiste-lines" / self.file)
        return img


def load_lines(root: Path) -> list[Line]:
    path = root / "copiste-lines" / "lines.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [Line(**{k: str(v) for k, v in json.loads(ln).items()}) for ln in fh if ln.strip()]


def mnist_split(index: int) -> str:
    """MNIST test writers are not labelled: split by index halves (0-4999 tune, 5000-9999 test).
    MNIST says its first 5,000 test digits are cleaner and easier than the last 5,000."""
    return "tune" if index < 5000 else "test"


def load_mnist(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images n x 28 x 28 uint8 white-on-black, labels n)."""
    d = root / "mnist-test"
    with gzip.open(d / "t10k-images-idx3-ubyte.gz") as fh:
        raw = fh.read()
    n = int.from_bytes(raw[4:8], "big")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 28, 28)
    with gzip.open(d / "t10k-labels-idx1-ubyte.gz") as fh:
        labels = np.frombuffer(fh.read(), dtype=np.uint8, offset=8)
    return images, labels
