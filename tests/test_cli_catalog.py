"""The command catalog: `annotator --help` lists every command without importing any of them
(nor the app, SQLAlchemy or NumPy), and each summary is the command's own first paragraph."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotator.commands import catalog


@pytest.mark.parametrize("name", sorted(catalog.COMMANDS))
def test_each_summary_is_the_commands_first_paragraph(name: str) -> None:
    command = catalog.load(name)
    assert command.name == name
    assert catalog.COMMANDS[name].summary == " ".join(command.help.split("\n\n")[0].split())


def test_help_lists_every_command_and_imports_none_of_them() -> None:
    probe = (
        "import sys\n"
        "from annotator.cli import main\n"
        "try:\n"
        "    main(['--help'], prog_name='annotator')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = ['sqlalchemy', 'numpy', 'flask_migrate', 'flask_sqlalchemy', 'syntok',\n"
        "         'annotator.factory', 'annotator.extensions']\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "loaded += [m for m in sys.modules if m.startswith('annotator.commands.')\n"
        "           and m != 'annotator.commands.catalog']\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    for name in catalog.COMMANDS:
        assert f"\n  {name} " in done.stdout, name
    assert "LOADED []" in done.stdout, done.stdout[-400:]


def test_a_command_imports_no_web_layer(tmp_path) -> None:
    """A command builds the app without its web layer: no blueprint, view, form, CSRF or
    rate-limit module is imported (they cost start-up and are never used there)."""
    probe = (
        "import atexit, sys\n"
        "def report():\n"
        "    web = ('flask_limiter', 'limits', 'flask_wtf', 'wtforms', 'flask_migrate')\n"
        "    loaded = [m for m in sys.modules if m.split('.')[0] in web\n"
        "              or m in ('annotator.web', 'annotator.web_extensions')\n"
        "              or m.rsplit('.', 1)[-1] in ('views', 'api', 'forms')\n"
        "              and m.startswith('annotator.')]\n"
        "    print('LOADED', sorted(loaded))\n"
        "atexit.register(report)\n"
        "from annotator.cli import run\n"
        "sys.argv = ['annotator', *sys.argv[1:]]\n"
        "run()\n"
    )
    env = {"ANNOTATOR_INSTANCE": str(tmp_path), "SECRET_KEY": "test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3", "PATH": "/usr/bin:/bin"}
    for args in (["init-db"], ["create-project", "Empty"],
                 ["export", "--project", "Empty", "--format", "gold-json",
                  "--out", str(tmp_path / "empty.json")]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                              text=True, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        loaded = done.stdout.rsplit("LOADED ", 1)[1].strip()
        if args == ["init-db"]:  # the one command that needs Alembic, through Flask-Migrate
            assert loaded.startswith("['flask_migrate'"), loaded
            assert "annotator" not in loaded and "wtf" not in loaded, loaded
        else:
            assert loaded == "[]", (args, loaded)
    assert (tmp_path / "empty.json").exists()
