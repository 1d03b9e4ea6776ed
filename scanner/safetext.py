"""File names as text that cannot forge or garble what it is printed in (issue 18.9).

A file may be named with a newline (``bad\\nunreadable: x.pdf`` forged a second
line on the terminal and broke report.md's table), an ESC byte (terminal colour
codes and worse), bidirectional overrides that show a name reversed, or bytes
that are not UTF-8 (a name from an old Windows share: the store refused it).
``fs_text`` makes such a name valid text for the store and the CSV, keeping
every other character; ``shown`` also writes control characters as visible
escapes wherever a name is printed (stderr, the report, the review page).
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, line/paragraph separators, bidirectional controls, BOM.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def fs_text(name: str) -> str:
    """A name read from the file system as valid UTF-8: undecodable bytes as ``\\xNN``."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def shown(text: str) -> str:
    """``text`` safe to print on one line: control characters as visible escapes (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(_escape, fs_text(text))
