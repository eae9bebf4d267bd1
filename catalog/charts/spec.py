"""What a chart asks for (``ChartSpec``) and the check of that request against a version's Table Schema.

Why apart from the aggregation and the drawing: every way of asking for a chart (a chart URL, the builder form,
the embed page, the SQL page) builds the same typed request, and the same check says in one place which column
kinds each chart type, aggregation and time bucket accepts, with a message that tells how to fix the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from catalog.errors import InvalidInput
from catalog.i18n import N_
from catalog.i18n import gettext as _
from catalog.rows.filters import Filter, schema_fields, unknown_column

CHART_TYPES = ("bar", "line", "area", "scatter", "histogram")
AGGREGATIONS = ("count", "sum", "mean", "median", "min", "max")
NO_AGGREGATION = "none"  # scatter only: each row is a point (a sample when there are too many)
TIME_BUCKETS = ("day", "week", "month", "quarter", "year")
AUTO_BUCKET = "auto"

NUMERIC = frozenset({"integer", "number", "year"})
TEMPORAL = frozenset({"date", "datetime"})
CATEGORICAL = frozenset({"string", "boolean", "any", "yearmonth", "time"})
MAX_BINS = 100
DEFAULT_BINS = 20


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its type, the x and y columns, how y is aggregated per x (and colour), the rows it covers.

    ``y`` may be empty for ``count`` and ``histogram``; ``bucket`` groups a date or datetime x (``auto`` picks
    the finest bucket that keeps the chart within its point budget); ``bins`` is the histogram's bin count.
    """

    type: str
    x: str
    y: str | None = None
    agg: str = "count"
    color: str | None = None
    bucket: str | None = None
    bins: int = DEFAULT_BINS
    filters: tuple[Filter, ...] = field(default_factory=tuple)


def kind_of(fields: Mapping[str, dict], name: str | None) -> str | None:
    """The Table Schema type of a column (None for no column)."""
    return None if name is None else fields[name].get("type", "string")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidInput(_("không có {what} {value!r}", what=_(what), value=value),
                           hint=_("dùng một trong: {ops}", ops=", ".join(allowed)))
    return value


def _column(name: str | None, fields: Mapping[str, dict], what: str) -> str | None:
    if name is None:
        return None
    if name not in fields:
        raise unknown_column(name, fields, _("tham số {name}", name=what))
    return name


def _numeric_columns(fields: Mapping[str, dict]) -> str:
    return ", ".join(n for n, f in fields.items() if f.get("type", "string") in NUMERIC) or _("(không có)")


def _numeric_hint(fields: Mapping[str, dict]) -> str:
    return _("các cột số: {columns}", columns=_numeric_columns(fields))


def check_spec(spec: ChartSpec, schema: dict) -> ChartSpec:
    """``spec`` checked against the schema, with its defaults filled in; ``InvalidInput`` says what to change."""
    fields = schema_fields(schema)
    _choice(spec.type, CHART_TYPES, N_("loại biểu đồ"))
    _column(spec.x, fields, "x")
    _column(spec.y, fields, "y")
    _column(spec.color, fields, "color")
    if spec.type == "histogram":
        return _check_histogram(spec, fields)
    if spec.type == "scatter":
        return _check_scatter(spec, fields)
    return _check_grouped(spec, fields)


def _check_histogram(spec: ChartSpec, fields: Mapping[str, dict]) -> ChartSpec:
    if kind_of(fields, spec.x) not in NUMERIC:
        raise InvalidInput(_("biểu đồ tần suất cần x là cột số; {name!r} có kiểu {kind}", name=spec.x,
                             kind=kind_of(fields, spec.x)), hint=_numeric_hint(fields))
    if spec.y or spec.color or spec.agg not in ("count", ""):
        raise InvalidInput(_("biểu đồ tần suất đếm số dòng trong mỗi khoảng của x: bỏ y, agg và color"),
                           hint=_("hoặc dùng type=bar để gộp y theo x"))
    if not 2 <= spec.bins <= MAX_BINS:
        raise InvalidInput(_("bins phải từ 2 đến {high}, không phải {bins}", high=MAX_BINS, bins=spec.bins))
    return replace(spec, agg="count", bucket=None)


def _check_scatter(spec: ChartSpec, fields: Mapping[str, dict]) -> ChartSpec:
    if not spec.y:
        raise InvalidInput(_("biểu đồ phân tán cần y"), hint=_numeric_hint(fields))
    for axis, name in (("x", spec.x), ("y", spec.y)):
        if kind_of(fields, name) not in NUMERIC | TEMPORAL:
            raise InvalidInput(_("biểu đồ phân tán cần {axis} là cột số; {name!r} có kiểu {kind}", axis=axis,
                                 name=name, kind=kind_of(fields, name)), hint=_numeric_hint(fields))
    agg = spec.agg or NO_AGGREGATION
    if agg != NO_AGGREGATION:
        raise InvalidInput(_("biểu đồ phân tán vẽ từng dòng như nó có, không gộp {agg!r}", agg=agg),
                           hint=_("bỏ agg (hoặc agg=none); dùng type=bar hoặc line để gộp"))
    return replace(spec, agg=NO_AGGREGATION, bucket=None)


def _check_grouped(spec: ChartSpec, fields: Mapping[str, dict]) -> ChartSpec:
    agg = spec.agg or ("mean" if spec.y else "count")
    _choice(agg, AGGREGATIONS, N_("phép gộp (agg)"))
    if agg != "count" and not spec.y:
        raise InvalidInput(_("agg={agg} cần một cột y", agg=agg), hint=_numeric_hint(fields))
    if agg != "count" and kind_of(fields, spec.y) not in NUMERIC:
        raise InvalidInput(_("agg={agg} cần y là cột số; {name!r} có kiểu {kind}", agg=agg, name=spec.y,
                             kind=kind_of(fields, spec.y)),
                           hint=_("các cột số: {columns}, hoặc agg=count", columns=_numeric_columns(fields)))
    x_kind = kind_of(fields, spec.x)
    if x_kind in ("object", "array", "geojson", "geopoint"):
        raise InvalidInput(_("cột {name!r} kiểu {kind} không làm trục được", name=spec.x, kind=x_kind),
                           hint=_("chọn một cột số, ngày hoặc văn bản cho x"))
    bucket = spec.bucket or None
    if bucket == AUTO_BUCKET and x_kind not in TEMPORAL:
        bucket = None  # "automatic" (the builder form's default) has nothing to group on a non-date x
    if x_kind in TEMPORAL:
        bucket = _choice(bucket or AUTO_BUCKET, (AUTO_BUCKET, *TIME_BUCKETS), N_("nhóm thời gian (bucket)"))
    elif bucket:
        raise InvalidInput(_("bucket={bucket} nhóm theo ngày, mà {name!r} có kiểu {kind}", bucket=bucket, name=spec.x,
                             kind=x_kind), hint=_("bỏ bucket, hoặc chọn x là cột ngày hoặc ngày giờ"))
    return replace(spec, agg=agg, bucket=bucket)
