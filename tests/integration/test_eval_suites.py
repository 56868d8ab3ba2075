"""The committed evaluation suites on the shared datasets, checked against their baselines.

Runs ``mushrif eval run SUITE --check-baseline`` for every suite in ``eval/suites/`` whose
baseline is committed. Skips with a clear message when ``../shared/data`` is absent, when a
suite's model is not trained yet, or when it has no baseline. The first run trains the
in-run baselines of the intent suites (about 2–4 minutes on 2 cores); reruns reuse them and
the embedding cache. A suite is a test case, so ``-k sentiment`` runs a subset and
``-k retrieval`` the answering suites (which need only ``demo/kb/``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import evaluate as cli
from assistant.config import Settings, get_settings
from assistant.evaluation.models import ModelError, build_classifier
from assistant.evaluation.runner import baseline_path
from assistant.evaluation.suites import all_suites, load_suite

pytestmark = pytest.mark.slow

SUITES = all_suites()


@pytest.mark.parametrize("suite_path", SUITES, ids=[p.stem for p in SUITES])
def test_suite_meets_its_baseline(
    suite_path: Path,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suite = load_suite(suite_path)
    settings: Settings = get_settings()
    if suite.needs_shared_data:  # the retrieval suites over demo/kb/ need nothing shared
        shared_data: Path = request.getfixturevalue("shared_data")
        settings = settings.model_copy(update={"shared_data_dir": shared_data})
    if not baseline_path(suite.name).is_file():
        pytest.skip(
            f"no committed baseline for {suite.name}: run `mushrif eval run "
            f"{suite.name} --save-baseline` once its model is trained"
        )
    if suite.model is not None and suite.model.fit is None:
        try:
            build_classifier(suite, settings)
        except ModelError as exc:
            pytest.skip(f"model of {suite.name} is not available: {exc}")
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    result = CliRunner().invoke(
        cli.app,
        ["run", str(suite_path), "--check-baseline", "--no-progress", "--output", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output
    assert (tmp_path / suite.name / "report.html").is_file()
