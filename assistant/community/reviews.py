"""Review posts: a round-up quoting a run of positive reviews (only members who allowed
quoting), and for each negative review a suggested public reply plus an internal ``alert`` item
(for the admins only: approving it acknowledges it, nothing is published)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from assistant.answering.quoting import quote
from assistant.community import texts
from assistant.community.analytics import ActivityAnalysis, Review
from assistant.community.promotions import when_text
from assistant.community.records import quotable_members
from assistant.community.suggestions import Evidence, Suggestion, compose, next_slot
from assistant.schemas import Priority

# Prices, phone numbers, links and handles do not belong in a quote posted by the group.
_UNQUOTABLE = re.compile(r"\d{3,}|https?://|www\.|@\w|\d+\s*%")
QUOTE_CHARS = 200


def _run(reviews: Sequence[Review], days: int) -> list[Review]:
    """The longest run of reviews within ``days`` (the latest when tied)."""
    best: list[Review] = []
    start = 0
    ordered = sorted(reviews, key=lambda r: (r.at, r.post_id))
    for end in range(len(ordered)):
        while ordered[end].at - ordered[start].at > timedelta(days=days):
            start += 1
        if end - start + 1 >= len(best):
            best = ordered[start : end + 1]
    return best


def _language(review: Review) -> str:
    return "ar" if review.language in ("ar", "arabizi", "mixed") else "en"


def review_suggestions(
    session: Session, analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime
) -> tuple[list[Suggestion], list[str]]:
    notes: list[str] = []
    out: list[Suggestion] = []
    roundup = _roundup(session, analysis, prompts_dir, as_of, notes)
    if roundup is not None:
        out.append(roundup)
    for review in analysis.report.negative_reviews:
        out.extend(_negative(analysis, prompts_dir, review))
    return out, notes


def _roundup(
    session: Session,
    analysis: ActivityAnalysis,
    prompts_dir: Path,
    as_of: datetime,
    notes: list[str],
) -> Suggestion | None:
    config = analysis.context.settings
    run = _run(analysis.report.positive_reviews, config.roundup_window_days)
    if len(run) < config.roundup_min_reviews:
        return None
    members = quotable_members(session, group_id=analysis.context.group_id)
    quotable = [
        r
        for r in run
        if r.member and members.get(r.member, (False, None))[0] and not _UNQUOTABLE.search(r.text)
    ]
    opted_out = sum(1 for r in run if not (r.member and members.get(r.member, (False, None))[0]))
    if not quotable:
        notes.append(
            f"{len(run)} positive reviews in {config.roundup_window_days} days, but none can be "
            f"quoted ({opted_out} by members who did not allow quoting): no round-up drafted. "
            "Members opt in with POST /v1/groups/{id}/members/quoting."
        )
        return None
    wording = texts.reviews(prompts_dir)
    quoted = quotable[-config.roundup_max_quotes :]
    drafts: dict[str, str] = {}
    for language in ("ar", "en"):
        lines = [
            texts.render(
                wording.drafts["quote_line"].get(language),
                text=_excerpt(r.text),
                name=(members[r.member or ""][1] or wording.drafts["anonymous"].get(language)),
            )
            for r in quoted
        ]
        more = len(run) - len(quoted)
        more_line = texts.render(wording.drafts["more"].get(language), n=more) if more else ""
        drafts[language] = texts.render(
            wording.drafts["roundup"].get(language), quotes="\n".join(lines), more=more_line
        )
    context = analysis.context
    first, last = run[0].at.astimezone(context.tz), run[-1].at.astimezone(context.tz)
    reason = texts.render(
        wording.rationale["roundup"].get(context.primary_language),
        count=len(run),
        days=config.roundup_window_days,
        first=first.date().isoformat(),
        last=last.date().isoformat(),
        quotable=len(quotable),
    )
    when = next_slot(analysis, as_of)
    ids = sorted(r.post_id for r in run)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    return Suggestion(
        source_key=f"review_post:roundup:{digest}",
        kind="review_post",
        category="review_roundup",
        language=context.primary_language,
        draft_text=compose(context, drafts),
        rationale=f"{reason}. {when_text(when, analysis)}",
        data={
            "pattern": "positive_review_run",
            "reviews": len(run),
            "review_post_ids": ids,
            "quoted_post_ids": [r.post_id for r in quoted],
            "not_quotable": len(run) - len(quotable),
            "opted_out": opted_out,
        },
        evidence=[
            Evidence(entry_id=f"post:{r.post_id}", kind="post", title="quoted review", score=1)
            for r in quoted
        ],
        best_time=when,
        score=3.0,
    )


def _excerpt(text: str) -> str:
    clean = quote(text).replace("\n", " ")
    return clean if len(clean) <= QUOTE_CHARS else clean[: QUOTE_CHARS - 1].rstrip() + "…"


def _negative(analysis: ActivityAnalysis, prompts_dir: Path, review: Review) -> list[Suggestion]:
    wording = texts.reviews(prompts_dir)
    context = analysis.context
    language = _language(review)
    day = review.at.astimezone(context.tz).date().isoformat()
    member = review.member or "?"
    reason = texts.render(
        wording.rationale["negative"].get(context.primary_language), member=member, date=day
    )
    data = {
        "pattern": "negative_review",
        "review": review.model_dump(mode="json"),
    }
    evidence = [
        Evidence(entry_id=f"post:{review.post_id}", kind="post", title="the review", score=1)
    ]
    reply = Suggestion(
        source_key=f"review_post:reply:{review.post_id}",
        kind="review_post",
        category="review_reply",
        language=language,
        draft_text=wording.drafts["public_reply"].get(language),
        rationale=reason,
        data=data,
        evidence=evidence,
        suggested_action="reply",
        post_id=review.post_id,
        member_external_id=review.member,
        score=8.0,
    )
    alert = Suggestion(
        # the key of the alerts stored as review posts before 0004: they are found again
        source_key=f"review_post:alert:{review.post_id}",
        kind="alert",
        category="review_alert",
        language=context.primary_language,
        draft_text=texts.render(
            wording.drafts["alert"].get(context.primary_language),
            member=member,
            date=day,
            text=_excerpt(review.text),
        ),
        rationale=reason,
        data=data,
        evidence=evidence,
        priority=Priority.HIGH,
        suggested_action="escalate",
        post_id=review.post_id,
        member_external_id=review.member,
        score=9.0,
    )
    return [reply, alert]
