"""Serving the app in production with gunicorn."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import click

from annotator.commands.outcome import fail
from annotator.config import INSTANCE_DIR

# Longest path a unix socket can bind to on Linux (sun_path is 108 bytes with its NUL).
UNIX_SOCKET_PATH_MAX = 107


def control_socket_path(instance: Path, port: int) -> Path:
    """This instance's gunicorn control socket: one per instance folder and port.

    gunicorn's default (``$XDG_RUNTIME_DIR/gunicorn.ctl``, or ``~/.gunicorn/gunicorn.ctl``) is
    one path per user: a second server takes it over (it unlinks the first's socket), so
    ``gunicornc`` would steer the wrong server, and stopping either removes the other's.
    """
    return instance / f"gunicorn-{port}.ctl"


def gunicorn_arguments(host: str, port: int, workers: int, threads: int, timeout: int,
                       control_socket: Path | None) -> list[str]:
    """gunicorn's command-line options for ``annotator serve`` (the app last)."""
    args = ["--workers", str(workers), "--threads", str(threads), "--bind", f"{host}:{port}",
            "--timeout", str(timeout), "--access-logfile", "-"]
    if control_socket is None:
        args.append("--no-control-socket")
    else:
        args += ["--control-socket", str(control_socket)]
    return [*args, "annotator:create_app()"]


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
@click.option("--control-socket", "control_socket", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="gunicorn's control socket (for gunicornc) [default: "
                   "<instance>/gunicorn-<port>.ctl, one per instance and port].")
@click.option("--no-control-socket", "no_control_socket", is_flag=True,
              help="Run without a control socket.")
def serve_command(host: str, port: int, workers: int, threads: int, timeout: int,
                  control_socket: Path | None, no_control_socket: bool) -> None:
    """Serve the app in production with gunicorn (several worker processes)."""
    if importlib.util.find_spec("gunicorn") is None:
        fail("gunicorn is not installed (pip install gunicorn)")
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    socket = None if no_control_socket else (
        control_socket or control_socket_path(INSTANCE_DIR, port)).resolve()
    if socket is not None and len(os.fsencode(socket)) > UNIX_SOCKET_PATH_MAX:
        click.echo(f"control socket path too long for a unix socket, none opened: {socket}",
                   err=True)
        socket = None
    args = gunicorn_arguments(host, port, workers, threads, timeout, socket)
    click.echo("gunicorn " + " ".join(args))
    # gunicorn of this very interpreter (not whichever is first on PATH), so the app it loads
    # is the one this command belongs to.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *args])
