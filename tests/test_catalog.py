"""The metadata core: organisations, datasets, versions, audit, migrations, names."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from catalog import db
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.metadata import Catalog, check_name


def test_init_is_idempotent_and_records_migrations(tmp_path):
    cat = Catalog(tmp_path / "h")
    first = cat.init()
    assert first, "a new home applies the migrations"
    assert cat.init() == [], "a second init applies nothing"
    with cat.reader.connect() as conn:
        assert db.current_version(conn) == db.MIGRATIONS[-1][0]
        if conn.dialect.name == "sqlite":  # readers never wait on a publish (PostgreSQL: MVCC always)
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_readers_never_wait_on_a_publish_in_progress(tmp_path):
    cat = Catalog(tmp_path / "h")
    cat.init()
    with cat.writer.begin() as conn:  # holds the write lock (BEGIN IMMEDIATE / the advisory lock) until the end
        conn.execute(db.organizations.insert().values(id="o1", name="so-moi", title="Sở mới", description="",
                                                      created_at=db.utcnow()))
        started = time.monotonic()
        assert cat.list_orgs() == []  # the reader sees the last commit, at once
        assert time.monotonic() - started < 3
    assert [o["name"] for o in cat.list_orgs()] == ["so-moi"]
    cat.dispose()


def test_missing_home_is_a_clear_error(tmp_path):
    with pytest.raises(NotFound, match="opendata init"):
        Catalog(tmp_path / "nothing-here").list_datasets()


@pytest.mark.parametrize("bad", ["../etc", "Air-Quality", "air quality", "", "-air", "a/b", "x" * 101, "đống-đa"])
def test_bad_names_are_refused(bad):
    with pytest.raises(InvalidInput):
        check_name(bad)


def test_org_and_dataset_lifecycle(catalog):
    with pytest.raises(Conflict):
        catalog.add_org("so-tnmt", "again")
    created = catalog.create_dataset("air-quality", "so-tnmt", title="Chất lượng không khí", tags=["moi-truong"])
    assert created["org"] == "so-tnmt" and created["org_title"] == "Sở Tài nguyên và Môi trường"
    assert created["latest_version"] is None
    with pytest.raises(Conflict):
        catalog.create_dataset("air-quality", "so-tnmt")
    with pytest.raises(NotFound, match="opendata org add"):
        catalog.create_dataset("water", "so-khong-co")
    updated = catalog.update_dataset("air-quality", title="Khí", frequency="hourly")
    assert updated["title"] == "Khí" and updated["frequency"] == "hourly"
    assert catalog.list_orgs()[0]["dataset_count"] == 1
    catalog.delete_dataset("air-quality")
    assert catalog.find_dataset("air-quality") is None
    assert catalog.get_dataset("air-quality", include_deleted=True)["state"] == "deleted"
    actions = [a["action"] for a in catalog.list_audit()]
    assert actions[:3] == ["dataset.update", "dataset.update", "dataset.create"]
    assert "org.create" in actions


def test_text_is_stored_nfc(catalog):
    nfd_title = "Quan tra\u0306\u0301c"  # "Quan trắc" decomposed
    catalog.create_dataset("x", "so-tnmt", title=nfd_title)
    assert catalog.get_dataset("x")["title"] == "Quan trắc"


def test_version_numbers_are_consecutive(catalog):
    catalog.create_dataset("d", "so-tnmt")
    numbers = []
    for i in range(3):
        with catalog.writer.begin() as conn:
            numbers.append(catalog.add_version(
                conn, "d", path=f"d/{i}.parquet", parts=[f"d/{i}.parquet"], sha256=str(i) * 64,
                source_sha256="0" * 64, rows=i, bytes=1, source_bytes=1, source_format="csv", schema={"fields": []},
                validation={}, changes={}, publisher="t", published_at=db.utcnow()))
    assert numbers == [1, 2, 3]
    assert [v["number"] for v in catalog.list_versions("d")] == [3, 2, 1]
    assert catalog.latest_version("d")["rows"] == 2
    with pytest.raises(NotFound, match="không có phiên bản 9"):
        catalog.get_version("d", 9)


def test_version_file_cannot_escape_data_dir(catalog):
    with pytest.raises(ValueError):
        catalog.version_file({"path": "../metadata.sqlite"})


def test_failed_transaction_leaves_no_trace(catalog):
    before = catalog.list_audit()
    with pytest.raises(RuntimeError), catalog.writer.begin() as conn:
        catalog.create_dataset("half", "so-tnmt", conn=conn)
        raise RuntimeError("crash in the middle")
    assert catalog.find_dataset("half") is None
    assert catalog.list_audit() == before
    with catalog.reader.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.datasets)).scalar() == 0
