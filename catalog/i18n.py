"""One message catalogue, Vietnamese formats and Vietnamese sorting for every layer (pages, API, CLI).

Why here: messages are born in every layer (a validation error in ``pipelines/``, a refused filter in
``catalog/``, a page in ``web/``, a line of the CLI), and ``catalog/`` is the layer all of them may import. The
source language is Vietnamese: code writes ``_("Không tìm thấy bộ dữ liệu {name}", name=...)`` and the English
lives in gettext catalogues, ``catalog/locale/en/LC_MESSAGES/<domain>.po`` (one domain per top-level package, so
translators and tools see ordinary gettext files). A message missing in English shows in Vietnamese rather than
failing; ``tests/test_messages.py`` extracts every message with Babel and fails on any left untranslated.

The language is a context variable: the web sets it per request (flask-babel's locale selector: ``?lang=``, the
cookie, ``Accept-Language``), the CLI once per command (``--lang`` or ``LANG``). Placeholders use ``{name}``.

Numbers and dates follow Babel's locale data (``20.000`` and ``92,5`` in Vietnamese), times are shown in Hanoi
time (ICT, UTC+7); names are sorted with ICU's Vietnamese collation, the same rule DuckDB applies with
``COLLATE vi`` in SQL, so a list sorted in Python and one sorted in a query agree ("Ba Đình" before "Ba Vì").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import babel.dates
import babel.numbers
import duckdb
from babel.messages.pofile import read_po
from babel.support import LazyProxy

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("opendata_language", default=DEFAULT)
T = TypeVar("T")


# -- choosing the language -------------------------------------------------------------------------------------
def normalise(code: str | None) -> str | None:
    """``en``, ``en_US.UTF-8``, ``en-GB`` → ``en``; ``vi_VN`` → ``vi``; anything else → None."""
    if not code:
        return None
    head = code.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGUAGES else None


def current_lang() -> str:
    return _current.get()


def set_lang(code: str | None) -> Token:
    """Make ``code`` (or the default) the language of this context; returns the token to reset it."""
    return _current.set(normalise(code) or DEFAULT)


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """``with language("en"): ...`` — messages and formats in ``code`` inside the block."""
    token = set_lang(code)
    try:
        yield current_lang()
    finally:
        _current.reset(token)


# -- messages ----------------------------------------------------------------------------------------------
@cache
def translations(lang: str) -> dict[str, str]:
    """Every translated message of ``lang``: the union of its domains' ``.po`` files (fuzzy entries left out)."""
    found: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=lang)
        for message in catalogue:
            if not message.id or not message.string or message.fuzzy:
                continue
            if isinstance(message.id, tuple):  # a plural pair: each form under its own id
                for form, string in zip(message.id, message.string, strict=False):
                    found.setdefault(_key(form, message.context), string)
            else:
                found.setdefault(_key(message.id, message.context), message.string)
    return found


def _key(text: str, context: str | None) -> str:
    return f"{context}\x04{text}" if context else text


def gettext(text: str, **values: Any) -> str:
    """``text`` (Vietnamese) in the current language, ``{name}`` placeholders filled from ``values``."""
    lang = current_lang()
    translated = text if lang == DEFAULT else translations(lang).get(text, text)
    return translated.format(**values) if values else translated


_ = gettext


def pgettext(context: str, text: str, **values: Any) -> str:
    """``text`` where the same Vietnamese needs different English by ``context`` ("Cột": column or bars)."""
    lang = current_lang()
    translated = text if lang == DEFAULT else translations(lang).get(_key(text, context), text)
    return translated.format(**values) if values else translated


def ngettext(singular: str, plural: str, count: int, **values: Any) -> str:
    """Vietnamese has one form; English picks by ``count``. ``{count}`` is always available."""
    lang = current_lang()
    if lang == DEFAULT:
        chosen = singular
    else:
        chosen = translations(lang).get(singular if count == 1 else plural, singular if count == 1 else plural)
    return chosen.format(count=count, **values)


def lazy_gettext(text: str, **values: Any) -> LazyProxy:
    """A message for a module-level constant, translated each time it is shown (in that moment's language)."""
    return LazyProxy(gettext, text, enable_cache=False, **values)


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "extract, but translate later"
    """Mark ``text`` for extraction only; translate it with ``gettext(text)`` where it is shown."""
    return text


# -- metadata codes ----------------------------------------------------------------------------------------
# Metadata values stored in English (frequency codes), shown in the interface's language.
FREQUENCIES = {
    "hourly": N_("hằng giờ"), "daily": N_("hằng ngày"), "weekly": N_("hằng tuần"), "monthly": N_("hằng tháng"),
    "quarterly": N_("hằng quý"), "yearly": N_("hằng năm"), "annual": N_("hằng năm"),
    "irregular": N_("không định kỳ"), "continuous": N_("liên tục"), "realtime": N_("liên tục"),
}


def frequency_label(code: str | None) -> str:
    """``monthly`` → "hằng tháng" / "monthly"; an unknown code is shown as it is."""
    if not code:
        return ""
    return gettext(FREQUENCIES.get(code.lower(), code))


# -- numbers -----------------------------------------------------------------------------------------------
def format_number(value: Any, digits: int | None = None, lang: str | None = None) -> str:
    """A number for people: ``20.000`` / ``92,5`` (vi), ``20,000`` / ``92.5`` (en).

    ``digits`` fixes the decimals; without it every significant decimal of the value is kept (a table shows
    ``21,03748``, not a rounded ``21,04``). Text that is not a number comes back unchanged.
    """
    if value is None or value == "" or isinstance(value, bool):
        return "" if value in (None, "") else str(value)
    try:
        number = value if isinstance(value, int) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if isinstance(number, Decimal) and not number.is_finite():
        return str(value)
    locale = lang or current_lang()
    # enough precision for every digit (a SQL HUGEINT has 39; Babel's quantize fails beyond the default 28)
    size = len(str(abs(number))) if isinstance(number, int) else max(number.adjusted(), 0)
    with localcontext(prec=max(28, size + (digits or 0) + 30)):
        if digits is None:
            return babel.numbers.format_decimal(number, locale=locale, decimal_quantization=False)
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return babel.numbers.format_decimal(number, format=pattern, locale=locale)


def format_bytes(size: Any, lang: str | None = None) -> str:
    """``1,5 MB`` (vi) / ``1.5 MB`` (en); bytes as a whole number."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{format_number(value, 1, lang)} {unit}"
        value /= 1024
    return str(size)


def parse_number(text: str) -> float:
    """What a person types: ``50,5`` or ``50.5`` → 50.5 (a lone comma is the decimal comma)."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)


# -- dates and times ---------------------------------------------------------------------------------------
def to_moment(stamp: Any) -> datetime | date | None:
    """An ISO 8601 text, a date or a datetime as a value (naive times are UTC, as the catalogue stores them)."""
    if stamp in (None, ""):
        return None
    if isinstance(stamp, datetime | date):
        moment = stamp
    else:
        try:
            moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return None
        if len(str(stamp)) == 10:
            return moment.date()
    if isinstance(moment, datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def format_date(stamp: Any, with_time: bool = False, lang: str | None = None) -> str:
    """``05/12/2026`` or ``05/12/2026 21:49 (ICT)`` in Vietnamese, ``2026-12-05 21:49 ICT`` in English.

    Times are shown in Hanoi time whatever the server's zone; a plain date is shown as it is.
    """
    moment = to_moment(stamp)
    if moment is None:
        return "" if stamp in (None, "") else str(stamp)
    locale = lang or current_lang()
    day_pattern = "dd/MM/yyyy" if locale == "vi" else "yyyy-MM-dd"
    if not isinstance(moment, datetime):
        return babel.dates.format_date(moment, day_pattern, locale=locale)
    if not with_time:
        return babel.dates.format_date(moment.astimezone(TIMEZONE).date(), day_pattern, locale=locale)
    shown = babel.dates.format_datetime(moment, f"{day_pattern} HH:mm", tzinfo=TIMEZONE, locale=locale)
    return f"{shown} (ICT)" if locale == "vi" else f"{shown} ICT"


def api_time(stamp: Any) -> str | None:
    """Machine time for APIs: ISO 8601 in UTC with its offset (``2026-12-05T14:49:38+00:00``)."""
    moment = to_moment(stamp)
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# -- sorting names -----------------------------------------------------------------------------------------
_collator = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    connection = getattr(_collator, "connection", None)
    if connection is None:
        connection = _collator.connection = duckdb.connect(":memory:")
    return connection


def sort_keys(texts: list[str]) -> list[str]:
    """Each text's ICU Vietnamese sort key as uppercase hex: keys compared bytewise (SQLite's default, PostgreSQL's
    "C") order their texts as ``collate`` does, so a database can sort and page by a stored key."""
    if not texts:
        return []
    rows = _duckdb().execute("SELECT icu_sort_key(unnest($t), 'vi')", {"t": [t or "" for t in texts]}).fetchall()
    return [key for (key,) in rows]


def collate(items: Iterable[T], key: Callable[[T], Any] | None = None, reverse: bool = False) -> list[T]:
    """``items`` in Vietnamese order (ICU's ``vi`` collation, as ``ORDER BY … COLLATE vi``); stable for ties."""
    items = list(items)
    if len(items) < 2:
        return items
    texts = ["" if (k := (key(item) if key else item)) is None else str(k) for item in items]
    order = _duckdb().execute(
        "SELECT i - 1 FROM (SELECT unnest($t) AS s, generate_subscripts($t, 1) AS i) "
        f"ORDER BY s COLLATE vi {'DESC' if reverse else 'ASC'}, i", {"t": texts}).fetchall()
    return [items[i] for (i,) in order]
