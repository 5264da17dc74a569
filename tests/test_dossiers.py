"""The dossier log (issue #17): its contract and problems, Biểu 06 computed from it with the issue's definitions
(checked on a log whose figures are worked out by hand), identities that hold by construction (the audit finds
nothing), the build cache, and privacy (nothing of a dossier is published). Tiny logs in tmp_path, real DuckDB."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from pathlib import Path

import duckdb
import pytest

from conftest import read_bom_csv, run_cli
from generator import dossiers
from generator.audit import findings
from generator.build import canonical_order
from generator.dossier_sql import LISTED
from generator.metrics import statistics_metrics
from generator.problems import Report

HEADER = "dossier_id,procedure_code,agency,level,field,channel,received_at,due_at,finished_at,outcome"
PARTS = ("received_online", "received_offline", "carried_over", "received_total", "resolved_early",
         "resolved_on_time", "resolved_late", "resolved_total", "withdrawn", "pending_in_time", "pending_overdue",
         "pending_total")


def write_log(data: Path, name: str, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    (data / "dossiers").mkdir(parents=True, exist_ok=True)
    path = data / "dossiers" / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def write_parquet(path: Path, rows: str) -> None:
    """A Parquet file of ROWS (SQL VALUES of the contract's columns), its dates typed as DATE and TIMESTAMP."""
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect().execute(f"COPY (SELECT * FROM (VALUES {rows}) AS t({HEADER})) TO '{path}' (FORMAT parquet)")


def computed(data: Path, catalogue: dict[str, str]) -> tuple[list[str], object]:
    """The log's problems, in the order the build reports them, and its rows."""
    report = Report()
    computed = dossiers.dossier_statistics(data, catalogue, report)
    return [str(p) for p in sorted(report.problems, key=canonical_order)], computed and computed.rows


def figures(rows, **scope) -> dict[str, tuple[int, ...]]:
    """period → PARTS of the rows of one scope (the columns not given are empty)."""
    scope = {"level": "tong", "agency": "", "field": "", "procedure_code": "", **scope}
    chosen = rows
    for column, value in scope.items():
        chosen = chosen[chosen[column] == value]
    return {r["period"]: tuple(int(r[c]) for c in PARTS) for r in chosen.to_dict("records")}


# --- the definitions, on a log worked out by hand -------------------------------------------------------------

def hand_made_log(data: Path) -> None:
    """Ten dossiers from 15/01/2024 to 10/03/2024, each there for a reason (comments: where it counts). Dates in
    every accepted form: ISO date, dd/mm/yyyy with or without a time, ISO datetime with an offset, and typed in
    Parquet."""
    write_log(data, "a.csv",
              # early in January (finished 20/01 before its due day 25/01); online
              "D1,P1,Sở A,tinh,,truc_tuyen,2024-01-15,2024-01-25,2024-01-20,",
              # on time in January (finished on its due day, at 16:45)
              "D2,P1,Sở A,tinh,,truc_tiep,16/01/2024,2024-01-26,26/01/2024 16:45,resolved",
              # overdue pending at the end of January, late in February (by post: offline)
              "D3,P1,Sở A,Cấp tỉnh,,Dịch vụ bưu chính,2024-01-17T08:30:00+07:00,2024-01-22,2024-02-05,",
              # no due day: pending in time at the end of January, on time in February
              "D4,P1,Sở A,tinh,,Trực tuyến,2024-01-18,,2024-02-10,",
              # never finished, no channel (offline): in time on 31/01 (due 15/02), overdue from February on
              "D5,P1,Sở A,tinh,,,2024-01-19,15/02/2024,,",
              # returned in January
              "D6,P1,Sở A,tinh,,truc_tiep,2024-01-22,2024-01-30,2024-01-24,returned")
    write_parquet(data / "dossiers" / "b.parquet", ", ".join([
        # received in February, never finished: in time at the end of February, and on 10/03, the log's last day
        # (due 20/03): a partial March is counted to the log's last day, not to 31/03
        "('D7', 'P1', 'Sở A', 'tinh', NULL, 'truc_tuyen', TIMESTAMP '2024-02-01 09:00', DATE '2024-03-20', NULL, NULL)",
        # withdrawn in March, on the log's last day
        "('D8', 'P1', 'Sở A', 'tinh', NULL, 'truc_tiep', TIMESTAMP '2024-02-20 10:00', DATE '2024-03-01', "
        "TIMESTAMP '2024-03-10 09:00', 'withdrawn')",
        # commune level, the catalogue's field: on time in March
        "('D9', 'P2', 'UBND B', 'xa', NULL, 'truc_tuyen', TIMESTAMP '2024-03-04 08:00', DATE '2024-03-08', "
        "TIMESTAMP '2024-03-08 15:00', 'resolved')",
        # the log's own field; overdue on 10/03 (due 06/03)
        "('D10', 'P2', 'UBND B', 'xa', 'Đất đai', NULL, TIMESTAMP '2024-03-05 08:00', DATE '2024-03-06', NULL, "
        "NULL)"]))


def test_biểu_06_from_a_log_follows_the_definitions(tmp_path):
    hand_made_log(tmp_path)
    problems, rows = computed(tmp_path, {"P1": "Tư pháp", "P2": "Hộ tịch"})
    assert problems == []
    # online, offline, carried over, received; early, on time, late, resolved; withdrawn; pending in time, overdue,
    # pending
    january = (2, 4, 0, 6, 1, 1, 0, 2, 1, 2, 1, 3)
    february = (1, 1, 3, 5, 0, 1, 1, 2, 0, 2, 1, 3)
    march = (1, 1, 3, 5, 0, 1, 0, 1, 1, 1, 2, 3)
    quarter = (4, 6, 0, 10, 1, 3, 1, 5, 2, 1, 2, 3)
    assert figures(rows) == {"2024-01": january, "2024-02": february, "2024-03": march, "2024-Q1": quarter,
                             "2024": quarter}
    # A level, an agency: the same dossiers; the commune has dossiers in March only.
    assert figures(rows, level="tinh") == figures(rows, level="tinh", agency="Sở A") == {
        "2024-01": january, "2024-02": february, "2024-03": (0, 0, 3, 3, 0, 0, 0, 0, 1, 1, 1, 2),
        "2024-Q1": (3, 5, 0, 8, 1, 2, 1, 4, 2, 1, 1, 2), "2024": (3, 5, 0, 8, 1, 2, 1, 4, 2, 1, 1, 2)}
    commune = (1, 1, 0, 2, 0, 1, 0, 1, 0, 0, 1, 1)
    assert figures(rows, level="xa", agency="UBND B") == {"2024-03": commune, "2024-Q1": commune, "2024": commune}
    # A field: the log's, else the catalogue's.
    assert figures(rows, field="Hộ tịch") == {p: (1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0) for p in ("2024-03", "2024-Q1",
                                                                                            "2024")}
    assert figures(rows, field="Đất đai") == {p: (0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1) for p in ("2024-03", "2024-Q1",
                                                                                            "2024")}
    assert figures(rows, field="Tư pháp") == figures(rows, level="tinh")
    assert figures(rows, procedure_code="P2") == figures(rows, level="xa")
    # Partial periods are labelled, with the calendar period's days: the log's first and last days are a dossier's.
    labels = {r["period"]: (r["period_label"], r["period_start"], r["period_end"], r["note"])
              for r in rows[rows["level"] == "tong"].to_dict("records")}
    assert labels["2024-01"][:3] == ("tháng 01/2024 (chưa trọn kỳ)", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert labels["2024-02"] == ("tháng 02/2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "")
    assert labels["2024-03"][0] == "tháng 03/2024 (chưa trọn kỳ)" and "kết thúc trong kỳ" in labels["2024-03"][3]
    assert labels["2024-Q1"][0] == "quý 1/2024 (chưa trọn kỳ)" and labels["2024"][0] == "năm 2024 (chưa trọn kỳ)"
    assert set(rows["source"]) == {"tính từ nhật ký hồ sơ"} and not rows["synthetic"].any()
    assert list(rows["row"]) == list(range(1, len(rows) + 1)) and set(rows["file"]) == {"dossiers"}


# --- identities by construction -------------------------------------------------------------------------------

def random_log(data: Path, count: int = 3000) -> None:
    rng = random.Random(17)
    agencies = [("Bộ X", "bo"), ("Sở Y", "tinh"), ("Sở Z", "tinh"), ("UBND huyện Q", "huyen"), ("UBND xã R", "xa")]
    start = dt.date(2023, 2, 14)
    rows = []
    for n in range(count):
        agency, level = rng.choice(agencies)
        received = start + dt.timedelta(days=rng.randint(0, 420))
        due = received + dt.timedelta(days=rng.randint(0, 30)) if rng.random() > 0.1 else None
        finished = received + dt.timedelta(days=rng.randint(0, 60)) if rng.random() > 0.15 else None
        outcome = rng.choice(["", "", "", "resolved", "returned", "withdrawn"]) if finished else ""
        rows.append(",".join([f"R{n}", rng.choice(["P1", "P2", "P3", "P4"]), agency, level,
                              rng.choice(["", "", "Lĩnh vực riêng"]),
                              rng.choice(["truc_tuyen", "truc_tiep", "buu_chinh", ""]),
                              received.isoformat(), due.strftime("%d/%m/%Y") if due else "",
                              finished.isoformat() if finished else "", outcome]))
    write_log(data, "log.csv", *rows)


def test_the_audit_finds_nothing_in_rows_computed_from_a_log(tmp_path):
    random_log(tmp_path)
    problems, rows = computed(tmp_path, {"P1": "Tư pháp", "P2": "Hộ tịch", "P3": ""})
    assert [p.rsplit(" ", 1)[1] for p in problems] == ["[unlisted_procedure]"] and len(rows) > 400  # P4
    statistics = statistics_metrics(rows)
    assert findings(statistics).empty
    # The checks had something to check: every row's terms are published, months follow one another, each level
    # has several agencies ...
    assert statistics[["received_total", "pending_total", "carried_over", "withdrawn"]].notna().all().all()
    june = statistics[(statistics["level"] == "tinh") & (statistics["period"] == "2023-06")]
    assert (june["agency"] != "").sum() == 2
    # ... and would have found a figure one off: the row's sums, its level's roll-up, the next month's carry-over.
    broken = statistics.copy()
    where = (broken["agency"] == "Sở Y") & (broken["period"] == "2023-06")
    broken.loc[where, "pending_in_time"] += 1
    broken.loc[where, "pending_total"] += 1
    assert set(findings(statistics_metrics(broken))["check"]) == {"balance", "rollup", "carry_over"}


# --- problems ---------------------------------------------------------------------------------------------------

# A log with a problem of every kind its rows can have: a.csv, then b.parquet repeating a.csv's id A2.
FAULTY_ROWS = ("A1,P1,Sở A,tinh,,truc_tuyen,2024-03-05,2024-03-10,2024-03-01,",
               "A2,P1,Sở A,tinh,,qua_mang,2024-03-05,,,",
               "A3,P1,Sở A,thon,,,2024-03-05,,,",
               "A4,P1,Sở A,tinh,,,31/02/2024,,,",
               "A5,P1,,tinh,,,2024-03-05,,,",
               "A6,P1,Sở A,tinh,,,2024-03-05,,2024-03-06,huy",
               "A7,P1,Sở A,tinh,,,2024-03-05,,,withdrawn",
               "A8,P9,Sở A,tinh,,,2024-03-05,0024-03-09,hôm qua,",
               ",P1,Sở A,tinh,,,2024-03-05,,,")
FAULTY_PARQUET = "('A2', 'P1', 'Sở A', 'tinh', NULL, NULL, TIMESTAMP '2024-03-05 08:00', NULL, NULL, NULL)"


def test_every_problem_of_a_log_is_located_with_what_was_expected_and_received(tmp_path):
    write_log(tmp_path, "a.csv", *FAULTY_ROWS)
    write_parquet(tmp_path / "dossiers" / "b.parquet", FAULTY_PARQUET)
    problems, rows = computed(tmp_path, {"P1": "Tư pháp"})
    assert rows is None
    assert problems == [
        "dossiers/a.csv:2:finished_at: ngày kết thúc trước ngày tiếp nhận (cần ngày kết thúc không trước ngày tiếp "
        "nhận, nhận được 'kết thúc 01/03/2024, tiếp nhận 05/03/2024') [finished_before_received]",
        "dossiers/a.csv:3:channel: hình thức nộp không hợp lệ (cần truc_tiep, truc_tuyen, buu_chinh (hoặc Trực tiếp, "
        "Trực tuyến, Dịch vụ bưu chính), hoặc để trống, nhận được 'qua_mang') [unknown_channel]",
        "dossiers/a.csv:4:level: cấp không hợp lệ (cần bo, tinh, huyen, xa hoặc Cấp bộ, Cấp tỉnh, Cấp huyện, Cấp xã, "
        "nhận được 'thon') [unknown_level]",
        "dossiers/a.csv:5:received_at: không phải ngày hợp lệ (cần YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm "
        "1900–2100, nhận được '31/02/2024') [invalid_date]",
        "dossiers/a.csv:6:agency: thiếu cơ quan giải quyết (cần tên cơ quan giải quyết hồ sơ, nhận được '') "
        "[missing_value]",
        "dossiers/a.csv:7:outcome: kết quả xử lý không hợp lệ (cần resolved, returned, withdrawn (hoặc Đã giải quyết, "
        "Trả lại, Rút hồ sơ), hoặc để trống, nhận được 'huy') [unknown_outcome]",
        "dossiers/a.csv:8:outcome: có kết quả xử lý nhưng không có ngày kết thúc (cần ngày kết thúc, hoặc để trống kết "
        "quả xử lý, nhận được 'withdrawn') [outcome_without_finish]",
        "dossiers/a.csv:9:due_at: không phải ngày hợp lệ (cần YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm "
        "1900–2100, hoặc để trống, nhận được '0024-03-09') [invalid_date]",
        "dossiers/a.csv:9:finished_at: không phải ngày hợp lệ (cần YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm "
        "1900–2100, hoặc để trống, nhận được 'hôm qua') [invalid_date]",
        "dossiers/a.csv:9:procedure_code: không có thủ tục mang mã này trong danh mục (1 hồ sơ); hồ sơ vẫn được tính "
        "(cần một mã có trong danh mục, nhận được 'P9') [unlisted_procedure]",
        "dossiers/a.csv:10:dossier_id: thiếu mã hồ sơ (cần một mã riêng cho mỗi hồ sơ, nhận được '') [missing_value]",
        "dossiers/b.parquet:1:dossier_id: mã hồ sơ đã dùng ở dossiers/a.csv:3 (cần mỗi hồ sơ một mã riêng, nhận được "
        "'A2') [duplicate_dossier]",
    ]


def test_rows_of_a_file_read_in_parallel_are_located_at_their_own_row(tmp_path):
    """A file of 48 MB is read by both cores in parts (dossier_engine.Engine.append): every problem is still at its
    row, after records with line breaks in a cell, and in a second file counted from its own header."""
    bad = {1_000, 250_000, 499_000, 700_000}  # records with an unreadable receipt day
    with open(write_log(tmp_path, "a.csv"), "a", encoding="utf-8") as f:
        f.writelines(f"A{n},P1,\"Sở A\n(nhiều dòng)\",tinh,,truc_tiep,{'hôm qua' if n in bad else '05/03/2024'},"
                     f"15/03/2024,10/03/2024 09:15,resolved\n" if n % 1000 == 0 else
                     f"A{n},P1,Sở A,tinh,,truc_tuyen,2024-03-05,2024-03-15,2024-03-08 16:30:00,\n"
                     for n in range(700_001))
    write_log(tmp_path, "b.csv", "B1,P1,Sở A,tinh,,,2024-03-05,,,", "B2,P1,Sở A,tinh,,,ngày 5,,,")
    assert (tmp_path / "dossiers" / "a.csv").stat().st_size > 48_000_000
    problems, _ = computed(tmp_path, {"P1": "Tư pháp"})
    assert [p.split(": ")[0] for p in problems] == [
        *(f"dossiers/a.csv:{n + 2}:received_at" for n in sorted(bad)), "dossiers/b.csv:3:received_at"]


def test_a_cause_repeated_on_every_row_is_listed_once_with_its_count(tmp_path):
    write_log(tmp_path, "a.csv", *(f"A{n},P1,Sở A,tinh,,,2024-03-{n % 28 + 1:02d},ngày {n},," for n in range(50)),
              *(f"A{n % 30},P1,Sở A,tinh,,,2024-03-05,,," for n in range(30)))
    problems, _ = computed(tmp_path, {"P1": "Tư pháp"})
    dates = [p for p in problems if p.endswith("[invalid_date]")]
    assert len(dates) == LISTED + 1
    assert dates[0].startswith("dossiers/a.csv:2:due_at:")
    assert dates[LISTED - 1].startswith(f"dossiers/a.csv:{LISTED + 1}:")
    assert dates[-1] == ("dossiers/…:due_at: không phải ngày hợp lệ: còn 30 hàng khác (tổng cộng 50 hàng; chỉ liệt kê "
                         "20 hàng đầu) [invalid_date]")
    repeated = [p for p in problems if p.endswith("[duplicate_dossier]")]
    assert len(repeated) == LISTED + 1 and repeated[0].startswith("dossiers/a.csv:52:dossier_id: mã hồ sơ đã dùng ở "
                                                                  "dossiers/a.csv:2 ")
    assert repeated[-1].startswith("dossiers/…:dossier_id: mã hồ sơ bị lặp: còn 10 hàng khác (tổng cộng 30 hàng")


@pytest.mark.parametrize("files, expected", [
    ({"a.parquet": b"not a parquet file"},
     "dossiers/a.parquet: không đọc được tệp Parquet (cần tệp Parquet, nhận được"),
    ({"a.csv": "dossier_id,procedure_code,agency,level,channel,received_at,due_at,finished_at\nA1,P1,Sở A,tinh,,"
               "2024-03-05,,\n"},
     "dossiers/a.csv:1:outcome: thiếu cột «outcome» (Kết quả xử lý)"),
    ({"a.csv": "so,ma,ngay\n1,2,3\n"}, "dossiers/a.csv:1: không tìm thấy hàng tên cột"),
    ({"a.csv": HEADER + "\nA1,P1,Sở A,tinh,,,2024-03-05,,,\nA2,P1,Sở A,tinh,,,2024-03-05,,,,Hà Nội, Việt Nam\n"},
     "dossiers/a.csv:3: hàng có nhiều ô hơn hàng tên cột"),
    ({"a.csv": HEADER + "\nA1,P1,\"Sở A,tinh,,,2024-03-05,,,\n"},
     "dossiers/a.csv:2: dấu ngoặc kép «\"» mở mà không đóng"),
    ({"a.csv": (HEADER + "\nA1,P1,S\xf6 A,tinh,,,2024-03-05,,,\n").encode("cp1252")},
     "dossiers/a.csv:2: tệp không phải văn bản UTF-8"),
    ({"a.csv": b""}, "dossiers/a.csv: tệp không có hàng tên cột"),
    ({"a.xlsx": b"PK"}, "dossiers/a.xlsx: nhật ký hồ sơ không đọc tệp dạng .xlsx"),
    ({"README.md": "nothing"}, "dossiers: thư mục nhật ký hồ sơ không có tệp .csv hoặc .parquet nào"),
])
def test_a_file_that_cannot_be_read_is_one_error_and_no_traceback(data_dir, capsys, files, expected):
    (data_dir / "dossiers").mkdir()
    for name, content in files.items():
        path = data_dir / "dossiers" / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    assert run_cli("check", "--data", str(data_dir)) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("dossiers")]
    assert len(errors) == 1 and errors[0].startswith(expected), err
    assert "Traceback" not in err


def test_headers_by_label_other_delimiters_and_encodings_are_read(tmp_path):
    labels = ("Mã hồ sơ;Mã thủ tục;Cơ quan giải quyết;Cấp giải quyết;Hình thức nộp;Ngày tiếp nhận;"
              "Ngày hẹn trả kết quả;Ngày kết thúc;Kết quả xử lý;Ghi chú")
    write_log(tmp_path, "a.csv", "A1;P1;Sở A;tinh;;05/03/2024;;;;một ghi chú", header=labels, encoding="utf-8-sig")
    write_log(tmp_path, "b.csv", "B1\tP1\tSở A\ttinh\t\t2024-03-06\t\t\t", header=HEADER.replace(",", "\t")
              .replace("\tfield", ""), encoding="utf-16")
    # Decomposed letters (NFD) and a text-direction character: the agency is the same as the others'.
    write_log(tmp_path, "c.csv", f"C1,P1,{unicodedata.normalize('NFD', 'Sở A')}\u202e,"
              f"{unicodedata.normalize('NFD', 'Cấp Tỉnh')},,,2024-03-07,,,")
    problems, rows = computed(tmp_path, {"P1": "Tư pháp"})
    assert problems == ["dossiers/a.csv:1:Ghi chú: cột không có trong quy ước nên bị bỏ qua (xem trang Từ điển dữ "
                        "liệu) [unknown_column]",
                        "dossiers/c.csv:2:agency: đã bỏ các ký tự điều khiển vô hình (1 hồ sơ ghi như vậy) (cần văn "
                        f"bản in được, nhận được '{unicodedata.normalize('NFD', 'Sở A')}\\u202e') [control_characters]"]
    assert figures(rows)["2024-03"][3] == figures(rows, level="tinh", agency="Sở A")["2024-03"][3] == 3
    assert set(rows["agency"]) == {"", "Sở A"}


# --- the build: cache, pages, privacy --------------------------------------------------------------------------

def test_a_rebuild_with_the_same_log_runs_no_query(data_dir, tmp_path, monkeypatch):
    write_log(data_dir, "a.csv", "A1,1.001193,Sở A,tinh,,truc_tuyen,2024-03-05,2024-03-10,2024-03-08,")
    site = tmp_path / "site"
    opened = []
    real = dossiers.Engine
    monkeypatch.setattr(dossiers, "Engine", lambda: opened.append(1) or real())
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert opened == [1]
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    (data_dir / "statistics").mkdir()  # other statistics: the log's rows are kept on their own
    (data_dir / "statistics" / "s.csv").write_text("period,level,received_total\n2023,tong,5\n", encoding="utf-8")
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert opened == [1]
    write_log(data_dir, "a.csv", "A1,1.001193,Sở A,tinh,,truc_tuyen,2024-03-05,2024-03-10,2024-03-09,")
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert opened == [1, 1]
    rows = read_bom_csv(site / "du-lieu/thong-ke.csv")
    assert {r["period"] for r in rows} == {"2023", "2024-03", "2024-Q1", "2024"}


def test_a_published_row_with_the_scope_and_period_of_a_computed_one_is_an_error(data_dir, capsys):
    write_log(data_dir, "a.csv", "A1,1.001193,Sở A,tinh,,truc_tuyen,2024-03-05,2024-03-10,2024-03-08,")
    (data_dir / "statistics").mkdir()
    (data_dir / "statistics" / "s.csv").write_text("period,level,received_total\n2024-03,tong,5\n", encoding="utf-8")
    assert run_cli("check", "--data", str(data_dir)) == 1
    assert ("statistics/s.csv:2:period: trùng phạm vi và kỳ báo cáo với một dòng tính từ nhật ký hồ sơ (dossiers/) "
            "(cần mỗi phạm vi, mỗi kỳ một hàng: bỏ dòng này hoặc bớt nhật ký, nhận được '2024-03 / tong') "
            "[duplicate_row]") in capsys.readouterr().err


def test_no_dossier_id_date_or_text_is_published(data_dir, tmp_path):
    """A log with a planted id, a planted date (a dossier's received, due and finish days) and free text in a
    column the contract does not have: not one byte of them in any file of the site."""
    header = HEADER + ",ghi_chu"
    write_log(data_dir, "a.csv",
              "A1,1.001193,Sở A,tinh,,truc_tuyen,2023-07-03,2023-07-10,2023-07-05,,",
              "ZQ-PLANTED-4242,1.001193,Sở A,tinh,,truc_tiep,19/07/2023,2023-07-19,2023-07-19T10:00:00,,"
              "ZQFREETEXT bà X",
              "A3,1.000894,UBND xã B,xa,,,2023-08-01,2023-08-20,2023-08-25,,", header=header)
    site = tmp_path / "site"
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert len(read_bom_csv(site / "du-lieu/thong-ke.csv")) > 10  # the log was published, as counts
    planted = [b"ZQ-PLANTED-4242", b"ZQFREETEXT", "bà X".encode(), b"2023-07-19", b"19/07/2023", b"19-07-2023",
               b"2023/07/19", b"2023-07-03", b"03/07/2023", b"2023-08-25", b"25/08/2023"]
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 50
    # The processing times (processing_time.py) are among the files searched: withheld here, fewer than 5 dossiers.
    assert {"du-lieu/thoi-gian-xu-ly.csv", "du-lieu/thoi-gian-xu-ly.json"} <= {p.relative_to(site).as_posix()
                                                                              for p in files}
    leaks = [(p.relative_to(site).as_posix(), needle) for p in files for needle in planted if needle in p.read_bytes()]
    assert leaks == []


def test_the_sample_publishes_its_synthetic_log_as_mô_phỏng_rows_without_findings(sample_site):
    rows = [r for r in read_bom_csv(sample_site / "du-lieu/thong-ke.csv") if r["source"].endswith("nhật ký hồ sơ")]
    assert len(rows) > 2000
    assert {r["source"] for r in rows} == {"synthetic: tính từ nhật ký hồ sơ"}
    assert {r["synthetic"] for r in rows} == {"1"}
    assert {r["findings"] for r in rows} == {"0"}
    months = sorted({r["period"] for r in rows if len(r["period"]) == 7 and "Q" not in r["period"]})
    assert len(months) == 24 and (months[0], months[-1]) == ("2021-12", "2023-11")
    assert {r["level"] for r in rows} == {"tong", "bo", "tinh", "xa"}
    assert all(r["note"].startswith("Kỳ chưa trọn") for r in rows if r["period"] in ("2021-12", "2023-11"))
    page = (sample_site / "thong-ke/index.html").read_text(encoding="utf-8")
    assert "dòng số liệu được <strong>tính từ nhật ký hồ sơ</strong>" in page
    procedure = next(r["procedure_code"] for r in rows if r["procedure_code"])
    text = (sample_site / "thu-tuc" / procedure / "index.html").read_text(encoding="utf-8")
    assert "tháng 11/2023 (chưa trọn kỳ)" in text and "ck-badge--synthetic" in text
    dictionary = (sample_site / "du-lieu/tu-dien/index.html").read_text(encoding="utf-8")
    assert 'id="dossiers"' in dictionary and "<code>finished_at</code>" in dictionary
    assert 'id="nhat-ky-ho-so"' in (sample_site / "du-lieu/phuong-phap/index.html").read_text(encoding="utf-8")
