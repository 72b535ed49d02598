"""Where trained models live on disk: ``<MODEL_STORE>/<project id>/<version>/`` (by default
the instance folder's ``models/``), written under a staging name first so that a model folder
is whole or absent, and tagged with the job that wrote it so its undo finds it (pure: paths
and files only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MARKER = "annotator-model.json"  # in every model folder: the job key and the version
STAGING_PREFIX = ".staging-"


def project_dir(root: Path, project_id: int) -> Path:
    """The folder of a project's models."""
    return root / str(project_id)


def model_dir(root: Path, project_id: int, version: int) -> Path:
    """The folder of one model version."""
    return project_dir(root, project_id) / str(version)


def staging_dir(root: Path, project_id: int, key: str) -> Path:
    """Where a job writes its model before it is complete."""
    return project_dir(root, project_id) / f"{STAGING_PREFIX}{key}"


def marker_key(folder: Path) -> str | None:
    """The key of the job that wrote ``folder`` (None: no readable marker)."""
    try:
        return str(json.loads((folder / MARKER).read_text("utf-8"))["key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def publish(staging: Path, target: Path, key: str, version: int) -> None:
    """Tag the staged model with its job and move it to ``target`` in one rename; a leftover
    folder at ``target`` (a model whose row was never committed) is removed first."""
    (staging / MARKER).write_text(json.dumps({"key": key, "version": version}), "utf-8")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def discard(root: Path, project_id: int, key: str) -> list[Path]:
    """Remove what the job ``key`` wrote for the project (its staging folder, a model folder
    it published but whose row was not committed); the folders removed."""
    removed = []
    folder = project_dir(root, project_id)
    if not folder.is_dir():
        return removed
    for child in folder.iterdir():
        if child.name == f"{STAGING_PREFIX}{key}" or (child.is_dir() and marker_key(child) == key):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


def remove(path: Path) -> None:
    """Delete a model folder (nothing when it is gone already)."""
    shutil.rmtree(path, ignore_errors=True)
