"""The pages satisfy their Content-Security-Policy: for each main role on a phone's screen,
every page reachable from the home page, every page the permission matrix lets it open and the
API's documentation load without a refused script, style, image, worker or request, and
without a script error. The gate page scans a permit with its fake camera, so jsQR, WebCrypto, the service worker and
IndexedDB are all exercised under the policy."""

from __future__ import annotations

import pytest

from fangxian.accounts.tests.test_permissions import PAGE_CASES, targets_for

from .camera import qr_clip
from .test_registry_flows import log_in

ROLES = ["secretary", "grid_worker", "gate_keeper", "health_worker", "street_admin"]
PHONE = {"width": 390, "height": 844}
FILES = (".pdf", ".xlsx", ".png", "/photo/", "format=xlsx")

# Runs in every page before its own scripts; a refusal is reported at once, even while leaving.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => window.fangxianRefused(`${location.pathname}: `
  + `${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
"""


def matrix_pages(targets: dict, actor: str) -> list[str]:
    return [
        case.path(targets)
        for case in PAGE_CASES
        if case.method == "get" and case.expect[actor] == 200 and not any(f in case.path(targets) for f in FILES)
    ]


def home_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))")
    return [h for h in hrefs if h.startswith("/") and not any(f in h for f in FILES)]


@pytest.mark.parametrize("actor", ROLES)
def test_every_page_a_role_opens_satisfies_the_content_security_policy(
    live_server, world, camera_browser, tmp_path, actor
):
    targets = targets_for(world)
    page = camera_browser(qr_clip(targets["permit"].code, tmp_path / "permit.y4m"))
    page.set_viewport_size(PHONE)
    refused: list[str] = []
    errors: list[str] = []
    page.context.expose_function("fangxianRefused", lambda text: refused.append(text))
    page.context.add_init_script(LISTEN)
    base = live_server.url
    # A resource that fails is named by its response below; the console only repeats it.
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(f"{page.url}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    # Chromium asks every page for /favicon.ico, an htmx fragment opened alone too; there is none.
    expected = {f"{base}/no-such-page/", f"{base}/favicon.ico"}
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.url not in expected
            and errors.append(f"{page.url}: {response.status} for {response.url}")
        ),
    )

    log_in(page, base, actor)
    page.wait_for_load_state("networkidle")  # the home page's fevers arrive by htmx
    pages = list(dict.fromkeys(home_links(page, base) + matrix_pages(targets, actor) + ["/api/v1/docs"]))
    assert len(pages) > 5
    for path in pages:
        page.goto(base + path)
        if path == f"/gate/{targets['gate'].id}/":
            page.wait_for_function("() => window.fangxianGate?.ready && navigator.serviceWorker.controller")
            page.wait_for_selector("#verdict[data-verdict=waiting]:not([hidden])")  # read by the camera, verified
            page.click("#verdict .temp[data-t='36.5']")
            page.wait_for_selector("#verdict[data-verdict=admit]:not([hidden])")
        elif path == "/gate/records/":
            page.wait_for_selector("#hourly canvas")
            page.hover("#hourly", position={"x": 200, "y": 150})  # the tooltip
        elif path.startswith("/watch/map/") and path != "/watch/map/":
            # The map's colours come in a <style> block carrying the request's nonce.
            colour = page.eval_on_selector(".legend .s-vacant", "cell => getComputedStyle(cell).backgroundColor")
            assert colour == "rgb(224, 224, 224)"
        page.wait_for_load_state("networkidle")
    page.goto(base + "/no-such-page/")  # our error page too
    page.wait_for_load_state("networkidle")
    assert refused == [] and errors == [], refused + errors
