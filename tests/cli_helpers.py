"""Run ``kpi`` in the test's process exactly as its entry point does (``kpilib.cli.run``: errors
as one line and an exit code), with stdout and stderr captured as a pipe would take them."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from kpilib.cli import main


@dataclass(frozen=True)
class KpiRun:
    """What a ``kpi`` command printed and its exit code."""

    code: int
    out: str
    err: str


def run_kpi(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            *args: str) -> KpiRun:  # fmt: skip
    """``kpi ARGS`` through its entry point; stdout is not a terminal (as when piped)."""
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["kpi", *args])
    monkeypatch.delenv("COLUMNS", raising=False)
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return KpiRun(code, captured.out, captured.err)
