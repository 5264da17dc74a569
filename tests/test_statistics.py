"""Statistics: validation of Biểu 06 rows, the metrics, and every integrity check, positive and negative.

Each test writes a few hand-made rows and lists the findings it expects, in full."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from generator.build import prepare
from generator.charts import plotly_text
from generator.problems import DataError
from generator.schema import STATISTICS

from conftest import FIXTURES, ROOT, TEMPLATES

COLUMNS = [c.name for c in STATISTICS.input_columns()]


def publish(tmp_path: Path, *rows: dict, name: str = "stats.csv") -> Path:
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir(exist_ok=True)
    with (data / "statistics" / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"level": "tinh", **row})
    return data


def findings(tmp_path: Path, *rows: dict) -> list[tuple]:
    result = prepare(publish(tmp_path, *rows), TEMPLATES).findings
    return [(f.check, f.period, f.level, f.agency, f.column, f.published, f.expected, f.difference)
            for f in result.itertuples()]


def errors(tmp_path: Path, *rows: dict) -> set[tuple[str, str]]:
    with pytest.raises(DataError) as caught:
        prepare(publish(tmp_path, *rows), TEMPLATES)
    return {(p.location(), p.code) for p in caught.value.report.errors}


# --- validation ----------------------------------------------------------------------------------------------------

def test_bad_rows_are_errors_with_locations(tmp_path):
    assert errors(
        tmp_path,
        {"period": "2021-13", "received_total": "10"},
        {"period": "2021-Q1", "level": "vung", "received_total": "10"},
        {"period": "2021-Q1", "received_total": "-3"},
        {"period": "2021-Q2", "resolved_total": "1.5"},
        {"period": "2021-Q2", "agency": "Sở A", "on_time_rate": "101"},
        {"period": "2021-Q2", "agency": "Sở A"},
        {"period": "2021-02-30..2021-03-31"},
    ) == {
        ("statistics/stats.csv:2:period", "invalid_period"),
        ("statistics/stats.csv:3:level", "unknown_level"),
        ("statistics/stats.csv:4:received_total", "invalid_count"),
        ("statistics/stats.csv:5:resolved_total", "invalid_count"),
        ("statistics/stats.csv:6:on_time_rate", "invalid_rate"),
        ("statistics/stats.csv:7:period", "duplicate_row"),
        ("statistics/stats.csv:8:period", "invalid_period"),
    }


def test_duplicate_scope_across_files_and_period_spellings(tmp_path):
    publish(tmp_path, {"period": "2021-03", "received_total": "1"}, name="a.csv")
    data = publish(tmp_path, {"period": "2021-3", "level": "Cấp tỉnh", "received_total": "1"}, name="b.csv")
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    [problem] = caught.value.report.errors
    assert (problem.location(), problem.code) == ("statistics/b.csv:2:period", "duplicate_row")
    assert "statistics/a.csv:2" in problem.message


def test_no_statistics_directory_means_nothing_published():
    publication = prepare(FIXTURES / "small", TEMPLATES)
    assert publication.statistics is None and publication.findings is None


# --- metrics ---------------------------------------------------------------------------------------------------------

def test_metrics_use_published_totals_or_sums_of_published_parts(tmp_path):
    data = publish(
        tmp_path,
        {"period": "2021", "agency": "A", "received_online": "30", "received_offline": "60", "carried_over": "10",
         "resolved_early": "50", "resolved_on_time": "30", "resolved_late": "20",
         "pending_in_time": "0", "pending_overdue": "0", "on_time_rate": "80,0"},
        {"period": "2021", "agency": "B", "received_total": "100", "carried_over": "20", "received_online": "40",
         "resolved_in_time": "7", "resolved_late": "1", "pending_total": "4", "pending_overdue": "1"},
        {"period": "2021", "agency": "C", "resolved_total": "0", "received_online": "5"},
    )
    s = prepare(data, TEMPLATES).statistics.set_index("agency")
    assert s.loc["A", ["received_calc", "resolved_calc", "in_time_calc", "pending_calc", "new_calc"]].tolist() == [
        100, 100, 80, 0, 90]
    assert s.loc["A", "on_time_rate_calc"] == 80.0 and s.loc["A", "late_share"] == 20.0
    assert s.loc["A", "online_share"] == 33.33 and str(s.loc["A", "overdue_share"]) == "<NA>"
    assert s.loc["B", ["received_calc", "resolved_calc", "in_time_calc", "pending_calc", "new_calc"]].tolist() == [
        100, 8, 7, 4, 80]
    assert s.loc["B", "on_time_rate_calc"] == 87.5 and s.loc["B", "online_share"] == 50.0
    assert s.loc["B", "overdue_share"] == 25.0
    # Nothing resolved: no rate. A missing part is never taken as zero.
    assert str(s.loc["C", "on_time_rate_calc"]) == "<NA>" and str(s.loc["C", "received_calc"]) == "<NA>"


# --- the checks: each with rows that pass and rows that fail -------------------------------------------------------

CONSISTENT = {"received_total": "100", "received_online": "30", "received_offline": "60", "carried_over": "10",
              "resolved_total": "90", "resolved_early": "50", "resolved_on_time": "30", "resolved_in_time": "80",
              "resolved_late": "10", "pending_total": "8", "pending_in_time": "6", "pending_overdue": "2",
              "withdrawn": "2", "on_time_rate": "88.89"}


def test_a_consistent_row_has_no_finding(tmp_path):
    assert findings(tmp_path, {"period": "2021", **CONSISTENT}) == []


@pytest.mark.parametrize("change, expected", [
    ({"received_online": "31"}, [("received_sum", "received_total", 100, 101, -1)]),
    ({"resolved_late": "12"}, [("resolved_sum", "resolved_total", 90, 92, -2)]),
    # The published in-time count feeds the recomputed rate, so the rate disagrees too.
    ({"resolved_in_time": "79"}, [("in_time_sum", "resolved_in_time", 79, 80, -1),
                                  ("rate", "on_time_rate", 88.89, 87.78, 1.11)]),
    ({"pending_in_time": "7", "pending_total": "9", "withdrawn": "1"}, []),  # consistent in another way
    ({"pending_total": "5"}, [("pending_sum", "pending_total", 5, 8, -3), ("balance", "received_total", 100, 97, 3)]),
    ({"withdrawn": "7"}, [("balance", "received_total", 100, 105, -5)]),
    ({"on_time_rate": "88.9"}, []),  # 88.888…% published with one decimal: within rounding
    ({"on_time_rate": "88.88"}, [("rate", "on_time_rate", 88.88, 88.89, -0.01)]),
    ({"on_time_rate": "99,9"}, [("rate", "on_time_rate", 99.9, 88.9, 11.0)]),
])
def test_each_sum_check(tmp_path, change, expected):
    row = {"period": "2021", **CONSISTENT, **change}
    result = [(c, col, pub, exp, diff) for c, _, _, _, col, pub, exp, diff in findings(tmp_path, row)]
    assert result == expected


def test_resolved_sum_uses_in_time_when_only_the_sum_is_published(tmp_path):
    row = {"period": "2021", "resolved_total": "100", "resolved_in_time": "95", "resolved_late": "4"}
    assert findings(tmp_path, row) == [("resolved_sum", "2021", "tinh", "", "resolved_total", 100, 99, 1)]


def test_balance_without_withdrawn_uses_the_report_form_identity(tmp_path):
    row = {"period": "2021", "received_total": "100", "resolved_total": "90", "pending_total": "8"}
    assert findings(tmp_path, row) == [("balance", "2021", "tinh", "", "received_total", 100, 98, 2)]


def test_checks_never_invent_a_missing_term(tmp_path):
    rows = [
        {"period": "2021", "agency": "A", "received_total": "100", "received_online": "30", "carried_over": "10"},
        {"period": "2021", "agency": "B", "resolved_total": "90", "resolved_early": "50", "resolved_late": "10"},
        {"period": "2021", "agency": "C", "received_total": "100", "resolved_total": "90"},
        {"period": "2021", "agency": "D", "on_time_rate": "50"},
    ]
    assert findings(tmp_path, *rows) == []


def test_carry_over_between_consecutive_periods_of_the_same_scope(tmp_path):
    rows = [
        {"period": "2021-01", "agency": "A", "pending_total": "12"},
        {"period": "2021-02", "agency": "A", "carried_over": "12", "pending_in_time": "3", "pending_overdue": "1"},
        {"period": "2021-03", "agency": "A", "carried_over": "5"},
        {"period": "2021-05", "agency": "A", "carried_over": "99"},  # April not published: nothing to compare
        {"period": "2021-02", "agency": "B", "carried_over": "7"},  # another scope
        {"period": "2021-Q1", "agency": "A", "pending_total": "20"},
        {"period": "2021-Q2", "agency": "A", "carried_over": "21"},
        {"period": "2021-01-01..2021-01-15", "agency": "A", "pending_total": "3"},
        {"period": "2021-01-16..2021-01-31", "agency": "A", "carried_over": "3"},
    ]
    assert findings(tmp_path, *rows) == [
        ("carry_over", "2021-03", "tinh", "A", "carried_over", 5, 4, 1),
        ("carry_over", "2021-Q2", "tinh", "A", "carried_over", 21, 20, 1),
    ]


def test_rollup_of_levels_and_of_agencies(tmp_path):
    rows = [
        {"period": "2021", "level": "tong", "received_total": "300", "resolved_total": "250"},
        {"period": "2021", "level": "tinh", "received_total": "100", "resolved_total": "90"},
        {"period": "2021", "level": "xa", "received_total": "201", "resolved_total": "160"},
        {"period": "2021", "level": "tinh", "agency": "Sở A", "received_total": "60", "resolved_total": "50"},
        {"period": "2021", "level": "tinh", "agency": "Sở B", "received_total": "40", "resolved_total": "41"},
        # A different period and a single level: nothing to roll up.
        {"period": "2022", "level": "tong", "received_total": "5"},
        {"period": "2022", "level": "tinh", "received_total": "4"},
    ]
    assert findings(tmp_path, *rows) == [
        ("rollup", "2021", "tong", "", "received_total", 300, 301, -1),
        ("rollup", "2021", "tinh", "", "resolved_total", 90, 91, -1),
    ]


def test_rollup_never_takes_an_unpublished_part_as_zero(tmp_path):
    rows = [
        {"period": "2021", "level": "tong", "received_total": "300", "resolved_total": "250"},
        {"period": "2021", "level": "tinh", "received_total": "100", "resolved_total": "90"},
        {"period": "2021", "level": "xa", "received_total": "201"},  # resolved_total not published
    ]
    assert findings(tmp_path, *rows) == [("rollup", "2021", "tong", "", "received_total", 300, 301, -1)]


def test_each_finding_shows_its_arithmetic_with_the_published_terms(tmp_path):
    """The arithmetic a reader can redo: the published terms, what they add up to, the figure they should equal
    (Vietnamese number format), each term named; the row's source and note come along."""
    rows = [
        {"period": "2021-01", "agency": "Sở A", "received_total": "535312", "received_online": "41698",
         "received_offline": "427147", "carried_over": "66802", "source": "https://example.gov.vn/bao-cao",
         "note": "quý 1"},
        {"period": "2021-02", "agency": "Sở A", "resolved_total": "200", "resolved_early": "150",
         "resolved_on_time": "40", "resolved_late": "10", "on_time_rate": "97,5"},
        {"period": "2021-03", "agency": "Sở A", "received_total": "100", "resolved_total": "90", "pending_total": "8",
         "withdrawn": "1", "carried_over": "9"},
        {"period": "2021-02", "agency": "Sở A", "level": "xa", "pending_total": "9"},
        {"period": "2021-03", "agency": "Sở A", "level": "xa", "carried_over": "7"},
        {"period": "2021", "level": "tong", "received_total": "300"},
        {"period": "2021", "level": "tinh", "received_total": "100"},
        {"period": "2021", "level": "xa", "received_total": "201"},
    ]
    found = prepare(publish(tmp_path, *rows), TEMPLATES).findings
    shown = {f.check: (f.arithmetic, "; ".join(f"{name}: {value}" for name, value in f.terms))
             for f in found.itertuples()}
    assert shown == {
        "received_sum": ("41.698 + 427.147 + 66.802 = 535.647 ≠ 535.312",
                         "trực tuyến: 41.698; trực tiếp, bưu chính: 427.147; từ kỳ trước chuyển qua: 66.802; "
                         "tổng số nhận: 535.312"),
        "rate": ("(150 + 40) / 200 × 100 = 95,00% ≠ 97,5%",
                 "trước hạn: 150; đúng hạn: 40; đã giải quyết: 200; tỷ lệ đúng hạn công bố: 97,5%"),
        "balance": ("90 + 8 + 1 = 99 ≠ 100", "đã giải quyết: 90; đang giải quyết: 8; rút, trả lại: 1; tổng số nhận: 100"),
        "carry_over": ("9 ≠ 7", "đang giải quyết cuối tháng 02/2021: 9; từ kỳ trước chuyển qua: 7"),
        "rollup": ("100 + 201 = 301 ≠ 300", "Cấp tỉnh: 100; Cấp xã: 201; tổng số nhận (dòng tổng): 300"),
    }
    first = found.iloc[0]
    assert (first.source, first.note) == ("https://example.gov.vn/bao-cao", "quý 1")


def test_the_real_published_rows(tmp_path):
    """The genuine inconsistencies of the bundled real statistics, as listed in data/README.md."""
    stats = prepare(ROOT / "data", TEMPLATES).findings
    real = stats[~stats["synthetic"]]
    got = {(f.check, f.period, f.level, f.column, f.published, f.expected) for f in real.itertuples()}
    assert ("resolved_sum", "2019-12-01..2020-02-29", "tong", "resolved_total", 643272, 643270) in got
    assert ("balance", "2019-12-01..2020-02-29", "tong", "received_total", 659245, 650444) in got
    assert ("rollup", "2019-12-01..2020-02-29", "tong", "resolved_in_time", 635593, 635595) in got
    assert len(got) == 9


def test_values_in_statistics_stay_inert_in_pages_and_chart_json(tmp_path):
    from conftest import html, run_cli

    hostile = "</script><script>alert(1)</script> <img src=x onerror=alert(2)>"
    rows = [{"period": f"2021-{m:02d}", "agency": agency, "received_online": "10", "received_offline": "5",
             "resolved_in_time": "9", "resolved_late": "1", "pending_total": "3", "source": source}
            for m in (1, 2) for agency, source in ((hostile, "javascript:alert(3)"), ("Sở B", "=HYPERLINK(1)"))]
    data = publish(tmp_path, *rows)
    site = tmp_path / "site"
    assert run_cli("build", "--data", str(data), "--site-dir", str(site), "--strict") == 0
    text = (site / "thong-ke/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text
    page = html(site / "thong-ke/index.html")
    import json
    figure = page.find(id="ck-chart-theo-co-quan")["data-ck-figure"]
    assert "</" not in figure  # safe even if it were ever moved into a <script>
    assert plotly_text(hostile) in json.dumps(json.loads(figure), ensure_ascii=False)  # shown verbatim by Plotly
    assert not page.select('a[href^="javascript"]')
    stats_csv = (site / "du-lieu/thong-ke.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in stats_csv


def test_statistics_from_every_sheet_of_a_workbook(tmp_path):
    import openpyxl

    data = publish(tmp_path, {"period": "2021-Q1", "agency": "A", "pending_total": "5"}, name="a.csv")
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "quy-2"
    first.append(["period", "level", "agency", "carried_over", "on_time_rate"])
    first.append(["2021-Q2", "Cấp tỉnh", "A", 6, "99,5"])
    second = workbook.create_sheet("quy-3")
    second.append(["period", "level", "agency", "carried_over"])
    second.append(["2021-Q3", "tinh", "A", "x"])
    workbook.save(data / "statistics" / "b.xlsx")
    with pytest.raises(DataError) as caught:
        prepare(data, TEMPLATES)
    assert [(p.location(), p.code) for p in caught.value.report.errors] == [
        ("statistics/b.xlsx[quy-3]:2:carried_over", "invalid_count")]
    workbook.remove(second)
    workbook.save(data / "statistics" / "b.xlsx")
    publication = prepare(data, TEMPLATES)
    assert publication.statistics["period"].tolist() == ["2021-Q1", "2021-Q2"]
    assert [(f.check, f.period, f.published, f.expected) for f in publication.findings.itertuples()] == [
        ("carry_over", "2021-Q2", 6, 5)]


def test_count_axes_start_at_zero_in_whole_numbers_and_rate_axes_say_where_they_start(tmp_path):
    import json

    from generator.charts import build_charts

    rows = [{"period": f"2021-{m:02d}", "level": "tong", "received_online": str(m), "received_offline": "2",
             "resolved_in_time": str(95 + m % 4), "resolved_late": str(m % 3), "pending_overdue": str(m % 4),
             "source": "https://example.org/bao-cao"} for m in range(1, 7)]
    charts = {c.id: c for c in build_charts(prepare(publish(tmp_path, *rows), TEMPLATES).statistics)}
    volumes = json.loads(charts["khoi-luong"].figure)
    bar_axes = {"yaxis" + t.get("yaxis", "y")[1:] for t in volumes["data"] if t["type"] == "bar"}
    assert bar_axes == {"yaxis", "yaxis2"}  # new dossiers, and overdue ones in a panel of their own
    for name in bar_axes:  # at most 8 and 3 dossiers: Plotly alone would tick at 0,5
        assert (volumes["layout"][name]["rangemode"], volumes["layout"][name]["tickformat"],
                volumes["layout"][name]["dtick"]) == ("tozero", ",d", 1)
    assert charts["khoi-luong"].note == ""
    trend = charts["xu-huong"]
    start, end = json.loads(trend.figure)["layout"]["yaxis"]["range"]
    assert 0 < start < 100 and end == 100
    assert f"từ {start}% đến 100%, không bắt đầu từ 0" in trend.note
    image = json.loads(trend.image)  # what a downloaded picture adds
    assert image["layout"]["title"]["text"] == trend.title
    assert "Nguồn: https://example.org/bao-cao." in image["layout"]["title"]["subtitle"]["text"]
    assert "MÔ PHỎNG" not in image["layout"]["title"]["subtitle"]["text"]
