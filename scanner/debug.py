"""A picture of what the layout stages saw, for people checking a doubtful page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from scanner.cells import LineCells
from scanner.model import Registered, Table

GREEN = (40, 160, 40)
GREY = (160, 160, 160)
RED = (30, 30, 220)
BLUE = (200, 120, 20)


def render_debug(reg: Registered, table: Table, lines: list[LineCells]) -> np.ndarray:
    """The registered page with the header (blue), written lines (green), empty (grey), crossed out (red)."""
    img = cv2.cvtColor(reg.gray, cv2.COLOR_GRAY2BGR)
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = max(0.5, reg.px_per_mm / 8.0)
    if table.header is not None:
        x0, y0, x1, y1 = table.header.ints()
        cv2.rectangle(img, (x0, y0), (x1, y1), BLUE, 3)
    for line in lines:
        colour = RED if line.crossed_out else (GREY if line.empty else GREEN)
        overlay = img.copy()
        for cell in line.cells:
            x0, y0, x1, y1 = cell.box.ints()
            cv2.rectangle(img, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), colour, 2)
            if cell.ink > 0:
                cv2.rectangle(overlay, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), colour, -1)
            if cell.tick_box is not None:
                ox, oy = cell.origin
                t = cell.tick_box
                cv2.rectangle(img, (int(t.x0) + ox, int(t.y0) + oy), (int(t.x1) + ox, int(t.y1) + oy), BLUE, 1)
        img = cv2.addWeighted(overlay, 0.12, img, 0.88, 0)
        bx0, by0, _, by1 = line.box.ints()
        label = f"{line.row}" + (" X" if line.crossed_out else "")
        cv2.putText(img, label, (max(2, bx0 - int(40 * scale)), (by0 + by1) // 2), font, scale, colour, 2)
    cv2.putText(img, f"{reg.ref}  form={reg.form_name}  method={reg.method}  fit={reg.residual_px:.2f}px",
                (10, int(30 * scale)), font, scale * 0.8, BLUE, 2)
    for n, note in enumerate(reg.notes):
        cv2.putText(img, note, (10, int((60 + 28 * n) * scale)), font, scale * 0.7, BLUE, 1)
    return img


def write_debug_png(reg: Registered, table: Table, lines: list[LineCells], path: Path) -> None:
    """Write :func:`render_debug` as PNG (folders created as needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", render_debug(reg, table, lines), [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise OSError(f"cannot encode the debug image for {reg.ref}")
    path.write_bytes(buf.tobytes())
