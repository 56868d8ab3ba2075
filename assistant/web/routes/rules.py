"""The group's rules: view, edit (validated before saving), shadow replay of a proposal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from assistant.evaluation.datasets import DatasetError
from assistant.store import groups as group_repo
from assistant.store.errors import InvalidInputError
from assistant.store.models import Role
from assistant.web import replay
from assistant.web.context import CheckedForm, GroupDep, GroupPage, require, web_state
from assistant.web.render import redirect, render

router = APIRouter(prefix="/web/g/{group_id}/rules", include_in_schema=False)
MAX_RULES_CHARS = 200_000
MAX_REPLAY_BYTES = 5 * 1024 * 1024


def _page(
    group: GroupPage,
    *,
    rules_yaml: str | None = None,
    errors: list[str] | None = None,
    result: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with group.page.services.store.session(readonly=True) as session:
        stored = group_repo.get_group(session, group_id=group.group_id).rules_yaml or ""
    return render(
        group.page,
        "rules.html",
        status=status,
        group=group,
        nav="rules",
        rules_yaml=stored if rules_yaml is None else rules_yaml,
        changed=rules_yaml is not None and rules_yaml != stored,
        errors=errors or [],
        result=result,
    )


@router.get("", response_class=HTMLResponse)
def rules_page(group: GroupDep) -> HTMLResponse:
    return _page(group)


def _proposal(form: CheckedForm) -> str:
    return str(form.get("rules_yaml") or "").replace("\r\n", "\n")


@router.post("", response_model=None)
def save_rules(group: GroupDep, form: CheckedForm) -> HTMLResponse | RedirectResponse:
    require(group, Role.OWNER)
    proposed = _proposal(form)
    if len(proposed) > MAX_RULES_CHARS:
        error = group.page.t("rules.too_long", limit=f"{MAX_RULES_CHARS:,}")
        return _page(group, rules_yaml=proposed, errors=[error])
    try:
        with group.page.services.store.transaction() as session:
            group_repo.update_group(
                session, group_id=group.group_id, changes={"rules_yaml": proposed or None}
            )
    except InvalidInputError as exc:
        return _page(group, rules_yaml=proposed, errors=[str(exc)])
    return redirect(group.page, f"/web/g/{group.group_id}/rules", flash=group.page.t("rules.saved"))


@router.post("/replay", response_class=HTMLResponse)
def run_replay(group: GroupDep, form: CheckedForm) -> HTMLResponse:
    """Replays the proposal; nothing is saved."""
    require(group, Role.MODERATOR)
    services = group.page.services
    proposed_yaml = _proposal(form)
    upload = form.get("posts")
    try:
        proposed = group_repo.validate_rules_yaml(proposed_yaml or "{}")
        if isinstance(upload, UploadFile) and upload.filename:
            content = upload.file.read(MAX_REPLAY_BYTES + 1)
            if len(content) > MAX_REPLAY_BYTES:
                raise DatasetError(f"{upload.filename}: larger than 5 MB")
            posts, labeled = replay.labeled_posts(upload.filename, content), True
        else:
            with services.store.session(readonly=True) as session:
                posts = replay.stored_posts(
                    session, group_id=group.group_id, limit=services.settings.web.replay_max_posts
                )
            labeled = False
        with services.store.session(readonly=True) as session:
            current_yaml = group_repo.get_group(session, group_id=group.group_id).rules_yaml
    except (InvalidInputError, DatasetError) as exc:
        return _page(group, rules_yaml=proposed_yaml, errors=[str(exc)])
    if not posts:
        error = group.page.t("rules.replay_no_posts")
        return _page(group, rules_yaml=proposed_yaml, errors=[error])
    result = replay.shadow_replay(
        services,
        web_state(group.page.request).cache,
        current_yaml=current_yaml,
        proposed=proposed,
        posts=posts,
        labeled=labeled,
    )
    return _page(group, rules_yaml=proposed_yaml, result=result)
