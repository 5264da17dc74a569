"""Browser behaviour in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): search,
filters, charts, phones, keyboard and an axe-core accessibility scan, on the sample site served on localhost.

The site is built with a site_url, as on a real deployment (canonical links, sitemap)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import (CHART_PAGE_BUDGET, CONFIG, FIXTURES, OTHER_PAGE_BUDGET, ROOT, first_load, free_port, gzipped_size,
                      wait_for)
from generator.build import PLOTLY_JS
from generator.render import LIST_PAGE
from generator.search import LIST_DATA
from generator.vietnamese import fold, format_number, words
from generator.write import build_epoch

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (.ci/run does)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

import axe_playwright_python  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402



AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"  # axe-core from npm, as this package bundles it


def http_server(port: int, directory: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def site(sample_build) -> tuple[Path, str]:
    return sample_build


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


def draw_every_chart(page) -> None:
    """A chart is drawn when it comes near the screen (congkhai.js): scroll to each in turn, as a reader does, and
    wait until Plotly has drawn it."""
    for chart in page.locator("[data-ck-chart]").all():
        chart.scroll_into_view_if_needed()
        chart.locator(".main-svg").first.wait_for(timeout=20_000)


def test_pages_load_plainly_and_draw_their_charts_and_lists(served, browser):
    """Material's instant navigation is off (README): a tab loads a new page, which draws its charts or lists its
    procedures by itself, and no page fetches the sitemap."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served, wait_until="load")
    page.evaluate("window.__samePage = true")
    page.click("a.md-tabs__link:has-text('Thống kê')")
    page.wait_for_selector("[data-ck-chart]")
    draw_every_chart(page)
    assert page.evaluate("window.__samePage") is None, "the page was not loaded anew"
    assert page.locator("[data-ck-drawn]").count() == 5
    page.evaluate("window.scrollTo(0, 0)")  # Material hides its tabs below the top of the page
    page.click("a.md-tabs__link:has-text('Thủ tục')")
    page.wait_for_selector("[data-ck-count]")
    page.fill("form.ck-filters input[name=q]", "dang ky ket hon")
    list_results(page)
    assert "khớp bộ lọc" in page.inner_text("[data-ck-count]")
    shown = page.locator("[data-ck-items] > li").all_inner_texts()
    assert all(all(w in fold(text) for w in ("dang", "ki", "ket", "hon")) for text in shown)
    assert any(text.startswith("Thủ tục đăng ký kết hôn có yếu tố nước ngoài") for text in shown)
    page.go_back()
    page.wait_for_selector("[data-ck-chart]")
    draw_every_chart(page)
    assert errors == []
    assert [u for u in requests if not u.startswith(served)] == []
    assert any(u.endswith(PLOTLY_JS) for u in requests)
    assert not any("sitemap" in u for u in requests)


def test_plotly_is_not_loaded_on_pages_without_charts(served, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served + "thu-tuc/1.000094/", wait_until="networkidle")
    assert not any("plotly" in u for u in requests)
    assert page.inner_text("article h1").startswith("Thủ tục đăng ký kết hôn")


# ---- Charts on a phone and a desktop: honest axes, a Vietnamese toolbar, the page keeps the swipe ---------------

VIEWPORTS = {"phone": dict(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True),
             "desktop": dict(viewport={"width": 1366, "height": 900})}

# Each drawn chart as Plotly laid it out: its traces, its axes (with the tick labels shown) and its note.
FIGURES = """() => Array.from(document.querySelectorAll('[data-ck-chart]')).map(gd => {
    const layout = gd._fullLayout;
    const axes = {};
    Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k)).forEach(k => {
        axes[layout[k]._id] = {range: layout[k].range, fixedrange: layout[k].fixedrange,
            ticks: Array.from(gd.querySelectorAll('.' + layout[k]._id + 'tick text')).map(t => t.textContent)};
    });
    const note = gd.closest('section').querySelector('.ck-chart-note');
    return {id: gd.id, dragmode: layout.dragmode, axes: axes, note: note ? note.textContent : '',
            traces: gd._fullData.map(t => ({type: t.type, mode: t.mode || '', x: t.xaxis, y: t.yaxis,
                                            orientation: t.orientation || 'v'}))};
})"""


@pytest.fixture(scope="module", params=sorted(VIEWPORTS))
def statistics(request, served, browser):
    """The statistics page with every chart drawn, on a phone and on a desktop."""
    context = browser.new_context(**VIEWPORTS[request.param])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
    page.goto(served + "thong-ke/", wait_until="load")
    draw_every_chart(page)
    page.viewport_name = request.param
    yield page
    assert errors == []
    context.close()


def test_bars_start_at_zero_and_count_in_whole_numbers(statistics):
    figures = statistics.evaluate(FIGURES)
    bar_axes = [(f["id"], f["axes"][t["y"] if t["orientation"] == "v" else t["x"]])
                for f in figures for t in f["traces"] if t["type"] == "bar"]
    assert len({axis["range"][0] for _, axis in bar_axes}) == 1 and len(bar_axes) >= 3
    for chart, axis in bar_axes:
        assert axis["range"][0] == 0, chart
        assert axis["ticks"] and all(re.fullmatch(r"\d{1,3}(\.\d{3})*", tick) for tick in axis["ticks"]), (chart, axis)


def test_rates_are_dots_or_lines_on_a_stated_range(statistics):
    rate_axes = 0
    for figure in statistics.evaluate(FIGURES):
        for name, axis in figure["axes"].items():
            if not axis["ticks"] or not all(re.fullmatch(r"\d+%", t) for t in axis["ticks"]):
                continue
            rate_axes += 1
            on_axis = [t for t in figure["traces"] if name in (t["x"], t["y"])]
            assert all(t["type"] == "scatter" and "markers" in t["mode"] for t in on_axis), figure["id"]
            assert axis["range"][1] == 100 and axis["ticks"][-1] == "100%"
            assert f"từ {axis['range'][0]:g}% đến 100%, không bắt đầu từ 0" in figure["note"], figure["id"]
    assert rate_axes == 4  # by level, by agency, by field (dots), over time (lines)
    notes = statistics.locator(".ck-chart-note").all_inner_texts()
    assert sum(n.startswith("Biểu đồ chấm") for n in notes) == 3


def test_tick_labels_legends_and_titles_stay_inside_the_chart(statistics):
    outside = statistics.evaluate("""() => {
        const found = [];
        document.querySelectorAll('[data-ck-chart]').forEach(gd => {
            const box = gd.querySelector('.main-svg').getBoundingClientRect();
            gd.querySelectorAll('.xtick text, .ytick text, .x2tick text, .y2tick text, .g-xtitle, .g-ytitle, .g-y2title, .legendtext').forEach(t => {
                const r = t.getBoundingClientRect();  // Plotly hides a tick label that would overflow: no size
                if (t.textContent && (!r.width || r.left < box.left - 1 || r.right > box.right + 1
                                      || r.top < box.top - 1 || r.bottom > box.bottom + 1))
                    found.push(gd.id + ': ' + t.textContent);
            });
        });
        return found; }""")
    assert outside == []
    ticks = [t for f in statistics.evaluate(FIGURES) for axis in f["axes"].values() for t in axis["ticks"]]
    assert "01/2024" in ticks or "2024" in ticks  # dates as mm/yyyy or yyyy, never cut


def test_toolbar_is_vietnamese_with_no_cloud_edit_or_share(statistics):
    titles = statistics.eval_on_selector_all(".modebar-btn", "bs => bs.map(b => b.getAttribute('data-title'))")
    assert titles == ["Tải ảnh PNG (kèm tiêu đề, nguồn)"] * statistics.locator("[data-ck-chart]").count()
    assert statistics.locator(".modebar a[href], .modebar-btn--logo").count() == 0  # no «Produced with Plotly»
    config = statistics.evaluate("""() => Array.from(document.querySelectorAll('[data-ck-chart]')).map(gd => {
        const c = gd._context; return [c.locale, c.displaylogo, c.showSendToCloud, c.scrollZoom, c.showTips]; })""")
    assert {tuple(c) for c in config} == {("vi", False, False, False, False)}
    # A tooltip in Vietnamese numbers: decimal comma, thousands dot.
    statistics.evaluate("document.querySelector('#ck-chart-theo-cap').scrollIntoView({block: 'center'})")
    point = statistics.locator("#ck-chart-theo-cap .point").first.bounding_box()
    statistics.mouse.move(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)  # Plotly's hover layer
    statistics.wait_for_selector("#ck-chart-theo-cap .hovertext")
    text = statistics.evaluate("""() => Array.from(document.querySelectorAll('#ck-chart-theo-cap .hovertext .line'))
        .map(line => line.textContent).join('\\n')""")
    assert re.fullmatch(r"Cấp \w+\n\d+,\d\d% = \d{1,3}(\.\d{3})* / \d{1,3}(\.\d{3})*", text), text


def test_a_swipe_or_the_wheel_over_a_chart_scrolls_the_page(statistics):
    figures = statistics.evaluate(FIGURES)
    assert {f["dragmode"] for f in figures} == {False}
    assert all(axis["fixedrange"] for f in figures for axis in f["axes"].values())
    statistics.evaluate("document.querySelector('#ck-chart-xu-huong').scrollIntoView({block: 'center'})")
    box = statistics.locator("#ck-chart-xu-huong .nsewdrag").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert statistics.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('#ck-chart-xu-huong')", [x, y])
    before = statistics.evaluate("window.scrollY")
    if statistics.viewport_name == "phone":
        cdp = statistics.context.new_cdp_session(statistics)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 20 * step}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        statistics.mouse.move(x, y)
        statistics.mouse.wheel(0, 200)
    statistics.wait_for_function("before => window.scrollY > before + 100", arg=before)


def test_a_downloaded_picture_carries_title_source_and_synthetic_label(statistics):
    chart = statistics.locator("#ck-chart-theo-co-quan")
    chart.scroll_into_view_if_needed()
    statistics.evaluate("""() => { const original = Plotly.downloadImage;
        Plotly.downloadImage = (figure, options) => { window.__picture = {figure, options};
                                                      return original(figure, options); }; }""")
    chart.hover()
    with statistics.expect_download() as download:
        chart.locator(".modebar-btn").click()
    picture = download.value
    assert picture.suggested_filename == "theo-co-quan.png"
    png = Path(picture.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1000  # a desktop width, even from a phone
    title = statistics.evaluate("window.__picture.figure.layout.title")
    assert title["text"] == statistics.evaluate("document.querySelector('#theo-co-quan').firstChild.textContent.trim()")
    assert title["subtitle"]["text"].startswith("<b>SỐ LIỆU MÔ PHỎNG")
    assert "Nguồn: synthetic: scripts/synthetic_statistics.py" in title["subtitle"]["text"]
    assert title["subtitle"]["text"].endswith("/thong-ke/#theo-co-quan")


def test_statistics_first_load_stays_within_its_budget(served, browser, site):
    """A phone shows the statistics page's summary on its first screen without Plotly, which it fetches once a
    chart comes near; all it fetched then is what the byte count (conftest.first_load) counts: ≤ 450 KB gzipped."""
    directory, _ = site
    page = browser.new_page(**VIEWPORTS["phone"])
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(served + "thong-ke/", wait_until="networkidle")
    assert not [u for u in fetched if "plotly" in u] and page.locator("[data-ck-drawn]").count() == 0
    summary = page.locator("ul.ck-key li").last.bounding_box()
    assert page.locator("ul.ck-key li").count() == 5 and summary["y"] + summary["height"] <= 812
    draw_every_chart(page)
    counted = first_load(directory, "thong-ke/")
    files = {(directory / u[len(served):].split("?")[0]).resolve() for u in fetched}
    files = {f / "index.html" if f.is_dir() else f for f in files}
    assert files <= set(counted), files - set(counted)
    assert (directory / PLOTLY_JS).resolve() in files
    assert gzipped_size(counted) <= CHART_PAGE_BUDGET
    page.close()


# ---- Search --------------------------------------------------------------------------------------------------

KETHON = "Thủ tục đăng ký kết hôn"


def header_search(page, query: str) -> tuple[str, list[str]]:
    """Type into the header's search box; the status line and result titles once the results are shown."""
    page.fill("#ck-q", query)
    # Typing marks the status pending at once; only the results of the last query typed clear the mark.
    page.wait_for_function("""q => { const s = document.querySelector('.ck-search__status');
        return document.querySelector('#ck-q').value === q && s.textContent && !s.dataset.pending; }""", arg=query)
    titles = page.locator(".ck-search__list li > a:not(.ck-search__all)").all_inner_texts()
    return page.inner_text(".ck-search__status"), titles


@pytest.fixture(scope="module")
def home(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served, wait_until="load")
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
    page.goto(served + "du-lieu/", wait_until="load")
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
    page.goto(served + "tim-kiem/?q=giay+phep", wait_until="load")
    page.wait_for_selector("[data-ck-list] a")
    assert page.locator("[data-ck-list] li").count() == 20
    page.click("[data-ck-more]")
    page.wait_for_function("document.querySelectorAll('[data-ck-list] li').length === 40")
    hrefs = page.eval_on_selector_all("[data-ck-list] a", "as => as.map(a => a.getAttribute('href'))")
    assert len(set(hrefs)) == 40
    assert "hiển thị 40 đầu tiên" in page.inner_text("[data-ck-status]")


@contextlib.contextmanager
def under_sub_path(directory: Path, tmp_path: Path):
    """The site in DIRECTORY served at http://127.0.0.1:<port>/a/b/, the address yielded."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").symlink_to(directory, target_is_directory=True)
    port = free_port()
    server = http_server(port, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}/a/b/"
        wait_for(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_search_from_a_sub_path_and_from_a_file(site, browser, tmp_path):
    directory, _ = site
    with under_sub_path(directory, tmp_path) as base:
        page = browser.new_page()
        page.goto(base + "thu-tuc/1.001193/", wait_until="load")
        _, titles = header_search(page, "dang ky ket hon")
        assert KETHON in titles[:3]
        href = page.locator(".ck-search__list a").first.get_attribute("href")
        assert href.startswith(base + "thu-tuc/")
        page.goto(href)
        assert page.inner_text("article h1") in titles
    page = browser.new_page()
    page.goto((directory / "tim-kiem" / "index.html").as_uri() + "?q=dang+ky")
    page.wait_for_function("document.querySelector('[data-ck-status]').textContent.includes('file://')")


def test_an_embed_pasted_into_another_page_under_a_sub_path(site, browser, tmp_path):
    """On a phone, the «Nhúng» control of the statistics page, served under a sub-path, copies an <iframe> code whose
    address is the embed's, absolute; pasted into a page of another origin, it shows the chart drawn by Plotly and
    nothing of the site's furniture, fetches nothing from any other host, and passes axe. Without script the embed
    page shows its table."""
    directory, _ = site
    with under_sub_path(directory, tmp_path) as base:
        context = browser.new_context(**VIEWPORTS["phone"])
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "thong-ke/", wait_until="load")
        control = page.locator("[data-ck-embed='../nhung/theo-cap/']")
        control.locator("summary").click()
        assert control.locator("[data-ck-embed-hint]").is_hidden()
        control.locator("[data-ck-embed-copy]").click()
        page.wait_for_function("document.querySelector('[data-ck-embed-status]').textContent === 'Đã chép mã.'")
        code = page.evaluate("navigator.clipboard.readText()")
        assert code == control.locator("textarea").input_value()
        src = re.search(r'<iframe src="([^"]+)"', code)[1]
        assert src == base + "nhung/theo-cap/"
        page.set_content(f"<!doctype html><html lang='vi'><meta name='viewport' content='width=device-width'>"
                         f"<title>Trang của đơn vị</title><main>{code}</main>")
        frame = page.frame_locator("iframe")
        frame.locator(".main-svg").first.wait_for(timeout=20_000)
        assert frame.locator("h1").inner_text().startswith("Tỷ lệ giải quyết đúng hạn theo cấp")
        assert frame.locator("header, nav, footer, form, .md-header").count() == 0
        embed = next(f for f in page.frames if f.url == src)
        assert embed.evaluate("document.documentElement.scrollWidth <= innerWidth")
        embed.add_script_tag(path=str(AXE))
        result = embed.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                                "resultTypes: ['violations']})", AXE_TAGS)
        assert [v["id"] for v in result["violations"]] == []
        assert errors == []
        assert [u for u in requests if not u.startswith(base)] == []
        context.close()
        plain = browser.new_context(java_script_enabled=False, **VIEWPORTS["phone"])
        page = plain.new_page()
        page.goto(src, wait_until="load")
        assert page.locator("table tbody tr").count() == 3 and page.locator("table").is_visible()
        assert page.locator("[data-ck-chart]").inner_text() == "Biểu đồ cần JavaScript; số liệu có trong bảng dưới."
        plain.close()


def test_a_scorecard_embed_draws_its_trend_without_script(served, browser):
    """A scorecard's embed is drawn by the build: with script off, on a phone, its chart and table show."""
    page = browser.new_context(java_script_enabled=False, **VIEWPORTS["phone"]).new_page()
    page.goto(served + "nhung/linh-vuc/dat-dai/tong/", wait_until="load")
    line = page.locator(".ck-chart svg polyline")
    assert line.bounding_box()["width"] > 200 and page.locator("table tbody tr").count() == 12
    assert page.locator("header, nav, footer, form").count() == 0
    page.context.close()


def test_the_indicators_table_sorts_by_any_column(served, browser):
    """On a phone, a column heading of the indicators page sorts the units by it, up then down; units the
    indicator cannot be computed for stay last."""
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(served + "thong-ke/chi-so-766/", wait_until="load")
    headings = page.eval_on_selector_all("table[data-ck-sortable] thead th", "ths => ths.map(th => th.textContent)")
    column = f"table[data-ck-sortable] tbody td:nth-child({headings.index('2.1') + 1})"

    def values() -> list[str]:
        return page.eval_on_selector_all(column, "cells => cells.map(c => c.getAttribute('data-ck-value'))")

    heading = page.get_by_role("button", name="2.1")
    for order in ("ascending", "descending"):
        heading.click()
        shown = values()
        known = [float(v) for v in shown if v]
        assert known == sorted(known, reverse=order == "descending") and len(known) > 10
        assert shown[len(known):] == [""] * (len(shown) - len(known))
        assert page.get_attribute("th:has(> button.ck-sort:text-is('2.1'))", "aria-sort") == order
    page.close()


def test_the_changes_narrow_to_a_kind_of_change(served, browser):
    """On a phone, /thay-doi/'s filters narrow the changes to one kind; the count says how many are shown."""
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(served + "thay-doi/", wait_until="load")
    rows = page.locator("[data-ck-changes] tbody tr")
    total = rows.count()
    page.click("form[data-ck-change-filter] summary")  # the filters fold on a phone, as the list's do
    page.select_option("form[data-ck-change-filter] select[name=kind]", "fee")
    shown = page.locator("[data-ck-changes] tbody tr:not([hidden])")
    assert 0 < shown.count() < total
    assert set(shown.evaluate_all("rows => rows.map(r => r.dataset.kind)")) == {"fee"}
    assert page.inner_text("[data-ck-change-count]") == f"{shown.count()} trên {total} thay đổi."
    page.close()


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
    header_search(page, "dang ky ket hon")  # its time is measured by bench/search_cost.py, not asserted here
    files = [directory / u[len(served):].split("?")[0] for u in fetched] + [directory / "assets/congkhai.js"]
    size = sum(len(gzip.compress(f.read_bytes())) for f in files)
    assert all("chi-muc" in u for u in fetched)
    assert size <= 300_000, size


# ---- Pages on a phone, the list's filters, a procedure page, accessibility -----------------------------------

PAGES = ["", "thu-tuc/", "thu-tuc/1.000894/", "thong-ke/", "thong-ke/kiem-tra/", "tim-kiem/?q=dang+ky+ket+hon",
         "thong-ke/chi-so-766/", "co-quan/uy-ban-nhan-dan-xa-phuong-thi-tran/", "thay-doi/"]


def ready(page, path: str) -> None:
    """What a page adds after it has loaded is there: search results, the statistics page's charts."""
    if path.startswith("tim-kiem/"):
        page.wait_for_selector("[data-ck-list] a")
    if path in ("thong-ke/", "thong-ke/chi-so-766/"):
        draw_every_chart(page)


@pytest.mark.parametrize("path", PAGES)
def test_phone_viewport_has_no_horizontal_scroll(served, browser, path):
    page = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto(served + path, wait_until="load")
    ready(page, path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.is_visible("#ck-q")  # the search box stays in the header on a phone


def open_data(site) -> list[dict]:
    """The catalogue as the open data publishes it (du-lieu/thu-tuc.json): what the list's results are checked
    against, made from the procedures themselves, not from the list's data."""
    directory, _ = site
    return json.loads((directory / "du-lieu/thu-tuc.json").read_text(encoding="utf-8"))


def name_matches(name: str, query: str) -> bool:
    """The list filter's rule, in Python: each typed word, folded, starts a folded word of the name."""
    typed = [w for token in query.split() for w in words(fold(token))]
    folded = [fold(w) for w in words(name)]
    return all(any(w.startswith(t) for w in folded) for t in typed)


def list_settled(page) -> None:
    """Until the list shows what its filters say (the whole list loaded, if it was needed)."""
    page.wait_for_function("""() => !document.querySelector('[data-ck-items]').hasAttribute('aria-busy') &&
        !document.querySelector('[data-ck-count]').textContent.startsWith('Đang tải')""")


def list_results(page) -> list[str]:
    """Every entry the list shows for its filters, pressing «Xem thêm thủ tục» while it is offered: their hrefs."""
    list_settled(page)
    while page.is_visible("[data-ck-next]"):
        count = page.locator("[data-ck-items] > li").count()
        page.click("[data-ck-next]")
        page.wait_for_function("n => document.querySelectorAll('[data-ck-items] > li').length > n", arg=count)
    return page.eval_on_selector_all("[data-ck-items] > li > a", "as => as.map(a => a.href)")


def test_list_filters_narrow_and_keep_their_state_in_the_url(served, browser, site):
    records = open_data(site)
    page = browser.new_page()
    page.goto(served + "thu-tuc/", wait_until="load")
    page.select_option("select[name=level]", "xa")
    page.select_option("select[name=field]", label=page.eval_on_selector(
        "select[name=field] option[value=ho-tich]", "o => o.textContent"))
    expected = {served + r["url"] for r in records if "xa" in r["levels"] and r["field"] == "Hộ tịch"}
    hrefs = list_results(page)
    assert set(hrefs) == expected and len(hrefs) == len(expected) and 0 < len(expected) < len(records)
    assert "level=xa" in page.url and "field=ho-tich" in page.url
    page.fill("form.ck-filters input[name=q]", "KET HON")
    kethon = {served + r["url"] for r in records if "xa" in r["levels"] and r["field"] == "Hộ tịch"
              and name_matches(r["name"], "ket hon")}
    assert set(list_results(page)) == kethon and kethon
    page.reload(wait_until="load")  # the URL brings the same view back
    assert page.input_value("select[name=level]") == "xa"
    assert set(list_results(page)) == kethon


@pytest.mark.parametrize("device", VIEWPORTS)
def test_list_shows_its_first_page_and_pages_through_all(served, browser, site, device):
    """The list of all procedures comes with its first entries and nothing else; «Xem thêm thủ tục» fetches the
    whole list once and shows it a page at a time, to the last procedure, each once."""
    directory, _ = site
    page = browser.new_page(**VIEWPORTS[device])
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(served + "thu-tuc/", wait_until="load")
    assert page.locator("[data-ck-items] > li").count() == LIST_PAGE
    assert page.inner_text("[data-ck-count]") == f"1.597 thủ tục, hiển thị {LIST_PAGE} đầu tiên"
    counted = first_load(directory, "thu-tuc/")
    files = {(directory / u[len(served):].split("?")[0]).resolve() for u in fetched}
    assert {f / "index.html" if f.is_dir() else f for f in files} <= set(counted)
    assert gzipped_size(counted) <= OTHER_PAGE_BUDGET
    first = page.eval_on_selector_all("[data-ck-items] > li > a", "as => as.map(a => a.href)")
    page.click("[data-ck-next]")
    list_settled(page)
    assert page.locator("[data-ck-items] > li").count() == 2 * LIST_PAGE
    # The keyboard goes on from the first new entry.
    assert page.evaluate("document.activeElement.href") == page.locator("[data-ck-items] > li > a").nth(
        LIST_PAGE).evaluate("a => a.href")
    if device == "desktop":  # paging on to the last procedure is the same script on both: done once, on the phone
        assert sum(u.split("?")[0].endswith(LIST_DATA) for u in fetched) == 1
        return
    hrefs = list_results(page)
    assert hrefs[:LIST_PAGE] == first
    assert len(hrefs) == len(set(hrefs)) and set(hrefs) == {served + r["url"] for r in open_data(site)}
    assert page.inner_text("[data-ck-count]") == "1.597 thủ tục" and page.is_hidden("[data-ck-next]")
    assert sum(u.split("?")[0].endswith(LIST_DATA) for u in fetched) == 1
    page.close()


def test_list_without_script_shows_its_first_page_and_where_the_rest_is(served, browser):
    context = browser.new_context(java_script_enabled=False, **VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(served + "thu-tuc/")
    assert page.locator("[data-ck-items] > li > a").count() == LIST_PAGE
    assert page.is_hidden("[data-ck-next]")  # a button that needs the script is not offered
    for where in ("../linh-vuc/", "../co-quan/", "../du-lieu/"):
        assert page.is_visible(f"[data-ck-listing] a[href='{where}']"), where
    context.close()


def test_list_filters_cover_procedures_beyond_the_first_page(served, browser, site):
    """On a phone: the text and level filters find every procedure of the catalogue that they match, not only
    among the entries the page came with, with the count of matches in the live status line."""
    records = open_data(site)
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(served + "thu-tuc/", wait_until="load")
    first = set(page.eval_on_selector_all("[data-ck-items] > li > a", "as => as.map(a => a.href)"))
    page.fill("form.ck-filters input[name=q]", "ket hon")
    expected = {served + r["url"] for r in records if name_matches(r["name"], "ket hon")}
    assert set(list_results(page)) == expected and expected - first
    assert page.inner_text("[data-ck-count]") == f"{len(expected)} trên 1.597 thủ tục khớp bộ lọc"
    assert page.get_attribute("[data-ck-count]", "aria-live") == "polite"
    page.fill("form.ck-filters input[name=q]", "")
    page.click("[data-ck-more] summary")  # the extra filters, folded on a phone
    page.select_option("select[name=level]", "xa")
    at_commune = {served + r["url"] for r in records if "xa" in r["levels"]}
    list_settled(page)
    assert page.locator("[data-ck-items] > li").count() == LIST_PAGE < len(at_commune)
    assert page.inner_text("[data-ck-count]") == (
        f"{format_number(len(at_commune))} trên 1.597 thủ tục khớp bộ lọc, hiển thị {LIST_PAGE} đầu tiên")
    hrefs = list_results(page)
    assert len(hrefs) == len(set(hrefs)) and set(hrefs) == at_commune
    page.close()


def test_procedure_page(served, browser):
    page = browser.new_page()
    page.goto(served + "thu-tuc/1.000894/", wait_until="load")
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
    page.goto(served + "thu-tuc/1.000894/", wait_until="load")
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
    page.goto(served + "thu-tuc/1.000894/", wait_until="load")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("button[data-ck-print]")
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer", "#ck-q",
                   "button[data-ck-print]", "nav.ck-jump", ".ck-notes", "#trinh-tu", "#can-cu"):
        assert not page.locator(chrome).first.is_visible(), chrome
    # Its document names are cut short on the page: the printout says so and where the whole names are.
    for kept in ("article h1", ".ck-proc-code", ".ck-proc-agency", ".ck-channels table", "ul.ck-documents",
                 ".ck-note--print"):
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
         "co-quan/uy-ban-nhan-dan-xa-phuong-thi-tran/", "thong-ke/", "thong-ke/chi-so-766/", "thong-ke/kiem-tra/",
         "thay-doi/", "thu-tuc/1.999902/", "du-lieu/", "gioi-thieu/",
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


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # WCAG 2.2 at level AA (issue #13)
# The scorecard of a field, and an embed of one (its trend drawn by the build), on a phone.
AXE_PAGES = KINDS + ["linh-vuc/", "co-quan/", "du-lieu/tu-dien/", "du-lieu/phuong-phap/", "linh-vuc/dat-dai/",
                     "nhung/linh-vuc/dat-dai/tong/"]


@pytest.mark.parametrize("width, height", [(375, 812), (1366, 900)])
def test_no_accessibility_violation_on_any_page_kind(served, browser, width, height):
    """axe-core with the rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA finds no violation, whatever its impact,
    on each kind of page, on a phone and on a desktop: search results shown, the statistics page's charts drawn.
    The desktop scan leaves out the pages whose template another page of the list shares (the index of agencies
    is the index of fields', the dictionary and methodology are Markdown pages like the about page)."""
    phone = width < 500
    page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    found = {}
    for path in AXE_PAGES if phone else KINDS + ["linh-vuc/"]:
        page.goto(served + path, wait_until="load")
        ready(page, path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                               "resultTypes: ['violations']})", AXE_TAGS)
        found |= {(path, v["id"], v["impact"]): [n["target"] for n in v["nodes"]][:3] for v in result["violations"]}
    assert found == {}
    page.close()


SHIFTS = """window.__shifts = [];
    new PerformanceObserver(list => list.getEntries().forEach(e => e.hadRecentInput || window.__shifts.push(e.value)))
        .observe({type: 'layout-shift', buffered: true});"""


def test_nothing_moves_when_results_or_charts_arrive(served, browser):
    """On a phone, the search results arriving after the page is shown and the charts drawn as they come near move
    nothing already on screen (the browser's layout-shift entries: Lighthouse's CLS)."""
    page = browser.new_page(**VIEWPORTS["phone"])
    page.add_init_script(SHIFTS)
    page.goto(served + "tim-kiem/?q=dang+ky+ket+hon", wait_until="load")
    page.wait_for_selector("[data-ck-list] a")
    assert page.evaluate("window.__shifts") == []
    page.goto(served + "thong-ke/", wait_until="load")
    draw_every_chart(page)
    assert page.evaluate("window.__shifts") == []
    page.close()


# ---- Findings a journalist can check; numbers that agree; search spellings (issue #13) ------------------------

@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_findings_mark_leads_to_its_findings(served, browser, device):
    """Each «⚠ N» of the statistics page links to an anchor of the findings page that lists exactly N findings;
    following one scrolls its findings into view, and their published / recomputed / difference figures are on
    screen without scrolling sideways."""
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(served + "thong-ke/", wait_until="load")
    marks = page.eval_on_selector_all("table a[href*='kiem-tra/#']", """as => as.map(a => [
        a.getAttribute('href').split('#')[1], Number(a.textContent.replace('⚠', '').trim())])""")
    assert len(marks) > 10
    page.goto(served + "thong-ke/kiem-tra/", wait_until="load")
    listed = page.evaluate("""ids => ids.map(id => { const el = document.getElementById(id);
        return el ? el.querySelectorAll('[data-ck-finding]').length : -1; })""", [anchor for anchor, _ in marks])
    assert listed == [n for _, n in marks]
    width = VIEWPORTS[device]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    figures = page.eval_on_selector_all(".ck-finding__figures dd", "ds => ds.map(d => d.getBoundingClientRect().right)")
    assert len(figures) == 3 * page.locator("li.ck-finding").count() and max(figures) <= width
    # Following a mark of a published row, in the browser: its row of findings is on screen.
    page.goto(served + "thong-ke/", wait_until="load")
    mark = page.locator("#da-cong-bo ~ .ck-table-wrap a[href*='kiem-tra/#']").first
    anchor = mark.get_attribute("href").split("#")[1]
    mark.click()
    page.wait_for_url(f"**/thong-ke/kiem-tra/#{anchor}")
    page.wait_for_function("id => { const el = document.getElementById(id), r = el && el.getBoundingClientRect(); "
                           "return r && r.top >= 0 && r.top < window.innerHeight; }", arg=anchor)
    card = page.locator(f"[id='{anchor}'] li.ck-finding").first
    assert card.locator(".ck-finding__sum").inner_text().count("≠") == 1
    page.close()


def all_results(page, served: str, query: str) -> tuple[list[str], list[str]]:
    """Every result of the results page for QUERY (pressing «Xem thêm kết quả» while it shows): hrefs, titles."""
    page.goto(served + "tim-kiem/?q=" + query, wait_until="load")
    page.wait_for_function("() => /kết quả|Không/.test(document.querySelector('[data-ck-status]').textContent)")
    while page.is_visible("[data-ck-more]"):
        count = page.locator("[data-ck-list] li").count()
        page.click("[data-ck-more]")
        page.wait_for_function("n => document.querySelectorAll('[data-ck-list] li').length > n", arg=count)
    links = page.locator("[data-ck-list] a")
    return links.evaluate_all("as => as.map(a => a.href)"), links.all_inner_texts()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_list_filter_matches_word_starts_as_search_does(served, browser, device):
    page = browser.new_page(**VIEWPORTS[device])
    hrefs, titles = all_results(page, served, "kết hôn")
    found = sorted(h for h in hrefs if "/thu-tuc/" in h)
    assert found and not any("không" in t.lower() for t in titles)
    page.goto(served + "thu-tuc/", wait_until="load")
    page.fill("form.ck-filters input[name=q]", "ket hon")
    assert sorted(list_results(page)) == found  # the same procedures, none found inside «không»
    page.fill("form.ck-filters input[name=q]", "1.0008")  # the start of a code
    coded = list_results(page)
    assert coded and all("/thu-tuc/1.0008" in h for h in coded)
    page.close()


def test_no_filter_value_matches_nothing(served, browser):
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(served + "thu-tuc/", wait_until="load")
    page.fill("form.ck-filters input[name=q]", "a")  # the whole list, loaded: from here on a filter applies at once
    list_settled(page)
    page.fill("form.ck-filters input[name=q]", "")
    empty = page.evaluate("""() => {
        const form = document.querySelector('form.ck-filters'), found = [];
        for (const select of form.querySelectorAll('select')) {
          for (const option of select.options) {
            if (!option.value) continue;
            select.value = option.value;
            select.dispatchEvent(new Event('change', {bubbles: true}));
            const shown = document.querySelectorAll('[data-ck-items] > li').length;
            if (!shown) found.push(select.name + '=' + option.value);
          }
          select.value = '';
          select.dispatchEvent(new Event('change', {bubbles: true}));
        }
        return found; }""")
    assert empty == []
    labels = page.eval_on_selector_all("form.ck-filters option", "os => os.map(o => o.textContent)")
    assert not {"Toàn trình", "Một phần", "Cấp huyện"} & set(labels)
    page.close()


def test_ki_and_ky_find_the_same_procedures(home, served, browser):
    assert header_search(home, "đăng kí kết hôn") == header_search(home, "đăng ký kết hôn")
    page = browser.new_page()
    assert all_results(page, served, "đăng kí kết hôn") == all_results(page, served, "đăng ký kết hôn")
    page.close()


def test_more_results_button_only_when_there_are_more(served, browser):
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(served + "tim-kiem/?q=ket+hon", wait_until="load")
    page.wait_for_selector("[data-ck-list] a")
    assert page.locator("[data-ck-list] li").count() < 20 and page.is_hidden("[data-ck-more]")
    page.goto(served + "tim-kiem/?q=giay+phep", wait_until="load")
    page.wait_for_selector("[data-ck-list] a")
    assert page.is_visible("[data-ck-more]")
    total = int(page.inner_text("[data-ck-status]").split()[0].replace(".", ""))
    hrefs, _ = all_results(page, served, "giay+phep")
    assert len(set(hrefs)) == total and page.is_hidden("[data-ck-more]")
    page.close()
