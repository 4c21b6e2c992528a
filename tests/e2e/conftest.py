"""End-to-end tests: headless Chromium (Debian's ``chromium`` package)
driven by Playwright for Python against pytest-django's live server.

No browser is downloaded: Playwright launches the system's Chromium
(``CHROMIUM_PATH``, default /usr/bin/chromium). Without it the tests skip
with the reason here, and fail in CI (``CI=true``), where .ci/run installs it.
Screenshots go to tests/artifacts/screenshots/ (ignored by git).
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own
# ORM calls (setting up data, reading the mail outbox) are synchronous and
# safe, so Django's guard against ORM calls from async code is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _unavailable(reason):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} The browser tests must run in CI: .ci/run installs Debian's chromium.", pytrace=False)
    pytest.skip(f"{reason} Install it (apt-get install chromium) or set CHROMIUM_PATH to run the browser tests.")


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM_PATH) or shutil.which(CHROMIUM_PATH)):
        _unavailable(f"Chromium is not installed at {CHROMIUM_PATH}.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]').")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
