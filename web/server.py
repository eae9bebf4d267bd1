"""Run the app under gunicorn (a production WSGI server), several processes sharing one catalogue home."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from catalog.home import Home


class CatalogueServer(BaseApplication):
    """Gunicorn configured from Python: each worker process builds its own app over the same home."""

    def __init__(self, home: Home, options: dict[str, Any], app_config: dict[str, Any] | None = None) -> None:
        self.home = home
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self.home, self.app_config)


def default_workers() -> int:
    return max(2, min(4, multiprocessing.cpu_count()))


def serve(home: Home | str | Path, *, host: str = "127.0.0.1", port: int = 5000, workers: int | None = None,
          threads: int = 8, app_config: dict[str, Any] | None = None, access_log: bool = False) -> None:
    """Serve until interrupted. Threads per worker keep slow downloads from blocking page views."""
    home = home if isinstance(home, Home) else Home.resolve(home)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        "limit_request_line": 8190,
    }
    CatalogueServer(home, options, app_config).run()
