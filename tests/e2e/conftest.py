"""End-to-end tests: the real site on a live server, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session", autouse=True)
def _static_served_as_in_production():
    """The live server's own static handler serves the source folders, unhashed and
    uncompressed; switch it off so WhiteNoise serves what collectstatic wrote, hashed,
    compressed and cached, as it does in production."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    original = StaticFilesHandler._should_handle
    StaticFilesHandler._should_handle = lambda self, path: False
    yield
    StaticFilesHandler._should_handle = original


# Every page any end-to-end test opens reports its Content-Security-Policy violations
# here (a listener added to each document before its own scripts run); each test fails
# if there were any.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
CSP_VIOLATIONS: list[str] = []


class CheckedBrowser:
    """Chromium, whose every new context records CSP violations in CSP_VIOLATIONS."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **kwargs: Any) -> Any:
        context = self._browser.new_context(**kwargs)
        context.add_init_script(CSP_LISTENER)

        def record(message: Any) -> None:
            if message.text.startswith("CSP violation") or "Content Security Policy" in (
                message.text
            ):
                CSP_VIOLATIONS.append(f"{message.page.url if message.page else ''}: {message.text}")

        context.on("console", record)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make test installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield CheckedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """No page of any end-to-end test breaks the Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    yield
    if request.node.get_closest_marker("csp_violation_expected"):
        return
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> dict[str, Any]:
    """Where the demo, built once per session, is kept for each test to start from."""
    return {"path": tmp_path_factory.mktemp("demo") / "demo-template.sqlite3", "built": False}


@pytest.fixture
def demo(transactional_db, live_server, settings, tmp_path, demo_template):
    """The demo councils, loaded by the product's own command, served for real.

    The command runs once per session; each later test starts from a copy of what it
    built (SQLite's online backup into the test database, a few milliseconds against a
    couple of seconds for the command), with the analytics store rebuilt from it as the
    command does. On PostgreSQL (where CI does not run these) the
    command runs for each test."""
    from django.db import connection

    settings.MEDIA_ROOT = tmp_path / "media"
    template = demo_template["path"]
    sqlite = connection.vendor == "sqlite"
    if sqlite and demo_template["built"]:
        import sqlite3

        connection.ensure_connection()
        with sqlite3.connect(template) as source:
            source.backup(connection.connection)
        # What the command did beyond the database: the analytics store, rebuilt.
        from onecouncil.insight.store import refresh

        refresh(full=True)
        return live_server.url
    call_command(
        "load_demo",
        requests=0,
        sensor_hours=0,  # the journeys count the requests they make
        base_url=live_server.url,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    if sqlite:
        import sqlite3

        connection.ensure_connection()
        with sqlite3.connect(template) as copy:
            connection.connection.backup(copy)
        demo_template["built"] = True
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    assert AXE.exists(), "axe-core is needed: make test installs it with npm"
    page.wait_for_load_state("load")
    # A map still zooming, or still fetching its streets and labels for the view, redraws
    # while axe reads it (nodes come and go, and are reported as ":root"): read it once
    # it has settled.
    # (Polled from here: wait_for_function evaluates a string in the page, which the
    # Content-Security-Policy rightly refuses.)
    for _tick in range(100):
        if not page.evaluate("!!document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')"):
            break
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")
    # Evaluated through the DevTools protocol rather than added as a <script>, which the
    # Content-Security-Policy rightly blocks.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}: {violations}"


def pass_two_factor(page: Any, username: str) -> None:
    """The second step of a staff sign-in, as a person with an authenticator app does it.
    The first time, the page shows the app's secret: the "app" here reads it and computes
    the code (tests/two_factor.py), and the recovery codes are acknowledged. Afterwards,
    the code for the user's enrolled app is typed."""
    import re
    import time

    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from tests.two_factor import code_for_secret, code_for_user

    page.wait_for_url(re.compile(r"/two-factor/"))
    secret = page.locator("#totp-secret")
    if secret.count():
        assert_accessible(page)
        page.get_by_label("Code from the app").fill(code_for_secret(secret.inner_text()))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        assert_accessible(page)
        page.get_by_role("link", name="I have kept my codes: continue").click()
        return
    user = get_user_model().objects.get(username=username)
    # The next period's code: the one enrolment used cannot be used again.
    page.get_by_label("Security code or recovery code").fill(
        code_for_user(user, at=time.time() + 30)
    )
    page.get_by_role("button", name="Continue").click()
