"""The run report a coordinator reads: report.md and a self-contained report.html.

Counts (files, pages, unreadable pages with the reason, rows, clean, flagged by
reason with a plain explanation in French and English, duplicates, sheets
scanned twice) and the mean reading confidence per column. Both files come from
one list of sections, so they always say the same thing. The HTML has inline
CSS only: no script, font or image from outside.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from scanner.forms import Form
from scanner.inputs import Skipped
from scanner.output.export import atomic_writer, union_columns
from scanner.safetext import shown
from scanner.store import Store

#: Flag (before ``:column``) -> (English, French) explanation.
FLAG_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "low_confidence": (
        "The handwriting of this field could not be read with certainty.",
        "L'écriture de ce champ n'a pas pu être lue avec certitude.",
    ),
    "invalid": (
        "The value read is not valid (e-mail without @, unknown postcode, town not matching the postcode...).",
        "La valeur lue n'est pas valide (e-mail sans @, code postal inconnu, ville qui ne correspond pas...).",
    ),
    "unsigned": ("The signature box is empty.", "La case signature est vide."),
    "crossed_out": ("The line is crossed out on paper.", "La ligne est barrée sur la feuille."),
    "row_uncertain": (
        "Which printed line this is is not sure (a rule of the table was lost or added): check the line number.",
        "Le numéro de la ligne n'est pas sûr (un trait du tableau manque ou est en trop) : vérifiez-le.",
    ),
    "duplicate": (
        "The same person already signed: duplicate_of says where. Left out of the final export.",
        "Cette personne a déjà signé : duplicate_of indique où. Non reprise dans l'export final.",
    ),
    "possible_duplicate": (
        "Maybe the same person as the row in duplicate_of: a person must decide.",
        "Peut-être la même personne que la ligne indiquée dans duplicate_of : à vérifier.",
    ),
    "maybe_forgotten": (
        "Close to a person who asked to be forgotten: if it is them, remove it with 'petition-scan forget'.",
        "Proche d'une personne qui a demandé à être effacée : si c'est elle, retirez-la avec 'petition-scan forget'.",
    ),
}
_UNKNOWN_FLAG = ("See the flag table in README.md.", "Voir le tableau des signalements dans README.md.")


@dataclass
class RunCounts:
    """Everything the report counts, for the CLI summary and the exit status too."""

    run_id: int
    files: int = 0
    pages: int = 0
    pages_reused: int = 0
    pages_failed: list[tuple[str, int | None, str]] = field(default_factory=list)  #: page None: whole file
    rows: int = 0
    clean: int = 0
    review: int = 0
    duplicates: int = 0
    possible_duplicates: int = 0
    forgotten: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    same_sheet: list[tuple[str, str]] = field(default_factory=list)  #: (this page, first scan)
    confidence: list[tuple[str, int, float]] = field(default_factory=list)  #: (column, fields, mean)

    @property
    def pages_read(self) -> int:
        return self.pages - len(self.pages_failed)


def run_counts(store: Store, run_id: int) -> RunCounts:
    counts = RunCounts(run_id=run_id)
    pages = store.run_pages(run_id)
    counts.files = len({p.source for p, _ in pages})
    counts.pages = len(pages)
    counts.pages_reused = sum(reused for _, reused in pages)
    counts.pages_failed = [(f.source, f.page, f.reason) for f in store.page_failures(run_id)]
    page_ids = [p.id for p, _ in pages]
    for row in store.iter_rows(page_ids):
        counts.rows += 1
        flags = row.all_flags
        if flags:
            counts.review += 1
            counts.flags.update(flags)
        else:
            counts.clean += 1
        counts.duplicates += row.dup_flag == "duplicate"
        counts.possible_duplicates += row.dup_flag == "possible_duplicate"
    counts.forgotten = store.count_rows(page_ids).get("forgotten", 0)
    selected = json.dumps(page_ids)
    counts.same_sheet = [
        (f"{s}, page {p}", f"{s0}, page {p0}")
        for s, p, s0, p0 in store.execute(
            "SELECT p.source, p.page, q.source, q.page FROM pages p JOIN pages q ON q.id = p.same_as"
            " WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.source, p.page",
            (selected,),
        )
    ]
    means = {
        str(c): (int(n), float(m))
        for c, n, m in store.execute(
            "SELECT f.col, COUNT(*), AVG(f.confidence) FROM fields f JOIN rows r ON r.id = f.row_id"
            " WHERE r.page_id IN (SELECT value FROM json_each(?)) GROUP BY f.col",
            (selected,),
        )
    }
    forms: list[Form] = [
        form
        for (name,) in store.execute(
            "SELECT DISTINCT form FROM pages WHERE form IS NOT NULL AND id IN (SELECT value FROM json_each(?))",
            (selected,),
        )
        if (form := store.form(str(name))) is not None
    ]
    order = [c.name for c in union_columns(sorted(forms, key=lambda f: f.name))]
    order += sorted(set(means) - set(order))
    counts.confidence = [(c, *means[c]) for c in order if c in means]
    return counts


@dataclass
class _Section:
    title: str
    text: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    #: (row, column) -> URL (relative to the report, or file:): that cell links to a local file
    links: dict[tuple[int, int], str] = field(default_factory=dict)


def _picture_address(picture: Path, out_dir: Path) -> tuple[str, str]:
    """How the report names ``picture`` and the link to it: relative to the report when inside its
    folder, else the absolute path (and a file: URL)."""
    path = picture.resolve()
    try:
        rel = path.relative_to(out_dir.resolve()).as_posix()
    except ValueError:  # a --debug folder outside the output folder
        return str(path), path.as_uri()
    return rel, quote(rel)


def _explain(flag: str) -> str:
    base, _, column = flag.partition(":")
    english, french = FLAG_EXPLANATIONS.get(base, _UNKNOWN_FLAG)
    where = f" (column/colonne `{column}`)" if column else ""
    return f"{english} / {french}{where}"


def _thresholds_section() -> _Section:
    """The confidence thresholds in force and the trade-off they were chosen on."""
    from scanner.rowscore import THRESHOLDS_FILE, Thresholds

    th = Thresholds.default()
    sec = _Section(
        "Confidence thresholds / seuils de confiance",
        [
            "A field under its threshold sends the row to review. They were calibrated on generated sheets "
            "(tools/calibrate.py) so that rows in clean.csv are almost never wrong; lower thresholds accept "
            "more rows automatically at the price of more silent errors, as the curve shows.",
            "Thresholds: " + ", ".join(f"{k} {v:g}" for k, v in sorted(vars(th).items())) + ".",
        ],
        ["silent errors allowed / erreurs tolérées", "silent error rate / taux d'erreur", "auto rate / lignes auto"],
    )
    curve_file = THRESHOLDS_FILE.with_name("calibration.json")
    if curve_file.exists():
        data = json.loads(curve_file.read_text(encoding="utf-8"))
        sec.rows = [
            [f"{p['target']:.2%}", f"{p['silent_error_rate']:.2%}", f"{p['auto_rate']:.2%}"] for p in data["curve"]
        ]
    return sec


def _sections(store: Store, counts: RunCounts, out_dir: Path, debug_dir: Path | None = None,
              skipped: Sequence[Skipped] = ()) -> list[_Section]:
    run = store.run(counts.run_id)
    intro = _Section("Run")
    if run is not None:
        intro.text.append(f"Run {run.id}, started {run.started_at}, finished {run.finished_at or '(not finished)'}.")
        intro.text.append(f"Tool version: {run.tool_version or 'unknown'}. Arguments: `{run.args}`.")
    summary = _Section("Summary / Résumé", header=["", "count / nombre"])
    summary.rows = [
        ["Files / fichiers", str(counts.files)],
        ["Pages read / pages lues", str(counts.pages_read)],
        ["  of which already in the store (not read again) / déjà lues avant", str(counts.pages_reused)],
        ["Pages that could not be read / pages illisibles", str(len(counts.pages_failed))],
        ["Rows (written lines) / lignes remplies", str(counts.rows)],
        ["Clean rows (clean.csv) / lignes sûres", str(counts.clean)],
        ["Rows to review (review.csv) / lignes à vérifier", str(counts.review)],
        ["Duplicates / doublons", str(counts.duplicates)],
        ["Possible duplicates / doublons possibles", str(counts.possible_duplicates)],
        ["Same sheet scanned twice (pages) / feuille scannée deux fois", str(len(counts.same_sheet))],
        ["Rows of people who asked to be forgotten (not kept) / personnes effacées", str(counts.forgotten)],
    ]
    sections = [intro, summary, _thresholds_section()]
    if counts.pages_failed:
        failed = _Section(
            "Pages that could not be read / pages illisibles",
            ["These pages gave no row. Rescan them or check the form (--form)."],
            ["file / fichier", "page", "reason / raison"],
        )
        failed.rows = [[s, ("(folder)" if s.endswith("/") else "(file)") if p is None else str(p), r]
                       for s, p, r in counts.pages_failed]
        if debug_dir is not None:
            from scanner.debug import find_debug_png

            failed.text.append(
                "The picture of a page (--debug) shows it as the tool saw it: the ruled lines and corner markers "
                "it found, and why it was refused in large print. Files or pages that could not be opened have "
                "none. / L'image d'une page montre ce que l'outil y a trouvé et pourquoi il l'a refusée."
            )
            failed.header.append("picture / image (--debug)")
            for i, (s, p, _) in enumerate(counts.pages_failed):
                picture = find_debug_png(debug_dir, s, p) if p else None
                if picture is None:
                    failed.rows[i].append("(none)")
                else:
                    shown, link = _picture_address(picture, out_dir)
                    failed.rows[i].append(f"`{shown}`")
                    failed.links[(i, len(failed.header) - 1)] = link
        sections.append(failed)
    if skipped:
        other = _Section(
            "Files not read / fichiers non lus",
            ["Found in the input folders but not scans the tool reads. / Trouvés dans les dossiers, "
             "mais pas des scans que l'outil lit."],
            ["file / fichier", "reason / raison"],
        )
        other.rows = [[s.source, s.reason] for s in skipped]
        sections.append(other)
    if counts.flags:
        flagged = _Section(
            "Why rows need a review / pourquoi vérifier ces lignes",
            ["A row can have several reasons. Fix them with `petition-scan review` or in review.csv."],
            ["flag", "rows / lignes", "meaning / signification"],
        )
        flagged.rows = [[f"`{f}`", str(n), _explain(f)] for f, n in sorted(counts.flags.items())]
        sections.append(flagged)
    if counts.same_sheet:
        twice = _Section(
            "Same sheet scanned twice / feuille scannée deux fois",
            ["Counted once: the lines of the second scan are marked `duplicate` of the first."],
            ["page", "first scanned as / première lecture"],
        )
        twice.rows = [[a, b] for a, b in counts.same_sheet]
        sections.append(twice)
    if counts.confidence:
        conf = _Section(
            "Reading confidence per column / confiance de lecture par colonne",
            ["Mean over the fields of the rows read (1 = certain)."],
            ["column / colonne", "fields / champs", "mean confidence / confiance moyenne"],
        )
        conf.rows = [[f"`{c}`", str(n), f"{m:.3f}"] for c, n, m in counts.confidence]
        sections.append(conf)
    return sections


def _markdown(sections: list[_Section]) -> str:
    lines = ["# petition-scan report / rapport", ""]
    for section in sections:
        lines += [f"## {shown(section.title)}", ""]
        for paragraph in section.text:
            lines += [shown(paragraph), ""]
        if section.header:
            lines.append("| " + " | ".join(shown(h) for h in section.header) + " |")
            lines.append("|" + "---|" * len(section.header))
            for i, row in enumerate(section.rows):
                cells = [
                    f"[{c}](<{section.links[i, j]}>)" if (i, j) in section.links else c for j, c in enumerate(row)
                ]
                lines.append("| " + " | ".join(shown(c).replace("|", "\\|") for c in cells) + " |")
            lines.append("")
    return "\n".join(lines)


_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:.3em .6em;"
    "text-align:left;vertical-align:top}th{background:#eee}code{background:#f4f4f4;padding:0 .2em}"
)


def _inline(text: str) -> str:
    """Escape (HTML, and control characters as visible escapes), then render `code` spans."""
    parts = html.escape(shown(text)).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _html(sections: list[_Section]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        "<title>petition-scan report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>petition-scan report / rapport</h1>",
    ]
    for section in sections:
        out.append(f"<h2>{_inline(section.title)}</h2>")
        out += [f"<p>{_inline(p)}</p>" for p in section.text]
        if section.header:
            out.append("<table><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in section.header) + "</tr>")
            for i, row in enumerate(section.rows):
                cells = [
                    f'<a href="{html.escape(section.links[i, j])}">{_inline(c)}</a>'
                    if (i, j) in section.links
                    else _inline(c)
                    for j, c in enumerate(row)
                ]
                out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class ReportPaths:
    markdown: Path
    html: Path
    counts: RunCounts


def write_report(store: Store, run_id: int, out_dir: Path, debug_dir: Path | None = None,
                 skipped: Sequence[Skipped] = ()) -> ReportPaths:
    """Write ``out_dir/report.md`` and ``out_dir/report.html`` for a run.

    ``debug_dir``: the --debug folder; each unreadable page is then listed with
    its picture there (found by its name, see scanner.debug.debug_png_name).
    ``skipped``: files found in the input folders and not read that are no failure.
    """
    counts = run_counts(store, run_id)
    sections = _sections(store, counts, out_dir, debug_dir, skipped)
    paths = ReportPaths(out_dir / "report.md", out_dir / "report.html", counts)
    with atomic_writer(paths.markdown) as handle:
        handle.write(_markdown(sections))
    with atomic_writer(paths.html) as handle:
        handle.write(_html(sections))
    return paths
