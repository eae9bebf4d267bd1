"""Write the demo's reference lists of Hanoi's administrative units from the `vietnam-provinces` package (a developer
tool, run once per new release of the list; not the product).

Why a script and shipped CSVs: the lists are the General Statistics Office's (Tổng cục Thống kê) names and codes,
as packaged on PyPI by `vietnam-provinces` (licence GPL-3.0-or-later, declared in its sdist's pyproject.toml).
The GPL allows redistribution under the same licence, so the demo ships the two Hanoi extracts as data files
(``pipelines/demo/data/*.csv``, with ``admin-units-LICENSE.txt``) instead of importing a GPL package at run time.
Nothing is typed by hand: every name and code comes from the package's JSON; the short name drops the unit-type
prefix of the GSO name ("Phường Hoàn Kiếm" → "Hoàn Kiếm") and the type is that prefix.

    python scripts/admin_units.py            # write the CSVs
    python scripts/admin_units.py --check    # exit 1 when the shipped CSVs differ from what the packages give

- Units since 1 July 2025 (126: 51 phường, 75 xã): the installed package (the test extra pins 2025.10.1).
- Units before 1 July 2025 (30 district-level units, 526 communes; GSO list of 2025-01-04): release 0.6.0, the
  last one carrying districts. It cannot be installed beside the new one (same import name), so its wheel is
  fetched with ``pip download`` and read as a zip (or pass ``--old-wheel PATH``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "pipelines" / "demo" / "data"
OLD_RELEASE = "0.6.0"
HANOI = 1
NEW_FILE, OLD_FILE, CROSSWALK_FILE = "hanoi-communes-2025.csv", "hanoi-communes-before-2025.csv", \
    "admin-crosswalk-template.csv"
NEW_HEADER = ["code", "name", "short_name", "type"]
OLD_HEADER = ["code", "name", "short_name", "type", "district_code", "district_name", "district_type"]
# Unit types, longest first so "Thị xã" is not read as "Xã" (the prefix of each GSO name).
TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Quận", "Huyện", "Xã")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def split_name(name: str) -> tuple[str, str]:
    """("phường", "Hoàn Kiếm") from "Phường Hoàn Kiếm"; refuses a name without a known type prefix."""
    name = nfc(name).strip()
    for prefix in TYPES:
        if name.startswith(prefix + " "):
            return prefix.lower(), name[len(prefix) + 1:]
    raise SystemExit(f"unexpected unit name without a type prefix: {name!r}")


def new_units() -> tuple[list[list[str]], str]:
    """Hanoi's commune-level units since 1 July 2025 from the installed package, sorted by code."""
    import vietnam_provinces as vp

    provinces = json.loads(vp.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    hanoi = next(p for p in provinces if p["code"] == HANOI)
    rows = []
    for ward in sorted(hanoi["wards"], key=lambda w: w["code"]):
        kind, short = split_name(ward["name"])
        if kind != nfc(ward["division_type"]):
            raise SystemExit(f"{ward['name']!r}: name prefix and division_type {ward['division_type']!r} differ")
        rows.append([f"{ward['code']:05d}", nfc(ward["name"]), short, kind])
    return rows, f"vietnam-provinces {vp.__version__} (data {vp.__data_version__})"


def old_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    "-d", str(folder), f"vietnam-provinces=={OLD_RELEASE}"], check=True)
    return next(folder.glob("vietnam_provinces-*.whl"))


def old_units(wheel: Path) -> list[list[str]]:
    """Hanoi's communes before 1 July 2025, each with its district-level unit, sorted by code."""
    with zipfile.ZipFile(wheel) as archive:
        flat = json.loads(archive.read("vietnam_provinces/data/flat-divisions.json"))
    rows = []
    for unit in sorted((u for u in flat if u["province_code"] == HANOI), key=lambda u: u["ward_code"]):
        kind, short = split_name(unit["ward_name"])
        district_kind, district = split_name(unit["district_name"])
        rows.append([f"{unit['ward_code']:05d}", nfc(unit["ward_name"]), short, kind,
                     f"{unit['district_code']:03d}", district, district_kind])
    return rows


def crosswalk_header() -> list[str]:
    schema = json.loads((ROOT / "schemas" / "admin_crosswalk.json").read_text(encoding="utf-8"))
    return [field["name"] for field in schema["fields"]]


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    parser.add_argument("--old-wheel", type=Path, help=f"a local vietnam-provinces {OLD_RELEASE} wheel")
    args = parser.parse_args(argv)
    new, version = new_units()
    with tempfile.TemporaryDirectory() as tmp:
        old = old_units(args.old_wheel or old_wheel(Path(tmp)))
    files = {NEW_FILE: as_csv(NEW_HEADER, new), OLD_FILE: as_csv(OLD_HEADER, old),
             CROSSWALK_FILE: as_csv(crosswalk_header(), [])}
    stale = [name for name, text in files.items()
             if not (DATA / name).exists() or (DATA / name).read_text(encoding="utf-8") != text]
    if args.check:
        print("stale: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    for name, text in files.items():
        (DATA / name).write_text(text, encoding="utf-8")
    print(f"{NEW_FILE}: {len(new)} units from {version}; {OLD_FILE}: {len(old)} communes in "
          f"{len({r[4] for r in old})} district-level units from vietnam-provinces {OLD_RELEASE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
