"""Reading the YAML parameter files (``parameters/``): untrusted input, checked before use.

Every parameter file is read by :func:`read_yaml_mapping` (a safe loader that refuses duplicate
keys and non-mapping tops) and validated by a pydantic model with ``extra="forbid"``;
:func:`describe_validation_error` turns pydantic's errors into :class:`~kpilib.problems.Problem`
(``file: key: reason``). :func:`find_parameters_dir` is where every process (report batch,
dashboards, analysts' notebooks) finds the folder, so they all read the same files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kpilib.errors import ParameterFileError
from kpilib.problems import Problem, Where

#: The environment variable naming the parameters folder.
ENV_PARAMETERS_DIR = "KPI_PARAMETERS_DIR"
DEFAULTS_FILE = "defaults.yaml"
#: A department's code, as its parameter file is named: capitals and digits, 2 to 16 (``HLT``).
DEPARTMENT_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,15}$"
#: KPI thresholds a parameter file may set, and what each means (percentages).
THRESHOLDS: dict[str, str] = {
    "rag_green": "rate (% of the target or budget) at or above which a KPI is green",
    "rag_amber": "rate at or above which a KPI is amber (below it: red)",
}


def find_parameters_dir(start: Path | None = None) -> Path | None:
    """The ``parameters/`` folder: ``KPI_PARAMETERS_DIR``; else ``$KPI_HOME/parameters``; else
    the nearest ``parameters/`` holding ``defaults.yaml`` in ``start`` (the working directory)
    or a folder above it (an analyst's notebook in ``notebooks/explore`` finds the project's);
    ``None`` when there is none."""
    named = os.environ.get(ENV_PARAMETERS_DIR)
    if named:
        return Path(named)
    home = os.environ.get("KPI_HOME")
    if home and (Path(home) / "parameters" / DEFAULTS_FILE).is_file():
        return Path(home) / "parameters"
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / "parameters" / DEFAULTS_FILE).is_file():
            return candidate / "parameters"
    return None


def _names_a_threshold(location: Sequence[Any]) -> bool:
    """Whether a bad dict key sits in a ``thresholds`` mapping (top level, or per KPI)."""
    parts = [str(part) for part in location if part != "[key]"]
    return len(parts) >= 2 and (
        parts[-2] == "thresholds" or (parts[0] == "kpi_thresholds" and len(parts) == 3)
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file whose top level is a mapping (an empty file is an empty mapping).

    Raises :class:`ParameterFileError` naming the file, line and reason for bad YAML, duplicate
    keys or a top level that is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterFileError(
            [problem_at("params.unreadable", path, f"cannot be read: {exc}")]
        ) from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ParameterFileError(
            [problem_at("params.not-yaml", path, f"{where}not valid YAML: {reason}")]
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterFileError(
            [
                problem_at(
                    "params.not-mapping", path, "the top level must be a mapping of keys to values"
                )
            ]
        )
    return data


def _key_path(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        if part == "[key]":  # pydantic marks a bad dict key this way; the key is already named
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def problem_at(code: str, path: Path, message: str, key: str | None = None) -> Problem:
    return Problem(code, "error", message, Where(file=str(path), key=key))


#: Keys that older parameter files had, and what to do instead (shown with "unknown key").
RETIRED_KEYS = {
    "summary": "status thresholds are no longer per report: set them once at the top level "
    "(thresholds:, kpi_thresholds:), for every surface",
    "department.thresholds": "status thresholds are no longer per report: set them at the top "
    "level of defaults.yaml or in the department's own file, for every surface",
}


def describe_validation_error(
    path: Path, error: ValidationError, model: type[BaseModel]
) -> list[Problem]:
    """One problem (``file: key: reason``) per problem pydantic found."""
    problems = []
    for item in error.errors():
        key = _key_path(tuple(item["loc"]))
        if item["type"] == "extra_forbidden":
            code, reason = "params.unknown-key", "unknown key"
            if key in RETIRED_KEYS:
                reason += f": {RETIRED_KEYS[key]}"
            elif len(item["loc"]) == 1:
                reason += f" (allowed: {', '.join(model.model_fields)})"
        elif item["type"] == "missing":
            code, reason = "params.missing-key", "required key is missing"
        elif item["type"] in ("literal_error", "enum") and _names_a_threshold(item["loc"]):
            code = "params.unknown-threshold"
            reason = f"unknown threshold {item['input']!r} (known: {', '.join(THRESHOLDS)})"
        elif item["type"] in ("literal_error", "enum"):
            code = "params.unknown-key"
            reason = f"unknown name {item['input']!r} (known: {item['ctx']['expected']})"
        else:
            code, reason = "params.invalid-value", item["msg"]
            if item["type"] not in ("value_error", "assertion_error"):
                reason += f" (got {item['input']!r})"
        problems.append(problem_at(code, path, reason, key))
    return problems
