"""The storage a catalogue uses, as ``OPENDATA_STORAGE_URL`` names it.

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


def storage_for(home: Home, url: str | None = None) -> Storage:
    """The storage ``url`` (else ``OPENDATA_STORAGE_URL``) names: ``file:///folder`` (default: the home's
    ``data/``) or ``s3://bucket/prefix`` (``catalog.s3storage``, read through a cache in ``cache/_objects``)."""
    url = url if url is not None else os.environ.get(STORAGE_URL, "")
    if not url:
        return LocalStorage(home.data_dir)
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")).expanduser())
    if url.startswith("s3://"):
        return S3Storage(S3Settings.from_url(url), home.cache_dir / "_objects")  # "_": never a dataset name
    raise InvalidInput(_("{setting} {url!r} không phải file:// cũng không phải s3://", setting=STORAGE_URL, url=url),
                       hint=_("ví dụ file:///srv/opendata/data hoặc s3://opendata/catalogue"))
