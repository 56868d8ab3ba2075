"""The approval queue in a real browser: login, decisions, Arabic editing, shortcuts, access
between groups, and the bad cases (expired session, double click, a colleague's decision,
an over-long edit)."""

from __future__ import annotations

from unittest import mock

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assistant.schemas import Priority
from assistant.store import queue as repo
from assistant.store.models import OutboxDelivery, QueueItem, ReviewEvent
from assistant.web.security import COOKIE_NAME
from tests.browser.conftest import Console, LiveServer, axe_violations, login, screenshot


def _queue(page: Page, server: LiveServer, group_id: str) -> None:
    page.goto(f"{server.url}/web/g/{group_id}/queue")
    expect(page.locator("h1")).to_contain_text("Approval queue")


def _decisions(server: LiveServer, item_id: int, action: str) -> int:
    with server.services.store.session(readonly=True) as session:
        count = session.scalar(
            select(func.count())
            .select_from(ReviewEvent)
            .where(ReviewEvent.queue_item_id == item_id, ReviewEvent.action == action)
        )
        return int(count or 0)


POST_FROM_PAGE = """async ([url]) => {
    const data = new FormData();
    data.set('csrf', document.body.dataset.csrf);
    data.set('version', '1');
    const headers = {Accept: 'application/json'};
    return (await fetch(url, {method: 'POST', body: data, headers})).status;
}"""


def _post_from_page(page: Page, url: str) -> int:
    """A POST from the page's own script, with its valid CSRF token (what an attacker with a
    session could send by hand)."""
    status: int = page.evaluate(POST_FROM_PAGE, [url])
    return status


def test_login_wrong_token_then_right_one_then_logout(page: Page, live_server: LiveServer) -> None:
    group_id, tokens = live_server.seed(posts=[])
    page.goto(f"{live_server.url}/web/g/{group_id}/queue")
    expect(page).to_have_url(
        f"{live_server.url}/web/login?reason=login&next=/web/g/{group_id}/queue"
    )

    page.fill("#token", "mushrif_not-a-real-token")
    page.click("form[action='/web/login'] button")
    expect(page.locator("p.error")).to_contain_text("invalid API token")

    page.fill("#token", tokens.moderator)
    page.click("form[action='/web/login'] button")
    expect(page).to_have_url(f"{live_server.url}/web/g/{group_id}/queue")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert tokens.moderator not in cookie["value"]

    page.click("form[action='/web/logout'] button")
    expect(page.locator("p.notice")).to_contain_text("logged out")
    page.goto(f"{live_server.url}/web/g/{group_id}/queue")
    expect(page.locator("h1")).to_have_text("Log in")


def test_approve_a_draft(page: Page, live_server: LiveServer) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "shipping to Jeddah")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    article = page.locator(f"#item-{item.id}")
    expect(article.locator(".post .text")).to_contain_text("How much is shipping to Jeddah?")
    expect(article.locator(".source")).to_contain_text(item.draft_generator)

    article.locator(".approve-button").click()
    expect(article.locator(".result")).to_contain_text(f"Approved item {item.id}")
    expect(article).to_have_attribute("data-status", "approved")

    stored = live_server.item(group_id, "shipping to Jeddah")
    assert stored.status == "approved" and stored.final_text == item.draft_text
    assert not stored.edited
    assert _decisions(live_server, item.id, "approve") == 1


def test_edit_an_arabic_draft_right_to_left(page: Page, live_server: LiveServer) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "العباية السوداء")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    box = page.locator(f"#draft-{item.id}")
    assert box.evaluate("el => getComputedStyle(el).direction") == "rtl"
    expect(page.locator(f"#item-{item.id} .post .text")).to_have_attribute("dir", "auto")

    edited = "أهلًا! سعر العباية السوداء ٢٥٠ ريال، ومقاس L متوفر.\nShipping: 2-4 days عبر DHL."
    box.fill(edited)
    expect(page.locator(f"#item-{item.id} .approve-button")).to_have_text("Approve my edit")
    page.locator(f"#item-{item.id} .approve-button").click()
    expect(page.locator(f"#item-{item.id} .result")).to_contain_text("Approved")

    stored = live_server.item(group_id, "العباية السوداء")
    assert stored.final_text == edited
    assert stored.edited and stored.draft_text == item.draft_text


def test_reject_needs_a_reason_and_stores_it(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    group_id, tokens = live_server.seed()
    console.allow("status of 422")
    item = live_server.item(group_id, "crypto")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    article = page.locator(f"#item-{item.id}")
    article.locator("button.reject").click()
    expect(article.locator(".result")).to_contain_text("Write a reason to reject")
    assert live_server.item(group_id, "crypto").status == "pending"

    article.locator("input.reason").fill("ليس سبامًا: عميلة دائمة")
    article.locator("input.reason").press("Enter")
    expect(article.locator(".result")).to_contain_text(f"Rejected item {item.id}")
    stored = live_server.item(group_id, "crypto")
    assert stored.status == "rejected" and stored.reject_reason == "ليس سبامًا: عميلة دائمة"


def test_keyboard_shortcuts(page: Page, live_server: LiveServer, console: Console) -> None:
    group_id, tokens = live_server.seed()
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    articles = page.locator("article.item")
    first, second = articles.nth(0), articles.nth(1)
    first_id = int(first.get_attribute("data-id") or 0)
    second_id = int(second.get_attribute("data-id") or 0)

    page.keyboard.press("j")
    expect(first).to_have_class("item priority-high current")
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("k")
    expect(first).to_be_focused()

    page.keyboard.press("e")
    expect(page.locator(f"#draft-{first_id}")).to_be_focused()
    page.keyboard.type(" Thanks.")  # typed keys go into the box, not to the shortcuts
    page.keyboard.press("Escape")
    expect(first).to_be_focused()
    page.keyboard.press("a")
    expect(first.locator(".result")).to_contain_text("Approved")
    stored = live_server.services.store.session(readonly=True)
    with stored as session:
        approved = repo.get_item(session, group_id=group_id, item_id=first_id)
        assert approved.status == "approved" and approved.final_text.endswith(" Thanks.")

    expect(second).to_be_focused()  # after a decision the next pending item is selected
    page.keyboard.press("r")
    expect(page.locator(f"#reason-{second_id}")).to_be_focused()
    page.keyboard.type("duplicate")
    page.keyboard.press("Enter")
    expect(second.locator(".result")).to_contain_text("Rejected")


def test_one_groups_admin_cannot_see_another_groups_items(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    mine, my_tokens = live_server.seed(posts=[("a-1", "my group question?")])
    theirs, _ = live_server.seed(posts=[("b-1", "THEIR SECRET question?")])
    their_item = live_server.item(theirs, "THEIR SECRET")
    login(page, live_server, my_tokens.owner)
    expect(page.locator("ul.cards")).to_contain_text(mine)
    expect(page.locator("body")).not_to_contain_text(theirs)

    response = page.goto(f"{live_server.url}/web/g/{theirs}/queue")
    assert response is not None and response.status == 404
    expect(page.locator("p.error")).to_contain_text("not found")
    expect(page.locator("body")).not_to_contain_text("THEIR SECRET")

    _queue(page, live_server, mine)
    console.allow("status of 404")
    console.allow("status of 405")
    status = _post_from_page(page, f"/web/g/{theirs}/queue/{their_item.id}/approve")
    assert status == 404
    assert live_server.item(theirs, "THEIR SECRET").status == "pending"
    response = page.goto(f"{live_server.url}/web/g/{mine}/queue/{their_item.id}/approve")
    assert response is not None and response.status == 405  # no GET side door


def _expire_session(page: Page, live_server: LiveServer) -> None:
    """Re-sign the browser's session cookie as if it had been issued a day ago."""
    codec = live_server.app.state.web.codec
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    session = codec.loads(cookie["value"])
    with mock.patch("itsdangerous.timed.time.time", return_value=1_000_000_000.0):
        old = codec.dumps(session)
    page.context.add_cookies([{**cookie, "value": old}])


def test_expired_session_keeps_the_typed_text(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "العباية السوداء")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    box = page.locator(f"#draft-{item.id}")
    box.fill("نص كتبته قبل انتهاء الجلسة")
    _expire_session(page, live_server)
    console.allow("status of 401")
    page.locator(f"#item-{item.id} .approve-button").click()
    result = page.locator(f"#item-{item.id} .result")
    expect(result).to_contain_text("Your session has expired")
    expect(result.locator("a")).to_have_attribute(
        "href", f"/web/login?reason=expired&next=%2Fweb%2Fg%2F{group_id}%2Fqueue"
    )
    expect(box).to_have_value("نص كتبته قبل انتهاء الجلسة")
    assert live_server.item(group_id, "العباية السوداء").status == "pending"

    # log in again in another tab; the first tab's button then works with its text
    other = page.context.new_page()
    login(other, live_server, tokens.moderator)
    other.close()
    console.allow("status of 403")  # the stale CSRF token, replaced and retried once
    page.locator(f"#item-{item.id} .approve-button").click()
    expect(result).to_contain_text("Approved")
    assert live_server.item(group_id, "العباية السوداء").final_text == "نص كتبته قبل انتهاء الجلسة"

    page.goto(f"{live_server.url}/web/")
    _expire_session(page, live_server)
    page.goto(f"{live_server.url}/web/g/{group_id}/queue")
    expect(page.locator("p.notice")).to_have_text("Your session has expired. Log in again.")


def test_double_click_on_approve_records_one_decision(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "shipping to Jeddah")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    console.allow("status of 409")
    page.locator(f"#item-{item.id} .approve-button").dblclick()
    expect(page.locator(f"#item-{item.id} .result")).to_contain_text("Approved")
    page.wait_for_timeout(300)
    assert _decisions(live_server, item.id, "approve") == 1
    assert _decisions(live_server, item.id, "edit_approve") == 0


def test_item_approved_by_another_admin_meanwhile(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "shipping to Jeddah")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    box = page.locator(f"#draft-{item.id}")
    box.fill("My careful edit that must not be lost")

    with live_server.services.store.transaction() as session:  # the owner, in another browser
        owner = session.scalar(
            select(ReviewEvent.admin_id).where(ReviewEvent.group_id == group_id).limit(1)
        )
        del owner
        from assistant.store.auth import authenticate

        principal = authenticate(session, token=tokens.owner)
        repo.approve_item(
            session,
            group_id=group_id,
            item_id=item.id,
            actor=repo.Actor(principal.admin_id, principal.admin_name),
            version=item.version,
            prompts_dir=live_server.services.settings.prompts_dir,
        )
    console.allow("status of 409")
    page.locator(f"#item-{item.id} .approve-button").click()
    result = page.locator(f"#item-{item.id} .result")
    expect(result).to_contain_text(f"Another admin ({group_id}-owner) has already approved")
    expect(box).to_have_value("My careful edit that must not be lost")
    stored = live_server.item(group_id, "shipping to Jeddah")
    assert stored.final_text == item.draft_text  # the owner's decision stands


def test_an_over_long_edit_is_refused_with_a_clear_message(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "shipping to Jeddah")
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    long_text = "ا" * 20_001
    box = page.locator(f"#draft-{item.id}")
    box.fill(long_text)
    expect(page.locator(f"#count-{item.id}")).to_have_class("counter over")
    console.allow("status of 422")
    page.locator(f"#item-{item.id} .approve-button").click()
    expect(page.locator(f"#item-{item.id} .result")).to_contain_text(
        "Your text has 20,001 characters; the limit is 20,000"
    )
    expect(box).to_have_value(long_text)
    assert live_server.item(group_id, "shipping to Jeddah").status == "pending"


def test_a_viewer_cannot_approve(page: Page, live_server: LiveServer, console: Console) -> None:
    group_id, tokens = live_server.seed()
    item = live_server.item(group_id, "shipping to Jeddah")
    login(page, live_server, tokens.viewer)
    _queue(page, live_server, group_id)
    expect(page.locator("p.notice")).to_contain_text("need the moderator role")
    expect(page.locator(".approve-button")).to_have_count(0)
    expect(page.locator(f"#draft-{item.id}")).to_have_attribute("readonly", "")
    console.allow("status of 403")
    status = _post_from_page(page, f"/web/g/{group_id}/queue/{item.id}/approve")
    assert status == 403
    assert live_server.item(group_id, "shipping to Jeddah").status == "pending"


def test_a_post_with_a_script_is_shown_as_text(page: Page, live_server: LiveServer) -> None:
    payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> ok?'
    group_id, tokens = live_server.seed(posts=[("xss", payload)])
    login(page, live_server, tokens.moderator)
    response = page.goto(f"{live_server.url}/web/g/{group_id}/queue")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text()
    assert "&lt;script&gt;window.__pwned" in html and "<script>window.__pwned" not in html
    expect(page.locator("article.item .post .text")).to_contain_text(
        "<script>window.__pwned = 1</script>"
    )
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("article.item .post img").count() == 0


def test_language_switch_to_arabic(page: Page, live_server: LiveServer) -> None:
    group_id, tokens = live_server.seed()
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.click("form.lang button[value=ar]")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("قائمة الموافقة")
    expect(page).to_have_url(f"{live_server.url}/web/g/{group_id}/queue")
    english = live_server.item(group_id, "shipping to Jeddah")
    assert (
        page.locator(f"#draft-{english.id}").evaluate("el => getComputedStyle(el).direction")
        == "ltr"
    )
    page.click("form.lang button[value=en]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_bulk_approve_and_claim(page: Page, live_server: LiveServer, console: Console) -> None:
    group_id, tokens = live_server.seed()
    login(page, live_server, tokens.moderator)
    _queue(page, live_server, group_id)
    first = page.locator("article.item").nth(0)
    first_id = int(first.get_attribute("data-id") or 0)
    first.locator("form.claim button").click()
    expect(first.locator(".result")).to_contain_text("yours for now")

    page.check("#select-all")
    page.fill("#bulk-reason", "")
    page.click("#bulk button[value=approve]")
    expect(page.locator("#bulk .result")).to_contain_text("4 done, 0 failed")
    expect(page.locator("article.item[data-status=pending]")).to_have_count(0)
    with live_server.services.store.session(readonly=True) as session:
        assert repo.get_item(session, group_id=group_id, item_id=first_id).status == "approved"


def test_an_alert_is_shown_as_one_and_acknowledged_in_arabic(
    audit_page: Page, live_server: LiveServer
) -> None:
    page = audit_page
    group_id, tokens = live_server.seed(posts=[])
    alert_text = "تنبيه داخلي — ليس للنشر: مراجعة سلبية من m-7\nالطلب وصل متأخر"
    with live_server.services.store.transaction() as session:
        repo.add_items(
            session,
            items=[
                repo.NewItem(
                    group_id=group_id,
                    source_key="review_post:alert:1",
                    kind="alert",
                    priority=Priority.HIGH,
                    language="ar",
                    draft_text=alert_text,
                    draft_generator="community",
                    category="review_alert",
                    suggested_action="escalate",
                )
            ],
        )
        [alert_id] = session.scalars(select(QueueItem.id).where(QueueItem.group_id == group_id))
    login(page, live_server, tokens.moderator)
    page.click("form.lang button[value=ar]")
    page.goto(f"{live_server.url}/web/g/{group_id}/queue")
    article = page.locator(f"#item-{alert_id}")
    expect(article).to_have_class("item priority-high alert")
    expect(article.locator("h2")).to_contain_text("التنبيهات")
    expect(article.locator(".alert-notice")).to_contain_text("لا يُنشر شيء")
    expect(article.locator("textarea")).to_have_count(0)
    button = article.locator(".approve-button")
    expect(button).to_have_text("تأكيد الاطلاع")
    assert axe_violations(page) == []
    screenshot(page, "queue-alert-ar")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(article.locator(".result")).to_contain_text(f"تم تأكيد الاطلاع على التنبيه {alert_id}")
    expect(article).to_have_attribute("data-status", "approved")
    with live_server.services.store.session(readonly=True) as session:
        item = repo.get_item(session, group_id=group_id, item_id=alert_id)
        assert (item.status, item.final_text) == ("approved", alert_text)
        deliveries = session.scalars(
            select(OutboxDelivery.id).where(OutboxDelivery.queue_item_id == alert_id)
        )
        assert list(deliveries) == []
