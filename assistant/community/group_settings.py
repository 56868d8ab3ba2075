"""A group's community settings (stored under ``groups.settings["community"]``) and the
context every community function runs in: time zone, country, languages and caps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.config import CommunitySettings
from assistant.store.errors import InvalidInputError
from assistant.store.models import Group

_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())


def parse_timezone(name: str) -> ZoneInfo:
    """``name`` as a zone, or an error naming an example of a valid one."""
    if not name or name not in _zone_names():
        raise InvalidInputError(
            f"time zone '{name[:60]}' is not a known IANA zone name (e.g. 'Asia/Riyadh', "
            "'Africa/Cairo', 'UTC')"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(f"time zone '{name[:60]}' cannot be loaded") from None


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


class Highlight(BaseModel):
    """A pinned post, guide or link new members should see first."""

    model_config = ConfigDict(extra="forbid")

    title_ar: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    url: str | None = Field(None, max_length=500)

    def title(self, language: str) -> str:
        return (
            (self.title_ar if language == "ar" else self.title_en) or self.title_en or self.title_ar
        )


class GroupCommunitySettings(BaseModel):
    """Per-group overrides of ``community.*`` settings; unset fields use the service defaults."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "timezone": "Asia/Riyadh",
                    "country": "SA",
                    "weekly_promotion_cap": 2,
                    "highlights": [
                        {"title_ar": "دليل المقاسات", "title_en": "Size guide", "url": None}
                    ],
                }
            ]
        },
    )

    timezone: str | None = Field(None, max_length=64, description="IANA zone, e.g. Asia/Riyadh")
    country: str | None = Field(None, description="ISO 3166 alpha-2, for national days")
    weekly_promotion_cap: int | None = Field(None, ge=0, le=50)
    weekly_activation_cap: int | None = Field(None, ge=0, le=50)
    welcome_batch_window_s: int | None = Field(None, ge=0, le=86_400)
    back_to_school: str | None = Field(None, description="MM-DD, e.g. 08-23")
    highlights: list[Highlight] = Field(default_factory=list, max_length=10)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_timezone(value)
            except InvalidInputError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in _countries():
            raise ValueError(f"country '{value[:20]}' is not a supported ISO 3166 code (e.g. SA)")
        return code

    @field_validator("back_to_school")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH_DAY.match(value):
            raise ValueError("back_to_school must be MM-DD, e.g. 08-23")
        return value


def group_settings(group: Group) -> GroupCommunitySettings:
    raw = (group.settings or {}).get("community") or {}
    try:
        return GroupCommunitySettings.model_validate(raw)
    except ValueError:  # settings written by an older version: ignore rather than crash
        return GroupCommunitySettings()


@dataclass(frozen=True)
class CommunityContext:
    """What a community function needs to know about a group."""

    group_id: str
    group_name: str
    languages: tuple[str, ...]
    tz: ZoneInfo
    tz_name: str
    tz_source: str  # request, group, default or utc
    country: str | None
    settings: CommunitySettings
    group: GroupCommunitySettings
    notes: list[str] = field(default_factory=list)

    @property
    def primary_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    @property
    def promotion_cap(self) -> int:
        cap = self.group.weekly_promotion_cap
        return self.settings.weekly_promotion_cap if cap is None else cap

    @property
    def activation_cap(self) -> int:
        cap = self.group.weekly_activation_cap
        return self.settings.weekly_activation_cap if cap is None else cap

    @property
    def welcome_window_s(self) -> int:
        window = self.group.welcome_batch_window_s
        return self.settings.welcome_batch_window_s if window is None else window

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


def context_for(
    group: Group, settings: CommunitySettings, *, timezone: str | None = None
) -> CommunityContext:
    """Time zone precedence: the request, the group's setting, ``community.default_timezone``,
    then UTC (with a note saying so)."""
    own = group_settings(group)
    notes: list[str] = []
    if timezone:
        tz_name, source = timezone, "request"
    elif own.timezone:
        tz_name, source = own.timezone, "group"
    elif settings.default_timezone:
        tz_name, source = settings.default_timezone, "default"
        notes.append(
            f"the group has no time zone: using the service default {tz_name} "
            "(set one with PUT /v1/groups/{id}/community/settings)"
        )
    else:
        tz_name, source = "UTC", "utc"
        notes.append(
            "no time zone given and the group has none: hours and weekdays are in UTC "
            "(set one with PUT /v1/groups/{id}/community/settings or pass tz)"
        )
    languages = tuple(lang for lang in (group.languages or []) if lang in ("ar", "en")) or ("ar",)
    return CommunityContext(
        group_id=group.id,
        group_name=group.name,
        languages=languages,
        tz=parse_timezone(tz_name),
        tz_name=tz_name,
        tz_source=source,
        country=own.country or settings.default_country,
        settings=settings,
        group=own,
        notes=notes,
    )
