"""Liveness, readiness and Prometheus metrics (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from assistant.api.deps import ServicesDep
from assistant.api.schemas import Readiness
from assistant.observability.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness}},
    summary="Models loaded and database reachable",
)
def readyz(services: ServicesDep) -> Readiness | JSONResponse:
    models = services.worker.models_loaded.is_set() or not services.settings.worker.enabled
    database = services.store.ping()
    result = Readiness(ready=models and database, models_loaded=models, database=database)
    if not result.ready:
        return JSONResponse(result.model_dump(), status_code=503)
    return result


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus text format",
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
def metrics(services: ServicesDep) -> Response:
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)
