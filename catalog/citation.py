"""How to cite one version of a dataset: the sentence people paste, CSL-JSON for reference managers, BibTeX.

Why its own module: a journalist or a researcher cites the exact rows they used, so a citation names the version
and the URL of the pinned view (``/datasets/<name>/versions/<n>/explore?…``), never "the latest". The version
page, the pinned explorer and ``citation.{json,bib}`` all build their citation here, from the same facts
(``CitedView``), so the three agree. Nothing here knows about requests; the web passes the URL it serves.

The sentence follows the APA shape for data sets: publisher. (year). title (version N) [data set]. catalogue.
URL, accessed date; in Vietnamese with "phiên bản", "bộ dữ liệu" and "truy cập ngày".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from catalog.text import fold

CATALOGUE = {"vi": "Cổng dữ liệu mở Hà Nội", "en": "Hanoi Open Data Portal"}


@dataclass(frozen=True)
class CitedView:
    """What a citation says: who published which version of what, when, where it is, when it was read."""

    name: str
    title: str
    publisher: str
    version: int
    published_at: str  # ISO 8601, as the version record holds it
    url: str
    accessed: date
    licence: str = ""

    @property
    def year(self) -> str:
        return self.published_at[:4]


def text(view: CitedView, lang: str) -> str:
    """The citation as one sentence, in Vietnamese (``vi``) or English (``en``)."""
    if lang == "en":
        return (f"{view.publisher}. ({view.year}). {view.title} (version {view.version}) [Data set]. "
                f"{CATALOGUE['en']}. {view.url}, accessed {view.accessed.isoformat()}.")
    day = view.accessed
    return (f"{view.publisher}. ({view.year}). {view.title} (phiên bản {view.version}) [Bộ dữ liệu]. "
            f"{CATALOGUE['vi']}. {view.url}, truy cập ngày {day.day:02d}/{day.month:02d}/{day.year}.")


def csl_json(view: CitedView) -> dict:
    """The citation as one CSL-JSON item (what Zotero, Mendeley and citeproc read)."""
    published = [int(p) for p in view.published_at[:10].split("-") if p.isdigit()]
    return {
        "id": f"{view.name}-v{view.version}",
        "type": "dataset",
        "title": view.title,
        "publisher": view.publisher,
        "author": [{"literal": view.publisher}],
        "issued": {"date-parts": [published]},
        "accessed": {"date-parts": [[view.accessed.year, view.accessed.month, view.accessed.day]]},
        "version": str(view.version),
        "URL": view.url,
        "container-title": CATALOGUE["vi"],
        **({"license": view.licence} if view.licence else {}),
    }


def _bib_escape(value: str) -> str:
    """A BibTeX field value: braces and the characters TeX treats specially escaped (UTF-8 kept as it is)."""
    return re.sub(r"([{}%&$#_\\])", r"\\\1", value)


def bibtex(view: CitedView) -> str:
    """The citation as one BibTeX ``@misc`` entry (biblatex reads ``@misc`` too; ``@dataset`` is not BibTeX)."""
    key = re.sub(r"[^a-z0-9]+", "-", fold(view.name)).strip("-") + f"-v{view.version}"
    fields = [
        ("title", view.title), ("author", "{" + _bib_escape(view.publisher) + "}"), ("publisher", view.publisher),
        ("year", view.year), ("version", str(view.version)), ("howpublished", CATALOGUE["vi"]),
        ("url", view.url), ("urldate", view.accessed.isoformat()), ("note", "Bộ dữ liệu / Data set"),
    ]
    body = ",\n".join(f"  {name} = {{{value if name in ('url', 'author') else _bib_escape(value)}}}"
                      for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"
