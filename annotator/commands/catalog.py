"""Every `annotator` command by name: where it lives and its one-line summary.

`annotator --help` prints the summaries from here without importing a single command module
(they import the app's services, SQLAlchemy, NumPy...); a command's module is imported when
that command runs. A test checks that each summary is the first paragraph of the command's
own docstring.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Entry:
    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "init-db": Entry(
        "annotator.commands.database", "init_db_command",
        "Create or upgrade the database schema to the current version (runs the migrations).",
    ),
    "create-user": Entry(
        "annotator.commands.setup", "create_user_command",
        "Create a user NAME with a role; the password is prompted for (or read from stdin).",
    ),
    "create-project": Entry(
        "annotator.commands.setup", "create_project_command",
        "Create a project NAME with a label schema.",
    ),
    "edit-schema": Entry(
        "annotator.commands.setup", "edit_schema_command",
        "Replace a project's label schema with FILE; spans of removed keys need --map OLD=NEW.",
    ),
    "import-articles": Entry(
        "annotator.commands.importing", "import_articles_command",
        "Import article FILES (.txt: title line then body; .jsonl: title, text, url, published).",
    ),
    "add-member": Entry(
        "annotator.commands.members", "add_member_command",
        "Make USER a member of a project with a role there (or change a member's role).",
    ),
    "remove-member": Entry(
        "annotator.commands.members", "remove_member_command",
        "End USER's membership of a project (their annotations and gold stay).",
    ),
    "create-token": Entry(
        "annotator.commands.tokens", "create_token_command",
        "Make a personal API token for USER and print it once (only the token on stdout).",
    ),
    "tokens": Entry(
        "annotator.commands.tokens", "tokens_command",
        "List the API tokens of USER (or everyone's): id, owner, name, scope, prefix, dates, "
        "state.",
    ),
    "revoke-token": Entry(
        "annotator.commands.tokens", "revoke_token_command",
        "Revoke the API token ID at once: its next request gets 401 (ids: `annotator tokens`).",
    ),
    "load-demo": Entry(
        "annotator.commands.setup", "load_demo_command",
        "Create the demo project, articles and users if missing, and print the log-ins.",
    ),
    "import-gazetteer": Entry(
        "annotator.commands.suggestions", "import_gazetteer_command",
        "Import a gazetteer list FILE.csv (text,label[,event_type]) for a project's suggestions.",
    ),
    "create-batch": Entry(
        "annotator.commands.batches", "create_batch_command",
        "Create a batch from documents, a sample or all remaining sentences, with overlap k.",
    ),
    "batch-status": Entry(
        "annotator.commands.batches", "batch_status_command",
        "Print the progress table: per batch and annotator (\"untyped\": EVENT spans still "
        "without an event type).",
    ),
    "reassign-batch": Entry(
        "annotator.commands.batches", "reassign_batch_command",
        "Move an annotator's unfinished work in a batch to others, keeping the overlap.",
    ),
    "remove-batch": Entry(
        "annotator.commands.batches", "remove_batch_command",
        "Delete a batch nobody worked on, or archive one with annotations (with --yes).",
    ),
    "train": Entry(
        "annotator.commands.learning", "train_command",
        "Queue the training of a project's next model (spaCy NER on its gold) as a job.",
    ),
    "serve": Entry(
        "annotator.commands.serving", "serve_command",
        "Serve the app in production with gunicorn (several worker processes).",
    ),
    "backup": Entry(
        "annotator.commands.database", "backup_command",
        "Make a consistent copy of the database while the app keeps running.",
    ),
    "export": Entry(
        "annotator.commands.export", "export_command",
        "Export the gold standard as gold-json, jsonl (spaCy/Prodigy), conll (BIO), event "
        "records, or for Label Studio, brat or spaCy.",
    ),
    "import-annotations": Entry(
        "annotator.commands.importing", "import_annotations_command",
        "Load spans and relations from FILES as pre-annotations or gold; all or nothing unless "
        "--skip-invalid.",
    ),
    "adjudicate": Entry(
        "annotator.commands.adjudication", "adjudicate_command",
        "Accept agreed spans and event arguments into gold; close sentences with no conflict left.",
    ),
    "agreement": Entry(
        "annotator.commands.agreement", "agreement_command",
        "Measure inter-annotator agreement of a project (or one batch) or of a JSON-lines file.",
    ),
    "worker": Entry(
        "annotator.commands.jobs", "worker_command",
        "Run background jobs (imports, the automatic pass, export files, agreement reports).",
    ),
    "jobs": Entry(
        "annotator.commands.jobs", "jobs_command",
        "List background jobs, newest first: id, kind, state, progress, project, message.",
    ),
    "cancel-job": Entry(
        "annotator.commands.jobs", "cancel_job_command",
        "Cancel job ID: a queued one at once, a running one at its next progress report.",
    ),
}


# The commands that change the schema, so their app needs Flask-Migrate (Alembic).
SCHEMA_COMMANDS = frozenset({"init-db"})


def load(name: str) -> click.Command:
    """The command called ``name``, its module imported now."""
    entry = COMMANDS[name]
    return getattr(importlib.import_module(entry.module), entry.attribute)


def load_all() -> list[click.Command]:
    """Every command (the app registers them on ``app.cli`` for ``flask --app annotator``)."""
    return [load(name) for name in COMMANDS]
