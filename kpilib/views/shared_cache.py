"""Computed views shared between processes: compute once, read many.

Every dashboard kernel of ``kpi serve`` used to compute the same province view for itself
(about 1.5 s of CPU each on the demo; 25 viewers arriving together meant 25 computations on two
cores). When ``KPI_VIEW_CACHE_DIR`` names a folder, :func:`load_shared` keeps each computed
value there as a pickle named by a hash of its memo key (database, data fingerprint, settings,
period, status rules): the first process computes it under a file lock while the others wait,
then every process reads the file (milliseconds). A new data version has a new fingerprint and
so new file names: nothing is ever read for the wrong data.

Pickles run code when loaded, so the folder must be private: owned by this user and writable
by nobody else (``kpi serve`` makes one with ``tempfile.mkdtemp``, mode 700, per run, and
removes it when it stops). A folder that is not private is ignored with a warning, and the
value is computed as if there were no cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

ENV_VIEW_CACHE = "KPI_VIEW_CACHE_DIR"
#: Bumped when what is pickled changes shape, so that old files are never read.
CACHE_FORMAT = 1
T = TypeVar("T")
log = logging.getLogger(__name__)


def shared_cache_dir() -> Path | None:
    """The folder of ``KPI_VIEW_CACHE_DIR`` when it is set and private, else None."""
    value = os.environ.get(ENV_VIEW_CACHE, "")
    if not value:
        return None
    folder = Path(value)
    try:
        info = folder.stat()
    except OSError:
        log.warning("%s=%s is not a folder: views are not shared", ENV_VIEW_CACHE, value)
        return None
    private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    if not private or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("%s=%s is not a private folder: views are not shared", ENV_VIEW_CACHE, value)
        return None
    return folder


def cache_name(kind: str, key: tuple) -> str:
    """File name stem of a memo key: ``kind`` and a SHA-256 of the key's text."""
    digest = hashlib.sha256(repr((CACHE_FORMAT, kind, key)).encode()).hexdigest()
    return f"{kind}-{digest[:40]}"


def load_shared(kind: str, key: tuple, compute: Callable[[], T]) -> T:
    """The value of ``key``: read from the shared folder, or computed (once for all processes,
    under a lock) and written there. Without a shared folder, just ``compute()``."""
    folder = shared_cache_dir()
    if folder is None:
        return compute()
    name = cache_name(kind, key)
    path = folder / f"{name}.pickle"
    with _locked(folder / f"{name}.lock"):
        value = _read(path)
        if value is not None:
            return value  # type: ignore[return-value]
        value = compute()
        _write(path, value)
    return value


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing), released when the block ends."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> object | None:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 (a private folder this user wrote)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file: compute again and replace it
        log.warning("shared view %s could not be read; computing it again", path.name)
        return None


def _write(path: Path, value: object) -> None:
    """Write atomically: a reader sees the whole file or none."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
