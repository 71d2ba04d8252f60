"""environment.yml (conda) and pyproject.toml (pip) ask for the same packages and versions."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: pip name -> conda-forge name, where they differ.
CONDA_NAMES = {
    "psycopg[binary]": "psycopg",
    "vl-convert-python": "vl-convert-python",
    "jupyter-client": "jupyter_client",
}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", requirement.strip())
    assert match, requirement
    return match[1].lower(), match[2].replace(" ", "")


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pairs = (_split(r) for r in requirements)
    return {CONDA_NAMES.get(name, name): spec for name, spec in pairs}


def conda_requirements() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    result = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):  # the pip section installs the project itself
            assert entry["pip"] == ["-e ."], "only the project itself comes from pip"
            continue
        name, spec = _split(entry)
        if name.split("=")[0] in ("python", "pip"):
            continue
        result[name] = spec
    return result


def test_conda_and_pip_ask_for_the_same_packages_and_floors():
    assert conda_requirements() == pip_requirements()


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]
    assert project["requires-python"] == ">=3.11"
