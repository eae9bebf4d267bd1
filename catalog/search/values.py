"""What a dataset's rows are about: the distinct values of its low-cardinality text columns, for search.

Why: a journalist searching ``dong da`` wants every dataset that has Đống Đa in its rows, not only those that say
so in their description. Columns of few, short text values (districts, wards, categories) say what the rows are
about; free text, codes and identifiers do not (too many values, or too long). The values are read once, when a
version is published (from the staged Parquet file, column by column and batch by batch, so memory stays
bounded), kept in ``search_values`` and indexed with the dataset's document in the publish transaction.

A column holds places when its name says so (``place_fields`` of the vocabulary file) or when most of its values
are known place names (``places``); its values then feed the "area" (Khu vực) facet.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.search.synonyms import Vocabulary, phrase, vocabulary
from catalog.text import fold

MAX_DISTINCT = 200  # more values than this: an identifier or free text, not a category
MAX_LENGTH = 80  # a longer value is a sentence, not a name
BATCH = 65_536  # rows read at a time: a column of identifiers is given up after its first batch
PLACE_SHARE = 0.5  # at least this share of a column's values are known place names


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _distinct(parquet: pq.ParquetFile, column: str) -> list[str] | None:
    """The column's distinct non-empty values (NFC), or None when there are too many or they are too long."""
    seen: dict[str, None] = {}
    for batch in parquet.iter_batches(batch_size=BATCH, columns=[column]):  # stops at the first batch too varied
        for value in pc.unique(batch.column(0).cast(pa.large_string())).to_pylist():
            if value is None or not value.strip():
                continue
            if len(value) > MAX_LENGTH:
                return None
            seen[unicodedata.normalize("NFC", value.strip())] = None
            if len(seen) > MAX_DISTINCT:
                return None
    return sorted(seen)


def column_values(path: Path | str) -> dict[str, list[str]]:
    """{column: distinct values} of the Parquet file's low-cardinality text columns (none when the file cannot
    be read as Parquet: the values help search, they never decide whether a version is published)."""
    try:
        parquet = pq.ParquetFile(str(path))
    except (pa.ArrowException, OSError):
        return {}
    found = {}
    for field in parquet.schema_arrow:
        if _is_text(field.type):
            values = _distinct(parquet, field.name)
            if values:
                found[field.name] = values
    return found


def is_place_column(name: str, values: list[str], vocab: Vocabulary | None = None) -> bool:
    """A column of place names: by its name, or because most of its values are known places."""
    vocab = vocab or vocabulary()
    if fold(name).strip() in vocab.place_fields:
        return True
    known = sum(" ".join(phrase(value)) in vocab.places for value in values)
    return known >= 2 and known >= PLACE_SHARE * len(values)


def record(conn: Connection, dataset: str, values: dict[str, list[str]], *, append: bool = False) -> None:
    """Keep ``values`` as the dataset's searchable values (``append``: added to the previous parts' values),
    inside the publish transaction; the caller's index refresh then puts them in the document."""
    v, d = db.search_values, db.datasets
    dataset_id = conn.execute(sa.select(d.c.id).where(d.c.name == dataset)).scalar_one()
    if append:
        for row in conn.execute(sa.select(v.c.field, v.c.value).where(v.c.dataset_id == dataset_id)):
            values.setdefault(row.field, [])
            if row.value not in values[row.field]:
                values[row.field].append(row.value)
    conn.execute(v.delete().where(v.c.dataset_id == dataset_id))
    vocab = vocabulary()
    rows = [{"dataset_id": dataset_id, "field": field, "value": value, "place": is_place_column(field, found, vocab)}
            for field, found in values.items() if len(found) <= MAX_DISTINCT for value in found]
    if rows:
        conn.execute(v.insert(), rows)


def of_datasets(conn: Connection, ids: list[str]) -> dict[str, list[tuple[str, str, bool]]]:
    """{dataset id: [(field, value, is a place), ...]} as recorded at their latest publish."""
    v = db.search_values
    found: dict[str, list[tuple[str, str, bool]]] = {}
    if not ids:
        return found
    query = sa.select(v.c.dataset_id, v.c.field, v.c.value, v.c.place).where(v.c.dataset_id.in_(ids))
    for row in conn.execute(query.order_by(v.c.dataset_id, v.c.field, v.c.value)):
        found.setdefault(row.dataset_id, []).append((row.field, row.value, bool(row.place)))
    return found
