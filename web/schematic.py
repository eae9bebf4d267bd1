"""The schematic tile grid of Hanoi's 30 district-level units: a choropleth without boundaries we may not ship.

Why a schematic: no freely licensed boundaries of Hanoi's units exist that the catalogue can redistribute
(GADM- and Highcharts-derived shapes may not be shipped; see ``../shared/notes/charts-maps-a11y.md``). Inventing
polygons would look like a map and mislead; a grid of equal squares, placed by hand so that it roughly follows
geography (``static/maps/hanoi-district-tiles.csv``, 2018 units), says at a glance that it is a diagram, and the
page labels it so. It is drawn on the server as SVG: it needs no JavaScript and no map library.

Colours: five equal-interval classes of ColorBrewer's YlOrRd (light to dark), grey for "no data".
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from catalog.geo import join_key
from catalog.i18n import N_, gettext

TILES_FILE = Path(__file__).parent / "static" / "maps" / "hanoi-district-tiles.csv"
PALETTE = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
LIGHT_TEXT = frozenset({"#e31a1c", "#800026"})  # white labels on the two darkest classes (contrast >= 4.5:1)
NO_DATA = "#e5e7eb"
CELL = 72
LABEL = N_("Sơ đồ minh hoạ, không phải bản đồ ranh giới")


@functools.lru_cache(maxsize=1)
def _tiles() -> tuple[dict, ...]:
    with open(TILES_FILE, encoding="utf-8", newline="") as handle:
        return tuple({"code": r["code"], "name": r["name"], "row": int(r["row"]), "col": int(r["col"])}
                     for r in csv.DictReader(handle))


def unit_names() -> list[str]:
    return [t["name"] for t in _tiles()]


def _classes(values: list[float]) -> list[tuple[float, float]]:
    low, high = min(values), max(values)
    step = (high - low) / len(PALETTE) or 1.0
    return [(low + i * step, low + (i + 1) * step if i < len(PALETTE) - 1 else high) for i in range(len(PALETTE))]


def _colour(value: float | None, classes: list[tuple[float, float]]) -> str:
    if value is None or not classes:
        return NO_DATA
    for (_low, high), colour in zip(classes, PALETTE, strict=True):
        if value <= high:
            return colour
    return PALETTE[-1]


def grid(values: dict[str, float | None]) -> dict:
    """The tiles coloured by ``values`` (keyed by unit name, matched without accents or case), with a legend,
    the size of the drawing and the joined values that match no unit."""
    by_key = {join_key(k): v for k, v in values.items()}
    numbers = [v for v in by_key.values() if v is not None]
    classes = _classes(numbers) if numbers else []
    tiles = []
    for tile in _tiles():
        value = by_key.get(join_key(tile["name"]))
        fill = _colour(value, classes)
        tiles.append({**tile, "value": value, "fill": fill, "text": "#ffffff" if fill in LIGHT_TEXT else "#111827",
                      "x": tile["col"] * CELL, "y": tile["row"] * CELL, "size": CELL - 4})
    known = {join_key(t["name"]) for t in _tiles()}
    return {
        "label": gettext(LABEL),
        "tiles": tiles,
        "legend": [{"low": low, "high": high, "fill": colour} for (low, high), colour in zip(classes, PALETTE,
                                                                                            strict=True)],
        "no_data": NO_DATA,
        "width": (max(t["col"] for t in tiles) + 1) * CELL,
        "height": (max(t["row"] for t in tiles) + 1) * CELL,
        "unmatched": sorted(k for k in values if join_key(k) not in known),
    }
