"""A dataset as schema.org ``Dataset`` JSON-LD, and the catalogue as a ``DataCatalog``: what search engines read.

Why: Google Dataset Search and other crawlers do not harvest DCAT; they read a schema.org ``Dataset`` embedded in
the dataset's own page. Its rules differ from DCAT's in small ways that decide whether a dataset is indexed at
all: the description must be 50 to 5000 characters (a short one is completed with what the catalogue knows, its
publisher and coverage, never with invented text; a long one is cut), every field of the Table Schema is one
``variableMeasured``, and every download format is a ``DataDownload`` with its size when the size is known
without producing the file (the same rule, and the same vocabulary tables, as ``catalog/dcat.py``). The
context is inline (``@vocab``), so the block is also plain JSON-LD that rdflib reads offline. Texts stay plain
strings in Vietnamese (``inLanguage: vi``; crawlers expect a string ``name``); the English title, where there is
one, is an ``alternateName``, and tags' labels in both languages join the slugs in ``keywords``.
"""

from __future__ import annotations

from catalog import dcat_vocab
from catalog.dcat import FORMATS, CatalogInfo, Links, byte_size, temporal_bounds
from catalog.metadata import Catalog
from catalog.spreadsheet import EXCEL_MAX_ROWS
from catalog.writers import MEDIA_TYPES

CONTEXT = {"@vocab": "https://schema.org/"}
MIN_DESCRIPTION, MAX_DESCRIPTION = 50, 5000


def description(dataset: dict) -> str:
    """The description within 50–5000 characters: short ones completed with the dataset's publisher and
    coverage (facts the catalogue holds), long ones cut at a word with an ellipsis."""
    text = " ".join((dataset.get("description") or dataset.get("title") or dataset["name"]).split())
    if len(text) < MIN_DESCRIPTION:
        facts = [f"Bộ dữ liệu do {dataset.get('org_title') or dataset.get('org')} công bố trên Cổng dữ liệu mở "
                 f"Hà Nội"]
        if dataset.get("spatial_coverage"):
            facts.append(f"phạm vi {dataset['spatial_coverage'].strip()}")
        if dataset.get("temporal_coverage"):
            facts.append(f"thời gian {dataset['temporal_coverage'].strip()}")
        text = f"{text.rstrip('.')}. {', '.join(facts)}."
    if len(text) > MAX_DESCRIPTION:
        cut = text[:MAX_DESCRIPTION - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[-200:] else cut) + "…"
    return text


def keywords(dataset: dict) -> list[str]:
    """The tags' slugs, then their Vietnamese and English labels (each once)."""
    labels = dataset.get("tag_labels") or {}
    tags = [str(t) for t in dataset.get("tags") or []]
    found = tags + [label for t in tags for label in (labels.get(t) or {}).values() if label]
    return list(dict.fromkeys(found))


def organization(links: Links, dataset: dict) -> dict:
    return {"@type": "Organization", "name": dataset.get("org_title") or dataset["org"],
            "url": links.organization(dataset["org"])}


def place(dataset: dict) -> dict:
    west, south, east, north = dcat_vocab.HANOI_BBOX
    text = (dataset.get("spatial_coverage") or "").strip()
    return {"@type": "Place", "name": text or dcat_vocab.HANOI_NAMES["vi"], "sameAs": dcat_vocab.HANOI_URI,
            "geo": {"@type": "GeoShape", "box": f"{south} {west} {north} {east}"}}


def variables(schema: dict) -> list[dict]:
    """One ``PropertyValue`` per Table Schema field: its name, what it means, its unit when declared."""
    out = []
    for f in schema.get("fields") or []:
        entry = {"@type": "PropertyValue", "name": f.get("name")}
        meaning = " — ".join(x for x in (f.get("title"), f.get("description")) if x)
        if meaning:
            entry["description"] = meaning
        if f.get("title_en"):
            entry["alternateName"] = str(f["title_en"])
        if f.get("unit"):
            entry["unitText"] = str(f["unit"])
        out.append(entry)
    return out


def downloads(links: Links, version: dict, catalog: Catalog | None) -> list[dict]:
    """A ``DataDownload`` per format of the version: immutable URL, media type, size when known."""
    out = []
    for fmt in FORMATS:
        if fmt == "xlsx" and (version.get("rows") or 0) > EXCEL_MAX_ROWS:
            continue
        entry = {"@type": "DataDownload", "name": dcat_vocab.FILE_TYPES[fmt][2],
                 "contentUrl": links.download(version["dataset"], version["number"], fmt),
                 "encodingFormat": MEDIA_TYPES[fmt].split(";")[0]}
        size = byte_size(catalog, version, fmt)
        if size is not None:
            entry["contentSize"] = f"{size} B"
        out.append(entry)
    return out


def data_catalog(links: Links, info: CatalogInfo | None = None) -> dict:
    info = info or CatalogInfo()
    return {"@context": CONTEXT, "@type": "DataCatalog", "@id": links.catalog, "name": info.title["vi"],
            "alternateName": info.title.get("en"), "description": info.description["vi"], "url": f"{links.base}/",
            "inLanguage": ["vi", "en"], "publisher": {"@type": "Organization", "name": info.publisher["vi"]},
            "license": dcat_vocab.license_uri(info.license)}


def dataset(data: dict, version: dict | None, links: Links, catalog: Catalog | None = None) -> dict:
    """The schema.org ``Dataset`` of a dataset (``data``: its catalogue dict) and its latest ``version``."""
    name = data["name"]
    out = {"@context": CONTEXT, "@type": "Dataset", "@id": links.dataset_node(name),
           "name": data.get("title") or name, "description": description(data), "url": links.dataset(name),
           "identifier": links.dataset(name), "isAccessibleForFree": True,
           "license": dcat_vocab.license_uri(data.get("license")) or data.get("license") or None,
           "creator": organization(links, data), "publisher": organization(links, data),
           "alternateName": data.get("title_en") or None,
           "keywords": keywords(data), "spatialCoverage": place(data),
           "includedInDataCatalog": {"@type": "DataCatalog", "@id": links.catalog,
                                     "name": CatalogInfo().title["vi"], "url": f"{links.base}/"},
           "dateModified": data.get("updated_at"), "datePublished": data.get("created_at"),
           "inLanguage": "vi"}
    if temporal_bounds(data.get("temporal_coverage")) is not None:
        out["temporalCoverage"] = data["temporal_coverage"].strip()
    if version is not None:
        out["version"] = str(version["number"])
        out["variableMeasured"] = variables(version.get("schema") or data.get("schema") or {})
        out["distribution"] = downloads(links, version, catalog)
    return {k: v for k, v in out.items() if v not in (None, "", [])}
