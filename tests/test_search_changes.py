"""A cached search answer outlives the creates it does not match, and nothing else (catalog/search/changes.py).

The oracle is the same search computed again from the index with the cache emptied: after every write, in any
order of creates, updates, deletions and private datasets, for several queries and viewers, the cached answer
and the fresh one are the same. Spying on ``_fresh`` (our own function, not replaced) says when an answer was
kept rather than computed.
"""

from __future__ import annotations

import random

import pytest

from catalog.metadata import Catalog
from catalog.search import query as search_query
from catalog.search import search
from catalog.search.cache import ANSWERS
from catalog.visibility import ANONYMOUS, Viewer

MEMBER = Viewer(name="can-bo", orgs=frozenset({"so-tnmt"}))
TITLES = ["Điểm ngập Đống Đa", "Chất lượng không khí Cầu Giấy", "Trường học Đống Đa", "Xe buýt Ba Đình",
          "Giao thông Hoàn Kiếm", "Dân số Tây Hồ"]
QUERIES = ["dong da", "không khí", "ngập", "", "truong hoc ba dinh", "xe"]


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The queries computed from the index (not taken from the cache), in order."""
    seen: list[str] = []
    real = search_query._fresh

    def spy(conn, slots, *args, **kwargs):
        seen.append(" ".join(slot.label for slot in slots))
        return real(conn, slots, *args, **kwargs)

    monkeypatch.setattr(search_query, "_fresh", spy)
    ANSWERS.clear()
    return seen


def answer(catalog: Catalog, q: str, viewer: Viewer = ANONYMOUS, **options) -> tuple:
    found = search(catalog, q, viewer=viewer, **options)
    return found["count"], [d["name"] for d in found["results"]], found["facets"], found["partial"]


def fresh(catalog: Catalog, q: str, viewer: Viewer = ANONYMOUS, **options) -> tuple:
    ANSWERS.clear()
    return answer(catalog, q, viewer, **options)


def test_an_answer_outlives_a_create_it_does_not_match(catalog: Catalog, computed: list[str]) -> None:
    catalog.create_dataset("mot", "so-tnmt", title="Điểm ngập Đống Đa")
    first = answer(catalog, "ngập", sort="updated")
    catalog.create_dataset("xe-buyt", "so-tnmt", title="Xe buýt Ba Đình")
    assert answer(catalog, "ngập", sort="updated") == first
    assert computed == ["ngập"], "kept, not computed again"


def test_a_create_that_matches_or_any_other_write_makes_the_answer_computed_again(catalog: Catalog,
                                                                                   computed: list[str]) -> None:
    catalog.create_dataset("mot", "so-tnmt", title="Điểm ngập Đống Đa")
    answer(catalog, "ngập", sort="updated")
    catalog.create_dataset("mot-2", "so-tnmt", title="Điểm ngập Cầu Giấy")
    assert answer(catalog, "ngập", sort="updated")[1] == ["mot-2", "mot"]
    catalog.update_dataset("mot", title="Điểm úng Đống Đa")  # it matched before: an update always counts
    assert answer(catalog, "ngập", sort="updated")[1] == ["mot-2"]
    assert computed == ["ngập"] * 3


def test_a_partial_answer_is_computed_again_when_a_new_dataset_has_any_of_its_words(catalog: Catalog,
                                                                                   computed: list[str]) -> None:
    catalog.create_dataset("mot", "so-tnmt", title="Điểm ngập Đống Đa")
    assert search(catalog, "ngập tây hồ", sort="updated")["partial"]  # no dataset has every word
    catalog.create_dataset("hai", "so-tnmt", title="Dân số Tây Hồ")  # not every word, but some
    assert answer(catalog, "ngập tây hồ", sort="updated") == fresh(catalog, "ngập tây hồ", sort="updated")
    assert computed[:2] == ["ngập tây hồ", "ngập tây hồ"]


def test_a_private_create_changes_only_the_answers_of_those_who_may_see_it(catalog: Catalog,
                                                                           computed: list[str]) -> None:
    catalog.create_dataset("mot", "so-tnmt", title="Điểm ngập Đống Đa")
    answer(catalog, "ngập", sort="updated"), answer(catalog, "ngập", MEMBER, sort="updated")
    catalog.create_dataset("mot-noi-bo", "so-tnmt", title="Điểm ngập nội bộ", private=True)
    assert answer(catalog, "ngập", sort="updated")[1] == ["mot"]
    assert answer(catalog, "ngập", MEMBER, sort="updated")[0] == 2
    assert computed == ["ngập", "ngập", "ngập"], "the anonymous answer was kept, the member's computed again"


def test_a_relevance_answer_is_kept_only_where_ranking_ignores_other_documents(catalog: Catalog,
                                                                               computed: list[str]) -> None:
    catalog.create_dataset("mot", "so-tnmt", title="Điểm ngập Đống Đa")
    answer(catalog, "ngập")
    catalog.create_dataset("xe-buyt", "so-tnmt", title="Xe buýt Ba Đình")
    answer(catalog, "ngập")
    bm25 = catalog.reader.dialect.name == "sqlite"  # bm25's word weights count the documents
    assert computed == (["ngập", "ngập"] if bm25 else ["ngập"])


def test_after_any_sequence_of_writes_every_cached_answer_equals_a_fresh_one(catalog: Catalog) -> None:
    rng, made = random.Random(16), []
    for step in range(40):
        action = rng.choice(["create", "create", "create", "update", "delete"]) if made else "create"
        if action == "create":
            made.append(f"bo-{step}")
            catalog.create_dataset(made[-1], "so-tnmt", title=rng.choice(TITLES), private=rng.random() < 0.3,
                                   license=rng.choice(["CC-BY-4.0", "ODbL-1.0"]))
        elif action == "update":
            catalog.update_dataset(rng.choice(made), title=rng.choice(TITLES))
        else:
            catalog.delete_dataset(made.pop(rng.randrange(len(made))))
        for q in rng.sample(QUERIES, 3):
            for viewer in (ANONYMOUS, MEMBER):
                options = rng.choice([{}, {"sort": "updated"}, {"filters": {"license": ["CC-BY-4.0"]}}])
                cached = answer(catalog, q, viewer, **options)
                assert cached == fresh(catalog, q, viewer, **options), (step, action, q, viewer, options)
                answer(catalog, q, viewer, **options)  # cached again for the next write to test
