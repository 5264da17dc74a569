"""Browser behaviour in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The site is built with a site_url so that Material's instant navigation is active, as on a real deployment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from generator.vietnamese import fold

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (.ci/run does)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from test_cli import free_port  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    port = free_port()
    site = tmp_path_factory.mktemp("browser") / "site"
    base = f"http://127.0.0.1:{port}/"
    assert run_cli("build", "--data", str(ROOT / "data"), "--site-dir", str(site), "--site-url", base) == 0
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def test_charts_and_filters_survive_instant_navigation(served, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served, wait_until="networkidle")
    page.evaluate("window.__samePage = true")
    page.click("a.md-tabs__link:has-text('Thống kê')")
    page.wait_for_selector("[data-ck-drawn] .main-svg", timeout=20_000)
    assert page.evaluate("window.__samePage") is True, "instant navigation did not keep the page"
    assert page.locator("[data-ck-drawn]").count() == 5
    page.click("a.md-tabs__link:has-text('Thủ tục')")
    page.wait_for_selector("[data-ck-count]")
    page.fill("input[name=q]", "dang ky ket hon")
    assert page.inner_text("[data-ck-count]").startswith("Hiển thị")
    visible = page.locator("[data-ck-items] > li:visible").all_inner_texts()
    assert all(all(w in fold(text) for w in ("dang", "ky", "ket", "hon")) for text in visible)
    assert any(text.startswith("Thủ tục đăng ký kết hôn có yếu tố nước ngoài") for text in visible)
    page.go_back()
    page.wait_for_selector("[data-ck-drawn] .main-svg", timeout=20_000)
    assert page.evaluate("window.__samePage") is True
    assert errors == []
    assert [u for u in requests if not u.startswith(served)] == []
    assert any(u.endswith("plotly.min.js") for u in requests)


def test_plotly_is_not_loaded_on_pages_without_charts(served, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served + "thu-tuc/1.000094/", wait_until="networkidle")
    assert not any("plotly" in u for u in requests)
    assert page.inner_text("article h1").startswith("Thủ tục đăng ký kết hôn")
