"""What a report was made from: the code version, the notebook and the inputs' key."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import kpilib

PACKAGE_DIR = Path(kpilib.__file__).resolve().parent


@cache
def compute_code_version() -> str:
    """``<kpilib version>+<12 hex digits>``: the version plus a hash of kpilib's source files.

    The hash covers every file under the installed ``kpilib`` package (Python modules, report
    templates and stylesheets; caches excluded), so any change to the code that computes or
    renders a report changes the version, whether or not the version number was bumped.
    """
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\x00")
            digest.update(path.read_bytes())
    return f"{kpilib.__version__}+{digest.hexdigest()[:12]}"


def compute_input_key(
    parameters: dict[str, Any],
    notebook_hash: str,
    data_fingerprint: str,
    code_version: str,
    status_rules: str = "",
) -> str:
    """SHA-256 of everything a report depends on; equal keys mean the report would not change.

    Formula: ``sha256(json({parameters, notebook_hash, data_fingerprint, code_version,
    status_rules}))`` with sorted keys (``status_rules``: the fingerprint of the status
    thresholds, :attr:`kpilib.views.status.StatusRules.fingerprint`). A batch skips a report
    whose key equals the one recorded in the manifest.
    """
    payload = json.dumps(
        {
            "parameters": parameters,
            "notebook_hash": notebook_hash,
            "data_fingerprint": data_fingerprint,
            "code_version": code_version,
            "status_rules": status_rules,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()
