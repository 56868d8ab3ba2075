"""``mushrif feedback export``: admins' decisions as JSONL for the evaluation harness."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import get_settings
from assistant.store.db import Store
from assistant.store.queue import feedback_records

app = typer.Typer(
    help="Labeled examples from admins' decisions.", no_args_is_help=True, add_completion=False
)


@app.callback()
def feedback() -> None:
    """Labeled examples from admins' decisions."""


@app.command("export")
def export(
    group: Annotated[str, typer.Option(help="group id")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL file (default: stdout)")
    ] = None,
    since_id: Annotated[int, typer.Option(help="only examples after this id")] = 0,
) -> None:
    """One JSON object a line: text, language, predicted labels, the admin's action/label and
    edit (same format as GET /v1/groups/{group_id}/feedback/export)."""
    store = Store.from_settings(get_settings())
    store.migrate()
    with store.session(readonly=True) as session:
        records = feedback_records(session, group_id=group, since_id=since_id)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if output is None:
        sys.stdout.write(lines)
    else:
        output.write_text(lines, "utf-8")
        typer.echo(f"{len(records)} examples written to {output}", err=True)
