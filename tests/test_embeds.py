"""Embeds (/nhung/<id>/): each chart alone on a standalone page for an <iframe>, and the «Nhúng» control beside it.

Read from the built sample site and from a tiny statistics file with hostile names; what Chromium does with them
(a drawn chart inside an <iframe> on another page, the table without script, the absolute address under a sub-path)
is in test_browser.py."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from markupsafe import Markup

from generator.build import prepare
from generator.charts import build_charts
from generator.embeds import Embed, chart_embed, embed_files
from generator.schema import STATISTICS

from conftest import CHART_PAGE_BUDGET, FIXTURES, TEMPLATES, first_load, gzipped_size, html

THEME = (".md-header", ".md-tabs", ".md-nav", ".md-sidebar", ".md-footer", ".md-search", "header", "nav", "footer",
         "form", "[data-ck-search]")


@pytest.fixture(scope="module")
def sample(sample_build) -> Path:
    return sample_build[0]


def chart_blocks(site: Path) -> list:
    return html(site / "thong-ke/index.html").select("section.ck-chart-block")


def cells(table) -> list[list[str]]:
    return [[td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")]


def test_every_chart_has_an_embed_page_with_only_the_chart_its_table_summary_and_source(sample: Path):
    blocks = chart_blocks(sample)
    assert len(blocks) == 5
    for block in blocks:
        id = block.h2["id"]
        page = html(sample / "nhung" / id / "index.html")
        assert page.html["lang"] == "vi" and page.select_one("meta[name=viewport]")
        assert [selector for selector in THEME if page.select(selector)] == []
        assert not page.select("[class*=md-]") and not page.select("link[href*=material], script[src*=bundle]")
        badge = block.h2.select_one(".ck-badge--synthetic")
        title = block.h2.get_text().removesuffix(badge.get_text() if badge else "").strip()
        assert page.title.get_text() == title
        assert page.h1.get_text().removesuffix("mô phỏng").strip() == title
        summary = block.select_one("p.ck-summary").get_text()
        assert page.select_one("p.ck-summary").get_text() == summary
        assert page.select_one("meta[name=description]")["content"] == summary
        # The chart's rows, as the statistics page shows them (less its column of findings marks).
        assert cells(page.table) == [row[:-1] for row in cells(block.table)]
        header = [th.get_text() for th in block.select("thead th")]
        assert [th.get_text() for th in page.select("thead th")] == header[:-1]
        assert bool(page.select(".ck-badge--synthetic")) == bool(badge) == bool(page.select(".ck-synthetic"))
        source = page.select_one("p.ck-source")
        assert source.get_text().startswith("Nguồn: synthetic: scripts/synthetic_statistics.py")
        back = source.select_one(f'a[href="../../thong-ke/#{id}"]')
        assert back["target"] == "_blank" and "noopener" in back["rel"]
        # Drawn by the site's chart code, with the statistics page's figure.
        chart = page.select_one("[data-ck-chart]")
        assert json.loads(chart["data-ck-figure"]) == json.loads(block.select_one("[data-ck-chart]")["data-ck-figure"])
        assert [s["src"] for s in page.select("script")] == ["../../assets/congkhai.js"]


def test_embed_links_are_relative_and_lead_to_files_of_the_site(sample: Path):
    embeds = sorted((sample / "nhung").rglob("index.html"))
    assert len(embeds) > 20  # the statistics page's charts, the indicators' chart, each scorecard's trend
    for path in embeds:
        root = lxml.html.fromstring(path.read_bytes())
        urls = root.xpath("//@href | //@src | //@data-ck-plotly | //@data-ck-page")
        assert len(urls) >= 3  # icon, stylesheet, the chart on the site (and a CSV, scripts, source links)
        for url in urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc and not parts.path.startswith("/"), (path, url)
            target = (path.parent / parts.path).resolve()
            assert (target / "index.html" if target.is_dir() else target).is_file(), (path, url)


def test_an_embed_loads_little_besides_the_chart_library(sample: Path):
    """An embed's first load (page, stylesheet, script, Plotly) stays within the statistics page's; without Plotly
    it is a few kilobytes plus its table. A chart drawn by the build loads no script at all."""
    for path in sorted((sample / "nhung").rglob("index.html")):
        page = path.parent.relative_to(sample).as_posix() + "/"
        files = first_load(sample, page)
        plotly = {"congkhai.js", "plotly-partial.min.js"} if "data-ck-chart" in path.read_text(encoding="utf-8") \
            else set()
        assert {f.name for f in files} == {"index.html", "favicon.png", "nhung.css"} | plotly
        assert gzipped_size(files) <= CHART_PAGE_BUDGET
        assert gzipped_size([f for f in files if f.name != "plotly-partial.min.js"]) < 30_000


def test_statistics_page_has_one_embed_control_per_chart(sample: Path):
    for block in chart_blocks(sample):
        id = block.h2["id"]
        [control] = block.select("details[data-ck-embed]")
        assert control.summary.get_text() == "Nhúng"
        assert control["data-ck-embed"] == f"../nhung/{id}/"
        assert control.select_one("a")["href"] == f"../nhung/{id}/"
        code = lxml.html.fragment_fromstring(control.textarea.get_text())  # the text to paste, as HTML
        assert code.tag == "iframe" and code.get("src") == f"nhung/{id}/"
        assert code.get("title") == html(sample / "nhung" / id / "index.html").title.get_text()
        assert code.get("loading") == "lazy" and code.get("width") == "100%" and int(code.get("height")) > 200
        assert control.textarea.has_attr("readonly")
        assert f"«nhung/{id}/»" in control.select_one("[data-ck-embed-hint]").get_text()  # without script
        assert control.select_one("button[data-ck-embed-copy]").has_attr("hidden")  # shown by script


HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SOURCE = '"><script>alert(2)</script>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A tiny statistics file whose agency and source names are markup; prepared in memory (no MkDocs)."""
    data = tmp_path_factory.mktemp("embeds") / "data"
    shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir()
    with (data / "statistics" / "stats.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[c.name for c in STATISTICS.input_columns()])
        writer.writeheader()
        for month in (1, 2):
            for agency, source in ((HOSTILE, HOSTILE_SOURCE), ("Sở B", "https://b.example/bao-cao?a=1&b=2")):
                writer.writerow({"period": f"2021-{month:02d}", "level": "tinh", "agency": agency,
                                 "received_online": "10", "received_offline": "5", "resolved_in_time": "9",
                                 "resolved_late": "3" if agency == HOSTILE else "1", "pending_total": "3",
                                 "source": source})
    return prepare(data, TEMPLATES)


def test_embeds_show_the_charts_rows_and_escape_every_value(hostile):
    charts = build_charts(hostile.statistics)
    assert "theo-co-quan" in [c.id for c in charts]
    for chart in charts:
        raw = hostile.files[f"nhung/{chart.id}/index.html"].decode()
        root = lxml.html.document_fromstring(raw)
        assert not root.xpath("//img | //*[@onerror]") and "<script>alert" not in raw
        assert [s.get("src") for s in root.xpath("//script")] == ["../../assets/congkhai.js"]
        assert root.findtext(".//h1").strip() == chart.title
        assert root.xpath("string(//p[@class='ck-summary'])") == chart.summary
        assert [[td.text_content() for td in tr.xpath("td")] for tr in root.xpath("//tbody/tr")] == chart.rows
        assert json.loads(root.xpath("//*[@data-ck-chart]")[0].get("data-ck-figure")) == json.loads(chart.figure)
        source = root.xpath("//p[@class='ck-source']")[0]
        assert HOSTILE_SOURCE in source.text_content()
        linked = source.xpath("a[@rel='noopener nofollow']/@href")
        assert linked == ["https://b.example/bao-cao?a=1&b=2"]
        assert not root.xpath("//*[contains(@class, 'ck-synthetic')]")  # published rows: no «mô phỏng»
    by_agency = lxml.html.document_fromstring(hostile.files["nhung/theo-co-quan/index.html"])
    assert HOSTILE in [td.text_content() for td in by_agency.xpath("//td")]
    assert HOSTILE in by_agency.xpath("string(//p[@class='ck-summary'])")  # named as the lowest
    assert HOSTILE in by_agency.xpath("string(//meta[@name='description']/@content)")
    markdown = hostile.markdown_pages["thong-ke/index.md"]
    assert markdown.count("<details class=\"ck-embed-control\"") == len(charts)


def test_an_embed_of_a_drawing_made_by_the_build_needs_no_script(hostile):
    """For scorecards: a chart drawn as SVG by the build is shown as it is, with its table, and no script."""
    svg = '<svg viewBox="0 0 10 10" role="img" aria-label="x"><polyline points="0,10 10,0"/></svg>'
    embed = Embed(path="nhung/co-quan/so-b/", title=HOSTILE, summary="Tóm tắt.", columns=("Kỳ", "Tỷ lệ"),
                  rows=(("01/2021", "90,00%"),), sources=(), synthetic=True, page_link="co-quan/so-b/#chi-so",
                  height=40, svg=Markup(svg))
    raw = embed_files(hostile.renderer, [embed])["nhung/co-quan/so-b/index.html"].decode()
    root = lxml.html.document_fromstring(raw)
    assert not root.xpath("//script | //img") and root.findtext(".//title") == HOSTILE
    assert root.xpath("//div[@class='ck-chart']/svg/polyline")
    assert root.xpath("//link/@href") == ["../../../assets/images/favicon.png", "../../../assets/nhung.css"]
    assert root.xpath("//p[@class='ck-source']/a/@href") == ["../../../co-quan/so-b/#chi-so"]
    assert "Nguồn: không ghi nguồn." in root.xpath("string(//p[@class='ck-source'])")
    assert root.xpath("//*[@class='ck-synthetic']")
    with pytest.raises(ValueError):
        Embed(path="nhung/x/", title="", summary="", columns=(), rows=(), sources=(), synthetic=False,
              page_link="", height=1, figure="{}")  # a Plotly figure without its picture's extras


def test_chart_embed_keeps_the_charts_own_data(hostile):
    chart = build_charts(hostile.statistics)[0]
    embed = chart_embed(chart)
    assert (embed.path, embed.page_link, embed.csv) == (f"nhung/{chart.id}/", f"thong-ke/#{chart.id}",
                                                         f"thong-ke/{chart.id}.csv")
    assert embed.rows == tuple(map(tuple, chart.rows)) and embed.sources == tuple(chart.sources)
    assert embed.findings == sum(chart.marks) and embed.root == "../../"
