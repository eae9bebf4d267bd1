"""DCAT-AP 3.0.1 over HTTP: the demo catalogue conforms to the official SHACL shapes, page by page, in three
serialisations, with content negotiation, and without private datasets.

One module-wide catalogue: the real demo (built through the publish pipeline, small air series) plus 105
metadata-only datasets, so that the catalogue has two Hydra pages, and one private dataset that must never show.
A real ``opendata serve`` answers every request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SH

from catalog import db
from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.demo.build import build_demo

pytestmark = pytest.mark.slow

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open namespaces: pytest's collection probes module attributes
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EXTRA = 105
RDF_FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
               "rdf": ("application/rdf+xml", "xml")}


@dataclass
class Site:
    url: str
    catalog: Catalog
    changed_since: str  # a moment after every dataset but one was last changed
    changed: str  # that one dataset


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("dcat") / "home"
    catalog = Catalog(home)
    build_demo(catalog, air_rows=500)
    for i in range(EXTRA):
        extras = {"title_en": f"Test dataset {i}", "description_en": "Metadata only."} if i == 0 else {}
        catalog.create_dataset(f"extra-{i:03d}", "so-tnmt", title=f"Bộ dữ liệu thử {i}", tags=["giao-thong"],
                               description="Chỉ có siêu dữ liệu.", frequency="weekly", extras=extras)
    catalog.create_dataset("bi-mat", "so-yte", title="Dữ liệu nội bộ", description="Riêng tư.", private=True)
    time.sleep(0.01)
    changed_since = db.utcnow()
    time.sleep(0.01)
    catalog.update_dataset("extra-007", description="Đã sửa mô tả.")
    server = ServerProcess(home)
    yield Site(server.url, catalog, changed_since, "extra-007")
    server.stop()
    catalog.dispose()


@pytest.fixture(scope="module")
def shapes(shared: Path) -> dict[str, Graph]:
    """The official shapes; "both" is the SHACL file with the ranges file over it. The ranges file names five
    property shapes that neither file defines (no path, no constraint); pySHACL refuses such references, so
    they are dropped (they constrain nothing)."""
    folder = shared / "standards" / "dcat-ap-3.0.1"
    alone = Graph().parse(folder / "dcat-ap-3.0.1-SHACL.ttl")
    both = Graph().parse(folder / "dcat-ap-3.0.1-SHACL.ttl").parse(folder / "dcat-ap-3.0.1-ranges.ttl")
    dangling = [(s, o) for s, o in both.subject_objects(SH.property) if (o, None, None) not in both]
    assert len(dangling) == 5
    for s, o in dangling:
        both.remove((s, SH.property, o))
    return {"shapes": alone, "both": both}


def get(site: Site, path: str, **headers: str) -> requests.Response:
    return requests.get(site.url + path, headers=headers, timeout=60)


def graph_of(response: requests.Response, fmt: str = "ttl") -> Graph:
    assert response.status_code == 200, response.text[:500]
    return Graph().parse(data=response.content, format=RDF_FORMATS[fmt][1])


def all_pages(site: Site, path: str = "/catalog.ttl") -> tuple[Graph, list[Graph]]:
    """Follow hydra:next from the first page; the merged graph and each page's graph."""
    merged, pages, url = Graph(), [], site.url + path
    while url:
        page = graph_of(requests.get(url, timeout=60))
        pages.append(page)
        merged += page
        view = next(page.subjects(RDF.type, HYDRA.PartialCollectionView))
        url = str(page.value(view, HYDRA.next) or "")
        assert len(pages) < 10, "paging does not end"
    return merged, pages


def datasets_in(graph: Graph) -> set[str]:
    return {str(d).split("/datasets/")[1].split("#")[0] for d in graph.subjects(RDF.type, DCAT.Dataset)}


def conforms(graph: Graph, shapes_graph: Graph) -> tuple[bool, str]:
    ok, _report, text = validate(graph, shacl_graph=shapes_graph, inference="none")
    return ok, text


def violations(graph: Graph, shapes_graph: Graph) -> set[tuple[str, str]]:
    """(constraint component, property path) of each violation pySHACL reports."""
    _ok, report, _text = validate(graph, shacl_graph=shapes_graph, inference="none")
    return {(str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1], str(report.value(r, SH.resultPath)))
            for r in report.subjects(RDF.type, SH.ValidationResult)}


# -- conformance -------------------------------------------------------------------------------------------------
def test_the_whole_demo_catalogue_conforms_to_both_official_dcat_ap_shape_files(site, shapes):
    merged, _ = all_pages(site)
    for name, shapes_graph in shapes.items():
        ok, text = conforms(merged, shapes_graph)
        assert ok, f"{name}: {text[:3000]}"


def test_a_dataset_without_a_title_or_with_a_wrong_datatype_does_not_conform(site, shapes):
    base = graph_of(get(site, "/datasets/air-quality.ttl"))
    untitled = Graph() + base
    node = next(untitled.subjects(RDF.type, DCAT.Dataset))
    untitled.remove((node, DCTERMS.title, None))
    assert violations(untitled, shapes["both"]) == {("MinCountConstraintComponent", str(DCTERMS.title))}
    mistyped = Graph() + base
    distribution, size = next(mistyped.subject_objects(DCAT.byteSize))
    mistyped.remove((distribution, DCAT.byteSize, size))
    mistyped.add((distribution, DCAT.byteSize, Literal("about 8 kB")))
    assert violations(mistyped, shapes["both"]) == {("DatatypeConstraintComponent", str(DCAT.byteSize))}


# -- serialisations and paging ---------------------------------------------------------------------------------
def test_turtle_json_ld_and_rdf_xml_parse_to_the_same_graph(site):
    for path in ("/datasets/water-quality", "/datasets/extra-000"):
        graphs = [graph_of(get(site, f"{path}.{fmt}"), fmt) for fmt in RDF_FORMATS]
        assert len(graphs[0]) > 20
        assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])
    pages = []
    for fmt in RDF_FORMATS:
        response = get(site, f"/catalog.{fmt}")
        assert response.headers["Content-Type"].startswith(RDF_FORMATS[fmt][0])
        page = graph_of(response, fmt)
        view = next(page.subjects(RDF.type, HYDRA.PartialCollectionView))
        assert str(view).endswith(f"/catalog.{fmt}")  # the view's URLs name the format; all else is equal
        page.remove((view, None, None))
        page.remove((None, HYDRA.view, None))
        pages.append(page)
    assert isomorphic(pages[0], pages[1]) and isomorphic(pages[0], pages[2])


def test_the_catalogue_is_paged_with_hydra_100_datasets_a_page_and_never_shows_private_datasets(site):
    merged, pages = all_pages(site)
    public = {d["name"] for d in site.catalog.list_datasets(include_private=False)}
    assert len(public) == EXTRA + 15 and "bi-mat" not in public  # the demo: 13 datasets + 2 administrative lists
    assert [len(datasets_in(p)) for p in pages] == [100, len(public) - 100]
    assert datasets_in(merged) == public
    first_view = next(pages[0].subjects(RDF.type, HYDRA.PartialCollectionView))
    assert pages[0].value(first_view, HYDRA.totalItems) == Literal(len(public), datatype=XSD.integer)
    assert str(pages[0].value(first_view, HYDRA.last)).endswith("/catalog.ttl?page=2")
    assert str(pages[0].value(first_view, HYDRA.first)).endswith("/catalog.ttl")
    last_view = next(pages[1].subjects(RDF.type, HYDRA.PartialCollectionView))
    assert pages[1].value(last_view, HYDRA.next) is None
    assert str(pages[1].value(last_view, HYDRA.previous)).endswith("/catalog.ttl")
    assert get(site, "/datasets/bi-mat.ttl").status_code == 404
    assert "bi-mat" not in datasets_in(graph_of(get(site, "/organizations/so-yte/catalog.ttl")))


def test_modified_since_and_q_select_datasets_and_keep_their_parameters_in_the_paging_links(site):
    since = graph_of(get(site, f"/catalog.ttl?modified_since={site.changed_since}"))
    assert datasets_in(since) == {site.changed}
    assert datasets_in(graph_of(get(site, "/catalog.ttl?modified_since=2999-01-01"))) == set()
    assert len(datasets_in(graph_of(get(site, "/catalog.ttl?modified_since=2000-01-01")))) == 100
    found = graph_of(get(site, "/catalog.ttl?q=không khí"))
    assert "air-quality" in datasets_in(found) and not any(n.startswith("extra-") for n in datasets_in(found))
    view = next(found.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert "q=" in str(view)
    org = datasets_in(graph_of(get(site, "/organizations/so-tnmt/catalog.ttl?q=lượng mưa")))
    tnmt = {d["name"] for d in site.catalog.list_datasets("so-tnmt", include_private=False)}
    assert "rainfall" in org and org <= tnmt and not any(n.startswith("extra-") for n in org)


def test_bad_paging_and_dates_are_clear_json_errors(site):
    for query, status, word in (("modified_since=yesterday", 400, "modified_since"), ("page=0", 400, "page"),
                                ("page=abc", 400, "page"), ("page=9", 404, "page")):
        response = get(site, f"/catalog.ttl?{query}", Accept="text/turtle")
        assert response.status_code == status
        assert word in response.json()["error"]["message"]
    assert get(site, "/organizations/khong-co/catalog.ttl").status_code == 404


# -- what each dataset says ------------------------------------------------------------------------------------
def test_a_dataset_carries_the_recommended_dcat_ap_properties_with_vocabulary_uris(site):
    g = graph_of(get(site, "/datasets/water-quality.ttl"))
    node = URIRef(f"{site.url}/datasets/water-quality#dataset")
    eu = "http://publications.europa.eu/resource/authority/"
    assert g.value(node, DCTERMS.identifier) == Literal(f"{site.url}/datasets/water-quality")
    assert any(t.language == "vi" for t in g.objects(node, DCTERMS.title))
    assert URIRef(eu + "data-theme/ENVI") in set(g.objects(node, DCAT.theme))
    assert g.value(node, DCTERMS.accrualPeriodicity) == URIRef(eu + "frequency/MONTHLY")
    assert g.value(node, DCTERMS.accessRights) == URIRef(eu + "access-right/PUBLIC")
    assert URIRef("https://sws.geonames.org/1581129/") in set(g.objects(node, DCTERMS.spatial))
    period = g.value(node, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2017-01-01", datatype=XSD.date)
    assert g.value(period, DCAT.endDate) == Literal("2018-12-31", datatype=XSD.date)
    assert g.value(node, DCTERMS.modified).datatype == XSD.dateTime
    assert {str(k) for k in g.objects(node, DCAT.keyword)} >= {"moi-truong", "nuoc"}
    assert g.value(g.value(node, DCTERMS.publisher), URIRef("http://xmlns.com/foaf/0.1/name")) is not None
    assert g.value(g.value(node, DCAT.contactPoint), URIRef("http://www.w3.org/2006/vcard/ns#fn")) is not None
    english = graph_of(get(site, "/datasets/extra-000.ttl"))
    titles = {(str(t), t.language) for t in english.objects(None, DCTERMS.title)}
    assert ("Test dataset 0", "en") in titles and ("Bộ dữ liệu thử 0", "vi") in titles


def test_each_version_file_is_a_distribution_whose_size_and_checksum_match_the_download(site):
    g = graph_of(get(site, "/datasets/air-quality.ttl"))
    versions = site.catalog.list_versions("air-quality")
    distributions = set(g.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == 5 * len(versions)  # parquet, csv, json, jsonl, xlsx of every version
    parquet = URIRef(f"{site.url}/datasets/air-quality#v1-parquet")
    url = g.value(parquet, DCAT.downloadURL)
    assert g.value(parquet, DCAT.accessURL) == url and str(url).endswith("/versions/1/data.parquet")
    body = requests.get(str(url), timeout=60).content
    assert int(g.value(parquet, DCAT.byteSize)) == len(body)
    checksum = g.value(parquet, SPDX.checksum)
    assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
    assert g.value(parquet, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/PARQUET")
    assert str(g.value(parquet, DCAT.mediaType)).endswith("/application/vnd.apache.parquet")
    assert g.value(parquet, DCTERMS.license) == URIRef("http://creativecommons.org/licenses/by/4.0/")
    schema_url = str(g.value(parquet, DCTERMS.conformsTo))
    schema = requests.get(schema_url, timeout=30)
    assert schema.status_code == 200
    assert schema.json() == site.catalog.get_version("air-quality", 1)["schema"]
    csv = URIRef(f"{site.url}/datasets/air-quality#v1-csv")
    assert g.value(csv, DCAT.byteSize) is None  # not made yet: no size is claimed
    made = requests.get(str(g.value(csv, DCAT.downloadURL)), timeout=60).content
    again = graph_of(get(site, "/datasets/air-quality.ttl"))
    assert int(again.value(csv, DCAT.byteSize)) == len(made)


# -- content negotiation and page heads -------------------------------------------------------------------------
def test_home_and_dataset_pages_negotiate_rdf_by_accept_and_say_vary_accept(site):
    for path in ("/", "/datasets/rainfall"):
        for fmt, (media, _parser) in RDF_FORMATS.items():
            response = get(site, path, Accept=media)
            assert response.headers["Content-Type"].startswith(media)
            assert "Accept" in response.headers["Vary"]
            assert len(graph_of(response, fmt)) > 10
        browser = get(site, path, Accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        assert browser.headers["Content-Type"].startswith("text/html") and "Accept" in browser.headers["Vary"]
        assert get(site, path).headers["Content-Type"].startswith("text/html")
        assert get(site, f"{path}?format=json", Accept="text/turtle").headers["Content-Type"].startswith(
            "application/json")
    assert get(site, "/datasets/bi-mat", Accept="text/turtle").status_code == 404


def test_page_heads_link_to_the_rdf_forms(site):
    for path, target in (("/", "/catalog"), ("/datasets/rainfall", "/datasets/rainfall"),
                         ("/organizations/so-tnmt", "/organizations/so-tnmt/catalog")):
        html = get(site, path).text
        for suffix, (media, _parser) in RDF_FORMATS.items():
            assert f'<link rel="alternate" type="{media}" href="{target}.{suffix}">' in html
