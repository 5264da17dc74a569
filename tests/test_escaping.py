"""Escaping proven on the output: a site built from values full of HTML, Markdown, Jinja and formulas.

Every hostile value carries a unique token (zqNNzq). One procedure per value holds it in every text column of
the catalogue, and one statistics row holds it in every text column of Biểu 06. Then every built HTML file is
parsed and each occurrence of a token must sit in a text node or an attribute value — never in a tag or attribute
name, an event handler, a script or style, a comment, or a URL other than a plain http(s) link the value itself is —
and the text node must hold the value as typed (so Markdown was not interpreted). The CSV downloads must
neutralise formulas in text cells and leave numbers alone.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Callable

import lxml.html
import pytest

from generator.schema import STATISTICS

from conftest import FIXTURES, html, list_data, run_cli

PAYLOADS = [
    '<script>alert("zq01zq")</script>',
    "<img src=x onerror=alert('zq02zq')>",
    '"><svg onload=alert(zq03zq)>',
    "' onmouseover='alert(zq04zq)' x='",
    "a | zq05zq | b",
    "[bấm zq06zq](javascript:alert(1))",
    "# zq07zq tiêu đề",
    "`zq08zq` và ```mã```",
    "**zq09zq** _nghiêng_",
    "{{ zq10zq }} {% raw %}{{ 7*7 }}",
    '=HYPERLINK("http://evil.example","zq11zq")',
    "+cmd|' /C calc'!A0 zq12zq",
    "@SUM(1+1)*zq13zq",
    "-1+1 zq14zq",
    "&lt;script&gt;zq15zq&amp;",
    "javascript:alert('zq16zq')",
    "JaVaScRiPt:alert(zq17zq)",
    "data:text/html,<script>zq18zq</script>",
    'https://evil.example/zq19zq"onmouseover="alert(1)',
    "https://ok.example/zq20zq?a=1&b=2",
    "</script><script>alert(zq21zq)</script>",
    "<!-- zq22zq",
    '{: onclick="alert(zq23zq)" }',
    '<div markdown="1">**zq24zq**</div>',
    "</textarea></title><style>*{x:zq25zq}</style>",
    "Đơn\nzq26zq: dòng hai",
    "\\u003c/script\\u003e zq27zq <![CDATA[ ]]>",
    "Thủ tục hành chính zq28zq ứng dụng",
]
TOKEN = re.compile(r"zq\d\dzq")
BY_TOKEN = {TOKEN.search(p)[0]: p for p in PAYLOADS}
SAFE_LINKS = {p for p in PAYLOADS if re.fullmatch(r"https?://[^\s<>\"']+", p)}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background",
                  "cite", "longdesc", "manifest", "codebase", "ping"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# A value reaches a URL only as a slug (letters, digits, hyphens) or as itself when it is a plain http(s) URL,
# and other attributes (filters' data-field, option values) only as a slug or as itself.
SLUG_LINK = re.compile(r"(\.\./)*[a-z0-9/-]+/")
SLUG = re.compile(r"[a-z0-9-]+")
# Field and agency pages: /linh-vuc/<slug>/, /co-quan/<slug>/.
GROUP_PAGE = re.compile(r"(linh-vuc|co-quan)/[^/]+/index\.html")


def code(i: int) -> str:
    return f"9.{i:06d}"


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(FIXTURES / "small", data)
    catalogue = data / "catalogue"
    with (catalogue / "procedures.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    procedures, documents, channels = [], [], []
    for i, value in enumerate(PAYLOADS, start=1):
        record = {c: value for c in header}
        record.update(code=code(i), level="tinh", online="")
        procedures.append([record[c] for c in header])
        documents.append([code(i), value, value, "1", "0", value])
        channels.append([code(i), "truc_tiep", value, value, value])
    write(catalogue / "procedures.csv", procedures)
    write(catalogue / "documents.csv", documents)
    write(catalogue / "channels.csv", channels)
    columns = [c.name for c in STATISTICS.input_columns()]
    counts = {"received_total": "10", "resolved_total": "8", "resolved_early": "2", "resolved_on_time": "5",
              "resolved_late": "1", "pending_total": "2", "on_time_rate": "87,5"}
    rows = [{"period": "2021-Q1", "level": "tinh", **counts, "agency": v, "field": "", "procedure_code": "",
             "source": v, "note": v} for v in PAYLOADS]
    rows += [{"period": "2021-Q1", "level": "tinh", **counts, "agency": "", "field": v, "procedure_code": v,
              "source": v, "note": v} for v in PAYLOADS]
    # Published 10, parts add up to 12: a finding whose difference is negative.
    rows.append({"period": "2021-Q1", "level": "tinh", "agency": "Sở Âm", "resolved_total": "10",
                 "resolved_early": "5", "resolved_on_time": "5", "resolved_late": "2"})
    (data / "statistics").mkdir()
    with (data / "statistics" / "bieu-06.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    site = data.parent / "site"
    assert run_cli("build", "--data", str(data), "--site-dir", str(site), "--strict") == 0
    return site


def stored(value: str) -> str:
    """The value as the site stores it: NFC, outer whitespace trimmed."""
    return unicodedata.normalize("NFC", value).strip()


def shown_forms(value: str) -> set[str]:
    """What a text node may hold: the value, or one of its `;`-separated parts (legal basis is a list)."""
    return {stored(value)} | {part.strip() for part in value.split(";") if TOKEN.search(part)}


@pytest.mark.parametrize("value", PAYLOADS, ids=[TOKEN.search(p)[0] for p in PAYLOADS])
def test_each_value_is_shown_as_typed(hostile: Path, value: str):
    i = PAYLOADS.index(value) + 1
    page = html(hostile / "thu-tuc" / code(i) / "index.html")
    expected = stored(value)
    assert page.select_one("article h1").get_text() == expected
    assert page.title.get_text().startswith(expected)
    facts = [dd.get_text() for dd in page.select("dl.ck-facts dd")]
    assert facts[2] == expected and facts[3] == expected  # field and agency links
    assert [td.get_text() for td in page.select(".ck-documents li > div")] == [expected]
    assert [td.get_text() for td in page.select(".ck-channels td")][1:] == [expected] * 3
    assert page.select_one("#trinh-tu + .ck-text").get_text() == expected
    assert page.select_one("#nguon + dl.ck-facts dd").get_text() == expected
    links = [a["href"] for a in page.select("article a[href]") if TOKEN.search(a["href"])]
    slugs = [link for link in links if SLUG_LINK.fullmatch(link)]  # field and agency pages
    assert len(set(slugs)) == 2  # the agency is linked twice: under the name and among the facts
    assert [link for link in links if link not in slugs] == ([expected] * 2 if expected in SAFE_LINKS else [])
    field = html(hostile / page.select("dl.ck-facts dd a")[0]["href"].replace("../../", "", 1) / "index.html")
    assert field.select_one("article h1").get_text() == expected


def scan(site: Path, select: Callable[[str], bool]) -> tuple[list[tuple], set[str]]:
    """(problems, tokens seen) over the HTML pages of SITE whose path select() accepts."""
    problems: list[tuple] = []
    found: set[str] = set()

    def verbatim(where: str, what: str, text: str) -> None:
        for token in TOKEN.findall(text):
            found.add(token)
            if not any(form in text for form in shown_forms(BY_TOKEN[token])):
                problems.append((where, what, "value not as typed", text))

    for path in sorted(site.rglob("*.html")):
        where = path.relative_to(site).as_posix()
        raw = path.read_text(encoding="utf-8")
        if not select(where) or not TOKEN.search(raw):
            continue
        root = lxml.html.document_fromstring(raw)
        for el in root.iter():
            if not isinstance(el.tag, str):  # comments, processing instructions
                if TOKEN.search(el.text or ""):
                    problems.append((where, "comment", "value in a comment", el.text))
                continue
            if TOKEN.search(el.tag):
                problems.append((where, el.tag, "value as a tag name", el.tag))
            for name, value in el.attrib.items():
                lower = name.lower()
                if TOKEN.search(name):
                    problems.append((where, el.tag, "value as an attribute name", name))
                if not TOKEN.search(value):
                    continue
                found.update(TOKEN.findall(value))
                if lower.startswith("on") or lower == "style":
                    problems.append((where, el.tag, f"value in {name}", value))
                elif lower in URL_ATTRIBUTES:
                    if not (el.tag == "a" and lower == "href" and (value in SAFE_LINKS or SLUG_LINK.fullmatch(value))):
                        problems.append((where, el.tag, f"value in a URL ({name})", value))
                elif lower in ("data-ck-figure", "data-ck-image"):
                    json.loads(value)  # a chart's specification, whole: nothing broke out of the attribute
                elif not SLUG.fullmatch(value):
                    verbatim(where, f"{el.tag}@{name}", value)
            if el.tag in ("script", "style"):
                if TOKEN.search(el.text or ""):
                    problems.append((where, el.tag, "value inside", el.text))
                if el.tag == "script" and "json" in el.get("type", "") and el.text:
                    json.loads(el.text)
                continue
            for text in (el.text, el.tail):
                verbatim(where, el.tag, text or "")
        for url in root.xpath("//@href | //@src | //@action | //@formaction"):
            if url.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                problems.append((where, "url", "script URL", url))
    return problems, found


def test_no_markup_from_data_in_any_page(hostile: Path):
    problems, found = scan(hostile, lambda where: not GROUP_PAGE.fullmatch(where))
    assert problems == []
    assert found == set(BY_TOKEN)  # every value was published somewhere, and checked there


def test_no_markup_from_data_in_field_and_agency_pages(hostile: Path):
    problems, found = scan(hostile, lambda where: bool(GROUP_PAGE.fullmatch(where)))
    assert problems == []
    assert found == set(BY_TOKEN)
    for i, value in enumerate(PAYLOADS, start=1):
        page = html(hostile / "thu-tuc" / code(i) / "index.html")
        field = html(hostile / page.select("dl.ck-facts dd a")[0]["href"].replace("../../", "", 1) / "index.html")
        assert field.title.get_text() == f"{stored(value)} - Công khai thủ tục hành chính"


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_csv_downloads_neutralise_formulas_and_keep_numbers(hostile: Path):
    files = sorted([*hostile.glob("du-lieu/*.csv"), *hostile.glob("thong-ke/*.csv")])
    assert {p.name for p in files} >= {"thu-tuc.csv", "ho-so.csv", "cach-thuc.csv", "thong-ke.csv", "kiem-tra.csv"}
    neutralised = 0
    for path in files:
        for row in read_csv(path):
            for column, cell in row.items():
                if not TOKEN.search(cell):
                    continue
                assert not cell.startswith(FORMULA), (path.name, column, cell)
                value = stored(BY_TOKEN[TOKEN.search(cell)[0]])
                if value.startswith(FORMULA):
                    assert cell.startswith("'" + value) or cell == "'" + value.split(";")[0].strip(), (
                        path.name, column, cell)
                    neutralised += 1
                else:
                    assert any(form in cell for form in shown_forms(value)), (path.name, column, cell)
    assert neutralised >= 4 * 10  # four formula values, in every text column of every file
    # Numbers are numbers, negative ones included.
    findings = read_csv(hostile / "du-lieu/kiem-tra.csv")
    negative = [f for f in findings if f["agency"] == "Sở Âm" and f["check"] == "resolved_sum"]
    assert [(f["published"], f["expected"], f["difference"]) for f in negative] == [("10", "12", "-2")]
    statistics = read_csv(hostile / "du-lieu/thong-ke.csv")
    assert all(r["received_total"] in ("10", "") and r["on_time_rate"] in ("87.5", "") for r in statistics)
    procedures = read_csv(hostile / "du-lieu/thu-tuc.csv")
    assert all(p["documents"].isdigit() for p in procedures)


def test_json_downloads_keep_values_verbatim(hostile: Path):
    records = json.loads((hostile / "du-lieu/thu-tuc.json").read_text(encoding="utf-8"))
    by_code = {r["code"]: r for r in records}
    for i, value in enumerate(PAYLOADS, start=1):
        record = by_code[code(i)]
        assert record["name"] == record["channels"][0]["fee"] == record["documents"][0]["name"] == stored(value)
    # The list's data, which its script shows as text (textContent), keeps them verbatim too.
    listed = {e["code"]: e for e in list_data(hostile)}
    assert all(listed[code(i)]["name"] == stored(value) for i, value in enumerate(PAYLOADS, start=1))
    stats = json.loads((hostile / "du-lieu/thong-ke.json").read_text(encoding="utf-8"))
    assert {r["agency"] for r in stats} >= {stored(v) for v in PAYLOADS}
