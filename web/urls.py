"""The catalogue's own address, for every absolute link it writes (JSON, snippets, CKAN dicts, zips).

Why: the ``Host`` header is chosen by the client. Copied into absolute URLs, a forged ``Host`` makes the server
hand out links to another site (cache poisoning, phishing in shared snippets). With ``BASE_URL`` configured
(``OPENDATA_BASE_URL=https://data.hanoi.example``) every absolute link uses it and the Host header is ignored;
without it (development) links follow the host the client used. ``TRUSTED_HOSTS`` (Flask's setting, from
``OPENDATA_TRUSTED_HOSTS``, comma-separated) makes a request naming any other host a 400.
"""

from __future__ import annotations

from flask import Flask, current_app, request


def base_url() -> str:
    """The site's root URL without a trailing slash: ``BASE_URL`` when configured, else the request's host."""
    configured = str(current_app.config.get("BASE_URL") or "").strip()
    return configured.rstrip("/") if configured else request.host_url.rstrip("/")


def init_app(app: Flask) -> None:
    """Check ``BASE_URL`` and read ``TRUSTED_HOSTS`` given as one comma-separated string (the environment)."""
    configured = str(app.config.get("BASE_URL") or "").strip()
    if configured and not configured.lower().startswith(("http://", "https://")):
        raise ValueError(f"BASE_URL must start with http:// or https://, got {configured!r}")
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()] or None
