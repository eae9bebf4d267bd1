"""The keyset paging cursor: where the previous page stopped, as an opaque token, and the SQL for "after it".

Why keyset and not OFFSET: the cursor carries the last row's sort key plus its position in the Parquet parts
(part index, row number inside the part), a unique and stable tiebreaker because published files never change.
Deep pages cost what the first page costs, and a page never repeats or skips rows. The token is versioned and
names its sort order, so a cursor from another sort is refused with a message instead of giving wrong rows.
"""

from __future__ import annotations

import base64
import binascii
import json

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.sqltext import quote_ident

CURSOR_VERSION = 1


def encode_cursor(sort: str, keys: list[str | None], part: int, row: int) -> str:
    payload = json.dumps([CURSOR_VERSION, sort, keys, part, row], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, nkeys: int) -> tuple[list[str | None], int, int]:
    """The sort key values, part and row of a cursor made for ``sort``; ``InvalidInput`` for anything else."""
    bad = InvalidInput(_("con trỏ trang (cursor) không hợp lệ"),
                       hint=_("truyền nguyên giá trị 'next' của trang trước"))
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, cursor_sort, keys, part, row = json.loads(text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if version != CURSOR_VERSION or not isinstance(keys, list) or len(keys) != nkeys \
            or not isinstance(part, int) or not isinstance(row, int) or part < 0 or row < 0 \
            or not all(k is None or isinstance(k, str) for k in keys):
        raise bad
    if cursor_sort != sort:
        raise InvalidInput(_("con trỏ trang này thuộc về một thứ tự sắp xếp khác"),
                           hint=_("nó được tạo cho sort={sort}; hãy bắt đầu lại không có cursor",
                                  sort=cursor_sort or _("(không có)")))
    return keys, part, row


def after_sql(keys: list[tuple[str, bool]], values: list[str | None], part: int, row: int,
              text: frozenset[str] = frozenset()) -> tuple[str, list]:
    """Rows strictly after the cursor in ``ORDER BY keys NULLS LAST, file_index, file_row_number``.

    Columns in ``text`` compare with the collation they are sorted by (``COLLATE vi``), so a page ends and the
    next begins in the same Vietnamese order.
    """
    terms: list[tuple[str, str, list, list]] = []  # (greater-than sql, equal sql, gt params, eq params)
    for (name, desc), value in zip(keys, values, strict=True):
        col = quote_ident(name)
        if value is None:  # NULLs sort last: nothing comes after a NULL within this key
            terms.append(("FALSE", f"{col} IS NULL", [], []))
        else:
            op = "<" if desc else ">"
            key = col + (" COLLATE vi" if name in text else "")
            terms.append((f"({key} {op} ? OR {col} IS NULL)", f"{key} = ?", [value], [value]))
    terms.append(("file_index > ?", "file_index = ?", [part], [part]))
    terms.append(("file_row_number > ?", "", [row], []))
    ors: list[str] = []
    params: list = []
    for i, (gt, _eq, gt_params, _eq_params) in enumerate(terms):
        ands = [terms[j][1] for j in range(i)] + [gt]
        for j in range(i):
            params.extend(terms[j][3])
        params.extend(gt_params)
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")", params
