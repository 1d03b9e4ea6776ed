"""The secret key of a store's forget hashes, kept outside the store file.

The hashes that keep forgotten people out of later readings are HMACs keyed by
a random secret. Were the secret inside the store (as up to schema version 3),
anyone holding the store could test whether a guessed address was forgotten.
So it lives in the user's data folder, one file per store (named by the store's
random id, read/write for the owner only), and the store keeps only a check
value that tells the right key from a wrong one. A store copied or shared
alone reveals nothing; a store moved to another computer needs its key file
copied too (the error says which file and where).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from scanner.errors import ExitCode, PetitionScanError

#: Environment variable naming the folder of key files (tests, a USB stick...).
KEY_DIR_ENV = "PETITION_SCAN_KEY_DIR"
_CHECK = b"petition-scan forget key check"


class ForgetKeyError(PetitionScanError):
    """The forget key of a store is missing, wrong or cannot be written."""

    exit_code = ExitCode.USAGE


def key_dir() -> Path:
    """Where key files live: $PETITION_SCAN_KEY_DIR, else the platform's user data folder."""
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "petition-scan" / "keys"


def key_path(store_id: str) -> Path:
    return key_dir() / f"{store_id}.key"


def key_check(key: bytes) -> str:
    """A value stored beside the hashes that identifies the key without revealing it."""
    return hmac.new(key, _CHECK, hashlib.sha256).hexdigest()


def read_key(store_id: str, expected_check: str | None) -> bytes | None:
    """The key file's secret, None when there is no file; a wrong key raises."""
    path = key_path(store_id)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ForgetKeyError(f"cannot read the forget key {path}: {exc.strerror or exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ForgetKeyError(f"{path} is not a petition-scan key file") from None
    if expected_check is not None and not hmac.compare_digest(key_check(key), expected_check):
        raise ForgetKeyError(
            f"{path} is the key of another store",
            "Put back the key file that was beside this store's first 'forget', or remove the wrong file.",
        )
    return key


def write_key(store_id: str, key: bytes | None = None) -> bytes:
    """Create the key file (owner read/write only) and return the secret."""
    key = key if key is not None else secrets.token_bytes(32)
    path = key_path(store_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = read_key(store_id, key_check(key))
        assert existing is not None
        return existing
    except OSError as exc:
        raise ForgetKeyError(f"cannot write the forget key {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
    return key


def missing_key(store_id: str) -> ForgetKeyError:
    path = key_path(store_id)
    return ForgetKeyError(
        f"the forget key of this store is missing ({path}): people who asked to be forgotten"
        " could not be recognised, so nothing is read or forgotten without it",
        f"Copy {path.name} from the computer where 'forget' was run into {path.parent}"
        f" (or point {KEY_DIR_ENV} to the folder holding it).",
    )
