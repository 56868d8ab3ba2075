"""``mushrif draft``: draft a reply to a member's question from the group's knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.backends.errors import BackendError
from assistant.cli.kb import open_kb
from assistant.config import get_settings


def _options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--generator-option")
        options[key] = value
    return options


def draft(
    question: Annotated[str, typer.Argument(help="The member's post or question.")],
    group: Annotated[str, typer.Option(help="Group slug; 'demo' uses demo/kb/.")] = "demo",
    kb: Annotated[Path | None, typer.Option("--kb", help="A KB directory or file.")] = None,
    generator: Annotated[
        str | None,
        typer.Option(help="grounded (default), openai, llama-cpp, transformers."),
    ] = None,
    generator_option: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE for the generator, e.g. base_url=http://127.0.0.1:8080/v1"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Draft as JSON.")] = False,
) -> None:
    """Draft a reply: the text, its sources (for the admin), confidence and generator.

    Examples:

      mushrif draft --group demo "كم ياخذ الشحن لجدة؟"

      mushrif draft --kb my_kb/ --generator openai \\
          --generator-option base_url=http://127.0.0.1:8080/v1 "Do you ship to Kuwait?"
    """
    from assistant.answering.drafting import draft_reply
    from assistant.backends.registry import create

    knowledge = open_kb(group, kb)
    settings = get_settings()
    try:
        backend = None
        if generator is not None or generator_option:
            spec = settings.answering.generator
            name = generator or spec.name
            options = {**spec.options, **_options(generator_option or [])}
            backend = create("generator", name, **options)
        result = draft_reply(knowledge, question, generator=backend, settings=settings)
    except BackendError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.text)
    typer.echo("---")
    sources = ", ".join(f"{c.entry_id} ({c.score:.2f})" for c in result.citations) or "none"
    typer.echo(f"sources: {sources}")
    typer.echo(f"confidence: {result.confidence:.2f}")
    generator_line = result.generator
    if result.fallback_from:
        generator_line += f" (fallback from {result.fallback_from})"
    typer.echo(f"generator: {generator_line}")
    if result.escalate or result.reason:
        typer.echo(
            json.dumps({"escalate": result.escalate, "reason": result.reason}, ensure_ascii=False)
        )
