"""Growing the group: member joins and welcomes, activity analytics, growth suggestions
(promotions and events, activation, review posts, FAQ entries) and the group's community
settings. Every suggestion lands in the approval queue with its rationale and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from assistant.api.deps import (
    GroupAccess,
    GroupModerator,
    GroupOwner,
    GroupViewer,
    ReadSessionDep,
    Services,
    ServicesDep,
    SessionDep,
)
from assistant.api.schemas import MemberCreate, MemberPublic, Message
from assistant.community import service
from assistant.community.analytics import ActivityReport
from assistant.community.group_settings import GroupCommunitySettings, group_settings
from assistant.community.suggestions import SuggestionPublic, SuggestionRun, list_suggestions
from assistant.community.welcome import JoinIn, JoinResult, members_joined, set_quoting
from assistant.store import groups
from assistant.store.groups import get_group

router = APIRouter(prefix="/v1/groups/{group_id}", tags=["community"])

Since = Annotated[
    datetime | None,
    Query(
        description="start of the period (default: until minus community.period_days); "
        "a time without offset is read in the group's time zone"
    ),
]
Until = Annotated[datetime | None, Query(description="end of the period (default: now)")]
Tz = Annotated[
    str | None,
    Query(max_length=64, description="IANA time zone (default: the group's, then UTC)"),
]
_BAD_INPUT: dict[int | str, dict[str, Any]] = {
    422: {"model": Message, "description": "a bad period, time zone or body"}
}


class JoinBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "members": [
                        {"external_id": "m-901", "display_name": "هدى", "language": "ar"},
                        {"external_id": "m-902", "display_name": "Sarah", "allow_quoting": True},
                    ]
                }
            ]
        },
    )

    members: list[JoinIn] = Field(min_length=1, max_length=1000)


class QuotingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)
    allow: bool = Field(description="may this member's reviews be quoted in round-up posts?")


class QuotingPublic(BaseModel):
    external_id: str
    allow_quoting: bool


@router.post(
    "/members/join",
    status_code=201,
    response_model=JoinResult,
    tags=["members"],
    summary="Members joined: queue one welcome per batch",
    responses=_BAD_INPUT,
)
def join(
    access: GroupModerator, body: JoinBatch | JoinIn, session: SessionDep, services: ServicesDep
) -> JoinResult:
    """One member or `{"members": [...]}`. Joins within `community.welcome_batch_window_s` of
    a pending welcome share it; a member who joined within `welcome_rejoin_days` is reported as
    a duplicate and not welcomed again."""
    joins = body.members if isinstance(body, JoinBatch) else [body]
    return _join(access, joins, session, services)


def _join(
    access: GroupAccess, joins: list[JoinIn], session: Session, services: Services
) -> JoinResult:
    group = get_group(session, group_id=access.group_id)
    result = members_joined(session, group=group, joins=joins, settings=services.settings)
    session.commit()
    return result


@router.post(
    "/members",
    status_code=201,
    response_model=MemberPublic,
    tags=["members"],
    summary="A member joined (alias of POST …/members/join for one member)",
)
def member_joined(
    access: GroupModerator, body: MemberCreate, session: SessionDep, services: ServicesDep
) -> MemberPublic:
    """Kept for older clients: the join goes through `POST /v1/groups/{group_id}/members/join`
    (batched welcome, duplicates not welcomed again); the answer is the member as stored."""
    _join(access, [JoinIn(**body.model_dump())], session, services)
    member = groups.member(session, group_id=access.group_id, external_id=body.external_id)
    return MemberPublic.model_validate(member)


@router.post(
    "/members/quoting",
    response_model=QuotingPublic,
    tags=["members"],
    summary="Record whether a member allows quoting their reviews",
)
def quoting(access: GroupModerator, body: QuotingUpdate, session: SessionDep) -> QuotingPublic:
    member = set_quoting(
        session, group_id=access.group_id, external_id=body.external_id, allow=body.allow
    )
    session.commit()
    return QuotingPublic(external_id=member.external_id, allow_quoting=member.allow_quoting)


@router.get(
    "/analytics",
    response_model=ActivityReport,
    summary="Activity analytics of a period",
    responses=_BAD_INPUT,
)
def analytics(
    access: GroupViewer,
    session: ReadSessionDep,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    tz: Tz = None,
) -> ActivityReport:
    """Volume by hour and weekday (in the group's time zone), top topics, recurring and
    unanswered questions, question bursts, sentiment by week, most active and quiet members,
    quiet weekdays, reviews and seasonal dates. `notes` says what was assumed or missing."""
    result = service.activity(
        session,
        group_id=access.group_id,
        settings=services.settings,
        since=since,
        until=until,
        timezone=tz,
    )
    return result.report


def _suggest_route(kind: str) -> None:
    def suggest(
        access: GroupModerator,
        session: SessionDep,
        services: ServicesDep,
        since: Since = None,
        until: Until = None,
        tz: Tz = None,
    ) -> SuggestionRun:
        run = service.suggest(
            session,
            group_id=access.group_id,
            kind=kind,
            settings=services.settings,
            since=since,
            until=until,
            timezone=tz,
        )
        session.commit()
        return run

    suggest.__doc__ = (
        f"Analyze the period and queue {kind} suggestions as of its end; each becomes a queue "
        "item with its rationale (`draft_reason`) and evidence (`draft_citations`). A second "
        "run over the same data adds nothing (`already_suggested`); weekly caps may skip some."
    )
    router.post(
        f"/suggest/{kind}",
        response_model=SuggestionRun,
        summary=f"Suggest {kind}",
        responses=_BAD_INPUT,
        name=f"suggest_{kind}",
    )(suggest)


for _kind in service.KINDS:
    _suggest_route(_kind)


@router.get(
    "/suggestions",
    response_model=list[SuggestionPublic],
    summary="Growth suggestions with their rationale and data, newest first",
)
def suggestions(
    access: GroupViewer,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[SuggestionPublic]:
    return list_suggestions(session, group_id=access.group_id, limit=limit, offset=offset)


@router.get(
    "/community/settings",
    response_model=GroupCommunitySettings,
    summary="The group's time zone, country, weekly caps and highlights",
)
def read_settings(access: GroupViewer, session: ReadSessionDep) -> GroupCommunitySettings:
    return group_settings(get_group(session, group_id=access.group_id))


@router.put(
    "/community/settings",
    response_model=GroupCommunitySettings,
    summary="Replace the group's community settings (owner)",
    responses=_BAD_INPUT,
)
def write_settings(
    access: GroupOwner, body: GroupCommunitySettings, session: SessionDep
) -> GroupCommunitySettings:
    group = get_group(session, group_id=access.group_id)
    group.settings = {
        **(group.settings or {}),
        "community": body.model_dump(mode="json", exclude_none=True),
    }
    session.commit()
    return group_settings(group)
