"""Outbound requests refuse private, loopback, link-local and reserved addresses, redirects included."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from catalog.errors import Forbidden
from pipelines import outbound

REFUSED = ["http://127.0.0.1:9/", "http://localhost:9/", "http://10.1.2.3/", "http://192.168.1.1/",
           "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/", "http://0.0.0.0:9/", "http://240.0.0.1/"]


class Redirect(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_response(302 if self.path == "/away" else 200)
        self.send_header("Location", "http://10.1.2.3/internal")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirecting_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("url", REFUSED)
def test_a_url_on_a_private_address_is_refused_before_any_connection(url, monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_ENV, raising=False)
    with pytest.raises(Forbidden, match=f"{outbound.ALLOW_ENV}=true"):
        outbound.check_url(url)
    with pytest.raises(requests.RequestException) as caught:
        outbound.session().get(url, timeout=2)
    assert "địa chỉ riêng, loopback hoặc dành riêng" in outbound.describe_error(caught.value)


def test_the_setting_allows_private_addresses(redirecting_server, monkeypatch):
    monkeypatch.setenv(outbound.ALLOW_ENV, "true")
    outbound.check_url(redirecting_server)
    assert outbound.session().get(redirecting_server + "/", timeout=5).status_code == 200


def test_a_redirect_to_a_private_address_is_checked_again(redirecting_server, monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_ENV, raising=False)
    session = outbound.session(allow_private=True)  # the first hop allowed, as for remote publishing ...
    assert session.get(redirecting_server + "/away", timeout=5, allow_redirects=False).status_code == 302
    strict = outbound.session()
    strict.mount("http://127.0.0.1", requests.adapters.HTTPAdapter())  # ... and here only for the test server
    with pytest.raises(requests.RequestException) as caught:
        strict.get(redirecting_server + "/away", timeout=5)
    assert "10.1.2.3" in outbound.describe_error(caught.value)


def test_a_public_address_passes_the_check(monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_ENV, raising=False)
    outbound.check_url("http://93.184.215.14/")  # a literal public address: no DNS needed
    with pytest.raises(Exception, match="không phải một URL http"):
        outbound.check_url("file:///etc/passwd")
