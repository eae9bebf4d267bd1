"""Validation errors explained for department staff: what is wrong, in plain words, and what to do.

Why a module of its own: a report keeps frictionless's fields exactly (``type``, ``message``, ``note``, row and
field positions), because tools and our differential and corpus tests compare them with frictionless; but
``type is "integer/default"`` tells a clerk nothing. Each error gets one more field, ``explanation``, written in
the current language (``catalog.i18n``) from the error and, when known, its schema field: the closest allowed
value for an enum typo (accents and case ignored: ``Kem`` → ``Kém``), the thousands-separator rule for integers,
the expected date format with an example, the ``decimalChar`` hint for a decimal comma.

``explain_report`` is applied where a report is made (``pipelines/validate.py``) and again where it is shown in
another language (the web's validation answer), so the words always match the reader's language.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import re
from collections.abc import Callable
from typing import Any

from catalog.i18n import N_, format_number
from catalog.i18n import gettext as _
from catalog.text import fold

# Table Schema types in words (the jargon ``integer/default`` is never shown).
TYPE_WORDS = {
    "string": N_("văn bản"), "integer": N_("số nguyên"), "number": N_("số"), "boolean": N_("giá trị đúng/sai"),
    "date": N_("ngày"), "datetime": N_("ngày giờ"), "time": N_("giờ"), "year": N_("năm"),
    "yearmonth": N_("tháng và năm"), "duration": N_("khoảng thời gian"), "geopoint": N_("tọa độ"),
    "geojson": N_("đối tượng GeoJSON"), "object": N_("đối tượng JSON"), "array": N_("mảng JSON"),
    "list": N_("danh sách"), "any": N_("giá trị"),
}
# strptime codes as people read them, and the moment every example is drawn from.
PATTERN_WORDS = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%H": "hh", "%I": "hh", "%M": "mm",
                 "%S": "ss", "%f": "ffffff", "%z": "+07:00", "%p": "AM/PM", "%b": "Mar", "%B": "March"}
EXAMPLE_MOMENT = dt.datetime(2024, 3, 31, 14, 30, 0)
DEFAULT_PATTERNS = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "time": "%H:%M:%S", "year": "%Y",
                    "yearmonth": "%Y-%m"}

TYPE_NOTE = re.compile(r'type is "(?P<type>[^/"]+)/(?P<format>.*)"$')
CONSTRAINT_NOTE = re.compile(r'constraint "(?P<name>\w+)" is "(?P<value>.*)"$', re.S)
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?P<sep>[.,  '])\d{3}(?:(?P=sep)\d{3})*")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
DECIMAL_POINT = re.compile(r"[+-]?\d+\.\d+")
HAS_DIGIT = re.compile(r"\d")
FOREIGN_KEY_NOTE = re.compile(r'for "(?P<fields>.*)": values "(?P<values>.*)" not found in the lookup table '
                              r'"(?P<resource>.*)" as "(?P<target>.*)"$', re.S)


# -- the report ------------------------------------------------------------------------------------------------
def explain_report(report: dict, schema: dict | None = None) -> dict:
    """Give every error of ``report`` (its tasks' and its own) an ``explanation`` in the current language."""
    fields = {f.get("name"): f for f in (schema or {}).get("fields") or [] if isinstance(f, dict)}
    for error in _all_errors(report):
        error["explanation"] = explain(error, fields.get(error.get("fieldName")))
    return report


def _all_errors(report: dict) -> list[dict]:
    found = [e for e in report.get("errors") or [] if isinstance(e, dict)]
    for task in report.get("tasks") or []:
        found += [e for e in task.get("errors") or [] if isinstance(e, dict)]
    return found


def explain(error: dict, field: dict | None = None) -> str:
    """What is wrong with this one error and what to do, in the current language."""
    explainer = EXPLAINERS.get(error.get("type", ""))
    if explainer is None:
        return error.get("message") or ""
    return explainer(error, field or {})


# -- the file and its header -------------------------------------------------------------------------------------
def _encoding(error: dict, field: dict) -> str:
    return _("Tệp có những byte không đọc được bằng bảng mã đã khai báo, nên chữ tiếng Việt sẽ bị lỗi. Hãy lưu "
             "lại tệp dưới dạng UTF-8 (trong Excel: Lưu thành → CSV UTF-8), hoặc khai báo đúng bảng mã của tệp "
             "bằng --encoding (ví dụ cp1258 cho tệp Windows cũ).")


def _source(error: dict, field: dict) -> str:
    return _("Không đọc được tệp thành một bảng ({note}). Hãy kiểm tra định dạng của tệp và hàng tiêu đề: "
             "tên các cột phải khớp với các trường của lược đồ.", note=error.get("note") or "")


def _resource(error: dict, field: dict) -> str:
    return _("Phần mô tả dữ liệu, hoặc bảng mà nó tham chiếu tới, không dùng được ({note}). Hãy kiểm tra "
             "datapackage.json, hoặc công bố bảng được tham chiếu trước.", note=error.get("note") or "")


def _blank_label(error: dict, field: dict) -> str:
    return _("Cột thứ {number} không có tên ở hàng tiêu đề. Hãy đặt tên cho cột này, hoặc xóa cột nếu nó "
             "trống.", number=error.get("fieldNumber", "?"))


def _duplicate_label(error: dict, field: dict) -> str:
    return _("Tên cột \"{label}\" xuất hiện nhiều lần ở hàng tiêu đề. Tên mỗi cột phải khác nhau: hãy đổi tên "
             "hoặc xóa cột lặp.", label=error.get("label", ""))


def _missing_label(error: dict, field: dict) -> str:
    return _("Lược đồ cần cột \"{field}\" nhưng tệp không có cột này. Hãy thêm cột, hoặc kiểm tra lại chính tả "
             "tên cột ở hàng tiêu đề.", field=error.get("fieldName", ""))


def _extra_label(error: dict, field: dict) -> str:
    return _("Tệp có cột \"{label}\" mà lược đồ không mô tả. Hãy xóa cột này khỏi tệp, hoặc thêm trường này "
             "vào lược đồ.", label=error.get("label", ""))


def _incorrect_label(error: dict, field: dict) -> str:
    label, name = str(error.get("label", "")), str(error.get("fieldName", ""))
    text = _("Cột thứ {number} có tên \"{label}\" nhưng lược đồ chờ cột \"{field}\" ở vị trí này. Hãy đổi tên "
             "cột, hoặc xếp các cột theo đúng thứ tự của lược đồ.", number=error.get("fieldNumber", "?"),
             label=label, field=name)
    if label != name and fold(label).strip() == fold(name).strip():
        text += " " + _("(Hai tên chỉ khác nhau ở dấu, chữ hoa hoặc khoảng trắng.)")
    return text


# -- rows and cells ------------------------------------------------------------------------------------------------
def _blank_row(error: dict, field: dict) -> str:
    return _("Dòng {row} trống hoàn toàn. Hãy xóa dòng này.", row=_row(error))


def _extra_cell(error: dict, field: dict) -> str:
    return _("Dòng {row} có nhiều ô hơn số cột ở hàng tiêu đề (thường do một giá trị có dấu phẩy mà không "
             "nằm trong ngoặc kép). Hãy xóa ô thừa, hoặc đặt giá trị đó trong ngoặc kép.", row=_row(error))


def _missing_cell(error: dict, field: dict) -> str:
    return _("Dòng {row} thiếu ô cho cột \"{field}\": dòng này ít ô hơn hàng tiêu đề. Hãy bổ sung ô còn thiếu "
             "(để trống nếu không có giá trị).", row=_row(error), field=error.get("fieldName", ""))


def _type(error: dict, field: dict) -> str:
    ftype, fmt = _type_and_format(error, field)
    cell = str(error.get("cell", ""))
    text = _("Giá trị \"{cell}\" ở cột \"{field}\" không phải là {kind}.", cell=cell,
             field=error.get("fieldName", ""), kind=type_words(ftype))
    hint = TYPE_HINTS.get(ftype, _generic_type_hint)(cell.strip(), field, fmt)
    return f"{text} {hint}" if hint else text


def type_words(ftype: str) -> str:
    """A Table Schema type in plain words (``integer`` → "số nguyên")."""
    return _(TYPE_WORDS.get(ftype, TYPE_WORDS["any"]))


def _type_and_format(error: dict, field: dict) -> tuple[str, str]:
    found = TYPE_NOTE.match(error.get("note") or "")
    ftype = field.get("type") or (found["type"] if found else "any")
    fmt = field.get("format") or (found["format"] if found else "default")
    return ftype, fmt


def _integer_hint(cell: str, field: dict, fmt: str) -> str:
    grouped = THOUSANDS.fullmatch(cell)
    if grouped:
        return _("Số nguyên không được có dấu phân cách hàng nghìn: hãy viết {plain} (bỏ dấu \"{sep}\"). Nếu tệp "
                 "luôn ghi số như vậy, hãy khai báo trường là kiểu number với groupChar \"{sep}\" trong lược đồ.",
                 plain=re.sub(r"\D", "", cell) if cell[0] != "-" else "-" + re.sub(r"\D", "", cell),
                 sep=grouped["sep"])
    if DECIMAL_COMMA.fullmatch(cell) or DECIMAL_POINT.fullmatch(cell):
        return _("Cột này chỉ nhận số nguyên, còn \"{cell}\" có phần thập phân. Hãy làm tròn giá trị, hoặc đổi "
                 "kiểu của trường thành number nếu cột cần số lẻ.", cell=cell)
    return _bare_number_hint(cell, field, example="1234")


def _number_hint(cell: str, field: dict, fmt: str) -> str:
    decimal, group = field.get("decimalChar", "."), field.get("groupChar", "")
    if decimal != "," and DECIMAL_COMMA.fullmatch(cell):
        return _("Số này dùng dấu phẩy thập phân. Hãy viết {dotted}, hoặc khai báo decimalChar \",\" cho "
                 "trường này trong lược đồ (và groupChar \".\" nếu số có dấu chấm phân cách hàng nghìn).",
                 dotted=cell.replace(",", "."))
    if decimal == "," and DECIMAL_POINT.fullmatch(cell):
        return _("Cột này dùng dấu phẩy thập phân (decimalChar \",\"), nên dấu chấm chỉ được dùng để phân cách "
                 "hàng nghìn theo nhóm ba chữ số. Hãy viết {comma}.", comma=cell.replace(".", ","))
    grouped = THOUSANDS.fullmatch(cell)
    if grouped and grouped["sep"] != group:
        return _("Số có dấu phân cách hàng nghìn \"{sep}\": hãy bỏ dấu này ({plain}), hoặc khai báo groupChar "
                 "\"{sep}\" cho trường này trong lược đồ.", sep=grouped["sep"],
                 plain=cell.replace(grouped["sep"], ""))
    return _bare_number_hint(cell, field, example="1234.5")


def _bare_number_hint(cell: str, field: dict, example: str) -> str:
    if HAS_DIGIT.search(cell) and field.get("bareNumber", True):
        return _("Ô chỉ được chứa con số (ví dụ {example}), không kèm chữ hay đơn vị. Hãy bỏ phần chữ; nếu số "
                 "luôn đi kèm ký hiệu như % hoặc đ, khai báo bareNumber: false cho trường này.", example=example)
    return _("Hãy ghi một con số, ví dụ {example}, hoặc để trống nếu không có giá trị.", example=example)


def _temporal_hint(ftype: str) -> Callable[[str, dict, str], str]:
    def hint(cell: str, field: dict, fmt: str) -> str:
        pattern = DEFAULT_PATTERNS.get(ftype, "%Y-%m-%d") if fmt in ("default", "") else fmt
        if fmt == "any" or "%" not in pattern:
            return _("Hãy ghi theo một định dạng ngày giờ thông dụng, ví dụ {example}.",
                     example=EXAMPLE_MOMENT.strftime(DEFAULT_PATTERNS.get(ftype, "%Y-%m-%d")))
        example = EXAMPLE_MOMENT.strftime(pattern.replace("%z", "+0700"))
        shape = _shape(pattern)
        if re.sub(r"\d", "9", cell) == re.sub(r"\d", "9", example):
            return _("Giá trị đúng định dạng {shape} nhưng không có thật (ví dụ ngày 32 hay tháng 13). Hãy kiểm "
                     "tra lại ngày, tháng, giờ.", shape=shape)
        return _("Cột này cần định dạng {shape}, ví dụ {example}. Hãy ghi lại theo định dạng đó, hoặc sửa "
                 "format của trường trong lược đồ cho khớp với cách tệp ghi.", shape=shape, example=example)
    return hint


def _shape(pattern: str) -> str:
    return re.sub(r"%[a-zA-Z]", lambda m: PATTERN_WORDS.get(m.group(), m.group()), pattern)


def _boolean_hint(cell: str, field: dict, fmt: str) -> str:
    trues = field.get("trueValues") or ["true", "True", "TRUE", "1"]
    falses = field.get("falseValues") or ["false", "False", "FALSE", "0"]
    return _("Hãy dùng một trong các giá trị: {trues} (đúng) hoặc {falses} (sai).",
             trues=", ".join(map(str, trues)), falses=", ".join(map(str, falses)))


def _generic_type_hint(cell: str, field: dict, fmt: str) -> str:
    return _("Hãy sửa giá trị cho đúng kiểu của cột, hoặc để trống nếu không có giá trị.")


TYPE_HINTS: dict[str, Callable[[str, dict, str], str]] = {
    "integer": _integer_hint, "number": _number_hint, "boolean": _boolean_hint,
    **{name: _temporal_hint(name) for name in ("date", "datetime", "time", "year", "yearmonth")},
}


# -- constraints ----------------------------------------------------------------------------------------------------
def _constraint(error: dict, field: dict) -> str:
    found = CONSTRAINT_NOTE.match(error.get("note") or "")
    name = found["name"] if found else ""
    limit = (field.get("constraints") or {}).get(name, found["value"] if found else "")
    explainer = CONSTRAINTS.get(name)
    values = {"cell": str(error.get("cell", "")), "field": error.get("fieldName", ""), "row": _row(error),
              "limit": limit}
    if explainer is None:
        return _("Giá trị \"{cell}\" ở cột \"{field}\" vi phạm một ràng buộc của lược đồ ({note}).",
                 note=error.get("note") or "", **values)
    return explainer(values)


def _required(values: dict) -> str:
    return _("Cột \"{field}\" bắt buộc phải có giá trị, nhưng ô ở dòng {row} để trống. Hãy điền giá trị.",
             **values)


def _enum(values: dict) -> str:
    allowed = _enum_values(values["limit"])
    text = _("\"{cell}\" không nằm trong danh sách giá trị được phép của cột \"{field}\": {allowed}.",
             allowed=", ".join(f"'{v}'" for v in allowed), **values)
    closest = closest_value(values["cell"], allowed)
    if closest is not None:
        return text + " " + _("Có phải ý bạn là '{closest}'?", closest=closest)
    return text + " " + _("Hãy dùng đúng một giá trị trong danh sách (cả dấu và chữ hoa).")


def _enum_values(limit: Any) -> list[str]:
    if isinstance(limit, str):  # from frictionless's note: the list as Python writes it
        try:
            limit = ast.literal_eval(limit)
        except (ValueError, SyntaxError):
            return [limit]
    return [str(v) for v in limit] if isinstance(limit, list | tuple) else [str(limit)]


def closest_value(typed: str, allowed: list[str]) -> str | None:
    """The allowed value ``typed`` most likely meant, ignoring accents, case and spaces ("Kem" → "Kém")."""
    folded = {}
    for value in allowed:
        folded.setdefault(" ".join(fold(value).split()), value)
    key = " ".join(fold(typed).split())
    if key in folded:
        return folded[key]
    match = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
    return folded[match[0]] if match else None


def _bound(word: str) -> Callable[[dict], str]:
    def explain_bound(values: dict) -> str:
        return _("Giá trị {cell} ở cột \"{field}\" {rule} {limit}. Hãy kiểm tra lại con số (có gõ thừa hay "
                 "thiếu chữ số không?).", rule=_(word), **values)
    return explain_bound


def _length(word: str) -> Callable[[dict], str]:
    def explain_length(values: dict) -> str:
        return _("Giá trị ở cột \"{field}\" dài {length} ký tự, {rule} {limit} ký tự.", rule=_(word),
                 length=len(values["cell"]), **values)
    return explain_length


def _pattern(values: dict) -> str:
    return _("Giá trị \"{cell}\" ở cột \"{field}\" không đúng mẫu quy định cho cột này ({limit}). Hãy kiểm tra "
             "lại từng ký tự (chữ hoa, dấu gạch, số chữ số).", **values)


CONSTRAINTS: dict[str, Callable[[dict], str]] = {
    "required": _required, "enum": _enum, "pattern": _pattern,
    "minimum": _bound(N_("nhỏ hơn mức tối thiểu")), "maximum": _bound(N_("lớn hơn mức tối đa")),
    "exclusiveMinimum": _bound(N_("phải lớn hơn")), "exclusiveMaximum": _bound(N_("phải nhỏ hơn")),
    "minLength": _length(N_("ngắn hơn mức tối thiểu")), "maxLength": _length(N_("dài hơn mức tối đa")),
}


# -- keys and repeated rows -------------------------------------------------------------------------------------
def _unique(error: dict, field: dict) -> str:
    return _("Giá trị \"{cell}\" ở cột \"{field}\" đã có ở một dòng khác, mà cột này không được trùng. Hãy sửa "
             "giá trị, hoặc xóa dòng bị lặp.", cell=error.get("cell", ""), field=error.get("fieldName", ""))


def _primary_key(error: dict, field: dict) -> str:
    if "None" in (error.get("note") or ""):
        return _("Dòng {row} để trống khóa chính. Mỗi dòng phải có khóa chính: hãy điền giá trị, hoặc xóa dòng "
                 "nếu nó trống.", row=_row(error))
    return _("Khóa chính của dòng {row} trùng với dòng {earlier}. Mỗi dòng phải có khóa chính riêng: hãy sửa giá "
             "trị, hoặc xóa dòng bị lặp.", row=_row(error), earlier=_earlier(error))


def _foreign_key(error: dict, field: dict) -> str:
    found = FOREIGN_KEY_NOTE.match(error.get("note") or "")
    if not found:
        return _("Giá trị ở dòng {row} không có trong bảng được tham chiếu. Hãy kiểm tra chính tả, hoặc công bố "
                 "bảng tham chiếu có giá trị này trước.", row=_row(error))
    return _("Giá trị \"{values}\" (cột {fields}) ở dòng {row} không có trong cột {target} của bảng "
             "\"{resource}\". Hãy kiểm tra chính tả (ví dụ tên hoặc mã phường, xã theo danh mục hiện hành), hoặc "
             "công bố bảng tham chiếu có giá trị này trước.", row=_row(error), **found.groupdict())


def _duplicate_row(error: dict, field: dict) -> str:
    return _("Dòng {row} lặp lại y hệt dòng {earlier}. Hãy xóa dòng bị lặp.", row=_row(error),
             earlier=_earlier(error))


def _earlier(error: dict) -> str:
    """The earlier row a key or a row repeats, from frictionless's note ("the same as row at position 3")."""
    found = re.search(r"position \"?(\d+)", error.get("note") or "")
    return format_number(int(found[1])) if found else "?"


def _row(error: dict) -> str:
    row = error.get("rowNumber")
    return "?" if row is None else format_number(row)


EXPLAINERS: dict[str, Callable[[dict, dict], str]] = {
    "encoding-error": _encoding, "source-error": _source, "resource-error": _resource,
    "blank-label": _blank_label, "duplicate-label": _duplicate_label, "missing-label": _missing_label,
    "extra-label": _extra_label, "incorrect-label": _incorrect_label, "blank-row": _blank_row,
    "extra-cell": _extra_cell, "missing-cell": _missing_cell, "type-error": _type, "constraint-error": _constraint,
    "unique-error": _unique, "primary-key": _primary_key, "foreign-key": _foreign_key,
    "duplicate-row": _duplicate_row,
}
