"""Statistics workbooks laid out as the printed Biểu số 06/VPCP/KSTT (generator/bieu06.py), Vietnamese column
headers, and workbooks that are large, hidden or carry text-direction characters (issue #14, points 2, 3 and 6).

Every workbook is built here with openpyxl, as shared/FORMATS.md §2 describes the exports of provincial systems:
title block, header of merged cells, the (1)…(13) numbering row, group, item and «Tổng số» rows, notes below."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from openpyxl.utils import range_boundaries

from generator import load
from generator.build import prepare
from generator.load import load_all
from generator.problems import DataError, Report
from generator.schema import STATISTICS

from conftest import FIXTURES, TEMPLATES

COUNTS = ["received_total", "received_online", "received_offline", "carried_over", "resolved_total",
          "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_in_time", "pending_overdue"]

# The title block of the printed form: (range, text), rows counted from its first row.
TITLE = [("A1:B1", "Biểu số 06/VPCP/KSTT"),
         ("C1:J1", "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"),
         ("K1:M1", "- Đơn vị báo cáo: UBND tỉnh Thử Nghiệm"),
         ("A2:B3", "Ban hành theo Thông tư số 01/2020/TT-VPCP"), ("C2:J2", "Kỳ báo cáo: Quý I/2020"),
         ("C3:J3", "(Từ ngày 01/12/2019 đến ngày 29/02/2020)"), ("K2:M3", "- Đơn vị nhận báo cáo: Văn phòng Chính phủ"),
         ("A4:M4", "Đơn vị tính: Số hồ sơ TTHC.")]
# The header, rows counted from its first row, and the numbering row under it.
HEADER = [("A1:A3", "STT"), ("B1:B3", "Lĩnh vực, công việc giải quyết theo cấp"),
          ("C1:F1", "Số hồ sơ nhận giải quyết"), ("G1:J1", "Số hồ sơ đã giải quyết"),
          ("K1:M1", "Số lượng hồ sơ đang giải quyết"), ("C2:C3", "Tổng số"), ("D2:E2", "Trong đó"),
          ("F2:F3", "Từ kỳ trước"), ("G2:G3", "Tổng số"), ("H2:H3", "Trước hạn"), ("I2:I3", "Đúng hạn"),
          ("J2:J3", "Quá hạn"), ("K2:K3", "Tổng số"), ("L2:L3", "Trong hạn"), ("M2:M3", "Quá hạn"),
          ("D3", "Trực tuyến"), ("E3", "Trực tiếp, dịch vụ bưu chính")]
NUMBERING = [f"({n})" for n in range(1, 14)]


def figures(online, offline, carried, early, on_time, late, in_time, overdue) -> list:
    """(3)…(13) of a row that adds up: received = new + carried = resolved + pending."""
    resolved, pending = early + on_time + late, in_time + overdue
    assert online + offline + carried == resolved + pending
    return [online + offline + carried, online, offline, carried, resolved, early, on_time, late, pending, in_time,
            overdue]


SO_TU_PHAP = figures(100, 1100, 34, 600, 500, 34, 90, 10)
SO_XAY_DUNG = figures(10, 20, 0, 10, 15, 0, 5, 0)
HUYEN_A = figures(5, 15, 0, 5, 10, 1, 4, 0)
HUYEN_B = figures(1, 9, 2, 2, 8, 0, 1, 1)
HUYEN = [a + b for a, b in zip(HUYEN_A, HUYEN_B)]
TOTAL = [a + b + c for a, b, c in zip(SO_TU_PHAP, SO_XAY_DUNG, HUYEN)]
BODY = [["I", "Cấp tỉnh"], ["1", "Sở Tư pháp", *SO_TU_PHAP], ["2", "Sở Xây dựng", *SO_XAY_DUNG],
        ["II", "Cấp huyện", *HUYEN], ["1", "UBND huyện A", *HUYEN_A], ["2", "UBND huyện B", *HUYEN_B],
        ["", "Tổng số", *TOTAL]]
FOOTER = [[], ["Ghi chú: số liệu trích từ Hệ thống thông tin giải quyết TTHC tỉnh."], [],
          ["", "NGƯỜI LẬP BIỂU", "", "", "", "", "", "", "", "", "THỦ TRƯỞNG ĐƠN VỊ"]]
EXPECTED = [("2020-Q1", "tinh", "Sở Tư pháp", SO_TU_PHAP), ("2020-Q1", "tinh", "Sở Xây dựng", SO_XAY_DUNG),
            ("2020-Q1", "huyen", "", HUYEN), ("2020-Q1", "huyen", "UBND huyện A", HUYEN_A),
            ("2020-Q1", "huyen", "UBND huyện B", HUYEN_B), ("2020-Q1", "tong", "", TOTAL)]


def put(sheet, ranges: list[tuple[str, str]], first_row: int) -> None:
    """Each text in its range, merged as Excel merges it, the ranges moved down to start at FIRST_ROW."""
    for ref, text in ranges:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        sheet.cell(min_row + first_row - 1, min_col).value = text
        if (min_col, min_row) != (max_col, max_row):
            sheet.merge_cells(start_row=min_row + first_row - 1, start_column=min_col,
                              end_row=max_row + first_row - 1, end_column=max_col)


def printed_form(sheet, title=TITLE, header=HEADER, numbering=NUMBERING, body=BODY, title_height: int = 4) -> int:
    """SHEET laid out as the printed form; the spreadsheet row of its first data row."""
    put(sheet, title, 1)
    top = title_height + 1
    put(sheet, header, top)
    row = top + max(range_boundaries(ref)[3] for ref, _ in header)
    if numbering:
        for column, text in enumerate(numbering, start=1):
            sheet.cell(row, column).value = text
        row += 1
    first = row
    for values in [*body, *FOOTER]:
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column).value = value
        row += 1
    return first


def data_with(tmp_path: Path, book: openpyxl.Workbook, name: str = "bieu-06.xlsx") -> Path:
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir(exist_ok=True)
    book.save(data / "statistics" / name)
    return data


def workbook(*sheets: str) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for title in sheets[1:]:
        book.create_sheet(title)
    return book


def rows_of(publication) -> list[tuple]:
    stats = publication.statistics
    return [(r["period"], r["level"], r["agency"], [None if r[c] is None or r[c] != r[c] else int(r[c])
                                                    for c in COUNTS])
            for r in stats.astype(object).where(stats.notna(), None).to_dict("records")]


def published(data: Path):
    """The publication and its warnings as (location, code)."""
    publication = prepare(data, TEMPLATES)
    return publication, {(p.location(), p.code) for p in publication.report.warnings}


def errors(data: Path) -> list[tuple[str, str]]:
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    return [(p.location(), p.code) for p in caught.value.report.errors]


# --- the printed form --------------------------------------------------------------------------------------------

def test_printed_form_with_merged_header_cells_is_read_as_statistics_rows(tmp_path):
    book = workbook("Quý I")
    first = printed_form(book.active)
    book.active.cell(first + 2, 3).value = "1.264"  # Sở Xây dựng's received_total as text: wrong on purpose
    book.active.cell(first + 1, 3).value = "1.234"  # Sở Tư pháp's, as text with «.» grouping: right
    publication, warnings = published(data_with(tmp_path, book))
    expected = [list(e) for e in EXPECTED]
    expected[1][3] = [1264, *SO_XAY_DUNG[1:]]
    assert rows_of(publication) == [tuple(e) for e in expected]
    # Every figure is checked like a CSV row's: the wrong total is a finding, located at its row of the sheet.
    assert {(f.check, f.agency, f.file, f.row) for f in publication.findings.itertuples()} >= {
        ("received_sum", "Sở Xây dựng", "statistics/bieu-06.xlsx[Quý I]", first + 2)}
    note = publication.statistics["note"].iloc[0]
    assert "Kỳ báo cáo: Quý I/2020 (Từ ngày 01/12/2019 đến ngày 29/02/2020)" in note
    assert "Đơn vị báo cáo: UBND tỉnh Thử Nghiệm" in note
    assert not {code for _, code in warnings} & {"merged_cells", "skipped_sheet", "unknown_column"}


def test_a_bad_figure_points_at_its_cell_of_the_sheet(tmp_path):
    book = workbook("Quý I")
    first = printed_form(book.active)
    book.active.cell(first + 1, 8).value = "12,5"  # H: resolved_early of Sở Tư pháp
    book.active.cell(first + 4, 2).value = "Sở Tư pháp"  # under Cấp huyện: another scope, not a duplicate
    book.active.cell(first + 2, 2).value = "Sở Tư pháp"  # under Cấp tỉnh again: a duplicate
    assert errors(data_with(tmp_path, book)) == [
        (f"statistics/bieu-06.xlsx:'Quý I'!H{first + 1}:resolved_early", "invalid_count"),
        (f"statistics/bieu-06.xlsx:'Quý I'!B{first + 2}:period", "duplicate_row")]


def test_a_title_block_of_another_height_or_none_and_the_period_from_the_sheet_name(tmp_path):
    book = workbook("tall", "2024-Q2")
    tall = [*TITLE, ("A5:M5", "UBND TỈNH THỬ NGHIỆM"), ("A6:M6", "(kèm theo Báo cáo số 12/BC-UBND)")]
    printed_form(book["tall"], title=tall, title_height=7)
    printed_form(book["2024-Q2"], title=[], title_height=0)  # no title block: the header starts at row 1
    publication, _ = published(data_with(tmp_path, book))
    assert rows_of(publication) == [*EXPECTED, *(("2024-Q2", *e[1:]) for e in EXPECTED)]


def test_the_header_found_by_its_labels_without_a_numbering_row(tmp_path):
    book = workbook("Năm 2021")
    printed_form(book.active, title=[("C2:J2", "Kỳ báo cáo: Năm 2021")], numbering=None)
    publication, _ = published(data_with(tmp_path, book))
    assert rows_of(publication) == [("2021", *e[1:]) for e in EXPECTED]


def test_the_numbering_row_alone_gives_the_columns_of_the_printed_form(tmp_path):
    book = workbook("T3")
    printed_form(book.active, title=[("C2:J2", "Kỳ báo cáo: Tháng 3/2024")], header=[("A1", "STT")])
    publication, _ = published(data_with(tmp_path, book))
    assert rows_of(publication) == [("2024-03", *e[1:]) for e in EXPECTED]


def test_two_sheets_and_a_notes_sheet_which_is_skipped_with_a_warning(tmp_path):
    book = workbook("Q1", "Q2", "Nguồn")
    printed_form(book["Q1"])
    q2_title = [(ref, text) for ref, text in TITLE if not text.startswith(("Kỳ", "(Từ"))]
    printed_form(book["Q2"], title=[*q2_title, ("C2:J2", "Kỳ báo cáo: Quý II/2020")])
    book["Nguồn"]["A1"] = "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh ngày 05/04/2020."
    book["Nguồn"]["A2"] = 2020
    publication, warnings = published(data_with(tmp_path, book))
    assert ("statistics/bieu-06.xlsx", "skipped_sheet") in warnings
    assert [w for w in publication.report.warnings if w.code == "skipped_sheet"][0].received == "Nguồn"
    assert sorted(set(publication.statistics["period"])) == ["2020-Q1", "2020-Q2"]
    # The carried-over figure of Q2 is checked against what Q1 left pending, across the sheets.
    assert {(f.period, f.level, f.agency, f.file) for f in publication.findings.itertuples()
            if f.check == "carry_over"} == {("2020-Q2", level, agency, "statistics/bieu-06.xlsx[Q2]")
                                            for _, level, agency, counts in EXPECTED if counts[8] != counts[3]}


def test_form_06a_with_its_own_wording(tmp_path):
    header = [("A1:A3", "Số TT"), ("B1:B3", "Tên cơ quan, đơn vị"), ("C1:F1", "Tiếp nhận"),
              ("G1:J1", "Số hồ sơ đã giải quyết"), ("K1:M1", "Số hồ sơ đang giải quyết"), ("C2:C3", "Tổng số"),
              ("D2:E2", "Số mới tiếp nhận"), ("F2:F3", "Số kỳ trước chuyển qua"), ("G2:G3", "Tổng số"),
              ("H2:H3", "Giải quyết trước hạn"), ("I2:I3", "Giải quyết đúng hạn"), ("J2:J3", "Giải quyết quá hạn"),
              ("K2:K3", "Tổng số"), ("L2:L3", "Chưa đến hạn"), ("M2:M3", "Quá hạn"), ("D3", "Trực tuyến"),
              ("E3", "Trực tiếp hoặc qua dịch vụ bưu chính")]
    title = [("A1:B1", "Biểu mẫu II.06a"), ("C2:J2", "Kỳ báo cáo:"), ("K2:M2", "6 tháng đầu năm 2017")]
    book = workbook("II.06a")
    printed_form(book.active, title=title, header=header)
    publication, _ = published(data_with(tmp_path, book))
    assert rows_of(publication) == [("2017-01-01..2017-06-30", *e[1:]) for e in EXPECTED]


def test_the_quarterly_variant_with_extra_columns_kept_in_the_note(tmp_path):
    header = [*(h for h in HEADER if h[0] not in ("D2:E2", "F2:F3", "K1:M1")), ("D2:E2", "Trong kỳ"),
              ("F2:F3", "Kỳ trước"), ("K1:P1", "Số lượng hồ sơ đang giải quyết"), ("N2:N3", "Chờ bổ sung"),
              ("O2:O3", "Trả lại/Rút HS"), ("P2:P3", "Tỷ lệ hài lòng (%)")]
    body = [row if len(row) < 3 else [*row, 2, 3, "98,5"] for row in BODY]
    book = workbook("Quý 3-2021")
    printed_form(book.active, title=[], title_height=0, header=header,
                 numbering=[f"({n})" for n in range(1, 17)], body=body)
    publication, _ = published(data_with(tmp_path, book))
    assert rows_of(publication) == [("2021-Q3", *e[1:]) for e in EXPECTED]
    assert publication.statistics["withdrawn"].tolist() == [3] * 6
    assert publication.statistics["note"].tolist() == [
        "Số lượng hồ sơ đang giải quyết – Chờ bổ sung: 2; Số lượng hồ sơ đang giải quyết – Tỷ lệ hài lòng (%): 98,5"] * 6
    # The open data publishes them.
    assert "Chờ bổ sung: 2" in publication.files["du-lieu/thong-ke.csv"].decode("utf-8")


def test_a_cell_merged_over_8_and_9_is_resolved_in_time(tmp_path):
    book = workbook("Q1")
    first = printed_form(book.active)
    sheet = book.active
    sheet.cell(first + 1, 8).value = SO_TU_PHAP[5] + SO_TU_PHAP[6]
    sheet.cell(first + 1, 9).value = None
    sheet.merge_cells(start_row=first + 1, start_column=8, end_row=first + 1, end_column=9)
    publication, _ = published(data_with(tmp_path, book))
    row = publication.statistics.iloc[0]
    assert (row["agency"], row["resolved_in_time"], row["resolved_early"], row["resolved_on_time"]) == (
        "Sở Tư pháp", 1100, pd_na(), pd_na())
    assert int(row["resolved_calc"]) == SO_TU_PHAP[4] and publication.findings.empty


def pd_na():
    import pandas as pd

    return pd.NA


def test_items_named_by_field_when_the_column_says_so(tmp_path):
    header = [("B1:B3", "Lĩnh vực") if ref == "B1:B3" else (ref, text) for ref, text in HEADER]
    body = [["I", "Cấp tỉnh"], ["1", "Hộ tịch", *SO_TU_PHAP], ["2", "Xây dựng", *SO_XAY_DUNG]]
    book = workbook("Q1")
    printed_form(book.active, header=header, body=body)
    publication, _ = published(data_with(tmp_path, book))
    assert publication.statistics[["level", "agency", "field"]].values.tolist() == [
        ["tinh", "", "Hộ tịch"], ["tinh", "", "Xây dựng"]]


def test_a_workbook_without_a_period_is_one_error_that_says_how_to_give_it(tmp_path):
    book = workbook("Sheet1")
    printed_form(book.active, title=[("C2:J2", "Kỳ báo cáo: ……")])
    data = data_with(tmp_path, book)
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    [problem] = caught.value.report.errors
    assert (problem.code, problem.location()) == ("missing_period", "statistics/bieu-06.xlsx:Sheet1!C2")
    assert "Kỳ báo cáo: Quý I/2024" in problem.message and "tên tệp" in problem.message
    # A period in the file's name is enough.
    (data / "statistics" / "bieu-06.xlsx").rename(data / "statistics" / "bieu-06-2024-Q1.xlsx")
    assert set(prepare(data, TEMPLATES).statistics["period"]) == {"2024-Q1"}


# --- Vietnamese headers --------------------------------------------------------------------------------------------

def relabel(data: Path, table: str, labels: dict[str, str], title: str | None = None) -> None:
    path = data / "catalogue" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[0] = [labels.get(h, h) for h in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(([[title]] if title else []) + rows)


def vietnamese(table) -> dict[str, str]:
    return {c.name: c.label for c in table.columns}


def test_vietnamese_headers_in_any_case_and_without_marks(tmp_path):
    from generator.schema import CATALOGUE_TABLES

    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    for table in CATALOGUE_TABLES:
        relabel(data, table.name, vietnamese(table), title="DANH MỤC THỦ TỤC")
    relabel(data, "procedures", {"Mã thủ tục": "MÃ THỦ TỤC", "Cấp thực hiện": "cap thuc hien"})
    reference = prepare(FIXTURES / "small", TEMPLATES)
    publication = prepare(data, TEMPLATES)
    assert [p.code for p in publication.report.errors] == []
    assert ([(p.code, p.name, p.levels, p.agency) for p in publication.renderer.procedures.values()]
            == [(p.code, p.name, p.levels, p.agency) for p in reference.renderer.procedures.values()])


def test_an_unknown_header_is_one_error_naming_the_closest_column(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    relabel(data, "procedures", {"code": "Mã TTHC", "name": "Tên thủ tục"}, title="DANH MỤC THỦ TỤC")
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    [problem] = caught.value.report.errors  # not one per document and channel naming the unreadable codes
    assert (problem.code, problem.location()) == ("unknown_header", "catalogue/procedures.csv:2:Mã TTHC")
    assert "«code» (Mã thủ tục)" in problem.message


def test_a_header_naming_no_column_is_one_error_not_one_per_row(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    with (data / "catalogue" / "channels.csv").open("w", encoding="utf-8") as f:
        f.write("BẢNG CÁCH THỨC THỰC HIỆN\nMã TTHC,Kênh,Thời gian\n" + "1.001193,Trực tiếp,5 ngày, thêm\n" * 200)
    [problem] = errors(data)
    assert problem == ("catalogue/channels.csv:1", "unknown_header")


# --- bounded workbooks, hidden sheets, text direction -----------------------------------------------------------------

def tidy(book_sheet, *rows) -> None:
    book_sheet.append(["period", "level", "agency", "received_total"])
    for row in rows:
        book_sheet.append(row)


def test_a_used_range_of_a_million_rows_reads_only_the_cells_with_values(tmp_path):
    book = workbook("bieu-06")
    tidy(book.active, ["2024-Q1", "tinh", "Sở Tư pháp", 120])
    book.active.cell(1_048_576, 13).font = Font(bold=True)  # one formatted empty cell: used range A1:M1048576
    data = data_with(tmp_path, book)
    report = Report()
    [table] = load_all(data / "statistics", STATISTICS, data, report)
    assert (table.rows, table.columns["agency"], report.problems) == ([2], ["Sở Tư pháp"], [])


def test_values_spread_past_the_limit_are_an_error_with_their_size(tmp_path):
    book = workbook("bieu-06")
    tidy(book.active, ["2024-Q1", "tinh", "Sở Tư pháp", 120])
    book.active.cell(1_048_576, 13).value = " "  # a stray value: A1:M1048576 holds values
    data = data_with(tmp_path, book)
    report = Report()
    assert load_all(data / "statistics", STATISTICS, data, report) == []
    [problem] = report.problems
    assert (problem.code, problem.file, problem.received) == (
        "workbook_too_large", "statistics/bieu-06.xlsx[bieu-06]", "1.048.576 hàng × 13 cột")


def test_a_workbook_that_unpacks_past_the_limit_is_not_read(tmp_path, monkeypatch):
    book = workbook("bieu-06")
    tidy(book.active, *(["2024-Q1", "tinh", f"Cơ quan {i}", i] for i in range(2000)))
    data = data_with(tmp_path, book)
    monkeypatch.setattr(load, "MAX_WORKBOOK_BYTES", 50_000)
    report = Report()
    assert load_all(data / "statistics", STATISTICS, data, report) == []
    [problem] = report.problems
    assert problem.code == "workbook_too_large" and "quá giới hạn 50.000 byte" in problem.message
    assert problem.received == f"{size(data):,} byte".replace(",", ".")


def size(data: Path) -> int:
    """The bytes the parts of the statistics workbook unpack to."""
    import zipfile

    with zipfile.ZipFile(data / "statistics" / "bieu-06.xlsx") as archive:
        return sum(info.file_size for info in archive.infolist())


def test_hidden_sheets_are_skipped_with_a_warning(tmp_path):
    # Statistics: a hidden draft beside the published sheet.
    book = workbook("nháp", "công bố")
    tidy(book["nháp"], ["2024-Q1", "tinh", "Sở Tư pháp", 999])
    tidy(book["công bố"], ["2024-Q1", "tinh", "Sở Tư pháp", 120])
    book["nháp"].sheet_state = "hidden"
    publication, warnings = published(data_with(tmp_path, book))
    assert publication.statistics["received_total"].tolist() == [120]
    assert ("statistics/bieu-06.xlsx", "hidden_sheet") in warnings
    # The catalogue: a hidden draft named like the sheet read, which must not replace the visible one.
    catalogue = tmp_path / "data" / "catalogue"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in ("procedures", "documents", "channels"):
        with (catalogue / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        for title in (f"{table} ", table) if table == "procedures" else (table,):
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append([("NHÁP " + v if v == "Thủ tục đăng ký kết hôn" and title != table else v) for v in row])
        (catalogue / f"{table}.csv").unlink()
    book["procedures "].sheet_state = "veryHidden"
    book.save(catalogue / "danh-muc.xlsx")
    publication, warnings = published(tmp_path / "data")
    assert publication.renderer.procedures["1.001193"].name == "Thủ tục đăng ký kết hôn"
    assert ("catalogue/danh-muc.xlsx", "hidden_sheet") in warnings


BIDI = "\u202e\u2066\u202a\u2069"


def test_text_direction_characters_are_removed_with_a_warning(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    path = data / "catalogue" / "procedures.csv"
    text = path.read_text(encoding="utf-8").replace("Thủ tục đăng ký kết hôn", f"Thủ tục {BIDI[0]}đăng ký{BIDI[3]} "
                                                   f"kết {BIDI[1]}hôn{BIDI[2]}")
    path.write_text(text, encoding="utf-8")
    book = workbook("Q1")
    first = printed_form(book.active)
    book.active.cell(first + 1, 2).value = f"Sở {BIDI[0]}Tư pháp"
    publication, warnings = published(data_with(tmp_path, book))
    assert publication.renderer.procedures["1.001193"].name == "Thủ tục đăng ký kết hôn"
    assert publication.statistics["agency"].iloc[0] == "Sở Tư pháp"
    assert ("catalogue/procedures.csv:2:name", "control_characters") in warnings
    assert (f"statistics/bieu-06.xlsx:Q1!B{first + 1}:agency", "control_characters") in warnings
