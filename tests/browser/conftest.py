"""Playwright for Python driving Debian's Chromium; never a downloaded browser.

The pages' Content-Security-Policy refuses eval, which Playwright uses to poll a bare expression:
give wait_for_function a function, "() => window.x && window.x.ready"."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own database calls are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("FANGXIAN_SCREENSHOTS")  # a folder to keep screenshots in, for a look by eye


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.needs("chromium"))


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the session: a second one cannot start while the first runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def camera_browser(playwright):
    """A browser whose camera shows the given clip; one launch per clip (Chromium's flag)."""
    launched = []

    def launch(clip):
        args = ARGS + [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        launched.append(browser)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield launch
    for browser in launched:
        browser.close()


@pytest.fixture
def phone(browser):
    """A cheap phone's screen."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def gate(world):
    """Xiangchang's market gate, trusted by Yong'an, kept by the gate keeper."""
    from conftest import trusting
    from fangxian.gate.models import Gate

    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门")
    trusting(gate, world.yongan)
    gate.keepers.add(world.users["gate_keeper"])
    return gate


@pytest.fixture
def screen(browser):
    """Phones of 390 × 844 in Chinese, as many as a flow needs (a household, a sampler, a keeper)."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def keeper_on_gate(page, base: str, gate) -> None:
    from conftest import PASSWORD

    page.goto(f"{base}/login/?next=/gate/{gate.id}/")
    page.fill("input[name=username]", "gate_keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"**/gate/{gate.id}/")
    page.wait_for_function("() => window.fangxianGate?.ready && navigator.serviceWorker.controller")


def wait_until(page, check, what: str, seconds: float = 15) -> None:
    """Until `check()` holds in the database: the page syncs on its own time."""
    for _ in range(int(seconds * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not reached: {what}")


def wait_for_passes(page, n: int) -> None:
    from fangxian.gate.models import Pass

    wait_until(page, lambda: Pass.objects.count() >= n, f"{n} passes stored")
