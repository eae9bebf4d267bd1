"""What an input file is: format, encoding, dialect, and the refusals of files that are not tables.

Everything here looks at a bounded prefix of the file (or at the zip directory of an XLSX), so a 2 GB
file costs a few reads. A file that is not what it claims to be, is empty, binary or too large raises a
``UserError`` whose message says what was found and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import InvalidInput, InvalidSchema, NotFound, TooLarge
from catalog.i18n import N_, _, format_bytes, format_number
from pipelines import limits

FORMATS = ("csv", "tsv", "xlsx", "json", "parquet", "geojson")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
              ".json": "json", ".parquet": "parquet", ".pq": "parquet",
              ".geojson": "geojson"}
PREFIX_BYTES = 64 * 1024
SAMPLE_LINES = 100  # frictionless sniffs the CSV dialect and reads the header from the first 100 lines


def xlsx_limit() -> int:
    return limits.current().xlsx_max_bytes  # OPENDATA_XLSX_MAX_BYTES; see pipelines/limits.py


def sample_limit() -> int:
    """Characters of sample after which no further line is read: the header's bound plus one record's, so a
    header over its bound is still seen whole enough to be refused, and a sample of 100 long lines stays a few MB
    (at most this plus one line) instead of 100 times the line bound."""
    bound = limits.current()
    return bound.max_header_bytes + bound.max_line_bytes

_MAGIC = [  # what a file's first bytes say it is (translated where it is shown)
    (b"PK\x03\x04", N_("một tệp nén ZIP (một sổ tính XLSX?)")),
    (b"PAR1", N_("một tệp Parquet")),
    (b"\xd0\xcf\x11\xe0", N_("một tệp Excel/Office cũ (.xls); hãy lưu lại thành .xlsx hoặc CSV")),
    (b"%PDF", N_("một tài liệu PDF")),
    (b"\x89PNG", N_("một ảnh PNG")),
    (b"\xff\xd8\xff", N_("một ảnh JPEG")),
    (b"GIF8", N_("một ảnh GIF")),
    (b"\x1f\x8b", N_("một tệp nén gzip; hãy giải nén trước")),
    (b"7z\xbc\xaf", N_("một tệp nén 7-Zip")),
    (b"Rar!", N_("một tệp nén RAR")),
    (b"SQLite format 3", N_("một cơ sở dữ liệu SQLite")),
]


@dataclass
class Dialect:
    """A Frictionless dialect descriptor, flattened. ``None`` means "detect as frictionless would"."""

    header: bool = True
    header_rows: list[int] = field(default_factory=lambda: [1])
    header_join: str = " "
    header_case: bool = True
    comment_char: str | None = None
    comment_rows: list[int] = field(default_factory=list)
    skip_blank_rows: bool = False
    delimiter: str | None = None
    quote_char: str | None = None
    double_quote: bool = True
    escape_char: str | None = None
    skip_initial_space: bool | None = None
    sheet: str | int = 1
    fill_merged_cells: bool = False

    @property
    def first_content_row(self) -> int:
        return self.header_rows[-1] + 1 if self.header and self.header_rows else 1


def parse_dialect(descriptor: dict | None) -> Dialect:
    """Read a Frictionless dialect (v1 flat CSV properties, or v2 with ``csv``/``excel`` objects)."""
    descriptor = dict(descriptor or {})
    if not isinstance(descriptor, dict):
        raise InvalidSchema(_("dialect: phải là một đối tượng JSON"))
    csv_props = dict(descriptor.get("csv") or {})
    for key in ("delimiter", "quoteChar", "doubleQuote", "escapeChar", "skipInitialSpace", "lineTerminator"):
        if key in descriptor:
            csv_props.setdefault(key, descriptor[key])
    excel = dict(descriptor.get("excel") or {})
    dialect = Dialect()
    try:
        dialect.header = bool(descriptor.get("header", True))
        rows = descriptor.get("headerRows", [1])
        dialect.header_rows = [int(r) for r in (rows if isinstance(rows, list) else [rows])]
        dialect.header_join = str(descriptor.get("headerJoin", " "))
        dialect.header_case = bool(descriptor.get("headerCase", True))
        dialect.comment_char = descriptor.get("commentChar")
        dialect.comment_rows = [int(r) for r in descriptor.get("commentRows", [])]
        dialect.skip_blank_rows = bool(descriptor.get("skipBlankRows", False))
        dialect.delimiter = csv_props.get("delimiter")
        dialect.quote_char = csv_props.get("quoteChar")
        dialect.double_quote = bool(csv_props.get("doubleQuote", True))
        dialect.escape_char = csv_props.get("escapeChar")
        dialect.skip_initial_space = csv_props.get("skipInitialSpace")
        dialect.sheet = excel.get("sheet", 1)
        dialect.fill_merged_cells = bool(excel.get("fillMergedCells", False))
    except (TypeError, ValueError) as exc:
        raise InvalidSchema(_("dialect: {error}", error=exc)) from exc
    if dialect.delimiter is not None and (not isinstance(dialect.delimiter, str) or len(dialect.delimiter) != 1):
        raise InvalidSchema(_("dialect.csv.delimiter: {delimiter} phải là đúng một ký tự",
                              delimiter=repr(dialect.delimiter)))
    return dialect


@dataclass
class Source:
    path: Path
    format: str
    encoding: str | None  # Python codec name for text formats
    declared: bool  # the user declared the encoding (bad bytes are then an encoding-error, not a refusal)
    size: int
    name: str


def is_package(path: Path) -> bool:
    """A Frictionless data package descriptor (an object with ``resources``) rather than a JSON data file (an
    array of rows). Only a file within ``MAX_DESCRIPTOR_BYTES`` is parsed whole: a descriptor is small, and a
    larger file is read as data (whose reader bounds it and says what it found)."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    if path.name == "datapackage.json":
        return True
    limit = limits.current().max_descriptor_bytes
    with open(path, "rb") as handle:
        head = handle.read(limit + 1)
    if len(head) > limit or not head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{"):
        return False
    try:
        descriptor = json.loads(head.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # too deep for a package: read as data
        return False
    return isinstance(descriptor, dict) and "resources" in descriptor


def _describe_magic(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return _(what)
    return None


def _looks_like(head: bytes) -> str:
    return _describe_magic(head) or (_("dữ liệu nhị phân") if _looks_binary(head) else _("văn bản"))


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head


def open_source(path, *, format: str | None = None, encoding: str | None = None) -> Source:
    """Check the file and settle its format and encoding; refuse what cannot be a table."""
    path = Path(path)
    if not path.exists():
        raise NotFound(_("{path}: không có tệp này", path=path))
    if path.is_dir():
        raise InvalidInput(_("{path} là một thư mục, không phải một tệp dữ liệu", path=path))
    size = path.stat().st_size
    ext_format = EXTENSIONS.get(path.suffix.lower())
    fmt = (format or ext_format or "").lower()
    if fmt == "txt":
        fmt = "csv"
    if fmt not in FORMATS:
        raise InvalidInput(
            _("{name}: không nhận ra định dạng từ phần mở rộng {suffix}", name=path.name, suffix=repr(path.suffix)),
            hint=_("hãy dùng --format, một trong {formats}", formats=", ".join(FORMATS)))
    if size == 0:
        raise InvalidInput(_("{name} trống (0 byte): không có bảng nào để đọc", name=path.name))
    with open(path, "rb") as handle:
        head = handle.read(PREFIX_BYTES)
    magic = _describe_magic(head)
    if fmt == "xlsx":
        _check_xlsx(path, head)
    elif fmt == "parquet":
        _check_parquet(path, head, size)
    elif magic and not head.startswith(codecs.BOM_UTF8):
        raise InvalidInput(_("{name} không phải một tệp {format}: nó có vẻ là {found}", name=path.name,
                             format=fmt.upper(), found=magic),
                           hint=_("hãy kiểm tra tệp, hoặc đặt đúng phần mở rộng / --format"))
    codec, declared = None, encoding is not None
    if fmt in ("csv", "tsv", "json", "geojson"):
        codec = _settle_encoding(path, head, encoding)
    return Source(path=path, format=fmt, encoding=codec, declared=declared, size=size, name=path.stem)


def _check_xlsx(path: Path, head: bytes) -> None:
    if not head.startswith(b"PK\x03\x04"):
        raise InvalidInput(_("{name} không phải một sổ tính XLSX: nó có vẻ là {found}", name=path.name,
                             found=_looks_like(head)),
                           hint=_("hãy lưu nó từ phần mềm bảng tính thành .xlsx, hoặc đặt đúng phần mở rộng của nó"))
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(_("{name} không phải một sổ tính XLSX đọc được (hỏng hoặc bị cắt cụt: {error})",
                             name=path.name, error=exc)) from exc
    if "xl/workbook.xml" not in names:
        raise InvalidInput(_("{name} là một tệp nén ZIP nhưng không phải sổ tính XLSX (không có xl/workbook.xml)",
                             name=path.name))
    limit = xlsx_limit()
    if total > limit:
        raise TooLarge(
            _("{name} bung ra {size} MB khi giải nén, vượt giới hạn {limit} MB (một quả bom zip, hoặc một sổ tính "
              "quá lớn để đọc)", name=path.name, size=format_number(total / 1e6, 0),
              limit=format_number(limit / 1e6, 0)),
            hint=_("hãy xuất trang tính ra CSV, hoặc nâng OPENDATA_XLSX_MAX_BYTES"))


def _check_parquet(path: Path, head: bytes, size: int) -> None:
    if not head.startswith(b"PAR1"):
        raise InvalidInput(_("{name} không phải một tệp Parquet: nó có vẻ là {found}", name=path.name,
                             found=_looks_like(head)))
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 4))
        if handle.read(4) != b"PAR1":
            raise InvalidInput(_("{name} là một tệp Parquet bị cắt cụt (không có phần chân)", name=path.name))


def _settle_encoding(path: Path, head: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError as exc:
            raise InvalidInput(_("không biết bảng mã {encoding}", encoding=repr(encoding)),
                               hint=_("hãy dùng ví dụ --encoding utf-8, utf-16 hoặc cp1258")) from exc
        if codec == "utf-8" and head.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"  # as frictionless: a declared utf-8 file may still carry a BOM
        if codec in ("utf-16-le", "utf-16-be") and head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            codec = "utf-16"
        return codec
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _looks_binary(head):
        raise InvalidInput(
            _("{name} chứa byte NUL: đó là dữ liệu nhị phân, hoặc văn bản UTF-16 không có dấu thứ tự byte (BOM)",
              name=path.name),
            hint=_("với văn bản UTF-16 hãy dùng --encoding utf-16"))
    cut = head
    if len(head) == PREFIX_BYTES:  # do not fail on a character cut by the prefix boundary
        cut = head[:-4] + head[-4:].rstrip(bytes(range(0x80, 0x100)))
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from exc
    return "utf-8"


def not_utf8(path: Path, exc: UnicodeDecodeError | None = None) -> InvalidInput:
    hint = _("hãy khai báo bảng mã, ví dụ --encoding cp1258 (Windows-1258) hoặc --encoding utf-16")
    if exc is None:
        return InvalidInput(_("{name} không phải UTF-8 hợp lệ; chúng tôi không đoán bảng mã, để không bao giờ công "
                              "bố văn bản bị lỗi phông", name=path.name), hint=hint)
    byte = format(exc.object[exc.start], "02x")
    return InvalidInput(
        _("{name} không phải UTF-8 hợp lệ (byte 0x{byte} ở vị trí {offset}); chúng tôi không đoán bảng mã, để không "
          "bao giờ công bố văn bản bị lỗi phông", name=path.name, byte=byte, offset=exc.start), hint=hint)


# -------------------------------------------------------------------------------------------- CSV dialect


@dataclass
class CsvFormat:
    """The csv-module dialect frictionless would read the file with (stdlib Sniffer on 100 lines)."""

    delimiter: str
    quotechar: str
    doublequote: bool
    escapechar: str | None
    skipinitialspace: bool
    quoting: int

    def python(self) -> dict:
        return {"delimiter": self.delimiter, "quotechar": self.quotechar or None,
                "doublequote": self.doublequote, "escapechar": self.escapechar,
                "skipinitialspace": self.skipinitialspace, "quoting": self.quoting, "strict": False}


def read_sample(source: Source) -> tuple[list[str], UnicodeDecodeError | None]:
    """The first 100 lines as frictionless reads them (TextIOWrapper, newline=""), or fewer once they hold
    ``sample_limit()`` characters. No line longer than the line bound is ever held: each read stops one
    character past it, and that line is refused."""
    line_limit, budget = limits.line_limit(), sample_limit()
    lines: list[str] = []
    size = 0
    with open(source.path, "rb") as raw:
        text = io.TextIOWrapper(raw, source.encoding or "utf-8", newline="")
        try:
            while len(lines) < SAMPLE_LINES and size < budget:
                line = text.readline(line_limit + 1)
                if not line:
                    break
                if len(line) > line_limit:
                    raise line_too_long(source.path, len(lines) + 1)
                lines.append(line)
                size += len(line)
        except UnicodeDecodeError as exc:
            return lines, exc
    return lines, None


def line_too_long(path: Path, line: int) -> InvalidInput:
    return InvalidInput(
        _("{name}: dòng {line} dài hơn {size} (MAX_LINE_BYTES); đây không giống một bảng (thiếu một dấu ngoặc kép, "
          "hoặc không phải tệp CSV)", name=path.name, line=line, size=format_bytes(limits.line_limit())),
        hint=_("hãy kiểm tra các dấu ngoặc kép quanh dòng {line}", line=line))


def sniff_csv(sample: list[str], dialect: Dialect, fmt: str) -> CsvFormat:
    """Detect delimiter and quoting like frictionless: ``csv.Sniffer`` over the sample, dialect wins."""
    delimiters = dialect.delimiter or ("\t" if fmt == "tsv" else ",\t;|")
    try:
        sniffed = csv.Sniffer().sniff("".join(sample), delimiters)
    except csv.Error:
        sniffed = csv.excel()
    quotechar = sniffed.quotechar if sniffed.quotechar != "'" else '"'
    delimiter = dialect.delimiter or ("\t" if fmt == "tsv" and not dialect.delimiter else sniffed.delimiter)
    quote = dialect.quote_char if dialect.quote_char is not None else quotechar
    escape = dialect.escape_char if dialect.escape_char is not None else sniffed.escapechar
    skip = dialect.skip_initial_space if dialect.skip_initial_space is not None else sniffed.skipinitialspace
    return CsvFormat(
        delimiter=delimiter,
        quotechar=quote,
        doublequote=dialect.double_quote if escape else True,
        escapechar=escape or None,
        skipinitialspace=bool(skip),
        quoting=csv.QUOTE_NONE if quote == "" else csv.QUOTE_MINIMAL,
    )


def labels_from_rows(rows: list[list], dialect: Dialect) -> list[str]:
    """Join the header rows into labels (frictionless ``read_labels``: repeated merged cells once)."""
    labels: list[str] = []
    prev: dict[int, str] = {}
    for cells in rows:
        cells = ["" if cell is None else str(cell).strip() for cell in cells]
        for index, cell in enumerate(cells):
            if prev.get(index) == cell:
                continue
            prev[index] = cell
            if len(labels) <= index:
                labels.append(cell)
            else:
                labels[index] = dialect.header_join.join([labels[index], cell])
    return labels


def is_comment(dialect: Dialect, row_number: int, cells: list) -> bool:
    if dialect.comment_char and cells and isinstance(cells[0], str) and cells[0].startswith(dialect.comment_char):
        return True
    return row_number in dialect.comment_rows


def is_blank_record(cells: list) -> bool:
    return all(cell in (None, "") for cell in cells)
