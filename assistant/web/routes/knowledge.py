"""The group's knowledge base: list, search, add, edit, delete, import a file."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from assistant.answering.kb import SUPPORTED_SUFFIXES, KBError
from assistant.api.deps import RowId
from assistant.store import groups as group_repo
from assistant.store import knowledge_examples as example_repo
from assistant.store.errors import NotFoundError
from assistant.store.models import Role
from assistant.web import knowledge
from assistant.web.context import CheckedForm, GroupDep, GroupPage, PageError, require
from assistant.web.render import redirect, render

router = APIRouter(prefix="/web/g/{group_id}/kb", include_in_schema=False)
LEARNED_SHOWN = 50
EMPTY = {"kind": "faq", "language": "ar", "question": "", "answer": "", "tags": ""}


def _page(
    group: GroupPage,
    *,
    q: str = "",
    errors: list[str] | None = None,
    draft: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with group.page.services.store.session(readonly=True) as session:
        entries = group_repo.knowledge(session, group_id=group.group_id)
        examples = example_repo.examples(session, group_id=group.group_id)
    shown = knowledge.search(entries, q)
    per_entry = Counter(e.entry_key for e in examples)
    learned = [e for e in reversed(examples) if e.source == "approved"][:LEARNED_SHOWN]
    return render(
        group.page,
        "kb.html",
        status=status,
        group=group,
        nav="kb",
        q=q,
        entries=shown,
        total=len(entries),
        examples_per_entry=per_entry,
        learned=learned,
        errors=errors or [],
        draft=draft or EMPTY,
        suffixes=", ".join(SUPPORTED_SUFFIXES),
    )


@router.get("", response_class=HTMLResponse)
def kb_page(group: GroupDep, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    return _page(group, q=q)


def _form_values(form: FormData) -> dict[str, str]:
    return {key: str(form.get(key) or "") for key in EMPTY}


@router.post("", response_model=None)
def add_entry(group: GroupDep, form: CheckedForm) -> HTMLResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    values = _form_values(form)
    try:
        entry = knowledge.parse_entry(**values)
    except ValidationError as exc:
        return _page(group, errors=knowledge.field_errors(exc), draft=values)
    with group.page.services.store.transaction() as session:
        group_repo.add_knowledge(session, group_id=group.group_id, **entry.model_dump())
    return redirect(group.page, f"/web/g/{group.group_id}/kb", flash=group.page.t("kb.added"))


def _edit_page(
    group: GroupPage, entry_id: int, values: dict[str, str], errors: list[str], status: int = 200
) -> HTMLResponse:
    return render(
        group.page,
        "kb_edit.html",
        status=status,
        group=group,
        nav="kb",
        entry_id=entry_id,
        draft=values,
        errors=errors,
    )


@router.get("/{entry_id}/edit", response_class=HTMLResponse)
def edit_form(group: GroupDep, entry_id: RowId) -> HTMLResponse:
    with group.page.services.store.session(readonly=True) as session:
        try:
            entry = knowledge.get_entry(session, group_id=group.group_id, entry_id=entry_id)
        except NotFoundError:
            raise PageError(404, "error.entry_not_found", entry=entry_id) from None
    values = {
        "kind": entry.kind,
        "language": entry.language,
        "question": entry.question,
        "answer": entry.answer,
        "tags": ", ".join(entry.tags or []),
    }
    return _edit_page(group, entry_id, values, [])


@router.post("/{entry_id}/edit", response_model=None)
def save_entry(
    group: GroupDep, entry_id: RowId, form: CheckedForm
) -> HTMLResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    values = _form_values(form)
    try:
        parsed = knowledge.parse_entry(**values)
    except ValidationError as exc:
        return _edit_page(group, entry_id, values, knowledge.field_errors(exc))
    try:
        with group.page.services.store.transaction() as session:
            knowledge.update_entry(
                session, group_id=group.group_id, entry_id=entry_id, values=parsed
            )
    except NotFoundError:
        raise PageError(404, "error.entry_not_found", entry=entry_id) from None
    return redirect(group.page, f"/web/g/{group.group_id}/kb", flash=group.page.t("kb.saved"))


@router.post("/{entry_id}/delete")
def delete_entry(group: GroupDep, entry_id: RowId, form: CheckedForm) -> RedirectResponse:
    require(group, Role.MODERATOR)
    try:
        with group.page.services.store.transaction() as session:
            group_repo.delete_knowledge(session, group_id=group.group_id, entry_id=entry_id)
    except NotFoundError:
        raise PageError(404, "error.entry_not_found", entry=entry_id) from None
    return redirect(group.page, f"/web/g/{group.group_id}/kb", flash=group.page.t("kb.deleted"))


@router.post("/import", response_model=None)
def import_entries(group: GroupDep, form: CheckedForm) -> HTMLResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(group, errors=[group.page.t("kb.import_missing")])
    content = upload.file.read(knowledge.MAX_IMPORT_BYTES + 1)
    try:
        with group.page.services.store.transaction() as session:
            result = knowledge.import_file(
                session, group_id=group.group_id, filename=upload.filename, content=content
            )
    except KBError as exc:
        return _page(group, errors=[str(exc)])
    message = group.page.t(
        "kb.imported", added=result.added, updated=result.updated, examples=result.examples
    )
    return redirect(group.page, f"/web/g/{group.group_id}/kb", flash=message)


@router.post("/examples/{example_id}/delete")
def forget_example(group: GroupDep, example_id: RowId, form: CheckedForm) -> RedirectResponse:
    require(group, Role.MODERATOR)
    try:
        with group.page.services.store.transaction() as session:
            example_repo.delete_example(session, group_id=group.group_id, example_id=example_id)
    except NotFoundError:
        raise PageError(404, "error.example_not_found", example=example_id) from None
    return redirect(
        group.page, f"/web/g/{group.group_id}/kb", flash=group.page.t("kb.example_forgotten")
    )
