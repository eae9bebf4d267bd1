"""Error messages name what the user sent, never where the server keeps it: every error handler (pages, REST,
publish, CKAN) passes messages through ``web.errors.public_message``, which removes the catalogue home and the
temp folder from them, whatever layer wrote the message."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from catalog.errors import InvalidInput
from catalog.metadata import Catalog
from web import create_app


@pytest.fixture
def app(tmp_path: Path):
    home = tmp_path / "home"
    Catalog(home).init()
    app = create_app(home, {"RATELIMIT_ENABLED": False})

    @app.get("/api/v1/_leak")
    def leak():
        raise InvalidInput(f"cannot read {home}/work/abc123/upload.csv nor {tempfile.gettempdir()}/x.json")

    @app.get("/_leak_page")
    def leak_page():
        raise InvalidInput(f"cannot read {home.resolve()}/data/x.parquet")

    app.config["TEST_HOME"] = str(home)
    return app


def test_json_errors_hide_the_server_folders(app) -> None:
    response = app.test_client().get("/api/v1/_leak")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert app.config["TEST_HOME"] not in message and tempfile.gettempdir() not in message
    assert "upload.csv" in message and "x.json" in message


def test_page_errors_hide_the_server_folders(app) -> None:
    response = app.test_client().get("/_leak_page")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert app.config["TEST_HOME"] not in body and "x.parquet" in body
