"""Resources of a datapackage.json: the data file, schema and dialect of one resource, safely resolved.

Why refuse absolute and ``..`` paths: a package is validated (and its foreign keys followed) on the server
too; a resource must not make us read files outside the package's folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from catalog.errors import InvalidSchema, NotFound


def load_json(path: Path, what: str) -> Any:
    if not path.exists():
        raise NotFound(f"{path}: no such {what} file")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSchema(f"{path.name}: not valid JSON ({exc})") from exc


def package_resources(package_path: Path) -> list:
    """The package's non-empty ``resources`` list."""
    package = load_json(package_path, "datapackage")
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not resources:
        raise InvalidSchema(f"{package_path.name}: a data package needs a non-empty 'resources' list")
    return resources


def _find(package_path: Path, resources: list, name: str) -> dict:
    for res in resources:
        if isinstance(res, dict) and res.get("name") == name:
            return res
    names = ", ".join(str(r.get("name")) for r in resources if isinstance(r, dict))
    raise NotFound(f"{package_path.name} has no resource {name!r}", hint=f"resources: {names}")


def _descriptor(base: Path, res: dict, name: str, key: str) -> dict | None:
    """An inline descriptor, or the JSON file a relative path names."""
    value = res.get(key)
    if isinstance(value, str):
        if "://" in value or ".." in Path(value).parts:
            raise InvalidSchema(f"resources[{name}].{key}: {value!r} must be a local relative path")
        return load_json(base / value, key)
    return value


def package_resource(package_path: Path, resources: list, name: str) -> dict:
    """path, schema, dialect, encoding and format of the resource called ``name``."""
    res = _find(package_path, resources, name)
    data = res.get("path")
    if not isinstance(data, str) or not data:
        raise InvalidSchema(f"resources[{name}].path: a resource needs a local file 'path'")
    if "://" in data or os.path.isabs(data) or ".." in Path(data).parts:
        raise InvalidSchema(f"resources[{name}].path: {data!r} must be a relative path inside the package")
    base = package_path.parent
    schema = _descriptor(base, res, name, "schema")
    return {"path": base / data, "schema": schema, "dialect": _descriptor(base, res, name, "dialect"),
            "encoding": res.get("encoding"), "format": res.get("format")}
