"""Full-text search over the catalogue's datasets, with facets.

The contract (the HTML pages and ``GET /api/v1/datasets`` both call it; keep it stable)::

    search(catalog, q="", filters=None, limit=20, offset=0, sort=None, *, viewer=ANONYMOUS) -> {
        "count": int,                  # datasets matching q and every filter
        "results": [dataset, ...],     # Catalog dataset dicts (a copy), plus "formats" (list) and "score" (float)
        "facets": {                    # counts over the filtered result set, most frequent first
            "organization" | "tag" | "format" | "license" | "frequency" | "area":
                [{"value": str, "label": str, "count": int (, "at_least": True)}, ...],
        },
        "partial": bool, "matched_words": [str, ...], "unmatched_words": [str, ...],
    }

- ``q``: free text matched against title, name, description, tags, organisation, coverage, source, and the
  columns' names, titles, descriptions and allowed (enum) values. Every word must match (AND). Matching is
  accent-insensitive and tone-aware: ``dong da`` and ``Đống Đa`` both find "Đống Đa" (``đ`` folds to ``d``), and
  a word that matches with its exact tones weighs twice a folded match, so "Đống Đa" ranks above "Đông Đa" for
  the query ``Đống Đa``. Fields weigh title > name, tags > organisation > columns > description, coverage, values.
  English titles and descriptions (and tags' and organisations' English labels) match too, weighted below the
  Vietnamese they translate (the English title weighs half the Vietnamese title).
  The words found together, in order, rank first (``không khí`` before "không phải ... khí"). The query's last
  word (the one being typed), of 3+ letters, also matches the beginning of a longer word (``truon`` finds
  "trường học"), with a lower score; other words match whole words only.
  Also searched: the distinct values of a dataset's low-cardinality text columns (``catalog/search/values.py``),
  and synonyms from the staff's data file (``catalog/search/synonyms.yaml``: ``tầm soát`` finds "sàng lọc").
  Descriptions' boilerplate sentences (listed in that file) are not indexed.
  When no dataset has every word, the answer holds the nearest ones: ``partial`` is true, ``matched_words`` and
  ``unmatched_words`` say which words were found.
- Broad queries (more than ``answer.WINDOW`` matches) rank and count facets over their newest ``WINDOW`` matches;
  such facet counts are lower bounds (``"at_least": true``). ``count`` is always exact.
- ``filters``: ``{facet: [value, ...]}`` with the facet names above (aliases: ``org``/``organisation``,
  ``tags``, ``formats``/``res_format``, ``license_id``). Facets combine with AND, and so do several values of
  one facet (tags: datasets with all of them), so a facet count is exactly what clicking it would return.
  Format values are case-insensitive (``csv`` = ``CSV``).
- ``sort``: ``relevance`` (default with ``q``), ``updated`` (default without; newest first), ``title``,
  ``name``, ``created`` (newest first), ``quality`` (best first: ``catalog/quality``, computed over every match).
- ``limit`` 0..1000, ``offset`` ≥ 0; bad values raise ``InvalidInput``.
- ``viewer``: results, counts and facets cover only the datasets ``catalog.visibility.visible`` lets this
  viewer see (anonymous by default: public datasets only). ``include_private=True`` is the operator's view.

How: the index lives in the metadata database (SQLite FTS5, or PostgreSQL full-text search) and is updated by the
write that changes a dataset, in the same transaction (``index.py``); a search is a few SQL queries
(``query.py``); the words of a document are chosen in ``documents.py``. No process holds the index in memory,
and no write rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from catalog.search.documents import FACETS, TABULAR_FORMATS, formats_of, words
from catalog.search.query import FACET_ALIASES, MAX_LIMIT, SORTS, match_scores, normalize_filters, search
from catalog.text import fold

if TYPE_CHECKING:
    from catalog.metadata import Catalog

__all__ = ["FACETS", "FACET_ALIASES", "MAX_LIMIT", "SORTS", "TABULAR_FORMATS", "Snapshot", "fold", "formats_of",
           "get_index", "invalidate", "match_scores", "normalize_filters", "search", "words"]


@dataclass
class Snapshot:
    """The active datasets (private ones too), newest first, and free-text scores by position in that list:
    what CKAN's ``package_search`` evaluates its Solr filters against."""

    catalog: Catalog
    datasets: list[dict] = field(default_factory=list)

    def score(self, q: str) -> dict[int, float]:
        """{position in ``datasets``: score} of the datasets matching every word of ``q``."""
        scores = match_scores(self.catalog, q)
        return {i: scores[d["id"]] for i, d in enumerate(self.datasets) if d["id"] in scores}


def get_index(catalog: Catalog) -> Snapshot:
    """The catalogue's active datasets as of now (read per call: nothing is cached per process)."""
    return Snapshot(catalog, catalog.list_datasets(include_private=True))


def invalidate(catalog: Catalog | None = None) -> None:
    """Nothing to drop: the index lives in the database (kept for callers of the former in-memory index)."""
