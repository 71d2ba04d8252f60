"""Views shared between processes (KPI_VIEW_CACHE_DIR): computed once, read by every other
process unchanged, never read from a folder others could write, recomputed when a file is bad."""

import multiprocessing
import os
from pathlib import Path

import pytest
from test_views import assert_same_view

from kpilib.store.database import connect
from kpilib.views import clear_view_cache, load_province_view
from kpilib.views import province as province_module
from kpilib.views.shared_cache import ENV_VIEW_CACHE, cache_name, load_shared


@pytest.fixture
def shared_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "views"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(ENV_VIEW_CACHE, str(folder))
    return folder


def test_without_a_folder_every_call_computes(monkeypatch):
    monkeypatch.delenv(ENV_VIEW_CACHE, raising=False)
    calls = []
    for _ in range(2):
        assert load_shared("x", ("k",), lambda: calls.append(1) or 42) == 42
    assert len(calls) == 2


def test_a_value_is_computed_once_then_read(shared_dir):
    calls = []
    assert load_shared("x", ("k", 1), lambda: calls.append(1) or {"a": 1}) == {"a": 1}
    assert load_shared("x", ("k", 1), lambda: calls.append(1) or {"a": 2}) == {"a": 1}
    assert load_shared("x", ("k", 2), lambda: calls.append(1) or {"a": 3}) == {"a": 3}
    assert len(calls) == 2  # another key (a new data version) is computed, never read stale


def test_a_folder_others_can_write_is_not_used(shared_dir):
    shared_dir.chmod(0o777)
    calls = []
    for _ in range(2):
        load_shared("x", ("k",), lambda: calls.append(1) or 1)
    assert len(calls) == 2 and not list(shared_dir.glob("*.pickle"))


def test_a_damaged_file_is_computed_again_and_replaced(shared_dir):
    (shared_dir / f"{cache_name('x', ('k',))}.pickle").write_bytes(b"not a pickle")
    assert load_shared("x", ("k",), lambda: 7) == 7
    assert load_shared("x", ("k",), lambda: 8) == 7


def _compute_in_child(folder: str, counter: str) -> int:
    os.environ[ENV_VIEW_CACHE] = folder

    def compute() -> int:
        with open(counter, "a") as handle:
            handle.write("computed\n")
        return 99

    return load_shared("x", ("together",), compute)


def test_processes_arriving_together_compute_once(shared_dir, tmp_path):
    counter = tmp_path / "counter.txt"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(_compute_in_child, [(str(shared_dir), str(counter))] * 4)
    assert results == [99] * 4
    assert counter.read_text().splitlines() == ["computed"]


def test_a_kernel_reads_the_province_view_another_computed(demo_sqlite_url, shared_dir,
                                                         monkeypatch):  # fmt: skip
    engine = connect(demo_sqlite_url, read_only=True)
    clear_view_cache()
    first = load_province_view(engine, "2024-25", "Q2")  # computed and written
    clear_view_cache()  # a new kernel: nothing in memory

    def refuse(*_args, **_kwargs):
        raise AssertionError("the view was computed again")

    monkeypatch.setattr(province_module, "_compute_view", refuse)
    monkeypatch.setattr(province_module, "_load_year_inputs", refuse)
    read = load_province_view(engine, "2024-25", "Q2")
    assert read is not first
    assert_same_view(read, first)
    monkeypatch.undo()
    monkeypatch.setenv(ENV_VIEW_CACHE, str(shared_dir))
    clear_view_cache()
    other_period = load_province_view(engine, "2024-25", "Q3")  # its year's inputs were shared
    clear_view_cache()
    monkeypatch.delenv(ENV_VIEW_CACHE)
    assert_same_view(other_period, load_province_view(engine, "2024-25", "Q3"))
