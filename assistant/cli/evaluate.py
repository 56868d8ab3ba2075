"""``mushrif eval``: run evaluation suites, compare runs, replay a rules change."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from assistant.config import Settings, get_settings
from assistant.evaluation.suites import BASELINES_DIR

app = typer.Typer(
    help="Measure Mushrif on labeled data: suites, reports, comparisons, shadow replay.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def _suite_paths(suites: list[str], run_all: bool) -> list[Path]:
    from assistant.evaluation.suites import all_suites, resolve_suite_path

    if run_all:
        return all_suites()
    if not suites:
        _fail("name at least one SUITE (a name in eval/suites/ or a YAML path), or pass --all")
    return [resolve_suite_path(s) for s in suites]


def _run_one(
    path: Path,
    settings: Settings,
    *,
    output: Path | None,
    check: bool,
    save: bool,
    progress: bool,
    baselines: Path,
) -> tuple[bool, str]:
    """(passed, one-line outcome); skipped suites pass."""
    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.models import ModelError, shared_missing
    from assistant.evaluation.runner import (
        check_baseline,
        evaluate,
        run_dir,
        save_baseline,
        write_run,
    )
    from assistant.evaluation.suites import SuiteError, load_suite

    try:
        suite = load_suite(path)
    except SuiteError as exc:
        return False, f"error: {exc}"
    missing = shared_missing(suite, settings)
    if missing:
        return True, f"skipped: {missing} (set MUSHRIF_SHARED_DATA_DIR)"
    try:
        result = evaluate(suite, settings, progress=progress)
    except (ModelError, SuiteError) as exc:
        return False, f"error: {exc}"
    except DatasetError as exc:
        return False, f"error: suite {suite.path}: {exc}"
    directory = output / suite.name if output and not output.suffix else run_dir(settings, suite)
    report = write_run(result, directory)
    primary = result["primary_metric"]
    interval = f" [{primary['low']:.4f}, {primary['high']:.4f}]" if "low" in primary else ""
    line = (
        f"{suite.name}: {primary['name']} {primary['value']:.4f}{interval} "
        f"n={result['dataset']['n']} in {result['run_seconds']:.1f}s → {report}"
    )
    if "misses" in result:
        line += "\n" + _grounded_summary(result)
    passed = True
    if save:
        written = save_baseline(result, baselines / f"{suite.name}.json")
        line += f"\n  baseline written: {written}"
    elif check:
        outcome = check_baseline(result, baselines / f"{suite.name}.json")
        passed = outcome.ok
        line += f"\n  {'ok' if outcome.ok else 'FAIL'}: {outcome.message}"
    return passed, line


def _grounded_summary(result: dict) -> str:
    """Per-language hit@1/hit@3, unanswerable escalated and violations of a retrieval run."""

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    parts = [
        f"{language} hit@1 {pct(s.get('hit_at_1'))} hit@3 {pct(s.get('hit_at_3'))} "
        f"(n={s['n_answerable']})"
        for language, s in result.get("slices", {}).get("language", {}).items()
        if s["n_answerable"]
    ]
    metrics = result["metrics"]
    parts.append(
        f"unanswerable escalated {pct(metrics['unanswerable_escalated'])} "
        f"(n={metrics['n_unanswerable']}), answerable answered "
        f"{pct(metrics['answerable_answered'])}, faithfulness violations "
        f"{metrics['faithfulness_violations']}/{metrics['shipped_drafts']}"
    )
    return "  " + "\n  ".join(parts)


@app.command("run")
def run(
    suites: Annotated[
        list[str] | None,
        typer.Argument(help="Suite names (files in eval/suites/) or paths to suite YAML files."),
    ] = None,
    run_all: Annotated[
        bool, typer.Option("--all", help="Run every suite in eval/suites/.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(help="Report folder (one sub-folder per suite); default var/eval/runs/."),
    ] = None,
    check_baseline: Annotated[
        bool,
        typer.Option(
            "--check-baseline",
            help="Exit 1 when a primary metric falls below its baseline's 95% CI.",
        ),
    ] = False,
    save_baseline: Annotated[
        bool,
        typer.Option("--save-baseline", help="Write eval/baselines/<suite>.json from this run."),
    ] = False,
    baselines: Annotated[
        Path, typer.Option(help="Folder of baseline JSON files (one per suite).")
    ] = BASELINES_DIR,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Run evaluation suites: metrics with 95% CIs, results.json and a self-contained report.html.

    Examples:

      mushrif eval run sentiment_ajgt

      mushrif eval run --all --check-baseline

      mushrif eval run eval/examples/suite.yaml --output reports/
    """
    settings = get_settings()
    failed = 0
    started = time.perf_counter()
    paths = _suite_paths(suites or [], run_all)
    for path in paths:
        passed, line = _run_one(
            path,
            settings,
            output=output,
            check=check_baseline,
            save=save_baseline,
            progress=progress,
            baselines=baselines,
        )
        typer.echo(line)
        failed += not passed
    if len(paths) > 1:
        typer.echo(f"{len(paths)} suites in {time.perf_counter() - started:.0f}s")
    if failed:
        _fail(f"{failed} suite(s) failed", code=1)


@app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="Reference run: a run folder or results JSON.")],
    run_b: Annotated[Path, typer.Argument(help="New run: a run folder, results or baseline JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """What changed from RUN_A to RUN_B, per metric, class and slice, and whether each change
    lies outside RUN_A's 95% bootstrap interval.

    Example: mushrif eval compare eval/baselines/sentiment_ajgt.json var/eval/runs/<run>
    """
    from assistant.evaluation.compare import CompareError, compare_runs, load_run, render_text

    try:
        a, b = load_run(run_a), load_run(run_b)
    except CompareError as exc:
        _fail(str(exc))
    changes = compare_runs(a, b)
    if as_json:
        typer.echo(json.dumps([c.as_dict() for c in changes], indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(a, b, changes))


@app.command("replay")
def replay(
    group: Annotated[str, typer.Option(help="The group whose labeled posts to replay.")],
    rules: Annotated[Path, typer.Option(help="The proposed rules/thresholds YAML file.")],
    posts: Annotated[
        Path | None,
        typer.Option(
            help="Labeled CSV/JSONL posts (text + the action the admin wants). Default: the "
            "group's stored posts that admins decided on, from the database (database_url)."
        ),
    ] = None,
    current_rules: Annotated[
        Path | None,
        typer.Option(
            help="The group's rules today (default: the group's stored rules with the database, "
            "no group rules with --posts)."
        ),
    ] = None,
    label_field: Annotated[
        str, typer.Option(help="Field with the wanted action: approve, reply, hide, …")
    ] = "expected_action",
    max_posts: Annotated[
        int | None,
        typer.Option(
            help="Stored posts read, newest decisions first (default web.replay_max_posts)."
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write the full replay as JSON.")] = None,
    limit: Annotated[int, typer.Option(help="Changes printed.")] = 50,
) -> None:
    """Shadow replay of a proposed rules change: what would now be hidden or escalated,
    false positives first, before the admin enables it.

    Without --posts it reads the group's stored posts whose queue items admins approved or
    rejected: an approved item's suggested action is the label; a rejected moderation item
    means "leave it up" (approve); a rejection labeled spam/abusive/offensive/hate means hide.

    Examples:

      mushrif eval replay --group demo-abaya-shop --rules new.yaml

      mushrif eval replay --group shop --rules new.yaml --current-rules rules.yaml
      --posts labeled.jsonl
    """
    from assistant.backends.errors import BackendError
    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.replay import read_replay_posts, render_replay
    from assistant.evaluation.replay import replay as run_replay
    from assistant.moderation.analyzer import Analyzer
    from assistant.moderation.rules import GroupRules, RulesError, load_rules
    from assistant.store.errors import InvalidInputError

    settings = get_settings()
    try:
        proposed = load_rules(rules)
        if posts is not None:
            current = load_rules(current_rules) if current_rules else GroupRules()
            labeled = read_replay_posts(posts, label_field=label_field, group=group)
            source = str(posts)
        else:
            stored_current, labeled, source = _stored_posts(
                settings, group, max_posts or settings.web.replay_max_posts
            )
            current = load_rules(current_rules) if current_rules else stored_current
        analyzer = Analyzer.from_settings(settings)
    except (RulesError, DatasetError, BackendError, InvalidInputError) as exc:
        _fail(str(exc))
    result = run_replay(analyzer, labeled, current, proposed)
    result["group"] = group
    result["source"] = source
    if output:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    typer.echo(render_replay(result, limit=limit))


def _stored_posts(settings: Settings, group: str, limit: int) -> tuple[Any, list[Any], str]:
    """The group's stored rules and decided posts, from the configured database."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.replay import stored_group_rules, stored_replay_posts
    from assistant.store.db import Store

    url = make_url(settings.resolved_database_url)
    shown = url.render_as_string(hide_password=True)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).is_file():
        raise DatasetError(
            f"no database at {file}: set MUSHRIF_DATABASE_URL (or data_dir), or pass --posts FILE"
        )
    store = Store(str(url.render_as_string(hide_password=False)))
    try:
        store.migrate()
        with store.session(readonly=True) as session:
            current = stored_group_rules(session, group_id=group)
            labeled = stored_replay_posts(session, group_id=group, limit=limit)
    except SQLAlchemyError as exc:
        raise DatasetError(f"database {shown}: {exc.__class__.__name__}: {exc}") from None
    finally:
        store.dispose()
    if not labeled:
        raise DatasetError(
            f"database {shown}: group {group!r} has no posts whose queue item an admin approved "
            "or rejected yet; decide some items, or pass --posts FILE"
        )
    return current, labeled, f"database {shown} ({len(labeled)} decided posts)"
