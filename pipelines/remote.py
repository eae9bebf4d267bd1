"""A small client for a catalogue server: what ``opendata ... --remote URL`` uses.

Department staff have no shell on the city's server; they run the same CLI against it over HTTP with a token.
Uploads are streamed from disk as a multipart body (requests-toolbelt's encoder: the file is never read into
memory), with a progress bar on a terminal. The server's refusals come back as the same ``UserError`` classes as local mistakes,
so the CLI prints them the same way: one line and an exit code.

Where the server and token come from, first match wins: ``--remote``/``--token``, ``$OPENDATA_URL`` /
``$OPENDATA_TOKEN``, then the file written by ``opendata login`` (``~/.config/opendata/config.json``, mode 0600).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
from requests_toolbelt import MultipartEncoder, MultipartEncoderMonitor

from catalog.errors import Forbidden, InvalidInput, NotFound, TooLarge, Unauthorized, UserError
from catalog.i18n import _, current_lang
from pipelines import outbound

if TYPE_CHECKING:
    from pipelines.publish import PublishResult

URL_ENV = "OPENDATA_URL"
TOKEN_ENV = "OPENDATA_TOKEN"
TIMEOUT = (10, 600)  # connect, read: the server validates a large file before it answers

STATUS_ERRORS: dict[int, type[UserError]] = {401: Unauthorized, 403: Forbidden, 404: NotFound, 413: TooLarge}


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "opendata" / "config.json"


def load_config() -> dict:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidInput(_("không đọc được {path}", path=path),
                           hint=_("hãy chạy lại 'opendata login URL --token T'")) from None
    return data if isinstance(data, dict) else {}


def save_config(url: str, token: str) -> Path:
    """Write the login file readable by its owner only (it holds a token)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"url": url, "token": token}, handle)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def remove_config() -> bool:
    path = config_path()
    if path.exists():
        path.unlink()
        return True
    return False


def resolve_target(url: str | None, token: str | None, *, use_login: bool = True) -> tuple[str, str | None] | None:
    """(url, token) of the server to talk to, or None to work on the local catalogue.

    ``use_login`` is false when the user named a local home (``--home`` / ``$OPENDATA_HOME``): the login file
    then does not redirect commands to the server; an explicit ``--remote`` or ``$OPENDATA_URL`` still does.
    """
    url = url or os.environ.get(URL_ENV)
    token = token or os.environ.get(TOKEN_ENV)
    config = load_config() if (use_login or url) else {}
    if not url and use_login:
        url = config.get("url")
    if not url:
        return None
    if not token and config.get("url", "").rstrip("/") == url.rstrip("/"):
        token = config.get("token")
    return url.rstrip("/"), token


@contextmanager
def upload_body(fields: dict[str, Any], path: Path, *, progress: bool = False) -> Iterator[MultipartEncoderMonitor]:
    """A multipart/form-data body streamed from disk by requests-toolbelt: the fields, then the file.

    The encoder has a length, so requests sends a ``Content-Length`` (the server can refuse an oversize body up
    front) instead of chunked encoding; the monitor moves a tqdm bar as the bytes go out, on a terminal only.
    """
    items = [(name, str(item)) for name, value in fields.items()
             for item in (value if isinstance(value, list | tuple) else [value]) if item is not None]
    bar = None
    with open(path, "rb") as handle:
        encoder = MultipartEncoder([*items, ("file", (path.name, handle, "application/octet-stream"))])
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=encoder.len, unit="B", unit_scale=True, unit_divisor=1024, desc=_("tải lên {name}", name=path.name),
                       leave=False)
        sent = [0]

        def advance(monitor: MultipartEncoderMonitor) -> None:
            if bar is not None:
                bar.update(monitor.bytes_read - sent[0])
                sent[0] = monitor.bytes_read

        try:
            yield MultipartEncoderMonitor(encoder, advance)
        finally:
            if bar is not None:
                bar.close()


class Remote:
    """One catalogue server, optionally with a token."""

    def __init__(self, url: str, token: str | None = None, *, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        # the server the user named themselves (often their department's own, on a private network): allowed
        self.session = session or outbound.session(allow_private=True)
        self.session.headers["User-Agent"] = "opendata-cli"

    # -- plumbing ----------------------------------------------------------------------------------------
    def _headers(self, need_token: bool = False) -> dict[str, str]:
        if not self.token:
            if need_token:
                raise Unauthorized(_("thao tác này cần một mã truy cập API (token)"),
                                   hint=_("hãy dùng --token, đặt {variable}, hoặc chạy 'opendata login {url} --token T'",
                                          variable=TOKEN_ENV, url=self.url))
            return {}
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, *, need_token: bool = False, ok: tuple[int, ...] = (200,),
                **kwargs: Any) -> tuple[int, Any]:
        """Send, and turn a refusal into the matching ``UserError`` (422 and ``ok`` statuses are returned)."""
        # the server's refusals in the language the user reads this command's messages in
        headers = {"Accept-Language": current_lang(), **self._headers(need_token), **kwargs.pop("headers", {})}
        # A request without side effects is sent again once when the connection breaks: a kept-alive connection
        # the server has just closed is the usual cause, and urllib3 does not retry a POST by itself.
        attempts = 2 if (method == "GET" or kwargs.get("params", {}).get("check")) else 1
        for attempt in range(attempts):
            try:
                response = self.session.request(method, self.url + path, headers=headers, timeout=TIMEOUT,
                                                allow_redirects=False, **kwargs)
                break
            except requests.ConnectionError as exc:
                if attempt + 1 < attempts:
                    self.session.close()  # drop the pooled connections, then try on a fresh one
                    continue
                reason = getattr(exc.args[0], "reason", None) if exc.args else None
                raise UserError(_("không kết nối được tới {url} ({method} {path}): {reason}", url=self.url,
                                  method=method, path=path, reason=type(reason or exc).__name__),
                                hint=_("hãy kiểm tra địa chỉ và mạng của bạn; máy chủ có đang chạy không?")) from None
            except requests.Timeout:
                raise UserError(_("{url} không trả lời kịp thời ({method} {path})", url=self.url, method=method,
                                  path=path)) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code in ok or response.status_code == 422:
            return response.status_code, body
        message = ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = body["error"].get("message") or ""
        message = message or f"HTTP {response.status_code} {response.reason}"
        error_class = STATUS_ERRORS.get(response.status_code, UserError)
        raise error_class(f"{self.url}: {message}")

    # -- writes ------------------------------------------------------------------------------------------
    def publish(self, path: str | Path, *, dataset: str, org: str | None = None, schema: str | None = None,
                dialect: dict | None = None, encoding: str | None = None, format: str | None = None,
                checklist: dict | None = None, meta: dict | None = None, note: str = "",
                progress: bool = False) -> PublishResult:
        """Upload ``path`` as a new version of ``dataset`` (arguments as ``pipelines.publish.publish``).

        Asks first (``?check=1``) whether the token may publish there and whether the file fits, so a refusal
        costs no upload. An invalid file comes back as an ``invalid`` result with the server's report.
        """
        from pipelines.publish import PublishResult

        path = Path(path)
        if not path.is_file():
            raise InvalidInput(_("không tìm thấy tệp: {path}", path=path))
        target = f"/api/v1/datasets/{quote(dataset, safe='')}/versions"
        params = {"org": org} if org else {}
        self.request("POST", target, need_token=True, params={**params, "check": 1, "size": path.stat().st_size})
        meta = {k: v for k, v in (meta or {}).items() if v not in (None, "", [])}
        form = {**{k: v for k, v in meta.items() if k != "tags"}, "tag": meta.get("tags"), "org": org,
                "schema": schema_value(schema), "note": note or None, **_read_fields(dialect, encoding, format,
                                                                                    checklist)}
        with upload_body(form, path, progress=progress) as body:
            _status, result = self.request("POST", target, need_token=True, ok=(200, 201), params=params, data=body,
                                     headers={"Content-Type": body.content_type})
        if not isinstance(result, dict) or "status" not in result:
            raise UserError(_("{url} trả lời việc tải lên bằng một nội dung không phải kết quả công bố",
                              url=self.url))
        return PublishResult(result["status"], result.get("dataset") or dataset, version=result.get("version"),
                             report=result.get("report"), messages=list(result.get("messages") or []))

    def validate(self, path: str | Path, *, schema: str | None = None, dataset: str | None = None,
                 dialect: dict | None = None, encoding: str | None = None, format: str | None = None,
                 checklist: dict | None = None, progress: bool = False) -> dict:
        """Validate with the server's schemas (or ``dataset``'s); returns ``{"valid", "rows", "report"}``."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(_("không tìm thấy tệp: {path}", path=path))
        form = {"schema": schema_value(schema), "dataset": dataset, **_read_fields(dialect, encoding, format,
                                                                                     checklist)}
        with upload_body(form, path, progress=progress) as body:
            return self.request("POST", "/api/v1/validate", data=body, headers={"Content-Type": body.content_type})[1]

    # -- reads -------------------------------------------------------------------------------------------
    def whoami(self) -> dict:
        return self.request("GET", "/api/v1/me", need_token=True)[1]

    def list_datasets(self, org: str | None = None) -> list[dict]:
        """Every dataset (following the server's pages)."""
        found: list[dict] = []
        params: dict[str, Any] = {"org": org} if org else {}
        path: str | None = "/api/v1/datasets"
        while path:
            _status, body = self.request("GET", path, params=params)
            items, next_link = _items(body, "datasets")
            found.extend(items)
            path, params = _next_page(next_link, self.url), {}
        return found

    def get_dataset(self, name: str) -> dict:
        _status, body = self.request("GET", f"/api/v1/datasets/{quote(name, safe='')}")
        return body.get("dataset", body) if isinstance(body, dict) and "name" not in body else body

    def list_versions(self, name: str) -> list[dict]:
        _status, body = self.request("GET", f"/api/v1/datasets/{quote(name, safe='')}/versions")
        return _items(body, "versions")[0]


def _read_fields(dialect: dict | None, encoding: str | None, format: str | None,
                 checklist: dict | None) -> dict[str, str | None]:
    return {"dialect": json.dumps(dialect) if dialect else None, "checklist": json.dumps(checklist) if checklist
            else None, "encoding": encoding, "format": format}


def schema_value(schema: str | None) -> str | None:
    """A ``--schema`` for the server: a local JSON file is sent as its content; a name is sent as is."""
    if not schema:
        return None
    path = Path(schema)
    if path.is_file() or schema.lower().endswith(".json"):
        if not path.is_file():
            raise NotFound(_("không tìm thấy tệp lược đồ: {path}", path=schema))
        return path.read_text(encoding="utf-8-sig")
    return schema


def _items(body: Any, key: str) -> tuple[list[dict], str | None]:
    """The list in a response, whether bare or wrapped (``{"datasets": [...]}``, ``results``, ``items``)."""
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict):
        for name in (key, "results", "items", "data"):
            if isinstance(body.get(name), list):
                links = body.get("links") if isinstance(body.get("links"), dict) else {}
                return body[name], body.get("next") or links.get("next")
    return [], None


def _next_page(link: Any, base: str) -> str | None:
    if not isinstance(link, str) or not link:
        return None
    if link.startswith(base):
        return link[len(base):]
    return link if link.startswith("/") else None
