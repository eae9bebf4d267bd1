"""A CKAN resource is found by its id without reading every dataset: the search index keeps, in the write's own
transaction, which active dataset each resource id belongs to (``resource_lookup``).

The oracle is the shapes themselves: every id ``resource_dicts`` gives a dataset resolves to that dataset, through
the index and through ``resource_show``; ids of deleted datasets and removed resources resolve to nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from test_storage import new_version, staged_parquet

from catalog import db
from catalog.ckan.shapes import INTERNAL, resource_dicts
from catalog.metadata import Catalog
from catalog.search import listing
from catalog.unit_of_work import commit_version
from web import create_app


def owners(catalog: Catalog, resource_id: str) -> list[str]:
    return [d["name"] for d in listing.resource_owners(catalog, resource_id)]


def links(*ids: str) -> dict:
    return {INTERNAL: {"resources": [{"id": rid, "url": f"https://example.org/{rid}.csv"} for rid in ids]}}


def test_every_resource_of_a_dataset_resolves_to_it_and_follows_its_writes(catalog: Catalog, tmp_path: Path) -> None:
    catalog.create_dataset("lien-ket", "so-tnmt", title="Liên kết", extras=links("r-1", "r-2"))
    assert owners(catalog, "r-1") == owners(catalog, "r-2") == ["lien-ket"]
    catalog.update_dataset("lien-ket", extras=links("r-2"))
    assert owners(catalog, "r-1") == [] and owners(catalog, "r-2") == ["lien-ket"]

    (tmp_path / "work").mkdir()
    commit_version(catalog, new_version(catalog, staged_parquet(tmp_path / "work")))
    published = catalog.get_dataset("t")
    derived = [r["id"] for r in resource_dicts(published, "http://x")]
    assert len(derived) == 4 and all(owners(catalog, rid) == ["t"] for rid in derived)
    catalog.delete_dataset("lien-ket")
    assert owners(catalog, "r-2") == []


def test_the_migration_finds_the_resources_of_existing_datasets(catalog: Catalog) -> None:
    catalog.create_dataset("lien-ket", "so-tnmt", title="Liên kết", extras=links("r-1"))
    with catalog.writer.begin() as conn:
        conn.execute(db.resource_lookup.delete())
        conn.execute(db.schema_migrations.delete().where(
            db.schema_migrations.c.version == db.RESOURCE_LOOKUP_MIGRATION))
    assert owners(catalog, "r-1") == []
    Catalog(catalog.home).ensure_ready()
    assert owners(catalog, "r-1") == ["lien-ket"]


def test_resource_show_answers_from_the_lookup_and_hides_private_resources(catalog: Catalog) -> None:
    catalog.create_dataset("cong-khai", "so-tnmt", title="Công khai", extras=links("r-pub"))
    catalog.create_dataset("noi-bo", "so-tnmt", title="Nội bộ", private=True, extras=links("r-priv"))
    client = create_app(catalog.home).test_client()
    shown = client.get("/api/3/action/resource_show?id=r-pub").get_json()
    assert shown["success"] and shown["result"]["id"] == "r-pub" and shown["result"]["package_id"]
    assert client.get("/api/3/action/resource_show?id=r-priv").status_code == 404
    assert client.get("/api/3/action/resource_show?id=khong-co").status_code == 404
    with catalog.reader.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.resource_lookup)).scalar_one() == 2
