"""The storage a catalogue uses, as its home records it or ``OPENDATA_STORAGE_URL`` names it.

Why a module of its own: choosing needs both implementations (``catalog.storage`` and ``catalog.s3storage``,
which builds on the first), and the seam itself must not know its implementations.
"""

from __future__ import annotations

import os
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.home import Home
from catalog.i18n import gettext as _
from catalog.s3storage import S3Settings, S3Storage
from catalog.storage import STORAGE_URL, LocalStorage, Storage


def chosen_url(home: Home, url: str | None = None) -> str:
    """The storage URL in force: ``url``, else the one the home was made with (``storage.url``, see
    ``Home.record_storage``), else ``OPENDATA_STORAGE_URL``; empty: the home's ``data/``."""
    if url is not None:
        return url
    return home.recorded_storage() or os.environ.get(STORAGE_URL, "")


def storage_for(home: Home, url: str | None = None) -> Storage:
    """The storage ``chosen_url`` names: ``file:///folder`` (default: the home's ``data/``) or
    ``s3://bucket/prefix`` (``catalog.s3storage``, read through a cache in ``cache/_objects``)."""
    url = chosen_url(home, url)
    if not url:
        return LocalStorage(home.data_dir)
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")).expanduser())
    if url.startswith("s3://"):
        return S3Storage(S3Settings.from_url(url), home.cache_dir / "_objects")  # "_": never a dataset name
    raise InvalidInput(_("{setting} {url!r} không phải file:// cũng không phải s3://", setting=STORAGE_URL, url=url),
                       hint=_("ví dụ file:///srv/opendata/data hoặc s3://opendata/catalogue"))
