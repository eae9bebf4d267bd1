"""Search that reaches the rows and never answers nothing (issue 14, item 5): the values of low-cardinality text
columns, the "area" facet, partial matches with a notice, synonyms from an editable data file, and boilerplate
that does not count."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from catalog.errors import InvalidInput
from catalog.metadata import Catalog
from catalog.search import search
from catalog.search.synonyms import PACKAGED, SETTING
from pipelines.publish import publish

DISTRICTS = ["Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai"]
HOSPITALS = "quan_huyen,benh_vien,giuong"
DISCLAIMER = "Dữ liệu mô phỏng (synthetic) phục vụ trình diễn: không phải số liệu chính thức."


def csv(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def schema(header: str) -> dict:
    """Text columns, except those named "so"/"giuong" (whole numbers)."""
    return {"fields": [{"name": n, "type": "integer" if n in ("so", "giuong") else "string"}
                       for n in header.split(",")]}


def names(result: dict) -> list[str]:
    return [d["name"] for d in result["results"]]


@pytest.fixture
def rows_catalog(catalog: Catalog, tmp_path: Path) -> Catalog:
    """A reference table of districts, hospitals per district (the metadata never says "Đống Đa"), and a
    dataset of 250 codes (too many values to be a category)."""
    reference = csv(tmp_path, "districts.csv", "name,kind", [f"{d},quận" for d in DISTRICTS])
    publish(catalog, reference, dataset="quan-huyen", org="so-tnmt", schema=schema("name,kind"),
            meta={"title": "Danh mục đơn vị hành chính"})
    hospitals = csv(tmp_path, "hospitals.csv", HOSPITALS, ["Đống Đa,Bệnh viện Bạch Mai,1900", "Cầu Giấy,Bệnh viện E,800"])
    publish(catalog, hospitals, dataset="benh-vien", org="so-tnmt", schema=schema(HOSPITALS),
            meta={"title": "Số giường bệnh"})
    codes = csv(tmp_path, "codes.csv", "ma,so", [f"MA{i:04d},{i}" for i in range(250)])
    publish(catalog, codes, dataset="ma-so", org="so-tnmt", schema=schema("ma,so"), meta={"title": "Bảng mã"})
    return catalog


def test_a_district_in_the_rows_finds_the_reference_table_and_every_dataset_that_covers_it(rows_catalog) -> None:
    found = search(rows_catalog, "dong da")
    assert set(names(found)) == {"quan-huyen", "benh-vien"} and found["partial"] is False
    assert names(search(rows_catalog, "bach mai")) == ["benh-vien"]


def test_place_columns_give_the_area_facet_by_their_values_or_their_name(rows_catalog) -> None:
    area = {item["value"]: item["count"] for item in search(rows_catalog)["facets"]["area"]}
    assert area["Đống Đa"] == 2 and area["Cầu Giấy"] == 2 and area["Ba Đình"] == 1  # "name": by its values
    assert "Bệnh viện Bạch Mai" not in area and "quận" not in area                    # not places
    assert names(search(rows_catalog, "", {"area": "Ba Đình"})) == ["quan-huyen"]


def test_a_column_with_too_many_values_is_not_searched(rows_catalog) -> None:
    assert search(rows_catalog, "ma0042")["count"] == 0
    assert names(search(rows_catalog, "bang ma")) == ["ma-so"]


def test_a_new_version_replaces_the_values(rows_catalog, tmp_path: Path) -> None:
    moved = csv(tmp_path, "hospitals2.csv", HOSPITALS, ["Hà Đông,Bệnh viện Hà Đông,600"])
    publish(rows_catalog, moved, dataset="benh-vien")
    assert names(search(rows_catalog, "dong da")) == ["quan-huyen"]
    assert names(search(rows_catalog, "", {"area": "Hà Đông"})) == ["benh-vien"]


def test_when_not_every_word_matches_the_nearest_results_come_with_a_partial_flag(rows_catalog) -> None:
    found = search(rows_catalog, "giường bệnh khongcotunay")
    assert names(found) == ["benh-vien"]
    assert found["partial"] is True
    assert found["matched_words"] == ["giường", "bệnh"] and found["unmatched_words"] == ["khongcotunay"]
    nothing = search(rows_catalog, "khongcotunay khongco")
    assert nothing["count"] == 0 and nothing["partial"] is False


def test_words_that_match_only_apart_give_each_dataset_with_any_of_them(catalog: Catalog) -> None:
    catalog.create_dataset("a", "so-tnmt", title="Điểm ngập")
    catalog.create_dataset("b", "so-tnmt", title="Trường học")
    found = search(catalog, "ngập học")
    assert set(names(found)) == {"a", "b"} and found["partial"] is True and found["unmatched_words"] == []


def test_synonyms_from_the_packaged_data_file_expand_the_query(catalog: Catalog) -> None:
    assert "[tầm soát, sàng lọc]" in PACKAGED.read_text(encoding="utf-8")
    catalog.create_dataset("ung-thu", "so-tnmt",
                           title="Sàng lọc ung thư sớm theo quận")
    catalog.create_dataset("hoc-sinh", "so-tnmt", title="Số học sinh theo cấp")
    found = search(catalog, "tam soat ung thu")
    assert names(found) == ["ung-thu"] and found["partial"] is False
    assert names(search(catalog, "trường học")) == ["hoc-sinh"]


def test_an_override_file_replaces_the_synonyms_and_a_broken_one_is_named(catalog: Catalog, tmp_path: Path,
                                                                          monkeypatch) -> None:
    catalog.create_dataset("dang-ky-xe", "so-tnmt", title="Đăng ký xe hơi")
    assert search(catalog, "ô tô")["count"] == 0
    own = tmp_path / "my-synonyms.yaml"
    own.write_text("synonyms:\n  - [ô tô, xe hơi]\n", encoding="utf-8")
    monkeypatch.setenv(SETTING, str(own))
    assert names(search(catalog, "o to")) == ["dang-ky-xe"]
    catalog.create_dataset("sang-loc", "so-tnmt", title="Sàng lọc")
    assert search(catalog, "tầm soát")["count"] == 0  # the override replaced the packaged groups
    own.write_text("synonyms: [oops", encoding="utf-8")
    with pytest.raises(InvalidInput, match="my-synonyms.yaml"):
        search(catalog, "o to bien so")


def test_boilerplate_does_not_decide_what_khong_khi_finds(catalog: Catalog) -> None:
    for i in range(3):
        catalog.create_dataset(f"khi-tuong-{i}", "so-tnmt", title=f"Trạm khí tượng số {i}",
                               description=f"Nhiệt độ và độ ẩm. {DISCLAIMER}")
    catalog.create_dataset("khong-khi", "so-tnmt", title="Quan trắc môi trường",
                           description=f"Chỉ số chất lượng không khí theo giờ. {DISCLAIMER}")
    catalog.create_dataset("khi-thai", "so-tnmt", title="Khí thải không đạt chuẩn", description="Theo quý.")
    found = names(search(catalog, "khong khi"))
    assert found[0] == "khong-khi"                      # the words side by side rank first
    assert not any(name.startswith("khi-tuong") for name in found)  # "không phải" was only in the disclaimer
    assert "khi-thai" in found


def test_the_api_and_the_page_say_when_the_answer_is_partial(rows_catalog, serve) -> None:
    server = serve(rows_catalog.home.root)
    answer = requests.get(server.url + "/api/v1/datasets", params={"q": "giuong benh khongcotunay"}, timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    assert body["partial"] is True and body["unmatched_words"] == ["khongcotunay"]
    assert [r["name"] for r in body["results"]] == ["benh-vien"]
    assert [item["value"] for item in body["facets"]["area"]] == ["Cầu Giấy", "Đống Đa"]
    page = requests.get(server.url + "/datasets", params={"q": "giuong benh khongcotunay"}, timeout=30).text
    assert "Không có kết quả chứa tất cả các từ; đây là các kết quả gần nhất" in page and "Khu vực" in page
    english = requests.get(server.url + "/datasets", params={"q": "giuong benh khongcotunay", "lang": "en"},
                           timeout=30).text
    assert "No result has all the words; these are the nearest" in english


def test_purging_a_dataset_removes_its_values_and_its_area(rows_catalog) -> None:
    from catalog.purge import purge_dataset

    purge_dataset(rows_catalog, "benh-vien", actor="cli")
    assert "benh-vien" not in names(search(rows_catalog, "bach mai"))
    area = {item["value"]: item["count"] for item in search(rows_catalog)["facets"]["area"]}
    assert area["Đống Đa"] == 1 and "Hà Đông" not in area
