"""Which writes leave a cached search answer valid: the creates it does not match.

Why: every write increases the index's change serial, and a cached answer (``catalog/search/cache.py``) was only
valid for the serial it was computed at, so on a portal that harvests all day every write made the next search
of every query start again from the index (the "first search after a write"). A dataset being created changes
an answer only if the new document matches it: its words (all of them; any of them for an answer that found no
dataset with every word, which a new one could complete or grow), its filters and the viewer's visibility. So
each write logs what it did (``search_changes``: the document a create added, or nothing for any other change),
and an answer older than the serial is kept when every change since is a create that it does not match, checked
with the same full-text match on those few documents. Updates, deletions, organisation renames and new versions
still make every older answer go: the document may have matched before.

One exception keeps answers exact: SQLite's bm25 weighs a word by how many documents have it, so a new document
shifts every relevance score; there, an answer ranked by relevance is computed again after any write.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.search import keys
from catalog.search.index import LOG_KEEP, backend
from catalog.search.synonyms import Slot
from catalog.visibility import Viewer

MAX_BEHIND = 64  # changes checked at most; an answer further behind is computed again


def created_since(conn: Connection, since: int, now: int) -> list[int] | None:
    """The documents created by the changes after serial ``since`` up to ``now``; None when one of those changes
    was not a create, or the log no longer holds them all."""
    if not 0 < now - since <= min(MAX_BEHIND, LOG_KEEP):
        return None
    c = db.search_changes
    rows = conn.execute(sa.select(c.c.created_doc).where(c.c.serial > since, c.c.serial <= now)).all()
    if len(rows) != now - since or any(row.created_doc is None for row in rows):
        return None
    return [row.created_doc for row in rows]


def still_valid(conn: Connection, since: int, now: int, slots: list[Slot], wanted: dict[str, list[str]],
                viewer: Viewer, *, ranked: bool, complete: bool) -> bool:
    """Is an answer computed at serial ``since`` still the answer at ``now``? (``ranked``: ordered by relevance;
    ``complete``: some dataset had every word, so only a new one with every word changes it; otherwise, one
    with any of them may)."""
    engine = backend(conn)
    if ranked and slots and engine.COLLECTION_RANKING:
        return False
    created = created_since(conn, since, now)
    if created is None:
        return False
    found = engine.matching(slots, every=complete, scored=False, required=keys.of_filters(wanted),
                            any_of=keys.of_viewer(conn, viewer))
    return conn.execute(sa.select(found.c.doc).where(found.c.doc.in_(created)).limit(1)).first() is None
