"""Recent search answers, per process, valid while the search index's change serial stays the same.

Why: the same few searches (a department's name, "giao thông", the home page's newest datasets) are asked again
and again between two writes, and a broad one costs tens of milliseconds at a national portal's size. Each
answer is keyed by the index's change serial (``catalog.search.index.serial``, read from the shared database on
every search, so a write through any node or process makes every older answer unreachable) and the vocabulary
file in force; the cache holds at most ``SIZE`` answers (ids and counts, not datasets: a page's datasets are read
fresh each time), so a process's memory stays bounded.
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
