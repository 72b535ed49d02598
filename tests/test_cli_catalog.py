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
