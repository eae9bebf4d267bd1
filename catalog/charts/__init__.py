"""Charts of a version's rows: a typed request, aggregated in DuckDB, drawn as Vega-Lite (SVG/PNG on the server).

Why a package of its own: the dataset page, the explorer, the chart URLs, the embed page and the SQL page all
draw charts, and each must say the same thing (same aggregation, same capped points, same axis titles, same
summary and data table for screen readers). The web reads a request into a ``ChartSpec``; ``build_chart`` does
the rest.

- ``spec``: ``ChartSpec`` and its check against the Table Schema;
- ``aggregate``: the points (top categories + "other", time buckets, histogram bins, scatter samples);
- ``vegalite``: the Vega-Lite spec, the summary sentence and the data table; ``render``: SVG and PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from catalog.charts.aggregate import MAX_CATEGORIES, MAX_POINTS, MAX_SERIES, ChartData, aggregate, from_rows
from catalog.charts.render import to_png, to_svg
from catalog.charts.spec import (
    AGGREGATIONS,
    CHART_TYPES,
    NO_AGGREGATION,
    TIME_BUCKETS,
    ChartSpec,
    check_spec,
)
from catalog.charts.vegalite import Titles, format_number, summary, table, vega_lite
from catalog.rows.filters import schema_fields


@dataclass(frozen=True)
class Chart:
    """A built chart: the checked request, its points, and everything drawn or said from them."""

    spec: ChartSpec
    data: ChartData
    titles: Titles
    summary: str
    table: dict
    vega_lite: dict


def column_title(field: dict, lang: str = "vi") -> str:
    """A column's title in the language: ``title`` in Vietnamese, ``title_en`` (or the name) in English."""
    if lang == "en":
        return field.get("title_en") or field["name"]
    return field.get("title") or field["name"]


def titles_for(schema: dict, spec: ChartSpec, lang: str = "vi") -> Titles:
    fields = schema_fields(schema)
    title = {name: column_title(fields[name], lang) for name in (spec.x, spec.y, spec.color) if name}
    return Titles(title[spec.x], title.get(spec.y) if spec.y else None,
                  title.get(spec.color) if spec.color else None)


def chart_of(spec: ChartSpec, data: ChartData, titles: Titles, lang: str = "vi") -> Chart:
    """Everything drawn or said from points already computed (a version's aggregate, or a SQL result)."""
    return Chart(spec, data, titles, summary(spec, data, titles, lang), table(spec, data, titles, lang),
                 vega_lite(spec, data, titles, lang))


def build_chart(files: Sequence[Path | str], schema: dict, spec: ChartSpec, lang: str = "vi") -> Chart:
    """Check ``spec`` against the schema, aggregate the version's rows, and describe the chart."""
    spec = check_spec(spec, schema)
    return chart_of(spec, aggregate(files, schema, spec, lang), titles_for(schema, spec, lang), lang)


__all__ = [
    "AGGREGATIONS", "CHART_TYPES", "MAX_CATEGORIES", "MAX_POINTS", "MAX_SERIES", "NO_AGGREGATION", "TIME_BUCKETS",
    "Chart", "ChartData", "ChartSpec", "Titles", "aggregate", "build_chart", "chart_of", "check_spec",
    "column_title", "format_number", "from_rows", "summary", "table", "titles_for", "to_png", "to_svg",
    "vega_lite",
]
