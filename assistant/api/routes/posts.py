"""Ingestion: ``POST /v1/groups/{group_id}/posts`` and reading a post back."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.api.deps import (
    GroupModerator,
    GroupViewer,
    ReadSessionDep,
    RowId,
    ServicesDep,
    SessionDep,
)
from assistant.api.ingest import validate_rows
from assistant.api.schemas import (
    IngestPublic,
    Message,
    PostBatchCreate,
    PostCreate,
    PostPublic,
    RowResult,
)
from assistant.api.views import post_public
from assistant.store.errors import InvalidInputError, NotFoundError
from assistant.store.posts import get_analysis, get_post, ingest_posts

router = APIRouter(prefix="/v1/groups/{group_id}/posts", tags=["posts"])


@router.post(
    "",
    status_code=202,
    response_model=IngestPublic,
    summary="Submit one post or a batch for analysis",
    responses={
        413: {"model": Message, "description": "too many posts in one batch"},
        422: {"description": "no row could be accepted (each bad row is named by index)"},
    },
)
def submit_posts(
    access: GroupModerator,
    body: PostCreate | PostBatchCreate,
    session: SessionDep,
    services: ServicesDep,
) -> IngestPublic | JSONResponse:
    """Stores the posts and returns at once; analysis runs in the background worker.

    Idempotent by `external_id` within the group: a resent post is reported as `duplicate`
    and analyzed only once. Rows are checked one by one; good rows are accepted even when
    others are rejected."""
    limits = services.settings.api
    rows = body.posts if isinstance(body, PostBatchCreate) else [body]
    if len(rows) > limits.max_batch_posts:
        return JSONResponse(
            {
                "detail": f"{len(rows)} posts in one request; the limit is "
                f"{limits.max_batch_posts} (api.max_batch_posts)"
            },
            status_code=413,
        )
    good, bad = validate_rows(rows, max_chars=limits.max_post_chars)
    stored = ingest_posts(session, group_id=access.group_id, posts=good) if good else []
    session.commit()
    services.worker.wake()
    result = IngestPublic(
        accepted=sum(r.status == "accepted" for r in stored),
        duplicates=sum(r.status == "duplicate" for r in stored),
        rejected=len(bad),
        results=[RowResult(**r.__dict__) for r in stored],
        errors=bad,
    )
    metrics = services.metrics.posts_ingested
    for outcome, n in (
        ("accepted", result.accepted),
        ("duplicate", result.duplicates),
        ("rejected", result.rejected),
    ):
        metrics.labels(outcome=outcome).inc(n)
    if not stored:
        raise InvalidInputError(
            "no post accepted: " + "; ".join(f"row {e.index}: {e.error}" for e in bad[:20])
        )
    return result


@router.get("/{post_id}", response_model=PostPublic, summary="A post with its analysis")
def read_post(access: GroupViewer, post_id: RowId, session: ReadSessionDep) -> PostPublic:
    post = get_post(session, group_id=access.group_id, post_id=post_id)
    if post is None:
        raise NotFoundError(f"post {post_id} not found in group '{access.group_id}'")
    return post_public(post, get_analysis(session, post_id=post.id))
