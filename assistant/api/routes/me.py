"""Who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import CurrentAdmin
from assistant.api.schemas import MePublic

router = APIRouter(prefix="/v1", tags=["admins"])


@router.get("/me", response_model=MePublic, summary="Your name and roles")
def me(principal: CurrentAdmin) -> MePublic:
    return MePublic(admin=principal.admin_name, roles=principal.roles)
