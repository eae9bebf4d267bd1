"""The search index lives in the metadata database and each write updates it, in the same transaction.

A write touches the documents of what it changes and nothing else (the cost of a write does not grow with the
catalogue), a search right after any write sees it, private datasets stay invisible to anonymous viewers, and a
catalogue made before the index existed gets every dataset indexed by the migration.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import db
from catalog.i18n import collate, sort_keys
from catalog.metadata import Catalog
from catalog.search import index, search
from catalog.unit_of_work import NewVersion, commit_version
from catalog.visibility import ANONYMOUS, Viewer


def names(result: dict) -> list[str]:
    return [d["name"] for d in result["results"]]


def documents(catalog: Catalog) -> int:
    with catalog.reader.connect() as conn:
        return index.document_count(conn)


def index_writes(catalog: Catalog) -> list[str]:
    """Records the INSERT/UPDATE/DELETE statements on the index tables that the writer runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        text = statement.lstrip().upper()
        if text.startswith(("INSERT", "UPDATE", "DELETE")) and "SEARCH_" in text.split("(")[0]:
            seen.append(text[:60])

    sa.event.listen(catalog.writer, "before_cursor_execute", record)
    return seen


def test_each_create_adds_exactly_one_document_whatever_the_catalogue_size(catalog: Catalog) -> None:
    with catalog.writer.begin() as conn:  # a catalogue of 300 datasets, made in one transaction
        for i in range(300):
            catalog.create_dataset(f"co-san-{i:03d}", "so-tnmt", title=f"Bộ có sẵn {i}", conn=conn)
    assert documents(catalog) == 300
    writes = index_writes(catalog)
    for i in range(5):
        before = documents(catalog)
        catalog.create_dataset(f"moi-{i}", "so-tnmt", title=f"Dữ liệu mới {i}", tags=["mới"])
        assert documents(catalog) == before + 1
    # one create writes a fixed handful of index rows (document, full text, facets), never the other 300 datasets
    assert 0 < len(writes) <= 5 * 6


def test_a_search_right_after_each_write_reflects_it(catalog: Catalog) -> None:
    catalog.create_dataset("muc-nuoc", "so-tnmt", title="Mực nước sông Hồng")
    assert names(search(catalog, "song hong")) == ["muc-nuoc"]
    catalog.update_dataset("muc-nuoc", title="Mực nước sông Đuống")
    assert search(catalog, "hong")["count"] == 0
    assert search(catalog, "song hong")["partial"] is True  # "sông" still matches: only a partial answer
    assert names(search(catalog, "duong")) == ["muc-nuoc"]
    catalog.update_dataset("muc-nuoc", private=True)
    assert search(catalog, "duong")["count"] == 0
    assert names(search(catalog, "duong", include_private=True)) == ["muc-nuoc"]
    catalog.delete_dataset("muc-nuoc")
    assert search(catalog, "duong", include_private=True)["count"] == 0
    assert documents(catalog) == 0


def test_a_publish_indexes_the_new_dataset_and_its_formats(catalog: Catalog, tmp_path) -> None:
    staged = tmp_path / "v1.parquet"
    staged.write_bytes(b"PAR1 not really parquet PAR1")
    digest = hashlib.sha256(staged.read_bytes()).hexdigest()
    record = {"path": "x/v1.parquet", "parts": ["x/v1.parquet"], "sha256": digest, "source_sha256": digest,
              "rows": 1, "bytes": 10, "source_bytes": 10, "source_format": "csv", "schema": {}, "validation": {},
              "changes": {}, "publisher": "cli"}
    commit_version(catalog, NewVersion(
        dataset="chat-luong-nuoc", org="so-tnmt", known=None, staged=staged, key="x/v1.parquet", sha256=digest,
        record=record, publisher="cli", audit={}, schema={"fields": [{"name": "do_duc", "title": "Độ đục"}]},
        meta={"title": "Chất lượng nước hồ Tây"}))
    found = search(catalog, "ho tay do duc")
    assert names(found) == ["chat-luong-nuoc"]
    assert {f["value"] for f in found["facets"]["format"]} >= {"CSV", "Parquet"}
    assert search(catalog, "", {"format": ["parquet"]})["count"] == 1


def test_folded_words_find_the_tones_and_the_exact_tones_rank_first(catalog: Catalog) -> None:
    catalog.create_dataset("dong-da", "so-tnmt", title="Dân số quận Đống Đa")
    catalog.create_dataset("dong-da-sai", "so-tnmt", title="Dân số quận Đông Đa")
    assert set(names(search(catalog, "dong da"))) == {"dong-da", "dong-da-sai"}
    assert names(search(catalog, "Đống Đa")) == ["dong-da", "dong-da-sai"]
    assert names(search(catalog, "Đông Đa")) == ["dong-da-sai", "dong-da"]
    assert names(search(catalog, "dân số đống")) == ["dong-da", "dong-da-sai"]  # "dân số" matches both alike


def test_a_title_match_ranks_above_a_description_match(catalog: Catalog) -> None:
    catalog.create_dataset("mo-ta", "so-tnmt", title="Danh mục", description="Có nhắc đến cầu Long Biên.")
    catalog.create_dataset("tieu-de", "so-tnmt", title="Cầu Long Biên", description="Danh mục.")
    assert names(search(catalog, "long bien")) == ["tieu-de", "mo-ta"]


def test_private_datasets_never_appear_for_anonymous_viewers(catalog: Catalog) -> None:
    catalog.add_org("so-yte", "Sở Y tế")
    catalog.create_dataset("benh-vien", "so-yte", title="Bệnh viện công lập", tags=["y tế"])
    catalog.create_dataset("ho-so-benh", "so-yte", title="Hồ sơ bệnh viện (nội bộ)", tags=["y tế"], private=True)
    anonymous = search(catalog, "benh vien", viewer=ANONYMOUS)
    assert names(anonymous) == ["benh-vien"] and anonymous["count"] == 1
    assert {f["value"]: f["count"] for f in search(catalog, "")["facets"]["tag"]} == {"y tế": 1}
    member = Viewer(name="bs-an", orgs=frozenset({"so-yte"}))
    assert set(names(search(catalog, "benh vien", viewer=member))) == {"benh-vien", "ho-so-benh"}
    outsider = Viewer(name="khach", orgs=frozenset({"so-tnmt"}))
    assert names(search(catalog, "benh vien", viewer=outsider)) == ["benh-vien"]


def test_renaming_an_organisation_reindexes_its_datasets(catalog: Catalog) -> None:
    catalog.create_dataset("cay-xanh", "so-tnmt", title="Cây xanh đường phố")
    catalog.update_org("so-tnmt", title="Sở Nông nghiệp")
    assert names(search(catalog, "nong nghiep")) == ["cay-xanh"]
    assert search(catalog, "", {"org": ["so-tnmt"]})["facets"]["organization"][0]["label"] == "Sở Nông nghiệp"


def test_the_migration_indexes_a_catalogue_made_before_the_index(catalog: Catalog) -> None:
    catalog.create_dataset("truoc-do", "so-tnmt", title="Dữ liệu có từ trước")
    with catalog.writer.begin() as conn:  # back to the catalogue as it was before the search migration
        for statement in ("DELETE FROM search_facets", "DELETE FROM search_documents"):
            conn.exec_driver_sql(statement)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE search_fts")
        conn.execute(db.schema_migrations.delete().where(db.schema_migrations.c.version >= db.SEARCH_MIGRATION))
    assert documents(catalog) == 0
    Catalog(catalog.home).ensure_ready()
    assert names(search(catalog, "tu truoc")) == ["truoc-do"]
    assert documents(catalog) == 1


def test_a_broad_search_counts_exactly_ranks_its_newest_matches_and_marks_sampled_facets(catalog: Catalog,
                                                                                       monkeypatch) -> None:
    from catalog.search import answer

    monkeypatch.setattr(answer, "WINDOW", 3)  # a broad search: more matches than the window
    for i in range(5):
        catalog.create_dataset(f"ngap-{i}", "so-tnmt", title=f"Điểm ngập số {i}", tags=["ngập"])
    found = search(catalog, "ngập", limit=2)
    assert found["count"] == 5                                   # the count is exact
    assert names(found) and set(names(found)) <= {"ngap-2", "ngap-3", "ngap-4"}  # ranked among the newest 3
    tags = found["facets"]["tag"]
    assert tags == [{"value": "ngập", "label": "ngập", "count": 3, "at_least": True}]  # a lower bound: "≥ 3"
    assert search(catalog, "ngập", limit=2, offset=4)["count"] == 5 and names(
        search(catalog, "ngập", limit=2, offset=4))  # a page past the window is still served


PLACES = ["Đông Anh", "Chương Mỹ", "Ba Vì", "Dương Nội", "Cầu Giấy", "Ba Đình", "ba đình"]


def title_pages(catalog: Catalog, size: int) -> list[str]:
    """Every page of the title-sorted list, ``size`` at a time."""
    seen, offset = [], 0
    while page := names(search(catalog, "", sort="title", limit=size, offset=offset)):
        seen += page
        offset += size
    return seen


def test_a_title_sort_pages_in_the_database_in_vietnamese_order(catalog: Catalog) -> None:
    for i, place in enumerate(PLACES):
        catalog.create_dataset(f"dan-so-{i}", "so-tnmt", title=f"Dân số {place}")
    expected = [f"dan-so-{PLACES.index(p)}" for p in collate(PLACES)]  # the oracle: ICU's ORDER BY … COLLATE vi
    assert title_pages(catalog, 2) == title_pages(catalog, 100) == expected
    with catalog.reader.connect() as conn:
        keys = dict(conn.execute(sa.select(db.search_documents.c.name, db.search_documents.c.title_key)).all())
    assert all(keys.values()) and len(set(keys.values())) == len(PLACES)


def test_the_migration_gives_every_indexed_title_its_sort_key(catalog: Catalog) -> None:
    for i, place in enumerate(PLACES):
        catalog.create_dataset(f"dan-so-{i}", "so-tnmt", title=f"Dân số {place}")
    expected = title_pages(catalog, 3)
    with catalog.writer.begin() as conn:  # back to a catalogue indexed before the sort keys existed
        conn.execute(db.search_documents.update().values(title_key=None))
        conn.execute(db.schema_migrations.delete().where(db.schema_migrations.c.version == db.TITLE_KEY_MIGRATION))
    Catalog(catalog.home).ensure_ready()
    with catalog.reader.connect() as conn:
        assert None not in conn.execute(sa.select(db.search_documents.c.title_key)).scalars().all()
    assert title_pages(catalog, 3) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyAĐÊÔƠƯàảãáạằẳẵắặầẩẫấậềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ -0123",
                        max_size=12), max_size=25))
def test_sort_keys_order_texts_as_the_vietnamese_collation_does(texts: list[str]) -> None:
    keyed = sorted(zip(sort_keys(texts), range(len(texts)), strict=True))
    assert [texts[i] for _, i in keyed] == collate(texts)


def test_the_keys_migration_puts_filters_and_visibility_into_existing_postgresql_vectors(catalog: Catalog) -> None:
    catalog.create_dataset("mo-a", "so-tnmt", title="Quan trắc môi trường", license="CC-BY-4.0")
    catalog.create_dataset("mo-b", "so-tnmt", title="Môi trường nước", license="ODbL-1.0", private=True)
    with catalog.writer.begin() as conn:  # back to vectors made before the keys were in them
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("UPDATE search_documents SET folded = ts_delete(folded, ARRAY(SELECT lexeme FROM "
                                 "unnest(folded) WHERE lexeme ~ '^k[0-9a-f]{20}$'))")
        conn.execute(db.schema_migrations.delete().where(db.schema_migrations.c.version == db.SEARCH_KEYS_MIGRATION))
    if catalog.writer.dialect.name == "postgresql":
        assert names(search(catalog, "moi truong")) == []  # without keys nothing is visible
    Catalog(catalog.home).ensure_ready()
    assert names(search(catalog, "moi truong")) == ["mo-a"]
    assert names(search(catalog, "moi truong", {"license": ["CC-BY-4.0"]})) == ["mo-a"]
    member = Viewer(name="can-bo", orgs=frozenset({"so-tnmt"}))
    assert names(search(catalog, "moi truong", {"license": ["ODbL-1.0"]}, viewer=member)) == ["mo-b"]


def test_a_catalogue_from_before_the_title_keys_change_log_and_resource_lookup_upgrades_in_one_go(
        catalog: Catalog) -> None:
    """The previous release's catalogue: every migration from 55 on at once, data steps that re-index included."""
    catalog.create_dataset("lien-ket", "so-tnmt", title="Liên kết", extras={"_ckan": {"resources": [{"id": "r-1"}]}})
    catalog.create_dataset("ba-vi", "so-tnmt", title="Ba Vì")
    newer = (db.TITLE_KEY_MIGRATION, db.SEARCH_KEYS_MIGRATION, db.SEARCH_CHANGES_MIGRATION,
             db.RESOURCE_LOOKUP_MIGRATION)
    with catalog.writer.begin() as conn:
        conn.execute(db.search_documents.update().values(title_key=None))
        conn.execute(db.schema_migrations.delete().where(db.schema_migrations.c.version.in_(newer)))
    Catalog(catalog.home).ensure_ready()
    assert names(search(catalog, "", sort="title")) == ["ba-vi", "lien-ket"]
    with catalog.reader.connect() as conn:
        assert conn.execute(sa.select(db.resource_lookup.c.id)).scalars().all() == ["r-1"]
