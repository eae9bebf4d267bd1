"""Security headers, body limits, cross-site form refusal and rate limits shared across server processes."""

from __future__ import annotations

import io
import json
import threading

import pytest
import requests
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from catalog.accounts import Accounts
from catalog.errors import InvalidInput
from catalog.ratelimit import Limit, RateLimiter
from web import create_app
from web.security import CSP


def make_app(catalog, **config):
    return create_app(catalog.home, {"TESTING": True, **config})


def test_security_headers_on_pages_and_api(catalog):
    client = make_app(catalog).test_client()
    for path in ("/", "/api/v1/schemas", "/no-such-page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_body_limits(catalog):
    client = make_app(catalog, MAX_BODY_BYTES=1000, MAX_UPLOAD_BYTES=5000).test_client()
    response = client.post("/", data=b"x" * 2000, content_type="application/json")
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    response = client.post("/api/v1/validate", data=b"x" * 2000, content_type="text/csv")
    assert response.status_code != 413  # an upload endpoint: its own, larger limit
    response = client.post("/api/v1/validate", data=b"x" * 6000, content_type="text/csv")
    assert response.status_code == 413
    # a chunked body (no Content-Length) is cut off at the limit while it is read
    app = client.application
    environ = EnvironBuilder(method="POST", path="/", content_type="application/json").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(b"x" * 2000), "wsgi.input_terminated": True})
    with app.request_context(environ):
        assert request.content_length is None
        assert app.preprocess_request() is None
        with pytest.raises(RequestEntityTooLarge):
            while request.stream.read(512):
                pass


def test_cross_site_form_posts_are_refused(catalog):
    client = make_app(catalog).test_client()
    response = client.post("/api/v1/validate", data={"schema": "air_quality"},
                           headers={"Origin": "https://evil.example", "Host": "localhost"})
    assert response.status_code == 403 and response.json["error"]["code"] == "cross_site"
    response = client.post("/api/v1/validate", data={"schema": "air_quality"},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    same = client.post("/api/v1/validate", data={"schema": "air_quality"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 400  # reaches the endpoint: no file in the form
    api = client.post("/api/v1/validate", data="{}", content_type="application/json",
                      headers={"Origin": "https://elsewhere.example"})
    assert api.status_code != 403  # JSON APIs are for programs; browsers cannot send it cross-site unasked


def test_rate_limit_429_with_headers_and_higher_token_limit(catalog):
    accounts = Accounts(catalog)
    accounts.add_user("an")
    token, _ = accounts.create_token("an", actor="test")
    app = make_app(catalog, RATELIMITS={"api": "5/minute"}, RATELIMITS_TOKEN={"api": "8/minute"})
    client = app.test_client()
    statuses = [client.get("/api/v1/schemas").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    refused = client.get("/api/v1/schemas")
    assert refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 120
    assert refused.headers["RateLimit-Limit"] == "5" and refused.headers["RateLimit-Remaining"] == "0"
    ok = client.get("/api/v1/schemas", headers={"Authorization": token})
    assert ok.status_code == 200 and ok.headers["RateLimit-Limit"] == "8"
    assert int(ok.headers["RateLimit-Remaining"]) == 7
    tokened = [client.get("/api/v1/schemas", headers={"Authorization": token}).status_code for _ in range(8)]
    assert tokened.count(429) == 1
    assert client.get("/").status_code == 200  # pages are not in a bucket
    off = make_app(catalog, RATELIMIT_ENABLED=False, RATELIMITS={"api": "1/minute"}).test_client()
    assert [off.get("/api/v1/schemas").status_code for _ in range(3)] == [200, 200, 200]


def test_limiter_slides_and_is_shared(catalog):
    now = [60 * 16_666.0]  # the start of a window
    first = RateLimiter(catalog.home, clock=lambda: now[0])
    second = RateLimiter(catalog.home, clock=lambda: now[0])  # another process would open its own
    limit = Limit.parse("10/60")
    results = [(first if i % 2 else second).hit("api", "ip:1", limit).allowed for i in range(12)]
    assert results == [True] * 10 + [False] * 2
    assert second.hit("api", "ip:2", limit).allowed  # other clients are not affected
    now[0] += 60  # next window: the previous one still weighs fully at its start
    assert not first.hit("api", "ip:1", limit).allowed
    now[0] += 50  # 50 s into it: the previous window weighs 1/6
    decision = first.hit("api", "ip:1", limit)
    assert decision.allowed and decision.remaining >= 5
    assert Limit.parse("600/minute") == Limit(600, 60) and Limit.parse("5/h") == Limit(5, 3600)
    with pytest.raises(InvalidInput):
        Limit.parse("lots")


def test_rate_limit_shared_by_server_processes(catalog, serve):
    server = serve(catalog.home.root, workers=2, env={"OPENDATA_RATELIMITS": json.dumps({"api": "20/minute"})})
    codes: list[int] = []
    lock = threading.Lock()

    def hammer():
        for _ in range(10):
            code = requests.get(server.url + "/api/v1/schemas", headers={"Connection": "close"}, timeout=30).status_code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(200) == 20 and codes.count(429) == 20, codes

