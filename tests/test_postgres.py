"""The metadata on PostgreSQL: the same schema as on SQLite, publishes from several processes serialised by the
advisory lock, rate-limit counters shared by every node.

These run on the session's throwaway PostgreSQL server (tests/pg_cluster.py), whichever metadata backend the rest
of the suite uses; without PostgreSQL installed they fail with how to get it (scripts/test.sh installs it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalog import db
from catalog.backup import backup, restore
from catalog.errors import InvalidInput
from catalog.home import DATABASE_URL_VAR
from catalog.metadata import Catalog
from catalog.ratelimit import FILENAME, Limit, RateLimiter, rate_limit_hits
from catalog.storage import storage_environment
from conftest import REPO

pytestmark = pytest.mark.slow  # starts a PostgreSQL server and publishing processes


@pytest.fixture
def pg_url(postgres):
    """A new, empty PostgreSQL database (dropped afterwards)."""
    name = postgres.create()
    yield postgres.url(name)
    postgres.drop(name)


@pytest.fixture(scope="module")
def air_csv(tmp_path_factory, shared) -> Path:
    out = tmp_path_factory.mktemp("pg-sources") / "air.csv"
    subprocess.run([sys.executable, str(shared / "tools" / "gen_air_quality.py"), "--rows", "3000", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def schema_of(engine: sa.Engine) -> dict:
    """Tables → columns (name, generic type, nullable), primary key, unique sets and indexed columns."""
    inspector = sa.inspect(engine)
    shape = {}
    for table in inspector.get_table_names():
        columns = {c["name"]: (_generic(c["type"]), c["nullable"]) for c in inspector.get_columns(table)}
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        uniques |= {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]}
        indexed = {tuple(i["column_names"]) for i in inspector.get_indexes(table) if not i["unique"]}
        shape[table] = {"columns": columns, "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                        "unique": uniques, "indexed": indexed,
                        "fk": sorted((f["constrained_columns"][0], f["referred_table"])
                                     for f in inspector.get_foreign_keys(table))}
    return shape


def _generic(kind: sa.types.TypeEngine) -> str:
    """What a column holds, across dialects (SQLite reports JSON and BOOLEAN by name; PostgreSQL by type)."""
    for generic in (sa.Boolean, sa.JSON, sa.BigInteger, sa.Integer, sa.String, sa.Text):
        if isinstance(kind, generic):
            return "text" if generic in (sa.String, sa.Text) else generic.__name__.lower()
    return type(kind).__name__.lower()


def test_migrations_make_the_same_tables_and_columns_on_postgresql_as_on_sqlite(tmp_path, pg_url):
    lite = Catalog(tmp_path / "lite", url=f"sqlite:///{tmp_path / 'lite.sqlite'}")
    pg = Catalog(tmp_path / "pg", url=pg_url)
    assert lite.init() == pg.init(), "the same migrations, in the same order"
    expected, got = schema_of(lite.writer), schema_of(pg.writer)
    # Every table of the schema, on both; a search index may add the dialect's own tables (FTS5 on SQLite).
    declared = set(db.metadata.tables)
    assert declared <= set(expected) and declared <= set(got) and {"versions", "schema_migrations"} <= declared
    for name in declared:
        table = db.metadata.tables[name]
        for side in (expected[name], got[name]):  # dialect-specific indexes (GIN, FTS) may come on top
            assert {tuple(c.name for c in ix.columns) for ix in table.indexes} <= side.pop("indexed"), name
            for column in table.columns:  # a type declared per dialect (with_variant) differs by design
                if getattr(column.type, "_variant_mapping", None):
                    side["columns"][column.name] = side["columns"][column.name][1:]
        assert got[name] == expected[name], name
    assert pg.init() == [], "a second init applies nothing"
    lite.dispose(), pg.dispose()


def test_the_database_url_comes_from_the_environment_and_the_home_keeps_no_sqlite_file(tmp_path, pg_url,
                                                                                       monkeypatch):
    monkeypatch.setenv(DATABASE_URL_VAR, pg_url)
    catalog = Catalog(tmp_path / "home")
    catalog.init()
    catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    catalog.create_dataset("air", "so-tnmt", tags=["môi-trường"])
    assert catalog.writer.dialect.name == "postgresql"
    assert not catalog.home.db_path.exists()
    assert Catalog(tmp_path / "home", url=pg_url).get_dataset("air")["tags"] == ["môi-trường"]
    catalog.dispose()


def _publish(home: Path, url: str, source: Path, shared: Path) -> subprocess.Popen:
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", DATABASE_URL_VAR: url,
           **storage_environment()}  # a node's settings: its bucket's too when version files are on S3
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--home", str(home), "publish", str(source), "--dataset", "air", "--org",
         "so-tnmt", "--schema", str(shared / "tools" / "air_quality.schema.json")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_nodes_publishing_at_once_to_one_database_are_serialised(tmp_path, pg_url, air_csv, shared):
    """Two processes with their own homes (two nodes) publish the same new dataset at the same moment (two
    different files: with the same one, a node that starts late finds it published and makes no version)."""
    homes = [tmp_path / "node-a", tmp_path / "node-b"]
    for home in homes:
        Catalog(home, url=pg_url).init()
    Catalog(homes[0], url=pg_url).add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    shorter = tmp_path / "air-shorter.csv"
    shorter.write_text("".join(air_csv.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    procs = [_publish(home, pg_url, source, shared) for home, source in zip(homes, [air_csv, shorter], strict=True)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    versions = Catalog(homes[0], url=pg_url).list_versions("air")
    assert sorted(v["number"] for v in versions) == [1, 2]
    audit = [a["target"] for a in Catalog(homes[1], url=pg_url).list_audit(dataset="air") if a["action"] == "publish"]
    assert sorted(audit) == ["air@1", "air@2"]


def test_a_publish_waits_for_the_advisory_lock_held_by_another_node(tmp_path, pg_url, air_csv, shared):
    holder = Catalog(tmp_path / "node-a", url=pg_url)
    holder.init()
    holder.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    Catalog(tmp_path / "node-b", url=pg_url).init()
    with holder.writer.begin():  # the write lock, as a long publish on node A would hold it
        proc = _publish(tmp_path / "node-b", pg_url, air_csv, shared)
        time.sleep(8)  # long enough for node B to validate and reach the lock on a busy machine
        assert proc.poll() is None, "node B must wait for node A's transaction"
        with sa.create_engine(pg_url).connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(db.versions)).scalar() == 0
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, output
    assert [v["number"] for v in holder.list_versions("air")] == [1]
    holder.dispose()


def test_rate_limit_counters_are_shared_by_every_node_on_postgresql(tmp_path, pg_url):
    now = [1_000_000.0]
    nodes = [RateLimiter(Catalog(tmp_path / name, url=pg_url).home, clock=lambda: now[0]) for name in "ab"]
    limit = Limit(3, 60)
    decisions = [nodes[i % 2].hit("api", "203.0.113.9", limit).allowed for i in range(5)]
    assert decisions == [True, True, True, False, False], "the allowance is per client, not per node"
    assert nodes[1].hit("api", "198.51.100.1", limit).allowed, "another client has its own count"
    assert not any((tmp_path / name / FILENAME).exists() for name in "ab"), "no node keeps counts on its disk"
    with sa.create_engine(pg_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.sum(rate_limit_hits.c.count))).scalar() == 6
    for node in nodes:
        node.close()


def test_backup_of_a_postgresql_catalogue_is_refused_with_how_to_back_it_up(tmp_path, pg_url):
    catalog = Catalog(tmp_path / "home", url=pg_url)
    catalog.init()
    with pytest.raises(InvalidInput, match="PostgreSQL") as refused:
        backup(catalog, tmp_path / "bk")
    assert "pg_dump" in refused.value.hint and not (tmp_path / "bk").exists()
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        restore(tmp_path / "bk", Catalog(tmp_path / "other", url=pg_url).home)
    catalog.dispose()
