"""A progress bar over the source's bytes while DuckDB runs one long statement.

Why poll: DuckDB's own bar prints to stdout, which must stay clean for ``--json``; we read
``query_progress()`` from a thread and draw a tqdm bar on the terminal instead.
"""

from __future__ import annotations

import contextlib
import threading

from pipelines import read as readers


@contextlib.contextmanager
def query_bar(con, size: int, progress: bool, desc: str):
    """A tqdm bar that follows ``con``'s running statement (terminal only; nothing when ``progress`` is off)."""
    bar = readers.progress_bar(size, progress, desc)
    if bar is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            with contextlib.suppress(Exception):
                pct = con.query_progress()
                if pct and pct > 0:
                    bar.n = min(size, int(size * pct / 100))
                    bar.refresh()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        bar.close()
