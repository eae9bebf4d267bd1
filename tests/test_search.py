"""Dataset search: accent- and tone-aware matching, ranking, facets, paging, and staying in sync with writes."""

from __future__ import annotations

import pytest

from catalog import search as search_mod
from catalog.errors import InvalidInput
from catalog.i18n import language
from catalog.metadata import Catalog
from catalog.search import fold, search


@pytest.fixture
def cat(catalog: Catalog) -> Catalog:
    """Metadata-only datasets (no versions): what search indexes is the metadata."""
    catalog.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    catalog.create_dataset(
        "ngap-dong-da", "so-tnmt", title="Điểm ngập quận Đống Đa", tags=["ngập lụt", "môi trường"],
        license="CC-BY-4.0", frequency="yearly", description="Các điểm ngập sau mưa lớn.",
        schema={"fields": [{"name": "ward", "type": "string", "title": "Phường"}]})
    catalog.create_dataset(
        "ngap-dong-da-cu", "so-tnmt", title="Điểm ngập Đông Đa (dữ liệu cũ)", tags=["ngập lụt"],
        license="ODbL-1.0", frequency="irregular", description="Bản cũ, tên viết sai dấu.")
    catalog.create_dataset(
        "truong-hoc", "so-gddt", title="Danh sách trường học", tags=["giáo dục"], license="CC-BY-4.0",
        frequency="yearly", description="Trường mầm non, tiểu học và THCS.",
        extras={"formats": ["GeoJSON"]},
        schema={"fields": [{"name": "school_name", "type": "string", "title": "Tên trường",
                            "description": "Tên đầy đủ, có dấu"},
                           {"name": "pupils", "type": "integer", "title": "Số học sinh"}]})
    catalog.create_dataset(
        "du-lich", "so-tnmt", title="Lượt khách du lịch", tags=["du lịch"], license="CC-BY-4.0",
        frequency="monthly", description="Khách quốc tế và nội địa.", private=True)
    return catalog


def names(result: dict) -> list[str]:
    return [d["name"] for d in result["results"]]


def test_fold_strips_tones_and_maps_d_bar() -> None:
    assert fold("Đống Đa") == "dong da"
    assert fold("đường Ứng Hòa") == "duong ung hoa"
    assert fold("ĐĐđđ") == "dddd"
    # NFD input (combining marks) folds the same as NFC
    assert fold("Đo\u0302\u0301ng") == "dong"


def test_unaccented_and_accented_queries_find_the_same_dataset(cat: Catalog) -> None:
    for query in ("dong da", "Đống Đa", "ĐỐNG ĐA", "Dong Da", "đống đa"):
        found = names(search(cat, query))
        assert "ngap-dong-da" in found, query


def test_exact_tones_rank_above_a_folded_match(cat: Catalog) -> None:
    assert names(search(cat, "Đống Đa"))[:2] == ["ngap-dong-da", "ngap-dong-da-cu"]
    assert names(search(cat, "Đông Đa"))[:2] == ["ngap-dong-da-cu", "ngap-dong-da"]
    scores = {d["name"]: d["score"] for d in search(cat, "Đống Đa")["results"]}
    assert scores["ngap-dong-da"] > scores["ngap-dong-da-cu"] > 0


def test_d_bar_is_folded_not_left_as_is(cat: Catalog) -> None:
    # 'đ' has no Unicode decomposition: without an explicit fold "dao tao" would not find "Đào tạo".
    assert names(search(cat, "dao tao")) == ["truong-hoc"]
    assert names(search(cat, "Đào Tạo")) == ["truong-hoc"]


def test_searches_columns_tags_organisation_and_prefixes(cat: Catalog) -> None:
    assert names(search(cat, "school_name")) == ["truong-hoc"]      # column name
    assert names(search(cat, "so hoc sinh")) == ["truong-hoc"]       # column title, folded
    assert names(search(cat, "day du co dau")) == ["truong-hoc"]     # column description
    assert set(names(search(cat, "ngập lụt"))) == {"ngap-dong-da", "ngap-dong-da-cu"}  # tag
    assert set(names(search(cat, "tai nguyen moi truong"))) == {"ngap-dong-da", "ngap-dong-da-cu"}  # org
    assert names(search(cat, "mầm non thc")) == ["truong-hoc"]       # a word being typed ("THCS")
    assert search(cat, "ng")["count"] == 0                            # short words match only whole words
    assert search(cat, "khongcotu")["count"] == 0


def test_every_word_must_match_or_the_answer_says_it_is_partial(cat: Catalog) -> None:
    full = search(cat, "ngập")
    assert set(names(full)) == {"ngap-dong-da", "ngap-dong-da-cu"} and full["partial"] is False
    partial = search(cat, "ngập giáo dục")  # no dataset has both: the nearest ones, flagged (catalog/search)
    assert partial["partial"] is True
    assert set(names(partial)) == {"ngap-dong-da", "ngap-dong-da-cu", "truong-hoc"}


def test_private_datasets_are_left_out_unless_asked(cat: Catalog) -> None:
    assert "du-lich" not in names(search(cat, "du lịch"))
    assert "du-lich" in names(search(cat, "du lịch", include_private=True))


def test_facets_count_the_filtered_results(cat: Catalog) -> None:
    everything = search(cat)
    assert everything["count"] == 3
    orgs = {f["value"]: f for f in everything["facets"]["organization"]}
    assert orgs["so-tnmt"]["count"] == 2 and orgs["so-tnmt"]["label"] == "Sở Tài nguyên và Môi trường"
    assert orgs["so-gddt"]["count"] == 1
    licenses = {f["value"]: f["count"] for f in everything["facets"]["license"]}
    assert licenses == {"CC-BY-4.0": 2, "ODbL-1.0": 1}
    assert everything["facets"]["license"][0]["value"] == "CC-BY-4.0"  # most frequent first
    formats = {f["value"]: f["count"] for f in everything["facets"]["format"]}
    assert formats == {"GeoJSON": 1}  # no versions yet: only declared formats

    filtered = search(cat, "", {"license": ["CC-BY-4.0"], "frequency": ["yearly"]})
    assert set(names(filtered)) == {"ngap-dong-da", "truong-hoc"}
    tags = {f["value"]: f["count"] for f in filtered["facets"]["tag"]}
    assert tags == {"ngập lụt": 1, "môi trường": 1, "giáo dục": 1}

    combined = search(cat, "dong da", {"org": ["so-tnmt"], "tags": ["môi trường"]})
    assert names(combined) == ["ngap-dong-da"]
    assert search(cat, "", {"format": ["geojson"]})["count"] == 1  # format values are case-insensitive
    assert search(cat, "", {"organization": ["so-tnmt", "so-gddt"]})["count"] == 0  # AND within a facet


def test_paging_and_sorting(cat: Catalog) -> None:
    for i in range(25):
        cat.create_dataset(f"bo-du-lieu-{i:02d}", "so-gddt", title=f"Bộ dữ liệu số {i:02d}")
    first = search(cat, "bo du lieu", limit=10, offset=0, sort="name")
    second = search(cat, "bo du lieu", limit=10, offset=10, sort="name")
    last = search(cat, "bo du lieu", limit=10, offset=20, sort="name")
    assert first["count"] == second["count"] == 25
    assert names(first) == [f"bo-du-lieu-{i:02d}" for i in range(10)]
    assert names(second)[0] == "bo-du-lieu-10" and len(names(last)) == 5
    newest = search(cat, "", sort="updated", limit=1)
    assert names(newest) == ["bo-du-lieu-24"]
    by_title = names(search(cat, "", sort="title", limit=100))
    # folded, so "Danh" < "Điểm ngập Đông" < "Điểm ngập quận"
    assert by_title.index("truong-hoc") < by_title.index("ngap-dong-da-cu") < by_title.index("ngap-dong-da")


def test_bad_arguments_are_user_errors(cat: Catalog) -> None:
    with pytest.raises(InvalidInput, match="không có bộ lọc tìm kiếm 'colour'"):
        search(cat, "", {"colour": ["red"]})
    with language("en"), pytest.raises(InvalidInput, match="unknown search filter"):
        search(cat, "", {"colour": ["red"]})
    with language("en"), pytest.raises(InvalidInput, match="unknown sort"):
        search(cat, "", sort="random")
    with language("en"), pytest.raises(InvalidInput, match="limit"):
        search(cat, "", limit=5000)
    with language("en"), pytest.raises(InvalidInput, match="offset"):
        search(cat, "", offset=-1)


def test_index_follows_writes_from_any_process(cat: Catalog) -> None:
    assert search(cat, "hồ gươm")["count"] == 0
    other = Catalog(cat.home)  # another handle on the same home, as another server process would have
    other.create_dataset("muc-nuoc-ho", "so-tnmt", title="Mực nước Hồ Gươm")
    assert names(search(cat, "ho guom")) == ["muc-nuoc-ho"]
    other.update_dataset("muc-nuoc-ho", title="Mực nước Hồ Hoàn Kiếm")
    assert search(cat, "guom")["count"] == 0
    assert names(search(cat, "hoan kiem")) == ["muc-nuoc-ho"]
    other.update_org("so-tnmt", title="Sở Môi trường Hà Nội")
    assert "muc-nuoc-ho" in names(search(cat, "moi truong ha noi"))
    other.delete_dataset("muc-nuoc-ho")
    assert search(cat, "hoan kiem")["count"] == 0
    other.dispose()


def test_results_are_copies_with_formats(cat: Catalog) -> None:
    result = search(cat, "truong hoc")
    dataset = result["results"][0]
    assert dataset["formats"] == ["GeoJSON"] and dataset["org"] == "so-gddt"
    dataset["title"] = "changed"
    assert search(cat, "truong hoc")["results"][0]["title"] == "Danh sách trường học"
    search_mod.invalidate()
    assert search(cat, "truong hoc")["count"] == 1


def test_coverage_and_allowed_column_values_are_searched(cat: Catalog) -> None:
    cat.create_dataset(
        "bui-min", "so-tnmt", title="Bụi mịn PM2.5", spatial_coverage="Quận Hoàn Kiếm",
        schema={"fields": [{"name": "district", "type": "string",
                            "constraints": {"enum": ["Cầu Giấy", "Tây Hồ"]}}]})
    assert names(search(cat, "tay ho")) == ["bui-min"]
    assert names(search(cat, "hoàn kiếm")) == ["bui-min"]


def test_words_together_rank_above_words_apart(cat: Catalog) -> None:
    cat.create_dataset("apart", "so-gddt", title="Giấy phép xây dựng", description="Cấp tại quận Cầu Diễn.")
    cat.create_dataset("together", "so-gddt", title="Giấy phép", description="Cấp tại quận Cầu Giấy.")
    ranked = names(search(cat, "cau giay"))
    assert ranked.index("together") < ranked.index("apart")
