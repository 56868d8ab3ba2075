"""``mushrif analytics``, ``mushrif suggest …`` and ``mushrif members join``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.config import get_settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MUSHRIF_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_end_to_end(cli: CliRunner) -> None:
    made = cli.invoke(app, ["synthetic", "--group", "g1", "--posts-per-day", "40"])
    assert made.exit_code == 0, made.output
    period = ["--since", "2026-02-13", "--until", "2026-03-15"]
    report = cli.invoke(app, ["analytics", "--group", "g1", *period])
    assert report.exit_code == 0, report.output
    assert "time zone Asia/Riyadh" in report.output and "quiet weekday: Tuesday" in report.output
    assert "burst:" in report.output and "season: Ramadan" in report.output
    first = cli.invoke(app, ["suggest", "promotions", "--group", "g1", *period])
    assert first.exit_code == 0 and "[promotion_burst]" in first.output
    second = cli.invoke(app, ["suggest", "promotions", "--group", "g1", *period])
    assert "already queued" in second.output and "+ item" not in second.output
    joined = cli.invoke(app, ["members", "join", "--group", "g1", "m-900=هدى", "m-901=Sarah"])
    assert joined.exit_code == 0 and "2 new member(s) in 1 welcome draft(s)" in joined.output


def test_cli_bad_input_is_one_clear_line(cli: CliRunner) -> None:
    missing = cli.invoke(app, ["analytics", "--group", "nope"])
    assert missing.exit_code == 2 and "group 'nope' not found" in missing.output
    cli.invoke(app, ["synthetic", "--group", "g2", "--control", "--posts-per-day", "20"])
    zone = cli.invoke(app, ["analytics", "--group", "g2", "--tz", "Mars/Base"])
    assert zone.exit_code == 2 and "not a known IANA zone" in zone.output
    order = cli.invoke(
        app, ["suggest", "faq", "--group", "g2", "--since", "2026-03-02", "--until", "2026-03-01"]
    )
    assert order.exit_code == 2 and "must be before" in order.output
    language = cli.invoke(app, ["members", "join", "--group", "g2", "x", "--language", "fr"])
    assert language.exit_code == 2 and "ar or en" in language.output
