"""The demo's printed log-ins work and follow the password rules, also in a demo made before
the rules (its users get the new passwords)."""

from __future__ import annotations

from sqlalchemy import select

from annotator.auth.models import User
from annotator.auth.passwords import password_problem
from annotator.demo.loading import DEMO_USERS, OLD_DEMO_PASSWORDS, load_demo
from tests.conftest import login


def test_demo_log_ins_follow_the_password_rules_and_work(app, db) -> None:
    old = User(username="alice", username_key="alice", role="annotator")
    old.set_password(OLD_DEMO_PASSWORDS["alice"])  # a demo made before the rules
    db.session.add(old)
    db.session.commit()
    lines = load_demo(db.session)
    db.session.commit()
    for username, role, password in DEMO_USERS:
        assert password_problem(password, username) is None
        assert f"{role:<10} {username:<6} password: {password}" in "\n".join(lines)
        assert login(app.test_client(), username, password).status_code == 302, username
    assert db.session.scalar(select(User).where(User.username == "alice")).id == old.id
