"""The README keeps its promises in view: every command, table and setting is documented."""

from pathlib import Path

import pytest
import typer.main

from kpilib.cli import app
from kpilib.store.models import Base

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def leaf_commands(command=None, prefix=()):
    command = command or typer.main.get_command(app)
    subcommands = getattr(command, "commands", {})
    if not subcommands:
        yield prefix
    for name, sub in subcommands.items():
        yield from leaf_commands(sub, (*prefix, name))


@pytest.mark.parametrize("path", list(leaf_commands()), ids=" ".join)
def test_every_command_is_in_the_readme(path):
    assert f"`kpi {' '.join(path)}" in README


def test_every_option_of_every_command_is_in_the_readme():
    root = typer.main.get_command(app)
    for path in leaf_commands():
        command = root
        for name in path:
            command = command.commands[name]
        for param in command.params:
            for option in param.opts:
                if option.startswith("--"):
                    assert option in README, f"kpi {' '.join(path)} {option} is undocumented"


@pytest.mark.parametrize("table", sorted(Base.metadata.tables))
def test_every_table_is_in_the_readme(table):
    assert f"`{table}`" in README


def test_the_two_commands_lead_the_readme():
    head = README[: README.index("## What is in the box")]
    assert "make report" in head and "make test" in head
