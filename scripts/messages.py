"""Extract the product's messages and keep the English catalogues in step (a developer tool, not the product).

Why: the source language is Vietnamese, written in the code as ``_("…")`` (Python) and ``_("…")`` in templates;
English lives in ``catalog/locale/en/LC_MESSAGES/<domain>.po``, one domain per top-level package. This script
is the one place that knows how to find the messages, so ``tests/test_messages.py`` and developers run the same
extraction.

    python scripts/messages.py update     # add new messages (empty English), drop those no longer in the code
    python scripts/messages.py missing    # list messages without English; exit 1 if there is any
    python scripts/messages.py add web "Bộ dữ liệu" "Datasets" ["…" "…" …]   # set English (pairs)
    python scripts/messages.py add web --context "chart type" "Cột" "Bars"   # where the Vietnamese is ambiguous
"""

from __future__ import annotations

import fcntl
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "catalog" / "locale"
DOMAINS = ("catalog", "pipelines", "web", "cli")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def extract(domain: str) -> Catalog:
    """Every message written in the package ``domain`` (Python and templates), with where it is used."""
    catalogue = Catalog(locale="vi", domain=domain, project="opendata", charset="utf-8")
    for filename, line, message, comments, _context in extract_from_dir(
            ROOT / domain, METHODS, keywords=KEYWORDS, options_map=OPTIONS, comment_tags=("TRANSLATORS:",)):
        if message:
            catalogue.add(message, locations=[(f"{domain}/{filename}", line)], auto_comments=comments,
                          context=_context)
    return catalogue


def english(domain: str) -> Catalog:
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return Catalog(locale="en", domain=domain, charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale="en", domain=domain)


def missing() -> dict[str, list[str]]:
    """Per domain, the messages in the code that have no English (a tuple id is a plural pair)."""
    found: dict[str, list[str]] = {}
    for domain in DOMAINS:
        translated = english(domain)
        gaps = []
        for message in extract(domain):
            if not message.id:
                continue
            known = translated.get(message.id, message.context)
            strings = known.string if known is not None else None
            if not strings or (isinstance(strings, tuple) and not all(strings)):
                gaps.append(message.id if isinstance(message.id, str) else message.id[0])
        if gaps:
            found[domain] = gaps
    return found


@contextmanager
def locked():
    """Several people (or scripts) may edit the catalogues at once: one writer at a time."""
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def save(domain: str, catalogue: Catalog) -> None:
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / f"{domain}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, sort_output=True, omit_header=False, width=116, no_location=True)


def obsolete() -> dict[str, list[str]]:
    """Per domain, English entries whose Vietnamese is no longer in the code (reworded or removed messages)."""
    found: dict[str, list[str]] = {}
    for domain in DOMAINS:
        used = {(m.id, m.context) for m in extract(domain) if m.id}
        stale = [m.id for m in english(domain) if m.id and (m.id, m.context) not in used]
        if stale:
            found[domain] = stale
    return found


def update() -> None:
    """Add every new message to its domain's English catalogue (empty), drop stale ones, keep the rest."""
    with locked():
        for domain in DOMAINS:
            translated = english(domain)
            extracted = [m for m in extract(domain) if m.id]
            for message in extracted:
                if translated.get(message.id, message.context) is None:
                    translated.add(message.id, string=("", "") if isinstance(message.id, tuple) else "",
                                   context=message.context)
            used = {(m.id, m.context) for m in extracted}
            for message in [m for m in translated if m.id and (m.id, m.context) not in used]:
                translated.delete(message.id, message.context)
            save(domain, translated)


def add(domain: str, pairs: list[str], context: str | None = None) -> None:
    """Set the English of each (Vietnamese, English) pair in ``domain``'s catalogue."""
    if domain not in DOMAINS or len(pairs) % 2:
        raise SystemExit(f"usage: add {{{','.join(DOMAINS)}}} [--context C] VI EN [VI EN ...]")
    with locked():
        translated = english(domain)
        for vietnamese, text in zip(pairs[::2], pairs[1::2], strict=True):
            known = translated.get(vietnamese, context)
            if known is not None:
                known.string = text
            else:
                translated.add(vietnamese, string=text, context=context)
        save(domain, translated)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "missing"
    if command == "update":
        update()
        return 0
    if command == "add":
        args = argv[3:]
        context = None
        if args[:1] == ["--context"]:
            context, args = args[1], args[2:]
        add(argv[2], args, context)
        return 0
    gaps = missing()
    for domain, ids in gaps.items():
        for message_id in ids:
            print(f"{domain}: {message_id}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
