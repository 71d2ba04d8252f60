"""The shape of kpilib stays as docs/architecture.md describes it: small functions, the layers
of pyproject.toml (checked by lint-imports in `make lint`), every room documented."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kpilib"
MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_sixty_lines_outside_migrations():
    long = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert long == [], "split these functions: " + "; ".join(long)


def test_every_room_is_a_layer_and_is_documented():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c for c in config["contracts"] if c["type"] == "layers"]
    in_layers = {room.strip() for layer in layers["layers"] for room in layer.split("|")}
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    assert rooms | modules == in_layers
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    for room in rooms:
        assert f"`{room}/`" in architecture, f"docs/architecture.md does not describe {room}/"
