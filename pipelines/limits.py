"""Upload limits: the one home of every bound on what reading a file may cost.

Why: the bytes of a file say little about what reading it costs. A 440 KB CSV can declare 150,000 columns, a
5 KB XLSX can merge one value over 17 billion cells, a small Parquet footer can describe 20,000 columns. What
costs memory and time is columns, header bytes, cells and nesting, and those are only known once the format and
the dialect are. So the readers (``pipelines/read/``) count them while they read, for every format, and stop
with ``TooLarge`` (413) past these bounds, before building what the bound protects. The CLI, the REST API and the
CKAN API all read through those readers, so a limit is the same everywhere.

Each bound is a setting: defaults here, overridden by ``OPENDATA_<KEY>`` environment variables (the CLI and the
server) and, on the server, by the Flask config key ``<KEY>``. The web layer activates the app's limits for the
request (``activate``); everything else reads the environment (``current``).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from catalog.errors import InvalidInput, TooLarge
from catalog.i18n import _, format_number

ENV_PREFIX = "OPENDATA_"


@dataclass(frozen=True)
class Limits:
    """Bounds on one read of an uploaded file. ``SETTINGS`` names the config key of each."""

    max_columns: int = 500  # fields of a header, cells of one record, keys read as columns
    max_rows: int = 20_000_000
    max_cells: int = 250_000_000  # rows x columns, counted as read (padding of short rows included)
    max_header_bytes: int = 256 * 1024  # the header lines of a CSV
    max_line_bytes: int = 8 * 1024 * 1024  # one record (a line, or a quoted value over several lines)
    max_json_depth: int = 64  # nesting of arrays and objects in a JSON file
    xlsx_max_bytes: int = 200 * 1024 * 1024  # an XLSX unzipped
    max_descriptor_bytes: int = 16 * 1024 * 1024  # a .json read whole to tell a data package from a data file
    geojson_max_bytes: int = 64 * 1024 * 1024  # a GeoJSON file (parsed whole: its geometry is one document)
    max_coordinates: int = 1_000_000  # positions ([lon, lat]) in a GeoJSON file, counted before parsing

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], base: Limits | None = None) -> Limits:
        """``base`` (the defaults) with the values ``mapping`` has under the settings' keys."""
        values = dict((base or cls()).__dict__)
        for name, key in SETTINGS.items():
            if mapping.get(key) not in (None, ""):
                values[name] = _positive_int(key, mapping[key])
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        return cls.from_mapping({key: environ.get(ENV_PREFIX + key) for key in SETTINGS.values()})

    def as_env(self) -> dict[str, str]:
        """These limits as environment variables, for a worker process that must read with them."""
        return {ENV_PREFIX + key: str(getattr(self, name)) for name, key in SETTINGS.items()}


SETTINGS = {
    "max_columns": "MAX_UPLOAD_COLUMNS", "max_rows": "MAX_UPLOAD_ROWS", "max_cells": "MAX_UPLOAD_CELLS",
    "max_header_bytes": "MAX_HEADER_BYTES", "max_line_bytes": "MAX_LINE_BYTES",
    "max_json_depth": "MAX_JSON_DEPTH", "xlsx_max_bytes": "XLSX_MAX_BYTES",
    "max_descriptor_bytes": "MAX_DESCRIPTOR_BYTES", "geojson_max_bytes": "GEOJSON_MAX_BYTES",
    "max_coordinates": "MAX_COORDINATES",
}
assert set(SETTINGS) == {f.name for f in fields(Limits)}

_active: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("upload_limits", default=None)


def _positive_int(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise InvalidInput(_("Thiết lập {key} (biến môi trường {variable}) phải là một số nguyên dương, không "
                             "phải {value}", key=key, variable=ENV_PREFIX + key, value=repr(value)))
    return number


def from_config(config: Mapping[str, Any]) -> Limits:
    """A server's limits: its Flask config keys over the environment's ``OPENDATA_*`` variables."""
    return Limits.from_mapping(config, base=Limits.from_env())


def current() -> Limits:
    """The limits of this read: the ones activated for this request or block, else the environment's."""
    return _active.get() or Limits.from_env()


@contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    token = _active.set(limits)
    try:
        yield limits
    finally:
        _active.reset(token)


def activate(limits: Limits) -> Callable[[], None]:
    """Use ``limits`` from now on in this context (a web request: the app's settings); returns the undo."""
    token = _active.set(limits)
    return lambda: _active.reset(token)


# -- the refusals: what was over which bound, and the setting that raises it -------------------------------------
def _refuse(message: str, name: str, hint: str) -> TooLarge:
    """``message`` and ``hint`` already translated; the limit and its setting are added here."""
    key = SETTINGS[name]
    return TooLarge(_("{message}, vượt giới hạn {limit} ({key})", message=message,
                      limit=format_number(getattr(current(), name)), key=key),
                    hint=_("{hint}, hoặc đề nghị quản trị viên của danh mục nâng {variable}", hint=hint,
                           variable=ENV_PREFIX + key))


def _split() -> str:
    return _("hãy chia nó thành nhiều tệp")


def _simplify() -> str:
    return _("hãy đơn giản hoá hình học (ít đỉnh hơn) hoặc chia các đối tượng ra nhiều tệp")


def check_columns(what: str, count: int) -> None:
    """``what`` names the file and the place: "data.csv: dòng tiêu đề" or "data.csv: bản ghi 12" (translated)."""
    if count > current().max_columns:
        raise _refuse(_("{what} có {count} cột", what=what, count=format_number(count)), "max_columns",
                      _("hãy chia bảng thành các tệp ít cột hơn"))


def check_header_bytes(what: str, size: int) -> None:
    if size > current().max_header_bytes:
        raise _refuse(_("{what}: dòng tiêu đề dài {size} byte", what=what, size=format_number(size)),
                      "max_header_bytes",
                      _("hãy rút ngắn tên cột, hoặc kiểm tra dialect (ký tự phân cách, ký tự trích dẫn)"))


def check_cells(what: str, rows: int, columns: int) -> None:
    """Rows beyond the bound, or rows x columns cells (both may be upper bounds known before reading)."""
    limits = current()
    if rows > limits.max_rows:
        raise _refuse(_("{what} có hơn {rows} dòng", what=what, rows=format_number(rows)), "max_rows", _split())
    if rows * columns > limits.max_cells:
        raise _refuse(_("{what} có {rows} dòng x {columns} cột = {cells} ô", what=what, rows=format_number(rows),
                        columns=format_number(columns), cells=format_number(rows * columns)), "max_cells",
                      _split())


def check_depth(what: str, depth: int, *, at_least: bool = False) -> None:
    """``at_least``: the parser stopped at ``depth``; the file nests deeper still."""
    if depth > current().max_json_depth:
        if at_least:
            message = _("{what} lồng mảng và đối tượng sâu hơn {levels} cấp", what=what,
                        levels=format_number(depth - 1))
        else:
            message = _("{what} lồng mảng và đối tượng sâu {levels} cấp", what=what, levels=format_number(depth))
        raise _refuse(message, "max_json_depth", _("hãy làm phẳng các giá trị lồng nhau"))


def check_geojson(what: str, size: int, coordinates: int) -> None:
    """A GeoJSON file's bytes and positions: it is parsed whole, and each position costs a Python list."""
    if size > current().geojson_max_bytes:
        raise _refuse(_("{what} có dung lượng {size} byte", what=what, size=format_number(size)),
                      "geojson_max_bytes", _simplify())
    if coordinates > current().max_coordinates:
        raise _refuse(_("{what} có {count} vị trí toạ độ", what=what, count=format_number(coordinates)),
                      "max_coordinates", _simplify())


def line_limit() -> int:
    return current().max_line_bytes


class CellBudget:
    """Counts the rows and cells a reader produces, and refuses the record that goes over a bound."""

    def __init__(self, what: str, width: int) -> None:
        self.what, self.width = what, width
        self.limits = current()
        self.rows = self.cells = 0

    def add(self, record: int, cells: int) -> None:
        """One record of ``cells`` cells (stored as at least ``width``: short records are padded)."""
        self.rows += 1
        self.cells += max(cells, self.width)
        if cells > self.limits.max_columns:
            check_columns(_("{what}: bản ghi {record}", what=self.what, record=record), cells)
        if self.rows > self.limits.max_rows:
            raise _refuse(_("{what} đạt {rows} dòng ở bản ghi {record}", what=self.what,
                            rows=format_number(self.rows), record=record), "max_rows", _split())
        if self.cells > self.limits.max_cells:
            raise _refuse(_("{what} đạt {cells} ô (dòng x cột) ở bản ghi {record}", what=self.what,
                            cells=format_number(self.cells), record=record), "max_cells", _split())
