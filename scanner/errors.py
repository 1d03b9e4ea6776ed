"""Exit codes and the exception hierarchy.

Every error a user can cause derives from :class:`PetitionScanError` and carries
a fix-it hint; the CLI has one top-level handler that prints ``message`` and
``hint`` and exits with ``exit_code``. Tracebacks are shown only with ``-v``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status, as documented in CONTRACT.md."""

    OK = 0
    PARTIAL = 1  # some inputs or pages could not be read; the rest was processed
    USAGE = 2  # bad usage or a bad form file
    MISSING_DEPENDENCY = 3
    INTERNAL = 15


class PetitionScanError(Exception):
    """Base class: a user-facing error with a hint on how to fix it."""

    exit_code: ExitCode = ExitCode.INTERNAL
    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(PetitionScanError):
    exit_code = ExitCode.USAGE


class FormError(PetitionScanError):
    """A form YAML file is missing, malformed or fails the schema."""

    exit_code = ExitCode.USAGE
    hint = "See the 'Form YAML' section of README.md for the schema."


class MissingDependencyError(PetitionScanError):
    exit_code = ExitCode.MISSING_DEPENDENCY
    hint = "Run 'make run' (or 'make test') once: it installs the system packages."


class PageError(PetitionScanError):
    """A single page (or whole file) cannot be read; the batch goes on."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, source: str, page: int | None, reason: str, hint: str | None = None) -> None:
        where = f"{source}" if page is None else f"{source}, page {page}"
        super().__init__(f"{where}: {reason}", hint)
        self.source = source
        self.page = page
        self.reason = reason


class NotAFormError(PageError):
    """The page does not carry a known form (no markers, no table)."""


class RegistrationError(PageError):
    """The form was found but the fit to the template is too poor to read it."""
