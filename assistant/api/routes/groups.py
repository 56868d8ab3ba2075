"""Groups, their knowledge base, members and admins (a member joining: ``community.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from assistant.answering.stored import entry_id_of
from assistant.api.deps import (
    CurrentAdmin,
    GroupModerator,
    GroupOwner,
    GroupViewer,
    ReadSessionDep,
    RowId,
    ServicesDep,
    SessionDep,
)
from assistant.api.schemas import (
    AdminCreate,
    AdminPublic,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    KnowledgeCreate,
    KnowledgeExampleCreate,
    KnowledgeExamplePublic,
    KnowledgePublic,
    MemberPublic,
    TokenPublic,
)
from assistant.api.views import group_public
from assistant.store import auth, groups, knowledge_examples
from assistant.store.errors import NotFoundError
from assistant.store.models import Role

router = APIRouter(prefix="/v1/groups", tags=["groups"])


@router.post("", status_code=201, response_model=GroupPublic, summary="Create a group")
def create_group(body: GroupCreate, principal: CurrentAdmin, session: SessionDep) -> GroupPublic:
    """Any admin may create a group and becomes its owner."""
    group = groups.create_group(
        session,
        group_id=body.id,
        name=body.name,
        languages=body.languages,
        rules_yaml=body.rules_yaml,
        webhook_url=str(body.webhook_url) if body.webhook_url else None,
    )
    auth.grant_role(session, admin_id=principal.admin_id, group_id=group.id, role=Role.OWNER)
    session.commit()
    return group_public(group, Role.OWNER)


@router.get("", response_model=list[GroupPublic], summary="The groups your token has a role in")
def list_groups(principal: CurrentAdmin, session: ReadSessionDep) -> list[GroupPublic]:
    rows = groups.list_groups(session, group_ids=list(principal.roles))
    return [group_public(g, principal.roles[g.id]) for g in rows]


@router.get("/{group_id}", response_model=GroupPublic, summary="One group")
def read_group(access: GroupViewer, session: ReadSessionDep) -> GroupPublic:
    return group_public(groups.get_group(session, group_id=access.group_id), access.role)


@router.patch("/{group_id}", response_model=GroupPublic, summary="Change settings (owner)")
def update_group(access: GroupOwner, body: GroupUpdate, session: SessionDep) -> GroupPublic:
    changes = body.model_dump(exclude_unset=True, mode="json")
    for required in ("name", "languages"):  # null clears the optional fields only
        if changes.get(required, "") is None:
            del changes[required]
    group = groups.update_group(session, group_id=access.group_id, changes=changes)
    session.commit()
    return group_public(group, access.role)


@router.get(
    "/{group_id}/knowledge",
    response_model=list[KnowledgePublic],
    tags=["knowledge"],
    summary="The group's FAQ and documents",
)
def list_knowledge(access: GroupViewer, session: ReadSessionDep) -> list[KnowledgePublic]:
    entries = groups.knowledge(session, group_id=access.group_id)
    return [KnowledgePublic.model_validate(e) for e in entries]


@router.post(
    "/{group_id}/knowledge",
    status_code=201,
    response_model=KnowledgePublic,
    tags=["knowledge"],
    summary="Add an FAQ entry or document",
)
def add_knowledge(
    access: GroupModerator, body: KnowledgeCreate, session: SessionDep
) -> KnowledgePublic:
    entry = groups.add_knowledge(session, group_id=access.group_id, **body.model_dump())
    session.commit()
    return KnowledgePublic.model_validate(entry)


@router.get(
    "/{group_id}/knowledge/examples",
    response_model=list[KnowledgeExamplePublic],
    tags=["knowledge"],
    summary="Example questions of the knowledge entries (imported, added or learned)",
)
def list_knowledge_examples(
    access: GroupViewer, session: ReadSessionDep
) -> list[KnowledgeExamplePublic]:
    rows = knowledge_examples.examples(session, group_id=access.group_id)
    return [KnowledgeExamplePublic.model_validate(r) for r in rows]


@router.post(
    "/{group_id}/knowledge/examples",
    status_code=201,
    response_model=list[KnowledgeExamplePublic],
    tags=["knowledge"],
    summary="Teach an entry member questions it answers (wordings it has are skipped)",
)
def add_knowledge_examples(
    access: GroupModerator, body: KnowledgeExampleCreate, session: SessionDep
) -> list[KnowledgeExamplePublic]:
    known = {entry_id_of(e) for e in groups.knowledge(session, group_id=access.group_id)}
    if body.entry_id not in known:
        raise NotFoundError(f"knowledge entry '{body.entry_id}' not found")
    added = knowledge_examples.add_examples(
        session, group_id=access.group_id, entry_key=body.entry_id, texts=body.texts, source="api"
    )
    session.commit()
    return [KnowledgeExamplePublic.model_validate(r) for r in added]


@router.delete(
    "/{group_id}/knowledge/examples/{example_id}",
    status_code=204,
    tags=["knowledge"],
    summary="Forget an example question (e.g. one learned from a wrong approval)",
)
def delete_knowledge_example(
    access: GroupModerator, example_id: RowId, session: SessionDep
) -> Response:
    knowledge_examples.delete_example(session, group_id=access.group_id, example_id=example_id)
    session.commit()
    return Response(status_code=204)


@router.delete(
    "/{group_id}/knowledge/{entry_id}",
    status_code=204,
    tags=["knowledge"],
    summary="Remove a knowledge entry",
)
def delete_knowledge(access: GroupModerator, entry_id: RowId, session: SessionDep) -> Response:
    groups.delete_knowledge(session, group_id=access.group_id, entry_id=entry_id)
    session.commit()
    return Response(status_code=204)


@router.get(
    "/{group_id}/members",
    response_model=list[MemberPublic],
    tags=["members"],
    summary="Members seen in the group",
)
def list_members(
    access: GroupViewer,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[MemberPublic]:
    rows = groups.members(session, group_id=access.group_id, limit=limit, offset=offset)
    return [MemberPublic.model_validate(m) for m in rows]


@router.get(
    "/{group_id}/admins",
    response_model=list[AdminPublic],
    tags=["admins"],
    summary="Admins of the group and their roles",
)
def list_admins(access: GroupViewer, session: ReadSessionDep) -> list[AdminPublic]:
    rows = auth.group_admins(session, group_id=access.group_id)
    return [AdminPublic(name=name, role=role) for name, role in rows]


@router.post(
    "/{group_id}/admins",
    status_code=201,
    response_model=TokenPublic,
    tags=["admins"],
    summary="Give an admin a role and a new token (owner)",
)
def add_admin(
    access: GroupOwner, body: AdminCreate, session: SessionDep, services: ServicesDep
) -> TokenPublic:
    admin = auth.get_or_create_admin(session, name=body.name)
    auth.grant_role(session, admin_id=admin.id, group_id=access.group_id, role=body.role)
    issued = auth.issue_token(
        session,
        admin=admin,
        name=f"granted in {access.group_id}",
        ttl_days=services.settings.auth.token_ttl_days,
    )
    session.commit()
    return TokenPublic(admin=admin.name, token=issued.token, expires_at=issued.expires_at)
