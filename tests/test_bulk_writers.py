"""Between two committed chunks of a bulk write (``transactions.yield_to_writers``): SQLite's
log is copied into the database file by the bulk writer itself; PostgreSQL plans its
statements afresh, for tables that have grown under the writer."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from annotator.transactions import yield_to_writers


def test_between_chunks_the_writer_leaves_the_database_ready_for_others(db):
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        sqlite_log_is_copied_into_the_file(session, db.engine.url.database)
    else:
        postgresql_plans_again_for_a_table_that_grew(session)


def sqlite_log_is_copied_into_the_file(session, path: str) -> None:
    session.execute(text("CREATE TABLE chunk_row (id INTEGER PRIMARY KEY, body TEXT)"))
    session.execute(text("INSERT INTO chunk_row (body) VALUES (:body)"),
                    [{"body": f"row {n}"} for n in range(200)])
    session.commit()

    def in_the_file() -> int:  # the database file alone, without the write-ahead log
        file = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            tables = {name for (name,) in file.execute("SELECT name FROM sqlite_master")}
            return file.execute("SELECT count(*) FROM chunk_row").fetchone()[0] \
                if "chunk_row" in tables else 0
        finally:
            file.close()

    assert in_the_file() == 0  # committed, but only in the log so far
    yield_to_writers(session, 0)
    assert in_the_file() == 200


def postgresql_plans_again_for_a_table_that_grew(session) -> None:
    session.execute(text("CREATE TABLE chunk_parent (id integer PRIMARY KEY, name text)"))
    session.execute(text("ANALYZE chunk_parent"))  # empty, as a project's first gold is
    session.commit()
    session.execute(text("PREPARE find_parent (integer) AS "
                         "SELECT name FROM chunk_parent WHERE id = $1"))
    for n in range(6):  # after five runs the server keeps a generic plan for the session
        session.execute(text(f"EXECUTE find_parent({n})"))

    def plan() -> str:
        return "\n".join(row[0] for row in session.execute(text("EXPLAIN EXECUTE find_parent(7)")))

    assert "Seq Scan" in plan()
    session.execute(text("INSERT INTO chunk_parent SELECT n, 'p' || n "
                         "FROM generate_series(1, 20000) AS n"))
    session.commit()
    assert "Seq Scan" in plan()  # the plan made for an empty table, kept
    yield_to_writers(session, 0)
    assert "Index Scan" in plan()
