"""A column's values to pick from: ``/datasets/<name>/values/<column>?q=dong`` (a page, and JSON).

Why: a filter is only as good as the spelling typed into it. This lists the 50 most frequent values of a column
with their counts, searchable by a prefix of the value or of one of its words with accents and case ignored
(``q=dong`` finds "Đống Đa"), and the first and last value of date columns. The explorer fills a ``<datalist>``
from the JSON as one types; without JavaScript the explorer links here and each value links back to the
explorer filtered on it. ``/datasets/<name>/versions/<n>/values/<column>`` reads one version. The explorer's
filters in the query string narrow the values too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, request

from catalog import rows
from web import row_params
from web.context import get_catalog
from web.views.pages.common import bp, page, visible_dataset
from web.views.pages.explore import view_version

VALUES_LIMIT = 50
MAX_PREFIX = 200


@bp.get("/datasets/<name>/values/<column>")
def column_values(name: str, column: str) -> Response:
    return values_view(name, column, None)


@bp.get("/datasets/<name>/versions/<int:number>/values/<column>")
def column_values_pinned(name: str, column: str, number: int) -> Response:
    return values_view(name, column, number)


def values_view(name: str, column: str, number: int | None) -> Response:
    ds = visible_dataset(name)
    version = view_version(name, number)
    schema = version["schema"]
    files = get_catalog().version_files(version)
    prefix = (request.args.get("q") or "")[:MAX_PREFIX]
    filters = row_params.parse_filters(request.args, schema)
    field = rows.schema_fields(schema).get(column) or {}
    values = rows.value_counts(files, schema, column, filters=filters, limit=VALUES_LIMIT, prefix=prefix)
    explore = (f"/datasets/{name}/explore" if number is None
               else f"/datasets/{name}/versions/{number}/explore")
    data = {
        "dataset": {"name": ds["name"], "title": ds["title"]},
        "version": version["number"],
        "column": column,
        "type": field.get("type", "string"),
        "q": prefix,
        "values": [{**v, "url": explore + "?" + urlencode(
            [(column, str(v["value"])) if v["value"] is not None else (f"{column}__blank", "1")])}
            for v in values],
        "range": rows.value_range(files, schema, column, filters=filters)
        if field.get("type") in rows.RANGE_TYPES else None,
    }
    return page("values.html", data, explore_url=explore)
