"""``mushrif eval``: run evaluation suites, compare runs, replay a rules change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

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
    skip_unimplemented: bool = False,
) -> tuple[bool, str]:
    """(passed, one-line outcome); skipped suites pass."""
    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.models import ModelError, shared_missing
    from assistant.evaluation.runner import (
        NotImplementedTaskError,
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
    except NotImplementedTaskError as exc:
        return skip_unimplemented, f"{'skipped' if skip_unimplemented else 'error'}: {exc}"
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
    passed = True
    if save:
        written = save_baseline(result, baselines / f"{suite.name}.json")
        line += f"\n  baseline written: {written}"
    elif check:
        outcome = check_baseline(result, baselines / f"{suite.name}.json")
        passed = outcome.ok
        line += f"\n  {'ok' if outcome.ok else 'FAIL'}: {outcome.message}"
    return passed, line


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
    for path in _suite_paths(suites or [], run_all):
        passed, line = _run_one(
            path,
            settings,
            output=output,
            check=check_baseline,
            save=save_baseline,
            progress=progress,
            baselines=baselines,
            skip_unimplemented=run_all,
        )
        typer.echo(line)
        failed += not passed
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
            help="Labeled CSV/JSONL posts (text + the action the admin wants). Reading the "
            "group's stored posts from the database is not implemented yet."
        ),
    ] = None,
    current_rules: Annotated[
        Path | None, typer.Option(help="The group's rules today (default: no group rules).")
    ] = None,
    label_field: Annotated[
        str, typer.Option(help="Field with the wanted action: approve, reply, hide, …")
    ] = "expected_action",
    output: Annotated[Path | None, typer.Option(help="Write the full replay as JSON.")] = None,
    limit: Annotated[int, typer.Option(help="Changes printed.")] = 50,
) -> None:
    """Shadow replay of a proposed rules change: what would now be hidden or escalated,
    false positives first, before the admin enables it.

    Example: mushrif eval replay --group shop --rules new.yaml --current-rules rules.yaml
    --posts labeled.jsonl
    """
    from assistant.backends.errors import BackendError
    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.replay import read_replay_posts, render_replay
    from assistant.evaluation.replay import replay as run_replay
    from assistant.moderation.analyzer import Analyzer
    from assistant.moderation.rules import GroupRules, RulesError, load_rules

    if posts is None:
        _fail(
            "replay over the group's stored posts is not implemented yet (the store is being "
            "built): export or write the labeled posts and pass --posts FILE"
        )
    try:
        proposed = load_rules(rules)
        current = load_rules(current_rules) if current_rules else GroupRules()
        labeled = read_replay_posts(posts, label_field=label_field, group=group)
        analyzer = Analyzer.from_settings(get_settings())
    except (RulesError, DatasetError, BackendError) as exc:
        _fail(str(exc))
    result = run_replay(analyzer, labeled, current, proposed)
    result["group"] = group
    if output:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    typer.echo(render_replay(result, limit=limit))
