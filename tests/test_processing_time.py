"""Observed processing time from the dossier log (issue #17): working days on Việt Nam's calendar (weekends and
public holidays, one calendar with indicator 1.2), median and 90th percentile worked out by hand, the share within
the legal time of each dossier's channel as the catalogue states it, figures over fewer than 5 dossiers withheld on
pages and in the open data, and indicator 2.1 labelled with its source. One tiny log over the National Day holiday
of 2024 (Monday 2 and Tuesday 3 September), built once with the small fixture catalogue."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, html, read_bom_csv, run_cli
from generator import dossiers
from generator.indicators import working_days
from generator.model import Channel
from generator.parse import parse_time
from generator.problems import Report
from generator.processing_time import ANY_CHANNEL, calendar, legal_times

HEADER = "dossier_id,procedure_code,agency,level,field,channel,received_at,due_at,finished_at,outcome"
XA, TINH = "Ủy ban nhân dân cấp xã", "Sở Xây dựng"  # the small catalogue's agencies
# The small catalogue's legal times: 1.001193 truc_tiep «05 ngày làm việc», truc_tuyen «Trong ngày» (1 working
# day); 1.000894 buu_chinh «Không quá 03 ngày làm việc»; 2.002000 truc_tiep «15 ngày» (calendar days); 1.004000
# truc_tiep «1» (no unit: no legal time).
LOG = [
    # 1.001193: working days in the comment; legal time by channel; resolved 7 → [0, 1, 1, 1, 1, 4, 13]
    f"D1,1.001193,{XA},xa,,truc_tiep,2024-08-30,,2024-09-04,",  # Fri → Wed over the weekend and 2, 3/09: 1 ≤ 5
    f"D2,1.001193,{XA},xa,,truc_tiep,2024-08-26,,26/08/2024 16:00,",  # the same day: 0 ≤ 5
    f"D3,1.001193,{XA},xa,,truc_tuyen,2024-08-29,,2024-09-06,",  # Thu → Fri next week: 30/08, 4, 5, 6/09: 4 > 1
    f"D4,1.001193,{XA},xa,,truc_tuyen,2024-08-27,,2024-08-28,resolved",  # 1 ≤ 1
    f"D5,1.001193,{XA},xa,,buu_chinh,2024-08-23,,2024-08-26,",  # Fri → Mon: 1; no such channel: no legal time
    f"D6,1.001193,{XA},xa,,truc_tiep,2024-08-19,,2024-09-09,",  # 4 + 5 + 3 + 1 = 13 > 5
    f"D7,1.001193,{XA},xa,,,2024-08-21,,2024-08-22,",  # 1; no channel, and the channels' times differ: none
    f"D8,1.001193,{XA},xa,,truc_tiep,2024-08-20,,2024-08-21,returned",  # not resolved: not counted
    f"D9,1.001193,{XA},xa,,truc_tiep,2024-08-20,,,",  # not finished: not counted
    # 1.000894: three dossiers, withheld; [1, 2, 2], each within 3 working days
    f"G1,1.000894,{XA},xa,,buu_chinh,2024-08-26,,2024-08-27,",
    f"G2,1.000894,{XA},xa,,buu_chinh,2024-08-26,,2024-08-28,",
    f"G3,1.000894,{XA},xa,,buu_chinh,2024-08-30,,2024-09-05,",  # 4, 5/09: 2
    # 2.002000, 15 calendar days: [9, 10, 0, 0, 3]
    f"E1,2.002000,{TINH},tinh,,truc_tiep,2024-08-19,,2024-09-03,",  # 15 calendar days (9 working): within
    f"E2,2.002000,{TINH},tinh,,truc_tiep,2024-08-19,,2024-09-04,",  # 16 calendar days (10 working): not
    f"E3,2.002000,{TINH},tinh,,truc_tiep,2024-08-29,,2024-08-29,",
    f"E4,2.002000,{TINH},tinh,,truc_tiep,2024-08-30,,2024-09-02,",  # Fri → Mon 2/09, a holiday: 0 working days
    f"E5,2.002000,{TINH},tinh,,truc_tiep,2024-08-27,,2024-08-30,",
    # 1.004000, a time without a unit: [0, 1, 2, 3, 4], no legal time
    *(f"F{n},1.004000,{TINH},tinh,,truc_tiep,2024-08-26,,2024-08-{26 + n},withdrawn" if n == 5 else
      f"F{n},1.004000,{TINH},tinh,,truc_tiep,2024-08-26,,2024-08-{26 + n}," for n in range(6)),
]


def write_log(data: Path, rows: list[str]) -> None:
    (data / "dossiers").mkdir(parents=True, exist_ok=True)
    (data / "dossiers" / "log.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def channel(code: str, time: str) -> Channel:
    parsed = parse_time(time)
    return Channel(code, time, "", "", parsed.days, parsed.working_days)


# --- definitions ------------------------------------------------------------------------------------------------

def test_the_calendar_table_counts_working_days_as_indicator_1_2_does():
    days = calendar(dt.date(2024, 1, 29), dt.date(2024, 3, 1))  # Tết 2024: 8–14 February
    assert days[0] == (dt.date(2024, 1, 29), 0, 0) and days[-1][:2] == (dt.date(2024, 3, 1), 32)
    for first, _, start in days:
        for last, _, end in days:
            assert end - start == working_days(first, last) or last < first
    numbers = {day: working for day, _, working in days}
    assert numbers[dt.date(2024, 2, 15)] - numbers[dt.date(2024, 2, 7)] == 1  # Wed → Thu after Tết


def test_a_channels_legal_time_is_the_catalogues_reading_where_it_is_one_number_of_days():
    assert legal_times([channel("truc_tiep", "05 ngày làm việc"), channel("truc_tuyen", "Trong ngày")]) == (
        ("truc_tiep", 5.0, True), ("truc_tuyen", 1.0, True))
    assert legal_times([channel("truc_tiep", "15 ngày"), channel("buu_chinh", "15 Ngày")]) == (
        ("truc_tiep", 15.0, False), ("buu_chinh", 15.0, False), (ANY_CHANNEL, 15.0, False))
    # One per case, or no unit: which applied to a dossier is not in the log.
    assert legal_times([channel("truc_tiep", "44 Ngày làm việc"), channel("truc_tiep", "13 Ngày làm việc")]) == ()
    assert legal_times([channel("truc_tiep", "1"), channel("truc_tuyen", "1")]) == ()


def test_median_p90_and_share_within_the_legal_time_worked_out_by_hand(tmp_path):
    write_log(tmp_path, LOG)
    legal = {"1.001193": legal_times([channel("truc_tiep", "05 ngày làm việc"), channel("truc_tuyen", "Trong ngày")]),
             "1.000894": legal_times([channel("buu_chinh", "Không quá 03 ngày làm việc")]),
             "2.002000": legal_times([channel("truc_tiep", "15 ngày")]),
             "1.004000": legal_times([channel("truc_tiep", "1")])}
    report = Report()
    computed = dossiers.dossier_statistics(tmp_path, {code: "" for code in legal}, report, legal)
    assert [p for p in report.problems if p.severity == "error"] == []
    found = {(t.scope, t.procedure_code or t.agency): (t.dossiers, t.median, t.p90, t.timed, t.within, t.share)
             for t in computed.times}
    assert found == {
        # sorted [0, 1, 1, 1, 1, 4, 13]: median the 4th; p90 at 0.9 × 6 = 5.4, 4 + 0.4 × (13 − 4)
        ("procedure", "1.001193"): (7, 1.0, 7.6, 5, 3, 60.0),
        ("procedure", "1.000894"): (3, None, None, None, None, None),  # fewer than 5: withheld
        # [0, 0, 3, 9, 10]: p90 at 3.6, 9 + 0.6
        ("procedure", "2.002000"): (5, 3.0, 9.6, 5, 4, 80.0),
        ("procedure", "1.004000"): (5, 2.0, 3.6, 0, None, None),  # no legal time: no share
        # [0, 1, 1, 1, 1, 1, 2, 2, 4, 13]: median between the 5th and 6th; p90 at 8.1, 4 + 0.1 × 9
        ("agency", XA): (10, 1.0, 4.9, 8, 6, 75.0),
        # [0, 0, 0, 1, 2, 3, 3, 4, 9, 10]
        ("agency", TINH): (10, 2.5, 9.1, 5, 4, 80.0),
    }
    assert [t.scope for t in computed.times] == ["procedure"] * 4 + ["agency"] * 2
    assert [t.level for t in computed.times if t.scope == "agency"] == ["tinh", "xa"]
    assert {(t.period_start, t.period_end) for t in computed.times} == {(dt.date(2024, 8, 1), dt.date(2024, 9, 30))}


def test_a_change_of_a_legal_time_changes_the_logs_key(tmp_path):
    write_log(tmp_path, LOG[:2])
    five = dossiers.DossierInput(tmp_path, {"1.001193": ""}, {"1.001193": (("truc_tiep", 5.0, True),)})
    six = dossiers.DossierInput(tmp_path, {"1.001193": ""}, {"1.001193": (("truc_tiep", 6.0, True),)})
    assert five.key() != six.key() and five.key() == dossiers.DossierInput(*vars(five).values()).key()


# --- the built site ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("times") / "data"
    shutil.copytree(FIXTURES / "small", data)
    write_log(data, LOG)
    site = data.parent / "site"
    assert run_cli("build", "--data", str(data), "--site-dir", str(site), "--strict") == 0
    return site


def times_of(page) -> dict[str, str]:
    block = page.select_one("[data-ck-processing-time]")
    return {dd["data-ck-time"]: dd.get_text(" ", strip=True) for dd in block.select("[data-ck-time]")}


def test_a_procedure_page_shows_the_observed_time_beside_the_legal_time(site):
    page = html(site / "thu-tuc/1.001193/index.html")
    block = page.select_one("#so-lieu").find_parent("section").select_one('[data-ck-processing-time="procedure"]')
    text = block.get_text(" ", strip=True)
    assert "Thời hạn theo quy định" in text and "05 ngày làm việc" in text and "Trong ngày" in text
    assert "08/2024–09/2024" in text
    assert block.select_one('[data-ck-source="log"]').get_text() == "tính từ nhật ký hồ sơ"
    assert times_of(page) == {
        "resolved": "7", "median": "1 ngày làm việc (một nửa số hồ sơ xong trong chừng ấy ngày hoặc ít hơn)",
        "p90": "7,6 ngày làm việc",
        "within": "60,00% (3/5 hồ sơ có thời hạn; 2 hồ sơ không có thời hạn đọc được theo ngày)"}
    assert "ck-badge--synthetic" not in str(block)  # a real log: no «mô phỏng»
    # The first screen's answers are what they were: the observed time is in the figures section only.
    assert page.select_one('[data-ck-fact="time"] [data-ck-processing-time]') is None
    assert times_of(html(site / "thu-tuc/2.002000/index.html"))["within"].startswith("80,00% (4/5 hồ sơ")
    unparsed = times_of(html(site / "thu-tuc/1.004000/index.html"))
    assert unparsed["median"].startswith("2 ngày") and unparsed["within"].startswith("không tính được: thời hạn")


def test_fewer_than_5_dossiers_are_withheld_on_the_page_and_in_the_open_data(site):
    assert times_of(html(site / "thu-tuc/1.000894/index.html")) == {
        "resolved": "3", "withheld": "dưới 5 hồ sơ: không công bố (với vài hồ sơ, số ngày gần như là ngày của từng hồ "
                                     "sơ)"}
    rows = {(r["scope"], r["procedure_code"] or r["agency"]): r
            for r in read_bom_csv(site / "du-lieu/thoi-gian-xu-ly.csv")}
    assert list(rows) == [("procedure", "1.000894"), ("procedure", "1.001193"), ("procedure", "1.004000"),
                          ("procedure", "2.002000"), ("agency", TINH), ("agency", XA)]
    withheld = rows[("procedure", "1.000894")]
    assert withheld["resolved"] == "3" and withheld["withheld"] == "1"
    assert [withheld[c] for c in ("median_working_days", "p90_working_days", "with_legal_time", "within_legal_time",
                                  "within_legal_time_rate")] == [""] * 5
    assert {k: rows[("procedure", "1.001193")][k] for k in (
        "level", "agency", "period_start", "period_end", "resolved", "median_working_days", "p90_working_days",
        "with_legal_time", "within_legal_time", "within_legal_time_rate", "withheld", "source", "synthetic")} == {
        "level": "", "agency": "", "period_start": "2024-08-01", "period_end": "2024-09-30", "resolved": "7",
        "median_working_days": "1", "p90_working_days": "7.6", "with_legal_time": "5", "within_legal_time": "3",
        "within_legal_time_rate": "60", "withheld": "0", "source": "tính từ nhật ký hồ sơ", "synthetic": "0"}
    assert rows[("procedure", "1.004000")]["with_legal_time"] == "0"
    assert rows[("procedure", "1.004000")]["within_legal_time_rate"] == ""
    assert rows[("agency", XA)]["level"] == "xa" and rows[("agency", XA)]["p90_working_days"] == "4.9"
    records = json.loads((site / "du-lieu/thoi-gian-xu-ly.json").read_text(encoding="utf-8"))
    assert records[0]["median_working_days"] is None and records[1]["p90_working_days"] == 7.6
    assert [r["procedure_code"] or r["agency"] for r in records] == [key for _, key in rows]


def test_an_agency_page_shows_its_time_and_indicator_2_1_from_the_log_with_its_source(site):
    page = html(site / "co-quan/so-xay-dung/index.html")
    assert times_of(page)["median"].startswith("2,5 ngày làm việc")
    assert "(cấp tỉnh)" in page.select_one('[data-ck-processing-time="agency"]').get_text()
    scope = page.select_one("[data-ck-scope]")
    assert scope.select_one('[data-ck-source="log"]') is not None  # the on-time rate says where it comes from
    # 2.1 beside the Biểu 06 rate, with its terms: September 2024 (the log's last month) of Sở Xây dựng at the
    # province level: E1, E2, E4 resolved early or on time (no due day), F1–F4 too, F5 withdrawn; none pending.
    rate = scope.select_one('[data-ck-stat="rate"]').get_text(" ", strip=True)
    indicator = scope.select_one('[data-ck-stat="indicator-2.1"]').get_text(" ", strip=True)
    assert rate.startswith("100,00% (3/3 hồ sơ)") and indicator.startswith("100,00% (3/3 hồ sơ")
    row = page.select_one('[data-ck-score="2.1"]').get_text(" ", strip=True)
    assert "tính từ nhật ký hồ sơ" in row and "(3 / 3)" in row
    scores = [r for r in read_bom_csv(site / "du-lieu/chi-so-766.csv") if r["indicator"] == "2.1"]
    assert scores and {r["source"] for r in scores} == {"tính từ nhật ký hồ sơ"}
    indicators = html(site / "thong-ke/chi-so-766/index.html")
    assert "số liệu tháng 09/2024 (chưa trọn kỳ) tính từ nhật ký hồ sơ" in indicators.select_one(".ck-summary").text
    units = indicators.select('[data-ck-unit="agency"]')
    row = next(u for u in units if TINH in u.get_text() and "Cấp tỉnh" in u.get_text())
    assert row.select_one('[data-ck-source="log"]') is not None


def test_the_methodology_page_defines_the_count_and_the_columns(site):
    page = html(site / "du-lieu/phuong-phap/index.html")
    section = page.select_one("#thoi-gian-xu-ly").find_next_siblings()
    text = " ".join(s.get_text(" ", strip=True) for s in section[:3])
    assert "Tiếp nhận thứ Sáu, kết thúc thứ Hai: 1 ngày" in text and "Dưới 5 hồ sơ: không công bố" in text
    assert "Hồ sơ trả lại hoặc rút không được tính" in text and "within_legal_time_rate" in text
    listed = html(site / "du-lieu/index.html").select_one('a[href="thoi-gian-xu-ly.csv"]').find_parent("tr")
    assert listed.select("td")[-1].get_text() == "6"  # the open-data page lists the file with its rows


def test_the_samples_synthetic_log_gives_times_labelled_mô_phỏng(sample_site):
    rows = read_bom_csv(sample_site / "du-lieu/thoi-gian-xu-ly.csv")
    assert len(rows) > 50 and {(r["source"], r["synthetic"]) for r in rows} == {("synthetic: tính từ nhật ký hồ sơ",
                                                                                 "1")}
    shown = next(r for r in rows if r["scope"] == "procedure" and r["withheld"] == "0")
    block = html(sample_site / "thu-tuc" / shown["procedure_code"] / "index.html").select_one(
        "[data-ck-processing-time]")
    assert block.select_one(".ck-badge--synthetic").get_text() == "mô phỏng"
