"""Writers and small numeric helpers shared by the demo's generators.

Why here: every demo file must be byte-identical from run to run (the catalogue de-duplicates identical
files, and tests compare sha256s), so the writers fix what would otherwise vary: the random seed, the CSV
dialect, NFC text and the timestamps openpyxl stamps into a workbook.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from catalog.metadata import nfc

FIXED_ZIP_TIME = (2018, 9, 30, 0, 0, 0)


def seeded(seed: str, name: str) -> random.Random:
    """A generator seeded from a fixed string: str seeds are hashed with SHA-512, stable across runs."""
    return random.Random(f"{seed}:{name}")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *,
              delimiter: str = ",", newline: str = "\n", bom: bool = False) -> Path:
    """Write a UTF-8 CSV; ``None`` becomes an empty cell, text is NFC."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else nfc(v) for v in row])
    return path


def write_xlsx(path: Path, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a one-sheet workbook whose bytes do not depend on the clock.

    openpyxl stamps the save time into docProps/core.xml and the zip entries, so the workbook is
    re-zipped with fixed times: the same rows always give the same sha256.
    """
    from openpyxl import Workbook  # imported here: only the demo needs it

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append([nfc(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    stamp = datetime(*FIXED_ZIP_TIME)
    wb.properties.creator = "Hanoi Open Data demo"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    fixed_w3c = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + fixed_w3c.encode() + rb"\g<2>", data)
            zout.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME), data,
                          compress_type=zipfile.ZIP_DEFLATED)
    return path


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    out = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return out


def interp(x: float, points: Sequence[Sequence[float]]) -> float:
    """Piecewise-linear y(x) through ``points`` (sorted by x), flat outside them."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def lognormal(rng: random.Random, sigma: float) -> float:
    """A multiplicative noise factor with median 1."""
    return math.exp(rng.gauss(0, sigma))


def span(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


def vn_number(value: float, decimals: int = 0) -> str:
    """1234567.5 → '1.234.567,5' (how Vietnamese reports write numbers)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
