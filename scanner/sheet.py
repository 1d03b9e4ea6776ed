"""The layout half of a page job: registration, table, cells (everything before OCR)."""

from __future__ import annotations

import cv2

from scanner.cells import LineCells, cut_cells
from scanner.errors import RegistrationError
from scanner.forms import FormRegistry
from scanner.grid import find_table
from scanner.model import PageImage, Registered, Table
from scanner.register import register


def read_layout(page: PageImage, forms: FormRegistry) -> tuple[Registered, Table, list[LineCells]]:
    """Register ``page``, find its table and cut every line into cells.

    Raises NotAFormError (not a petition sheet, blank page) or RegistrationError
    (recognised but not readable safely), both naming the file and page.
    """
    try:
        reg = register(page, forms)
        form = forms.get(reg.form_name)
        if form is None:  # register only returns forms of the registry
            raise RegistrationError(page.ref.source, page.ref.page, f"form '{reg.form_name}' is not loaded")
        table = find_table(reg, form)
        lines = cut_cells(reg, table, form)
    except cv2.error as exc:
        # an image so degenerate that OpenCV refuses it: report the page, keep the batch going
        raise RegistrationError(page.ref.source, page.ref.page, f"image cannot be analysed ({exc.err})") from exc
    return reg, table, lines
