"""The seasonal calendar: Ramadan, Eid al-Fitr and Eid al-Adha (Umm al-Qura dates through
``hijridate``), White Friday, national days of the group's country (``holidays``) and
back-to-school, each with its Gregorian dates."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.community import texts

# hijridate's Umm al-Qura table covers these Gregorian years
HIJRI_RANGE = (date(1924, 8, 1), date(2077, 11, 16))


class SeasonalEvent(BaseModel):
    key: str = Field(description="ramadan, eid_al_fitr, eid_al_adha, white_friday, …")
    name: dict[str, str]
    start: date
    end: date = Field(description="last day (inclusive)")
    hijri: str | None = Field(None, description="the Hijri date of the first day (Umm al-Qura)")
    source: str


def _hijri_events(start: date, end: date, names: dict[str, dict[str, str]]) -> list[SeasonalEvent]:
    from hijridate import Gregorian, Hijri

    low, high = max(start, HIJRI_RANGE[0]), min(end, HIJRI_RANGE[1])
    if low > high:
        return []
    first = Gregorian(low.year, low.month, low.day).to_hijri().year - 1
    last = Gregorian(high.year, high.month, high.day).to_hijri().year + 1
    events: list[SeasonalEvent] = []
    for year in range(first, last + 1):
        for key, month, day, days in (
            ("ramadan", 9, 1, None),
            ("eid_al_fitr", 10, 1, 3),
            ("eid_al_adha", 12, 10, 4),
        ):
            try:
                converted = Hijri(year, month, day).to_gregorian()
                begin = date(converted.year, converted.month, converted.day)
                length = days if days is not None else Hijri(year, month, 1).month_length()
            except (OverflowError, ValueError):
                continue
            events.append(
                SeasonalEvent(
                    key=key,
                    name=names[key],
                    start=begin,
                    end=begin + timedelta(days=length - 1),
                    hijri=f"{year:04d}-{month:02d}-{day:02d}",
                    source="hijridate (Umm al-Qura)",
                )
            )
    return events


def white_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    november_first = date(year, 11, 1)
    first_thursday = november_first + timedelta(days=(3 - november_first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def _national_days(
    country: str, years: range, patterns: list[str], names: dict[str, dict[str, str]]
) -> list[SeasonalEvent]:
    import holidays

    matcher = re.compile("|".join(re.escape(p) for p in patterns), re.IGNORECASE)
    try:
        found = holidays.country_holidays(country, years=list(years))
    except NotImplementedError:
        return []
    events: list[SeasonalEvent] = []
    seen: set[str] = set()
    for day, title in sorted(found.items()):
        if not matcher.search(title) or "observed" in title.lower():
            continue
        clean = re.sub(r"\s*\((?:estimated)\)|\s+Holiday$", "", title).strip()
        key = f"national_day:{country}:{day.year}:{clean}"
        if key in seen:  # a two-day national day: one event
            continue
        seen.add(key)
        generic = names["national_day"]
        events.append(
            SeasonalEvent(
                key=f"national_day:{re.sub(r'[^a-z]+', '_', clean.lower()).strip('_')}",
                name={"ar": _arabic_name(clean, generic["ar"]), "en": clean},
                start=day,
                end=day,
                source=f"holidays ({country})",
            )
        )
    return events


_ARABIC_NAMES = {"national day": "اليوم الوطني", "founding day": "يوم التأسيس"}


def _arabic_name(english: str, fallback: str) -> str:
    return _ARABIC_NAMES.get(english.lower(), fallback)


@lru_cache(maxsize=64)
def _events_cached(
    prompts_dir: Path, start: date, end: date, country: str | None, back_to_school: str | None
) -> tuple[SeasonalEvent, ...]:
    data = texts.calendar(prompts_dir)
    names = {key: {"ar": e.name.ar, "en": e.name.en} for key, e in data.events.items()}
    years = range(start.year - 1, end.year + 2)
    events = _hijri_events(start - timedelta(days=40), end, names)
    events += [
        SeasonalEvent(
            key="white_friday",
            name=names["white_friday"],
            start=white_friday(y),
            end=white_friday(y),
            source="fourth Thursday of November + 1",
        )
        for y in years
    ]
    school = back_to_school or data.back_to_school.get(
        country or "", data.back_to_school["default"]
    )
    month, day = (int(x) for x in school.split("-"))
    for y in years:
        try:
            begin = date(y, month, day)
        except ValueError:  # 02-30 and the like
            continue
        events.append(
            SeasonalEvent(
                key="back_to_school",
                name=names["back_to_school"],
                start=begin,
                end=begin + timedelta(days=13),
                source=f"back-to-school {school}",
            )
        )
    if country:
        events += _national_days(country, years, data.national_day_names, names)
    overlapping = [e for e in events if e.end >= start and e.start <= end]
    return tuple(sorted(overlapping, key=lambda e: (e.start, e.key)))


def events_between(
    prompts_dir: Path,
    start: date,
    end: date,
    *,
    country: str | None = None,
    back_to_school: str | None = None,
) -> list[SeasonalEvent]:
    """Events that overlap ``[start, end]`` (dates in the group's time zone)."""
    if end < start:
        return []
    return list(_events_cached(prompts_dir, start, end, country, back_to_school))


def upcoming(
    prompts_dir: Path,
    as_of: date,
    lead_days: int,
    *,
    country: str | None = None,
    back_to_school: str | None = None,
) -> list[SeasonalEvent]:
    """Events on now, or starting within ``lead_days`` after ``as_of``."""
    return [
        e
        for e in events_between(
            prompts_dir,
            as_of,
            as_of + timedelta(days=lead_days),
            country=country,
            back_to_school=back_to_school,
        )
        if e.start <= as_of + timedelta(days=lead_days)
    ]
