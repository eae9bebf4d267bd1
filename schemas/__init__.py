"""The city's standard Table Schemas, shipped as package data (one ``<name>.json`` per schema).

Departments publish against these so that the same kind of data looks the same whichever office
produced it: ``--schema air_quality`` picks the standard one, ``--schema path/to/schema.json`` a file.
Names are snake_case file stems; the dataset-style spelling (``air-quality``) is accepted too, since
users copy names from the catalogue's URLs.
"""

from __future__ import annotations

import copy
import json
import os
import unicodedata
from functools import cache
from pathlib import Path

from catalog.errors import InvalidSchema, NotFound
from catalog.metadata import nfc as _nfc

# Catalogue dataset names whose standard schema has a different stem.
_ALIASES = {"hanoi_districts": "districts", "hanoi_communes_2025": "communes_2025",
            "hanoi_communes_before_2025": "communes_before_2025"}


def schema_dir() -> Path:
    """The folder holding the standard schema files."""
    return Path(__file__).resolve().parent


def list_standard_schemas() -> list[str]:
    """Names of the standard schemas, sorted."""
    return sorted(p.stem for p in schema_dir().glob("*.json"))


def _canonical_name(name: str) -> str:
    key = unicodedata.normalize("NFC", name).strip().lower().replace("-", "_")
    return _ALIASES.get(key, key)


def standard_name(name_or_path: str) -> str:
    """The canonical standard-schema name for ``name_or_path``, or "" when it names a file or nothing known."""
    key = _canonical_name(os.fspath(name_or_path))
    return key if key in list_standard_schemas() and not Path(os.fspath(name_or_path)).is_file() else ""


def load_standard_schema(name: str) -> dict:
    """The standard schema called ``name`` (``air_quality`` or ``air-quality``) as a fresh dict."""
    key = _canonical_name(name)
    if key not in list_standard_schemas():
        raise NotFound(
            f"unknown standard schema {name!r}",
            hint="known schemas: " + ", ".join(list_standard_schemas()) + "; or pass the path of a JSON Table Schema",
        )
    return copy.deepcopy(_standard(key))


def resolve_schema(name_or_path: str | os.PathLike[str]) -> dict:
    """A Table Schema descriptor from a standard name or from a JSON file path.

    Anything that exists as a file, or looks like a path (has a folder separator or ends in ``.json``),
    is read as a file; otherwise it is a standard schema name. Strings in a file's schema are
    normalised to NFC, as the data is, so that enums and labels typed in NFD still match.
    """
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = isinstance(name_or_path, os.PathLike) or text.lower().endswith(".json") or any(
        sep in text for sep in ("/", "\\", os.sep)
    )
    if path.is_file() or looks_like_path:
        if not path.exists():
            raise NotFound(
                f"schema file not found: {text}",
                hint="check the path, or use a standard schema name: " + ", ".join(list_standard_schemas()),
            )
        return _read(path)
    return load_standard_schema(text)


@cache
def _standard(key: str) -> dict:
    """A standard schema, parsed once (package data does not change; callers get deep copies)."""
    return _read(schema_dir() / f"{key}.json")


def _read(path: Path) -> dict:
    """Parse one schema file into an NFC-normalised descriptor, or say clearly why it cannot be."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except IsADirectoryError:
        raise InvalidSchema(f"schema {path} is a folder, not a JSON file") from None
    except UnicodeDecodeError as exc:
        raise InvalidSchema(f"schema {path} is not UTF-8 text (byte {exc.start})", hint="save it as UTF-8 JSON") from None
    except OSError as exc:
        raise InvalidSchema(f"cannot read schema {path}: {exc.strerror or exc}") from None
    try:
        descriptor = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidSchema(
            f"schema {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(descriptor, dict):
        raise InvalidSchema(
            f"schema {path} must be a JSON object with a 'fields' list, not a JSON {_JSON_KINDS.get(type(descriptor), 'value')}"
        )
    return _nfc(descriptor)


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


