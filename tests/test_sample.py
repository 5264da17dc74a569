"""The bundled real sample (data/) builds in strict mode into a complete site: one page per procedure."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from lxml import etree
from plotly.offline import get_plotlyjs_version

from conftest import (CHART_PAGE_BUDGET, PAGE_KINDS, ROOT, first_load, gzipped_size, heaviest, html, page_budget,
                      TEMPLATES, list_data, read_bom_csv)
from generator.build import PLOTLY_JS, plotly_source
from generator.feeds import ATOM, entry_id
from generator.render import LIST_PAGE


def test_every_sample_procedure_has_a_page(sample_site):
    with (ROOT / "data/catalogue/procedures.csv").open(encoding="utf-8-sig") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(codes) == 1597
    pages = {p.parent.name for p in (sample_site / "thu-tuc").glob("*/index.html")}
    # And the two procedures the sample's history removed keep theirs (data/history/README.md).
    assert pages == set(codes) | {"1.999901", "1.999902"}
    # Their last content is from a constructed version, and their pages say so.
    for code in ("1.999901", "1.999902"):
        assert html(sample_site / f"thu-tuc/{code}/index.html").select_one("[data-ck-removed] .ck-badge--synthetic")
    # The list of all procedures holds the first of them; its script reads the whole list from its data.
    listed = html(sample_site / "thu-tuc/index.html").select("[data-ck-items] > li > a")
    entries = list_data(sample_site)
    assert len(listed) == LIST_PAGE and [a["href"] for a in listed] == [f"{e['code']}/" for e in entries[:LIST_PAGE]]
    assert sorted(e["code"] for e in entries) == sorted(codes)


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_kind_is_light_on_first_load(sample_site, kind):
    """Issue #13: with gzip, the first load of a page that draws a Plotly chart (the statistics and indicators pages,
    a chart's embed) ≤ 450 KB, of every other page ≤ 200 KB."""
    page = heaviest(sample_site, kind)
    assert gzipped_size(first_load(sample_site, page)) <= page_budget(sample_site, page), page


def test_sample_feeds_are_valid_atom_with_an_entry_per_procedure_and_version(sample_site, atom_schema):
    """Issue #16: /thay-doi/feed.xml and each field's and agency's feed are valid Atom 1.0; the feed of all changes
    has one entry per procedure and version date of du-lieu/thay-doi.csv, each with its own id."""
    feeds = {path.relative_to(sample_site).as_posix(): etree.parse(str(path)) for path in sample_site.rglob("feed.xml")}
    assert [path for path, feed in feeds.items() if not atom_schema(feed)] == []
    assert {p.split("/")[0] for p in feeds} == {"thay-doi", "linh-vuc", "co-quan"}
    changes = read_bom_csv(sample_site / "du-lieu/thay-doi.csv")
    entries = feeds["thay-doi/feed.xml"].getroot().findall(f"{{{ATOM}}}entry")
    assert sorted(e.findtext(f"{{{ATOM}}}id") for e in entries) == sorted(
        {entry_id(c["procedure_code"], c["date"]) for c in changes})
    # Every change of the sample compares with a version constructed for it, and every entry says so.
    assert {c["synthetic"] for c in changes} == {"1"}
    assert all(e.findtext(f"{{{ATOM}}}title").startswith("[mô phỏng] ") for e in entries)


def test_sample_gaps_are_published(sample_site):
    data = html(sample_site / "du-lieu/index.html")
    rows = {tr.select("td")[0].get_text(): tr.select("td")[1].get_text() for tr in data.select("#day-du + table tbody tr")}
    assert rows["Thủ tục chưa công bố cơ quan thực hiện"] == "160"
    assert rows["Thời hạn chỉ có số, không có đơn vị"] == "381"
    assert rows["Cách thức không ghi thời hạn"] == "306"
    unassigned = html(sample_site / "co-quan/chua-cong-bo/index.html").select("ul.ck-plist li")
    assert len(unassigned) == 160


def test_sample_open_data_matches_the_input(sample_site):
    raw = (sample_site / "du-lieu/cach-thuc.csv").read_bytes().decode("utf-8-sig")
    channels = list(csv.DictReader(io.StringIO(raw)))
    assert len(channels) == 4572
    assert sum(1 for c in channels if c["time"] and not c["time_days"]) == 381


def test_statistics_page_has_charts_tables_summaries_and_csvs(sample_site):
    page = html(sample_site / "thong-ke/index.html")
    blocks = page.select("section.ck-chart-block")
    assert [b.h2["id"] for b in blocks] == ["theo-cap", "theo-co-quan", "theo-linh-vuc", "xu-huong", "khoi-luong"]
    for block in blocks:
        spec = json.loads(block.select_one("[data-ck-chart]")["data-ck-figure"])
        assert spec["data"] and spec["layout"]["separators"] == ",."
        assert block.select_one("p.ck-summary").get_text().strip().endswith(".")
        rows = block.select("table tbody tr")
        csv_rows = read_bom_csv(sample_site / "thong-ke" / block.select_one("a[download]")["href"])
        assert len(rows) == len(csv_rows) > 0
        assert all(row["Số sai lệch"].isdigit() and row["Mô phỏng"] in ("0", "1") for row in csv_rows)
        assert block.select_one(".ck-badge--synthetic")  # the sample's charts are drawn from synthetic rows
    # Rows built from data with findings are marked, in the table and in the CSV.
    by_level = blocks[0]
    flagged = by_level.select("tr.ck-flagged")
    assert flagged and all(tr.select_one("a[href^='kiem-tra/#bieu-do-theo-cap-']") for tr in flagged)
    # Plotly comes from the site itself and only where there is a chart: the statistics page and its charts' embeds.
    pages_with_plotly = {p.relative_to(sample_site).as_posix() for p in sample_site.rglob("*.html")
                         if PLOTLY_JS.rsplit("/", 1)[1] in p.read_text(encoding="utf-8")}
    assert pages_with_plotly == {"thong-ke/index.html"} | {f"nhung/{b.h2['id']}/index.html" for b in blocks}


def test_statistics_page_loads_a_partial_plotly_and_stays_light(sample_site):
    served = sample_site / PLOTLY_JS
    assert served.read_bytes() == plotly_source().read_bytes()
    text = served.read_text(encoding="ascii")
    # esbuild names each bundled module by its path: of the trace types, only the two the charts draw are in it
    # (the legend uses a few of pie's helpers, not the trace).
    assert set(re.findall(r"node_modules/plotly\.js/src/traces/(\w+)/index\.js", text)) == {"bar", "scatter"}
    # The figures are written by Python plotly for the plotly.js it ships; the bundle is that same version.
    assert re.match(r"/\*! plotly\.js v([\d.]+) ", text).group(1) == get_plotlyjs_version()
    files = first_load(sample_site, "thong-ke/")
    assert served.resolve() in files
    assert gzipped_size(files) <= CHART_PAGE_BUDGET


def test_real_published_rows_are_shown_as_published(sample_site):
    page = html(sample_site / "thong-ke/index.html")
    rows = page.select("#da-cong-bo ~ div table tbody tr")
    assert len(rows) == 11
    lam_dong = next(tr for tr in rows if "Tỉnh Lâm Đồng" in tr.get_text())
    cells = [td.get_text() for td in lam_dong.select("td")]
    assert cells[2:6] == ["659.245", "643.272", "635.593", "7.677"] and cells[7] == "98.81"
    assert "ck-flagged" in lam_dong["class"]


def test_findings_page_and_files_agree(sample_site):
    findings = read_bom_csv(sample_site / "du-lieu/kiem-tra.csv")
    assert list(findings[0])[:10] == ["check", "period", "level", "agency", "field", "procedure_code", "column",
                                      "published", "expected", "difference"]
    page = html(sample_site / "thong-ke/kiem-tra/index.html")
    cards = page.select("li.ck-finding")
    assert len(cards) == len(findings)
    assert {f["check"] for f in findings} == {"received_sum", "resolved_sum", "in_time_sum", "pending_sum", "balance",
                                               "carry_over", "rate", "rollup"}
    lam_dong = [f for f in findings if f["period"] == "2019-12-01..2020-02-29" and f["check"] == "resolved_sum"]
    assert [(f["published"], f["expected"], f["difference"], f["synthetic"], f["arithmetic"]) for f in lam_dong] == [
        ("643272", "643270", "2", "0", "635.593 + 7.677 = 643.270 ≠ 643.272")]
    assert lam_dong[0]["terms"] == "trước và đúng hạn: 635.593; quá hạn: 7.677; tổng đã giải quyết: 643.272"
    # The card: the check's Vietnamese name with its code, the three figures, the arithmetic and its terms, the
    # row's source as a link and its note.
    card = next(c for c in cards if "635.593 + 7.677 = 643.270 ≠ 643.272" in c.get_text())
    assert card.select_one(".ck-finding__name").get_text().startswith(
        "Tổng đã giải quyết không bằng tổng các thành phần (resolved_sum)")
    assert [d.get_text() for d in card.select(".ck-finding__figures dd")] == ["643.272", "643.270", "2"]
    row = card.find_parent("section")
    assert row.select_one(".ck-meta a[href^='https://']")
    assert "statistics/published-2019-2021.csv:" in row.select_one(".ck-meta").get_text()
    rate = next(c for c in cards if "(rate)" in c.get_text())
    assert rate.select_one(".ck-finding__sum").get_text() == "118 / 118 × 100 = 100,00% ≠ 98,50%"
    summary = [li.get_text() for li in page.select("ul.ck-checks li")]
    assert len(summary) == 8 and summary[0].startswith("Tổng số nhận không bằng tổng các thành phần (received_sum)")
    as_json = json.loads((sample_site / "du-lieu/kiem-tra.json").read_text(encoding="utf-8"))
    assert len(as_json) == len(findings)


def test_findings_marks_lead_to_exactly_their_findings(sample_site):
    """Each «⚠ N» of the statistics page links to an anchor of the findings page holding N findings."""
    page = html(sample_site / "thong-ke/index.html")
    findings = html(sample_site / "thong-ke/kiem-tra/index.html")
    marks = [a for a in page.select("table a") if a.get_text().startswith("⚠")]
    assert len(marks) > 10
    for mark in marks:
        path, anchor = mark["href"].split("#")
        assert path == "kiem-tra/"
        target = findings.find(id=anchor)
        assert target is not None and len(target.select("[data-ck-finding]")) == int(mark.get_text().split()[1]), (
            mark["href"])


def test_agencies_are_each_executing_agency_once(sample_site):
    """A combined agency cell puts its procedure on the page of each agency; spellings that differ only in case or
    punctuation are one page, named with the most common spelling."""
    agencies = html(sample_site / "co-quan/index.html")
    names = [a.get_text() for a in agencies.select("ul.ck-glist a")]
    assert len(names) == 187  # 186 agencies and the page of procedures without one
    assert not any(", Bộ Quốc phòng" in n or ", Cục Hàng hải" in n for n in names)  # no combinations
    assert sum(n.lower() == "văn phòng đăng ký đất đai" for n in names) == 1
    office = html(sample_site / "co-quan/van-phong-dang-ky-dat-dai/index.html")
    assert office.select_one("article h1").get_text() == "Văn phòng đăng ký đất đai"
    # 7 procedures name it alone (in two spellings), 29 with other agencies.
    assert len(office.select("ul.ck-plist li")) == 36
    home = html(sample_site / "index.html").select_one(".ck-figures").get_text(" ")
    assert "186 cơ quan thực hiện" in " ".join(home.split())
    listed = html(sample_site / "thu-tuc/index.html")
    assert len(listed.select("select[name=agency] option")) == 188  # Tất cả, 186 agencies, chưa công bố
    combined = next(e for e in list_data(sample_site) if len(e["agency"]) >= 4)  # the list's agency filter
    page = html(sample_site / "thu-tuc" / combined["code"] / "index.html")
    links = page.select("dl.ck-facts dd a[href^='../../co-quan/']")
    assert [a["href"].split("/")[-2] for a in links] == combined["agency"]


def test_online_means_the_same_on_every_page(sample_site):
    """The sample publishes no `online` column: home, list filter and procedure pages all read the channels."""
    home = html(sample_site / "index.html").select_one(".ck-figures").get_text(" ")
    assert "1.339 thủ tục nộp được trực tuyến (theo cách thực hiện)" in " ".join(home.split())
    listed = html(sample_site / "thu-tuc/index.html")
    entries = list_data(sample_site)  # what the list's filters compare
    assert sum(e["online"] == ["truc_tuyen"] for e in entries) == 1339
    assert sum("truc_tuyen" in e["channel"] for e in entries) == 1339
    # A filter offers only values some procedure has: no «Toàn trình», «Một phần» or «Cấp huyện» here.
    offered = {s["name"]: [o["value"] for o in s.select("option") if o["value"]] for s in listed.select("select")}
    assert offered["online"] == ["truc_tuyen", "khong_truc_tuyen"] and offered["level"] == ["bo", "tinh", "xa", "khac"]
    for name in ("level", "channel", "online"):
        for value in offered[name]:
            assert any(value in e[name] for e in entries), (name, value)
    kethon = html(sample_site / "thu-tuc/1.000894/index.html")
    facts = {dt.get_text(): dd.get_text() for dt, dd in zip(kethon.select("dl.ck-facts dt"), kethon.select("dl.ck-facts dd"))}
    assert facts["Dịch vụ công trực tuyến"].startswith("Nộp được trực tuyến (theo cách thực hiện)")


def test_statistics_open_data(sample_site):
    rows = read_bom_csv(sample_site / "du-lieu/thong-ke.csv")
    assert len(rows) == 4475  # 11 published, 1.368 synthetic, 3.096 computed from the synthetic dossier log
    columns = list(rows[0])
    for name in ("period", "level", "agency", "received_total", "on_time_rate", "source", "synthetic",
                 "on_time_rate_calc", "online_share", "overdue_share", "findings"):
        assert name in columns
    lam_dong = next(r for r in rows if r["period"] == "2019-12-01..2020-02-29" and r["level"] == "tong")
    assert lam_dong["on_time_rate_calc"] == "98.81" and lam_dong["synthetic"] == "0"
    assert (lam_dong["received_total"], lam_dong["received_online"], lam_dong["on_time_rate"]) == ("659245", "", "98.81")
    assert {r["period"] for r in rows} >= {"2021-Q3", "2021-09", "2024-01", "2025-12"}
    assert sum(r["synthetic"] == "1" for r in rows) == 4464
    assert len(json.loads((sample_site / "du-lieu/thong-ke.json").read_text(encoding="utf-8"))) == 4475


def test_every_link_and_anchor_of_the_sample_site_resolves(sample_build):
    """Every page, read from disk: each internal link or resource exists, each #anchor exists in its target page,
    nothing is loaded from another host, and the only links to another host are URLs published in the data or
    configured for the footer (mkdocs.yml, extra.publisher).
    Links to the site's own address (its site_url: canonical links, and the 404 page's links, which must work at any
    depth) are the site's own pages and must exist too.
    (tests/test_cli.py serves the small site under a sub-path; this walks all 1,600+ pages of the sample.)"""
    sample_site, own_address = sample_build
    import posixpath
    from urllib.parse import unquote, urlsplit

    import lxml.html
    import yaml

    with (ROOT / "data/catalogue/procedures.csv").open(encoding="utf-8-sig") as f:
        published = {row["source_url"].strip() for row in csv.DictReader(f)}
    with (ROOT / "data/catalogue/documents.csv").open(encoding="utf-8-sig") as f:
        published |= {row["form"].strip() for row in csv.DictReader(f)}
    for path in (ROOT / "data/statistics").glob("*.csv"):
        with path.open(encoding="utf-8-sig") as f:
            published |= {row["source"].strip() for row in csv.DictReader(f)}
    publisher = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["publisher"]
    published |= {publisher["licence_url"], publisher["portal_url"]}

    anchors: dict[str, set[str]] = {}
    links: list[tuple[str, str, str, str]] = []  # (page, tag, attribute, url)
    for path in sample_site.rglob("*.html"):
        page = path.relative_to(sample_site).as_posix()
        root = lxml.html.document_fromstring(path.read_bytes())
        anchors[page] = set(root.xpath("//@id")) | set(root.xpath("//a/@name"))
        for el in root.iter("a", "link", "script", "img", "iframe", "source", "form", "area"):
            for attribute in ("href", "src", "action"):
                if el.get(attribute) is not None:
                    links.append((page, el.tag, attribute, el.get(attribute).strip()))
    assert len(anchors) > 1600

    broken, foreign, fragments = [], [], 0
    for page, tag, attribute, url in links:
        own = url.startswith(own_address)
        if own:
            url = "/" + url[len(own_address):]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if not (tag == "a" and parts.scheme in ("http", "https") and url in published):
                foreign.append((page, tag, url))
            continue
        target = page
        if parts.path.startswith("/") and page != "404.html" and not own:
            broken.append((page, url, "absolute path: breaks under a sub-path"))
            continue
        if parts.path:
            # 404.html is served at any URL, so MkDocs makes its links absolute from the site root (README).
            base = "" if parts.path.startswith("/") else posixpath.dirname(page)
            target = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/")))
            if target.startswith(".."):
                broken.append((page, url, "outside the site"))
                continue
            if (sample_site / target).is_dir():
                target = posixpath.join(target, "index.html") if target != "." else "index.html"
            if not (sample_site / target).is_file():
                broken.append((page, url, "no such file"))
                continue
        if parts.fragment and target.endswith(".html"):
            fragments += 1
            if unquote(parts.fragment) not in anchors.get(target, set()):
                broken.append((page, url, "no such anchor"))
    assert broken == [], broken[:30]
    assert foreign == [], foreign[:30]
    assert len(links) > 50_000 and fragments > 10_000


def test_check_on_the_sample_groups_its_warnings(capsys):
    """`congkhai check` on data/: warnings grouped by kind and column with counts; --verbose lists every one."""
    import re

    from generator.cli import main

    def check(*extra: str) -> list[str]:
        capsys.readouterr()
        assert main(["check", "--data", str(ROOT / "data"), *extra]) == 0
        return capsys.readouterr().err.splitlines()

    grouped = check()
    assert grouped[-1] == "Hợp lệ: 1.597 thủ tục, không có lỗi."
    total = int(re.fullmatch(r"([\d.]+) cảnh báo; `congkhai check --verbose` liệt kê từng cảnh báo\.",
                             grouped[-2])[1].replace(".", ""))
    counts = [int(m[1].replace(".", "")) for line in grouped
              if (m := re.match(r"\s*([\d.]+) × \S+: .+ \[\w+\]$", line))]
    assert sum(counts) == total > 1000 and len(grouped) < 60
    assert "   381 × catalogue/channels.csv:time: thời hạn chỉ có số, không có đơn vị [time_no_unit]" in grouped
    assert sum(line.lstrip().startswith("ví dụ: ") for line in grouped) <= 3 * len(counts)

    every = check("--verbose")
    assert len(every) == total + 1
    assert all(re.match(r"(catalogue|statistics)/\S+:\d+:\w+: .+ \[\w+\]$", line) for line in every[:-1])


def test_procedure_pages_stay_light_and_long_texts_are_whole_on_a_full_text_page(sample_site):
    """Every procedure page is at most 60 KB (issue #6), its statistics section included; sections too long for
    that are whole on thu-tuc/<code>/toan-van/."""
    from generator.build import prepare
    from generator.render import has_full_text, long_sections

    sizes = {p.parent.name: p.stat().st_size for p in sample_site.glob("thu-tuc/*/index.html")}
    assert len(sizes) == 1597 + 2 and max(sizes.values()) <= 60 * 1024  # with the 2 removed procedures
    procedures = list(prepare(ROOT / "data", TEMPLATES).renderer.procedures.values())
    with_full_text = [p for p in procedures if has_full_text(p)]
    assert sorted(p.parent.parent.name for p in sample_site.glob("thu-tuc/*/toan-van/index.html")) == sorted(
        p.code for p in with_full_text)
    longest = max(procedures, key=lambda p: len(p.conditions))
    assert len(longest.conditions) > 40_000
    full = html(sample_site / "thu-tuc" / longest.code / "toan-van" / "index.html")
    assert full.select_one("#dieu-kien + .ck-text").get_text() == longest.conditions
    page = html(sample_site / "thu-tuc" / longest.code / "index.html")
    assert page.select_one('p.ck-note a[href="toan-van/#dieu-kien"]') is not None
    assert ("dieu-kien", longest.conditions) in long_sections(longest)


def test_guidance_notes_are_not_counted_as_documents(sample_site):
    """Thủ tục đăng ký kết hôn: its document rows with 0 originals and 0 copies are notes, after its documents."""
    with (ROOT / "data/catalogue/documents.csv").open(encoding="utf-8-sig") as f:
        rows = [row for row in csv.DictReader(f) if row["procedure_code"] == "1.000894"]
    documents = [r for r in rows if (r["originals"], r["copies"]) != ("0", "0")]
    assert len(documents) == 4 and len(rows) - len(documents) == 19
    page = html(sample_site / "thu-tuc/1.000894/index.html")
    summary = page.select_one('dl.ck-answers [data-ck-fact="documents"] dd').get_text(" ", strip=True)
    assert summary == "4 giấy tờ và 19 lưu ý"
    listed = page.select("#ho-so ~ ul.ck-documents > li")
    assert len(listed) == 4 and all(li.p.get_text() == "Bản chính: 1 · Bản sao: 0" for li in listed)
    assert "Bản chính: 0" not in page.get_text()
    notes = page.select(".ck-notes li")
    assert len(notes) == 19
    # The notes come after the last document.
    assert listed[-1].find_next("div", class_="ck-notes") is not None


def test_provenance_is_in_vietnamese(sample_site):
    page = html(sample_site / "du-lieu/index.html")
    provenance = page.select_one("#nguon-goc").find_all_next(["h2", "h3"])
    headings = [h.get_text().removesuffix("¶") for h in provenance]
    assert headings[:4] == ["Dữ liệu mẫu", "catalogue/ — dữ liệu thật, 1.597 thủ tục",
                            "statistics/published-2019-2021.csv — dữ liệu thật, 11 dòng",
                            "statistics/synthetic-2024-2025.csv — MÔ PHỎNG, 1.368 dòng"]
    text = page.select_one("article").get_text()
    assert "dichvucong.gov.vn" in text and "Số liệu bịa ra, không do ai công bố." in text
    for english in ("Sample data", "Copied unchanged", "Known flaws", "Invented figures"):
        assert english not in text
