"""Table Schema descriptors: checking, normalising, column types and the reference cell readers.

``check_schema`` turns a descriptor into the normalised form the validator works from, or raises
``InvalidSchema`` naming the bad property (``fields[2].type: 'integr' is not a Table Schema type``).

``make_reader`` is the *reference* semantics of one field: a pure-Python reader that behaves like
frictionless 5.21's value readers (``int()``, ``Decimal()``, ``datetime.strptime``, ``isoparse`` ...).
The validator does its row checks in DuckDB SQL; it only calls these readers for the odd cells SQL leaves
undecided (non-ASCII digits, rare formats, whole rare types), and for constraint values in the schema.

Vietnamese decisions (see VALIDATION.md): text is NFC before any comparison, so enum values, missing
values and boolean values in the schema are normalised to NFC here too; a number with a ``groupChar`` must
be grouped by threes (``7.5`` with groupChar ``.`` is a type error, not 75).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.errors import InvalidSchema
from pipelines import patterns

TYPES = (
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time", "datetime",
    "year", "yearmonth", "duration", "geopoint", "geojson", "any",
)

# Constraints each type accepts, in the order frictionless evaluates them (``unique`` is always allowed).
BOUNDS = ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"]
CONSTRAINTS: dict[str, list[str]] = {
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "number": BOUNDS, "integer": BOUNDS, "date": BOUNDS, "time": BOUNDS, "datetime": BOUNDS,
    "year": BOUNDS, "yearmonth": BOUNDS,
    "boolean": ["required", "enum"], "any": ["required", "enum"], "duration": ["required", "enum"],
    "geopoint": ["required", "enum"], "geojson": ["required", "enum"],
    "object": ["required", "minLength", "maxLength", "enum"],
    "array": ["required", "minLength", "maxLength", "enum"],
    "list": ["required", "minLength", "maxLength"],
}
STRING_FORMATS = ("default", "email", "uri", "binary", "uuid", "wkt")
FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]
LIST_ITEM_TYPES = ("string", "integer", "boolean", "number", "datetime", "date", "time")

# Characters str.strip() removes: frictionless strips number cells with it, so SQL must strip the same set.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------------------------- checking


def _fail(where: str, message: str) -> None:
    raise InvalidSchema(f"{where}: {message}", hint="see https://specs.frictionlessdata.io/table-schema/")


def _string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(where, f"{value!r} is not a field name or a list of field names")
    return list(value)


def _missing_values(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        _fail(where, f"{value!r} is not a list of strings")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            item = item["value"]  # Table Schema v2: {"value": ..., "label": ...}
        if not isinstance(item, str):
            _fail(f"{where}[{i}]", f"{item!r} is not a string")
        out.append(nfc(item))
    return out


def check_schema(descriptor: dict) -> dict:
    """Validate a Table Schema descriptor and return a normalised deep copy.

    Normalised: every field has ``type`` and ``format``; ``missingValues`` is a list at schema level;
    ``primaryKey`` is a list; each foreign key has list ``fields`` and a ``reference`` with ``resource``
    ("" = this resource) and list ``fields``; text values the checks compare with (enum, missing and
    boolean values) are NFC. Raises ``InvalidSchema`` with the path of the first bad property.
    """
    if not isinstance(descriptor, dict):
        _fail("schema", "a Table Schema must be a JSON object with a 'fields' list")
    schema = copy.deepcopy(descriptor)
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        _fail("fields", "a Table Schema needs a non-empty 'fields' list")
    schema["missingValues"] = _missing_values(schema.get("missingValues", [""]), "missingValues")
    names: set[str] = set()
    for index, field in enumerate(fields):
        where = f"fields[{index}]"
        if not isinstance(field, dict):
            _fail(where, "each field must be a JSON object with a 'name'")
        name = field.get("name")
        if not isinstance(name, str) or not name:
            _fail(f"{where}.name", "each field needs a non-empty string 'name'")
        if name in names:
            _fail(f"{where}.name", f"duplicate field name {name!r}")
        names.add(name)
        _check_field(field, where)
    schema["primaryKey"] = _string_list(schema.get("primaryKey", []), "primaryKey")
    for key in schema["primaryKey"]:
        if key not in names:
            _fail("primaryKey", f"{key!r} is not a field of this schema")
    foreign = schema.get("foreignKeys", [])
    if not isinstance(foreign, list):
        _fail("foreignKeys", "must be a list")
    for index, fk in enumerate(foreign):
        where = f"foreignKeys[{index}]"
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            _fail(where, "each foreign key needs 'fields' and a 'reference' object")
        fk["fields"] = _string_list(fk.get("fields"), f"{where}.fields")
        ref = fk["reference"]
        ref["fields"] = _string_list(ref.get("fields"), f"{where}.reference.fields")
        resource = ref.get("resource", "")
        if not isinstance(resource, str):
            _fail(f"{where}.reference.resource", f"{resource!r} is not a resource name")
        ref["resource"] = resource
        for key in fk["fields"]:
            if key not in names:
                _fail(f"{where}.fields", f"{key!r} is not a field of this schema")
        if len(ref["fields"]) != len(fk["fields"]):
            _fail(f"{where}.reference.fields", "must list as many fields as 'fields'")
    match = schema.get("fieldsMatch", "exact")
    if match not in FIELDS_MATCH:
        _fail("fieldsMatch", f"{match!r} is not one of {', '.join(FIELDS_MATCH)}")
    schema["fieldsMatch"] = match
    return schema


def _check_field(field: dict, where: str) -> None:
    ftype = field.setdefault("type", "string")
    if ftype not in TYPES:
        _fail(f"{where}.type", f"{ftype!r} is not a Table Schema type (one of: {', '.join(TYPES)})")
    fmt = field.get("format", "default")
    if not isinstance(fmt, str):
        _fail(f"{where}.format", f"{fmt!r} is not a string")
    if fmt.startswith("fmt:"):
        fmt = fmt[4:]
    field["format"] = fmt or "default"
    fmt = field["format"]
    if ftype == "string" and fmt not in STRING_FORMATS:
        _fail(f"{where}.format", f"{fmt!r} is not a string format (one of: {', '.join(STRING_FORMATS)})")
    if ftype in ("date", "time", "datetime") and fmt not in ("default", "any"):
        if "%" not in fmt:
            _fail(f"{where}.format", f"{fmt!r} is not a strptime pattern (for example %d/%m/%Y)")
        try:
            dt.datetime.strptime("", fmt)
        except re.error as exc:
            _fail(f"{where}.format", f"{fmt!r} is not a valid strptime pattern ({exc})")
        except ValueError as exc:
            if "bad directive" in str(exc) or "stray %" in str(exc):
                _fail(f"{where}.format", f"{fmt!r} is not a valid strptime pattern ({exc})")
    if ftype == "geopoint" and fmt not in ("default", "array", "object"):
        _fail(f"{where}.format", f"{fmt!r} is not a geopoint format (default, array or object)")
    if ftype == "geojson" and fmt not in ("default", "topojson"):
        _fail(f"{where}.format", f"{fmt!r} is not a geojson format (default or topojson)")
    for key in ("decimalChar", "groupChar"):
        if key in field and (not isinstance(field[key], str) or (key == "decimalChar" and not field[key])):
            _fail(f"{where}.{key}", f"{field[key]!r} is not a character")
    for key in ("bareNumber", "floatNumber"):
        if key in field and not isinstance(field[key], bool):
            _fail(f"{where}.{key}", f"{field[key]!r} is not true or false")
    for key in ("trueValues", "falseValues"):
        if key in field:
            field[key] = _missing_values(field[key], f"{where}.{key}")
    if "missingValues" in field:
        field["missingValues"] = _missing_values(field["missingValues"], f"{where}.missingValues")
    if ftype == "list":
        item = field.get("itemType", "string")
        if item not in LIST_ITEM_TYPES:
            _fail(f"{where}.itemType", f"{item!r} is not one of {', '.join(LIST_ITEM_TYPES)}")
        if not isinstance(field.get("delimiter", ","), str):
            _fail(f"{where}.delimiter", "must be a string")
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        _fail(f"{where}.constraints", "must be a JSON object")
    reader = make_reader(field)
    for name, value in constraints.items():
        cwhere = f"{where}.constraints.{name}"
        if name != "unique" and name not in CONSTRAINTS[ftype]:
            _fail(cwhere, f"not supported by type {ftype!r}")
        if name in ("required", "unique") and not isinstance(value, bool):
            _fail(cwhere, f"{value!r} is not true or false")
        if name in ("minLength", "maxLength") and (not isinstance(value, int) or isinstance(value, bool)):
            _fail(cwhere, f"{value!r} is not an integer")
        if name == "pattern":
            if not isinstance(value, str):
                _fail(cwhere, f"{value!r} is not a regular expression string")
            try:
                patterns.check_pattern(value)
            except re.error as exc:
                _fail(cwhere, f"{value!r} is not a valid regular expression ({exc})")
            except patterns.UnsupportedPattern as exc:
                _fail(cwhere, f"{value!r} {exc}")
            constraints[name] = nfc(value)
        if name == "enum":
            if not isinstance(value, list) or not value:
                _fail(cwhere, "must be a non-empty list")
            constraints[name] = [nfc(v) if isinstance(v, str) else v for v in value]
        if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if value is None or reader(value) is None:
                _fail(cwhere, f"{value!r} is not a valid {ftype} value for this field")


def field_missing_values(schema: dict, field: dict) -> list[str]:
    """A field-level ``missingValues`` replaces the schema's (it does not add to it)."""
    return field["missingValues"] if "missingValues" in field else schema["missingValues"]


def duckdb_type(field: dict) -> str:
    """The DuckDB (and Parquet) column type of a field.

    datetime is TIMESTAMPTZ when its values can carry an offset (format default/any or with %z; naive
    values are Hanoi local time), else TIMESTAMP; time keeps the wall-clock time; rare structured
    types are JSON; yearmonth and duration keep their ISO text.
    """
    ftype, fmt = field.get("type", "string"), field.get("format", "default")
    if ftype == "datetime":
        return "TIMESTAMPTZ" if fmt in ("default", "any") or "%z" in fmt else "TIMESTAMP"
    return {
        "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
        "date": "DATE", "time": "TIME", "year": "INTEGER", "yearmonth": "VARCHAR",
        "duration": "VARCHAR", "geopoint": "STRUCT(lon DOUBLE, lat DOUBLE)", "geojson": "JSON",
        "object": "JSON", "array": "JSON", "list": "JSON", "any": "VARCHAR",
    }[ftype]


# ------------------------------------------------------------------------------- reference cell readers

_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")
INT64 = (-(2**63), 2**63 - 1)


def _int(text: str) -> int | None:
    try:
        value = int(text)
    except (ValueError, TypeError):
        return None
    return value if INT64[0] <= value <= INT64[1] else None


def group_ok(text: str, group: str, decimal: str) -> bool:
    """Our groupChar rule: when the group char appears, the integer part is grouped by threes."""
    if not group or group not in text:
        return True
    head = text.split(decimal, 1)[0] if decimal else text
    head = head.lstrip("+-")
    parts = head.split(group)
    return bool(parts[0]) and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and all(
        p.isdigit() for p in parts)


def _number_reader(field: dict) -> Callable[[Any], Any]:
    bare = field.get("bareNumber", True)
    decimal = field.get("decimalChar", ".")
    group = field.get("groupChar", "")
    processing = any(k in field for k in ("decimalChar", "groupChar", "bareNumber"))
    as_float = field.get("floatNumber", False)

    def read(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.strip()
            if processing:
                if not bare:
                    cell = _BARE.sub("", cell)
                if not group_ok(cell, group, decimal):
                    return None
                if group:
                    cell = cell.replace(group, "")
                if decimal != "." and "." in cell:
                    return None
                cell = cell.replace(decimal, ".")
            try:
                return float(cell) if as_float else Decimal(cell)
            except (ValueError, InvalidOperation):
                return None
        if cell is True or cell is False:
            return None
        if isinstance(cell, (int, float, Decimal)):
            return float(cell) if as_float else (Decimal(str(cell)) if isinstance(cell, float) else cell)
        return None

    return read


def _integer_reader(field: dict) -> Callable[[Any], Any]:
    bare = field.get("bareNumber", True)

    def read(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.strip()
            if not bare:
                cell = _BARE.sub("", cell)
            return _int(cell)
        if cell is True or cell is False:
            return None
        if isinstance(cell, int):
            return cell if INT64[0] <= cell <= INT64[1] else None
        if isinstance(cell, float) and cell.is_integer():
            return _int(str(int(cell)))
        if isinstance(cell, Decimal) and cell.is_finite() and cell % 1 == 0:
            return _int(str(int(cell)))
        return None

    return read


def _strptime(text: str, fmt: str) -> dt.datetime:
    return dt.datetime.strptime(text, fmt)


def _date_reader(field: dict) -> Callable[[Any], Any]:
    fmt = field.get("format", "default")

    def read(cell: Any) -> Any:
        if isinstance(cell, dt.datetime):
            return cell.date() if (cell.hour, cell.minute, cell.second) == (0, 0, 0) else None
        if isinstance(cell, dt.date):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            if fmt == "default":
                return _strptime(cell, "%Y-%m-%d").date()
            if fmt == "any":
                from dateutil import parser

                return parser.parse(cell).date()
            return _strptime(cell, fmt).date()
        except Exception:
            return None

    return read


def _datetime_reader(field: dict) -> Callable[[Any], Any]:
    fmt = field.get("format", "default")

    def read(cell: Any) -> Any:
        if isinstance(cell, dt.datetime):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            from dateutil import parser

            if fmt == "default":
                if len(cell) < 19 or cell[16] != ":":
                    return None
                return parser.isoparse(cell)
            if fmt == "any":
                return parser.parse(cell)
            return _strptime(cell, fmt)
        except Exception:
            return None

    return read


def _time_reader(field: dict) -> Callable[[Any], Any]:
    fmt = field.get("format", "default")

    def read(cell: Any) -> Any:
        if isinstance(cell, dt.time):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            from dateutil import parser

            if fmt == "default":
                if len(cell) < 8 or cell[5] != ":":
                    return None
                return parser.isoparse(f"2000-01-01T{cell}").timetz()
            if fmt == "any":
                return parser.parse(cell).timetz()
            return _strptime(cell, fmt).timetz()
        except Exception:
            return None

    return read


def _year_reader(field: dict) -> Callable[[Any], Any]:
    def read(cell: Any) -> Any:
        if not isinstance(cell, int):
            if not isinstance(cell, str) or len(cell) != 4:
                return None
            try:
                cell = int(cell)
            except ValueError:
                return None
        return None if cell < 0 or cell > 9999 else int(cell)

    return read


def _yearmonth_reader(field: dict) -> Callable[[Any], Any]:
    def read(cell: Any) -> Any:
        if isinstance(cell, (tuple, list)):
            return tuple(cell) if len(cell) == 2 else None
        if not isinstance(cell, str):
            return None
        try:
            year, month = cell.split("-")
            year, month = int(year), int(month)
        except ValueError:
            return None
        return (year, month) if 1 <= month <= 12 else None

    return read


def _boolean_reader(field: dict) -> Callable[[Any], Any]:
    mapping = {v: True for v in field.get("trueValues", TRUE_VALUES)}
    mapping.update({v: False for v in field.get("falseValues", FALSE_VALUES)})

    def read(cell: Any) -> Any:
        if cell is True or cell is False:
            return cell
        return mapping.get(cell) if isinstance(cell, str) else None

    return read


def _json_reader(kind: type) -> Callable[[Any], Any]:
    def read(cell: Any) -> Any:
        if isinstance(cell, tuple) and kind is list:
            return list(cell)
        if isinstance(cell, kind):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            value = json.loads(cell)
        except ValueError:
            return None
        return value if isinstance(value, kind) else None

    return read


def _list_reader(field: dict) -> Callable[[Any], Any]:
    item = make_reader({"name": field.get("name", ""), "type": field.get("itemType", "string")})
    delimiter = field.get("delimiter", ",")

    def read(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.split(delimiter)
        elif isinstance(cell, tuple):
            cell = list(cell)
        elif not isinstance(cell, list):
            return None
        out = []
        for value in cell:
            value = item(value)
            if value is None:
                return None
            out.append(value)
        return out

    return read


def _duration_reader(field: dict) -> Callable[[Any], Any]:
    def read(cell: Any) -> Any:
        if isinstance(cell, dt.timedelta):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            import isodate

            isodate.parse_duration(cell)
        except Exception:
            return None
        return cell

    return read


def _geopoint_reader(field: dict) -> Callable[[Any], Any]:
    fmt = field.get("format", "default")

    def read(cell: Any) -> Any:
        try:
            if isinstance(cell, str):
                if fmt == "default":
                    lon, lat = (part.strip() for part in cell.split(","))
                elif fmt == "array":
                    lon, lat = json.loads(cell)
                else:
                    data = json.loads(cell)
                    if len(data) != 2:
                        return None
                    lon, lat = data["lon"], data["lat"]
                cell = (Decimal(lon), Decimal(lat))
            lon, lat = cell
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return None
            return (lon, lat)
        except Exception:
            return None

    return read


def _geojson_reader(field: dict) -> Callable[[Any], Any]:
    # We check the GeoJSON shape (a "type" member) but not the full GeoJSON JSON Schema (VALIDATION.md).
    def read(cell: Any) -> Any:
        if isinstance(cell, str):
            try:
                cell = json.loads(cell)
            except ValueError:
                return None
        if not isinstance(cell, dict):
            return None
        if field.get("format", "default") in ("default", "topojson") and not isinstance(cell.get("type"), str):
            return None
        return cell

    return read


def _string_reader(field: dict) -> Callable[[Any], Any]:
    fmt = field.get("format", "default")
    check: Callable[[str], bool] = lambda text: True  # noqa: E731
    if fmt == "email":
        import validators

        check = lambda text: bool(validators.email(text))  # noqa: E731
    elif fmt == "uuid":
        import validators

        check = lambda text: bool(validators.uuid(text))  # noqa: E731
    elif fmt == "uri":
        import rfc3986
        from rfc3986 import exceptions
        from rfc3986 import validators as uri_validators

        def check(text: str) -> bool:
            validator = uri_validators.Validator().require_presence_of("scheme")
            try:
                validator.validate(rfc3986.uri_reference(text))
            except exceptions.ValidationError:
                return False
            return True
    elif fmt == "binary":
        def check(text: str) -> bool:
            try:
                base64.b64decode(text)
            except Exception:
                return False
            return True

    def read(cell: Any) -> Any:
        return cell if isinstance(cell, str) and check(cell) else None

    return read


def make_reader(field: dict) -> Callable[[Any], Any]:
    """The reference reader of a field: a cell (text or native value) -> typed value, or None if invalid."""
    ftype = field.get("type", "string")
    if ftype == "number":
        return _number_reader(field)
    if ftype == "integer":
        return _integer_reader(field)
    if ftype == "date":
        return _date_reader(field)
    if ftype == "datetime":
        return _datetime_reader(field)
    if ftype == "time":
        return _time_reader(field)
    if ftype == "year":
        return _year_reader(field)
    if ftype == "yearmonth":
        return _yearmonth_reader(field)
    if ftype == "boolean":
        return _boolean_reader(field)
    if ftype == "object":
        return _json_reader(dict)
    if ftype == "array":
        return _json_reader(list)
    if ftype == "list":
        return _list_reader(field)
    if ftype == "duration":
        return _duration_reader(field)
    if ftype == "geopoint":
        return _geopoint_reader(field)
    if ftype == "geojson":
        return _geojson_reader(field)
    if ftype == "string":
        return _string_reader(field)
    return lambda cell: cell


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    return value


def canonical_text(field: dict, value: Any) -> str:
    """Text DuckDB casts to ``duckdb_type(field)`` giving ``value`` (used for cells Python decided)."""
    ftype = field.get("type", "string")
    if ftype == "number":
        return repr(float(value))
    if ftype in ("integer", "year"):
        return str(int(value))
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "date":
        return value.isoformat()
    if ftype == "datetime":
        if duckdb_type(field) == "TIMESTAMP" and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if ftype == "time":
        return value.replace(tzinfo=None).isoformat()
    if ftype == "yearmonth":
        return f"{int(value[0]):04d}-{int(value[1]):02d}"
    if ftype == "geopoint":
        return json.dumps({"lon": float(value[0]), "lat": float(value[1])})
    if ftype in ("object", "array", "list", "geojson"):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def value_length(value: Any) -> int | None:
    try:
        return len(value)
    except TypeError:
        return None


# ----------------------------------------------------------------------- strptime patterns as RE2 regexes

# Python's _strptime regexes (C locale), with ASCII digits: SQL only uses them on ASCII cells.
_DIRECTIVES = {
    "d": r"3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9]",
    "m": r"1[0-2]|0[1-9]|[1-9]",
    "Y": r"[0-9][0-9][0-9][0-9]",
    "y": r"[0-9][0-9]",
    "H": r"2[0-3]|[01][0-9]|[0-9]",
    "I": r"1[0-2]|0[1-9]|[1-9]",
    "M": r"[0-5][0-9]|[0-9]",
    "S": r"6[01]|[0-5][0-9]|[0-9]",
    "f": r"[0-9]{1,6}",
    "p": r"am|pm",
    "z": r"[+-][0-9][0-9]:?[0-5][0-9](?::?[0-5][0-9](?:\.[0-9]{1,6})?)?|(?-i:Z)",
    "b": r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    "B": r"september|february|november|december|january|october|august|march|april|june|july|may",
}
_PY_SPACE = r"[ \t\n\r\f\v\x1c\x1d\x1e\x1f]+"


def strptime_regex(fmt: str) -> tuple[str, list[str]] | None:
    """An RE2 regex matching what ``datetime.strptime(text, fmt)`` accepts on ASCII text, with one
    capture group per directive (names returned in order); None if the pattern uses a directive we
    leave to Python. Match it with leftmost-first semantics from the start and require it to cover the
    whole text (Python's ``match`` + "unconverted data remains")."""
    out, groups, i = [], [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                return None
            directive = fmt[i + 1]
            i += 2
            if directive == "%":
                out.append("%")
                continue
            if directive not in _DIRECTIVES or directive in groups:
                return None
            groups.append(directive)
            out.append(f"({_DIRECTIVES[directive]})")
            continue
        if ch.isspace():
            while i < len(fmt) and fmt[i].isspace():
                i += 1
            out.append(_PY_SPACE)
            continue
        if ord(ch) > 127:
            return None
        out.append(re.escape(ch))
        i += 1
    return "^(?i)(?:" + "".join(out) + ")", groups
