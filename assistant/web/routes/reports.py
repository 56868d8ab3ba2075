"""Evaluation reports: the list of runs and each run's self-contained HTML report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from assistant.web.context import LoggedIn, PageError
from assistant.web.render import render
from assistant.web.reports import list_runs, report_path, runs_dir

router = APIRouter(prefix="/web/reports", include_in_schema=False)
# the report is static HTML with inline styles and SVG: no script may run, no fetch may leave
REPORT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@router.get("", response_class=HTMLResponse)
def reports_page(page: LoggedIn) -> HTMLResponse:
    directory = runs_dir(page.services.settings)
    return render(page, "reports.html", nav="reports", runs=list_runs(directory))


@router.get("/{name}")
def open_report(page: LoggedIn, name: Annotated[str, PathParam(max_length=200)]) -> Response:
    path = report_path(runs_dir(page.services.settings), name)
    if path is None:
        raise PageError(404, "error.report_not_found")
    return HTMLResponse(
        path.read_text("utf-8"),
        headers={
            "Content-Security-Policy": REPORT_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
