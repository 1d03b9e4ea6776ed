"""The kinds of set: the committed demo, the evaluation set, the speed bench, the layout zoo."""

from __future__ import annotations

from samples.gen import zoo as zoo_layouts
from samples.gen.distort import Fold, Gray, Rescale
from samples.gen.plan import FilePlan, Fill, PagePlan, Planner, SetPlan

PRESETS = ("demo", "eval", "bench", "zoo")
A4_LANDSCAPE = (297.0, 210.0)
A4_PORTRAIT = (210.0, 297.0)


def demo(seed: int) -> SetPlan:
    """~14 pages over every input kind, small enough to commit (a few MB)."""
    p = Planner(seed)
    scan1 = [
        p.printed(p.scan_ops(rot=0, dpi200=False, gray=False, fold=False), Fill("full", force_crossed=True)),
        p.printed(p.scan_ops(rot=2, dpi200=False, gray=False), Fill("half")),
        p.printed([Fold((0.333, 0.667)), *p.scan_ops(rot=0, dpi200=False, gray=False, fold=False)], Fill("sparse")),
    ]
    scan2 = [
        p.printed(p.scan_ops(rot=1, dpi200=True, gray=True, fold=False), Fill("most")),
        p.printed(p.scan_ops(rot=0, dpi200=True, gray=False), Fill("full", unsigned=0.3, force_repeat=True)),
        p.other("letter", p.scan_ops(rot=0, dpi200=True, gray=True, fold=False)),
    ]
    photo1 = p.printed(p.photo_ops(A4_LANDSCAPE, rot=0), Fill("most"))
    photo2 = p.printed(p.photo_ops(A4_LANDSCAPE, rot=1), Fill("half", force_repeat=True))
    photo3 = p.printed(p.photo_ops(A4_LANDSCAPE, rot=2), Fill("few"))
    tiff = [
        p.printed([*p.scan_ops(rot=0, dpi200=False, gray=False), Rescale(2 / 3), Gray()], Fill("full")),
        p.printed([*p.scan_ops(rot=3, dpi200=False, gray=False, fold=False), Rescale(2 / 3), Gray()], Fill("sparse")),
    ]
    fax = p.printed(p.fax_ops(rot=0), Fill("most", force_repeat=True))
    foreign = [
        p.foreign(p.scan_ops(rot=0, dpi200=False, gray=True, fold=False), Fill("most")),
        p.foreign(p.scan_ops(rot=2, dpi200=True, gray=False, fold=True), Fill("half", force_crossed=True)),
    ]
    files = [
        FilePlan("scan-001.pdf", "pdf", scan1, quality=72),
        FilePlan("scan-002.pdf", "pdf", scan2, quality=75),
        FilePlan("photo-001.jpg", "jpeg", [photo1], quality=80),
        FilePlan("photo-002.jpg", "jpeg", [photo2], quality=80, exif=6),
        FilePlan("photo-003.jpg", "jpeg", [photo3], quality=78),
        FilePlan("scan-200dpi.tif", "tiff", tiff, quality=80),
        FilePlan("fax-001.png", "png", [fax]),
        FilePlan("foreign-001.pdf", "pdf", foreign, quality=75),
        FilePlan("damaged.pdf", "corrupt", []),
    ]
    return SetPlan(seed, files)


def _pdf_pages(p: Planner, n: int, k: int) -> list[PagePlan]:
    pages = []
    for i in range(n):
        rot = (0, 0, 2, 1, 0, 3, 0)[(k + i) % 7]
        pages.append(p.printed(p.scan_ops(rot=rot)))
    return pages


def evaluation(seed: int, pages: int = 100) -> SetPlan:
    """At least ``pages`` pages: every distortion, both layouts, duplicates, bad input."""
    p = Planner(seed)
    files: list[FilePlan] = []
    count = 0
    k = 0
    while count < pages:
        slot = k % 6
        if slot == 0:
            n = int(p.rng.integers(3, 8))
            body = _pdf_pages(p, n, k)
            if k % 12 == 0:
                extra = p.other("letter" if k % 24 == 0 else "blank", p.scan_ops(rot=0, fold=False))
                body.insert(int(p.rng.integers(len(body) + 1)), extra)
            files.append(FilePlan(f"scan-{k:03d}.pdf", "pdf", body, quality=int(p.rng.integers(70, 86))))
        elif slot in (1, 4):
            page = p.printed(p.photo_ops(A4_LANDSCAPE))
            exif = 6 if k % 4 == 1 else (8 if k % 8 == 4 else None)
            files.append(FilePlan(f"photo-{k:03d}.jpg", "jpeg", [page], quality=int(p.rng.integers(72, 90)), exif=exif))
        elif slot == 2:
            n = int(p.rng.integers(2, 4))
            body = [p.printed([*p.scan_ops(dpi200=False, gray=False), Rescale(2 / 3), Gray()]) for _ in range(n)]
            files.append(FilePlan(f"scan-{k:03d}.tif", "tiff", body, quality=80))
        elif slot == 3:
            files.append(FilePlan(f"fax-{k:03d}.png", "png", [p.printed(p.fax_ops())]))
        else:
            n = int(p.rng.integers(2, 4))
            body = []
            for i in range(n):
                ops = p.photo_ops(A4_PORTRAIT, long_side=3000) if (k + i) % 5 == 0 else p.scan_ops()
                body.append(p.foreign(ops))
            photos = [pg for pg in body if any(t == "photo" for t in pg.tags())]
            scans = [pg for pg in body if pg not in photos]
            if scans:
                files.append(FilePlan(f"foreign-{k:03d}.pdf", "pdf", scans, quality=78))
            for j, pg in enumerate(photos):
                files.append(FilePlan(f"foreign-{k:03d}-{j + 1}.jpg", "jpeg", [pg], quality=82))
        count = sum(len(f.pages) for f in files)
        k += 1
    files.append(FilePlan("damaged.pdf", "corrupt", []))
    files.append(FilePlan("photo-cut.jpg", "corrupt", []))
    return SetPlan(seed, files)


def bench(seed: int, sheets: int = 200) -> SetPlan:
    """``sheets`` printed sheets in one scanner PDF, for speed measurements."""
    p = Planner(seed)
    body = [p.printed(p.scan_ops(rot=int(p.rng.choice([0, 0, 0, 2])), dpi200=False, gray=False)) for _ in range(sheets)]
    return SetPlan(seed, [FilePlan("bench.pdf", "pdf", body, quality=75)])


def _zoo_sheet(p: Planner, layout_id: str, k: int) -> tuple[str, PagePlan]:
    """The layout's k-th sheet and how it came back ("scan", "photo" or "fax").

    The first six cover the cases, most telling first (a two-sheet set still
    has a blank one): a straight scan with a line crossed out, a blank sheet
    returned (scanned turned 270 degrees), a phone photo, a fax, a scan turned
    180 degrees, one turned 90 degrees with a line crossed out. Then random
    scans, one photo in four."""
    paper = zoo_layouts.layout(layout_id).paper_mm
    if k == 0:
        return "scan", p.zoo(layout_id, p.scan_ops(rot=0, dpi200=False, gray=False, fold=False),
                             Fill(str(p.rng.choice(["full", "most"])), force_crossed=True))  # fmt: skip
    if k == 1:
        return "scan", p.zoo(layout_id, p.scan_ops(rot=3), Fill("none"))
    if k == 2:
        return "photo", p.zoo(layout_id, p.photo_ops(paper, rot=0), Fill())
    if k == 3:
        return "fax", p.zoo(layout_id, p.fax_ops(rot=0), Fill())
    if k == 4:
        return "scan", p.zoo(layout_id, p.scan_ops(rot=2), Fill())
    if k == 5:
        return "scan", p.zoo(layout_id, p.scan_ops(rot=1), Fill(force_crossed=True))
    if k % 4 == 2:
        return "photo", p.zoo(layout_id, p.photo_ops(paper), Fill())
    return "scan", p.zoo(layout_id, p.scan_ops(), Fill())


def zoo(seed: int, sheets: int = 6, layouts: tuple[str, ...] | None = None) -> SetPlan:
    """About ``sheets`` pages per zoo layout, each layout's files in a folder named by its id."""
    chosen = tuple(zoo_layouts.layout(i) for i in layouts) if layouts else zoo_layouts.LAYOUTS
    p = Planner(seed)
    files: list[FilePlan] = []
    for lay in chosen:
        scans: list[PagePlan] = []
        singles: list[FilePlan] = []
        counts = {"photo": 0, "fax": 0}
        for k in range(sheets):
            how, page = _zoo_sheet(p, lay.id, k)
            if how == "scan":
                scans.append(page)
                continue
            counts[how] += 1
            if how == "photo":
                name = f"{lay.id}/photo-{counts[how]:03d}.jpg"
                singles.append(FilePlan(name, "jpeg", [page], quality=int(p.rng.integers(75, 88))))
            else:
                singles.append(FilePlan(f"{lay.id}/fax-{counts[how]:03d}.png", "png", [page]))
        for n, start in enumerate(range(0, len(scans), 4)):
            files.append(FilePlan(f"{lay.id}/scan-{n + 1:03d}.pdf", "pdf", scans[start : start + 4],
                                  quality=int(p.rng.integers(70, 86))))  # fmt: skip
        files += singles
    return SetPlan(seed, files, forms=zoo_layouts.form_paths(chosen))


def plan_set(preset: str, seed: int, sheets: int | None = None, layouts: tuple[str, ...] | None = None) -> SetPlan:
    if layouts and preset != "zoo":
        raise ValueError("layouts are chosen for the zoo preset only")
    if preset == "zoo":
        return zoo(seed, sheets or 6, layouts)
    if preset == "demo":
        return demo(seed)
    if preset == "eval":
        return evaluation(seed, sheets or 100)
    if preset == "bench":
        return bench(seed, sheets or 200)
    raise ValueError(f"unknown preset {preset!r} (choose from {', '.join(PRESETS)})")
