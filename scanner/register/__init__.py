"""Put a page into its form's frame: printed sheets by their markers, others by their table.

``register`` is the only entry point; it raises NotAFormError for pages that are
not petition sheets (blank pages included) and RegistrationError for sheets it
recognises but cannot map reliably, both naming the file and page.
"""

from __future__ import annotations

import cv2

from scanner.errors import NotAFormError, RegistrationError
from scanner.forms import FormRegistry
from scanner.layout import MARKER_IDS
from scanner.model import PageImage, Registered
from scanner.register.common import is_blank
from scanner.register.printed import find_markers, register_printed

__all__ = ["register"]


def register(page: PageImage, forms: FormRegistry) -> Registered:
    """Registered (upright, template-aligned) gray image of ``page``."""
    src, pg = page.ref.source, page.ref.page
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) if page.image.ndim == 3 else page.image
    levels = [gray]  # its halvings, made once for the marker search and the table's registration
    markers = find_markers(gray, levels)
    if len(markers) >= 3:
        return register_printed(page, gray, markers, forms)
    blank = NotAFormError(src, pg, "blank page", "Nothing to read on this page; remove it or ignore this message.")
    if forms.default is not None:
        from scanner.register.foreign import register_foreign

        # a ruled table is far more ink than a blank page holds, so a page read by its table
        # is never blank: the blank test is only needed to explain a failure
        try:
            return register_foreign(page, gray, forms.default, levels)
        except (NotAFormError, RegistrationError, cv2.error) as exc:
            if is_blank(gray):
                raise blank from exc
            raise
    if is_blank(gray):
        raise blank
    if markers:
        found = ", ".join(str(m) for m in sorted(markers))
        raise RegistrationError(
            src,
            pg,
            f"only {len(markers)} of {len(MARKER_IDS)} corner markers found (id {found}): "
            "a corner is folded, torn or outside the picture",
            "Rescan the sheet with all four corners visible, or give --form to read it by its table.",
        )
    raise NotAFormError(
        src,
        pg,
        "not a petition sheet (no markers or table found)",
        "Sheets not printed by petition-scan need --form naming their layout.",
    )
