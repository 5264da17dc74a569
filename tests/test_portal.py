"""Portal JSON in (shared FORMATS.md §1) and `congkhai convert`, on the portal's real records (tests/fixtures/portal,
copied from shared/data/real/national-portal-json): every mapping rule and every problem, the file shapes, and the
round trips. In process, on a few records: the site is compared as the build makes it before MkDocs (`prepare`: every
generated page, page body and file), which is what data can change."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from generator import build
from generator.cli import main
from generator.load import load_tables
from generator.problems import DataError, Report
from generator.schema import CATALOGUE_TABLES

from conftest import CONFIG, FIXTURES, TEMPLATES

RECORDS = FIXTURES / "portal"


def record(name: str) -> dict:
    return json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))


def data_dir(tmp_path: Path, files: dict[str, object], name: str = "data") -> Path:
    """A data folder whose catalogue/ holds FILES: name → a record (or any JSON value), or bytes as they are."""
    directory = tmp_path / name
    (directory / "catalogue").mkdir(parents=True)
    for file, content in files.items():
        data = content if isinstance(content, bytes) else json.dumps(content, ensure_ascii=False).encode("utf-8")
        (directory / "catalogue" / file).write_bytes(data)
    return directory


def prepared(directory: Path):
    """The publication of DIRECTORY, or its DataError's report."""
    try:
        return build.prepare(directory, TEMPLATES)
    except DataError as exc:
        return exc.report


def problems(report: Report, code: str) -> list[str]:
    return [f"{p.location()} {p.received}".strip() for p in report.problems if p.code == code]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The eight real records, one file each, and the publication made from them."""
    directory = tmp_path_factory.mktemp("portal") / "data"
    shutil.copytree(RECORDS, directory / "catalogue", ignore=shutil.ignore_patterns("*.md"))
    publication = build.prepare(directory, TEMPLATES)
    return directory, publication


def procedure(real, code: str):
    return real[1].renderer.procedures[code]


# --- mapping rules ------------------------------------------------------------------------------------------------

def test_levels_from_every_true_flag(tmp_path, real):
    assert procedure(real, "1.010038").levels == ("xa",)
    assert procedure(real, "1.012672").levels == ("tinh",)
    several = record("1.010038") | {"isMinistry": True, "isProvince": True, "isOtherAgency": True}
    none = record("1.012672") | {"isProvince": False}
    report = prepared(data_dir(tmp_path, {"a.json": several, "b.json": none})).report
    assert report.errors == []
    made = prepared(data_dir(tmp_path, {"a.json": several}, "one"))
    assert made.renderer.procedures["1.010038"].levels == ("bo", "tinh", "xa", "khac")
    assert problems(report, "missing_expected")[:1] == [
        "catalogue/b.json:$['isMinistry','isProvince','isWard','isOtherAgency']"]


def test_agency_and_its_fall_backs(tmp_path, real):
    assert procedure(real, "1.010038").agency == "Công an cấp Xã"  # departmentsExecuting
    # 1.004500 has no executing department: its unit group is the agency, and the authority falls back the same way.
    assert procedure(real, "1.004500").agency == "Ủy ban nhân dân cấp tỉnh"
    assert procedure(real, "1.012672").agency == "Ủy ban nhân dân cấp tỉnh, Sở Nội vụ Thành phố Hà Nội, Sở Dân tộc và Tôn giáo"
    assert [name for name, _ in procedure(real, "1.012672").agencies] == [
        "Ủy ban nhân dân cấp tỉnh", "Sở Nội vụ Thành phố Hà Nội", "Sở Dân tộc và Tôn giáo"]
    joined = record("1.004500") | {"unitGroupsExecuting": [], "executingAgencies": "Sở A, Sở B"}
    nothing = record("1.004500") | {"unitGroupsExecuting": [], "code": "1.000001"}
    publication = prepared(data_dir(tmp_path, {"a.json": joined, "b.json": nothing}))
    assert publication.renderer.procedures["1.004500"].agency == "Sở A, Sở B"
    assert publication.renderer.procedures["1.000001"].agency == ""
    # No agency at all: the warning points at the first place the portal keeps it.
    assert problems(publication.report, "missing_expected") == ["catalogue/b.json:$.departmentsExecuting"]


def test_each_execution_method_a_channel_row_in_order(real):
    channels = procedure(real, "1.007916").channels
    assert [(c.channel, c.time, c.time_days, c.time_working_days) for c in channels] == [
        ("truc_tuyen", "18 Ngày làm việc", 18, True), ("buu_chinh", "18 Ngày làm việc", 18, True),
        ("truc_tiep", "18 Ngày làm việc", 18, True), ("truc_tiep", "27 Ngày làm việc", 27, True),
        ("truc_tuyen", "27 Ngày làm việc", 27, True), ("buu_chinh", "27 Ngày làm việc", 27, True)]
    assert channels[3].description.startswith("27 ngày làm việc đối với trường hợp bố trí")
    calendar = procedure(real, "1.012672").channels[0]  # unit DAY: calendar days
    assert (calendar.time, calendar.time_days, calendar.time_working_days) == ("60 Ngày", 60, False)


def test_fees_one_tier_per_line_with_type_and_currency(real):
    tiers = procedure(real, "1.002549").channels[0]
    assert tiers.fee.split("\n") == [
        "Phí, lệ phí: 1.025.000 đồng (Kiểm tra điều kiện sản xuất thuốc thú y, thuốc thú y thủy sản: - Cơ sở mới thành "
        "lập có 1 dây chuyền (hoặc 1 phân xưởng); Hoặc cơ sở đang hoạt động có 2 dây chuyền (hoặc 2 phân xưởng) trở "
        "lên: 1.025.000 đồng/lầng/lần.)",  # as published
        "Phí, lệ phí: 1.300.000 đồng (Kiểm tra điều kiện sản xuất thuốc thú y, thuốc thú y thủy sản: Cơ sở mới thành "
        "lập có từ 2 dây chuyền (hoặc 2 phân xưởng) trở lên: 1.300.000 đồng/lần)",
        "Phí, lệ phí: 700.000 đồng (Kiểm tra điều kiện sản xuất thuốc thú y, thuốc thú y thủy sản: Cơ sở đang hoạt "
        "động có 1 dây chuyền (hoặc 1 phân xưởng): 700.000 đồng/lần)"]
    assert tiers.fee_vnd is None  # three amounts: none is «the» fee
    assert "catalogue/1.002549.json:$.executionMethods[0].fees" in [
        p.location() for p in real[1].report.problems if p.code == "fee_unparsed"]
    # A fee and an exemption: the amount the tiers agree on.
    assert procedure(real, "1.010038").channels[0].fee_vnd == 10_000
    assert procedure(real, "1.010038").channels[1].fee.startswith("Phí, lệ phí: 5.000 đồng (Trường hợp công dân nộp")


def test_a_usd_fee_is_shown_and_exported_in_usd(real):
    channel = procedure(real, "1.000931").channels[0]
    assert channel.fee == "Phí dịch vụ: 10 USD (10 USD/người)"
    assert (channel.fee_vnd, channel.fee_usd) == (None, 10)
    body = real[1].renderer.procedure_body("1.000931")
    assert "10 USD</span>" in body and "đồng</span>" not in body
    exported = json.loads(real[1].files.get("du-lieu/thu-tuc.json") or _open_data(real, "du-lieu/thu-tuc.json"))
    [item] = [p for p in exported if p["code"] == "1.000931"]
    assert (item["channels"][0]["fee_vnd"], item["channels"][0]["fee_usd"]) == (None, 10)
    rows = list(csv.DictReader(io.StringIO(_open_data(real, "du-lieu/cach-thuc.csv").decode("utf-8-sig"))))
    assert [(row["fee_vnd"], row["fee_usd"]) for row in rows if row["procedure_code"] == "1.000931"] == [("", "10")]


def _open_data(real, path: str) -> bytes:
    return real[1].files[path]


def test_value_0_with_a_text_is_not_free(real):
    see_text = procedure(real, "1.004500").channels[0]
    assert see_text.fee == "Phí, lệ phí: Theo quy định của Bộ Tài chính\nPhí dịch vụ: Theo quy định của Bộ Tài chính"
    assert see_text.fee_vnd is None
    free = procedure(real, "1.012672").channels[0]  # value 0, no text
    assert (free.fee, free.fee_vnd) == ("Phí, lệ phí: Miễn phí", 0)
    listings = {item.code: item for item in real[1].index.listings}
    assert listings["1.012672"].free and not listings["1.004500"].free
    # fees [] is «not stated»: empty, and a warning at the fees.
    assert procedure(real, "1.007916").channels[0].fee == ""
    assert "catalogue/1.007916.json:$.executionMethods[0].fees" in problems(real[1].report, "missing_expected")


def test_documents_grouped_by_case_with_quantities_and_forms(real):
    p = procedure(real, "1.010038")
    assert [(case, [(d.name[:25], d.originals, d.copies, d.form) for d in documents])
            for case, documents in p.document_cases] == [
        ("- Trường hợp thành viên hộ gia đình đăng ký tách hộ là vợ, chồng đã ly hôn mà vẫn được ở cùng chỗ ở hợp "
         "pháp, hồ sơ gồm:", [("Tờ khai thay đổi thông ti", 1, 0, "1.MuCT01banhnhkmtheoThngts53 (3).doc"),
                             ("Giấy tờ, tài liệu chứng m", 1, 0, "")]),
        ("- Tách hộ để đăng ký thường trú tại cùng một chỗ ở hợp pháp, hồ sơ gồm:",
         [("Tờ khai thay đổi thông ti", 1, 0, "1.MuCT01banhnhkmtheoThngts53 (4).doc")])]
    assert [case for case, _ in p.note_cases] == ["*Lưu ý:"]  # 0 originals and 0 copies: a guidance note
    forms = [d.form for d in procedure(real, "1.003702").documents]
    assert forms == ["Mau so 01 Phu luc III ND 24.docx; Mau so 02 Phu luc III ND 24.docx"]


def test_decision_number_and_dates_kept(real):
    p = procedure(real, "1.000358")
    assert (p.decision, p.decision_date, p.published_date) == ("01/QĐ-BCT", "2019-08-11", "2026-04-16")
    assert p.source_url == "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-cd62-75ce-b319-7b31d19fb35f"
    body = real[1].renderer.procedure_body("1.000358")
    assert "01/QĐ-BCT, ngày 11/08/2019" in body and "16/04/2026" in body
    rows = list(csv.DictReader(io.StringIO(_open_data(real, "du-lieu/thu-tuc.csv").decode("utf-8-sig"))))
    [row] = [row for row in rows if row["code"] == "1.000358"]
    assert (row["decision"], row["decision_date"], row["published_date"]) == ("01/QĐ-BCT", "2019-08-11", "2026-04-16")


def test_other_procedure_fields(real):
    p = procedure(real, "1.000358")
    assert (p.field, p.type, p.subjects) == ("Thương mại quốc tế", "TTHC được giao luật quy định chi tiết",
                                              "Người nước ngoài")
    # legalBasisesDetails repeats ids (seven entries, four laws); a code that is not a number is kept as published.
    assert p.legal_basis == ("11/2016/TT-BCT Thông tư số 11/2016/TT-BCT", "07/2016/NĐ-CP Nghị định số 07/2016/NĐ-CP",
                             "38/2025/TT-BCT Sửa đổi, bổ sung một số quy định về phân cấp thực hiện thủ tục hành "
                             "chính trong các lĩnh vực thuộc phạm vi quản lý của Bộ Công Thương",
                             "nghị định 146/2025 Nghị định số 146/2025/NĐ-CP")
    assert (procedure(real, "1.003702").online, p.online) == ("toan_trinh", "mot_phan")  # isFullProcess; ONLINE method
    assert procedure(real, "1.000931").online == ""  # no online method
    steps = procedure(real, "1.007916").steps
    assert steps.startswith("Hồ sơ chung: - Bước 1:") and "\n+ Trường hợp nộp tiền trồng rừng" in steps


def test_text_is_nfc(tmp_path):
    import unicodedata

    decomposed = record("1.010038") | {"name": unicodedata.normalize("NFD", "Tách hộ")}
    made = prepared(data_dir(tmp_path, {"a.json": decomposed}))
    assert made.renderer.procedures["1.010038"].name == "Tách hộ" == unicodedata.normalize("NFC", "Tách hộ")


# --- problems -----------------------------------------------------------------------------------------------------

def test_time_unit_other_or_zero(tmp_path, real):
    # The real record: time 0, unit OTHER (the method's description holds the rule).
    assert [c.time for c in procedure(real, "1.003702").channels] == ["", "", ""]
    assert "catalogue/1.003702.json:$.executionMethods[2].processingTime" in problems(real[1].report,
                                                                                       "missing_expected")
    numbered = record("1.003702")
    numbered["executionMethods"][1]["processingTime"] = 10
    made = prepared(data_dir(tmp_path, {"a.json": numbered}))
    assert made.renderer.procedures["1.003702"].channels[1].time == "10"  # as the portal shows it
    assert problems(made.report, "time_no_unit") == ["catalogue/a.json:$.executionMethods[1].processingTimeUnit 10"]


def test_a_channel_twice_with_different_times(real):
    assert problems(real[1].report, "channel_times_differ") == [
        f"catalogue/1.007916.json:$.executionMethods[{i}].processingTime 27 Ngày làm việc" for i in (3, 4, 5)]


def test_cases_times_that_disagree(real):
    assert problems(real[1].report, "case_time_differs") == [
        "catalogue/1.002549.json:$.cases[0].processingDay 8 Ngày làm việc",
        "catalogue/1.002549.json:$.cases[1].processingDay 8 Ngày làm việc",
        "catalogue/1.003702.json:$.cases[0].processingDay 1",
        "catalogue/1.004500.json:$.cases[0].processingDay 21 Ngày"]


def test_an_internal_procedure_is_skipped(tmp_path):
    internal = record("1.012672") | {"isInternal": True}
    made = prepared(data_dir(tmp_path, {"a.json": record("1.010038"), "b.json": internal}))
    assert [item.code for item in made.index.listings] == ["1.010038"]
    assert problems(made.report, "internal_procedure") == ["catalogue/b.json:$.isInternal 1.012672"]
    assert made.report.problems[[p.code for p in made.report.problems].index("internal_procedure")].severity == "warning"


def test_a_duplicate_code_across_files(tmp_path):
    report = prepared(data_dir(tmp_path, {"a.json": record("1.010038"), "b.jsonl": b"\n" + json.dumps(
        record("1.010038")).encode()}))
    assert [str(p) for p in report.errors] == [
        "catalogue/b.jsonl:2:$.code: mã đã dùng ở catalogue/a.json:$ (cần mỗi thủ tục một mã riêng, nhận được "
        "'1.010038') [duplicate_code]"]


def test_a_duplicate_code_between_tidy_files_and_json(tmp_path):
    directory = data_dir(tmp_path, {"x.json": record("1.010038")})
    shutil.copytree(FIXTURES / "small" / "catalogue", directory / "catalogue", dirs_exist_ok=True)
    procedures = directory / "catalogue" / "procedures.csv"
    first = procedures.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    both = prepared(directory)
    assert both.report.errors == [] and {"1.010038", first} <= {item.code for item in both.index.listings}
    clash = record("1.010038") | {"code": first}
    (directory / "catalogue" / "x.json").write_text(json.dumps(clash), encoding="utf-8")
    assert [p.location() for p in prepared(directory).errors] == ["catalogue/x.json:$.code"]


def test_a_workbook_in_an_old_format_beside_json_is_still_an_error(tmp_path):
    report = prepared(data_dir(tmp_path, {"a.json": record("1.010038"), "danh-muc.xls": b"\xd0\xcf"}))
    assert [(p.code, p.location()) for p in report.errors] == [("unreadable_file", "catalogue/danh-muc.xls")]


def test_invalid_json_is_one_located_error(tmp_path, capsys):
    directory = data_dir(tmp_path, {"a.json": record("1.010038"), "b.json": b'{"code": "1.0",\n  "name": }'})
    report = prepared(directory)
    assert [(p.code, p.location()) for p in report.errors] == [("invalid_json", "catalogue/b.json:2:cột 11")]
    assert main(["check", "--data", str(directory), "-f", CONFIG]) == 1
    assert "Traceback" not in capsys.readouterr().err


# --- shapes of a file ---------------------------------------------------------------------------------------------

def test_bare_wrapped_array_and_json_lines(tmp_path):
    a, b, c = record("1.010038"), record("1.012672"), record("1.000931")
    lines = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in ({"code": "OK", "data": b}, c))
    shapes = {"bare.json": a, "wrapped.json": {"code": "OK", "data": b}, "array.json": [a, {"code": "OK", "data": c}],
              "lines.jsonl": lines}
    for name, content in shapes.items():
        made = prepared(data_dir(tmp_path, {name: content}, name))
        assert made.report.errors == [], name
    wrapped = prepared(data_dir(tmp_path, {"w.json": {"code": "OK", "data": [a, b]}}, "wrapped-array"))
    assert [item.code for item in wrapped.index.listings] == ["1.010038", "1.012672"]
    located = Report()
    load_tables(data_dir(tmp_path, {"l.jsonl": lines, "r.json": [a, c]}, "where") / "catalogue", CATALOGUE_TABLES,
                tmp_path / "where", located)
    moved = copy.deepcopy(c)
    moved["executionMethods"][0]["processingTimeUnit"] = "OTHER"
    report = prepared(data_dir(tmp_path, {"l.jsonl": lines.replace(json.dumps(c, ensure_ascii=False).encode(),
                                                                   json.dumps(moved, ensure_ascii=False).encode()),
                                          "r.json": [a, moved | {"code": "1.2"}]}, "paths")).report
    assert problems(report, "time_no_unit") == [
        "catalogue/l.jsonl:2:$.executionMethods[0].processingTimeUnit 5",
        "catalogue/r.json:$[1].executionMethods[0].processingTimeUnit 5"]


def test_what_is_not_a_record(tmp_path):
    report = prepared(data_dir(tmp_path, {"a.json": {"code": "ERR", "data": None}, "b.json": [1],
                                          "c.json": record("1.010038")}))
    assert [(p.code, p.location()) for p in report.errors] == [("not_a_record", "catalogue/a.json:$"),
                                                                ("not_a_record", "catalogue/b.json:$[0]")]


def test_json_files_are_memoised_by_their_bytes(tmp_path):
    directory = data_dir(tmp_path, {"a.json": record("1.010038"), "b.json": record("1.012672")})
    kept, computed = {}, []

    def memo(name, key, compute, large):
        if (name, key) not in kept:
            computed.append(name)
            kept[name, key] = compute()
        return lambda: kept[name, key]

    for _ in range(2):
        load_tables(directory / "catalogue", CATALOGUE_TABLES, directory, Report(), memo)
    assert len(computed) == 2 and all(name.startswith("load-portal-") for name in computed)
    (directory / "catalogue" / "b.json").write_text(json.dumps(record("1.012672") | {"name": "Đổi"}), "utf-8")
    tables = load_tables(directory / "catalogue", CATALOGUE_TABLES, directory, Report(), memo)
    assert len(computed) == 3 and tables["procedures"].columns["name"] == ["Tách hộ", "Đổi"]


# --- the same site, and convert ------------------------------------------------------------------------------------

def site(publication) -> dict:
    """Everything the build generates from the data before MkDocs: pages, page bodies and files."""
    codes = [item.code for item in publication.index.listings]
    renderer = publication.renderer
    return {"pages": publication.markdown_pages, "fills": publication.fills, "files": publication.files,
            "bodies": {code: renderer.procedure_body(code) for code in codes},
            "full": {code: renderer.full_text_body(code) for code in codes if renderer.procedures[code].steps},
            "listings": publication.index.listings}


def convert(source: Path, out: Path, *form: str) -> Path:
    assert main(["convert", "--data", str(source), "--out", str(out), *form]) == 0
    return out


def files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_json_builds_the_site_its_tidy_files_build(tmp_path, real):
    tidy = convert(real[0], tmp_path / "tidy")
    assert sorted(files(tidy)) == ["catalogue/channels.csv", "catalogue/documents.csv", "catalogue/procedures.csv"]
    assert site(build.prepare(tidy, TEMPLATES)) == site(real[1])


def test_round_trip_of_portal_records(tmp_path, real):
    tidy = convert(real[0], tmp_path / "tidy")
    records = convert(tidy, tmp_path / "json", "--json")
    # What came from the portal goes back in the portal's own fields: nothing kept aside.
    assert "congkhai" not in (records / "catalogue" / "thu-tuc.json").read_text(encoding="utf-8")
    assert files(convert(records, tmp_path / "again")) == files(tidy)


def test_round_trip_of_tidy_files(tmp_path):
    small = FIXTURES / "small"
    tidy = convert(small, tmp_path / "tidy")
    records = convert(tidy, tmp_path / "json", "--json")
    assert files(convert(records, tmp_path / "again")) == files(tidy)
    assert site(build.prepare(records, TEMPLATES)) == site(build.prepare(small, TEMPLATES))


def test_convert_to_a_workbook(tmp_path, real):
    workbook = convert(real[0], tmp_path / "xlsx", "--xlsx")
    assert sorted(files(workbook)) == ["catalogue/danh-muc.xlsx"]
    assert files(convert(workbook, tmp_path / "csv")) == files(convert(real[0], tmp_path / "direct"))


def test_convert_writes_the_statistics_and_the_provenance(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(FIXTURES / "small", source)
    (source / "statistics").mkdir(exist_ok=True)
    (source / "statistics" / "a.csv").write_text("period,level,received_total,Chờ bổ sung\n2024,tinh,5,1\n", "utf-8")
    (source / "statistics" / "b.csv").write_text("period,level,received_total\n2025,tinh,7\n", "utf-8")
    out = convert(source, tmp_path / "out")
    text = (out / "statistics" / "statistics.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text[0].endswith(",note,Chờ bổ sung") and text[1].startswith("2024,tinh,,,,5,") and text[1].endswith(",1")
    assert text[2].startswith("2025,tinh,,,,7,") and text[2].endswith(",")
    assert (out / "README.md").read_bytes() == (source / "README.md").read_bytes()


def test_convert_exit_codes(tmp_path, capsys):
    bad = data_dir(tmp_path, {"a.json": b"[1,"})
    assert main(["convert", "--data", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert "không ghi tệp nào" in capsys.readouterr().err
    assert main(["convert", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert main(["convert", "--data", str(FIXTURES / "small"), "--out", str(bad)]) == 2  # not empty
    assert "thư mục đích phải mới hoặc trống" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit:
        main(["convert", "--data", str(bad), "--out", str(tmp_path / "x"), "--xlsx", "--json"])
    assert exit.value.code == 2
