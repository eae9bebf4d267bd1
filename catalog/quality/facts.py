"""What the quality checks read about a page of datasets, gathered in a few queries.

Why a module of its own: every check (data.gouv.fr's criteria, the EU MQA points, the stars, the data-level
figures) reads the same facts, and the search sort and the dumps assess many datasets at once. So the facts of
a list of datasets are read together: their DCAT-AP graph (built by ``catalog/dcat.py``, the very output a
harvester scores), the latest version's schema and validation summary, and whether every stored file of every
version is still in storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from rdflib import Graph, URIRef

from catalog import db, dcat
from catalog.metadata import Catalog

# The addresses in the graph do not change any score; a caller with a request passes its own base URL.
DEFAULT_LINKS = dcat.Links("http://localhost")


@dataclass
class Facts:
    """One dataset as the checks see it."""

    dataset: dict
    graph: Graph
    node: URIRef
    links: dcat.Links
    latest: dict | None = None  # the newest version: number, rows, schema, validation, published_at
    files: int = 0  # stored files (Parquet parts) over all versions
    missing: list[str] = field(default_factory=list)  # of those, the ones storage no longer has
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def parse_time(value: str | None) -> datetime | None:
    """A stored ISO timestamp as an aware UTC date-time (None when absent or unreadable)."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


def _versions(catalog: Catalog, ids: list[str]) -> tuple[dict[str, dict], dict[str, list[list[str]]]]:
    """The latest version of each dataset (with schema and validation), and every version's storage keys."""
    v = db.versions
    latest: dict[str, dict] = {}
    keys: dict[str, list[list[str]]] = {key: [] for key in ids}
    if not ids:
        return latest, keys
    with catalog.reader.connect() as conn:
        for row in conn.execute(sa.select(v.c.dataset_id, v.c.number, v.c.path, v.c.parts)
                                .where(v.c.dataset_id.in_(ids)).order_by(v.c.dataset_id, v.c.number.desc())):
            keys[row.dataset_id].append(Catalog.version_keys({"path": row.path, "parts": row.parts}))
        newest = sa.select(v.c.dataset_id, sa.func.max(v.c.number).label("n")).where(
            v.c.dataset_id.in_(ids)).group_by(v.c.dataset_id).subquery()
        query = sa.select(v.c.dataset_id, v.c.number, v.c.rows, v.c.schema, v.c.validation, v.c.published_at).join(
            newest, (newest.c.dataset_id == v.c.dataset_id) & (newest.c.n == v.c.number))
        for row in conn.execute(query):
            latest[row.dataset_id] = dict(row._mapping)
    return latest, keys


def gather(catalog: Catalog, datasets: list[dict], *, links: dcat.Links | None = None,
           now: datetime | None = None) -> list[Facts]:
    """The facts of ``datasets`` (Catalog dataset dicts), in their order; one graph for all of them."""
    links = links or DEFAULT_LINKS
    now = now or datetime.now(UTC)
    graph = dcat.catalog_graph(catalog, links, datasets)
    latest, keys = _versions(catalog, [d["id"] for d in datasets])
    out = []
    for dataset in datasets:
        stored = [key for version_keys in keys.get(dataset["id"], []) for key in version_keys]
        missing = sorted({key for key in stored if not catalog.storage.exists(key)})
        out.append(Facts(dataset, graph, URIRef(links.dataset_node(dataset["name"])), links,
                         latest.get(dataset["id"]), len(set(stored)), missing, now))
    return out
