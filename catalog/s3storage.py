"""Version files in an S3-compatible bucket (``OPENDATA_STORAGE_URL=s3://bucket/prefix``).

Why: several web nodes, or a city's object store, need the immutable Parquet files in one shared place instead
of one machine's folder. Objects are written with pyarrow's S3 filesystem (the AWS SDK bundled with pyarrow);
DuckDB's httpfs extension cannot be installed here, so DuckDB never reads S3 itself.

Publishing stays atomic although S3 has no rename: the file is uploaded under ``<prefix>/_tmp/<time>-<uuid>``, hashed
while it streams (the staged bytes must hash to the version's sha256) and checked by size once stored, then
copied server-side to its final key ``<prefix>/<dataset>/<sha256>.parquet`` and the temporary object deleted.
Final keys are content addresses, so they are never overwritten. A crash leaves a temporary object, which
``fsck`` removes once it is older than an hour (so it never deletes an upload that is still running). The age
comes from the creation time written into the key: object stores report modification times unreliably (rclone's
server answers the epoch for an object whose upload has just finished), and a wrong old time would delete a
running upload. Objects under ``_tmp/`` without a time in their name fall back to the store's time, and an
implausible one (before 2000) counts as unknown, so the object is kept.

Readers (DuckDB in the rows engine, the SQL sandbox, exports, diffs, pipelines) get a *local* path from
``location``: a read-through cache of whole files in ``<home>/cache/_objects`` whose layout mirrors the keys. Keys
never change content, so a cached file is never stale and every node may keep its own copy; losing the cache
loses nothing. The cache is bounded (``OPENDATA_S3_CACHE_MB``, default 2048): least recently used files are
evicted, except files used in the last ``EVICT_GRACE`` seconds (a query may be about to open them), so the
cache can exceed its bound for a short while under heavy use.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from catalog import filecache
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.storage import CHUNK, HashMismatch, Storage, read_range, safe_join

TEMP = "_tmp"  # not a possible dataset name (names are a-z, 0-9 and '-'), so never a version key
TEMP_MAX_AGE = 3600.0  # seconds after which fsck treats a temporary object as abandoned
PLAUSIBLE_SINCE = 946684800.0  # 2000-01-01: an object store's mtime before this means "unknown"
EVICT_GRACE = filecache.EVICT_GRACE  # seconds a cached file stays after its last use, whatever the bound
DEFAULT_CACHE_MB = 2048
DOWNLOAD_MODES = ("proxy", "redirect")
PRESIGN_SECONDS = 300  # a redirect's URL stays valid this long: long enough to start, short enough to not leak
# The AWS SDKs now add and check checksums that many S3-compatible servers (rclone, older MinIO, Ceph) do not
# return for ranged reads and streamed uploads; "when_required" is the behaviour every S3 server supports.
CHECKSUM_SETTINGS = {"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                     "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}


def failure_message(error: BaseException) -> str | None:
    """One sentence for an object-store failure (no credentials, an endpoint that does not answer, a refused
    signature), to show instead of a traceback; None when ``error`` is something else. pyarrow reports these as
    ``OSError`` with "AWS Error" in the text, boto3 (presigned URLs) as botocore's own exceptions."""
    module = type(error).__module__ or ""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if not (module.startswith("botocore") or (isinstance(error, OSError) and "AWS Error" in text)):
        return None
    return _("kho đối tượng S3 không trả lời được ({detail}): hãy kiểm tra OPENDATA_STORAGE_URL, "
             "OPENDATA_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY và AWS_REGION", detail=text[:300])


@dataclass(frozen=True)
class S3Settings:
    """Where the bucket is and how to sign requests: the URL, ``OPENDATA_S3_ENDPOINT_URL`` and the standard
    ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_REGION``."""

    bucket: str
    prefix: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    secret_key: str | None = None
    downloads: str = "proxy"  # OPENDATA_S3_DOWNLOADS: "proxy" (the node streams) or "redirect" (presigned URL)

    @classmethod
    def from_url(cls, url: str, env: dict | None = None) -> S3Settings:
        env = os.environ if env is None else env
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise InvalidInput(_("OPENDATA_STORAGE_URL {url!r} không phải địa chỉ S3", url=url),
                               hint=_("viết s3://BUCKET/PREFIX, ví dụ s3://opendata/catalogue"))
        endpoint = env.get("OPENDATA_S3_ENDPOINT_URL") or None
        if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
            raise InvalidInput(_("OPENDATA_S3_ENDPOINT_URL {url!r} phải bắt đầu bằng http:// hoặc https://",
                                 url=endpoint), hint=_("ví dụ https://s3.example.gov.vn hoặc http://127.0.0.1:9000"))
        downloads = (env.get("OPENDATA_S3_DOWNLOADS") or "proxy").strip().lower()
        if downloads not in DOWNLOAD_MODES:
            raise InvalidInput(_("OPENDATA_S3_DOWNLOADS {mode!r} không phải một cách tải về", mode=downloads),
                               hint=_("dùng proxy (máy chủ web truyền tệp) hoặc redirect (một địa chỉ ký sẵn)"))
        return cls(bucket=parts.netloc, downloads=downloads, prefix=parts.path.strip("/"), endpoint_url=endpoint,
                   region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
                   access_key=env.get("AWS_ACCESS_KEY_ID") or None, secret_key=env.get("AWS_SECRET_ACCESS_KEY") or None)

    def filesystem(self) -> pafs.S3FileSystem:
        for name, value in CHECKSUM_SETTINGS.items():
            os.environ.setdefault(name, value)  # read by the AWS SDK when pyarrow creates its client
        options: dict = {"region": self.region}
        if self.access_key and self.secret_key:
            options.update(access_key=self.access_key, secret_key=self.secret_key)
        if self.endpoint_url:
            options["endpoint_override"] = self.endpoint_url
        return pafs.S3FileSystem(**options)

    def boto3_client(self):
        """A boto3 client for what pyarrow cannot do (presigned URLs)."""
        import boto3
        from botocore.config import Config

        config = Config(signature_version="s3v4", request_checksum_calculation="when_required",
                        response_checksum_validation="when_required")
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)


def check_key(key: str) -> str:
    """A version key is relative, '/'-separated, with no empty, '.' or '..' part (ValueError otherwise)."""
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\x00" in key:
        raise ValueError(f"not a key of this storage: {key!r}")
    return key


class S3Storage(Storage):
    """Version files under ``s3://bucket/prefix``, read through a bounded local cache (module docstring)."""

    remote = True

    def __init__(self, settings: S3Settings, cache_dir: Path, *, cache_bytes: int | None = None,
                 fs: pafs.FileSystem | None = None) -> None:
        self.settings = settings
        self.fs = fs or settings.filesystem()
        self.cache_dir = Path(cache_dir)
        if cache_bytes is None:
            cache_bytes = filecache.megabytes_setting("OPENDATA_S3_CACHE_MB", DEFAULT_CACHE_MB)
        self.cache_bytes = cache_bytes
        self._client = None

    def __repr__(self) -> str:
        return f"S3Storage(s3://{self.base})"

    @property
    def base(self) -> str:
        return "/".join(p for p in (self.settings.bucket, self.settings.prefix) if p)

    def object(self, key: str) -> str:
        return f"{self.base}/{check_key(key)}"

    # -- writes ----------------------------------------------------------------------------------------------
    def put(self, staged: Path, key: str, *, sha256: str) -> bool:
        final = self.object(key)
        temp = f"{self.base}/{TEMP}/{int(time.time())}-{uuid.uuid4().hex}"
        try:
            digest, size = self._upload(staged, temp)
            if digest != sha256:
                raise HashMismatch(f"{staged.name} does not hash to {sha256[:12]}…: not stored as {key}")
            stored = self.fs.get_file_info(temp).size
            if stored != size:
                raise HashMismatch(f"the object store kept {stored} of {size} bytes of {key}: not stored")
            if self.exists(key):
                return False
            self.fs.copy_file(temp, final)  # server-side copy: the final key appears whole or not at all
        finally:
            self._delete(temp)
        self._keep_as_cache(staged, key)
        return True

    def _upload(self, staged: Path, target: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with open(staged, "rb") as src, self.fs.open_output_stream(target) as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return digest.hexdigest(), size

    def _keep_as_cache(self, staged: Path, key: str) -> None:
        """The staged file is moved into the read cache (as a local put moves it into place)."""
        target = self.cache_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(staged, target)
            os.utime(target)
        except OSError:  # another filesystem: the cache fills on first read instead
            staged.unlink(missing_ok=True)
        self.evict()

    def delete(self, key: str) -> None:
        self._delete(self.object(key))
        self.cache_path(key).unlink(missing_ok=True)

    def _delete(self, path: str) -> None:
        """Delete one object with boto3: pyarrow's delete leaves a marker object for an emptied "folder", which
        servers that keep objects as files (rclone) store as a file that blocks later keys under that name."""
        self.client.delete_object(Bucket=self.settings.bucket, Key=path[len(self.settings.bucket) + 1:])

    @property
    def client(self):
        if self._client is None:
            self._client = self.settings.boto3_client()  # boto3 clients are thread-safe: one per storage
        return self._client

    # -- reads -----------------------------------------------------------------------------------------------
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        cached = self.cache_path(key)
        if cached.is_file():
            yield from read_range(cached, start, end)
            return
        with self.fs.open_input_file(self.object(key)) as handle:
            stop = handle.size() if end is None else min(end, handle.size())
            position = start
            while position < stop:
                chunk = handle.read_at(min(CHUNK, stop - position), position)
                if not chunk:
                    return
                position += len(chunk)
                yield chunk

    def exists(self, key: str) -> bool:
        return self.fs.get_file_info(self.object(key)).type == pafs.FileType.File

    def size(self, key: str) -> int:
        info = self.fs.get_file_info(self.object(key))
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(f"no object {key!r} in s3://{self.base}")
        return info.size

    def list(self) -> list[str]:
        return sorted(key for key, _ in self._objects() if not key.startswith(f"{TEMP}/") and "/" in key)

    def abandoned(self, max_age: float | None = None) -> list[str]:
        """Temporary objects older than ``max_age`` seconds (``TEMP_MAX_AGE``): uploads whose publisher is gone."""
        max_age = TEMP_MAX_AGE if max_age is None else max_age
        now = time.time()
        return sorted(key for key, info in self._objects()
                      if key.startswith(f"{TEMP}/") and (created := _created(key, info)) is not None
                      and now - created > max_age)

    def _objects(self) -> Iterator[tuple[str, pafs.FileInfo]]:
        selector = pafs.FileSelector(self.base, recursive=True, allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.File:
                yield info.path[len(self.base) + 1:], info

    # -- the local read cache --------------------------------------------------------------------------------
    def cache_path(self, key: str) -> Path:
        return safe_join(self.cache_dir, check_key(key))

    def local_root(self) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        return self.cache_dir

    def location(self, key: str) -> str:
        """A local copy of ``key`` (downloaded once, then kept while the cache has room)."""
        path = self.cache_path(key)
        if path.is_file():
            filecache.touch(path)  # the last use, which eviction goes by
            return str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with open(partial, "wb") as out:
                for chunk in self.open(key):
                    out.write(chunk)
            os.replace(partial, path)  # readers see the whole file or none
        finally:
            partial.unlink(missing_ok=True)
        self.evict()
        return str(path)

    def evict(self) -> list[Path]:
        """Remove least recently used cached files beyond the bound (never one used within ``EVICT_GRACE``)."""
        return filecache.evict(filecache.files_in(self.cache_dir), self.cache_bytes, grace=EVICT_GRACE)

    def parquet_schema(self, key: str) -> pa.Schema:
        """A Parquet object's schema, from its footer (a few kilobytes, not the whole file)."""
        return pq.read_schema(self.object(key), filesystem=self.fs)

    @property
    def redirects(self) -> bool:
        return self.settings.downloads == "redirect"

    def presigned_url(self, key: str, *, expires: int = PRESIGN_SECONDS, filename: str | None = None) -> str:
        params = {"Bucket": self.settings.bucket, "Key": self.object(key)[len(self.settings.bucket) + 1:]}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


def _created(key: str, info: pafs.FileInfo) -> float | None:
    """When a temporary object was made: from its key (``_tmp/<time>-<uuid>``), else the store's plausible mtime."""
    stamp, dash, _ = key[len(TEMP) + 1:].partition("-")
    if dash and stamp.isdigit():
        return float(stamp)
    mtime = info.mtime.timestamp() if info.mtime is not None else None
    return mtime if mtime is not None and mtime > PLAUSIBLE_SINCE else None
