"""The search vocabulary staff edit: synonyms, boilerplate phrases and place names, read from a YAML data file.

Why a data file and not code: which words of the public sector mean the same thing ("tầm soát" and "sàng lọc"),
which disclaimers every department pastes into its descriptions, and which names are places, are editorial
knowledge. ``synonyms.yaml`` ships with the package; ``OPENDATA_SYNONYMS_FILE`` names a copy that replaces it.
The file is read again when it changes (its modification time), so an edit applies without a restart.

Synonyms apply by query expansion: a query's words that spell a synonym (folded: accents and case ignored) become
one "slot" that any phrase of the group fills; documents are indexed as written.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.search.tokens import words
from catalog.text import fold

SETTING = "OPENDATA_SYNONYMS_FILE"
PACKAGED = Path(__file__).with_name("synonyms.yaml")
Phrase = tuple[str, ...]  # folded words


@dataclass(frozen=True)
class Vocabulary:
    """The parsed data file: synonym groups, boilerplate phrases, place names and place field names (folded)."""

    groups: tuple[tuple[Phrase, ...], ...] = ()
    boilerplate: tuple[Phrase, ...] = ()
    places: frozenset[str] = frozenset()
    place_fields: frozenset[str] = frozenset()


def phrase(text: str) -> Phrase:
    return tuple(fold(w) for w in words(text))


def _strings(data: dict, key: str, path: Path) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InvalidInput(_("{path}: '{key}' phải là một danh sách từ hoặc cụm từ", path=path, key=key),
                           hint=_("hãy sửa tệp hoặc bỏ {setting}", setting=SETTING))
    return [str(v) for v in value]


def parse(path: Path) -> Vocabulary:
    """Read and check one vocabulary file; a mistake names the file and what to fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(_("không đọc được bộ từ vựng tìm kiếm {path}: {error}", path=path, error=error),
                           hint=_("hãy sửa tệp hoặc bỏ {setting}", setting=SETTING)) from None
    if not isinstance(data, dict):
        raise InvalidInput(_("{path}: cần một bảng ánh xạ có 'synonyms', 'boilerplate', 'places'", path=path),
                           hint=_("xem định dạng ở {example}", example=PACKAGED))
    groups = []
    for group in data.get("synonyms") or []:
        if not isinstance(group, list):
            raise InvalidInput(_("{path}: mỗi nhóm từ đồng nghĩa phải là một danh sách, không phải {group!r}",
                                 path=path, group=group), hint=_("viết một nhóm như [tầm soát, sàng lọc]"))
        phrases = tuple(dict.fromkeys(p for p in (phrase(str(item)) for item in group) if p))
        if len(phrases) > 1:
            groups.append(phrases)
    return Vocabulary(tuple(groups), tuple(p for p in map(phrase, _strings(data, "boilerplate", path)) if p),
                      frozenset(" ".join(phrase(p)) for p in _strings(data, "places", path)),
                      frozenset(fold(f).strip() for f in _strings(data, "place_fields", path)))


_cache: dict[tuple[str, float], Vocabulary] = {}
_lock = threading.Lock()


def vocabulary() -> Vocabulary:
    """The vocabulary in force: the file ``OPENDATA_SYNONYMS_FILE`` names, else the packaged one."""
    path = Path(os.environ.get(SETTING) or PACKAGED)
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        raise InvalidInput(_("bộ từ vựng tìm kiếm {path} (do {setting} đặt) không tồn tại", path=path,
                             setting=SETTING),
                           hint=_("hãy trỏ {setting} tới một tệp YAML như {example}, hoặc bỏ nó", setting=SETTING,
                                  example=PACKAGED)) from None
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = parse(path)
        return _cache[key]


def _find(folded: list[str], start: int, vocab: Vocabulary) -> tuple[int, tuple[Phrase, ...]] | None:
    """The longest synonym phrase starting at ``start``: (its length, its group)."""
    best = None
    for group in vocab.groups:
        for candidate in group:
            n = len(candidate)
            if tuple(folded[start:start + n]) == candidate and (best is None or n > best[0]):
                best = (n, group)
    return best


@dataclass(frozen=True)
class Slot:
    """What one position of a query asks for: the words as typed, or any phrase of their synonym group."""

    typed: tuple[tuple[str, str], ...]  # (exact, folded) words as the user typed them
    alternatives: tuple[Phrase, ...] = ()  # folded synonym phrases (the typed phrase excluded)
    last: bool = False  # holds the query's last word: the one being typed, which may be a prefix

    @property
    def label(self) -> str:
        return " ".join(exact for exact, _ in self.typed)


def expand(pairs: list[tuple[str, str]], vocab: Vocabulary | None = None) -> list[Slot]:
    """The query's slots: each synonym phrase found in the query is one slot, every other word its own slot."""
    vocab = vocab or vocabulary()
    folded = [f for _, f in pairs]
    slots, i = [], 0
    while i < len(pairs):
        found = _find(folded, i, vocab)
        if found is None:
            slots.append(Slot((pairs[i],)))
            i += 1
            continue
        n, group = found
        typed = tuple(folded[i:i + n])
        slots.append(Slot(tuple(pairs[i:i + n]), tuple(p for p in group if p != typed)))
        i += n
    if slots:
        slots[-1] = Slot(slots[-1].typed, slots[-1].alternatives, last=True)
    return slots
