"""Writing outputs so that no half-written file ever carries a report's final name.

Each output is written to a hidden partial file in the same folder (``.HLT.partial-….html``) and
renamed into place with :func:`os.replace`, which is atomic on the same file system. A batch that
is interrupted leaves at most partial files, which the next batch removes first.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

PARTIAL_MARK = ".partial-"


def partial_path(final: Path) -> Path:
    """A fresh hidden partial path beside ``final`` (same folder, so the rename is atomic).

    The suffix is kept (``.HLT.partial-3f2a….html``), so a browser opens a partial HTML as HTML.
    """
    return final.with_name(f".{final.stem}{PARTIAL_MARK}{uuid.uuid4().hex[:12]}{final.suffix}")


def write_atomic(final: Path, data: str | bytes) -> None:
    """Write ``data`` to ``final`` through a partial file and an atomic rename."""
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(final)
    try:
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        else:
            partial.write_bytes(data)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


def remove_partials(folder: Path) -> list[Path]:
    """Delete the partial files an interrupted batch left in ``folder`` (and its subfolders)."""
    removed = []
    if folder.is_dir():
        for path in folder.rglob(f".*{PARTIAL_MARK}*"):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
