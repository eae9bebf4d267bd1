"""Push the catalogue's datasets to a CKAN portal with ``ckanapi``: create or update, idempotently.

Each dataset becomes the package of the same name in the target organisation, with the metadata mapped by
``catalog/ckan/shapes.py`` (the same mapping our own Action API serves) and resources that link to our
immutable downloads, so the portal never holds a stale copy. Before writing, the portal's current package is
compared with what we would send: equal means nothing is written, so a second push changes nothing on the
portal. A failure (network, a 500, a refused package) is reported per dataset and the rest go on; a re-run
finishes the job, finding by name what the first run already created.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from ckanapi import CKANAPIError, NotFound, ServerIncompatibleError

from catalog.ckan.shapes import package_dict
from catalog.errors import InvalidInput, UserError
from catalog.i18n import _
from catalog.metadata import Catalog
from pipelines import outbound
from pipelines.ckan.client import Tally, connect, progress

log = logging.getLogger(__name__)
USER_AGENT = "hanoi-opendata-push/0.1 (+ckanapi)"
PACKAGE_FIELDS = ("title", "notes", "license_id", "author", "maintainer", "url", "private")
RESOURCE_FIELDS = ("name", "url", "format", "description")


@dataclass
class PushItem:
    dataset: str
    status: str  # created, updated, unchanged, failed
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "status": self.status, "messages": self.messages}


@dataclass
class PushResult(Tally):
    target: str
    items: list[PushItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    def summary(self) -> str:
        return _("đẩy lên {target}: {counts}", target=self.target, counts=self.counted(_("không có gì để đẩy")))

    def not_done(self) -> list[str]:
        return [_("chưa xong: {dataset}: {problem}", dataset=item.dataset, problem="; ".join(item.messages))
                for item in self.items if not item.ok]

    def to_dict(self) -> dict:
        return {"target": self.target, "ok": self.ok, "counts": self.counts(),
                "items": [item.to_dict() for item in self.items]}


def desired_package(dataset: dict, org: dict, site_url: str, target_org: str) -> dict:
    """What the portal should hold for ``dataset``: our package dict, without our ids, in ``target_org``."""
    pkg = package_dict(dataset, site_url, org=org)
    return {
        "name": pkg["name"], "title": pkg["title"], "notes": pkg["notes"], "license_id": pkg["license_id"],
        "author": pkg["author"], "maintainer": pkg["maintainer"],
        "url": f"{site_url.rstrip('/')}/datasets/{pkg['name']}", "private": pkg["private"],
        "owner_org": target_org, "tags": [{"name": t["name"]} for t in pkg["tags"]], "extras": pkg["extras"],
        "resources": [{k: res.get(k) or "" for k in (*RESOURCE_FIELDS, "mimetype")} for res in pkg["resources"]],
    }


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def comparable(pkg: dict) -> dict:
    """The parts of a package dict that push controls, normalised (None = '', order of tags/extras ignored)."""
    return {
        **{k: _text(pkg.get(k)) for k in PACKAGE_FIELDS if k != "private"},
        "private": bool(pkg.get("private")),
        "tags": sorted(t.get("name") if isinstance(t, dict) else str(t) for t in pkg.get("tags") or []),
        "extras": sorted((e.get("key"), _text(e.get("value"))) for e in pkg.get("extras") or []),
    }


def resource_keys(pkg: dict) -> list[tuple]:
    return [tuple(_text(r.get(k)).upper() if k == "format" else _text(r.get(k)) for k in RESOURCE_FIELDS)
            for r in pkg.get("resources") or []]


def same_package(have: dict, want: dict) -> bool:
    """Does the portal already hold what we would send? Our resources must all be there, in order; resources
    the portal adds itself (a CKAN catalogue serving its own copy of the data) do not count as a difference."""
    if comparable(have) != comparable(want):
        return False
    remaining = iter(resource_keys(have))
    return all(key in remaining for key in resource_keys(want))


class Pusher:
    def __init__(self, catalog: Catalog, url: str, token: str, *, site_url: str,
                 session: requests.Session | None = None) -> None:
        self.catalog = catalog
        self.target = url.rstrip("/")
        self.site_url = site_url.rstrip("/")
        self.ckan = connect(self.target, USER_AGENT, apikey=token, session=session)
        self.remote_orgs: dict[str, dict] = {}

    def remote_org(self, name: str) -> dict:
        if name not in self.remote_orgs:
            try:
                self.remote_orgs[name] = self.ckan.action.organization_show(id=name)
            except NotFound:
                raise InvalidInput(_("tổ chức {name} không tồn tại trên {target}", name=repr(name), target=self.target),
                                   hint=_("hãy tạo nó ở đó, hoặc dùng --org với một tổ chức đã có")) from None
        return self.remote_orgs[name]

    def push(self, dataset: dict, org: dict, target_org: str | None) -> PushItem:
        item = PushItem(dataset["name"], "unchanged")
        remote_org = self.remote_org(target_org or dataset["org"])
        want = desired_package(dataset, org, self.site_url, remote_org["name"])
        try:
            have = self.ckan.action.package_show(id=dataset["name"])
        except NotFound:
            have = None
        if have is None:
            self.ckan.call_action("package_create", want)
            item.status = "created"
            return item
        same_org = (have.get("organization") or {}).get("name") == remote_org["name"] or \
            have.get("owner_org") == remote_org.get("id")
        if same_org and have.get("state", "active") == "active" and same_package(have, want):
            return item
        by_url = {r.get("url"): r.get("id") for r in have.get("resources") or []}
        for res in want["resources"]:
            if by_url.get(res["url"]):
                res["id"] = by_url[res["url"]]
        want["id"] = have["id"]
        self.ckan.call_action("package_update", want)
        item.status = "updated"
        return item


def push_ckan(catalog: Catalog, url: str, token: str, *, site_url: str, org: str | None = None,
              dataset: str | None = None, log: Callable[[str], None] | None = None) -> PushResult:
    """Create or update on the portal every public dataset (or just ``dataset``, private ones too)."""
    pusher = Pusher(catalog, url, token, site_url=site_url)
    result = PushResult(pusher.target)
    datasets = [catalog.get_dataset(dataset)] if dataset else catalog.list_datasets(include_private=False)
    orgs = {o["id"]: o for o in catalog.list_orgs()}
    for found in sorted(datasets, key=lambda d: d["name"]):
        try:
            item = pusher.push(found, orgs[found["org_id"]], org)
        except Exception as error:  # noqa: BLE001 - one refused dataset must not stop the push
            if not isinstance(error, UserError | CKANAPIError | ServerIncompatibleError | requests.RequestException):
                log.exception("push of %s failed", found["name"])
            item = PushItem(found["name"], "failed", [outbound.describe_error(error)])
        progress(log, item.status, item.dataset)
        result.items.append(item)
    catalog.audit("push", "push", target=pusher.target, detail={"counts": result.counts()})
    return result
