"""Serving the app in production with gunicorn."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from annotator.commands.outcome import fail


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
              help="gunicorn worker processes (about 2 per core).")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(min=1),
              help="threads per worker: 1 = sync workers (fastest under load, see "
                   "docs/benchmarks.md; put a buffering proxy such as nginx in front for slow "
                   "clients); more = gthread workers (keep-alive, no proxy needed).")
@click.option("--timeout", default=120, show_default=True, type=int,
              help="seconds a request may take before its worker is restarted (a first "
                   "agreement report or a large export can take tens of seconds).")
def serve_command(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Serve the app in production with gunicorn (several worker processes)."""
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    if not Path(gunicorn).exists():
        fail("gunicorn is not installed (pip install gunicorn)")
    args = [gunicorn, "--workers", str(workers), "--threads", str(threads),
            "--bind", f"{host}:{port}", "--timeout", str(timeout), "--access-logfile", "-",
            "annotator:create_app()"]
    click.echo(" ".join(args[1:]))
    os.execv(gunicorn, args)
