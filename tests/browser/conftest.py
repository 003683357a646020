"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium (fixture `chromium_executable`). Its sync
API runs an asyncio loop in this thread for as long as it is started, which trips Django's async-unsafe check on
every ORM call the test makes meanwhile, so the browser lives only as long as one module and
DJANGO_ALLOW_ASYNC_UNSAFE is set only for that time. A failing test leaves a full-page screenshot (and the page's
HTML) in test-artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

ARTIFACTS = Path(os.environ.get("FACELIB_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, request):
    """`new_page()` opens a page in a fresh browser context (its own cookies: one signed-in user each); every page
    is screenshotted when the test fails."""
    contexts, pages = [], []

    def open_page(viewport=None, **options):  # options: Playwright's new_context, e.g. bypass_csp for axe-core
        context = browser.new_context(viewport=viewport or {"width": 1440, "height": 900}, **options)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the dashboard's "are you sure?" prompts
        contexts.append(context)
        pages.append(page)
        return page

    request.node.browser_pages = pages
    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    for number, page in enumerate(getattr(item, "browser_pages", [])):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
            (ARTIFACTS / f"{name}-{number}.html").write_text(page.content())
            report.sections.append(("screenshot", str(ARTIFACTS / f"{name}-{number}.png")))
        except Exception as error:  # noqa: BLE001 - a dead page must not hide the test's own failure
            report.sections.append(("screenshot", f"failed: {error}"))
