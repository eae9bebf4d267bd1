"""DuckDB's errors explained in Vietnamese: which table or column does not exist, and "có phải ý bạn là …?".

Why: the people who use the SQL page are journalists and civil servants, not database engineers. "Binder Error:
Referenced column "pm_25" not found in FROM clause!" becomes "Không có cột «pm_25» … Có phải ý bạn là «pm25»?",
with the suggestion found by ``difflib`` among the names the sandbox really has (its tables, and the columns of
the tables the query reads). The raw message (already cleaned by ``messages.public_message``) travels beside it
so that nothing is hidden: the page folds it in ``<details>``, the API returns it as ``raw``. The sentences are
catalogue messages (Vietnamese source, English in ``catalog.po``): the explanation follows the request's language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from catalog.i18n import N_
from catalog.i18n import gettext as _
from catalog.text import fold

PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    # (pattern on DuckDB's message, kind of name for the suggestion, Vietnamese sentence with {name})
    (re.compile(r'Table with name "?([^"!\s]+)"? does not exist', re.I), "table",
     N_("Không có bảng «{name}». Danh sách bảng nằm bên cạnh ô truy vấn.")),
    (re.compile(r'Referenced column "?([^"!]+?)"? not found', re.I), "column",
     N_("Không có cột «{name}» trong các bảng của truy vấn.")),
    (re.compile(r'Values list "?\w+"? does not have a column named "?([^"!]+?)"?(!|$)', re.I), "column",
     N_("Không có cột «{name}» trong các bảng của truy vấn.")),
    (re.compile(r'(?:Scalar|Table|Aggregate) Function with name "?([^"!\s]+)"? does not exist', re.I), "function",
     N_("Không có hàm «{name}».")),
    (re.compile(r'syntax error at or near "([^"]*)"', re.I), "",
     N_("Lỗi cú pháp gần «{name}»: kiểm tra dấu phẩy, dấu ngoặc và từ khoá ngay trước chỗ này.")),
    (re.compile(r"syntax error at end of input", re.I), "",
     N_("Truy vấn kết thúc giữa chừng: còn thiếu phần cuối (một tên bảng, một dấu ngoặc đóng…).")),
    (re.compile(r"No function matches the given name and argument types '([^']+)'", re.I), "",
     N_("Hàm {name} không nhận kiểu dữ liệu này: thử đổi kiểu bằng CAST(… AS DOUBLE) hoặc CAST(… AS VARCHAR).")),
    (re.compile(r'column "?([^"]+?)"? must appear in the GROUP BY clause', re.I), "",
     N_("Cột «{name}» phải có trong GROUP BY hoặc nằm trong một hàm gộp như sum(), avg(), count().")),
    # DuckDB's depth and size limits, as ``messages.REWORDED`` words them (in either language)
    (re.compile(r"(nested too deeply|exceeds a size limit|lồng nhau quá sâu|vượt quá một giới hạn)", re.I), "",
     N_("Truy vấn quá phức tạp (lồng nhau quá sâu hoặc quá lớn): hãy viết đơn giản hơn, tách thành nhiều bước WITH.")),
    (re.compile(r"Could not convert string '([^']*)'", re.I), "",
     N_("Không đổi được «{name}» sang kiểu số hay ngày: so sánh với giá trị cùng kiểu với cột.")),
]
GENERIC = N_("Truy vấn không chạy được. Chi tiết từ DuckDB ở bên dưới.")
# DuckDB's own suggestion, used when none of the known names is close (e.g. for function names).
DUCKDB_HINT = re.compile(r'(?:Did you mean|Candidate bindings:)\s*"([^"]+)"')
SUGGEST = N_(" Có phải ý bạn là {names}?")


def suggestions(name: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """The known names closest to ``name`` (accents and case ignored), best first."""
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(fold(candidate), candidate)
    close = difflib.get_close_matches(fold(name), list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[c] for c in close]


def explain(raw: str, *, tables: Iterable[str] = (), columns: Iterable[str] = (),
            functions: Iterable[str] = ()) -> str:
    """DuckDB's message ``raw`` as one or two sentences in the current language, with a suggestion when a name is
    close."""
    known = {"table": list(tables), "column": list(columns), "function": list(functions)}
    for pattern, kind, sentence in PATTERNS:
        match = pattern.search(raw)
        if not match:
            continue
        name = match.group(1).strip()
        text = _(sentence, name=name)
        if kind:
            close = suggestions(name.split(".")[-1], known[kind])
            hint = DUCKDB_HINT.search(raw)
            if not close and hint:
                close = [hint.group(1).split(".")[-1]]
            if close:
                text += _(SUGGEST, names=_(" hoặc ").join(f"«{c}»" for c in close))
        return text
    return _(GENERIC)
