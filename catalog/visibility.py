"""Who may see a private dataset: one rule, in one place.

A private dataset exists only for the members of its organisation and for site admins. Everywhere else (pages,
REST and CKAN APIs, search, organisation counts, downloads, foreign-key targets, validation against a dataset's
schema, SQL) it does not exist: lookups answer "not found", listings and counts leave it out. Before this module
each of those places carried its own ``if dataset.get("private")`` and several forgot to; now they all ask
``visible(dataset, viewer)`` (or, inside a SQL query, ``sql_filter(viewer)``, the same rule as a condition), so
a new place that names datasets has one function to call and no rule to re-invent.

``Viewer`` is who is asking, reduced to what the rule needs. It is built from an account dict (``Viewer.of``),
so this module does not depend on how users are authenticated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from catalog import db


@dataclass(frozen=True)
class Viewer:
    """Who is asking: anonymous (no name), a user with memberships, or a site admin."""

    name: str | None = None
    orgs: frozenset[str] = frozenset()  # names of the organisations the user is a member of (any role)
    sysadmin: bool = False

    @classmethod
    def of(cls, user: Mapping | None) -> Viewer:
        """The viewer for an account dict (``Accounts.check_token``'s user, with ``memberships``) or None."""
        if not user:
            return ANONYMOUS
        return cls(name=user.get("name"), orgs=frozenset(user.get("memberships") or {}),
                   sysadmin=bool(user.get("sysadmin")))

    @property
    def anonymous(self) -> bool:
        return self.name is None and not self.sysadmin

    def reads_private_of(self, org: str) -> bool:
        """May this viewer read the private datasets of organisation ``org`` (its name)?"""
        return self.sysadmin or org in self.orgs


ANONYMOUS = Viewer()
# The operator at the server's command line (``opendata ...``): reads everything, as a site admin does.
OPERATOR = Viewer(name="cli", sysadmin=True)


def visible(dataset: Mapping, viewer: Viewer) -> bool:
    """THE rule: a public dataset is visible to everyone, a private one to its organisation's members and admins."""
    return not dataset.get("private") or viewer.reads_private_of(dataset.get("org") or "")


def sql_filter(viewer: Viewer, datasets: sa.Table = db.datasets) -> sa.ColumnElement[bool]:
    """``visible`` as a condition on the datasets table, for listing and counting queries."""
    if viewer.sysadmin:
        return sa.true()
    public = datasets.c.private.is_(False)
    if not viewer.orgs:
        return public
    o = db.organizations
    return public | datasets.c.org_id.in_(sa.select(o.c.id).where(o.c.name.in_(sorted(viewer.orgs))))
