"""The `annotator` command line: users, projects, import, errors."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from annotator.auth.models import User
from annotator.corpus.models import Document


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_user_with_password_stdin(app, db) -> None:
    result = run(app, "create-user", "dana", "--role", "admin", "--password-stdin",
                 input="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "dana"))
    assert user.role == "admin" and user.check_password("a-long-password")


def test_create_user_prompts_for_password(app, db) -> None:
    result = run(app, "create-user", "erin", input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "erin")) == "annotator"


def test_create_user_bad_input_exits_non_zero(app, db) -> None:
    bad_role = run(app, "create-user", "x", "--role", "boss", "--password-stdin", input="pw\n")
    assert bad_role.exit_code == 2
    short = run(app, "create-user", "x", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    common = run(app, "create-user", "x", "--password-stdin", input="Password2024!\n")
    assert common.exit_code == 1 and "commonly used" in common.output
    named = run(app, "create-user", "Nadia", "--password-stdin", input="nadia-at-the-desk\n")
    assert named.exit_code == 1 and "must not contain the user name" in named.output
    spoof = run(app, "create-user", "n\u0430dia", "--password-stdin", input="a-long-password\n")
    assert spoof.exit_code == 1 and "different scripts" in spoof.output
    run(app, "create-user", "x", "--password-stdin", input="a-long-password\n")
    dup = run(app, "create-user", "X", "--password-stdin", input="a-long-password\n")
    assert dup.exit_code == 1 and "already exists" in dup.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_project_and_import(app, db, tmp_path) -> None:
    assert run(app, "create-project", "Sahel").exit_code == 0
    txt = tmp_path / "a.txt"
    txt.write_text("Convoy Ambushed Near Gao\n\nGunmen ambushed a convoy near Gao. Two soldiers died.\n")
    lines = tmp_path / "b.jsonl"
    lines.write_text(json.dumps({"title": "B", "text": "Drones struck Menaka. Nobody was hurt."}) + "\n")
    result = run(app, "import-articles", "--project", "Sahel", str(txt), str(lines))
    assert result.exit_code == 0, result.output
    assert "added 2 documents, 4 sentences" in result.output
    again = run(app, "import-articles", "--project", "Sahel", str(txt))
    assert again.exit_code == 0 and "skipped (already imported)" in again.output
    assert db.session.scalar(select(func.count()).select_from(Document)) == 2


def test_import_refusal_exits_non_zero_and_stores_nothing(app, db, tmp_path) -> None:
    run(app, "create-project", "Sahel")
    good = tmp_path / "good.txt"
    good.write_text("T\n\nTroops advanced.\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\n')
    result = run(app, "import-articles", "--project", "Sahel", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.jsonl: line 1: missing field(s) text" in result.output
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_unknown_project_and_bad_schema(app, db, tmp_path) -> None:
    result = run(app, "import-articles", "--project", "Nope", __file__)
    assert result.exit_code == 1 and "no project named 'Nope'" in result.output
    schema = tmp_path / "s.json"
    schema.write_text('{"name": "x", "labels": []}')
    bad = run(app, "create-project", "P", "--schema", str(schema))
    assert bad.exit_code == 1 and "invalid label schema" in bad.output
    assert run(app, "create-project", "Sahel").exit_code == 0
    assert run(app, "create-project", "Sahel").exit_code == 1


def test_custom_schema(app, db, tmp_path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"name": "mini", "labels": [{"key": "PER", "hotkey": "1"}]}))
    assert run(app, "create-project", "Mini", "--schema", str(schema)).exit_code == 0
