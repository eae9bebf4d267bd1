"""catalog/rows: filters, sorting, projection, keyset paging and value counts over real Parquet files; filters
are read from query strings by web/row_params.py, as the web reads them.

The reference answers are computed in plain Python from the rows as pyarrow reads them, so the SQL that
catalog/rows builds is checked against an independent implementation, not against itself.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import rows
from catalog.errors import InvalidInput
from catalog.i18n import collate, language
from catalog.text import fold
from web import row_params

DISTRICTS = ["Ba Đình", "Hoàn Kiếm", "Đống Đa", "Hai Bà Trưng", "Cầu Giấy", "Sóc Sơn"]
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "district", "type": "string"},
        {"name": "pm25", "type": "number"},
        {"name": "observed_at", "type": "datetime"},
        {"name": "day", "type": "date"},
        {"name": "ok", "type": "boolean"},
        {"name": "note", "type": "string"},
    ]
}
ARROW_SCHEMA = pa.schema([("id", pa.int64()), ("district", pa.string()), ("pm25", pa.float64()),
                          ("observed_at", pa.timestamp("us")), ("day", pa.date32()), ("ok", pa.bool_()),
                          ("note", pa.string())])


def make_rows(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    start = datetime(2024, 1, 1)
    out = []
    for i in range(n):
        district = rnd.choice(DISTRICTS + [None, ""]) if i % 11 == 0 else rnd.choice(DISTRICTS)
        out.append({
            "id": i,
            "district": district,
            # few distinct values, so sorts have many ties that the tiebreaker must order
            "pm25": None if i % 13 == 0 else float(rnd.choice([12.5, 25.0, 35.5, 50.0, 75.25, 150.0])),
            "observed_at": start + timedelta(hours=rnd.randrange(0, 24 * 30)),
            "day": date(2024, 1, 1) + timedelta(days=rnd.randrange(0, 10)),
            "ok": None if i % 17 == 0 else rnd.random() < 0.5,
            "note": rnd.choice(["a, b", "Hồ Tây", "hồ gươm", "=1+1", "", None, "x' OR 1=1 --"]),
        })
    return out


def write_parts(folder: Path, data: list[dict], sizes: list[int]) -> list[Path]:
    files, at = [], 0
    for i, size in enumerate(sizes):
        path = folder / f"part{i}.parquet"
        pq.write_table(pa.Table.from_pylist(data[at:at + size], schema=ARROW_SCHEMA), path, row_group_size=64)
        files.append(path)
        at += size
    return files


@pytest.fixture(autouse=True)
def english():
    """These tests read the English wording of the messages (Vietnamese by default: tests/test_error_language.py)."""
    with language("en"):
        yield


@pytest.fixture(scope="module")
def data() -> list[dict]:
    return make_rows(600)


@pytest.fixture(scope="module")
def single(tmp_path_factory, data) -> list[Path]:
    return write_parts(tmp_path_factory.mktemp("single"), data, [len(data)])


@pytest.fixture(scope="module")
def parts(tmp_path_factory, data) -> list[Path]:
    return write_parts(tmp_path_factory.mktemp("parts"), data, [250, 1, 0, 349])


# -- the reference ----------------------------------------------------------------------------------------------
def read_back(files: list[Path]) -> list[dict]:
    """All rows in storage order, read with pyarrow (not DuckDB)."""
    out = []
    for path in files:
        out.extend(pq.read_table(path).to_pylist())
    return out


def matches(row: dict, f: rows.Filter) -> bool:
    value = row[f.column]
    text_like = f.column in ("district", "note")
    if text_like and value is not None and not f.exact and f.op in ("eq", "ne", "in", "contains"):
        value = fold(value)  # text filters ignore accents and case (issue 14); the filter's value is folded
    if f.op == "blank":
        return value is None or (text_like and value == "")
    if f.op == "notblank":
        return value is not None and not (text_like and value == "")
    if value is None:
        return False
    if f.op == "contains":
        return f.value in (str(value) if f.exact else fold(str(value)))
    if f.op == "starts":
        return (str(value) if f.exact else fold(str(value))).startswith(f.value)
    if f.op == "in":
        return value in f.value
    return {"eq": value == f.value, "ne": value != f.value, "lt": value < f.value, "le": value <= f.value,
            "gt": value > f.value, "ge": value >= f.value}[f.op]


def reference(files: list[Path], filters=(), sort: str | None = None) -> list[dict]:
    found = [r for r in read_back(files) if all(matches(r, f) for f in filters)]
    for name, desc in reversed(rows.parse_sort(sort, SCHEMA)):
        # sorted() is stable, with reverse=True too: ties keep storage order, as the tiebreaker does;
        # text columns sort in Vietnamese order (collate is stable as well)
        order = collate if name in rows.text_columns(SCHEMA) else sorted
        present = order((r for r in found if r[name] is not None), key=lambda r: r[name], reverse=desc)
        found = present + [r for r in found if r[name] is None]
    return found


def as_json(row: dict) -> dict:
    return {k: rows.jsonable(v) for k, v in row.items()}


def page_through(files, *, filters=(), sort=None, limit=7, fields=None) -> list[dict]:
    out, cursor, seen_cursors = [], None, set()
    while True:
        page = rows.query_rows(files, SCHEMA, filters=filters, sort=sort, limit=limit, cursor=cursor, fields=fields)
        out.extend(page["rows"])
        assert len(page["rows"]) <= limit
        if page["next"] is None:
            return out
        assert page["next"] not in seen_cursors
        seen_cursors.add(page["next"])
        cursor = page["next"]


# -- parsing filters --------------------------------------------------------------------------------------------
def test_parse_filters_ops_and_types():
    filters = row_params.parse_filters([
        ("district", "Đống Đa"), ("pm25__gt", "50"), ("id__in", "1, 2,3"), ("observed_at__ge", "2024-01-02"),
        ("day__le", "05/01/2024"), ("ok", "có"), ("note__contains", "hồ"), ("pm25__blank", "1"),
        ("district__blank", "0"), ("_sort", "-pm25"), ("limit", "5"), ("cursor", "x"), ("lang", "en"),
        ("_fc", "district"),
    ], SCHEMA)
    assert filters == [
        rows.Filter("district", "eq", "dong da"), rows.Filter("pm25", "gt", 50.0), rows.Filter("id", "in", [1, 2, 3]),
        rows.Filter("observed_at", "ge", datetime(2024, 1, 2)), rows.Filter("day", "le", date(2024, 1, 5)),
        rows.Filter("ok", "eq", True), rows.Filter("note", "contains", "ho"), rows.Filter("pm25", "blank"),
        rows.Filter("district", "notblank"),
    ]


def test_parse_filters_normalises_vietnamese_to_nfc():
    nfd = unicodedata.normalize("NFD", "Đống Đa")
    assert nfd != "Đống Đa"
    assert row_params.parse_filters({"district": nfd, "_exact": "1"}, SCHEMA) == [
        rows.Filter("district", "eq", "Đống Đa", exact=True)]


def test_parse_filters_in_accepts_a_json_array_for_values_with_commas():
    assert row_params.parse_filters({"note__in": '["a, b", "Hồ Tây"]', "_exact": "1"}, SCHEMA) == [
        rows.Filter("note", "in", ["a, b", "Hồ Tây"], exact=True)]


def test_empty_form_values_are_not_filters():
    assert row_params.parse_filters({"district": "", "pm25__gt": "  ", "id__in": ","}, SCHEMA) == []


@pytest.mark.parametrize(("params", "needle"), [
    ({"station": "x"}, "unknown column 'station'"),
    ({"pm25__between": "1"}, "unknown filter operator 'between'"),
    ({"pm25__gt": "năm mươi"}, "not a valid number for column 'pm25'"),
    ({"pm25": "7,5,5"}, "decimal comma"),  # issue 14: "7,5" is now 7.5
    ({"id": "1.5"}, "not a valid integer"),
    ({"day": "2024-13-45"}, "not a valid date"),
    ({"observed_at__lt": "yesterday"}, "not a valid datetime"),
    ({"ok": "maybe"}, "not a valid boolean"),
    ({"id__in": "1,two"}, "'two' is not a valid integer"),
    ({"pm25__blank": "perhaps"}, "expected 1 or 0"),
])
def test_bad_filters_say_what_is_wrong(params, needle):
    with pytest.raises(InvalidInput) as error:
        row_params.parse_filters(params, SCHEMA)
    assert needle in str(error.value)


def test_unknown_column_lists_the_columns():
    with pytest.raises(InvalidInput) as error:
        row_params.parse_filters({"quan": "Ba Đình"}, SCHEMA)
    assert "district" in str(error.value) and "pm25" in str(error.value)


@pytest.mark.parametrize(("sort", "needle"), [("nope", "unknown column 'nope' in sort"),
                                              ("-pm25,zz", "unknown column 'zz'")])
def test_bad_sort(sort, needle, single):
    with pytest.raises(InvalidInput, match=needle):
        rows.query_rows(single, SCHEMA, sort=sort)


def test_bad_fields_and_limit(single):
    with pytest.raises(InvalidInput, match="unknown column 'nope' in fields"):
        rows.query_rows(single, SCHEMA, fields="id,nope")
    with pytest.raises(InvalidInput, match="between 1 and 1000"):
        rows.query_rows(single, SCHEMA, limit=1001)
    with pytest.raises(InvalidInput, match="between 1 and 1000"):
        row_params.parse_limit("0")
    with pytest.raises(InvalidInput, match="whole number"):
        row_params.parse_limit("ten")


# -- querying ---------------------------------------------------------------------------------------------------
FILTER_CASES = [
    {},
    {"district": "Đống Đa"},
    {"district__ne": "Đống Đa"},
    {"pm25__gt": "35.5"},
    {"pm25__le": "35.5", "district__in": "Ba Đình,Hoàn Kiếm"},
    {"observed_at__ge": "2024-01-15T00:00:00", "observed_at__lt": "2024-01-20"},
    {"day": "2024-01-03"},
    {"ok": "true"},
    {"ok__blank": "1"},
    {"pm25__blank": "1"},
    {"district__blank": "1"},
    {"district__notblank": "1", "pm25__notblank": "1"},
    {"note__contains": "HỒ"},
    {"note": "x' OR 1=1 --"},
    {"note": "=1+1"},
    {"id__in": "0,5,599,1000"},
]


@pytest.mark.parametrize("params", FILTER_CASES)
def test_filters_match_the_reference(params, single):
    filters = row_params.parse_filters(params, SCHEMA)
    expected = reference(single, filters)
    page = rows.query_rows(single, SCHEMA, filters=filters, limit=1000)
    assert page["total"] == len(expected)
    assert page["rows"] == [as_json(r) for r in expected]


def test_vietnamese_equality_ignores_accents_unless_exact_and_contains_is_case_insensitive(single, data):
    # issue 14 changed this on purpose: "Dong Da" finds "Đống Đa"; _exact=1 keeps the old exact comparison
    dong_da = rows.query_rows(single, SCHEMA, filters=row_params.parse_filters({"district": "Đống Đa"}, SCHEMA))
    assert dong_da["total"] == sum(1 for r in data if r["district"] == "Đống Đa") > 0
    folded = rows.query_rows(single, SCHEMA, filters=row_params.parse_filters({"district": "Dong Da"}, SCHEMA))
    assert folded["total"] == dong_da["total"]
    exact = rows.query_rows(single, SCHEMA, filters=row_params.parse_filters(
        {"district": "Dong Da", "_exact": "1"}, SCHEMA))
    assert exact["total"] == 0
    ho = rows.query_rows(single, SCHEMA, filters=row_params.parse_filters({"note__contains": "hồ"}, SCHEMA))
    assert ho["total"] == sum(1 for r in data if r["note"] in ("Hồ Tây", "hồ gươm"))


def test_injection_in_values_is_just_a_value(single, data):
    page = rows.query_rows(single, SCHEMA, filters=row_params.parse_filters({"district": "' OR 1=1 --"}, SCHEMA))
    assert page["total"] == 0
    with pytest.raises(InvalidInput):
        row_params.parse_filters({'district" = district OR "1': "1"}, SCHEMA)


def test_values_are_json_ready(single):
    page = rows.query_rows(single, SCHEMA, limit=1)
    row = page["rows"][0]
    assert row["observed_at"] == datetime.fromisoformat(row["observed_at"]).isoformat()
    assert "T" in row["observed_at"]
    assert row["day"] == date.fromisoformat(row["day"]).isoformat()
    assert page["columns"][0] == {"name": "id", "type": "integer"}


def test_fields_projection(single, data):
    page = rows.query_rows(single, SCHEMA, fields="pm25,district", limit=3)
    assert [list(r) for r in page["rows"]] == [["pm25", "district"]] * 3
    assert [c["name"] for c in page["columns"]] == ["pm25", "district"]
    assert page["rows"][0] == {"pm25": data[0]["pm25"], "district": data[0]["district"]}


def test_without_sort_rows_come_in_file_order(parts, data):
    page = rows.query_rows(parts, SCHEMA, limit=1000)
    assert [r["id"] for r in page["rows"]] == [r["id"] for r in data]
    assert page["total"] == len(data) and page["next"] is None


SORTS = [None, "pm25", "-pm25", "district,-observed_at", "-ok,pm25", "day,-district,id", "-note"]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("files_fixture", ["single", "parts"])
def test_keyset_paging_equals_the_offset_reference(sort, files_fixture, request):
    files = request.getfixturevalue(files_fixture)
    expected = [as_json(r) for r in reference(files, (), sort)]
    got = page_through(files, sort=sort, limit=37)
    assert got == expected
    # and the same pages that OFFSET would cut
    for offset in (0, 37, 74):
        assert got[offset:offset + 37] == expected[offset:offset + 37]


@pytest.mark.parametrize("sort", [None, "-pm25", "district"])
def test_keyset_paging_with_filters(sort, parts):
    filters = row_params.parse_filters({"pm25__ge": "25", "district__notblank": "1"}, SCHEMA)
    assert page_through(parts, filters=filters, sort=sort, limit=11) == \
        [as_json(r) for r in reference(parts, filters, sort)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 120),
       keys=st.lists(st.sampled_from(["id", "district", "pm25", "observed_at", "day", "ok", "note"]),
                     max_size=3, unique=True),
       descending=st.lists(st.booleans(), min_size=3, max_size=3))
def test_keyset_paging_property(parts, limit, keys, descending):
    sort = ",".join(("-" if d else "") + k for k, d in zip(keys, descending, strict=False)) or None
    assert page_through(parts, sort=sort, limit=limit) == [as_json(r) for r in reference(parts, (), sort)]


def test_last_page_has_no_next_and_exact_fit(single):
    page = rows.query_rows(single, SCHEMA, limit=600)
    assert len(page["rows"]) == 600 and page["next"] is None
    page = rows.query_rows(single, SCHEMA, limit=599)
    assert page["next"] is not None
    last = rows.query_rows(single, SCHEMA, limit=599, cursor=page["next"])
    assert len(last["rows"]) == 1 and last["next"] is None and last["total"] == 600


def test_without_total(single):
    assert rows.query_rows(single, SCHEMA, limit=1, with_total=False)["total"] is None


def test_bad_cursors(single):
    page = rows.query_rows(single, SCHEMA, sort="-pm25", limit=5)
    with pytest.raises(InvalidInput, match="different sort order"):
        rows.query_rows(single, SCHEMA, sort="pm25", limit=5, cursor=page["next"])
    for bad in ("not-a-cursor", page["next"][:-3], "W10", "WzEsIiIsW10sLTEsMF0"):
        with pytest.raises(InvalidInput, match="invalid cursor"):
            rows.query_rows(single, SCHEMA, sort="-pm25", limit=5, cursor=bad)


def test_a_cursor_past_the_end_gives_an_empty_page(single):
    cursor = rows.encode_cursor("", [], 5, 0)
    page = rows.query_rows(single, SCHEMA, cursor=cursor)
    assert page["rows"] == [] and page["next"] is None


def test_value_counts(parts, data):
    counts = rows.value_counts(parts, SCHEMA, "district")
    expected: dict = {}
    for r in data:
        expected[r["district"]] = expected.get(r["district"], 0) + 1
    assert {c["value"]: c["count"] for c in counts} == expected
    assert [c["count"] for c in counts] == sorted((c["count"] for c in counts), reverse=True)
    filtered = rows.value_counts(parts, SCHEMA, "district",
                                 filters=row_params.parse_filters({"pm25__gt": "50"}, SCHEMA), limit=2)
    assert len(filtered) == 2
    assert filtered[0]["count"] == max(
        sum(1 for r in data if r["district"] == d and r["pm25"] is not None and r["pm25"] > 50)
        for d in DISTRICTS + [None, ""])
    with pytest.raises(InvalidInput, match="unknown column 'quan'"):
        rows.value_counts(parts, SCHEMA, "quan")


def test_select_sql_keeps_storage_order_and_binds_values(parts, data):
    sql, params, names = rows.select_sql(parts, SCHEMA, filters=row_params.parse_filters({"note": "x' OR 1=1 --"}, SCHEMA),
                                         fields="id")
    assert "x' OR 1=1" not in sql and names == ["id"]
    with rows.connect() as con:
        ids = [r[0] for r in con.execute(sql, params).fetchall()]
    assert ids == [r["id"] for r in data if r["note"] == "x' OR 1=1 --"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(
    st.one_of(st.sampled_from([f["name"] for f in SCHEMA["fields"]]), st.text(max_size=8)),
    st.sampled_from(["", *(f"__{op}" for op in rows.OPS), "__nope"]),
    st.one_of(st.text(max_size=12), st.sampled_from(["1", "-2.5", "2024-01-03", "true", "Đống Đa", "a,b", "[1, 2]",
                                                     "1e400", "2024-01-01T25:00", "NaN"])),
), max_size=4), sort=st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["-pm25", "day,-id"])))
def test_any_query_string_is_rows_or_a_clear_400(single, params, sort):
    """Whatever a client sends, the answer is rows or InvalidInput, never another error (a 500)."""
    try:
        filters = row_params.parse_filters([(column + op, value) for column, op, value in params], SCHEMA)
        page = rows.query_rows(single, SCHEMA, filters=filters, sort=sort, limit=5)
    except InvalidInput as error:
        assert str(error)
        return
    expected = reference(single, filters, sort)
    assert page["total"] == len(expected) and page["rows"] == [as_json(r) for r in expected[:5]]
