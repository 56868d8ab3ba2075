"""``mushrif kb``: import and show a group's knowledge base (files in a KB directory)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from assistant.answering.kb import SUPPORTED_SUFFIXES, KBError, load_entries, load_kb, merge_entries
from assistant.answering.quoting import looks_like_injection
from assistant.answering.schemas import KnowledgeBase
from assistant.config import get_settings

app = typer.Typer(
    help="A group's knowledge base: FAQ, rules, catalog and policies (CSV, JSON, Markdown).",
    no_args_is_help=True,
)

KbOption = Annotated[
    Path | None, typer.Option("--kb", help="A KB directory or file (overrides --group).")
]
GroupOption = Annotated[
    str, typer.Option("--group", help="Group slug: 'demo' is demo/kb/, others <data_dir>/kb/<G>/.")
]


def kb_path(group: str, kb: Path | None) -> Path:
    """The KB directory (or file) of a group, or the one given with ``--kb``."""
    if kb is not None:
        return kb
    answering = get_settings().answering
    if group == "demo":
        return answering.demo_kb_dir
    return get_settings().data_dir / answering.kb_dir / group


def open_kb(group: str, kb: Path | None) -> KnowledgeBase:
    path = kb_path(group, kb)
    try:
        return load_kb(path, group=group)
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None


def _warn_injections(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        if any(looks_like_injection(t) for t in entry.search_texts()):
            typer.echo(
                f"warning: entry '{entry.id}' contains instruction-like text; it is quoted as "
                "data in prompts and stripped from grounded replies, but please review it",
                err=True,
            )


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help=f"A {', '.join(SUPPORTED_SUFFIXES)} file.")],
    group: GroupOption = "demo",
    kb: KbOption = None,
) -> None:
    """Validate FILE and add it to the group's KB directory; re-importing a file of the same
    name replaces it (entries with known ids are updated, the index is rebuilt on next use).

    Example: mushrif kb import --group myshop catalog.csv
    """
    target = kb_path(group, kb)
    if target.suffix:
        typer.echo(
            f"error: {target} is a file; --kb must name a directory to import into", err=True
        )
        raise typer.Exit(code=2)
    try:
        incoming = load_entries(file)
        existing = load_kb(target, group=group).entries if target.is_dir() else []
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    _, added, updated = merge_entries(existing, incoming)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target / file.name)
    result = load_kb(target, group=group)
    _warn_injections(result)
    summary = {"kb": str(target), "file": file.name, "added": added, "updated": updated}
    typer.echo(json.dumps({**summary, "entries": len(result.entries)}, ensure_ascii=False))


@app.command("show")
def show(
    group: GroupOption = "demo",
    kb: KbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole KB as JSON.")] = False,
) -> None:
    """List the entries of a group's KB (id, kind, languages, title)."""
    knowledge = open_kb(group, kb)
    if as_json:
        typer.echo(knowledge.model_dump_json(indent=2))
        return
    for entry in knowledge.entries:
        _, text = entry.text_for("en")
        languages = ",".join(entry.text)
        typer.echo(f"{entry.id:24} {entry.kind:8} {languages:6} {text.title}")
    typer.echo(f"{len(knowledge.entries)} entries, fingerprint {knowledge.fingerprint()}")
