"""Recent search answers, per process, each with the index's change serial it was computed at.

Why: the same few searches (a department's name, "giao thông", the home page's newest datasets) are asked again
and again, and a broad one costs tens of milliseconds at a national portal's size. The index's change serial
(``catalog.search.index.serial``) is read from the shared database on every search, so a write through any node
or process is seen at once: an answer from an older serial is used only when every change since is a create it
does not match (``catalog/search/changes.py``), else computed again. Keys include the vocabulary file in force;
the cache holds at most ``SIZE`` answers (ids and counts, not datasets: a page's datasets are read fresh each
time), so a process's memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

SIZE = 256


class AnswerCache:
    """A bounded least-recently-used map from a search's key to its answer."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


ANSWERS = AnswerCache()
