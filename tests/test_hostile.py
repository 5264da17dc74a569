"""Hostile input: a corpus of bad files and values, each with the outcome written beside it.

Every case starts from the small fixture (tests/fixtures/small), breaks one thing in tmp_path, and expects either
errors — the exact set of (file:row:column, code), with exit code 1 and no traceback — or a built site where the
odd value appears as inert text. Decisions for inputs the contract did not cover before (README, «Using your own
data»):

- Windows-1258 (Excel's plain «CSV» on a Vietnamese Windows, tone marks as combining characters) is read and
  NFC-normalised, with a warning, when every decoded letter is Vietnamese; damaged UTF-8 and other code pages
  (Western Windows-1252, TCVN3, …) stay an `encoding` error located at the first unreadable cell.
- UTF-16 with or without BOM is read; a tab- or semicolon-separated file is read when its header row says so.
- Title rows above the header (in CSV or Excel) are skipped with a `title_rows` warning; rows keep their
  spreadsheet numbers. A merged Excel range gives its value to every cell it covers (as Excel shows it), with a
  `merged_cells` warning; a merged header cell therefore reads as a duplicated column.
- Counts: `1.234`, `1,234` and `1 234` are 1234 — Excel writes a formatted number as displayed, and a count is a
  whole number, so a dot or comma before groups of three digits can only be grouping. `1.5`, `12.34`, `1.234,5`,
  negative, `+5`, words and anything above 999,999,999,999 are `invalid_count` errors.
- Control characters are removed with a `control_characters` warning; a cell over 1,000,000 characters (an open
  quote swallowing the file) is a `cell_too_long` error; a cell beyond the header's columns (an unquoted comma) is
  an `extra_cell` error; codes equal but for letter case are a `duplicate_code` error (their pages would collide
  on case-insensitive servers); a code longer than 64 characters is an `invalid_code` error; a header-only
  procedures file is an `empty_file` error; .xls/.ods/.xlsb workbooks are an `unreadable_file` error.
- HTML, Markdown, Jinja and formulas in values are shown as typed; CSV downloads put a `'` before a text cell
  starting with = + - @ (JSON downloads keep the value verbatim).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from generator.build import Options, build, prepare
from generator.cli import main
from generator.problems import DataError
from generator.schema import STATISTICS

from conftest import CONFIG, FIXTURES, ROOT, TEMPLATES, html

SMALL = FIXTURES / "small"
STAT_COLUMNS = [c.name for c in STATISTICS.input_columns()]
NAME = "Thủ tục đăng ký kết hôn"  # procedure 1.001193, row 2 of procedures.csv


# --- writing bad files --------------------------------------------------------------------------------------------

def rows(name: str) -> list[list[str]]:
    with (SMALL / "catalogue" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_text(table: list[list[str]], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows(table)
    return buffer.getvalue()


def put(data: Path, name: str, content: str | bytes | list[list[str]], folder: str = "catalogue") -> Path:
    path = data / folder / (name if "." in name else f"{name}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, list):
        content = csv_text(content)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def edit(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a fixture table (row = spreadsheet row, header = 1)."""
    def make(data: Path) -> None:
        table = rows(name)
        table[row - 1][table[0].index(column)] = value
        put(data, name, table)
    return make


def append(name: str, *new: list[str]) -> Callable[[Path], None]:
    def make(data: Path) -> None:
        put(data, name, rows(name) + [list(r) for r in new])
    return make


def stats(*records: dict[str, str], name: str = "bieu-06.csv") -> Callable[[Path], None]:
    """A statistics file: one row per record (level tinh unless given), rows 2, 3, …"""
    def make(data: Path) -> None:
        table = [STAT_COLUMNS] + [[{"level": "tinh", **r}.get(c, "") for c in STAT_COLUMNS] for r in records]
        put(data, name, table, folder="statistics")
    return make


def count(value: str) -> Callable[[Path], None]:
    return stats({"period": "2021-Q1", "received_total": value, "resolved_total": "3"})


def steps(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(data: Path) -> None:
        for maker in makers:
            maker(data)
    return make


TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258 as Windows writes it: precomposed where the code page has the letter, else the
    base letter followed by a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
            out += base.encode("cp1258") + "".join(c for c in decomposed if c in TONES).encode("cp1258")
    return bytes(out)


def all_tables(transform: Callable[[str, str], bytes]) -> Callable[[Path], None]:
    """Every catalogue file rewritten: transform(name, csv text) → bytes."""
    def make(data: Path) -> None:
        for name in ("procedures", "documents", "channels"):
            put(data, name, transform(name, csv_text(rows(name))))
    return make


def workbook(make_sheets: Callable[[openpyxl.Workbook], None], name: str = "danh-muc.xlsx"):
    """The catalogue as one workbook (the CSV files removed); make_sheets edits the three fixture sheets."""
    def make(data: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for table in ("procedures", "documents", "channels"):
            sheet = book.create_sheet(table)
            for r in rows(table):
                sheet.append([int(v) if table == "documents" and v.isdigit() else v for v in r])
            (data / "catalogue" / f"{table}.csv").unlink()
        make_sheets(book)
        book.save(data / "catalogue" / name)
    return make


def title_rows(sheet_name: str, merge: bool = True):
    def change(book: openpyxl.Workbook) -> None:
        sheet = book[sheet_name]
        sheet.insert_rows(1, 2)
        sheet["A1"] = "DANH MỤC THỦ TỤC HÀNH CHÍNH"
        if merge:
            sheet.merge_cells("A1:E1")
    return change


def as_text(sheet_name: str, cell: str, value: str):
    """A text cell that looks like a formula: stored as text, as Excel does for '=… typed with a quote."""
    def change(book: openpyxl.Workbook) -> None:
        target = book[sheet_name][cell]
        target.value = value
        target.data_type = "s"
    return change


def merged_codes(book: openpyxl.Workbook) -> None:
    """documents: the procedure code written once per procedure, merged down over its documents."""
    sheet = book["documents"]
    for first, last in ((2, 3), (4, 5), (6, 7)):
        sheet.cell(last, 1).value = None
        sheet.merge_cells(start_row=first, start_column=1, end_row=last, end_column=1)


def merged_header(book: openpyxl.Workbook) -> None:
    sheet = book["procedures"]
    sheet.insert_cols(3)
    sheet.merge_cells("B1:C1")


# --- the corpus: bad data → exact errors --------------------------------------------------------------------------

@dataclass
class Bad:
    id: str
    make: Callable[[Path], None]
    errors: set[tuple[str, str]]  # (file:row:column, code): exactly these, nothing else

    def __repr__(self) -> str:
        return self.id


P, D, C, S = ("catalogue/procedures.csv", "catalogue/documents.csv", "catalogue/channels.csv",
              "statistics/bieu-06.csv")
XLSX = "catalogue/danh-muc.xlsx"
ascii_procedures = [[unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode() for v in r]
                    for r in rows("procedures")]
western = [r[:] for r in ascii_procedures]
western[2][1] = "Año señor"
western_titled = csv_text([["DANH MUC THU TUC"], []] + western, ";").encode("cp1252")  # "Año" now in row 5
fee_unquoted = csv_text(rows("channels")).replace('"120,000 VNĐ"', "120,000 VNĐ")
unclosed = csv_text(rows("procedures")).replace("1.000894,Thủ tục", '1.000894,"Thủ tục', 1)
damaged = csv_text(rows("procedures")).encode("utf-8").replace("Sở Xây dựng".encode(), b"S\xff X\xe2y d\xf1ng")
with_nul = csv_text(rows("channels")).replace("Miễn phí", "Miễn\x00phí", 1).encode("utf-8")
surrogate = codecs.BOM_UTF16_LE + csv_text(rows("channels")).replace("Không,", "Không\ud800,").encode(
    "utf-16-le", errors="surrogatepass")
channel_titles = ([["DANH SÁCH CÁCH THỨC THỰC HIỆN", "", "", "", ""], []] + rows("channels"))
channel_titles[4][1] = "Fax"  # spreadsheet row 5

BAD = [
    # encodings
    Bad("windows-1252-not-vietnamese", lambda d: put(d, "procedures", csv_text(western).encode("cp1252")),
        {(f"{P}:3:name", "encoding")}),
    Bad("windows-1252-semicolons-under-title-rows", lambda d: put(d, "procedures", western_titled),
        {(f"{P}:5:name", "encoding")}),
    Bad("damaged-utf-8", lambda d: put(d, "procedures", damaged), {(f"{P}:4:agency", "encoding")}),
    Bad("nul-bytes", lambda d: put(d, "channels", with_nul), {(f"{C}:3:fee", "encoding")}),
    Bad("utf-16-unpaired-surrogate", lambda d: put(d, "channels", surrogate), {(f"{C}:4:fee", "encoding")}),
    # CSV structure
    Bad("unclosed-quote", lambda d: put(d, "procedures", unclosed), {(f"{P}:3", "unreadable_file")}),
    Bad("unquoted-comma-extra-cell", lambda d: put(d, "channels", fee_unquoted), {(f"{C}:5:cột 6", "extra_cell")}),
    Bad("empty-file", lambda d: put(d, "procedures", b""), {(P, "empty_file")}),
    Bad("blank-lines-only", lambda d: put(d, "documents", "\r\n \r\n\r\n"), {(D, "empty_file")}),
    Bad("header-only-catalogue", steps(*(lambda d, n=n: put(d, n, rows(n)[:1])
                                          for n in ("procedures", "documents", "channels"))),
        {(f"{P}:2", "empty_file")}),
    Bad("title-rows-then-unknown-channel", lambda d: put(d, "channels", channel_titles),
        {(f"{C}:5:channel", "unknown_channel")}),
    Bad("semicolon-separated-unknown-level",
        lambda d: put(d, "procedures", csv_text(rows("procedures"), ";").replace(";xa;", ";Cấp vùng;")),
        {(f"{P}:3:level", "unknown_level")}),
    Bad("ten-megabyte-cell", edit("procedures", 2, "steps", "Bước " * 2_000_000), {(f"{P}:2:steps", "cell_too_long")}),
    # columns
    Bad("missing-required-column", lambda d: put(d, "procedures", [r[:1] + r[2:] for r in rows("procedures")]),
        {(f"{P}:1:name", "missing_column")}),
    Bad("missing-expected-column", lambda d: put(d, "channels", [r[:3] + r[4:] for r in rows("channels")]),
        {(f"{C}:1:fee", "missing_column")}),
    Bad("duplicated-column", lambda d: put(d, "documents", [r + [r[4]] for r in rows("documents")]),
        {(f"{D}:1:copies", "duplicate_column")}),
    # codes and references
    Bad("duplicate-code", append("procedures", ["1.001193", "Bản sao", "Hộ tịch", "xa", "UBND"]),
        {(f"{P}:6:code", "duplicate_code")}),
    Bad("codes-equal-but-for-case", append("procedures", ["1.000001.H12", "A", "F", "tinh", "S"],
                                           ["1.000001.h12", "B", "F", "tinh", "S"]),
        {(f"{P}:7:code", "duplicate_code")}),
    Bad("code-path-traversal", append("procedures", ["../../etc/passwd", "A", "F", "tinh", "S"]),
        {(f"{P}:6:code", "invalid_code")}),
    Bad("code-too-long", append("procedures", ["1." + "0" * 200, "A", "F", "tinh", "S"]),
        {(f"{P}:6:code", "invalid_code")}),
    Bad("empty-required-value", edit("procedures", 3, "name", ""), {(f"{P}:3:name", "missing_value")}),
    Bad("orphan-document", append("documents", ["9.999999", "", "Tờ khai", "1", "0", ""]),
        {(f"{D}:9:procedure_code", "unknown_procedure")}),
    Bad("orphan-channel", append("channels", ["9.999999", "Trực tiếp", "5 ngày", "Miễn phí", ""]),
        {(f"{C}:7:procedure_code", "unknown_procedure")}),
    # catalogue counts and codes lists
    Bad("negative-copies", edit("documents", 2, "copies", "-2"), {(f"{D}:2:copies", "invalid_count")}),
    Bad("decimal-originals", edit("documents", 3, "originals", "1.5"), {(f"{D}:3:originals", "invalid_count")}),
    Bad("unknown-level", edit("procedures", 3, "level", "Cấp vùng"), {(f"{P}:3:level", "unknown_level")}),
    Bad("separators-only-level", edit("procedures", 3, "level", ";;"), {(f"{P}:3:level", "unknown_level")}),
    Bad("unknown-channel", edit("channels", 2, "channel", "Fax"), {(f"{C}:2:channel", "unknown_channel")}),
    Bad("unknown-online", edit("procedures", 2, "online", "có"), {(f"{P}:2:online", "unknown_online")}),
    # statistics counts
    Bad("negative-count", count("-5"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("decimal-count", count("12.5"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("huge-count", count("100000000000000000000"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("just-above-the-largest-count", count("1.000.000.000.000"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("non-numeric-count", count("mười"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("plus-signed-count", count("+5"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("thousands-and-decimal-count", count("1.234,5"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("mixed-separators-count", count("1,234.567"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("not-a-grouping-count", count("12.34"), {(f"{S}:2:received_total", "invalid_count")}),
    Bad("rate-above-100", stats({"period": "2021", "on_time_rate": "101,5"}), {(f"{S}:2:on_time_rate", "invalid_rate")}),
    # statistics scopes and periods
    Bad("unknown-statistics-level", stats({"period": "2021", "level": "vung"}), {(f"{S}:2:level", "unknown_level")}),
    Bad("month-13", stats({"period": "2021-13"}), {(f"{S}:2:period", "invalid_period")}),
    Bad("month-00", stats({"period": "2021-00"}), {(f"{S}:2:period", "invalid_period")}),
    Bad("quarter-5", stats({"period": "2021-Q5"}), {(f"{S}:2:period", "invalid_period")}),
    Bad("february-30", stats({"period": "2021-02-30..2021-03-31"}), {(f"{S}:2:period", "invalid_period")}),
    Bad("range-ending-before-it-starts", stats({"period": "2021-12-31..2021-01-01"}), {(f"{S}:2:period", "invalid_period")}),
    Bad("period-in-words", stats({"period": "Quý 3/2021"}), {(f"{S}:2:period", "invalid_period")}),
    # Excel
    Bad("xls-workbook", lambda d: [p.unlink() for p in (d / "catalogue").glob("*.csv")]
        + [put(d, "danh-muc.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))],
        {("catalogue/danh-muc.xls", "unreadable_file")}),
    Bad("csv-renamed-xlsx", lambda d: [p.unlink() for p in (d / "catalogue").glob("*.csv")]
        + [put(d, "danh-muc.xlsx", csv_text(rows("procedures")))], {(XLSX, "unreadable_file")}),
    Bad("xlsx-missing-sheet", workbook(lambda b: b.remove(b["channels"])), {(XLSX, "missing_file")}),
    Bad("xlsx-merged-header-cell", workbook(merged_header), {(f"{XLSX}[procedures]:1:name", "duplicate_column")}),
    Bad("xlsx-decimal-count", workbook(lambda b: setattr(b["documents"]["E2"], "value", 1.5)),
        {(f"{XLSX}[documents]:2:copies", "invalid_count")}),
    Bad("xlsx-title-rows-then-unknown-level",
        workbook(lambda b: (title_rows("procedures")(b), setattr(b["procedures"]["D5"], "value", "Cấp vùng"))),
        {(f"{XLSX}[procedures]:5:level", "unknown_level")}),
]


def errors_of(data: Path) -> set[tuple[str, str]]:
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    return {(p.location(), p.code) for p in caught.value.report.errors}


@pytest.mark.parametrize("case", BAD, ids=repr)
def test_bad_input_is_an_error_with_its_location(case: Bad, data_dir: Path, capsys):
    case.make(data_dir)
    assert errors_of(data_dir) == case.errors
    # The command line prints each of them as file:row:column: message [code] and exits 1.
    capsys.readouterr()
    assert main(["check", "--data", str(data_dir), "-f", CONFIG]) == 1
    printed = capsys.readouterr().err.splitlines()
    for location, code in case.errors:
        assert any(line.startswith(f"{location}: ") and line.endswith(f"[{code}]") for line in printed), printed
    assert any(line.endswith(": không xuất bản gì.") for line in printed)


# --- the corpus: odd but readable data → a site, the value as typed -----------------------------------------------

@dataclass
class Odd:
    id: str
    make: Callable[[Path], None]
    check: Callable[[Path], None]  # on the built site
    warnings: set[tuple[str, str]] = field(default_factory=set)  # among the warnings

    def __repr__(self) -> str:
        return self.id


def page(site: Path, code: str = "1.001193"):
    return html(site / "thu-tuc" / code / "index.html")


def title_is(code: str, expected: str) -> Callable[[Path], None]:
    def check(site: Path) -> None:
        assert page(site, code).select_one("article h1").get_text() == expected
    return check


def marriage_page_intact(site: Path) -> None:
    """1.001193 as in the fixture: NFC name, its two documents and two channels."""
    raw = (site / "thu-tuc/1.001193/index.html").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    doc = page(site)
    assert doc.select_one("article h1").get_text() == NAME
    assert [td.get_text() for td in doc.select(".ck-documents li > div")] == [
        "Tờ khai đăng ký kết hôn", "Hộ chiếu, chứng minh nhân dân hoặc thẻ căn cước"]
    assert [td.get_text() for td in doc.select(".ck-channels td:nth-of-type(1)")] == ["Trực tiếp", "Trực tuyến"]
    assert "Dịch vụ bưu chính" in page(site, "1.000894").select_one(".ck-channels td").get_text()


def statistic(column: str, expected: str) -> Callable[[Path], None]:
    def check(site: Path) -> None:
        text = (site / "du-lieu/thong-ke.csv").read_bytes().decode("utf-8-sig")
        [row] = list(csv.DictReader(io.StringIO(text)))
        assert row[column] == expected
    return check


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def mixed_normalisation(data: Path) -> None:
    table = rows("procedures")
    table[1] = [nfd(v) for v in table[1]]  # 1.001193 decomposed, 1.000894 (same field) composed
    put(data, "procedures", table)
    documents = rows("documents")
    documents[1][2] = nfd(documents[1][2])
    put(data, "documents", documents)


def one_field_for_both_spellings(site: Path) -> None:
    marriage_page_intact(site)
    field_page = html(site / "linh-vuc/ho-tich/index.html")
    assert field_page.select_one("article h1").get_text() == "Hộ tịch"
    assert sorted(a["href"] for a in field_page.select("ul.ck-plist a")) == [
        "../../thu-tuc/1.000894/", "../../thu-tuc/1.001193/"]
    assert not list((site / "linh-vuc").glob("ho-tich-*"))


def csv_titles(data: Path) -> None:
    put(data, "procedures", [["DANH MỤC THỦ TỤC HÀNH CHÍNH", "", ""], ["Kèm theo Quyết định số 1/QĐ", "", ""]]
        + rows("procedures"))


def unnamed_column(data: Path) -> None:
    table = rows("channels")
    put(data, "channels", [r[:2] + ["ghi chú nội bộ" if i else ""] + r[2:] for i, r in enumerate(table)])


def not_shown(text: str) -> Callable[[Path], None]:
    def check(site: Path) -> None:
        marriage_page_intact(site)
        assert all(text not in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    return check


CONTROL_NAME = "Thủ tục\x07 đăng ký\x1b[31m kết\x0b hôn\x85"


def controls_removed(site: Path) -> None:
    assert page(site).select_one("article h1").get_text() == "Thủ tục đăng ký[31m kết hôn"
    for path in site.rglob("*.html"):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", path.read_text(encoding="utf-8")), path


def formulas_in_workbook(book: openpyxl.Workbook) -> None:
    as_text("channels", "D2", '=HYPERLINK("http://evil.example","Bấm")')(book)
    as_text("channels", "E3", "@SUM(1+1)*cmd|' /C calc'!A0")(book)


def formulas_inert(site: Path) -> None:
    cells = [td.get_text() for td in page(site).select(".ck-channels td")]
    assert '=HYPERLINK("http://evil.example","Bấm")' in cells and "@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not page(site).select('a[href^="http://evil"]')
    text = (site / "du-lieu/cach-thuc.csv").read_bytes().decode("utf-8-sig")
    channels = [r for r in csv.DictReader(io.StringIO(text)) if r["procedure_code"] == "1.001193"]
    assert channels[0]["fee"] == "'=HYPERLINK(\"http://evil.example\",\"Bấm\")"
    assert channels[1]["description"] == "'@SUM(1+1)*cmd|' /C calc'!A0"


def merged_documents(site: Path) -> None:
    marriage_page_intact(site)
    assert [td.get_text() for td in page(site, "2.002000").select(".ck-documents li > div")] == [
        "Đơn đề nghị cấp giấy phép xây dựng", "Bản vẽ thiết kế"]


def long_steps(site: Path) -> None:
    """Whole on the procedure's full-text page; its first part, with a link there, on the procedure page."""
    text = ("Nộp hồ sơ. " * 5_000).strip()
    shown = page(site).select_one("#trinh-tu + .ck-text").get_text()
    assert shown.endswith(" …") and text.startswith(shown.removesuffix(" …")) and len(shown) < 2_100
    assert page(site).select_one('#trinh-tu ~ p.ck-note a[href="toan-van/#trinh-tu"]') is not None
    assert page(site, "1.001193/toan-van").select_one("#trinh-tu + .ck-text").get_text() == text


def no_documents(site: Path) -> None:
    assert page(site).select_one("#ho-so + p.ck-missing").get_text() == "chưa công bố"
    assert not page(site).select(".ck-documents")


def statistics_not_published(site: Path) -> None:
    assert html(site / "thong-ke/index.html").select_one(".ck-empty-state") is not None


def blank_lines(data: Path) -> None:
    text = csv_text(rows("procedures")).split("\r\n")
    put(data, "procedures", "\r\n".join(text[:3] + [",,,,", ""] + text[3:]))  # procedure 1.004000 now at row 7


ODD = [
    Odd("utf-8-with-bom", all_tables(lambda n, t: codecs.BOM_UTF8 + t.encode("utf-8")), marriage_page_intact),
    Odd("utf-8-bom-on-one-file-only", all_tables(lambda n, t: (codecs.BOM_UTF8 if n == "documents" else b"")
                                                 + t.encode("utf-8")), marriage_page_intact),
    Odd("utf-16-le-with-bom", all_tables(lambda n, t: t.encode("utf-16")), marriage_page_intact),
    Odd("utf-16-be-with-bom", all_tables(lambda n, t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
        marriage_page_intact),
    Odd("utf-16-tab-separated-unicode-text", all_tables(
        lambda n, t: codecs.BOM_UTF16_LE + csv_text(rows(n), "\t").encode("utf-16-le")), marriage_page_intact),
    Odd("utf-16-without-bom", all_tables(lambda n, t: t.encode("utf-16-le")), marriage_page_intact),
    Odd("windows-1258-combining-tone-marks", all_tables(lambda n, t: cp1258(t)), marriage_page_intact,
        {(P, "encoding_windows_1258"), (D, "encoding_windows_1258"), (C, "encoding_windows_1258")}),
    Odd("mixed-nfc-and-nfd", mixed_normalisation, one_field_for_both_spellings),
    Odd("semicolon-separated", all_tables(lambda n, t: csv_text(rows(n), ";").encode("utf-8")), marriage_page_intact),
    Odd("every-cell-quoted", all_tables(lambda n, t: csv_text(rows(n), quoting=csv.QUOTE_ALL).encode("utf-8")),
        marriage_page_intact),
    Odd("header-cell-with-stray-bom-and-zero-width-space",
        all_tables(lambda n, t: codecs.BOM_UTF8 + ("\ufeff\u200b" + t).encode("utf-8")), marriage_page_intact),
    Odd("csv-title-rows-above-the-header", csv_titles, marriage_page_intact, {(f"{P}:1", "title_rows")}),
    Odd("blank-and-comma-only-rows", blank_lines, title_is("1.004000", rows("procedures")[4][1]),
        {(f"{P}:7:agency", "missing_expected")}),
    Odd("column-without-a-name", unnamed_column, not_shown("ghi chú nội bộ"), {(f"{C}:1:cột 3", "unnamed_column")}),
    Odd("control-characters", edit("procedures", 2, "name", CONTROL_NAME), controls_removed,
        {(f"{P}:2:name", "control_characters")}),
    Odd("long-but-legal-cell", edit("procedures", 2, "steps", "Nộp hồ sơ. " * 5_000), long_steps),
    Odd("header-only-documents", lambda d: put(d, "documents", rows("documents")[:1]), no_documents),
    Odd("header-only-statistics", stats(), statistics_not_published),
    Odd("xlsx-workbook-with-numbers", workbook(lambda b: None), marriage_page_intact),
    Odd("xlsx-title-rows-merged", workbook(title_rows("procedures")), marriage_page_intact,
        {(f"{XLSX}[procedures]:1", "title_rows")}),
    Odd("xlsx-merged-procedure-codes", workbook(merged_codes), merged_documents,
        {(f"{XLSX}[documents]:2:procedure_code", "merged_cells"), (f"{XLSX}[documents]:6:procedure_code",
                                                                    "merged_cells")}),
    Odd("xlsx-formula-looking-text", workbook(formulas_in_workbook), formulas_inert),
    Odd("count-with-dot-thousands", count("1.234"), statistic("received_total", "1234")),
    Odd("count-with-comma-thousands", count("1,234"), statistic("received_total", "1234")),
    Odd("count-with-two-groups", count("1.234.567"), statistic("received_total", "1234567")),
    Odd("count-with-space-thousands", count("12 345"), statistic("received_total", "12345")),
    Odd("largest-count", count("999.999.999.999"), statistic("received_total", "999999999999")),
    Odd("count-with-leading-zeros", count("007"), statistic("received_total", "7")),
]


@pytest.mark.parametrize("case", ODD, ids=repr)
def test_odd_input_builds_a_site_with_the_value_as_typed(case: Odd, data_dir: Path, tmp_path: Path):
    case.make(data_dir)
    site = tmp_path / "site"
    publication, _ = build(Options(Path(CONFIG), site, data_dir, say=lambda text: None))
    assert case.warnings <= {(p.location(), p.code) for p in publication.report.warnings}
    case.check(site)


# --- through the real command line: exit codes, messages, never a traceback ---------------------------------------

# A few cases through a real process (every case runs in-process above): its exit code and stderr.
SUBPROCESS = ["nul-bytes", "xls-workbook", "utf-16-unpaired-surrogate"]


@pytest.mark.parametrize("case", [c for c in BAD if c.id in SUBPROCESS], ids=repr)
def test_command_line_reports_bad_input_without_a_traceback(case: Bad, data_dir: Path, tmp_path: Path):
    case.make(data_dir)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data_dir),
                             "--site-dir", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    [(location, code)] = case.errors
    assert f"{location}: " in result.stderr and f"[{code}]" in result.stderr
    assert not (tmp_path / "site").exists()


def test_command_line_reads_windows_1258_and_says_so(data_dir: Path, tmp_path: Path):
    all_tables(lambda n, t: cp1258(t))(data_dir)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data_dir),
                             "--site-dir", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "tệp mã Windows-1258, đã đọc và chuyển sang UTF-8 [encoding_windows_1258]" in result.stderr
    marriage_page_intact(tmp_path / "site")
