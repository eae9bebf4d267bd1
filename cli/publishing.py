"""Commands that check and publish a file: ``validate``, ``describe``, ``publish``.

Why together: they are the publishing workflow of a department (describe a draft schema, validate against it,
publish a version), they share the reading options (``--schema``, ``--dialect``, ``--encoding``, ``--format``,
``--checklist``), and each wraps one call in ``pipelines`` (``validate_file``, ``describe_file``, ``publish``)
or, with ``--remote``, the same-named method of ``pipelines.remote.Remote``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from catalog.errors import UserError
from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import (
    emit_json,
    exit_with,
    human_bytes,
    interactive,
    option,
    pass_catalog,
    remote_client,
    remote_options,
)
from pipelines.validation.explain import explain_report

FORMATS = click.Choice(["csv", "tsv", "xlsx", "json", "parquet", "geojson"])
READING_OPTIONS = (
    option("--dialect", help=lazy_gettext("Dialect của Frictionless (cách đọc CSV): tệp JSON hoặc JSON viết trực tiếp.")),
    option("--encoding", help=lazy_gettext("Bảng mã văn bản, ví dụ utf-8, utf-16, cp1258 (Windows-1258).")),
    option("--format", "fmt", type=FORMATS, help=lazy_gettext("Chỉ định định dạng tệp (thay cho đuôi tệp).")),
    option("--checklist", help=lazy_gettext("Danh sách kiểm tra của Frictionless: tệp JSON hoặc JSON viết trực tiếp (ví dụ duplicate-row).")),
)


def reading_options(checklist: bool = True) -> Any:
    """The options that say how SOURCE is read (``--dialect``, ``--encoding``, ``--format``, ``--checklist``)."""
    def apply(command: Any) -> Any:
        for reading_option in reversed(READING_OPTIONS if checklist else READING_OPTIONS[:-1]):
            command = reading_option(command)
        return command

    return apply


def reading(dialect: str | None, encoding: str | None, fmt: str | None, checklist: str | None) -> dict[str, Any]:
    """The reading options as ``pipelines`` takes them (dialect and checklist loaded from JSON)."""
    from pipelines.publish import load_json_option

    return {"dialect": load_json_option(dialect, "dialect"), "encoding": encoding, "format": fmt,
            "checklist": load_json_option(checklist, "checklist")}


def is_package(path: Path) -> bool:
    """A Frictionless data package descriptor (validated resource by resource), rather than a JSON data file;
    ``pipelines.source.is_package`` reads at most ``MAX_DESCRIPTOR_BYTES`` of it."""
    from pipelines.source import is_package as is_package_descriptor

    return is_package_descriptor(path)


@click.command(help=lazy_gettext("""Kiểm tra một tệp dữ liệu (hoặc một tài nguyên của gói dữ liệu) theo lược đồ bảng (Table Schema).

    Đọc SOURCE (CSV, TSV, XLSX, JSON hoặc Parquet) như 'opendata publish' đọc và in mọi lỗi kèm dòng, cột và
    lời giải thích cách sửa; không công bố gì. Khóa ngoại được đối chiếu với danh mục cục bộ. Với --remote,
    dùng lược đồ và quy tắc của máy chủ.

    \b
    Ví dụ:
      opendata validate air.csv --schema air_quality
      opendata validate datapackage.json --resource schools --json
      opendata validate old.csv --schema schema.json --encoding cp1258

    Mã thoát: 0 hợp lệ, 1 không hợp lệ, 2 tệp không dùng được.
    """))
@click.argument("source", type=click.Path(dir_okay=False))
@option("--schema", help=lazy_gettext("Tên lược đồ chuẩn hoặc đường dẫn tới tệp Table Schema JSON."))
@option("--resource", help=lazy_gettext("Tên tài nguyên, khi SOURCE là một datapackage.json."))
@reading_options()
@option("--json", "as_json", is_flag=True, help=lazy_gettext("In báo cáo JSON theo dạng của frictionless (kèm lời giải thích)."))
@remote_options
@pass_catalog
def validate(catalog: Catalog, source: str, schema: str | None, resource: str | None, dialect: str | None,
             encoding: str | None, fmt: str | None, checklist: str | None, as_json: bool, remote: str | None,
             token: str | None) -> None:
    """Validate a data file (or a resource of a data package) against a Table Schema.

    Reads SOURCE (CSV, TSV, XLSX, JSON or Parquet) the way 'opendata publish' does and prints every problem
    with its row and field; nothing is published. Foreign keys are checked against the local catalogue.
    With --remote the server's schemas and rules are used.

    \b
    Example:
      opendata validate air.csv --schema air_quality
      opendata validate datapackage.json --resource schools --json
      opendata validate old.csv --schema schema.json --encoding cp1258

    Exit status: 0 valid, 1 invalid, 2 unusable input.
    """
    path = Path(source)
    if not path.exists():
        raise UserError(_("không tìm thấy tệp: {source}", source=source))
    options = {**reading(dialect, encoding, fmt, checklist), "progress": interactive()}
    client = remote_client(remote, token)
    if client is not None:  # the server's schemas; a data package is validated locally only
        result = client.validate(path, schema=schema, **options)
        print_report(explain_report(result["report"]), as_json)  # the server's words, in this command's language
        exit_with(result["valid"])
    with validate_locally(catalog, path, schema, resource, options) as validation:
        print_report(validation.report, as_json)
        exit_with(validation.valid)


def validate_locally(catalog: Catalog, path: Path, schema: str | None, resource: str | None,
                     options: dict[str, Any]) -> Any:
    """A data package's resource, or one file against ``schema`` (with the catalogue's foreign-key targets)."""
    from pipelines.publish import catalog_references
    from pipelines.validate import validate_file, validate_package
    from schemas import resolve_schema

    if is_package(path) and not schema:
        return validate_package(path, resource, checklist=options["checklist"], progress=options["progress"])
    if not schema:
        raise UserError(_("chưa cho lược đồ"),
                        hint=_("thêm --schema TÊN|TỆP ('opendata schemas' liệt kê các lược đồ chuẩn)"))
    references = catalog_references(catalog) if catalog.home.exists() else None
    return validate_file(path, schema=resolve_schema(schema), references=references, **options)


def print_report(report: dict, as_json: bool) -> None:
    from pipelines.report import render_text

    emit_json(report) if as_json else click.echo(render_text(report))


@click.command(help=lazy_gettext("""Đề xuất một bản nháp lược đồ bảng (Table Schema) cho SOURCE và in ra dạng JSON.

    Tên trường, kiểu (integer, number, date, …) và định dạng được đoán từ dữ liệu; hãy xem lại bản nháp
    (tiêu đề, ràng buộc, khóa chính), rồi kiểm tra và công bố với nó.

    \b
    Ví dụ:
      opendata describe schools.csv > schools-schema.json
      opendata validate schools.csv --schema schools-schema.json
    """))
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@reading_options(checklist=False)
def describe(source: str, encoding: str | None, dialect: str | None, fmt: str | None) -> None:
    """Infer a draft Table Schema for SOURCE and print it as JSON.

    Field names, types (integer, number, date, …) and formats are guessed from the data; review the draft
    (titles, constraints, primary key), then validate and publish with it.

    \b
    Example:
      opendata describe schools.csv > schools-schema.json
      opendata validate schools.csv --schema schools-schema.json
    """
    from pipelines.describe import explain, propose_schema
    from pipelines.publish import load_json_option

    proposal = propose_schema(Path(source), encoding=encoding, dialect=load_json_option(dialect, "dialect"),
                              format=fmt)
    emit_json(proposal.schema)  # stdout stays a schema file; why each field is so goes to stderr
    for line in explain(proposal):
        click.echo(line, err=True)


@click.command(help=lazy_gettext("""Kiểm tra SOURCE và công bố nó thành một phiên bản mới của DATASET.

    Tệp được kiểm tra theo lược đồ, rà soát dữ liệu cá nhân, chuyển thành Parquet có kiểu và thêm thành một
    phiên bản không đổi được (bộ dữ liệu được tạo ở lần công bố đầu). Tệp không hợp lệ bị từ chối kèm báo cáo
    và không có gì thay đổi; tệp giống hệt phiên bản mới nhất không tạo phiên bản mới. Với --remote, tệp được
    gửi lên máy chủ, nơi chạy cùng quy trình.

    \b
    Ví dụ:
      opendata publish air.csv --dataset air-quality --org so-tnmt --schema air_quality \\
          --title "Quan trắc chất lượng không khí" --title-en "Air quality monitoring" \\
          --license CC-BY-4.0 --tag "moi-truong=Môi trường|Environment"
      opendata publish air.csv --dataset air-quality --remote https://data.hanoi.example

    Mã thoát: 0 đã công bố (hoặc không đổi), 1 bị từ chối (không hợp lệ hoặc có dữ liệu cá nhân), 2 dùng sai lệnh.
    """))
@click.argument("source", type=click.Path(dir_okay=False))
@option("--dataset", required=True, help=lazy_gettext("Tên bộ dữ liệu (chữ thường a-z, 0-9, '-')."))
@option("--org", help=lazy_gettext("Tổ chức công bố (bắt buộc với bộ dữ liệu mới)."))
@option("--schema", help=lazy_gettext("Tên lược đồ chuẩn hoặc đường dẫn tệp Table Schema JSON (mặc định: lược đồ của bộ dữ liệu)."))
@reading_options()
@option("--title", help=lazy_gettext("Tiêu đề bộ dữ liệu."))
@option("--description", help=lazy_gettext("Mô tả (Markdown)."))
@option("--title-en", help=lazy_gettext("Tiêu đề tiếng Anh (không bắt buộc; tiêu đề chính là tiếng Việt)."))
@option("--description-en", help=lazy_gettext("Mô tả tiếng Anh (Markdown, không bắt buộc)."))
@option("--license", "license_id", help=lazy_gettext("Mã giấy phép, ví dụ CC-BY-4.0."))
@option("--tag", "tags", multiple=True,
              help=lazy_gettext("Thẻ (slug), có thể kèm nhãn: moi-truong hoặc \"moi-truong=Môi trường|Environment\" (lặp lại được)."))
@option("--frequency", help=lazy_gettext("Tần suất cập nhật: hourly, daily, weekly, monthly, quarterly, yearly, irregular."))
@option("--source-name", "source_name", help=lazy_gettext("Nguồn của dữ liệu."))
@option("--contact", help=lazy_gettext("Đầu mối liên hệ."))
@option("--note", default="", help=lazy_gettext("Ghi chú cho phiên bản này (thay đổi gì)."))
@option("--privacy-override", metavar="REASON",
              help=lazy_gettext("Vẫn công bố dù phát hiện dữ liệu cá nhân, với lý do viết ra này (lưu trong nhật ký kiểm toán)."))
@option("--json", "as_json", is_flag=True, help=lazy_gettext("In kết quả dạng JSON."))
@remote_options
@pass_catalog
def publish(catalog: Catalog, source: str, dataset: str, org: str | None, schema: str | None, dialect: str | None,
            encoding: str | None, fmt: str | None, checklist: str | None, title: str | None,
            description: str | None, title_en: str | None, description_en: str | None, license_id: str | None,
            tags: tuple[str, ...], frequency: str | None,
            source_name: str | None, contact: str | None, note: str, privacy_override: str | None,
            as_json: bool, remote: str | None, token: str | None) -> None:
    """Validate SOURCE and publish it as a new version of DATASET.

    The file is validated against the schema, checked for personal data, converted to typed Parquet and
    added as an immutable version (the dataset is created on first publish). An invalid file is refused with
    its report and nothing changes; a file identical to the latest version creates no new version. With
    --remote the file is streamed to the server, which runs the same pipeline.

    \b
    Example:
      opendata publish air.csv --dataset air-quality --org so-tnmt --schema air_quality \\
          --title "Quan trắc chất lượng không khí" --title-en "Air quality monitoring" \\
          --license CC-BY-4.0 --tag "moi-truong=Môi trường|Environment"
      opendata publish air.csv --dataset air-quality --remote https://data.hanoi.example

    Exit status: 0 published (or unchanged), 1 refused (invalid or personal data), 2 a usage mistake.
    """
    from pipelines.publish import publish as run_publish

    client = remote_client(remote, token)
    if client is None:
        catalog.ensure_ready()
    meta = {"title": title, "description": description, "title_en": title_en, "description_en": description_en,
            "license": license_id, "tags": list(tags) or None,
            "frequency": frequency, "source": source_name, "contact": contact}
    options = {"dataset": dataset, "org": org, "schema": schema, **reading(dialect, encoding, fmt, checklist),
               "meta": meta, "note": note, "progress": interactive()}
    if client is not None:  # same result, same report: the server runs the same pipeline
        result = client.publish(source, **options)
    else:
        result = run_publish(catalog, source, publisher=os.environ.get("USER", "cli"), origin="cli",
                             privacy_override=privacy_override, **options)
    print_publish_result(result, as_json)
    exit_with(result.ok)


def print_publish_result(result: Any, as_json: bool) -> None:
    """The report of a refused file, the result's messages, and the new version's size and hash."""
    from pipelines.report import render_text

    if as_json:
        emit_json(result.to_dict())
        return
    if result.status == "invalid" and result.report:
        click.echo(render_text(result.report))
    for message in result.messages:
        click.echo(message)
    if result.version and result.status == "published":
        v = result.version
        click.echo("  " + _("{rows} dòng  parquet {size}  sha256 {sha}…", rows=format_number(v["rows"]),
                            size=human_bytes(v["bytes"]), sha=v["sha256"][:16]))


COMMANDS = (validate, describe, publish)
