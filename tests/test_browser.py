"""Browser behaviour in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): search,
filters, charts, phones, keyboard and an axe-core accessibility scan, on the sample site served on localhost.

The site is built with a site_url so that Material's instant navigation is active, as on a real deployment."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import CONFIG, FIXTURES, ROOT, run_cli, wait_for
from generator.vietnamese import fold
from generator.write import build_epoch

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (.ci/run does)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

import axe_playwright_python  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from test_cli import free_port  # noqa: E402


AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"  # axe-core from npm, as this package bundles it


def http_server(port: int, directory: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, str]:
    port = free_port()
    site = tmp_path_factory.mktemp("browser") / "site"
    base = f"http://127.0.0.1:{port}/"
    assert run_cli("build", "--data", str(ROOT / "data"), "--site-dir", str(site), "--site-url", base) == 0
    return site, base


@pytest.fixture(scope="module")
def served(site):
    directory, base = site
    server = http_server(int(base.rsplit(":", 1)[1].strip("/")), directory)
    try:
        wait_for(base, server)
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
    page.fill("form.ck-filters input[name=q]", "dang ky ket hon")
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


# ---- Search --------------------------------------------------------------------------------------------------

KETHON = "Thủ tục đăng ký kết hôn"


def header_search(page, query: str) -> tuple[str, list[str]]:
    """Type into the header's search box; the status line and result titles once the results are shown."""
    page.fill("#ck-q", query)
    page.wait_for_function("""q => { const s = document.querySelector('.ck-search__status');
        return document.querySelector('#ck-q').value === q && s.textContent && !s.dataset.pending; }""", arg=query)
    page.wait_for_timeout(300)  # the box waits for a pause in typing; let the last query's results land
    page.wait_for_function("() => !document.querySelector('.ck-search__status').dataset.pending")
    titles = page.locator(".ck-search__list li > a:not(.ck-search__all)").all_inner_texts()
    return page.inner_text(".ck-search__status"), titles


@pytest.fixture(scope="module")
def home(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served, wait_until="networkidle")
    yield page
    assert errors == []
    page.close()


@pytest.mark.parametrize("query", [
    "đăng ký kết hôn", "dang ky ket hon", "ĐĂNG KÝ KẾT HÔN", unicodedata.normalize("NFD", "đăng ký kết hôn"),
    "đang ky ket hon", "Dang Ky  Ket Hon "])
def test_search_finds_kethon_however_it_is_typed(home, query):
    status, titles = header_search(home, query)
    assert KETHON in titles[:3], (status, titles)


def test_both_tone_placements_find_the_same_pages(home):
    for old, new in (("hoà giải", "hòa giải"), ("thuỷ lợi", "thủy lợi"), ("uỷ ban", "ủy ban")):
        first, second = header_search(home, old), header_search(home, new)
        assert first == second and first[1], (old, first, second)


def test_a_code_finds_its_procedure_first(home):
    status, titles = header_search(home, "1.001193")
    assert titles[0] == "Thủ tục đăng ký khai sinh"
    assert home.locator(".ck-search__list a").first.get_attribute("href").endswith("/thu-tuc/1.001193/")


def test_a_word_that_matches_nothing_is_reported(home):
    status, titles = header_search(home, "dang ky ket hon xyzzy")
    assert titles == [] and "«xyzzy»" in status


def test_accented_query_ranks_exact_marks_first(home):
    """'đất' (land) and 'đặt'/'đạt' fold alike; the exact spelling comes first."""
    _, titles = header_search(home, "đặt")
    assert titles and all("đặt" in t.lower() for t in titles[:3]), titles
    _, titles = header_search(home, "đất")
    assert titles and all("đất" in t.lower() for t in titles[:3]), titles


def test_the_word_being_typed_completes(home):
    _, titles = header_search(home, "dang ky ket ho")
    assert KETHON in titles[:5], titles


def test_folding_in_the_browser_matches_the_python_table(home):
    cases = json.loads((ROOT / "tests" / "folding_cases.json").read_text(encoding="utf-8"))
    got = home.evaluate("""cases => cases.map(c => ({text: c.text, fold: congkhai.fold(c.text),
        words: congkhai.words(c.text), tone_keys: congkhai.words(c.text).map(congkhai.toneKey)}))""", cases)
    assert got == cases


def test_keyboard_only_search_reaches_a_procedure_page(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + "du-lieu/", wait_until="networkidle")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "ck-q"
    page.keyboard.type("dang ky ket hon")
    page.wait_for_selector(".ck-search__list a")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == KETHON
    page.keyboard.press("Escape")
    assert page.is_hidden(".ck-search__panel") and page.evaluate("document.activeElement.id") == "ck-q"
    page.keyboard.press("Enter")  # the form: the full results page
    page.wait_for_url("**/tim-kiem/?q=dang+ky+ket+hon")
    page.wait_for_selector("[data-ck-list] a")
    assert page.input_value("#ck-page-q") == "dang ky ket hon"
    first = page.locator("[data-ck-list] a").first
    assert first.inner_text() == KETHON
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/thu-tuc/1.000894/")
    page.wait_for_function("t => document.querySelector('article h1').textContent === t", arg=KETHON)


def test_results_page_pages_through_results(served, browser):
    page = browser.new_page()
    page.goto(served + "tim-kiem/?q=giay+phep", wait_until="networkidle")
    page.wait_for_selector("[data-ck-list] a")
    assert page.locator("[data-ck-list] li").count() == 20
    page.click("[data-ck-more]")
    page.wait_for_function("document.querySelectorAll('[data-ck-list] li').length === 40")
    hrefs = page.eval_on_selector_all("[data-ck-list] a", "as => as.map(a => a.getAttribute('href'))")
    assert len(set(hrefs)) == 40
    assert "hiển thị 40 đầu tiên" in page.inner_text("[data-ck-status]")


def test_search_from_a_sub_path_and_from_a_file(site, browser, tmp_path):
    directory, _ = site
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").symlink_to(directory, target_is_directory=True)
    port = free_port()
    server = http_server(port, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}/a/b/"
        wait_for(base, server)
        page = browser.new_page()
        page.goto(base + "thu-tuc/1.001193/", wait_until="networkidle")
        _, titles = header_search(page, "dang ky ket hon")
        assert KETHON in titles[:3]
        href = page.locator(".ck-search__list a").first.get_attribute("href")
        assert href.startswith(base + "thu-tuc/")
        page.goto(href)
        assert page.inner_text("article h1") in titles
    finally:
        server.terminate()
        server.wait(timeout=10)
    page = browser.new_page()
    page.goto((directory / "tim-kiem" / "index.html").as_uri() + "?q=dang+ky")
    page.wait_for_function("document.querySelector('[data-ck-status]').textContent.includes('file://')")


def test_search_under_congkhai_serve(browser):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--data", str(FIXTURES / "small"),
                               "-a", f"127.0.0.1:{port}", "-f", CONFIG], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + "tim-kiem/chi-muc/meta.json", server)
        page = browser.new_page()
        page.goto(base, wait_until="load")
        _, titles = header_search(page, "ĐANG KY KET HON")
        assert titles == [KETHON]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_first_query_transfer_is_small(served, browser, site):
    """What the first query costs after the page itself: index files and the search code, gzipped."""
    directory, _ = site
    page = browser.new_page()
    page.goto(served, wait_until="networkidle")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    started = time.perf_counter()
    header_search(page, "dang ky ket hon")
    elapsed = time.perf_counter() - started
    files = [directory / u[len(served):].split("?")[0] for u in fetched] + [directory / "assets/congkhai.js"]
    size = sum(len(gzip.compress(f.read_bytes())) for f in files)
    assert all("chi-muc" in u for u in fetched)
    assert size <= 300_000, size
    assert elapsed < 1.5, elapsed  # includes the box's 120 ms typing pause and the test's own 300 ms wait


# ---- Pages on a phone, the list's filters, a procedure page, accessibility -----------------------------------

PAGES = ["", "thu-tuc/", "thu-tuc/1.000894/", "thong-ke/", "tim-kiem/?q=dang+ky+ket+hon"]


@pytest.mark.parametrize("path", PAGES)
def test_phone_viewport_has_no_horizontal_scroll(served, browser, path):
    page = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto(served + path, wait_until="networkidle")
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.is_visible("#ck-q")  # the search box stays in the header on a phone


def test_list_filters_narrow_and_keep_their_state_in_the_url(served, browser):
    page = browser.new_page()
    page.goto(served + "thu-tuc/", wait_until="networkidle")
    total = page.locator("[data-ck-items] > li").count()
    page.select_option("select[name=level]", "xa")
    page.select_option("select[name=field]", label=page.eval_on_selector(
        "select[name=field] option[value=ho-tich]", "o => o.textContent"))
    visible = page.locator("[data-ck-items] > li:visible")
    assert 0 < visible.count() < total
    levels = page.eval_on_selector_all("[data-ck-items] > li:not([hidden])", "ls => ls.map(l => l.dataset.level)")
    assert all("xa" in level.split() for level in levels)
    assert "level=xa" in page.url and "field=ho-tich" in page.url
    page.fill("form.ck-filters input[name=q]", "KET HON")
    assert all("kết hôn" in t.lower() for t in visible.all_inner_texts())
    page.reload(wait_until="networkidle")  # the URL brings the same view back
    assert page.input_value("select[name=level]") == "xa"
    assert all("kết hôn" in t.lower() for t in visible.all_inner_texts()) and visible.count() > 0


def test_procedure_page(served, browser):
    page = browser.new_page()
    page.goto(served + "thu-tuc/1.000894/", wait_until="networkidle")
    assert page.inner_text("article h1") == KETHON
    headings = page.locator("article h2").all_inner_texts()
    assert any("Thành phần hồ sơ" in h for h in headings) and any("Cách thức" in h for h in headings)
    assert page.locator("ul.ck-documents > li").count() > 0
    assert page.title().startswith(KETHON)


# ---- A citizen's questions on the first screen, the printed checklist, the footer ------------------------------

FACTS = ("submit", "time", "fee", "documents")


@pytest.mark.parametrize("width, height", [(375, 812), (1366, 900)])
def test_procedure_answers_the_four_questions_on_the_first_screen(served, browser, width, height):
    """Thủ tục đăng ký kết hôn, opened without scrolling: how to submit (with the online link), how long, how much,
    what to bring, all inside the viewport, legible; the jump list reaches the documents on a phone."""
    phone = width < 500
    page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page.goto(served + "thu-tuc/1.000894/", wait_until="networkidle")
    assert page.evaluate("window.scrollY") == 0
    for fact in FACTS:
        box = page.locator(f'dl.ck-answers [data-ck-fact="{fact}"]').bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (fact, box)
    apply = page.locator("a[data-ck-apply]")
    box = apply.bounding_box()
    assert apply.inner_text() == "Nộp trực tuyến" and box["y"] + box["height"] <= height
    assert apply.get_attribute("href") == ("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/"
                                           "019d2bfd-3fac-7489-b53b-a15eb239a6fe")  # its source_url
    time = page.locator('[data-ck-fact="time"] .ck-answer__value')
    assert time.inner_text() == "1 không ghi đơn vị"  # the verbatim «1» and what could be read from it
    size = "el => parseFloat(getComputedStyle(el).fontSize)"
    assert time.evaluate(size) >= 16 and time.locator(".ck-reading").evaluate(size) >= 14
    assert page.inner_text('[data-ck-fact="fee"] .ck-answer__value') == "Miễn phí"
    assert page.inner_text('[data-ck-fact="documents"] dd') == "4 giấy tờ và 19 lưu ý"
    assert page.is_visible("button[data-ck-print]")
    jump = page.locator("nav.ck-jump")
    if phone:  # the theme's table of contents is hidden; the page's own list takes its place
        assert jump.is_visible() and not page.is_visible(".md-sidebar--secondary")
        jump.get_by_role("link", name="Thành phần hồ sơ").click()
        page.wait_for_function("() => location.hash === '#ho-so'")
        top = page.locator("#ho-so").bounding_box()["y"]
        assert 0 <= top < height / 2
    else:
        assert not jump.is_visible() and page.is_visible(".md-sidebar--secondary a[href$='#ho-so']")  # Material makes it absolute


def day_of_the_data() -> str:
    return dt.datetime.fromtimestamp(int(build_epoch(ROOT / "data")), dt.timezone.utc).strftime("%d/%m/%Y")


def test_printing_a_procedure_gives_an_a4_checklist(served, browser):
    page = browser.new_page()
    page.goto(served + "thu-tuc/1.000894/", wait_until="networkidle")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("button[data-ck-print]")
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer", "#ck-q",
                   "button[data-ck-print]", "nav.ck-jump", ".ck-notes", "#trinh-tu", "#can-cu"):
        assert not page.locator(chrome).first.is_visible(), chrome
    for kept in ("article h1", ".ck-proc-code", ".ck-proc-agency", ".ck-channels table", "ul.ck-documents"):
        assert page.locator(kept).first.is_visible(), kept
    channels = page.locator(".ck-channels tbody tr").all_inner_texts()
    assert [" ".join(row.split()) for row in channels] == [
        "Trực tuyến 1 không ghi đơn vị Miễn phí", "Dịch vụ bưu chính 1 không ghi đơn vị Miễn phí",
        "Trực tiếp 1 không ghi đơn vị Miễn phí"]  # the description column is left out
    ticks = page.eval_on_selector_all("ul.ck-documents > li", """lis => lis.map(li => {
        const box = getComputedStyle(li, '::before');
        return [box.display, parseFloat(box.width) >= 10 && box.width === box.height, box.borderTopStyle,
                li.querySelector('p').textContent]; })""")
    assert ticks == [["block", True, "solid", "Bản chính: 1 · Bản sao: 0"]] * 4  # a box to tick, and the counts
    meta = page.inner_text(".ck-print-meta")
    assert f"Dữ liệu cập nhật ngày {day_of_the_data()}" in meta and meta.endswith(served + "thu-tuc/1.000894/")
    pdf = page.pdf(format="Letter", prefer_css_page_size=True)  # the page's own @page size wins: A4
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert 1 <= len(boxes) <= 2 and all((round(float(w)), round(float(h))) == (595, 842) for w, h in boxes)


KINDS = ["", "thu-tuc/", "thu-tuc/1.000894/", "thu-tuc/1.000894/toan-van/", "linh-vuc/ho-tich/",
         "co-quan/uy-ban-nhan-dan-xa-phuong-thi-tran/", "thong-ke/", "thong-ke/kiem-tra/", "du-lieu/", "gioi-thieu/",
         "tim-kiem/?q=ket+hon", "404.html"]
ENGLISH = re.compile(r"\b(Tabs|Not found|Skip to content|Back to top|Made with|Initializing search|Share|Previous|"
                     r"Next|Search|Copy to clipboard)\b")


@pytest.mark.parametrize("width, height", [(375, 812), (1366, 900)])
def test_every_page_kind_has_the_footer_and_no_english(served, browser, width, height):
    """Each kind of page shows the footer with what mkdocs.yml says and the data's date; on a phone, no English in
    what is visible (text, labels, tooltips) but the charts' toolbar, which the chart tests check."""
    phone = width < 500
    page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    day = day_of_the_data()
    for path in KINDS:
        page.goto(served + path, wait_until="domcontentloaded")
        footer = page.locator("footer [data-ck-footer]")
        footer.scroll_into_view_if_needed()
        assert footer.is_visible(), path
        assert page.inner_text("[data-ck-publisher] strong") == "Dự án Công khai TTHC (bản mẫu)"
        assert page.get_attribute("[data-ck-licence] a", "href") == "https://creativecommons.org/licenses/by/4.0/deed.vi"
        assert page.get_attribute("[data-ck-portal] a", "href") == "https://dichvucong.gov.vn"
        assert page.inner_text("[data-ck-contact]").startswith("Liên hệ: ")
        assert page.inner_text("[data-ck-date]") == f"Dữ liệu cập nhật ngày {day}", path
        if not phone:
            continue
        shown = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.checkVisibility() && !el.closest('svg, script, style, .modebar-container'))
            .flatMap(el => [el.getAttribute('aria-label') || '', el.getAttribute('title') || '',
                            ...[...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent)])""")
        assert not [text for text in shown if ENGLISH.search(text)], path
    assert page.inner_text("article h1") == "Không tìm thấy trang"


@pytest.mark.parametrize("path", ["", "thu-tuc/", "thu-tuc/1.000894/", "thong-ke/", "tim-kiem/?q=ket+hon"])
def test_no_serious_accessibility_violation(served, browser, path):
    page = browser.new_page()
    page.goto(served + path, wait_until="networkidle")
    page.wait_for_timeout(300)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
