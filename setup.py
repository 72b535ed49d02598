"""Build hook: the wheel carries the top-level ``templates/``, ``static/`` and ``migrations/``.

They stay top-level folders in the source tree (where editors, the tests and ``make run`` use
them); ``build_py`` copies them into ``annotator/_resources/`` of the build, where the
installed app finds them through its own package (``annotator/config.py``). Everything else
about the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")


class BuildWithResources(build_py):
    """``build_py`` that also copies the resource folders into ``annotator/_resources``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the source tree
            return
        target = Path(self.build_lib) / "annotator" / "_resources"
        for name in RESOURCES:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(HERE / name, target / name, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildWithResources})
