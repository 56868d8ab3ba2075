"""Decisions as labeled examples (JSONL) for the evaluation harness."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api.deps import GroupViewer, ReadSessionDep
from assistant.store.queue import feedback_records

router = APIRouter(prefix="/v1/groups/{group_id}/feedback", tags=["feedback"])


@router.get(
    "/export",
    summary="Export decisions as JSONL",
    response_class=Response,
    responses={
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "one labeled example per line",
        }
    },
)
def export_feedback(
    access: GroupViewer,
    session: ReadSessionDep,
    since_id: Annotated[int, Query(ge=0, le=2**62, description="only newer examples")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """Each line: `text`, `language`, `predicted` (action, intent, category, labels…),
    `decision`, `admin_action`, `admin_label`, `draft_text`, `final_text`, `edited`, …"""
    records = feedback_records(session, group_id=access.group_id, since_id=since_id, limit=limit)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return Response(body, media_type="application/x-ndjson")
