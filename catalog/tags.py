"""Tags: a slug that URLs and APIs use, and a label per language.

Why a module: a dataset keeps its tags as slugs (``moi-truong``): stable in URLs, facets, feeds and the CKAN API.
Readers need words ("Môi trường", "Environment"). Labels belong to the catalogue, one row per slug (table
``tags``), so every dataset with a tag shows the same labels, and a publisher gives them with the tags:
``moi-truong=Môi trường|Environment`` (CLI ``--tag``, the REST publish API's ``tag`` fields) or
``{"name": "moi-truong", "title": "Môi trường", "title_en": "Environment"}`` (JSON, YAML, the CKAN API). A label
left out keeps the one the catalogue has; a slug without labels shows as itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.errors import InvalidInput
from catalog.i18n import format_number
from catalog.i18n import gettext as _

SEPARATOR = "="  # slug=labels
LANGUAGE_SEPARATOR = "|"  # Vietnamese|English
MAX_LABEL = 200


@dataclass(frozen=True)
class Tag:
    """A tag as given: its slug and the labels given with it ("" = not given)."""

    name: str
    title: str = ""
    title_en: str = ""


def _clean(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise InvalidInput(_("{what} của từ khoá phải là văn bản", what=what),
                           hint=_('viết từ khoá dạng "slug", "slug=Nhãn|Label" hoặc {"name", "title", "title_en"}'))
    text = unicodedata.normalize("NFC", str(value)).replace("\x00", "").strip()
    if len(text) > MAX_LABEL:
        raise InvalidInput(_("{what} của từ khoá dài {length} ký tự; tối đa {limit}", what=what,
                             length=format_number(len(text)), limit=format_number(MAX_LABEL)),
                           hint=_("rút ngắn {what} của từ khoá", what=what))
    return text


def parse(item: Any) -> Tag:
    """A tag from ``"slug"``, ``"slug=Nhãn"``, ``"slug=Nhãn|Label"`` or a mapping with name/title/title_en."""
    if isinstance(item, Mapping):
        name = item.get("name", item.get("slug"))
        return Tag(_clean(name, "name"), _clean(item.get("title", item.get("vi")), "title"),
                   _clean(item.get("title_en", item.get("en")), "title_en"))
    text = _clean(item, "name")
    name, _sep, labels = text.partition(SEPARATOR)
    title, _sep, title_en = labels.partition(LANGUAGE_SEPARATOR)
    return Tag(name.strip(), title.strip(), title_en.strip())


def split(items: Iterable[Any]) -> tuple[list[str], list[Tag]]:
    """The slugs (unique, in order; what the dataset keeps) and the tags that came with labels."""
    slugs: list[str] = []
    labelled: list[Tag] = []
    for item in items:
        tag = parse(item)
        if not tag.name:
            continue
        if tag.name not in slugs:
            slugs.append(tag.name)
        if tag.title or tag.title_en:
            labelled.append(tag)
    return slugs, labelled


def record(conn: Connection, labelled: Iterable[Tag]) -> list[str]:
    """Store the labels given (a label left out keeps the stored one); returns the slugs whose labels changed."""
    t = db.tags
    changed = []
    for tag in labelled:
        row = conn.execute(sa.select(t.c.title, t.c.title_en).where(t.c.name == tag.name)).first()
        title = tag.title or (row.title if row else "")
        title_en = tag.title_en or (row.title_en if row else "")
        if row is not None and (row.title, row.title_en) == (title, title_en):
            continue
        values = {"title": title, "title_en": title_en, "updated_at": db.utcnow()}
        if row is None:
            conn.execute(t.insert().values(name=tag.name, **values))
        else:
            conn.execute(t.update().where(t.c.name == tag.name).values(**values))
        changed.append(tag.name)
    return changed


def labels(conn: Connection, names: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
    """``{slug: {"title", "title_en"}}`` for the slugs that have labels (``names``: only these; None: all)."""
    t = db.tags
    query = sa.select(t.c.name, t.c.title, t.c.title_en)
    if names is not None:
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        query = query.where(t.c.name.in_(wanted))
    return {row.name: {"title": row.title, "title_en": row.title_en} for row in conn.execute(query)}


def details(slugs: Iterable[str], known: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    """Each slug with its labels (a slug without a Vietnamese label is its own label), for pages and APIs."""
    out = []
    for slug in slugs:
        found = known.get(slug) or {}
        out.append({"name": slug, "title": found.get("title") or slug, "title_en": found.get("title_en") or ""})
    return out
