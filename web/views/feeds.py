"""Atom feeds (RFC 4287) of published versions: the whole catalogue, one organisation, one dataset, one tag.

Why: data users build on data that changes, and polling every dataset page is what a feed reader saves them.
Each entry is one published version, with a ``tag:`` id that never changes (built from the site's configured
host and the dataset and version, which are immutable), a link to the immutable diff against the previous
version and an enclosure with the version's Parquet file, and a summary of the version's recorded changes (the
same ``catalog.diff`` summary as the versions table). Feeds are public documents shared by every reader and
cached by proxies: they are always built for the anonymous viewer (private datasets never appear, whoever asks)
and their language comes from ``?lang=`` alone, never from a cookie. The XML is built with ElementTree, so
every title and summary is escaped by the library.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, g, request

from catalog.errors import NotFound
from catalog.feeds import published_versions
from catalog.visibility import ANONYMOUS
from web.context import bounded_int, get_catalog
from web.i18n import format_number, use_language
from web.i18n import gettext as _
from web.urls import base_url

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
PER_PAGE = 50
MAX_PAGE = 10_000
EMPTY_UPDATED = "2026-01-01T00:00:00Z"  # a feed with no entry yet still needs a stable <updated>
MEDIA_TYPE = "application/atom+xml"


@bp.before_request
def feed_language() -> None:
    """Feeds are shared documents: the language is in the URL (``?lang=en``), never taken from a cookie."""
    use_language("en" if request.args.get("lang") == "en" else "vi")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def rfc3339(stamp: str) -> str:
    """Stored stamps (``2026-01-02T03:04:05.123456Z``) as RFC 3339 date-times without the microseconds."""
    return stamp[:19] + "Z" if stamp else EMPTY_UPDATED


def entry_id(name: str, number: int, published_at: str) -> str:
    """``tag:<host>,<year>:dataset/<name>/version/<n>``: the year the version was published, so it never moves."""
    host = urlsplit(base_url()).hostname or "localhost"
    return f"tag:{host},{published_at[:4]}:dataset/{name}/version/{number}"


def change_summary(entry: dict) -> str:
    """One line, in the request's language, from the version's recorded ``changes``."""
    c = entry.get("changes") or {}
    if entry["number"] == 1:
        return _("phiên bản đầu tiên, {rows} dòng", rows=format_number(entry["rows"]))
    parts = [f"{sign}{format_number(c.get(key) or 0)} {_(label)}" for key, sign, label in
             (("rows_added", "+", "dòng thêm"), ("rows_removed", "−", "dòng bớt"), ("rows_changed", "", "dòng sửa"))
             if c.get(key)]
    for key, label in (("fields_added", "cột thêm"), ("fields_removed", "cột bớt")):
        if c.get(key):
            parts.append(f"{_(label)}: {', '.join(c[key])}")
    parts += [f"{_('đổi kiểu')} {r['name']}: {r['from']} → {r['to']}" for r in c.get("fields_retyped") or []]
    parts += [f"{_('đổi tiêu đề')} {r['name']}: «{r['from']}» → «{r['to']}»" for r in c.get("titles_changed") or []]
    for r in c.get("enum_values") or []:
        values = [f"+{v}" for v in r.get("added") or []] + [f"−{v}" for v in r.get("removed") or []]
        parts.append(f"{_('giá trị cho phép')} {r['name']}: {', '.join(str(v) for v in values)}")
    parts += [f"{_('đổi ràng buộc')} {r['name']}" for r in c.get("constraints_changed") or []]
    parts += [f"{_('đổi mô tả')} {r['name']}" for r in c.get("descriptions_changed") or []]
    text = "; ".join(parts) or _("không thay đổi")
    return f"{text}. {entry['note']}" if entry.get("note") else text


def _entry(feed: ET.Element, item: dict, root: str, lang_query: str) -> None:
    name, number = item["dataset"], item["number"]
    entry = _el(feed, "entry")
    _el(entry, "id", entry_id(name, number, item["published_at"]))
    _el(entry, "title", f"{item['title']} — {_('phiên bản {number}', number=number)}")
    _el(entry, "updated", rfc3339(item["published_at"]))
    _el(entry, "published", rfc3339(item["published_at"]))
    author = _el(entry, "author")
    _el(author, "name", item["org_title"])
    _el(author, "uri", f"{root}/organizations/{item['org']}")
    page = (f"{root}/datasets/{name}/versions/{number - 1}/diff/{number}" if number > 1
            else f"{root}/datasets/{name}")
    _el(entry, "link", rel="alternate", type="text/html", href=page + lang_query)
    _el(entry, "link", rel="enclosure", type="application/vnd.apache.parquet", length=str(item["bytes"]),
        href=f"{root}/datasets/{name}/versions/{number}/data.parquet")
    _el(entry, "link", rel="related", type="text/csv", href=f"{root}/datasets/{name}/versions/{number}/data.csv")
    for tag in item.get("tags") or []:
        _el(entry, "category", term=str(tag))
    _el(entry, "summary", change_summary(item), type="text")


def _page_url(root: str, page: int, lang: str) -> str:
    params = [("page", str(page))] if page > 1 else []
    if lang == "en":
        params.append(("lang", "en"))
    return f"{root}{request.path}" + (f"?{urlencode(params)}" if params else "")


def render(title: str, html_url: str, fallback_updated: str, **scope: str | None) -> Response:
    """The feed page ``?page=N`` of the versions in ``scope`` (org, dataset or tag), with its ETag."""
    lang = g.lang
    page = bounded_int(request.args.get("page"), "page", 1, 1, MAX_PAGE)
    found = published_versions(get_catalog(), ANONYMOUS, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE,
                               **scope)
    items, more = found[:PER_PAGE], len(found) > PER_PAGE
    root = base_url()
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _el(feed, "id", f"{root}{request.path}")
    _el(feed, "title", title)
    _el(feed, "updated", rfc3339(items[0]["published_at"]) if items else rfc3339(fallback_updated))
    author = _el(feed, "author")
    _el(author, "name", _("Dữ liệu mở Hà Nội"))
    _el(author, "uri", root + "/")
    _el(feed, "link", rel="self", type=MEDIA_TYPE, href=_page_url(root, page, lang))
    _el(feed, "link", rel="alternate", type="text/html", href=html_url + ("?lang=en" if lang == "en" else ""))
    _el(feed, "link", rel="first", type=MEDIA_TYPE, href=_page_url(root, 1, lang))
    if page > 1:
        _el(feed, "link", rel="previous", type=MEDIA_TYPE, href=_page_url(root, page - 1, lang))
    if more:
        _el(feed, "link", rel="next", type=MEDIA_TYPE, href=_page_url(root, page + 1, lang))
    lang_query = "?lang=en" if lang == "en" else ""
    for item in items:
        _entry(feed, item, root, lang_query)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/feeds/datasets.atom")
def catalogue_feed() -> Response:
    return render(f"{_('Dữ liệu mở Hà Nội')}: {_('Các phiên bản mới công bố')}", f"{base_url()}/datasets",
                  EMPTY_UPDATED)


@bp.get("/feeds/organizations/<org>.atom")
def organization_feed(org: str) -> Response:
    found = get_catalog().find_org(org, ANONYMOUS)
    if found is None:
        raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org), hint=_("danh sách ở /organizations có mọi tổ chức"))
    return render(found["title"], f"{base_url()}/organizations/{found['name']}", found["created_at"],
                  org=found["name"])


@bp.get("/feeds/datasets/<name>.atom")
def dataset_feed(name: str) -> Response:
    found = get_catalog().find_dataset(name, viewer=ANONYMOUS)
    if found is None:
        raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name), hint=_("danh sách ở /datasets có mọi bộ dữ liệu"))
    return render(found["title"], f"{base_url()}/datasets/{found['name']}", found["created_at"],
                  dataset=found["name"])


@bp.get("/feeds/tags/<tag>.atom")
def tag_feed(tag: str) -> Response:
    return render(_("Chủ đề {tag}", tag=tag), f"{base_url()}/datasets?{urlencode({'tag': tag})}", EMPTY_UPDATED,
                  tag=tag)
