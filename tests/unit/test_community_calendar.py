"""Seasonal dates from the Hijri calendar (hijridate) and national days (holidays), across
the Hijri and Gregorian year boundaries."""

from __future__ import annotations

from datetime import date

from assistant.community.calendar import events_between, upcoming, white_friday
from assistant.config import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"


def _keys(events: list) -> dict[str, date]:
    return {e.key: e.start for e in events}


def test_hijri_events_across_the_gregorian_new_year() -> None:
    events = events_between(PROMPTS, date(2025, 12, 20), date(2026, 6, 10), country="SA")
    found = _keys(events)
    assert found["ramadan"] == date(2026, 2, 18)
    assert found["eid_al_fitr"] == date(2026, 3, 20)
    assert found["eid_al_adha"] == date(2026, 5, 27)
    assert found["national_day:founding_day"] == date(2026, 2, 22)
    ramadan = next(e for e in events if e.key == "ramadan")
    assert ramadan.hijri == "1447-09-01" and (ramadan.end - ramadan.start).days in (28, 29)


def test_upcoming_across_the_hijri_new_year() -> None:
    # 1448-01-01 falls on 2026-06-16: the next Ramadan is in Hijri year 1448
    events = upcoming(PROMPTS, date(2026, 6, 10), 300)
    ramadans = [e for e in events if e.key == "ramadan"]
    assert [e.hijri for e in ramadans] == ["1448-09-01"]
    assert date(2027, 2, 1) <= ramadans[0].start <= date(2027, 2, 15)
    assert "white_friday" in _keys(events) and "eid_al_adha" not in _keys(events)


def test_white_friday_back_to_school_and_national_days() -> None:
    assert white_friday(2026) == date(2026, 11, 27) and white_friday(2025) == date(2025, 11, 28)
    found = _keys(events_between(PROMPTS, date(2026, 8, 1), date(2026, 12, 31), country="AE"))
    assert found["back_to_school"] == date(2026, 8, 25)
    assert found["national_day:national_day"] == date(2026, 12, 2)
    own = events_between(PROMPTS, date(2026, 8, 1), date(2026, 9, 30), back_to_school="09-07")
    assert _keys(own)["back_to_school"] == date(2026, 9, 7)


def test_out_of_range_and_empty_periods_do_not_crash() -> None:
    far = events_between(PROMPTS, date(2078, 1, 1), date(2078, 12, 31))
    assert {e.key for e in far} == {"white_friday", "back_to_school"}  # no Hijri table there
    assert events_between(PROMPTS, date(2026, 3, 2), date(2026, 3, 1)) == []
    assert upcoming(PROMPTS, date(2026, 7, 1), 10, country="SA") == []
