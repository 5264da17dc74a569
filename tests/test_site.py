"""End to end: the real build (MkDocs strict mode) of the small fixture, checked through the published HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from conftest import FIXTURES, ROOT, html, list_data
from generator.build import PLOTLY_JS
from generator.embeds import EMBED_DIR

FIXTURE_CODES = ["1.001193", "1.000894", "2.002000", "1.004000"]


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_every_procedure_page_shows_its_documents_and_channels(small_site):
    expected_docs = {}
    for row in read_csv_plain(FIXTURES / "small/catalogue/documents.csv"):
        expected_docs.setdefault(row["procedure_code"], []).append(row["name"])
    expected_channels = {}
    for row in read_csv_plain(FIXTURES / "small/catalogue/channels.csv"):
        expected_channels.setdefault(row["procedure_code"], []).append((row["time"], row["fee"]))
    # What was read from each time and fee, shown beside the verbatim text (nothing for a free or unread fee).
    readings = {
        "1.001193": [["5 ngày làm việc", "10.000 đồng"], ["1 ngày làm việc"]],
        "1.000894": [["3 ngày làm việc"]],
        "2.002000": [["15 ngày theo lịch", "120.000 đồng"]],
        "1.004000": [["không ghi đơn vị"]],
    }
    for code in FIXTURE_CODES:
        page = html(small_site / "thu-tuc" / code / "index.html")
        assert page.select_one("dl.ck-facts code").get_text() == code
        rows = page.select(".ck-channels table tbody tr")
        assert [[r.extract().get_text() for r in tr.select(".ck-reading")] for tr in rows] == readings[code]
        docs = [div.get_text() for div in page.select("ul.ck-documents > li > div")]
        assert docs == expected_docs[code]
        cells = [(tr.select("td")[1].get_text().strip(), tr.select("td")[2].get_text().strip()) for tr in rows]
        assert cells == [(t or "chưa công bố", f or "chưa công bố") for t, f in expected_channels[code]]


def read_csv_plain(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_procedure_page_content(small_site):
    page = html(small_site / "thu-tuc/1.001193/index.html")
    assert page.title.get_text() == "Thủ tục đăng ký kết hôn - Công khai thủ tục hành chính"
    assert [h.get_text() for h in page.select("article h1")] == ["Thủ tục đăng ký kết hôn"]
    sections = ["ho-so", "cach-thuc", "so-lieu", "thong-tin", "trinh-tu", "dieu-kien", "ket-qua", "can-cu", "nguon",
                "lich-su"]
    assert [h["id"] for h in page.select("article h2")] == sections
    # The theme's table of contents (wide screens) and the page's jump list (phones) link to the same sections.
    toc = [a["href"] for a in page.select("nav.md-nav--secondary a.md-nav__link")]
    jump = [a["href"] for a in page.select("nav.ck-jump a")]
    assert toc == jump == [f"#{anchor}" for anchor in sections]
    assert [h.get_text() for h in page.select("h3.ck-case")] == ["Giấy tờ phải nộp", "Giấy tờ phải xuất trình"]
    assert "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả." in page.select_one("#trinh-tu + .ck-text").get_text()
    assert [li.get_text() for li in page.select("#can-cu + ul li")] == [
        "Luật Hộ tịch 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"]
    assert page.select_one('a[href="../../linh-vuc/ho-tich/"]').get_text() == "Hộ tịch"
    assert page.select_one('a[href="../../co-quan/uy-ban-nhan-dan-cap-xa/"]')
    assert "Toàn trình" in page.select("dl.ck-facts dd")[7].get_text()
    desc = page.select(".ck-channels table td:nth-of-type(4)")[0].get_text()
    assert desc == "Trường hợp cần xác minh thì không quá 05 ngày làm việc."
    # A document's form is beside it, with its counts.
    first = page.select_one("ul.ck-documents > li")
    assert [p.get_text() for p in first.select("p")] == ["Bản chính: 1 · Bản sao: 0", "Mẫu đơn, tờ khai: Mẫu TK-KH.docx"]
    # Gaps are shown, not filled in.
    assert page.select("dl.ck-facts dd")[4].get_text() == "chưa công bố"


def answers(page) -> dict[str, str]:
    return {div["data-ck-fact"]: " ".join(div.dd.get_text(" ", strip=True).split())
            for div in page.select("dl.ck-answers > div[data-ck-fact]")}


def test_procedure_page_answers_the_four_questions_before_anything_else(small_site):
    page = html(small_site / "thu-tuc/1.001193/index.html")
    article = page.select_one("article")
    summary = article.select_one("dl.ck-answers")
    assert article.select_one("h2").find_previous("dl", class_="ck-answers") is summary  # before every section
    assert answers(page) == {
        "submit": "Trực tiếp Trực tuyến Nộp trực tuyến tại trang của thủ tục trên dichvucong.gov.vn",
        "time": "05 ngày làm việc 5 ngày làm việc (Trực tiếp) Trong ngày 1 ngày làm việc (Trực tuyến)",
        "fee": "Lệ phí: 10.000 đồng/lần 10.000 đồng (Trực tiếp) Miễn phí (Trực tuyến)",
        "documents": "2 giấy tờ",
    }
    apply = summary.select_one("a[data-ck-apply]")
    assert apply.get_text() == "Nộp trực tuyến"
    assert apply["href"] == "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193"
    assert summary.select_one('[data-ck-fact="documents"] a')["href"] == "#ho-so"
    # The print button works only with script, which shows it.
    assert article.select_one("button[data-ck-print]").get_text() == "In danh sách giấy tờ"
    assert article.select_one("button[data-ck-print]").has_attr("hidden")
    # Online by the catalogue's own column, but no official page to send people to: said, not linked.
    online_without_page = answers(html(small_site / "thu-tuc/1.000894/index.html"))["submit"]
    assert online_without_page == "Dịch vụ bưu chính Trang nộp trực tuyến: chưa công bố"
    # Not online: no such link; a link that is not http(s) is never one.
    for code in ("2.002000", "1.004000"):
        other = html(small_site / "thu-tuc" / code / "index.html")
        assert not other.select("[data-ck-apply]") and "trực tuyến" not in answers(other)["submit"]
    assert answers(html(small_site / "thu-tuc/1.004000/index.html"))["time"] == "1 không ghi đơn vị"


def test_values_from_data_stay_inert_text(small_site):
    page = html(small_site / "thu-tuc/1.004000/index.html")
    name = "**Đậm** | ống <script>alert('x')</script> [bấm](javascript:alert(1))"
    assert page.select_one("article h1").get_text() == name
    assert page.title.get_text().startswith(name)
    assert not page.select("article script, article img, article strong")
    assert not page.select('a[href^="javascript"]')
    doc = page.select_one("ul.ck-documents > li > div").get_text()
    assert doc == "<img src=x onerror=alert(1)>"
    # A non-http official link is shown as text, never as a link.
    other = html(small_site / "thu-tuc/2.002000/index.html")
    assert "javascript:alert(1)" in other.select_one("#nguon + dl").get_text()
    assert not other.select('a[href^="javascript"]')
    for path in small_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, path


def test_list_page_has_every_procedure_and_filters(small_site):
    page = html(small_site / "thu-tuc/index.html")
    items = page.select("[data-ck-items] > li")
    assert sorted(li.a["href"] for li in items) == sorted(f"{code}/" for code in FIXTURE_CODES)
    names = [li.a.get_text() for li in items]
    # Alphabetical, marks and leading punctuation ignored: "**Đậm…" files under Đ, after "Cấp…".
    assert names[0] == "Cấp giấy phép xây dựng nhà ở riêng lẻ" and names[1].startswith("**Đậm**")
    assert names[2:] == ["Thủ tục đăng ký kết hôn", "Thủ tục đăng ký khai sinh"]
    for name in ("q", "level", "field", "agency", "channel", "online"):
        assert page.select_one(f'form.ck-filters [name="{name}"]') is not None
    # What the filters compare, in the list's data (the page holds its first entries; here, all five).
    entries = {e["code"]: e for e in list_data(small_site)}
    assert list(entries) == [li.a["href"].rstrip("/") for li in items]
    kethon = entries["1.001193"]
    assert (kethon["level"], kethon["field"], kethon["channel"], kethon["online"]) == (
        ["xa"], ["ho-tich"], ["truc_tiep", "truc_tuyen"], ["toan_trinh"])
    assert (kethon["name"], kethon["field_name"]) == ("Thủ tục đăng ký kết hôn", "Hộ tịch")
    assert entries["2.002000"]["level"] == ["tinh", "huyen"]
    assert entries["1.004000"]["agency"] == ["chua-cong-bo"]
    assert [li.select_one(".ck-meta").get_text() for li in items] == [
        f"{e['code']} · {e['field_name']}" for e in entries.values()]  # as the script shows an entry


def test_field_and_agency_pages(small_site):
    field = html(small_site / "linh-vuc/ho-tich/index.html")
    assert field.select_one("article h1").get_text() == "Hộ tịch"
    assert sorted(a["href"] for a in field.select("ul.ck-plist a")) == [
        "../../thu-tuc/1.000894/", "../../thu-tuc/1.001193/"]
    fields = html(small_site / "linh-vuc/index.html")
    assert [a["href"] for a in fields.select("ul.ck-glist a")] == ["ho-tich/", "hoat-dong-xay-dung/", "thuy-loi/"]
    agency = html(small_site / "co-quan/so-xay-dung/index.html")
    assert [a["href"] for a in agency.select("ul.ck-plist a")] == ["../../thu-tuc/2.002000/"]
    unassigned = html(small_site / "co-quan/chua-cong-bo/index.html")
    assert [a["href"] for a in unassigned.select("ul.ck-plist a")] == ["../../thu-tuc/1.004000/"]


def test_home_and_data_pages(small_site):
    home = html(small_site / "index.html")
    figures = [f.get_text(" ", strip=True) for f in home.select(".ck-figure")]
    assert figures[:3] == ["4 thủ tục", "3 lĩnh vực", "2 cơ quan thực hiện"]
    data = html(small_site / "du-lieu/index.html")
    assert data.select_one("#nguon-goc") is not None
    assert "Hand-made catalogue" in data.get_text()
    dictionary = html(small_site / "du-lieu/tu-dien/index.html")
    columns = [code.get_text() for code in dictionary.select("table td:first-child code")]
    assert {"code", "legal_basis", "originals", "copies", "channel", "time_days", "fee_vnd"} <= set(columns)


def test_open_data_files(small_site):
    procedures = read_csv(small_site / "du-lieu/thu-tuc.csv")
    assert [p["code"] for p in procedures] == FIXTURE_CODES
    assert procedures[2]["level"] == "tinh;huyen"
    channels = read_csv(small_site / "du-lieu/cach-thuc.csv")
    kethon = [c for c in channels if c["procedure_code"] == "1.001193"]
    assert [(c["channel"], c["time"], c["time_days"], c["time_working_days"], c["fee"], c["fee_vnd"])
            for c in kethon] == [
        ("truc_tiep", "05 ngày làm việc", "5", "1", "Lệ phí: 10.000 đồng/lần", "10000"),
        ("truc_tuyen", "Trong ngày", "1", "1", "Miễn phí", "0"),
    ]
    odd = next(c for c in channels if c["procedure_code"] == "1.004000")
    # Spreadsheet formulas are neutralised in text cells; unparsed values stay empty.
    assert odd["fee"] == "'=HYPERLINK(\"http://evil.example\")" and odd["description"] == "'- Trường hợp đặc biệt"
    assert odd["time_days"] == "" and odd["fee_vnd"] == ""
    documents = read_csv(small_site / "du-lieu/ho-so.csv")
    assert len(documents) == 7 and documents[0]["form"] == "Mẫu TK-KH.docx"
    nested = json.loads((small_site / "du-lieu/thu-tuc.json").read_text(encoding="utf-8"))
    assert nested[0]["documents"][0]["name"] == "Tờ khai đăng ký kết hôn"
    assert nested[3]["channels"][0]["fee"] == "=HYPERLINK(\"http://evil.example\")"  # JSON keeps it verbatim
    package = json.loads((small_site / "du-lieu/datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == ["thu-tuc.csv", "ho-so.csv", "cach-thuc.csv"]


def test_no_request_to_another_host_and_relative_links(small_site):
    """Every resource the pages load comes from the site itself, by relative URL (so a sub-path works).

    404.html is the exception MkDocs makes on purpose: it is served at any URL, so its links are absolute from
    site_url (README: set site_url when deploying under a sub-path)."""
    for path in small_site.rglob("*.html"):
        if path.name == "404.html":
            continue
        page = html(path)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
                          ("source", "src"), ("video", "src"), ("audio", "src")):
            for el in page.find_all(tag):
                url = el.get(attr)
                if url:
                    assert not re.match(r"(https?:)?//", url), (path, url)
                    assert not url.startswith("/"), (path, url)
        for a in page.find_all("a", href=True):
            assert not a["href"].startswith("/"), (path, a["href"])
        assert "fonts.googleapis" not in path.read_text(encoding="utf-8")
    css = "".join(p.read_text(encoding="utf-8") for p in small_site.rglob("*.css"))
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)


def test_site_without_statistics_says_so(small_site):
    page = html(small_site / "thong-ke/index.html")
    assert "Chưa có số liệu giải quyết hồ sơ nào được công bố" in page.select_one(".ck-empty-state").get_text()
    assert not page.select("[data-ck-chart]")
    assert html(small_site / "thong-ke/kiem-tra/index.html").select_one(".ck-empty-state")
    assert not (small_site / PLOTLY_JS).exists()
    # The QĐ 766 indicators of the catalogue alone (1.3, 3.1) still have their chart, drawn by the build.
    indicators = html(small_site / "thong-ke/chi-so-766/index.html")
    assert [td.get_text() for td in indicators.select(".ck-chart-block tbody td:first-child")] == [
        "1.3 TTHC công khai đầy đủ bộ phận tạo thành",
        "3.1 TTHC cung cấp dịch vụ công trực tuyến (một phần / toàn trình)"]
    assert indicators.select_one(".ck-chart--drawn svg")


def test_every_page_names_its_publisher_licence_portal_and_the_data_date(small_site):
    """The footer of every page kind, 404 included, from mkdocs.yml's extra.publisher and the data's date."""
    import datetime as dt

    import yaml

    from generator.write import build_epoch

    publisher = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["publisher"]
    day = dt.datetime.fromtimestamp(int(build_epoch(FIXTURES / "small")), dt.timezone.utc).strftime("%d/%m/%Y")
    # An embed (/nhung/) is a chart alone, for another site's page: no footer, by design (tests/test_embeds.py).
    pages = sorted(p for p in small_site.rglob("*.html") if not p.relative_to(small_site).parts[0] == EMBED_DIR)
    assert len(pages) > 15
    for path in pages:
        page = html(path)
        footer = page.select_one("footer.md-footer [data-ck-footer]")
        assert footer is not None, path
        assert footer.select_one("[data-ck-publisher] strong").get_text() == publisher["name"]
        licence = footer.select_one("[data-ck-licence] a")
        assert (licence.get_text(), licence["href"]) == (publisher["licence"], publisher["licence_url"])
        portal = footer.select_one("[data-ck-portal] a")
        assert (portal.get_text(), portal["href"]) == ("Cổng Dịch vụ công quốc gia", "https://dichvucong.gov.vn")
        assert footer.select_one("[data-ck-contact]").get_text().startswith("Liên hệ: ")
        assert footer.select_one("[data-ck-date]").get_text() == f"Dữ liệu cập nhật ngày {day}", path
        if path.name == "404.html":
            continue
        # A printout says the same date (the page's address is filled in by script without a site_url).
        assert f"Dữ liệu cập nhật ngày {day}" in page.select_one("article .ck-print-meta").get_text(), path


def test_the_interface_has_no_english(small_site):
    """Material's strings that its Vietnamese leaves in English, and its 404 page, are Vietnamese here."""
    english = re.compile(r"\b(Tabs|Not found|Skip to content|Back to top|Made with|Initializing search|Share|"
                         r"Previous|Next|Search|Copy to clipboard)\b")
    for path in small_site.rglob("*.html"):
        page = html(path)
        assert page.html["lang"] == "vi", path
        for tag in page(["script", "style", "svg"]):
            tag.decompose()
        labels = [el[a] for el in page.find_all(True) for a in ("aria-label", "title", "placeholder") if el.has_attr(a)]
        chrome = page.select("header, nav, footer, .md-top, .md-skip") + [page.select_one("article h1")]
        texts = [el.get_text(" ") for el in chrome if el is not None]
        assert not [t for t in labels + texts if english.search(t)], path
    missing = html(small_site / "404.html")
    assert missing.select_one("article h1").get_text() == "Không tìm thấy trang"
    assert missing.title.get_text().startswith("Không tìm thấy trang")
