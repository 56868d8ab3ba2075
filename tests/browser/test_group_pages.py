"""Knowledge base, rules, reports, and every page's accessibility, console and screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assistant.store.models import Group, KnowledgeEntry
from tests.browser.conftest import Console, LiveServer, axe_violations, login, screenshot


def test_knowledge_base_add_search_edit_import(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    """Form errors are shown in the page (200, role=alert), so no console error either."""
    group_id, tokens = live_server.seed(posts=[])
    login(page, live_server, tokens.moderator, next_path=f"/web/g/{group_id}/kb")
    expect(page.locator("h1")).to_contain_text("Knowledge base")

    page.fill("#kb-question", "")
    page.click("form.kb-form button")
    expect(page.locator("div.error")).to_contain_text("question")

    page.select_option("#kb-language", "ar")
    page.fill("#kb-question", "هل يوجد توصيل إلى الرياض؟")
    page.fill("#kb-answer", "نعم، التوصيل إلى الرياض خلال يومين.")
    page.fill("#kb-tags", "شحن, الرياض")
    page.click("form.kb-form button")
    expect(page.locator("p.flash")).to_have_text("Entry added.")

    page.fill("#kb-q", "الرياض")  # normalized search finds it, the other entries drop out
    page.click("form.search button")
    expect(page.locator("table.kb tbody tr")).to_have_count(1)
    row = page.locator("table.kb tbody tr").first
    expect(row).to_contain_text("التوصيل إلى الرياض")

    row.locator("a").click()
    page.fill("#kb-answer", "نعم، التوصيل إلى الرياض خلال يوم واحد.")
    page.click("form.kb-form button")
    expect(page.locator("p.flash")).to_have_text("Entry saved.")

    upload = tmp_path / "faq.csv"
    upload.write_text(
        "id,lang,title,body,tags,examples\n"
        "returns,en,Can I return an abaya?,Returns within 7 days.,returns,"
        "ابي ارجع العبايه|can I send it back\n",
        "utf-8",
    )
    page.set_input_files("#kb-file", str(upload))
    page.click("form[action$='/kb/import'] button")
    expect(page.locator("p.flash")).to_have_text(
        "Imported: 1 added, 0 updated, 2 new example questions."
    )
    page.set_input_files("#kb-file", str(upload))
    page.click("form[action$='/kb/import'] button")
    expect(page.locator("p.flash")).to_have_text(
        "Imported: 0 added, 1 updated, 0 new example questions."
    )

    with live_server.services.store.session(readonly=True) as session:
        rows = session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.group_id == group_id))
        by_question = {r.question: r for r in rows}
    assert (
        by_question["هل يوجد توصيل إلى الرياض؟"].answer == "نعم، التوصيل إلى الرياض خلال يوم واحد."
    )
    assert by_question["هل يوجد توصيل إلى الرياض؟"].tags == ["شحن", "الرياض"]
    assert by_question["Can I return an abaya?"].entry_key == "returns"

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    page.set_input_files("#kb-file", str(bad))
    page.click("form[action$='/kb/import'] button")
    expect(page.locator("div.error")).to_contain_text("invalid JSON")


def test_rules_validation_and_shadow_replay(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    group_id, tokens = live_server.seed()
    login(page, live_server, tokens.owner, next_path=f"/web/g/{group_id}/rules")
    box = page.locator("#rules-yaml")
    box.fill("rules:\n  - id: x\n    kind: nonsense\n")
    page.click("form.rules button:not(.secondary)")
    expect(page.locator("div.error")).to_contain_text("not valid")
    expect(box).to_have_value("rules:\n  - id: x\n    kind: nonsense\n")  # kept for fixing
    with live_server.services.store.session(readonly=True) as session:
        assert session.get(Group, group_id).rules_yaml is None  # type: ignore[union-attr]

    proposal = (
        "keyword_rules:\n  - id: no-joke\n    category: abusive\n    action: delete\n"
        "    words: [joke]\n"
    )
    box.fill(proposal)
    page.click("form.rules button.secondary")
    result = page.locator("section.replay")
    expect(result).to_contain_text("4 posts replayed; 1 would get a different action.")
    expect(result.locator("table.changes")).to_contain_text("you idiot, this shop is a joke")
    expect(result.locator("table.changes")).to_contain_text("delete")

    labeled = tmp_path / "labeled.csv"
    labeled.write_text(
        "text,expected_action\nthis is a joke,delete\nnice joke about shipping,approve\n", "utf-8"
    )
    page.set_input_files("#replay-posts", str(labeled))
    page.click("form.rules button.secondary")
    expect(result).to_contain_text("2 posts replayed; 2 would get a different action.")
    expect(result.locator("table.changes")).to_contain_text("false positive")
    expect(result.locator("table.changes")).to_contain_text("caught")

    page.click("form.rules button:not(.secondary)")
    expect(page.locator("p.flash")).to_have_text("Rules saved; new posts use them.")
    with live_server.services.store.session(readonly=True) as session:
        assert session.get(Group, group_id).rules_yaml == proposal  # type: ignore[union-attr]


def test_reports_list_open_and_no_path_traversal(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    _, tokens = live_server.seed(posts=[])
    login(page, live_server, tokens.viewer, next_path="/web/reports")
    expect(page.locator("table")).to_contain_text("demo_suite")
    expect(page.locator("table")).to_contain_text("0.8123")
    page.click("text=20250101T000000Z-demo_suite")
    expect(page.locator("h1")).to_have_text("Report demo_suite")
    console.allow("status of 404")
    for attempt in ("..%2Fsecret.txt", "..%2F..%2Fsecret.txt", "x%2F..%2F..%2Fsecret.txt"):
        response = page.goto(f"{live_server.url}/web/reports/{attempt}")
        assert response is not None and response.status == 404, attempt
        expect(page.locator("body")).not_to_contain_text("not a report")


PAGES = [
    ("queue-en", "en", "/web/g/{group}/queue"),
    ("queue-ar", "ar", "/web/g/{group}/queue"),
    ("kb", "en", "/web/g/{group}/kb"),
    ("kb-ar", "ar", "/web/g/{group}/kb"),
    ("rules", "en", "/web/g/{group}/rules"),
    ("analytics", "en", "/web/g/{group}/analytics"),
    ("suggestions", "ar", "/web/g/{group}/suggestions"),
    ("reports", "en", "/web/reports"),
    ("groups", "ar", "/web/"),
]


@pytest.mark.parametrize(("name", "lang", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_accessibility_and_screenshot(
    audit_page: Page, live_server: LiveServer, name: str, lang: str, path: str
) -> None:
    group_id, tokens = live_server.seed()
    login(audit_page, live_server, tokens.owner)
    if lang == "ar":
        audit_page.click("form.lang button[value=ar]")
        expect(audit_page.locator("html")).to_have_attribute("dir", "rtl")
    response = audit_page.goto(live_server.url + path.format(group=group_id))
    assert response is not None and response.status == 200
    audit_page.locator("details.why").first.evaluate(
        "el => el && (el.open = true)"
    ) if audit_page.locator("details.why").count() else None
    expect(audit_page.locator("html")).to_have_attribute("lang", lang)
    assert axe_violations(audit_page) == []
    screenshot(audit_page, name)


def test_login_page_accessibility(audit_page: Page, live_server: LiveServer) -> None:
    audit_page.goto(f"{live_server.url}/web/login")
    assert axe_violations(audit_page) == []
    screenshot(audit_page, "login")


def test_analytics_charts_and_suggestions(page: Page, live_server: LiveServer) -> None:
    group_id, tokens = live_server.seed()
    login(page, live_server, tokens.moderator, next_path=f"/web/g/{group_id}/analytics")
    expect(page.locator("ul.totals")).to_contain_text("4 posts")
    hours = page.locator("svg[aria-label='Posts by hour of the day']")
    expect(hours.locator("rect")).to_have_count(24)
    expect(page.locator("svg[aria-label='Sentiment by week'] rect").first).to_be_attached()

    page.goto(f"{live_server.url}/web/g/{group_id}/suggestions")
    page.select_option("#s-kind", "all")
    page.click("form[action$='/suggestions'] button")
    expect(page.locator("section.run h2")).to_contain_text("new suggestions")
