"""Browser tests: the real service (fake models, SQLite) served by uvicorn on a free loopback
port, driven by Playwright on the system Chromium. Nothing is downloaded: Chromium comes from
the distribution (`apt-get install chromium chromium-driver`), axe-core from npm
(`npm ci --prefix tests/browser`); both are installed by scripts/setup-browser.sh."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from assistant.api.app import create_app
from assistant.api.deps import Services
from assistant.schemas import PostIn
from assistant.store import groups
from assistant.store.models import QueueItem
from assistant.store.posts import ingest_posts
from tests.service.conftest import Tokens, make_group, service_settings

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
POSTS = [
    ("p-ar-question", "كم سعر العباية السوداء؟ وهل يوجد مقاس L؟"),
    ("p-en-question", "How much is shipping to Jeddah?"),
    ("p-offensive", "you idiot, this shop is a joke"),
    ("p-spam", "follow me for crypto profits, whatsapp 0551234567"),
]
KNOWLEDGE = [
    ("ar", "كم سعر العباية السوداء؟", "سعر العباية السوداء ٢٥٠ ريال، والمقاسات من S إلى XL."),
    ("en", "How long does shipping to Jeddah take?", "Shipping to Jeddah takes 2 to 4 days."),
]


def chromium_path() -> str:
    configured = os.environ.get("MUSHRIF_CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return ""


def _require_tools() -> None:
    if os.environ.get("MUSHRIF_SKIP_BROWSER") == "1":
        pytest.skip("browser tests skipped: MUSHRIF_SKIP_BROWSER=1")
    if not chromium_path():
        pytest.fail(
            "Chromium not found (looked at MUSHRIF_CHROMIUM, /usr/lib/chromium/chromium, "
            "/usr/bin/chromium): run scripts/setup-browser.sh (apt-get install chromium "
            "chromium-driver), or set MUSHRIF_SKIP_BROWSER=1 to skip these tests on purpose",
            pytrace=False,
        )
    if not AXE.is_file():
        pytest.fail(
            f"axe-core not found at {AXE}: run `npm ci --prefix tests/browser` "
            "(scripts/setup-browser.sh does it)",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    services: Services
    app: Any

    def seed(self, *, posts: list[tuple[str, str]] | None = None) -> tuple[str, Tokens]:
        """A fresh group (one admin per role) with knowledge and analyzed posts."""
        group_id = f"g-{uuid.uuid4().hex[:10]}"
        tokens = make_group(self.services, group_id)
        with self.services.store.transaction() as session:
            for language, question, answer in KNOWLEDGE:
                groups.add_knowledge(
                    session, group_id=group_id, question=question, answer=answer, language=language
                )
            ingest_posts(
                session,
                group_id=group_id,
                posts=[
                    (i, PostIn(external_id=key, text=text))
                    for i, (key, text) in enumerate(POSTS if posts is None else posts)
                ],
            )
        self.services.worker.drain()
        return group_id, tokens

    def item(self, group_id: str, text_part: str) -> QueueItem:
        """The queue item of the post containing ``text_part`` (read fresh from the database)."""
        from sqlalchemy import select

        from assistant.store.models import Post

        with self.services.store.session(readonly=True) as session:
            item = session.scalar(
                select(QueueItem)
                .join(Post, Post.id == QueueItem.post_id)
                .where(QueueItem.group_id == group_id, Post.text.contains(text_part))
            )
            assert item is not None, f"no item for a post containing {text_part!r}"
            return item


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _require_tools()
    data_dir = tmp_path_factory.mktemp("web")
    settings = service_settings(data_dir, f"sqlite:///{data_dir / 'mushrif.db'}")
    runs = data_dir / "eval" / "runs" / "20250101T000000Z-demo_suite"
    runs.mkdir(parents=True)
    (runs / "report.html").write_text(
        "<!doctype html><html lang='en'><head><title>demo report</title></head>"
        "<body><h1>Report demo_suite</h1></body></html>",
        "utf-8",
    )
    (runs / "results.json").write_text(
        '{"suite": "demo_suite", "primary_metric": {"name": "macro_f1", "value": 0.8123}}',
        "utf-8",
    )
    (data_dir / "secret.txt").write_text("not a report", "utf-8")
    app = create_app(settings, run_background=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the web server did not start within 20 s", pytrace=False)
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", app.state.services, app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    _require_tools()
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=LAUNCH_ARGS
    )
    yield browser
    browser.close()


@dataclass
class Console:
    """Console errors and uncaught exceptions of a page; the test fails on any not allowed."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


@pytest.fixture
def console() -> Console:
    return Console()


def _context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", **options
    )
    context.set_default_timeout(10_000)
    return context


def _watch(page: Page, console: Console) -> Page:
    page.on(
        "console",
        lambda message: (
            console.errors.append(f"{page.url}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: console.errors.append(f"{page.url}: {error}"))
    return page


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = _context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, console: Console) -> Iterator[Page]:
    page = _watch(context.new_page(), console)
    yield page
    assert console.unexpected() == [], f"console errors: {console.unexpected()}"


@pytest.fixture
def audit_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A page whose context lets axe-core be injected (it bypasses the pages' CSP)."""
    context = _context(browser, bypass_csp=True)
    page = _watch(context.new_page(), console)
    yield page
    context.close()
    assert console.unexpected() == [], f"console errors: {console.unexpected()}"


def login(page: Page, server: LiveServer, token: str, *, next_path: str = "/web/") -> None:
    page.goto(f"{server.url}/web/login?next={next_path}")
    page.fill("#token", token)
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A and AA violations (labels, contrast, names, structure…)."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
