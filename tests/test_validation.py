"""Loading and validation: each problem is reported with its exact file, row, column and code."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from generator.build import prepare
from generator.problems import DataError

from conftest import FIXTURES, TEMPLATES

HEADERS = {
    "procedures": "code,name,field,level,agency",
    "documents": "procedure_code,case,name,originals,copies,form",
    "channels": "procedure_code,channel,time,fee,description",
}


def write(data: Path, **tables: str) -> Path:
    """Catalogue files: each table is its header plus the given rows (tables not given get header + nothing)."""
    (data / "catalogue").mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        body = tables.get(name, "")
        content = body if body.startswith(("code", "procedure_code")) else header + "\n" + body
        (data / "catalogue" / f"{name}.csv").write_text(content, encoding="utf-8")
    return data


def problems(data: Path) -> list[str]:
    try:
        publication = prepare(data, TEMPLATES)
    except DataError as exc:
        return [str(p) for p in exc.report.problems]
    return [str(p) for p in publication.report.problems]


def codes(data: Path) -> set[tuple[str, str]]:
    """(location, code) of every problem."""
    return {(line.split(": ", 1)[0], line.rsplit("[", 1)[1].rstrip("]")) for line in problems(data)}


def test_fixture_has_only_the_expected_warnings():
    assert codes(FIXTURES / "small") == {
        ("catalogue/procedures.csv:5:agency", "missing_expected"),
        ("catalogue/channels.csv:6:time", "time_no_unit"),
        ("catalogue/channels.csv:6:fee", "fee_unparsed"),
    }


def test_every_error_is_collected_with_its_location(tmp_path):
    data = write(
        tmp_path,
        procedures="1.1,Thủ tục A,Lĩnh vực,Cấp tỉnh,Sở A\n"
                   "1.1,Thủ tục B,Lĩnh vực,tinh,Sở A\n"
                   ",Thủ tục C,Lĩnh vực,Cấp vùng,Sở A\n"
                   "1 2,Thủ tục D,Lĩnh vực,xa,Sở A\n",
        documents="1.1,,Tờ khai,1,-1,\n"
                  "9.9,,Tờ khai,1.5,0,\n",
        channels="1.1,Fax,5 ngày,Miễn phí,\n"
                 "8.8,Trực tiếp,5 ngày,Miễn phí,\n",
    )
    assert codes(data) == {
        ("catalogue/procedures.csv:3:code", "duplicate_code"),
        ("catalogue/procedures.csv:4:code", "missing_value"),
        ("catalogue/procedures.csv:4:level", "unknown_level"),
        ("catalogue/procedures.csv:5:code", "invalid_code"),
        ("catalogue/documents.csv:2:copies", "invalid_count"),
        ("catalogue/documents.csv:3:originals", "invalid_count"),
        ("catalogue/documents.csv:3:procedure_code", "unknown_procedure"),
        ("catalogue/channels.csv:2:channel", "unknown_channel"),
        ("catalogue/channels.csv:3:procedure_code", "unknown_procedure"),
    }


def test_messages_say_expected_and_received(tmp_path):
    data = write(tmp_path, procedures="1.1,A,F,Cấp vùng,S\n")
    [line] = problems(data)
    assert line.startswith("catalogue/procedures.csv:2:level: cấp không hợp lệ (cần bo ; tinh")
    assert line.endswith("nhận được 'Cấp vùng') [unknown_level]")


def test_missing_columns_and_files(tmp_path):
    data = write(tmp_path, procedures="code,name\n1.1,A\n")
    (data / "catalogue" / "channels.csv").unlink()
    assert codes(data) == {
        ("catalogue/procedures.csv:1:field", "missing_column"),
        ("catalogue/procedures.csv:1:level", "missing_column"),
        ("catalogue/procedures.csv:1:agency", "missing_column"),
        ("catalogue/channels.csv", "missing_file"),
    }


def test_rows_count_records_not_lines(tmp_path):
    """A cell with line breaks is one spreadsheet row: the next record's row number is not shifted."""
    data = write(tmp_path, procedures='1.1,"Thủ tục\nhai dòng",F,tinh,S\n1.2,B,F,tinh,\n')
    assert codes(data) == {("catalogue/procedures.csv:3:agency", "missing_expected")}


def test_bom_nfd_and_labels_are_accepted(tmp_path):
    nfd = "Thu\u0309 tu\u0323c đăng ky\u0301"
    data = write(tmp_path, procedures=f"1.1,{nfd},Hộ tịch,Cấp xã,UBND\n",
                 channels="1.1,Trực tuyến,5 ngày làm việc,Miễn phí,\n1.1,truc_tiep,7 ngày,Không,\n")
    path = data / "catalogue" / "procedures.csv"
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    publication = prepare(data, TEMPLATES)
    [procedure] = list(publication.renderer.procedures.values())
    assert procedure.name == "Thủ tục đăng ký"  # NFC
    assert [c.channel for c in procedure.channels] == ["truc_tuyen", "truc_tiep"]  # file order kept
    assert procedure.levels == ("xa",)


def test_not_utf8_is_an_error_not_a_traceback(tmp_path):
    """Vietnamese Windows-1258 is read (with a warning); other legacy encodings are an error with the line."""
    data = write(tmp_path, procedures="1.1,A,F,tinh,S\n")
    legacy = unicodedata.normalize("NFD", "code,name,field,level,agency\n1.1,Thủ tục,F,tinh,S\n").encode("cp1258")
    (data / "catalogue" / "procedures.csv").write_bytes(legacy)
    assert codes(data) == {("catalogue/procedures.csv", "encoding_windows_1258")}
    assert list(prepare(data, TEMPLATES).renderer.procedures.values())[0].name == "Thủ tục"
    western = "code,name,field,level,agency\n1.1,Año señor,F,tinh,S\n".encode("cp1252")
    (data / "catalogue" / "procedures.csv").write_bytes(western)
    assert codes(data) == {("catalogue/procedures.csv:2:name", "encoding")}


def test_xlsx_workbook_with_three_sheets(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "procedures"
    workbook.active.append(HEADERS["procedures"].split(","))
    workbook.active.append(["1.1", "Thủ tục A", "Hộ tịch", "Cấp tỉnh", "Sở Tư pháp"])
    workbook.active.append(["1.2", "Thủ tục B", "Hộ tịch", "Cấp vùng", "Sở Tư pháp"])
    documents = workbook.create_sheet("documents")
    documents.append(HEADERS["documents"].split(","))
    documents.append(["1.1", None, "Tờ khai", 1, 0, None])
    channels = workbook.create_sheet("channels")
    channels.append(HEADERS["channels"].split(","))
    channels.append(["1.1", "Trực tiếp", "5 ngày làm việc", "Miễn phí", None])
    (tmp_path / "catalogue").mkdir()
    workbook.save(tmp_path / "catalogue" / "danh-muc.xlsx")
    assert codes(tmp_path) == {("catalogue/danh-muc.xlsx[procedures]:3:level", "unknown_level")}
    workbook["procedures"].delete_rows(3)
    workbook.save(tmp_path / "catalogue" / "danh-muc.xlsx")
    [procedure] = list(prepare(tmp_path, TEMPLATES).renderer.procedures.values())
    assert procedure.documents[0].originals == 1 and procedure.channels[0].time == "5 ngày làm việc"


@pytest.mark.parametrize("content, code", [("", "empty_file"), ("\n\n", "empty_file")])
def test_empty_files(tmp_path, content, code):
    data = write(tmp_path, procedures="1.1,A,F,tinh,S\n")
    (data / "catalogue" / "documents.csv").write_text(content)
    assert codes(data) == {("catalogue/documents.csv", code)}
