"""The run report: counts a coordinator can read, same content in Markdown and HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _store_fixtures import FORM, page, person, row

from scanner.dedupe import dedupe_run
from scanner.output.report import FLAG_EXPLANATIONS, run_counts, write_report
from scanner.privacy import ForgetRequest, forget
from scanner.store import Store


def batch(store: Store) -> int:
    run = store.start_run(["process", "scans/"], "0.1.0", forms=[FORM])
    anne = person("Petit", "Anne", "anne@x.fr", "35000")
    store.save_page(
        run,
        page(
            "<lot> & co.pdf",
            1,
            [
                row(1, anne),
                row(2, person("Roux", "Paul"), flags=("unsigned",), field_flags={"nom": ["low_confidence:nom"]}),
                row(4, person("Blanc", "Léa", "lea@x.fr"), confidence=0.5, flags=("mystery_flag",)),
            ],
        ),
    )
    first = store.save_page(run, page("b.pdf", 1, [row(1, anne)], serial="K7"))
    store.save_page(run, page("b2.pdf", 1, [row(1, anne)], serial="K7", sha=first.page.sha256))
    store.save_page(run, page("c.pdf", 3, [], error="no table found on the page"))
    store.record_failure(run, "d.tif", "/scans/d.tif", None, "cannot decode the image")
    store.save_page(run, page("e.pdf", 1, [row(1, person("Oubli", "Omar", "omar@x.fr"))]))
    forget(store, ForgetRequest(email="omar@x.fr"))
    dedupe_run(store, run)
    store.finish_run(run, "partial")
    return run


def test_counts(store: Store) -> None:
    counts = run_counts(store, batch(store))
    assert (counts.files, counts.pages, counts.pages_read) == (6, 6, 4)
    assert [(s, p) for s, p, _ in counts.pages_failed] == [("c.pdf", 3), ("d.tif", None)]
    assert (counts.rows, counts.clean, counts.review, counts.forgotten) == (5, 1, 4, 1)
    assert (counts.duplicates, counts.possible_duplicates) == (2, 0)
    assert counts.flags == {"duplicate": 2, "unsigned": 1, "low_confidence:nom": 1, "mystery_flag": 1}
    assert counts.same_sheet == [("b2.pdf, page 1", "b.pdf, page 1")]
    confidence = dict((c, m) for c, _, m in counts.confidence)
    assert list(confidence)[:3] == ["nom", "prenom", "email"]
    assert confidence["nom"] == pytest.approx((0.97 * 4 + 0.5) / 5)


def test_markdown_report_explains_what_a_coordinator_must_do(store: Store, tmp_path: Path) -> None:
    paths = write_report(store, batch(store), tmp_path)
    text = paths.markdown.read_text(encoding="utf-8")
    assert "| Pages that could not be read / pages illisibles | 2 |" in text
    assert "| c.pdf | 3 | no table found on the page |" in text
    assert "| d.tif | (file) | cannot decode the image |" in text
    assert "| Duplicates / doublons | 2 |" in text
    assert "| Same sheet scanned twice (pages) / feuille scannée deux fois | 1 |" in text
    assert "| b2.pdf, page 1 | b.pdf, page 1 |" in text
    assert FLAG_EXPLANATIONS["unsigned"][1] in text and FLAG_EXPLANATIONS["low_confidence"][0] in text
    assert "| `mystery_flag` | 1 | See the flag table in README.md." in text
    assert re.search(r"\| `nom` \| 5 \| 0\.876 \|", text)
    assert "Tool version: 0.1.0" in text


def test_html_report_is_self_contained_and_escaped(store: Store, tmp_path: Path) -> None:
    paths = write_report(store, batch(store), tmp_path)
    page_html = paths.html.read_text(encoding="utf-8")
    assert page_html.startswith("<!DOCTYPE html>") and page_html.rstrip().endswith("</html>")
    for external in ("http:", "https:", "src=", "<script", "<link", "@import", "url("):
        assert external not in page_html
    assert "&lt;lot&gt; &amp; co.pdf" not in page_html  # clean page: not listed anywhere
    assert "<td>c.pdf</td><td>3</td><td>no table found on the page</td>" in page_html
    assert "<code>low_confidence:nom</code>" in page_html
    text = paths.markdown.read_text(encoding="utf-8")
    for number in re.findall(r"\| (\d+) \|\n", text):  # every count of the summary is in the HTML too
        assert f"<td>{number}</td>" in page_html
