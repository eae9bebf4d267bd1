"""The ``list`` type (Table Schema v2): delimited text whose items share one ``itemType``.

Why its own module: the descriptor adds ``itemType`` and ``delimiter``, and each item is read by the item
type's own reader; the list is stored as JSON.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.fields import boolean, date, datetime, integer, number, string, time
from pipelines.validation.fields.base import Reader, fail
from pipelines.validation.fields.structured import JsonType

ITEM_TYPES = {t.name: t for t in (string.TYPE, integer.TYPE, boolean.TYPE, number.TYPE, datetime.TYPE,
                                  date.TYPE, time.TYPE)}
LIST_ITEM_TYPES = tuple(ITEM_TYPES)


class ListType(JsonType):
    name = "list"
    constraints = ("required", "minLength", "maxLength")

    def check_options(self, field: dict, where: str) -> None:
        item = field.get("itemType", "string")
        if item not in LIST_ITEM_TYPES:
            fail(f"{where}.itemType", f"{item!r} is not one of {', '.join(LIST_ITEM_TYPES)}")
        if not isinstance(field.get("delimiter", ","), str):
            fail(f"{where}.delimiter", "must be a string")

    def reader(self, field: dict) -> Reader:
        item_field = {"name": field.get("name", ""), "type": field.get("itemType", "string")}
        item = ITEM_TYPES[item_field["type"]].reader(item_field)
        delimiter = field.get("delimiter", ",")

        def read(cell: Any) -> Any:
            if isinstance(cell, str):
                cell = cell.split(delimiter)
            elif isinstance(cell, tuple):
                cell = list(cell)
            elif not isinstance(cell, list):
                return None
            out = []
            for value in cell:
                value = item(value)
                if value is None:
                    return None
                out.append(value)
            return out

        return read


TYPE = ListType()
