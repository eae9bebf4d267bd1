"""CKAN ``package_search`` without free text reads only what it answers: the index narrows the datasets (required
``fq`` terms) or answers alone (COUNT, LIMIT/OFFSET), and every answer is the one the former whole-catalogue
evaluation gives, compared on a catalogue of a few hundred datasets for several viewers."""

from __future__ import annotations

import pytest

from catalog.metadata import Catalog
from catalog.visibility import ANONYMOUS, Viewer, visible
from web.ckan.search import search

ORGS = ("so-a", "so-b", "so-c")
TAGS = ("giao-thong", "moi-truong", "y-te", "Môi trường", "Dân số")
DATASETS = 300


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("ckan-scale") / "home")
    cat.init()
    for org in ORGS:
        cat.add_org(org, f"Sở {org}")
    for i in range(DATASETS):
        tags = [TAGS[i % len(TAGS)], TAGS[(i * 7) % len(TAGS)]]
        cat.create_dataset(f"ds-{i:04d}", ORGS[i % 3], title=f"Bộ dữ liệu {(i * 37) % DATASETS}",
                           description="mô tả", tags=sorted(set(tags)), private=i % 11 == 0)
    yield cat
    cat.dispose()


VIEWERS = {"anonymous": ANONYMOUS, "member of so-b": Viewer(name="u", orgs=frozenset({"so-b"})),
           "site admin": Viewer(name="admin", sysadmin=True)}
QUERIES = [
    {}, {"rows": 1000}, {"start": 37, "rows": 20}, {"start": 5000}, {"sort": "name desc", "rows": 15},
    {"sort": "metadata_created asc", "rows": 50}, {"sort": "metadata_modified asc, name desc", "rows": 40},
    {"sort": "id asc", "rows": 30}, {"sort": "title asc", "rows": 25}, {"q": "*:*", "rows": 12},
    {"fq": "organization:so-a", "rows": 200}, {"fq": "organization:SO-A"}, {"fq": "owner_org:{so-b}", "rows": 90},
    {"fq": "tags:giao-thong AND organization:so-b", "rows": 100, "sort": "name asc"},
    {"fq": 'tags:"Môi trường"', "rows": 100}, {"fq": "tags:moi*", "rows": 100}, {"fq": "-organization:so-a"},
    {"fq": "organization:so-a OR organization:so-c", "start": 10}, {"q": "organization:so-b", "fq": "tags:y-te"},
    {"fq": "organization:so-a", "facet.field": '["tags", "organization"]', "rows": 3},
    {"fq": "name:ds-0042"}, {"fq": "id:{ds-0121}"}, {"fq": "name:DS-0044 AND tags:y-te"},
    {"fq": "organization:so-c", "fq_list": ["tags:dân-số", "tags:moi-truong"]},
    {"fq": "organization:nobody"}, {"facet.field": '["organization"]', "facet.limit": 2},
]


def resolved(catalogue, query: dict) -> dict:
    """``{so-b}``: that organisation's id; ``{ds-0121}``: that dataset's id."""
    def fill(text: str) -> str:
        if "{" not in text:
            return text
        name = text[text.index("{") + 1:text.index("}")]
        ident = catalogue.find_org(name)["id"] if name.startswith("so-") else catalogue.find_dataset(name)["id"]
        return text.replace("{" + name + "}", ident)
    return {k: fill(v) if isinstance(v, str) else v for k, v in query.items()}


def shown(answer: dict) -> dict:
    return {**answer, "datasets": [d["name"] for d in answer["datasets"]]}


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
def test_a_search_through_the_index_answers_exactly_as_the_whole_catalogue_evaluation(catalogue, who, query):
    viewer, params = VIEWERS[who], resolved(catalogue, query)
    rule = lambda dataset: visible(dataset, viewer)  # noqa: E731
    before = search(catalogue, dict(params), rule)  # no viewer for SQL: every active dataset is read and evaluated
    after = search(catalogue, dict(params), rule, viewer)
    assert shown(after) == shown(before)


def test_the_answers_compared_are_not_trivial(catalogue):
    everything = search(catalogue, {"rows": 1000}, lambda d: visible(d, ANONYMOUS), ANONYMOUS)
    assert everything["count"] == DATASETS - len(range(0, DATASETS, 11)) == len(everything["datasets"])
    narrowed = search(catalogue, {"fq": "tags:giao-thong AND organization:so-b", "rows": 1000},
                      lambda d: visible(d, ANONYMOUS), ANONYMOUS)
    assert 0 < narrowed["count"] < DATASETS // 3
    assert all(d["org"] == "so-b" and "giao-thong" in d["tags"] for d in narrowed["datasets"])
