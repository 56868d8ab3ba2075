"""The web pages' building blocks: session cookie, CSRF, escaping, i18n, report paths."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from unittest import mock

import pytest

from assistant.config import Settings
from assistant.web.context import safe_next
from assistant.web.decisions import normalize_edit, parse_version
from assistant.web.i18n import I18N_DIR, pick_language, translator
from assistant.web.render import highlight, render_html, text_direction
from assistant.web.reports import list_runs, report_path
from assistant.web.security import SECRET_FILE, SessionCodec, WebSession, session_secret


def test_session_cookie_round_trip_and_tampering() -> None:
    codec = SessionCodec("s" * 40, ttl_s=3600)
    session = WebSession(token_id=7, token_check="abc", lang="ar")
    cookie = codec.dumps(session)
    read = codec.loads(cookie)
    assert (read.token_id, read.token_check, read.lang, read.csrf) == (7, "abc", "ar", session.csrf)
    assert not read.expired
    assert codec.loads(cookie[:-2] + "xx").token_id is None  # bad signature: anonymous
    assert SessionCodec("t" * 40, ttl_s=3600).loads(cookie).token_id is None  # other secret


def test_an_old_login_reads_as_expired_not_as_anonymous() -> None:
    codec = SessionCodec("s" * 40, ttl_s=60)
    with mock.patch("itsdangerous.timed.time.time", return_value=1_000_000_000.0):
        old = codec.dumps(WebSession(token_id=3, token_check="x", lang="ar"))
    read = codec.loads(old)
    assert read.expired and read.token_id is None and read.lang == "ar"
    with mock.patch("itsdangerous.timed.time.time", return_value=1_000_000_000.0):
        anonymous = codec.dumps(WebSession())
    assert not codec.loads(anonymous).expired


def test_csrf_check_is_exact() -> None:
    session = WebSession()
    assert session.csrf_ok(session.csrf)
    assert not session.csrf_ok(None) and not session.csrf_ok("") and not session.csrf_ok("x")


def test_session_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="test")
    first = session_secret(settings)
    assert len(first) >= 48 and first == session_secret(settings)
    mode = (tmp_path / SECRET_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    configured = Settings(data_dir=tmp_path, environment="test", web={"session_secret": "c" * 40})
    assert session_secret(configured) == "c" * 40


def test_member_text_is_escaped_and_evidence_marked() -> None:
    html = str(highlight("<b>you IDIOT</b> & idiot", ["idiot"]))
    assert html == "&lt;b&gt;you <mark>IDIOT</mark>&lt;/b&gt; &amp; <mark>idiot</mark>"
    assert str(highlight("<script>x</script>", ["<script>"])) == (
        "<mark>&lt;script&gt;</mark>x&lt;/script&gt;"
    )
    assert str(highlight(None, None)) == ""


def test_templates_autoescape_member_text() -> None:
    html = render_html(
        "error.html",
        t=translator("en"),
        lang="en",
        dir="ltr",
        languages=("en", "ar"),
        csrf="c",
        admin=None,
        groups=[],
        flash=None,
        path="/web/",
        group=None,
        nav="",
        message="<script>alert(1)</script>",
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_both_languages_have_the_same_strings_and_placeholders() -> None:
    english = json.loads((I18N_DIR / "en.json").read_text("utf-8"))
    arabic = json.loads((I18N_DIR / "ar.json").read_text("utf-8"))
    assert set(english) == set(arabic)
    for key in english:
        names = set(re.findall(r"\{(\w+)\}", english[key]))
        assert names == set(re.findall(r"\{(\w+)\}", arabic[key])), key
    assert translator("ar")("queue.title") == "قائمة الموافقة"
    assert translator("ar")("done.approved", item=3).startswith("تمت الموافقة على العنصر 3")


@pytest.mark.parametrize(
    ("preferred", "header", "expected"),
    [
        ("ar", "en-US", "ar"),
        (None, "ar-SA,ar;q=0.9", "ar"),
        (None, "fr, en;q=0.5", "en"),
        ("xx", None, "en"),
    ],
)
def test_language_choice(preferred: str | None, header: str | None, expected: str) -> None:
    assert pick_language(preferred, header) == expected


def test_text_direction_of_drafts() -> None:
    assert (text_direction("ar"), text_direction("en"), text_direction("mixed")) == (
        "rtl",
        "ltr",
        "auto",
    )


def test_redirects_stay_on_our_pages() -> None:
    assert safe_next("/web/g/shop/queue") == "/web/g/shop/queue"
    for bad in ("//evil.example/web/", "https://evil.example", "/web\\..", "/docs", None, ""):
        assert safe_next(bad) == "/web/"


def test_an_untouched_draft_is_not_an_edit() -> None:
    assert normalize_edit("a\r\nb", "a\nb") is None
    assert normalize_edit("a\r\nb!", "a\nb") == "a\nb!"
    assert normalize_edit(None, "x") is None
    assert (parse_version("3"), parse_version("-1"), parse_version("x"), parse_version("0")) == (
        3,
        None,
        None,
        None,
    )


def test_reports_cannot_escape_the_runs_directory(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "20250101T000000Z-suite").mkdir(parents=True)
    (runs / "20250101T000000Z-suite" / "report.html").write_text("<h1>ok</h1>", "utf-8")
    (runs / "20250101T000000Z-suite" / "results.json").write_text(
        '{"suite": "suite", "primary_metric": {"name": "f1", "value": 0.5}}', "utf-8"
    )
    (tmp_path / "report.html").write_text("secret", "utf-8")
    (runs / "link").symlink_to(tmp_path)
    assert report_path(runs, "20250101T000000Z-suite") is not None
    for name in ("..", "../runs/20250101T000000Z-suite", ".hidden", "link", "a/b", "", "%2e%2e"):
        assert report_path(runs, name) is None, name
    assert [r.name for r in list_runs(runs)] == ["20250101T000000Z-suite"]
    assert list_runs(runs)[0].value == 0.5
    assert list_runs(tmp_path / "missing") == []
