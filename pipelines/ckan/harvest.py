"""Harvest datasets from a CKAN portal with ``ckanapi``: metadata mapped, tabular resources published.

The portal is paged the way ckanext-harvest pages it (``package_search``, ``sort=id asc``, until an empty page),
so the walk is stable while the portal changes. For each package:

- the organisation is mapped to a local one of the same name (created when missing) unless ``into`` is given;
- each tabular resource (CSV, TSV, XLSX, JSON, Parquet) becomes a version of a local dataset through the same
  validation and publish pipeline as ``opendata publish``: with the resource's Table Schema when it has one
  (``schema``, as ckanext-validation and this catalogue publish it), the dataset's when it exists, else one
  drafted by ``describe``. Several formats of one table (``x.csv`` and ``x.xlsx``) are one table: the first of
  Parquet (typed, so dates and numbers arrive exactly), CSV, TSV, XLSX, JSON is imported. A package with
  several tables gives one dataset per table;
- other resources are kept as links.

Provenance (source, package id, its ``metadata_modified``, the resource fingerprint and content hash) is kept in
the dataset's internal CKAN state and written only once the package is fully imported, so a re-run skips what has
not changed (by ``metadata_modified``, then by the resource's URL/timestamp/size, then by the content hash inside
``publish``) and redoes exactly what failed: no duplicates, whatever stopped the previous run.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests
from ckanapi import CKANAPIError, RemoteCKAN, ServerIncompatibleError

from catalog.ckan.shapes import (
    INTERNAL,
    NAMESPACE,
    TABULAR,
    format_of,
    internal,
    is_tabular,
    meta_from_package,
    parse_json_value,
)
from catalog.ckan.state import save_state
from catalog.errors import InvalidInput, UserError
from catalog.i18n import _
from catalog.links import is_safe_link
from catalog.metadata import Catalog
from catalog.storage import WorkDir
from catalog.text import fold
from pipelines.ckan.client import Tally, connect, progress, status_text
from pipelines.outbound import describe_error

log = logging.getLogger(__name__)
USER_AGENT = "hanoi-opendata-harvest/0.1 (+ckanapi)"
PAGE_ROWS = 100
PREFERRED = ("PARQUET", "CSV", "TSV", "XLSX", "JSON")  # Parquet is typed: nothing lost in a text format
DOWNLOAD_TIMEOUT = (10, 300)
CHUNK = 1 << 20


@dataclass
class HarvestItem:
    """What happened to one local dataset: created, updated, unchanged, skipped, invalid or failed."""

    package: str
    dataset: str | None
    status: str
    messages: list[str] = field(default_factory=list)
    report: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status not in ("failed", "invalid")

    def to_dict(self) -> dict:
        return {"package": self.package, "dataset": self.dataset, "status": self.status,
                "messages": self.messages, "report": self.report}


@dataclass
class HarvestResult(Tally):
    source: str
    items: list[HarvestItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the listing itself failed part-way

    @property
    def ok(self) -> bool:
        return not self.errors and all(item.ok for item in self.items)

    def summary(self) -> str:
        text = _("thu thập từ {source}: {counts}", source=self.source, counts=self.counted(_("không tìm thấy gì")))
        if self.errors:
            text += "; " + _("danh sách chưa đầy đủ ({count} lỗi): hãy chạy lại để hoàn tất", count=len(self.errors))
        return text

    def not_done(self) -> list[str]:
        """One line per thing not done, for people."""
        lines = [_("chưa xong: {problem}", problem=error) for error in self.errors]
        for item in self.items:
            if not item.ok:
                lines.append(_("chưa xong: {dataset}: {problem}", dataset=item.dataset or item.package,
                               problem="; ".join(item.messages) or status_text(item.status)))
        return lines

    def to_dict(self) -> dict:
        return {"source": self.source, "ok": self.ok, "counts": self.counts(), "errors": self.errors,
                "items": [item.to_dict() for item in self.items]}


def local_name(name: str) -> str:
    """A CKAN name (``[a-z0-9_-]``, any case from some portals) as a catalogue slug (``[a-z0-9-]``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(str(name))).strip("-")[:100].strip("-")
    return slug or "dataset"


def since_filter(since: str) -> str:
    """``--since 2024-05-01`` (or a full ISO time) → Solr's ``metadata_modified:[... TO *]``."""
    try:
        moment = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(_("không đọc được ngày {since}", since=repr(since)),
                           hint=_("hãy dùng YYYY-MM-DD hoặc một thời điểm ISO 8601")) from None
    if moment.tzinfo is not None:
        from datetime import UTC

        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return f"metadata_modified:[{moment.strftime('%Y-%m-%dT%H:%M:%S')}Z TO *]"


# -- listing --------------------------------------------------------------------------------------------------------
def iter_packages(ckan: RemoteCKAN, *, query: str | None, fq: str, errors: list[str]):
    """Page through package_search (sort by id, until an empty page); a failure stops the walk, noted."""
    start = 0
    previous: list[str] | None = None
    while True:
        try:
            page = ckan.action.package_search(q=query or "*:*", fq=fq, rows=PAGE_ROWS, start=start, sort="id asc")
        except (CKANAPIError, ServerIncompatibleError, requests.RequestException) as error:
            errors.append(_("package_search với start={start} thất bại: {error}", start=start,
                            error=describe_error(error)))
            return
        results = page.get("results") or []
        ids = [p.get("id") for p in results]
        if not results:
            return
        if ids == previous:
            errors.append(_("phân trang không hoạt động trên cổng này: start={start} lặp lại trang trước", start=start))
            return
        yield from results
        previous = ids
        start += len(results)


# -- one package ----------------------------------------------------------------------------------------------------
def table_key(resource: dict) -> str:
    """Resources that are one table in several formats share a key: their name without extension/format."""
    name = str(resource.get("name") or "").strip() or str(resource.get("url") or "").rsplit("/", 1)[-1]
    name = re.sub(r"\s*\((csv|tsv|xlsx?|json|parquet)\)\s*$", "", name, flags=re.IGNORECASE)
    name = re.sub(r"\.(csv|tsv|xlsx?|json|jsonl|parquet)$", "", name, flags=re.IGNORECASE)
    return fold(name).strip() or str(resource.get("id"))


def split_resources(resources: list[dict]) -> tuple[list[dict], list[dict]]:
    """(one chosen resource per table, the non-tabular resources to keep as links)."""
    tables: dict[str, list[dict]] = {}
    links = []
    for res in resources:
        if not isinstance(res, dict) or not res.get("url") or not is_safe_link(str(res["url"])):
            continue  # a javascript: or file: "link" is not kept (catalog/links.py)
        fmt = format_of(res).upper()
        if is_tabular(fmt):
            tables.setdefault(table_key(res), []).append(res)
        else:
            links.append(res)
    chosen = [min(group, key=lambda r: PREFERRED.index(format_of(r).upper())) for group in tables.values()]
    return chosen, links


def fingerprint(res: dict) -> list:
    return [res.get("url"), res.get("last_modified") or res.get("metadata_modified"), res.get("size"),
            res.get("hash")]


def link_entries(source: str, links: list[dict]) -> list[dict]:
    out = []
    for res in links:
        out.append({"id": str(uuid.uuid5(NAMESPACE, f"harvest:{source}:{res.get('id') or res.get('url')}")),
                    "kind": "link", "name": str(res.get("name") or ""),
                    "description": str(res.get("description") or ""), "url": str(res["url"]),
                    "format": format_of(res), "mimetype": res.get("mimetype") or None, "size": res.get("size"),
                    "hash": str(res.get("hash") or ""), "created": res.get("created"),
                    "last_modified": res.get("last_modified") or res.get("metadata_modified")})
    return out


def resource_schema(res: dict) -> dict | None:
    try:
        value = parse_json_value(res.get("schema"), "schema")
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("fields"), list) else None


class Harvester:
    """One harvest run against one portal."""

    def __init__(self, catalog: Catalog, url: str, *, into: str | None = None, publisher: str = "harvest",
                 session: requests.Session | None = None) -> None:
        self.catalog = catalog
        self.source = url.rstrip("/")
        self.ckan = connect(self.source, USER_AGENT, session=session)
        self.session = self.ckan.session  # downloads go through the same guarded session
        self.into = catalog.get_org(into)["name"] if into else None
        self.publisher = publisher

    def org_for(self, pkg: dict) -> str:
        if self.into:
            return self.into
        remote = pkg.get("organization") or {}
        if not remote.get("name"):
            raise InvalidInput(_("gói {package} không có tổ chức (organization)", package=repr(pkg.get("name"))),
                               hint=_("hãy dùng --into TỔ_CHỨC để đưa các bộ dữ liệu như vậy vào một tổ chức tại "
                                      "đây"))
        name = local_name(remote["name"])
        if self.catalog.find_org(name) is None:
            self.catalog.add_org(name, remote.get("title") or name, remote.get("description") or "",
                                 actor=self.publisher, origin=self.source)
        return name

    def package(self, pkg: dict) -> list[HarvestItem]:
        chosen, links = split_resources(pkg.get("resources") or [])
        base = local_name(pkg.get("name") or pkg.get("id") or "dataset")
        if len(chosen) <= 1:
            targets = [(base, chosen[0] if chosen else None)]
        else:
            targets, used = [], set()
            for res in chosen:
                name = f"{base[:60]}-{local_name(table_key(res))}"[:100].strip("-")
                while name in used:
                    name = f"{name[:95]}-{len(used)}"
                used.add(name)
                targets.append((name, res))
        items = []
        for name, res in targets:
            try:
                items.append(self.dataset(pkg, name, res, links, several=len(targets) > 1))
            except Exception as error:  # noqa: BLE001 - one bad package or file must not stop the harvest
                if not isinstance(error, UserError | CKANAPIError | requests.RequestException | OSError):
                    log.exception("harvest of %s failed", pkg.get("name"))
                items.append(HarvestItem(pkg.get("name") or "", name, "failed", [describe_error(error)]))
        return items

    def dataset(self, pkg: dict, name: str, res: dict | None, links: list[dict], *, several: bool) -> HarvestItem:
        item = HarvestItem(pkg.get("name") or "", name, "unchanged")
        existing = self.catalog.find_dataset(name, include_deleted=True)
        prov = internal(existing).get("harvest") if existing else None
        if existing and not (prov and prov.get("source") == self.source and prov.get("package_id") == pkg.get("id")):
            item.status = "skipped"
            item.messages.append(_("đã có bộ dữ liệu {name} tại đây và nó không được thu thập từ gói này: giữ "
                                   "nguyên", name=repr(name)))
            return item
        if existing and existing.get("state") == "deleted":
            item.status = "skipped"
            item.messages.append(_("{name} đã bị xoá tại đây: không nhập lại", name=repr(name)))
            return item
        if prov and prov.get("metadata_modified") == pkg.get("metadata_modified"):
            return item
        org = existing["org"] if existing else self.org_for(pkg)
        meta, ckan_only = meta_from_package(pkg, replace=True)
        extras = meta.pop("extras", {})
        meta["private"] = False
        if several and res is not None and res.get("name"):
            meta["title"] = f"{meta.get('title') or pkg.get('name')} — {res['name']}"
        meta.pop("schema_name", None)  # the schema itself comes with the resource (or from describe)
        meta = {k: v for k, v in meta.items() if v is not None}
        new_prov = {"source": self.source, "package_id": pkg.get("id"), "package_name": pkg.get("name"),
                    "metadata_modified": pkg.get("metadata_modified")}
        created = existing is None
        if res is not None:
            new_prov["resource_id"] = res.get("id")
            new_prov["resource_fingerprint"] = fingerprint(res)
            same_file = (existing is not None and existing.get("latest_version") is not None and prov
                         and prov.get("resource_fingerprint") == fingerprint(res))
            if not same_file:
                outcome = self.import_table(pkg, name, org, res, meta, existing, item)
                if outcome is None:
                    return item
                new_prov["source_sha256"] = outcome
            elif prov:
                new_prov["source_sha256"] = prov.get("source_sha256")
        changes = {**{k: v for k, v in ckan_only.items() if v}, "resources": link_entries(self.source, links),
                   "harvest": new_prov}
        if self.catalog.find_dataset(name, include_deleted=True) is None:
            self.catalog.create_dataset(name, org, actor=self.publisher, origin=self.source,
                                        extras={**extras, INTERNAL: changes}, **meta)
        else:
            save_state(self.catalog, name, lambda state: {**state, **changes}, actor=self.publisher,
                       origin=self.source, visible_extras=extras, **meta)
        if item.status == "unchanged":
            item.status = "created" if created else "updated"
        item.messages.append(f"{pkg.get('name')} → {name}")
        return item

    def import_table(self, pkg: dict, name: str, org: str, res: dict, meta: dict, existing: dict | None,
                     item: HarvestItem) -> str | None:
        """Download and publish one tabular resource; returns its sha256, or None when it was refused."""
        from pipelines.publish import publish

        fmt = format_of(res).upper()
        suffix = TABULAR.get(fmt, ".csv")
        with WorkDir(self.catalog.home) as work:
            path = work.file(f"{name}{suffix}")
            self.download(str(res["url"]), path)
            schema: dict | None = resource_schema(res)
            if schema is None and not (existing and existing.get("schema")):
                from pipelines.describe import describe_file

                schema = describe_file(path)
            result = publish(self.catalog, path, dataset=name, org=org, schema=schema, meta=meta,
                             publisher=self.publisher, origin=self.source,
                             note=_("thu thập từ {source} ({package}/{resource})", source=self.source,
                                    package=pkg.get("name"), resource=res.get("id")))
        item.report = result.report if result.status == "invalid" else None
        item.messages.extend(result.messages)
        if result.status == "invalid":
            item.status = "invalid"
            self.catalog.audit(self.publisher, "harvest.invalid", dataset=name, target=str(res.get("url")),
                               origin=self.source, detail={"package": pkg.get("name"), "messages": result.messages})
            return None
        if result.status == "published" and existing is not None:
            item.status = "updated"
        return result.version["source_sha256"] if result.version else None

    def download(self, url: str, path: Path) -> None:
        with self.session.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
            response.raise_for_status()
            with open(path, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)


def harvest_ckan(catalog: Catalog, url: str, *, org: str | None = None, into: str | None = None,
                 query: str | None = None, since: str | None = None, publisher: str = "harvest",
                 log: Callable[[str], None] | None = None) -> HarvestResult:
    """Harvest the portal at ``url`` (only organisation ``org``, matching ``query``, modified since ``since``)."""
    harvester = Harvester(catalog, url, into=into, publisher=publisher)
    result = HarvestResult(harvester.source)
    fq = " AND ".join(part for part in (f'organization:"{org}"' if org else "",
                                         since_filter(since) if since else "") if part)
    for pkg in iter_packages(harvester.ckan, query=query, fq=fq, errors=result.errors):
        items = harvester.package(pkg)
        for item in items:
            progress(log, item.status, item.dataset or item.package)
        result.items.extend(items)
    catalog.audit(publisher, "harvest", target=harvester.source, origin=harvester.source,
                  detail={"counts": result.counts(), "errors": result.errors})
    return result
