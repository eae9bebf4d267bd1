"""Bounded work for uploads: reading, validating and publishing a file someone sent runs in a throwaway process.

Why: an uploaded file (with its schema and dialect) decides how much memory and CPU reading it takes; a crafted
one can make a parser build billions of cells or spin for hours. Inside a web worker that would hold the
worker (and, for CPU burnt under the GIL, every request on it) until gunicorn or the kernel's OOM killer
killed it, dropping other people's requests. Here each job gets a fresh process (started like the SQL
sandbox's workers: a clean interpreter through ``subprocess``, never a fork of the threaded web process) with
the sandbox's address-space cap (``catalog.sql.limits.limit_process``), a CPU-time cap (``RLIMIT_CPU``) and a
wall-clock deadline after which the parent kills it. A bound hit becomes a clear error (see ``BoundExceeded``):

* memory (``RLIMIT_AS`` hit, or the process died from it) -> 413 ``too_large``,
* CPU time or the deadline -> 422 ``timeout`` (the file needs more work than allowed: retrying will not help),
* all upload workers of this web process busy -> 503 ``busy`` with ``Retry-After``.

Requests go to the child as a pickle (parent to child only: the parent is trusted); answers come back as JSON,
so a child subverted by a hostile file could not make the parent run code. ``UserError``s raised in the child
are raised again in the parent with their class and message. A publish runs whole in the child (it opens its
own ``Catalog`` on the same home): the write is the same single SQLite transaction as in the CLI, and a child
killed before it commits leaves no version (SQLite rolls the transaction back; the Parquet was still in a work
folder). The CLI does not use this module: a local user bounds their own work.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from catalog.errors import UserError
from catalog.i18n import _, current_lang, format_number, set_lang
from catalog.storage import storage_environment
from pipelines import limits as upload_limits

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
CONFIG_PREFIX = "UPLOAD_WORKER_"  # Flask config keys; the environment variables are OPENDATA_UPLOAD_WORKER_*
SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "KEY", "CREDENTIAL")


@dataclass(frozen=True)
class UploadLimits:
    """Bounds of one upload job; each is the Flask config key ``UPLOAD_WORKER_<NAME>`` (environment variable
    ``OPENDATA_UPLOAD_WORKER_<NAME>``)."""

    # RLIMIT_AS. Measured on 2 cores: ~375 MB of address space for a 10-row validation (Python, DuckDB, pyarrow,
    # thread stacks), 1.46-1.62 GB at the peak of a 512 MB CSV publish (8.3M rows; ~700 MB resident). 2 GB
    # leaves room for that and still stops a parser building cells without bound. DuckDB starts a thread per
    # core, each reserving address space: raise this on a machine with many cores.
    memory_mb: int = 2048
    cpu_seconds: int = 300            # RLIMIT_CPU (all threads); that 512 MB publish used 14 s (73-126 s wall)
    deadline_seconds: float = 600.0   # wall clock, start-up included; then the parent kills the job
    workers: int = 2                  # jobs at once per web process; more wait up to queue_wait, then 'busy'
    queue_wait: float = 5.0
    file_size_mb: int = 4096          # RLIMIT_FSIZE: largest file the job may write (Parquet, DuckDB spill)
    nice: int = 5                     # below page views

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadLimits:
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            for key in (f"{CONFIG_PREFIX}{name.upper()}", f"OPENDATA_{CONFIG_PREFIX}{name.upper()}"):
                if config.get(key) not in (None, ""):
                    values[name] = type(default)(config[key])
                    break
        return cls(**values)


class BoundExceeded(UserError):
    """An upload job stopped at one of its bounds (the subclasses say which)."""

    retry_after: int | None = None


class OverMemory(BoundExceeded):
    code = "too_large"
    status = 413


class OverTime(BoundExceeded):
    code = "timeout"
    status = 422


class WorkersBusy(BoundExceeded):
    code = "busy"
    status = 503

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


# -- the jobs (run in the child) ---------------------------------------------------------------------------------
def _publish_job(home: str, url: str, path: str, kwargs: dict) -> dict:
    from catalog.metadata import Catalog
    from pipelines.publish import publish as publish_file

    catalog = Catalog(home, url=url)
    try:
        return publish_file(catalog, path, **kwargs).to_dict()
    finally:
        catalog.dispose()


def _validate_job(path: str, references: dict | None, kwargs: dict) -> dict:
    from pipelines.validate import validate_file

    resolve = references.get if references is not None else None
    with validate_file(path, references=resolve, **kwargs) as validation:
        return {"valid": validation.valid, "rows": validation.rows, "report": validation.report}


def _describe_job(path: str) -> dict:
    from pipelines.describe import describe_file

    return describe_file(path)


# -- what the web layer calls --------------------------------------------------------------------------------------
def publish(catalog, path: str | Path, *, limits: UploadLimits, **kwargs: Any):
    """``pipelines.publish.publish`` in a bounded worker; returns its ``PublishResult``."""
    from pipelines.publish import PublishResult

    answer = run_bounded(_publish_job, str(catalog.home.root), catalog.url, str(path), kwargs, limits=limits,
                         stores=True)
    return PublishResult(**answer)


def validate(path: str | Path, *, schema: dict, references: Callable[[str], Any] | None = None,
             limits: UploadLimits, **kwargs: Any) -> dict:
    """``validate_file`` in a bounded worker: ``{"valid", "rows", "report"}``. Foreign-key targets are resolved
    here, with the caller's ``references`` (and so its visibility rules), before the job starts."""
    table = None if references is None else {name: references(name) for name in referenced_resources(schema)}
    return run_bounded(_validate_job, str(path), table, {"schema": schema, **kwargs}, limits=limits)


def describe(path: str | Path, *, limits: UploadLimits) -> dict:
    """``describe_file`` (a drafted schema) in a bounded worker."""
    return run_bounded(_describe_job, str(path), limits=limits)


def referenced_resources(schema: Any) -> list[str]:
    """Names of the other resources a schema's foreign keys point at (malformed entries are the validator's to
    report, so they are skipped here)."""
    keys = schema.get("foreignKeys") if isinstance(schema, dict) else None
    names = []
    for key in keys if isinstance(keys, list) else []:
        reference = key.get("reference") if isinstance(key, dict) else None
        name = reference.get("resource") if isinstance(reference, dict) else None
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names


# -- the parent side -----------------------------------------------------------------------------------------------
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slot(workers: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(workers, threading.BoundedSemaphore(workers))


def run_bounded(func: Callable, *args: Any, limits: UploadLimits, stores: bool = False) -> Any:
    """``func(*args)`` in a fresh bounded process: its JSON-able result, or its ``UserError`` raised again here.

    ``func`` must be a module-level function; ``args`` are pickled to the child. ``stores``: the job writes a
    version file, so it gets the storage's settings (an object store's credentials); no other job does."""
    slot = _slot(limits.workers)
    if not slot.acquire(timeout=limits.queue_wait):
        wait = max(1, round(limits.queue_wait))
        raise WorkersBusy(_("cả {workers} tiến trình xử lý tệp tải lên đều đang bận", workers=limits.workers),
                          retry_after=wait, hint=_("hãy thử lại sau {wait} giây", wait=wait))
    try:
        return _run(func, args, limits, stores)
    finally:
        slot.release()


def _run(func: Callable, args: tuple, limits: UploadLimits, stores: bool) -> Any:
    started = time.monotonic()
    process, conn = _start(stores)
    try:
        conn.send_bytes(pickle.dumps({"func": (func.__module__, func.__qualname__), "args": args,
                                      "limits": limits.__dict__, "lang": current_lang()}))
        remaining = limits.deadline_seconds - (time.monotonic() - started)
        if not conn.poll(max(0.0, remaining)):
            _kill(process)
            raise OverTime(_("việc đọc tệp này lâu hơn {seconds} giây cho phép và đã bị dừng",
                             seconds=format_number(limits.deadline_seconds)), hint=_split())
        answer = json.loads(conn.recv_bytes())
    except (EOFError, OSError, ValueError):
        _kill(process)
        raise _death(process.returncode, limits) from None
    finally:
        conn.close()
        _kill(process)
    log.info("upload job %s: %.1f s (%s s CPU), peak RSS %s MB, peak address space %s MB", func.__name__,
             time.monotonic() - started, answer.get("cpu_seconds"), answer.get("peak_rss_mb"),
             answer.get("peak_address_space_mb"))
    return _result(answer, limits)


def _split() -> str:
    return _("hãy chia tệp thành các tệp nhỏ hơn, hoặc đơn giản hoá lược đồ (ít mẫu pattern, khoá ngoại hay khoá duy "
             "nhất hơn)")


def _start(stores: bool) -> tuple[subprocess.Popen, Connection]:
    parent_sock, child_sock = socket.socketpair()
    try:
        bootstrap = (f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); "
                     "from pipelines.bounded import child_main; child_main()")
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", bootstrap, str(child_sock.fileno())], env=child_environment(stores), cwd="/",
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=(child_sock.fileno(),), close_fds=True)
    except BaseException:
        parent_sock.close()
        raise
    finally:
        child_sock.close()
    return process, Connection(parent_sock.detach())


def child_environment(stores: bool = False) -> dict[str, str]:
    """The sandbox's clean environment, plus the catalogue's own non-secret settings (``OPENDATA_*`` limits that
    the readers consult, so a web upload is read exactly as the CLI reads it) and the temporary folder; for a job
    that ``stores`` a version file, the storage's settings too (a job that only reads an upload never holds the
    object store's credentials). The
    upload limits of this read (``pipelines.limits.current()``: the Flask config's, activated for the request,
    over the environment's) go last: the child reads only its environment."""
    from catalog.sql.limits import worker_environment

    env = worker_environment()
    for name, value in os.environ.items():
        if name == "TMPDIR" or (name.startswith("OPENDATA_") and not any(w in name for w in SECRET_WORDS)):
            env[name] = value
    if stores:  # the job stores the version file: on S3 it needs the bucket's settings
        env.update(storage_environment())
    env.update(upload_limits.current().as_env())
    return env


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        pass


def _death(returncode: int | None, limits: UploadLimits) -> BoundExceeded:
    """The error for a child that died without answering."""
    if returncode == -signal.SIGXCPU:
        return OverTime(_("việc đọc tệp này cần hơn {seconds} giây CPU cho phép và đã bị dừng",
                          seconds=format_number(limits.cpu_seconds)), hint=_split())
    return OverMemory(_("việc đọc tệp này đã làm dừng tiến trình xử lý (mã thoát {code}), nhiều khả năng vì cần hơn "
                        "{memory} MB bộ nhớ cho phép", code=returncode, memory=format_number(limits.memory_mb)),
                      hint=_split())


def _result(answer: dict, limits: UploadLimits) -> Any:
    if answer.get("ok"):
        return answer["result"]
    if answer.get("bound") == "memory":
        raise OverMemory(_("việc đọc tệp này cần hơn {memory} MB bộ nhớ cho phép",
                           memory=format_number(limits.memory_mb)), hint=_split())
    if "user_error" in answer:
        raise _user_error(answer["user_error"])
    raise RuntimeError(f"upload job failed:\n{answer.get('traceback', '')}")  # a bug: logged, answered 500


def _user_error(data: dict) -> UserError:
    """The child's ``UserError`` as the same class here (only classes of this package; JSON, never pickles)."""
    module_name, _dot, class_name = str(data.get("class", "")).rpartition(".")
    cls: Any = UserError
    if module_name.split(".")[0] in ("catalog", "pipelines", "schemas"):
        found = getattr(importlib.import_module(module_name), class_name, None)
        if isinstance(found, type) and issubclass(found, UserError):
            cls = found
    error = cls.__new__(cls)
    UserError.__init__(error, str(data.get("message", "")), hint=data.get("hint"))
    payload = data.get("dict")
    if isinstance(payload, dict):
        error.to_dict = lambda: payload  # keeps extra fields (e.g. a privacy refusal's findings)
    return error


# -- the child side ------------------------------------------------------------------------------------------------
def child_main() -> None:
    """``python -I -c ... FD``: set the bounds, run one job, answer once, exit."""
    from catalog.sql.limits import limit_process

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(int(sys.argv[1]))
    request = pickle.loads(conn.recv_bytes())
    limits = UploadLimits(**request["limits"])
    set_lang(request.get("lang"))  # the child's messages in the language of the request that started it
    limit_process(limits.memory_mb, limits.file_size_mb, limits.nice)
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))  # SIGXCPU, then KILL
    answer = _answer(request)
    # VmHWM, not getrusage's ru_maxrss: the latter carries the web process's high-water mark across fork+exec.
    answer["peak_rss_mb"] = _status_mb("VmHWM")
    answer["peak_address_space_mb"] = _status_mb("VmPeak")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    answer["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    conn.send_bytes(json.dumps(answer, default=str).encode())
    conn.close()


def _status_mb(key: str) -> int | None:
    """A figure of this process from /proc/self/status in MB (logged, to tune ``memory_mb``): ``VmHWM`` is its own
    peak RSS, ``VmPeak`` its peak address space, the figure RLIMIT_AS bounds."""
    try:
        with open("/proc/self/status") as status:
            line = next((x for x in status if x.startswith(f"{key}:")), "")
        return round(int(line.split()[1]) / 1024) if line else None
    except (OSError, ValueError, IndexError):
        return None


def _answer(request: dict) -> dict:
    try:
        module_name, qualname = request["func"]
        func = functools.reduce(getattr, qualname.split("."), importlib.import_module(module_name))
        return {"ok": True, "result": func(*request["args"])}
    except UserError as error:
        cls = type(error)
        return {"ok": False, "user_error": {"class": f"{cls.__module__}.{cls.__qualname__}",
                                            "message": error.message, "hint": error.hint, "dict": error.to_dict()}}
    except Exception as error:  # noqa: BLE001 (every failure must reach the parent as an answer)
        if _out_of_memory(error):
            return {"ok": False, "bound": "memory"}
        return {"ok": False, "traceback": traceback.format_exc()}


def _out_of_memory(error: BaseException) -> bool:
    """MemoryError, or a library's own words for failing to allocate under ``RLIMIT_AS``."""
    if isinstance(error, MemoryError) or type(error).__name__ in ("OutOfMemoryException", "ArrowMemoryError"):
        return True
    text = str(error).lower()
    return any(words in text for words in ("out of memory", "allocate", "failed to map", "can't start new thread"))
