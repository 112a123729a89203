"""An officer releases a quarantined email into a request in Chromium, and finds the
request's email and its attachment on the case page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path("var/screenshots")


def test_an_officer_releases_a_quarantined_email(demo, browser):
    from django.contrib.auth import get_user_model

    from onecouncil.core.models import Council
    from onecouncil.inbox.intake import message_take
    from onecouncil.inbox.models import InboundMessage, MessageStatus
    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard
    from tests.inbox.test_email_content import with_attachments

    council = Council.objects.get(slug="riverbend")
    raw = with_attachments(
        ("site-plan.pdf", b"%PDF-1.4 plan", "application", "pdf"),
        body="Overflowing litter bin on Riverside Walk, it has been like this all week.",
    ).replace(b"Subject:", b"X-Spam-Flag: YES\nSubject:", 1)
    held = message_take(council=council, raw=raw)
    assert held.status == MessageStatus.QUARANTINED
    user = get_user_model().objects.get(username="officer@riverbend.example")
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "officer@riverbend.example")
    page.goto(f"{demo}/riverbend/staff/emails/set-aside/")
    expect(page.locator("#set-aside")).to_contain_text("X-Spam-Flag: YES")
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"emails-set-aside-{width}.png"), full_page=True)
    row = page.locator("#set-aside tr", has_text="Rubbish dumped")
    row.get_by_role("button", name="It is genuine: make it a request").click()
    expect(page.locator("#flash")).to_contain_text("The email is now request")
    held.refresh_from_db()
    assert held.status == MessageStatus.REQUEST
    expect(page.locator("#emails")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download site-plan.pdf").click()
    assert download.value.suggested_filename == "site-plan.pdf"
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"case-emails-{width}.png"), full_page=True)
    assert InboundMessage.objects.filter(case=held.case).count() == 1
    context.close()
