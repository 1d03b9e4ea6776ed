"""Opening the SQLite file, transactions, the forget key and form definitions.

One writer (the orchestrator) and any number of readers (review page, export):
WAL mode lets them work at the same time. ``synchronous=NORMAL`` keeps every
committed page through a killed process (only a power cut may lose the last
commits, never consistency). ``secure_delete`` overwrites deleted values, so
``forget`` and ``purge`` really remove data from the file.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from scanner.errors import ExitCode, PetitionScanError
from scanner.forms import FORMS_DIR, Form, load_form_file
from scanner.store.keys import key_check, missing_key, read_key, write_key
from scanner.store.schema import MIGRATIONS, migrate, now

#: File name of the store inside an output folder.
DEFAULT_STORE_NAME = "petition.sqlite"


class StoreError(PetitionScanError):
    """The batch store cannot be opened or used."""

    exit_code = ExitCode.USAGE
    hint = "Pass the store written by 'petition-scan process' with --store (a .sqlite file or its folder)."


def resolve_store_path(path: Path) -> Path:
    """A folder means the store inside it (``DIR/petition.sqlite``)."""
    return path / DEFAULT_STORE_NAME if path.is_dir() or not path.suffix else path


def _open_error(exc: sqlite3.DatabaseError, path: Path | None) -> PetitionScanError:
    """Why a store cannot be opened: a folder that cannot be written is not a wrong file."""
    from scanner.diskerrors import DISK_FULL, OutputError, output_error

    err = output_error(exc, path) if path is not None else None
    if err is not None and err.cause != DISK_FULL:
        # SQLite writes its journal files beside the store, even to read it
        hint = "Give --store a folder you can write to (copy the store there if it must stay where it is)."
        return OutputError(err.path, err.cause, hint)
    if err is not None:
        return err
    return StoreError(f"{path}: not a petition-scan store ({exc})")


class StoreBase:
    """Connection handling shared by the store's parts (see scanner/store/__init__.py)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        self._forms: dict[str, Form] = {}
        self._key: bytes | None = None

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Self:
        """Open (and create or upgrade) the store at ``path``.

        ``create=False`` raises StoreError when the file does not exist: commands
        such as ``export`` must not silently make an empty store.
        """
        path = resolve_store_path(path)
        if not path.exists():
            if not create:
                raise StoreError(f"no batch store at {path}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                from scanner.diskerrors import output_error

                raise (output_error(exc, path) or exc) from None
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            raise _open_error(exc, path) from None
        return cls._setup(conn, path)

    @classmethod
    def memory(cls) -> Self:
        """A throw-away store in memory (tests, dry runs)."""
        return cls._setup(sqlite3.connect(":memory:", isolation_level=None), None)

    @classmethod
    def _setup(cls, conn: sqlite3.Connection, path: Path | None) -> Self:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        try:
            migrate(conn, MIGRATIONS)
        except ValueError as exc:
            conn.close()
            hint = "Use the petition-scan version that wrote this store, or a newer one."
            raise StoreError(f"{path}: {exc}", hint) from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _open_error(exc, path) from None
        store = cls(conn, path)
        with store.transaction():
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (secrets.token_hex(16),))
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)", (now(),))
        store._settle_key()
        store._after_open()
        return store

    def _after_open(self) -> None:
        """Bring derived data up to this version's rules (see ReviewOps)."""

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing; nested calls become savepoints of the outer one."""
        depth = self._depth
        self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self._depth = depth
            if not self.conn.in_transaction:
                pass  # SQLite already rolled back (disk full, I/O error): keep the real error
            elif depth == 0:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO sp{depth}")
                self.conn.execute(f"RELEASE sp{depth}")
            raise
        self._depth = depth
        self.conn.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _settle_key(self) -> None:
        """A store of schema <= 3 kept its salt in ``meta``: move it to the key file and erase it.

        Only a store with forget hashes needs the old salt (they were made with
        it); the others simply lose it, and get a key when a person is forgotten.
        """
        legacy = self.meta("salt")
        if legacy is None:
            return
        key = bytes.fromhex(legacy)
        needed = self.conn.execute("SELECT 1 FROM forget_keys LIMIT 1").fetchone() is not None
        if needed and self.path is not None:
            write_key(self.store_id, key)
        with self.transaction():
            if needed:
                self._key = key
                self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('key_check', ?)", (key_check(key),))
            self.conn.execute("DELETE FROM meta WHERE key = 'salt'")  # secure_delete overwrites it
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def store_id(self) -> str:
        """Random per store: names its key file."""
        value = self.meta("store_id")
        assert value is not None  # written by _setup
        return value

    def has_forgotten(self) -> bool:
        """Was anyone ever forgotten here? (Only then does reading a page need the key.)"""
        return self.conn.execute("SELECT 1 FROM forget_keys LIMIT 1").fetchone() is not None

    def forget_key(self, *, create: bool) -> bytes | None:
        """The secret of the forget hashes (scanner/store/keys.py).

        None when this store never had one and ``create`` is False. A store
        whose key was made but whose key file is missing or wrong raises: its
        forgotten people could no longer be recognised. A store in memory keeps
        its key in memory.
        """
        if self._key is not None:
            return self._key
        check = self.meta("key_check")
        key = read_key(self.store_id, check) if self.path is not None else None
        if key is None:
            if check is not None:
                raise missing_key(self.store_id)
            if not create:
                return None
            key = write_key(self.store_id) if self.path is not None else secrets.token_bytes(32)
            with self.transaction():
                self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('key_check', ?)", (key_check(key),))
        self._key = key
        return key

    def migrations(self) -> list[tuple[int, str, str]]:
        """(version, name, applied_at) of every applied migration, in order."""
        return [
            (int(v), str(n), str(a))
            for v, n, a in self.conn.execute("SELECT version, name, applied_at FROM migrations ORDER BY version")
        ]

    def register_forms(self, forms: Iterable[Form]) -> None:
        """Keep each form's definition so later commands (export, review) need no YAML."""
        with self.transaction():
            for form in forms:
                self.conn.execute(
                    "INSERT INTO forms (name, fingerprint, definition, registered_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, "
                    "definition = excluded.definition, registered_at = excluded.registered_at",
                    (form.name, form.fingerprint(), form.model_dump_json(), now()),
                )
                self._forms[form.name] = form

    def form(self, name: str) -> Form | None:
        """A registered form, else a shipped one of that name, else None."""
        if name in self._forms:
            return self._forms[name]
        row = self.conn.execute("SELECT definition FROM forms WHERE name = ?", (name,)).fetchone()
        form: Form | None = None
        if row is not None:
            form = Form.model_validate(json.loads(row[0]))
        elif (FORMS_DIR / f"{name}.yaml").is_file():
            form = load_form_file(FORMS_DIR / f"{name}.yaml")
        if form is not None:
            self._forms[name] = form
        return form

    def known_forms(self) -> list[Form]:
        """Every form registered in this store, by name."""
        names = [str(n) for (n,) in self.conn.execute("SELECT name FROM forms ORDER BY name")]
        return [f for f in map(self.form, names) if f is not None]

    def require_form(self, name: str) -> Form:
        form = self.form(name)
        if form is None:
            raise StoreError(
                f"form '{name}' is not known to the store",
                "Register forms with Store.start_run(..., forms=...) before saving pages.",
            )
        return form
