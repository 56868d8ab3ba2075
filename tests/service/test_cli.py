"""The service's CLI sub-apps and the demo group."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.answering.kb import load_kb
from assistant.answering.stored import rows_from_kb
from assistant.api.app import create_app
from assistant.cli import admin, feedback
from assistant.config import get_settings
from assistant.store.demo import DEMO_DIR, DEMO_GROUP, seed_demo
from tests.service.conftest import service_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MUSHRIF_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path  # type: ignore[misc]
    get_settings.cache_clear()


def test_create_token_then_use_it(cli_env: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(admin.app, ["create-token", "--admin", "amal", "--group", "g1"])
    assert missing.exit_code == 2 and "--create-group" in missing.output
    result = runner.invoke(
        admin.app,
        ["create-token", "--admin", "amal", "--group", "g1", "--role", "owner", "--create-group"],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("mushrif_")
    app = create_app(get_settings(), run_background=False)
    with TestClient(app) as client:
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me == {"admin": "amal", "roles": {"g1": "owner"}}
        listed = runner.invoke(admin.app, ["list-tokens"])
        token_id = listed.output.split("\t")[0]
        assert token not in listed.output and "active" in listed.output
        assert runner.invoke(admin.app, ["revoke-token", token_id]).exit_code == 0
        again = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401


def test_demo_group_has_a_working_queue_and_feedback_exports(cli_env: Path) -> None:
    settings = service_settings(cli_env, f"sqlite:///{cli_env / 'mushrif.db'}")
    app = create_app(settings, run_background=False)
    services = app.state.services
    demo_dir = cli_env / "demo"  # without rules.yaml: the fake embedder matches every topic
    demo_dir.mkdir()
    shutil.copy(DEMO_DIR / "posts.jsonl", demo_dir / "posts.jsonl")
    shutil.copytree(DEMO_DIR / "kb", demo_dir / "kb")
    kb_rows = len(rows_from_kb(load_kb(DEMO_DIR / "kb")))
    result = seed_demo(services.store, settings, demo_dir=demo_dir)
    assert result.posts_accepted >= 30 and result.token_file.read_text().strip() == result.token
    assert (
        seed_demo(services.store, settings, demo_dir=demo_dir).posts_accepted == 0
    )  # idempotent, same token
    assert seed_demo(services.store, settings, demo_dir=demo_dir).token == result.token
    services.worker.drain()
    headers = {"Authorization": f"Bearer {result.token}"}
    with TestClient(app) as client:
        page = client.get(
            f"/v1/groups/{DEMO_GROUP}/queue", params={"limit": 200}, headers=headers
        ).json()
        kinds = {i["kind"] for i in page["items"]}
        assert page["total"] >= 15 and {"reply", "moderation", "welcome"} <= kinds
        knowledge = client.get(f"/v1/groups/{DEMO_GROUP}/knowledge", headers=headers).json()
        assert len(knowledge) == kb_rows  # loaded once: seeding again added nothing
        analytics = client.get(f"/v1/groups/{DEMO_GROUP}/analytics", headers=headers)
        assert analytics.status_code == 200, analytics.text
        report = analytics.json()
        assert report["period"]["timezone"] == "Asia/Riyadh"
        assert report["totals"]["posts"] >= 30  # demo posts fall inside the default period
        replies = [i for i in page["items"] if i["kind"] == "reply"]
        assert replies and all(i["draft_generator"] == "grounded" for i in replies)
        assert any(i["draft_citations"] for i in replies)
        item = page["items"][0]
        client.post(
            f"/v1/groups/{DEMO_GROUP}/queue/{item['id']}/reject",
            json={"version": item["version"], "reason": "demo"},
            headers=headers,
        )
    out = cli_env / "feedback.jsonl"
    runner = CliRunner()
    exported = runner.invoke(feedback.app, ["export", "--group", DEMO_GROUP, "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    services.store.dispose()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["admin_action"] == "reject"
