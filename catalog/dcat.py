"""The catalogue as DCAT-AP 3.0.1 RDF: what portals and harvesters read to copy our metadata.

Why: the national portal, data.europa.eu-style harvesters and quality dashboards do not read our JSON; they
harvest DCAT (a ``dcat:Catalog`` of ``dcat:Dataset``s, each with ``dcat:Distribution``s) and score it against
the DCAT-AP profile. This module turns datasets, organisations and versions into one rdflib graph that
conforms to the official DCAT-AP 3.0.1 SHACL shapes (both the shapes and the stricter ranges file): every
URI-valued property (theme, licence, frequency, format, ...) points at a typed, labelled node, because the
ranges shapes check classes and nothing is inferred.

Addresses come from the caller (``Links``, built by the web layer from its configured base URL), so this module
knows nothing about requests. Every distribution is one (version, format) download: immutable URLs, the media
type and EU file type, the byte size when it is known without producing the file (the stored Parquet always;
a derived CSV/JSON/XLSX once it has been made), and the Parquet's sha256. Callers pass only datasets the
viewer may see; the web layer always asks for the anonymous viewer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from catalog import db, dcat_vocab
from catalog.exports import cache_path, variant_name
from catalog.metadata import Catalog
from catalog.spreadsheet import EXCEL_MAX_ROWS

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib's closed DCAT lacks it
ADMS_REGIONAL = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
FORMATS = ("parquet", "csv", "json", "jsonl", "xlsx")  # every version is downloadable in these
# How each serialisation is asked for: URL suffix → (rdflib format, media type).
SERIALIZATIONS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
                  "rdf": ("xml", "application/rdf+xml")}
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_RE = re.compile(r"https?://[^\s<>\"']+")
TEMPORAL_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?$")


@dataclass(frozen=True)
class Links:
    """The absolute addresses the graph uses, from the site's base URL (no trailing slash)."""

    base: str

    @property
    def catalog(self) -> str:
        return f"{self.base}/#catalog"

    def dataset(self, name: str) -> str:
        """The dataset's page (its landing page and identifier)."""
        return f"{self.base}/datasets/{name}"

    def dataset_node(self, name: str) -> str:
        """The dataset itself: a fragment of its page, which answers with this graph for RDF clients."""
        return f"{self.dataset(name)}#dataset"

    def organization(self, name: str) -> str:
        return f"{self.base}/organizations/{name}"

    def download(self, name: str, number: int, fmt: str) -> str:
        return f"{self.base}/datasets/{name}/versions/{number}/data.{fmt}"

    def schema(self, name: str, number: int) -> str:
        return f"{self.base}/datasets/{name}/versions/{number}/schema.json"

    def distribution(self, name: str, number: int, fmt: str) -> str:
        return f"{self.dataset(name)}#v{number}-{fmt}"


@dataclass(frozen=True)
class CatalogInfo:
    """What the catalogue says about itself (``dcat:Catalog``); language-tagged texts by language code."""

    title: dict[str, str] = field(default_factory=lambda: {"vi": "Dữ liệu mở Hà Nội", "en": "Hanoi Open Data"})
    description: dict[str, str] = field(default_factory=lambda: {
        "vi": "Cổng dữ liệu mở của Thành phố Hà Nội: dữ liệu do các sở, ngành công bố, tải về tự do.",
        "en": "The open-data portal of Hanoi: data published by the city's departments, free to download."})
    publisher: dict[str, str] = field(default_factory=lambda: {
        "vi": "Ủy ban nhân dân Thành phố Hà Nội", "en": "Hanoi People's Committee"})
    license: str = "CC-BY-4.0"


@dataclass(frozen=True)
class Paging:
    """One page of a paged catalogue (Hydra): its number, the total, and the URL of any page number."""

    number: int
    per_page: int
    total: int
    url: Callable[[int], str]

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


# -- small builders ----------------------------------------------------------------------------------------------
def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("spdx", SPDX),
                       ("hydra", HYDRA), ("skos", SKOS), ("locn", LOCN), ("gsp", GSP)):
        g.bind(prefix, ns)
    return g


def stamp(value: str | None) -> Literal | None:
    """A stored ISO timestamp as an ``xsd:dateTime`` literal (None when absent or unreadable)."""
    try:
        return Literal(datetime.fromisoformat(str(value)), datatype=XSD.dateTime) if value else None
    except ValueError:
        return None


def temporal_literal(text: str) -> Literal | None:
    """``2018`` → gYear, ``2018-09`` → gYearMonth, ``2018-09-30`` → date, a date-time → dateTime."""
    text = text.strip()
    if not TEMPORAL_RE.match(text):
        return None
    try:
        if len(text) == 4:
            return Literal(text, datatype=XSD.gYear)
        if len(text) == 7:
            return Literal(text, datatype=XSD.gYearMonth) if 1 <= int(text[5:]) <= 12 else None
        if len(text) == 10:
            return Literal(date.fromisoformat(text), datatype=XSD.date)
        return Literal(datetime.fromisoformat(text.replace(" ", "T")), datatype=XSD.dateTime)
    except ValueError:
        return None


def temporal_bounds(coverage: str | None) -> tuple[Literal, Literal] | None:
    """The start and end of a temporal coverage (``2017-01-01/2018-12-31``, ``2017/2018``, ``2018``)."""
    parts = (coverage or "").split("/")
    if not coverage or len(parts) > 2:
        return None
    start, end = temporal_literal(parts[0]), temporal_literal(parts[-1])
    return (start, end) if start is not None and end is not None else None


def texts(g: Graph, node: URIRef | BNode, prop: URIRef, values: dict[str, str]) -> None:
    for lang, value in values.items():
        if value and value.strip():
            g.add((node, prop, Literal(value.strip(), lang=lang)))


def concept(g: Graph, uri: str, cls: URIRef, labels: dict[str, str], scheme: str | None = None) -> URIRef:
    """A typed, labelled vocabulary term (the ranges shapes check the class; skos:Concept needs a label)."""
    node = URIRef(uri)
    g.add((node, RDF.type, cls))
    if cls == SKOS.Concept:
        texts(g, node, SKOS.prefLabel, labels)
        if scheme:
            g.add((node, SKOS.inScheme, URIRef(scheme)))
    else:
        texts(g, node, RDFS.label, labels)
    return node


def hanoi(g: Graph) -> URIRef:
    node = concept(g, dcat_vocab.HANOI_URI, DCTERMS.Location, {})
    texts(g, node, SKOS.prefLabel, dcat_vocab.HANOI_NAMES)
    west, south, east, north = dcat_vocab.HANOI_BBOX
    wkt = f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))"
    g.add((node, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))
    return node


def agent(g: Graph, uri: str, names: dict[str, str]) -> URIRef:
    node = URIRef(uri)
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, RDF.type, FOAF.Organization))
    texts(g, node, FOAF.name, names)
    g.add((node, DCTERMS.type, concept(g, str(ADMS_REGIONAL), SKOS.Concept, {"en": "Regional authority"},
                                       "http://purl.org/adms/publishertype/1.0")))
    return node


def license_node(g: Graph, license_id: str | None) -> URIRef | None:
    uri = dcat_vocab.license_uri(license_id)
    return concept(g, uri, DCTERMS.LicenseDocument, {"en": str(license_id)}) if uri else None


# -- datasets --------------------------------------------------------------------------------------------------
def contact_point(g: Graph, links: Links, dataset: dict) -> BNode:
    """A vCard for the dataset's contact text (its email and web address when it names them), else its
    organisation with the organisation's page."""
    node = BNode()
    g.add((node, RDF.type, VCARD.Kind))
    text = (dataset.get("contact") or "").strip()
    g.add((node, VCARD.fn, Literal(text or dataset.get("org_title") or dataset.get("org") or "")))
    email = EMAIL_RE.search(text)
    if email:
        g.add((node, VCARD.hasEmail, URIRef(f"mailto:{email.group(0)}")))
    url = URL_RE.search(text)
    g.add((node, VCARD.hasURL, URIRef(url.group(0) if url else links.organization(dataset["org"]))))
    return node


def temporal(g: Graph, coverage: str | None) -> BNode | None:
    bounds = temporal_bounds(coverage)
    if bounds is None:
        return None
    node = BNode()
    g.add((node, RDF.type, DCTERMS.PeriodOfTime))
    g.add((node, DCAT.startDate, bounds[0]))
    g.add((node, DCAT.endDate, bounds[1]))
    return node


def add_dataset(g: Graph, links: Links, dataset: dict, versions: list[dict], catalog: Catalog | None = None) -> URIRef:
    """One ``dcat:Dataset`` with its publisher, contact, coverage, licence and a distribution per download."""
    name = dataset["name"]
    node = URIRef(links.dataset_node(name))
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.identifier, Literal(links.dataset(name))))
    # the Vietnamese @vi, and the English @en where the publisher gave it
    texts(g, node, DCTERMS.title, {"vi": dataset.get("title") or name, "en": dataset.get("title_en") or ""})
    texts(g, node, DCTERMS.description, {"vi": dataset.get("description") or dataset.get("title") or name,
                                         "en": dataset.get("description_en") or ""})
    g.add((node, DCAT.landingPage, concept(g, links.dataset(name), FOAF.Document, {})))
    g.add((node, DCTERMS.publisher, agent(g, links.organization(dataset["org"]),
                                          {"vi": dataset.get("org_title") or dataset["org"],
                                           "en": dataset.get("org_title_en") or ""})))
    g.add((node, DCAT.contactPoint, contact_point(g, links, dataset)))
    labels = dataset.get("tag_labels") or {}
    for tag in dataset.get("tags") or []:  # the slug, and its labels in each language
        g.add((node, DCAT.keyword, Literal(str(tag), lang="vi")))
        texts(g, node, DCAT.keyword, {"vi": (labels.get(tag) or {}).get("title") or "",
                                      "en": (labels.get(tag) or {}).get("title_en") or ""})
    for code in dcat_vocab.themes_for(dataset):
        vi, en = dcat_vocab.THEMES[code]
        g.add((node, DCAT.theme, concept(g, f"{dcat_vocab.THEME_SCHEME}/{code}", SKOS.Concept,
                                         {"vi": vi, "en": en}, dcat_vocab.THEME_SCHEME)))
    g.add((node, DCTERMS.spatial, hanoi(g)))
    if not dcat_vocab.is_hanoi(dataset.get("spatial_coverage")):
        place = BNode()
        g.add((place, RDF.type, DCTERMS.Location))
        g.add((place, SKOS.prefLabel, Literal(dataset["spatial_coverage"].strip(), lang="vi")))
        g.add((node, DCTERMS.spatial, place))
    period = temporal(g, dataset.get("temporal_coverage"))
    if period is not None:
        g.add((node, DCTERMS.temporal, period))
    for prop, value in ((DCTERMS.issued, dataset.get("created_at")), (DCTERMS.modified, dataset.get("updated_at"))):
        if stamp(value) is not None:
            g.add((node, prop, stamp(value)))
    frequency = dcat_vocab.frequency_uri(dataset.get("frequency"))
    if frequency:
        g.add((node, DCTERMS.accrualPeriodicity, concept(g, frequency, DCTERMS.Frequency,
                                                         {"en": dataset["frequency"]})))
    g.add((node, DCTERMS.accessRights, concept(g, dcat_vocab.ACCESS_PUBLIC, DCTERMS.RightsStatement,
                                               {"en": "public"})))
    if dataset.get("latest_version"):
        g.add((node, DCAT_VERSION, Literal(str(dataset["latest_version"]))))
    licence = license_node(g, dataset.get("license"))
    for version in versions:
        for fmt in FORMATS:
            if fmt == "xlsx" and (version.get("rows") or 0) > EXCEL_MAX_ROWS:
                continue
            g.add((node, DCAT.distribution, add_distribution(g, links, name, version, fmt, licence, catalog)))
    return node


def byte_size(catalog: Catalog | None, version: dict, fmt: str) -> int | None:
    """The download's size when known without making it: the stored Parquet, or a derived file already made."""
    if fmt == "parquet" and version.get("path"):
        return int(version["bytes"])
    if catalog is None:
        return None
    try:
        return cache_path(catalog, version, variant_name(fmt)).stat().st_size
    except FileNotFoundError:  # not made yet, or evicted (catalog/exports.py)
        return None


def add_distribution(g: Graph, links: Links, name: str, version: dict, fmt: str, licence: URIRef | None,
                     catalog: Catalog | None) -> URIRef:
    number = version["number"]
    node = URIRef(links.distribution(name, number, fmt))
    url = URIRef(links.download(name, number, fmt))
    label = dcat_vocab.FILE_TYPES[fmt][2]
    g.add((node, RDF.type, DCAT.Distribution))
    texts(g, node, DCTERMS.title, {"vi": f"Phiên bản {number} · {label}", "en": f"Version {number} · {label}"})
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    if stamp(version.get("published_at")) is not None:
        g.add((node, DCTERMS.issued, stamp(version["published_at"])))
    media, file_type = dcat_vocab.media_type_uri(fmt), dcat_vocab.file_type_uri(fmt)
    if media:
        g.add((node, DCAT.mediaType, concept(g, media, DCTERMS.MediaType, {})))
    if file_type:
        g.add((node, DCTERMS.format, concept(g, file_type, DCTERMS.MediaTypeOrExtent, {"en": label})))
    size = byte_size(catalog, version, fmt)
    if size is not None:
        g.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    if fmt == "parquet" and version.get("path") and version.get("sha256"):
        checksum = BNode()
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, concept(g, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm, {})))
        g.add((checksum, SPDX.checksumValue, Literal(version["sha256"], datatype=XSD.hexBinary)))
        g.add((node, SPDX.checksum, checksum))
    g.add((node, DCTERMS.conformsTo, concept(g, links.schema(name, number), DCTERMS.Standard,
                                             {"en": "Table Schema"})))
    if licence is not None:
        g.add((node, DCTERMS.license, licence))
    g.add((node, DCTERMS.rights, rights(g, links)))
    return node


def rights(g: Graph, links: Links) -> URIRef:
    """Decree 47/2020/ND-CP (Art. 17–18): whoever reuses open data cites its source."""
    return concept(g, f"{links.base}/#rights", DCTERMS.RightsStatement, {
        "vi": "Dữ liệu mở: được sử dụng tự do theo giấy phép, ghi rõ nguồn (Nghị định 47/2020/NĐ-CP).",
        "en": "Open data: free to reuse under its licence, citing the source (Decree 47/2020/ND-CP)."})


# -- the catalogue -----------------------------------------------------------------------------------------------
def versions_of(catalog: Catalog, datasets: Iterable[dict]) -> dict[str, list[dict]]:
    """The versions of the given datasets, newest first, by dataset id: one query for a whole page."""
    by_id = {d["id"]: d["name"] for d in datasets}
    found: dict[str, list[dict]] = {key: [] for key in by_id}
    if not by_id:
        return found
    v = db.versions
    query = (sa.select(v.c.dataset_id, v.c.number, v.c.path, v.c.sha256, v.c.rows, v.c.bytes, v.c.published_at)
             .where(v.c.dataset_id.in_(list(by_id))).order_by(v.c.dataset_id, v.c.number.desc()))
    with catalog.reader.connect() as conn:
        for row in conn.execute(query):
            version = dict(row._mapping)
            version["dataset"] = by_id[version.pop("dataset_id")]
            found[row.dataset_id].append(version)
    return found


def add_catalog(g: Graph, links: Links, info: CatalogInfo, modified: str | None) -> URIRef:
    node = URIRef(links.catalog)
    g.add((node, RDF.type, DCAT.Catalog))
    texts(g, node, DCTERMS.title, info.title)
    texts(g, node, DCTERMS.description, info.description)
    g.add((node, DCTERMS.publisher, agent(g, f"{links.base}/#publisher", info.publisher)))
    g.add((node, FOAF.homepage, concept(g, f"{links.base}/", FOAF.Document, {})))
    for lang, uri in dcat_vocab.LANGUAGES.items():
        g.add((node, DCTERMS.language, concept(g, uri, DCTERMS.LinguisticSystem, {"en": lang})))
    licence = license_node(g, info.license)
    if licence is not None:
        g.add((node, DCTERMS.license, licence))
    scheme = URIRef(dcat_vocab.THEME_SCHEME)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((node, DCAT.themeTaxonomy, scheme))
    g.add((node, DCTERMS.spatial, hanoi(g)))
    if stamp(modified) is not None:
        g.add((node, DCTERMS.modified, stamp(modified)))
    return node


def add_paging(g: Graph, catalog_node: URIRef, paging: Paging) -> None:
    """Hydra paging: the catalogue's total, and this page's view with first, previous, next and last."""
    view = URIRef(paging.url(paging.number))
    total = Literal(paging.total, datatype=XSD.integer)
    g.add((catalog_node, HYDRA.totalItems, total))
    g.add((catalog_node, HYDRA.view, view))
    g.add((view, RDF.type, HYDRA.PartialCollectionView))
    g.add((view, HYDRA.totalItems, total))
    g.add((view, HYDRA.itemsPerPage, Literal(paging.per_page, datatype=XSD.integer)))
    g.add((view, HYDRA.first, URIRef(paging.url(1))))
    g.add((view, HYDRA.last, URIRef(paging.url(paging.last))))
    if paging.number > 1:
        g.add((view, HYDRA.previous, URIRef(paging.url(min(paging.number - 1, paging.last)))))
    if paging.number < paging.last:
        g.add((view, HYDRA.next, URIRef(paging.url(paging.number + 1))))


def catalog_graph(catalog: Catalog, links: Links, datasets: list[dict], *, info: CatalogInfo | None = None,
                  paging: Paging | None = None, modified: str | None = None) -> Graph:
    """The catalogue with ``datasets`` (one page of them) and, when paged, its Hydra view."""
    g = new_graph()
    node = add_catalog(g, links, info or CatalogInfo(), modified)
    versions = versions_of(catalog, datasets)
    for dataset in datasets:
        g.add((node, DCAT.dataset, add_dataset(g, links, dataset, versions[dataset["id"]], catalog)))
    if paging is not None:
        add_paging(g, node, paging)
    return g


def dataset_graph(catalog: Catalog, links: Links, dataset: dict) -> Graph:
    g = new_graph()
    add_dataset(g, links, dataset, versions_of(catalog, [dataset])[dataset["id"]], catalog)
    return g


def serialize(graph: Graph, suffix: str) -> bytes:
    """The graph as Turtle (``ttl``), JSON-LD (``jsonld``) or RDF/XML (``rdf``), UTF-8."""
    fmt = SERIALIZATIONS[suffix][0]
    body = graph.serialize(format=fmt, encoding="utf-8")
    return body if isinstance(body, bytes) else body.encode("utf-8")
