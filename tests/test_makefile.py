"""`make run` installs only what the app needs; `make test` and `make bench` add the extras.

Read from `make -n` (what make would run, run nothing) with a venv path that does not exist, so
every install step shows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def planned(target: str, tmp_path: Path) -> list[str]:
    """The pip install lines ``make -n TARGET`` would run on a fresh clone."""
    if shutil.which("make") is None:
        pytest.fail("make is needed to read the Makefile")
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [line for line in out.splitlines() if "-m pip" in line and " install " in line]


def test_make_run_installs_the_app_without_test_or_bench_extras(tmp_path):
    lines = planned("run", tmp_path)
    assert lines and all("[" not in line for line in lines), lines
    assert any(line.rstrip().endswith("-e .") for line in lines), lines


@pytest.mark.parametrize("target", ["test-sqlite", "bench"])
def test_make_test_and_bench_install_the_extras(tmp_path, target):
    assert any('-e ".[test,bench]"' in line for line in planned(target, tmp_path))
