"""What the templates get beyond Jinja itself: Markdown, plain text and links that keep the current query.

Why a module: these are app-wide (every blueprint's templates use them), so the app factory installs them once
instead of one blueprint setting up the whole app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request

from web.markdown import plain_text, render_markdown


def url_with(_path: str | None = None, _drop: Iterable[str] = (), **changes: Any) -> str:
    """The current URL with some parameters replaced (a list sets several values; None removes)."""
    args = [(k, v) for k, v in request.args.items(multi=True)
            if k not in changes and k not in _drop and k != "format"]
    for key, value in changes.items():
        if value is None or value == "":
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            args.append((key, str(item)))
    query = urlencode(args)
    return (_path or request.path) + (f"?{query}" if query else "")


def init_app(app: Flask) -> None:
    """The template filters ``markdown`` and ``plain`` and the global ``url_with``."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain"] = plain_text
    app.jinja_env.globals["url_with"] = url_with
