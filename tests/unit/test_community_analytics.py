"""Analytics on bad input (no posts, empty period, no time zone, bad dates) and on Arabic text
(dialects, diacritics, elongation, Arabic-Indic digits, mixed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.community import service
from assistant.community.synthetic import SyntheticConfig, generate
from assistant.community.vocabulary import load_vocabulary
from assistant.config import PROJECT_ROOT, CommunitySettings, Settings
from assistant.store import groups
from assistant.store.db import Store
from assistant.store.errors import InvalidInputError, NotFoundError
from assistant.text.normalize import normalize

SMALL = SyntheticConfig(group_id="small", posts_per_day=20, members=60, days=14)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    store.migrate()
    with store.transaction() as session:
        groups.create_group(session, group_id="empty", name="Empty")
        generate(session, SMALL)
    yield store
    store.dispose()


def _activity(store: Store, settings: Settings, group_id: str, **kwargs: object):
    with store.session(readonly=True) as session:
        return service.activity(session, group_id=group_id, settings=settings, **kwargs).report  # type: ignore[arg-type]


def test_group_with_no_posts_and_no_time_zone(store: Store, fake_settings: Settings) -> None:
    report = _activity(store, fake_settings, "empty")
    assert report.totals.posts == 0 and report.topics == [] and report.best_time is None
    assert report.period.timezone == "UTC" and report.period.timezone_source == "utc"
    assert any("no time zone" in n for n in report.notes)
    assert any("no posts yet" in n for n in report.notes)
    with store.transaction() as session:
        run = service.suggest(session, group_id="empty", kind="all", settings=fake_settings)
    assert run.created == [] and any("no posts yet" in n for n in run.notes)


def test_default_time_zone_from_settings(store: Store, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        environment="test",
        community=CommunitySettings(default_timezone="Africa/Cairo"),
    )
    report = _activity(store, settings, "empty")
    assert report.period.timezone == "Africa/Cairo" and report.period.timezone_source == "default"


def test_period_without_data(store: Store, fake_settings: Settings) -> None:
    report = _activity(
        store,
        fake_settings,
        "small",
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 1, 20, tzinfo=UTC),
    )
    assert report.totals.posts == 0 and report.daily == []
    assert any("no posts between" in n for n in report.notes)
    assert report.period.timezone == "Asia/Riyadh"  # the group's own


def test_request_time_zone_moves_the_hours(store: Store, fake_settings: Settings) -> None:
    riyadh = _activity(store, fake_settings, "small", since=SMALL.since, until=SMALL.until)
    utc = _activity(
        store, fake_settings, "small", since=SMALL.since, until=SMALL.until, timezone="UTC"
    )
    assert sum(riyadh.volume_by_hour) == sum(utc.volume_by_hour) > 0
    assert riyadh.volume_by_hour[3:] + riyadh.volume_by_hour[:3] == utc.volume_by_hour


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "not a known IANA zone"),
        ({"since": datetime(2026, 3, 2), "until": datetime(2026, 3, 1)}, "must be before"),
        ({"since": datetime(1990, 1, 1), "until": datetime(1990, 2, 1)}, "out of range"),
        ({"since": datetime(2020, 1, 1), "until": datetime(2026, 1, 1)}, "the limit is"),
    ],
)
def test_bad_input_is_a_clear_error(
    store: Store, fake_settings: Settings, kwargs: dict, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _activity(store, fake_settings, "small", **kwargs)


def test_unknown_group(store: Store, fake_settings: Settings) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        _activity(store, fake_settings, "nope")


def test_arabic_forms_meet_in_one_concept() -> None:
    vocabulary = load_vocabulary(PROJECT_ROOT / "prompts").with_known(frozenset({"جده"}))
    forms = [
        "كم ياخذ التوصيييل لجدة؟",  # Gulf, elongation
        "بتوصلوا عجدة؟ قديش بياخد التوصيل؟",  # Levantine
        "هو التَّوْصِيل لجدة بياخد كام يوم؟",  # Egyptian, diacritics
        "هل يتوفر الشحن إلى جدة خلال ٣ أيام؟",  # MSA, Arabic-Indic digit
        "Do you DELIVER to Jeddah??",
        "الـ delivery لجدة كم يوم؟",  # mixed
    ]
    for text in forms:
        tokens = vocabulary.tokens(normalize(text).normalized)
        assert vocabulary.main_concept(tokens) == "delivery", text
    tokens = vocabulary.tokens(normalize("كم ياخذ التوصيل لجدة؟").normalized)
    assert "جده" in tokens and "كم" not in tokens  # clitic off a known word; stopwords dropped
    assert "بطاقه" in vocabulary.tokens(normalize("بطاقة").normalized)  # not a clitic here
