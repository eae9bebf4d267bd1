"""Commands that create the catalogue and look inside it: ``init``, ``org``, ``schemas``, ``datasets``, ``show``,
``versions``.

Why together: these are the catalogue's nouns (organisations, datasets, versions, standard schemas) read or
created one call at a time; each command is a thin wrapper over one ``Catalog`` method, and the read commands
take ``--remote`` because ``pipelines.remote.Remote`` has the same methods.
"""

from __future__ import annotations

import click

from catalog.i18n import N_, current_lang, format_number, frequency_label, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import (
    emit_json,
    human_bytes,
    human_time,
    json_option,
    option,
    pass_catalog,
    print_table,
    read_from,
    remote_options,
)
from pipelines.report import display_width
from pipelines.validation.explain import type_words


@click.command(help=lazy_gettext("""Tạo thư mục danh mục (hoặc cập nhật một thư mục đã có).

    Tạo thư mục, cơ sở dữ liệu siêu dữ liệu và kho phiên bản; với thư mục đã có, chỉ áp dụng các bước nâng cấp
    (migration) còn thiếu và không đổi gì khác. Chạy hai lần vẫn an toàn.

    \b
    Ví dụ:
      opendata --home /srv/opendata init
    """))
@pass_catalog
def init(catalog: Catalog) -> None:
    """Create the catalogue home (or bring an existing one up to date).

    Creates the folder, the metadata database and the version store; on an existing home it applies the
    migrations it lacks and changes nothing else. Safe to run twice.

    \b
    Example:
      opendata --home /srv/opendata init
    """
    applied = catalog.init()
    if applied:
        click.echo(_("danh mục đã sẵn sàng tại {root} (đã áp dụng {count} bước nâng cấp)", root=catalog.home.root,
                     count=format_number(len(applied))))
    else:
        click.echo(_("danh mục đã sẵn sàng tại {root}", root=catalog.home.root))


@click.group(help=lazy_gettext("""Tổ chức (các sở, ngành công bố dữ liệu).

    \b
    Ví dụ:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"
      opendata org list
    """))
def org() -> None:
    """Organisations (the departments that publish).

    \b
    Example:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"
      opendata org list
    """


@org.command("add", help=lazy_gettext("""Thêm tổ chức NAME (một tên ngắn như so-tnmt).

    \b
    Ví dụ:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"

    Mã thoát: 0 đã tạo, 2 tên sai hoặc đã có.
    """))
@click.argument("name")
@option("--title", required=True, help=lazy_gettext("Tên hiển thị, ví dụ \"Sở Tài nguyên và Môi trường\"."))
@option("--description", default="", help=lazy_gettext("Mô tả (Markdown)."))
@option("--title-en", default="", help=lazy_gettext("Tên hiển thị tiếng Anh (không bắt buộc), ví dụ \"Department of Natural Resources and Environment\"."))
@option("--description-en", default="", help=lazy_gettext("Mô tả tiếng Anh (Markdown, không bắt buộc)."))
@pass_catalog
def org_add(catalog: Catalog, name: str, title: str, description: str, title_en: str, description_en: str) -> None:
    """Add an organisation NAME (a slug such as so-tnmt).

    \b
    Example:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"

    Exit status: 0 created, 2 a bad or taken name.
    """
    catalog.ensure_ready()
    created = catalog.add_org(name, title, description, title_en=title_en, description_en=description_en)
    click.echo(_("đã tạo tổ chức {name}: {title}", name=created["name"], title=created["title"]))


@org.command("list", help=lazy_gettext("""Liệt kê các tổ chức và số bộ dữ liệu của mỗi tổ chức.

    \b
    Ví dụ:
      opendata org list --json
    """))
@json_option
@pass_catalog
def org_list(catalog: Catalog, as_json: bool) -> None:
    """List organisations with their dataset counts.

    \b
    Example:
      opendata org list --json
    """
    catalog.ensure_ready()
    orgs = catalog.list_orgs()
    if as_json:
        emit_json(orgs)
    else:
        print_table(orgs, [("name", _("TÊN")), ("title", _("TIÊU ĐỀ")), ("dataset_count", _("BỘ DỮ LIỆU"))])


@click.command("schemas", help=lazy_gettext("""Liệt kê các lược đồ bảng (Table Schema) chuẩn của thành phố (dùng được với --schema TÊN).

    \b
    Ví dụ:
      opendata schemas
      opendata validate air.csv --schema air_quality
    """))
@json_option
def schemas_cmd(as_json: bool) -> None:
    """List the city's standard Table Schemas (usable as --schema NAME).

    \b
    Example:
      opendata schemas
      opendata validate air.csv --schema air_quality
    """
    from schemas import list_standard_schemas, load_standard_schema

    rows = []
    for name in list_standard_schemas():
        schema = load_standard_schema(name)
        rows.append({"name": name, "title": schema.get("title", ""), "fields": len(schema.get("fields", []))})
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, [("name", _("TÊN")), ("fields", _("SỐ TRƯỜNG")), ("title", _("TIÊU ĐỀ"))])


@click.command(help=lazy_gettext("""Liệt kê các bộ dữ liệu: tên, tổ chức, phiên bản mới nhất, số dòng, dung lượng, tiêu đề.

    \b
    Ví dụ:
      opendata datasets --org so-tnmt
      opendata datasets --json --remote https://data.hanoi.example
    """))
@option("--org", help=lazy_gettext("Chỉ các bộ dữ liệu của tổ chức này."))
@json_option
@remote_options
@pass_catalog
def datasets(catalog: Catalog, org: str | None, as_json: bool, remote: str | None, token: str | None) -> None:
    """List datasets: name, organisation, latest version, rows, size, title.

    \b
    Example:
      opendata datasets --org so-tnmt
      opendata datasets --json --remote https://data.hanoi.example
    """
    found = read_from(catalog, remote, token, "list_datasets", org)
    if as_json:
        emit_json(found)
        return
    for d in found:
        d["size"] = human_bytes(d.get("bytes"))
    print_table(found, [("name", _("TÊN")), ("org", _("TỔ CHỨC")), ("latest_version", _("PHIÊN BẢN")),
                        ("rows", _("SỐ DÒNG")), ("size", _("DUNG LƯỢNG")), ("title", _("TIÊU ĐỀ"))])


SHOWN_FIELDS = {"name": N_("tên"), "title": N_("tiêu đề"), "org_title": N_("tổ chức"), "license": N_("giấy phép"),
                "frequency": N_("tần suất"), "source": N_("nguồn"), "contact": N_("liên hệ"),
                "temporal_coverage": N_("phạm vi thời gian"), "spatial_coverage": N_("phạm vi không gian"),
                "schema_name": N_("lược đồ"), "latest_version": N_("phiên bản mới nhất"), "rows": N_("số dòng"),
                "updated_at": N_("cập nhật lúc")}


@click.command(help=lazy_gettext("""Xem siêu dữ liệu, lược đồ và phiên bản mới nhất của một bộ dữ liệu.

    \b
    Ví dụ:
      opendata show air-quality
      opendata show air-quality --json --remote https://data.hanoi.example

    Mã thoát: 0 đã hiển thị, 2 không có bộ dữ liệu này.
    """))
@click.argument("dataset")
@json_option
@remote_options
@pass_catalog
def show(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """Show a dataset's metadata, schema and latest version.

    \b
    Example:
      opendata show air-quality
      opendata show air-quality --json --remote https://data.hanoi.example

    Exit status: 0 shown, 2 no such dataset.
    """
    found = read_from(catalog, remote, token, "get_dataset", dataset)
    if as_json:
        emit_json(found)
        return
    shown = [(_(SHOWN_FIELDS[key]), shown_value(key, in_language(found, key))) for key in SHOWN_FIELDS]
    if found.get("tags"):
        shown.append((_("thẻ"), ", ".join(tag_label(found, str(tag)) for tag in found["tags"])))
    shown = [(label, value) for label, value in shown if value not in (None, "")]
    width = max((display_width(label) for label, _value in shown), default=0)
    for label, value in shown:
        click.echo(f"{' ' * (width - display_width(label))}{label}: {value}")
    description = (found.get("description_en") if current_lang() == "en" else None) or found.get("description")
    if description:
        click.echo("\n" + description.strip() + "\n")
    fields = (found.get("schema") or {}).get("fields", [])
    if fields:
        click.echo(_("các trường:"))
        print_table([{**f, "kind": type_words(f.get("type") or "string")} for f in fields],
                    [("name", _("TÊN")), ("type", _("KIỂU")), ("kind", _("NGHĨA LÀ")), ("title", _("TIÊU ĐỀ"))],
                    indent="  ")


def in_language(dataset: dict, key: str) -> object:
    """The English of a title or description (``title_en``…) in English where the publisher gave one."""
    english = dataset.get(f"{key}_en") if current_lang() == "en" and key in ("title", "org_title") else None
    return english or dataset.get(key)


def tag_label(dataset: dict, slug: str) -> str:
    """A tag as people read it in the current language (``Môi trường`` / ``Environment``), else its slug."""
    labels = (dataset.get("tag_labels") or {}).get(slug) or {}
    english = labels.get("title_en") if current_lang() == "en" else None
    return english or labels.get("title") or slug


def shown_value(key: str, value: object) -> object:
    """A metadata value for people: numbers in the language's format, times in Hanoi time, codes in words."""
    if key == "updated_at":
        return human_time(value)
    if key == "frequency":
        return frequency_label(str(value)) if value else value
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    return value


@click.command(help=lazy_gettext("""Liệt kê các phiên bản của một bộ dữ liệu, mới nhất trước: số dòng, dung lượng, số dòng thêm và bớt, sha256, người công bố.

    \b
    Ví dụ:
      opendata versions air-quality

    Mã thoát: 0 đã liệt kê, 2 không có bộ dữ liệu này.
    """))
@click.argument("dataset")
@json_option
@remote_options
@pass_catalog
def versions(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """List the versions of a dataset, newest first: rows, size, rows added and removed, sha256, publisher.

    \b
    Example:
      opendata versions air-quality

    Exit status: 0 listed, 2 no such dataset.
    """
    found = read_from(catalog, remote, token, "list_versions", dataset)
    if as_json:
        emit_json({"versions": found})
        return
    for v in found:
        v["size"] = human_bytes(v.get("bytes"))
        v["sha"] = (v.get("sha256") or "")[:12]
        c = v.get("changes") or {}
        v["change"] = f"+{format_number(c.get('rows_added', 0))} -{format_number(c.get('rows_removed', 0))}"
        v["published"] = human_time(v.get("published_at"))
    print_table(found, [("number", _("PHIÊN BẢN")), ("published", _("CÔNG BỐ LÚC")), ("rows", _("SỐ DÒNG")),
                        ("size", _("DUNG LƯỢNG")), ("change", _("DÒNG +/-")), ("sha", "SHA256"),
                        ("publisher", _("NGƯỜI CÔNG BỐ"))])


COMMANDS = (init, org, schemas_cmd, datasets, show, versions)
