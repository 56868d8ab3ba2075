"""``mushrif classify``: auto-triage of one text or a file of posts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from assistant.backends.errors import BackendError
from assistant.cli.io import InputFileError, read_posts
from assistant.config import get_settings
from assistant.moderation.rules import GroupRules, RulesError, load_rules
from assistant.schemas import Analysis, PostIn


def summary(analysis: Analysis) -> dict[str, Any]:
    """The compact JSON object the CLI prints for one post."""
    return {
        "language": analysis.language.code,
        "intent": analysis.intent.label,
        "intent_score": analysis.intent.score,
        "offensive": analysis.offensive.label,
        "offensive_score": analysis.offensive.score,
        "spam": analysis.spam.label,
        "spam_score": analysis.spam.score,
        "sentiment": analysis.sentiment.label,
        "sentiment_score": analysis.sentiment.score,
        "action": analysis.action.value,
        "priority": analysis.priority.value,
        "confidence": analysis.confidence,
        "category": analysis.category,
        "rule_hits": [hit.model_dump(mode="json") for hit in analysis.rule_hits],
        "explanation": analysis.explanation.model_dump(mode="json"),
        "truncated": analysis.truncated,
    }


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def classify(
    text: Annotated[str | None, typer.Argument(help="The post to classify.")] = None,
    group_rules: Annotated[
        Path | None, typer.Option("--group-rules", help="The group's rules YAML file.")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="A .csv, .tsv or .jsonl file of posts.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Where to write one JSON object per post (default stdout).")
    ] = None,
    text_field: Annotated[str, typer.Option(help="Name of the text column/field.")] = "text",
    encoding: Annotated[str, typer.Option(help="Encoding of the input file.")] = "utf-8",
    full: Annotated[bool, typer.Option(help="Print the whole analysis, not the summary.")] = False,
) -> None:
    """Classify a post: language, intent, offensive, spam, sentiment, action, priority, why.

    Examples:

      mushrif classify "كم سعر العباية السوداء؟"

      mushrif classify --input posts.csv --output triage.jsonl --group-rules demo/rules.yaml
    """
    if (text is None) == (input_file is None):
        _fail("give either TEXT or --input FILE")
    rules: GroupRules | None = None
    try:
        rules = load_rules(group_rules) if group_rules else None
    except RulesError as exc:
        _fail(str(exc))
    from assistant.moderation.analyzer import Analyzer

    try:
        analyzer = Analyzer.from_settings(get_settings())
    except BackendError as exc:
        _fail(str(exc))

    def render(analysis: Analysis) -> str:
        data = analysis.model_dump(mode="json") if full else summary(analysis)
        return json.dumps(data, ensure_ascii=False)

    if text is not None:
        typer.echo(render(analyzer.analyze(PostIn(text=text), rules=rules)))
        return
    assert input_file is not None
    try:
        rows = list(read_posts(input_file, text_field=text_field, encoding=encoding))
    except InputFileError as exc:
        _fail(str(exc))
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    batch = get_settings().analysis.batch_size
    try:
        with tqdm(total=len(rows), unit="post", disable=output is None, file=sys.stderr) as bar:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                analyses = analyzer.analyze_batch(
                    [PostIn(text=r["text"]) for r in chunk], rules=rules
                )
                for row, analysis in zip(chunk, analyses, strict=True):
                    record = json.loads(render(analysis))
                    record = {"line": row["_line"], "id": row.get("id"), **record}
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                bar.update(len(chunk))
    finally:
        if output:
            sink.close()
    if output:
        typer.echo(f"classified {len(rows)} posts → {output}", err=True)
