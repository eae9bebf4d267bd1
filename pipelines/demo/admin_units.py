"""The demo's two lists of Hanoi's administrative units, and the label on datasets that use the old ones.

Why its own module: since 1 July 2025 Vietnam has no district level; Hanoi has 126 commune-level units. The demo
publishes the General Statistics Office's lists of the units before and since that date (``data/hanoi-communes-
*.csv``, written once by ``scripts/admin_units.py`` from the PyPI package vietnam-provinces, GPL-3.0-or-later:
see ``data/admin-units-LICENSE.txt``) so that foreign keys can check each row against the list in force at its
date (``pipelines/validation/effective.py``). The demo's other datasets are from 2018 and keep the old units; each
that names a district says so in its description.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.demo.content import DATA
from pipelines.demo.environment import Generated
from schemas import load_standard_schema

NEW_UNITS, OLD_UNITS = "hanoi-communes-2025", "hanoi-communes-before-2025"
# besides every schema with a foreign key to hanoi-districts; online services name the district level ("Cấp huyện")
OLD_UNITS_SCHEMAS = ("districts", "online_services")
OLD_UNITS_NOTE = ("Đơn vị hành chính trước 01/07/2025: số liệu theo các cấp và đơn vị hành chính trước ngày đó "
                  "(30 quận, huyện, thị xã: bảng hanoi-districts), không theo 126 phường, xã từ 01/07/2025 "
                  "(bảng hanoi-communes-2025).")
OLD_UNITS_NOTE_EN = ("Administrative units before 1 July 2025: figures by the levels and units in force before that "
                     "date (30 district-level units: table hanoi-districts), not by the 126 wards and communes since "
                     "1 July 2025 (table hanoi-communes-2025).")


def _copy(name: str, out: Path) -> Generated:
    """A shipped list, copied as the file to publish (its bytes are the data file's)."""
    target = out / f"{name}.csv"
    with (DATA / f"{name}.csv").open("rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return [target], {}


def communes_2025(out: Path) -> Generated:
    return _copy(NEW_UNITS, out)


def communes_before_2025(out: Path) -> Generated:
    return _copy(OLD_UNITS, out)


def uses_old_units(schema_name: str) -> bool:
    """True for the districts table and for data whose rows name one of its units."""
    if schema_name in OLD_UNITS_SCHEMAS:
        return True
    keys = load_standard_schema(schema_name).get("foreignKeys", [])
    return any(fk["reference"]["resource"] == "hanoi-districts" for fk in keys)


def label_old_units(values: dict) -> dict:
    """The dataset's metadata with the note on its units appended to its descriptions (both languages)."""
    if not uses_old_units(values["schema"]):
        return values
    labelled = {**values, "description": f"{values['description'].rstrip()}\n\n{OLD_UNITS_NOTE}"}
    if values.get("description_en"):
        labelled["description_en"] = f"{values['description_en'].rstrip()}\n\n{OLD_UNITS_NOTE_EN}"
    return labelled
