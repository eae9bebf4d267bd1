"""Table Schema descriptors: the names other modules import (checking, column types, reference readers).

Why a small module: the descriptor checks live by concept in ``pipelines/validation/`` (``schema.py`` for the
schema level, ``fields/`` for each type, ``constraints.py``, ``descriptor_keys.py``); publishing, uploads,
``describe`` and the benchmarks use just these entry points and should not depend on that layout.

``check_schema`` turns a descriptor into the normalised form the validator works from, or raises
``InvalidSchema`` naming the bad property. ``make_reader`` is the *reference* semantics of one field (a
pure-Python reader that behaves like frictionless 5.21's value readers); ``duckdb_type`` its column type.
"""

from __future__ import annotations

from catalog.text import nfc
from pipelines.validation.fields import TYPES, canonical_text, duckdb_type, make_reader
from pipelines.validation.header import field_missing_values
from pipelines.validation.schema import check_schema

__all__ = ["TYPES", "canonical_text", "check_schema", "duckdb_type", "field_missing_values", "make_reader", "nfc"]
