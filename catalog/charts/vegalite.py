"""A chart's points as a Vega-Lite v6 spec (data inline), a sentence for screen readers and a data table.

Why one builder: the SVG and PNG the server renders, the interactive view in the browser, the embed page and
the SQL page's chart all draw from this spec, so axis titles, Vietnamese number formats ('.' for thousands,
',' for decimals, set as the spec's own d3 locale) and label rules are the same everywhere. The summary and the
table say in words and numbers what the picture shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from catalog import i18n
from catalog.charts.aggregate import MAX_CATEGORIES, ChartData
from catalog.charts.spec import ChartSpec

SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json"
WIDTH, HEIGHT = 640, 320
AXIS_NUMBER = ",.6~r"
VI_NUMBER = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0₫"]}
VI_TIME = {
    "dateTime": "%A, %d/%m/%Y %H:%M", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["SA", "CH"],
    "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
    "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "months": [f"Tháng {i}" for i in range(1, 13)], "shortMonths": [f"Th{i}" for i in range(1, 13)],
}
WORDS = {
    "vi": {"bar": "Biểu đồ cột", "line": "Biểu đồ đường", "area": "Biểu đồ vùng", "scatter": "Biểu đồ phân tán",
           "histogram": "Biểu đồ tần suất", "count": "số dòng", "sum": "tổng", "mean": "trung bình",
           "median": "trung vị", "min": "nhỏ nhất", "max": "lớn nhất", "by": "theo", "and": "và",
           "highest": "cao nhất", "lowest": "thấp nhất", "points": "điểm", "empty": "không có dữ liệu",
           "bins": "khoảng", "from": "từ", "to": "đến", "most": "nhiều nhất", "rows": "dòng",
           "sample": "mẫu ngẫu nhiên từ {n} dòng", "pooled": "ngoài {n} nhóm nhiều dòng nhất, các nhóm còn lại "
           "gộp vào “{other}”", "other": "Khác", "series": "nhóm", "value": "giá trị",
           "day": "ngày", "week": "tuần", "month": "tháng", "quarter": "quý", "year": "năm"},
    "en": {"bar": "Bar chart", "line": "Line chart", "area": "Area chart", "scatter": "Scatter chart",
           "histogram": "Histogram", "count": "number of rows", "sum": "sum of", "mean": "mean",
           "median": "median", "min": "minimum", "max": "maximum", "by": "by", "and": "and",
           "highest": "highest", "lowest": "lowest", "points": "points", "empty": "no data",
           "bins": "bins", "from": "from", "to": "to", "most": "most rows", "rows": "rows",
           "sample": "a random sample of {n} rows", "pooled": "beyond the {n} largest groups, the rest are "
           "pooled as “{other}”", "other": "Other", "series": "group", "value": "value",
           "day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"},
}
TIME_FORMATS = {"vi": {"day": "%d/%m/%Y", "week": "%d/%m/%Y", "month": "%m/%Y", "quarter": "Q%q/%Y", "year": "%Y"},
                "en": {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%b %Y", "quarter": "%Y Q%q", "year": "%Y"}}


@dataclass(frozen=True)
class Titles:
    """The columns' titles in the request's language (``y`` is None for a count)."""

    x: str
    y: str | None = None
    color: str | None = None


def words_for(lang: str) -> dict:
    return WORDS.get(lang, WORDS["vi"])


def format_number(value: object, lang: str = "vi") -> str:
    """At most two decimals, trimmed; '.' thousands and ',' decimals in Vietnamese (Babel's locale data, as
    ``catalog.i18n.format_number`` writes every other number)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return str(value)
    return i18n.format_number(round(value, 2) if isinstance(value, float) else value,
                              lang=lang if lang in i18n.LANGUAGES else i18n.DEFAULT)


def format_x(value: object, data: ChartData, lang: str) -> str:
    """An x value as the summary and the table write it (dates by their bucket)."""
    if data.x_kind == "temporal" and isinstance(value, str) and len(value) >= 10:
        year, month, day = value[:4], value[5:7], value[8:10]
        bucket = data.bucket or "day"
        if bucket == "year":
            return year
        if bucket == "quarter":
            quarter = (int(month) - 1) // 3 + 1
            return f"Q{quarter}/{year}" if lang == "vi" else f"{year} Q{quarter}"
        if bucket == "month":
            return f"{month}/{year}" if lang == "vi" else f"{year}-{month}"
        return (f"{day}/{month}/{year}" if lang == "vi" else value[:10]) + value[10:16].replace("T", " ")
    return format_number(value, lang) if isinstance(value, (int, float)) else str(value)


def y_title(spec: ChartSpec, titles: Titles, lang: str) -> str:
    words = words_for(lang)
    if spec.type == "histogram" or spec.agg == "count":
        return _cap(words["count"])
    if spec.agg == "none" or not titles.y:
        return titles.y or words["value"]
    return _cap(f"{words[spec.agg]} {titles.y}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def x_title(spec: ChartSpec, data: ChartData, titles: Titles, lang: str) -> str:
    if data.bucket:
        return f"{titles.x} ({words_for(lang)['by']} {words_for(lang)[data.bucket]})"
    return titles.x


def summary(spec: ChartSpec, data: ChartData, titles: Titles, lang: str = "vi") -> str:
    """One sentence for screen readers, e.g. "Biểu đồ cột: trung bình PM2.5 theo Quận; cao nhất: Đống Đa 62,1; …"."""
    words = words_for(lang)
    what = _what(spec, data, titles, lang)
    if not data.points:
        return f"{words[spec.type]}: {what}; {words['empty']}."
    if spec.type == "histogram":
        parts = _histogram_parts(data, lang)
    elif spec.type == "scatter":
        parts = _scatter_parts(data, titles, lang)
    else:
        parts = _extremes(data, lang)
    if "x" in data.pooled or "series" in data.pooled:
        parts.append(words["pooled"].format(n=MAX_CATEGORIES if "x" in data.pooled else 10, other=words["other"]))
    return f"{words[spec.type]}: {what}; " + "; ".join(parts) + "."


def _what(spec: ChartSpec, data: ChartData, titles: Titles, lang: str) -> str:
    words = words_for(lang)
    if spec.type == "scatter":
        return f"{titles.y} {words['and']} {titles.x}"
    measure = y_title(spec, titles, lang)
    measure = measure[:1].lower() + measure[1:]
    what = f"{measure} {words['by']} {x_title(spec, data, titles, lang)}"
    return what + (f", {words['by']} {titles.color}" if titles.color else "")


def _label(point: dict, data: ChartData, lang: str) -> str:
    text = format_x(point["x"], data, lang)
    return f"{point['series']} · {text}" if "series" in point else text


def _extremes(data: ChartData, lang: str) -> list[str]:
    words = words_for(lang)
    valued = [p for p in data.points if p.get("y") is not None]
    if not valued:
        return [words["empty"]]
    high = max(valued, key=lambda p: p["y"])
    low = min(valued, key=lambda p: p["y"])
    return [f"{words['highest']}: {_label(high, data, lang)} {format_number(high['y'], lang)}",
            f"{words['lowest']}: {_label(low, data, lang)} {format_number(low['y'], lang)}",
            f"{format_number(len(data.points), lang)} {words['points']}"]


def _histogram_parts(data: ChartData, lang: str) -> list[str]:
    words = words_for(lang)
    first, last = data.points[0], data.points[-1]
    most = max(data.points, key=lambda p: p["y"])
    return [f"{len(data.points)} {words['bins']} {words['from']} {format_number(first['x'], lang)} "
            f"{words['to']} {format_number(last['x2'], lang)}",
            f"{words['most']}: {format_number(most['x'], lang)}–{format_number(most['x2'], lang)} "
            f"({format_number(most['y'], lang)} {words['rows']})"]


def _scatter_parts(data: ChartData, titles: Titles, lang: str) -> list[str]:
    words = words_for(lang)
    xs = [p["x"] for p in data.points]
    ys = [p["y"] for p in data.points]
    parts = [f"{format_number(len(data.points), lang)} {words['points']}"
             + (f" ({words['sample'].format(n=format_number(data.sampled_from, lang))})" if data.sampled_from else "")]
    parts.append(f"{titles.x} {words['from']} {format_x(min(xs), data, lang)} {words['to']} "
                 f"{format_x(max(xs), data, lang)}")
    parts.append(f"{titles.y} {words['from']} {format_number(min(ys), lang)} {words['to']} "
                 f"{format_number(max(ys), lang)}")
    return parts


def table(spec: ChartSpec, data: ChartData, titles: Titles, lang: str = "vi") -> dict:
    """The chart's data as a table: column headers and rows of display texts."""
    if spec.type == "histogram":
        return {"columns": [titles.x, y_title(spec, titles, lang)],
                "rows": [[f"{format_number(p['x'], lang)}–{format_number(p['x2'], lang)}",
                          format_number(p["y"], lang)] for p in data.points]}
    columns = [x_title(spec, data, titles, lang)] + ([titles.color] if titles.color else [])
    columns.append(y_title(spec, titles, lang))
    rows = [[format_x(p["x"], data, lang)] + ([str(p["series"])] if titles.color else [])
            + [format_number(p["y"], lang)] for p in data.points]
    return {"columns": columns, "rows": rows}


def vega_lite(spec: ChartSpec, data: ChartData, titles: Titles, lang: str = "vi") -> dict:
    """The Vega-Lite v6 spec with its data inline (points only: the table behind them stays on the server)."""
    text = summary(spec, data, titles, lang)
    encoding = _encoding(spec, data, titles, lang)
    chart = {"$schema": SCHEMA_URL, "description": text, "width": WIDTH, "height": HEIGHT,
             "data": {"values": data.points}, "mark": _mark(spec, data), "encoding": encoding,
             "config": _config(lang)}
    return chart


def _mark(spec: ChartSpec, data: ChartData) -> dict:
    if spec.type == "scatter":
        return {"type": "point", "filled": True, "opacity": 0.6, "tooltip": True}
    if spec.type == "histogram":
        return {"type": "bar", "tooltip": True, "binSpacing": 1}
    mark: dict = {"type": spec.type, "tooltip": True}
    if spec.type == "line" and len(data.points) <= 60:
        mark["point"] = True
    return mark


def _config(lang: str) -> dict:
    config: dict = {"axis": {"labelFontSize": 11, "titleFontSize": 12, "titlePadding": 8, "labelLimit": 180},
                    "legend": {"labelLimit": 200}, "view": {"stroke": None}}
    if lang == "vi":
        config["locale"] = {"number": VI_NUMBER, "time": VI_TIME}
    return config


def _encoding(spec: ChartSpec, data: ChartData, titles: Titles, lang: str) -> dict:
    y_axis = {"format": AXIS_NUMBER, "tickCount": 6}
    y = {"field": "y", "type": "quantitative", "title": y_title(spec, titles, lang), "axis": y_axis}
    if spec.type == "histogram":
        return {"x": {"field": "x", "bin": {"binned": True}, "type": "quantitative", "title": titles.x,
                      "axis": {"format": AXIS_NUMBER, "labelOverlap": True}},
                "x2": {"field": "x2"}, "y": y,
                "tooltip": [{"field": "x", "title": titles.x, "format": AXIS_NUMBER},
                            {"field": "x2", "title": "…", "format": AXIS_NUMBER},
                            {"field": "y", "title": y["title"], "format": AXIS_NUMBER}]}
    x = _x_channel(spec, data, titles, lang)
    encoding = {"x": x, "y": y}
    tooltip = [{"field": "x", "type": x["type"], "title": x["title"], **_x_format(x)}]
    if titles.color:
        encoding["color"] = {"field": "series", "type": "nominal", "title": titles.color,
                             "scale": {"scheme": "tableau10"}}
        tooltip.append({"field": "series", "type": "nominal", "title": titles.color})
        if spec.type == "bar" and spec.agg not in ("count", "sum"):
            if data.x_kind == "nominal":
                encoding["xOffset"] = {"field": "series"}
            y["stack"] = None
    if spec.type == "area" and titles.color and spec.agg not in ("count", "sum"):
        y["stack"] = None
    tooltip.append({"field": "y", "type": "quantitative", "title": y["title"], "format": AXIS_NUMBER})
    encoding["tooltip"] = tooltip
    return encoding


def _x_format(x: dict) -> dict:
    axis = x.get("axis", {})
    return {k: axis[k] for k in ("format", "formatType") if k in axis}


def _time_ticks(data: ChartData) -> int | dict:
    """At most about ten ticks, on whole buckets (weeks start on Monday here, so they get plain ticks)."""
    bucket = data.bucket or "day"
    if bucket == "week":
        return 8
    steps = max(1, -(-len({p["x"] for p in data.points}) // 10))
    if bucket == "quarter":
        return {"interval": "month", "step": 3 * steps}
    return {"interval": bucket, "step": steps}


def _x_channel(spec: ChartSpec, data: ChartData, titles: Titles, lang: str) -> dict:
    title = x_title(spec, data, titles, lang)
    if data.x_kind == "temporal":
        fmt = TIME_FORMATS.get(lang, TIME_FORMATS["vi"])[data.bucket or "day"]
        return {"field": "x", "type": "temporal", "title": title, "scale": {"type": "utc"},
                "axis": {"format": fmt, "labelOverlap": True, "tickCount": _time_ticks(data),
                         "labelAngle": 0}}
    if data.x_kind == "quantitative":
        return {"field": "x", "type": "quantitative", "title": title, "scale": {"zero": False},
                "axis": {"format": AXIS_NUMBER, "labelOverlap": True, "tickCount": 8}}
    many = len({p["x"] for p in data.points}) > 8 or any(len(str(p["x"])) > 12 for p in data.points)
    x = {"field": "x", "type": "nominal", "title": title,
         "axis": {"labelAngle": -40 if many else 0, "labelOverlap": False, "labelAlign": "right" if many else
                  "center", "labelLimit": 140}}
    if spec.type == "bar" and not titles.color:
        x["sort"] = "-y"
    return x
