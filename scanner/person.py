"""Every stored row of one person, for ``forget``: exact and near matches.

A person who asks to be forgotten gives an e-mail, or a name and a postcode;
their other lines may have been read differently (a crossed-out line, the same
line scanned twice, an e-mail one letter off, a postcode read as ``0``). So the
search starts from the request and grows: every row that is surely the person
(by the duplicate search's own ``compare``, by an e-mail that differs only by
letters OCR takes for digits, with a compatible name, by being the same line of the same sheet, or by a
reviewer's confirmed duplicate link) is searched from in turn, with all it
tells (its name, postcode, town, e-mail). Rows that only might be the person
(a similar name at the same postcode, an e-mail one character off)
are listed apart: a person decides, as for ``possible_duplicate``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from scanner.dedupe import Verdict, compare, names_compatible
from scanner.store import Identity, IdentityColumns, Store
from scanner.store.identity import towns_alike
from scanner.store.suppress import emails_alike, fold_email

_ROW_COLS = "r.id, r.id_email, r.id_name, r.id_postcode, r.id_town, r.page_id, r.row_no, p.source, p.page, r.flags"


@dataclass(frozen=True)
class Candidate:
    """A stored row that is (or may be) the person, and why."""

    row_id: int
    ref: str  #: source:page:row
    identity: Identity
    flags: tuple[str, ...]
    why: str
    shown: str = ""  #: the row's identifying values as read, for the confirmation list


@dataclass
class PersonRows:
    sure: list[Candidate] = field(default_factory=list)  #: removed by forget
    possible: list[Candidate] = field(default_factory=list)  #: removed only when a person says so


def places_agree(a: Identity, b: Identity) -> bool:
    """Nothing says two places differ: a postcode missing, a digit apart, or the same town."""
    if not a.postcode or not b.postcode or Levenshtein.distance(a.postcode, b.postcode) <= 1:
        return True
    return towns_alike(a.town, b.town)


def same_person(a: Identity, b: Identity) -> tuple[Verdict, str]:
    """The duplicate search's verdict, plus: an e-mail that differs only by letters OCR
    takes for digits ('l'/'1', 'o'/'0'...), with a compatible name and no place
    against it, is the same person. Any other one-character difference may be two
    people ('m1@', 'm2@'): possibly."""
    verdict = compare(a, b)
    if a.email and b.email and a.email != b.email and emails_alike(a.email, b.email):
        confusable = fold_email(a.email) == fold_email(b.email)
        named = bool(a.name and b.name) and names_compatible(a.name, b.name) and places_agree(a, b)
        if confusable and named:
            return Verdict.SURE, "same e-mail but for letters read as digits, same name"
        return max(verdict, Verdict.POSSIBLE), "e-mail a character off" + (", same name" if named else "")
    if verdict is Verdict.NONE:
        return verdict, ""
    return verdict, _why(a, b, verdict)


def _why(a: Identity, b: Identity, verdict: Verdict) -> str:
    if a.email and a.email == b.email:
        return "same e-mail" if verdict is Verdict.SURE else "same e-mail, another name"
    if a.name == b.name:
        if a.postcode and a.postcode == b.postcode:
            return "same name and postcode"
        return "same name, postcode " + ("differs, same town" if a.postcode and b.postcode else "missing")
    if a.postcode and a.postcode == b.postcode:
        return "similar name, same postcode"
    return "name a misreading apart, same town"


def find_person(store: Store, queries: list[Identity]) -> PersonRows:
    """The rows that are surely, and those that may be, the person these queries describe."""
    finder = _Finder(store)
    for query in queries:
        finder.grow(query, "asked")
    return finder.result()


class _Finder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.sure: dict[int, Candidate] = {}
        self.possible: dict[int, Candidate] = {}
        self._emails: list[tuple[int, str, str]] | None = None  # (row id, e-mail, folded), loaded once

    def grow(self, query: Identity, label: str) -> None:
        frontier: list[tuple[Identity, str, int | None]] = [(query, label, None)]
        while frontier:
            anchor, anchor_ref, anchor_id = frontier.pop()
            rows = self._rows(self._candidate_ids(anchor, anchor_id))
            linked = self._linked(anchor_id) if anchor_id is not None else {}
            for cand_id, (identity, ref, flags) in rows.items():
                if cand_id in self.sure or cand_id == anchor_id:
                    continue
                if cand_id in linked:
                    verdict, why = Verdict.SURE, linked[cand_id]
                else:
                    verdict, why = same_person(anchor, identity)
                if verdict is Verdict.NONE:
                    continue
                why = why if anchor_id is None else f"{why} as {anchor_ref}"
                candidate = Candidate(cand_id, ref, identity, flags, why)
                if verdict is Verdict.SURE:
                    self.sure[cand_id] = candidate
                    self.possible.pop(cand_id, None)
                    frontier.append((identity, ref, cand_id))
                elif cand_id not in self.possible:
                    self.possible[cand_id] = candidate

    def _candidate_ids(self, anchor: Identity, anchor_id: int | None) -> set[int]:
        """Rows sharing a blocking key, an e-mail or a near e-mail, a line or a link with the anchor."""
        conn = self.store.conn
        ids: set[int] = set()
        keys = sorted(anchor.blocking_keys())
        ids.update(
            int(r)
            for (r,) in conn.execute(
                "SELECT DISTINCT row_id FROM row_keys WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps(keys),),
            )
        )
        if anchor.email:
            folded = fold_email(anchor.email)
            for row_id, email, other in self._all_emails():
                if email == anchor.email or (
                    abs(len(other) - len(folded)) <= 1 and emails_alike(anchor.email, email)
                ):
                    ids.add(row_id)
        if anchor_id is not None:
            ids.update(self._linked(anchor_id))
        return ids

    def _all_emails(self) -> list[tuple[int, str, str]]:
        if self._emails is None:
            self._emails = [
                (int(r), str(e), fold_email(str(e)))
                for r, e in self.store.conn.execute(
                    "SELECT id, id_email FROM rows WHERE id_email <> '' AND status <> 'forgotten'"
                )
            ]
        return self._emails

    def _linked(self, row_id: int) -> dict[int, str]:
        """Rows that are the same line of the same sheet, or confirmed duplicates, of this row."""
        out: dict[int, str] = {}
        for (other,) in self.store.conn.execute(
            "SELECT o.id FROM rows r JOIN pages p ON p.id = r.page_id"
            " JOIN pages q ON q.id <> p.id AND (q.same_as = p.id OR p.same_as = q.id"
            "   OR (p.sha256 <> '' AND q.sha256 = p.sha256)"
            "   OR (p.serial IS NOT NULL AND q.serial = p.serial AND q.form IS p.form AND q.campaign IS p.campaign))"
            " JOIN rows o ON o.page_id = q.id AND o.row_no = r.row_no"
            " WHERE r.id = ? AND o.status <> 'forgotten'",
            (row_id,),
        ):
            out[int(other)] = "same line of the same sheet, scanned again"
        for (other,) in self.store.conn.execute(
            "SELECT id FROM rows WHERE status <> 'forgotten' AND ("
            " (dup_row_id = ? AND (dup_override = 'duplicate' OR dup_flag = 'duplicate'))"
            " OR id = (SELECT dup_row_id FROM rows WHERE id = ? AND"
            " (dup_override = 'duplicate' OR dup_flag = 'duplicate')))",
            (row_id, row_id),
        ):
            out.setdefault(int(other), "marked as the same person (duplicate)")
        return out

    def _rows(self, ids: set[int]) -> dict[int, tuple[Identity, str, tuple[str, ...]]]:
        if not ids:
            return {}
        return {
            int(r[0]): (
                Identity(email=r[1], name=r[2], postcode=r[3], town=r[4]),
                f"{r[7]}:{r[8]}:{r[6]}",
                tuple(f for f in str(r[9]).split(";") if f),
            )
            for r in self.store.conn.execute(
                f"SELECT {_ROW_COLS} FROM rows r JOIN pages p ON p.id = r.page_id"
                " WHERE r.status <> 'forgotten' AND r.id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(ids)),),
            )
        }

    def result(self) -> PersonRows:
        def shown(c: Candidate) -> Candidate:
            return Candidate(c.row_id, c.ref, c.identity, c.flags, c.why, describe(self.store, c.row_id))

        def order(c: Candidate) -> tuple[str, ...]:
            source, page, row = c.ref.rsplit(":", 2)
            return (source, page.zfill(9), row.zfill(9))

        return PersonRows(
            sure=[shown(c) for c in sorted(self.sure.values(), key=order)],
            possible=[shown(c) for c in sorted(self.possible.values(), key=order)],
        )


def describe(store: Store, row_id: int) -> str:
    """The identifying values of a row as read (names, e-mail, postcode, town)."""
    row = store.get_row(row_id)
    if row is None or row.form is None:
        return ""
    columns = IdentityColumns.of(store.require_form(row.form))
    wanted = (*columns.name, *columns.email, *columns.postcode, *columns.town)
    values = [row.fields[c].value for c in wanted if c in row.fields and row.fields[c].value.strip()]
    return " | ".join(values) if values else "(nothing readable)"
