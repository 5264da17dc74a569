"""Agency and field scorecards and the QĐ 766 indicators (issue #15, points 2, 3 and 7). Every figure a page shows
is recomputed here from the rows written (tiny statistics in process), or from the sample site's published open
data (the 766 CSV), never read back from what the code wrote."""

from __future__ import annotations

import csv
import io
import datetime as dt
import json
import math

import pytest
from bs4 import BeautifulSoup

from generator.build import prepare
from generator.indicators import working_days
from generator.parse import group_key

from conftest import TEMPLATES, html, read_bom_csv

COLUMNS = ["period", "level", "agency", "field", "procedure_code", "received_total", "received_online",
           "received_offline", "carried_over", "resolved_total", "resolved_early", "resolved_on_time",
           "resolved_late", "pending_total", "pending_in_time", "pending_overdue", "source"]
SOURCE = "https://example.org/bieu-06"
# Three provincial agencies in two months; Sở Xây dựng is on the small catalogue's pages. Columns as COLUMNS.
ROWS = [
    ["2025-01", "tinh", "Sở Xây dựng", "", "", 100, 60, 30, 10, 80, 40, 30, 10, 20, 15, 5, SOURCE],
    ["2025-02", "tinh", "Sở Xây dựng", "", "", 120, 80, 30, 10, 100, 50, 40, 10, 20, 18, 2, SOURCE],
    ["2025-02", "tinh", "Sở <B>", "", "", 50, 10, 40, 0, 40, 30, 10, 0, 10, 10, 0, SOURCE],
    ["2025-02", "tinh", "Sở C", "", "", 90, 20, 70, 0, 80, 20, 40, 20, 10, 5, 5, SOURCE],
    ["2025-02", "xa", "", "Hộ tịch", "", 300, 100, 150, 50, 250, 200, 45, 5, 50, 49, 1, "synthetic: tests"],
]
THRESHOLD = {"1.2": 100, "1.3": 100, "2.1": 100, "3.1": 80, "3.3": 50, "5.4": 90}  # FORMATS.md §3
MAX_POINTS = {"1.2": 9, "1.3": 9, "2.1": 20, "3.1": 6, "3.3": 6, "5.4": 18}  # the methodology page's convention


def expected(indicator: str, numerator: int, denominator: int) -> tuple[float, float]:
    rate = round(numerator / denominator * 100, 2)
    return rate, round(MAX_POINTS[indicator] * min(rate / THRESHOLD[indicator], 1), 2)


def vi(value: float) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@pytest.fixture
def published(data_dir):
    (data_dir / "statistics").mkdir()
    with (data_dir / "statistics" / "s.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([COLUMNS, *ROWS])
    publication = prepare(data_dir, TEMPLATES)
    pages = {p.path: p for p in publication.shell_pages}
    return publication, {path: BeautifulSoup(p.body(), "html.parser") for path, p in pages.items()
                         if path.startswith(("co-quan/", "linh-vuc/"))}


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def test_an_agency_page_shows_its_scorecard_recomputed_from_its_rows(published):
    publication, pages = published
    page = pages["co-quan/so-xay-dung"]
    scope = page.select_one("[data-ck-scorecard] [data-ck-scope]")
    february = dict(zip(COLUMNS, ROWS[1]))
    in_time, resolved = february["resolved_early"] + february["resolved_on_time"], february["resolved_total"]
    assert f"{vi(in_time / resolved * 100)}% ({in_time}/{resolved} hồ sơ)" in text(scope.select_one("[data-ck-stat=rate]"))
    assert text(scope.select_one("[data-ck-stat=received]")).startswith(f"{february['received_total']} ")
    assert text(scope.select_one("[data-ck-stat=late]")) == str(february["resolved_late"])
    assert text(scope.select_one("[data-ck-stat=overdue]")) == str(february["pending_overdue"])
    # Rank among the provincial agencies of February, by their rates computed here.
    rates = {r[2]: (r[10] + r[11]) / r[9] for r in ROWS if r[0] == "2025-02" and r[1] == "tinh"}
    position = 1 + sum(rate > rates["Sở Xây dựng"] for rate in rates.values())
    assert text(scope.select_one("[data-ck-stat=rank]")).startswith(f"{position}/{len(rates)} ")
    assert [tr.td.get_text(strip=True) for tr in scope.select("[data-ck-trend] tbody tr")] == ["02/2025", "01/2025"]
    assert not scope.select(".ck-badge--synthetic")  # published rows are not labelled simulated
    # QĐ 766 indicators of the latest row, each with its terms and points.
    terms = {"2.1": (in_time + february["pending_in_time"], february["received_total"]),
             "3.3": (february["received_online"], february["received_online"] + february["received_offline"]),
             "5.4": (february["received_total"] - february["resolved_late"] - february["pending_overdue"],
                     february["received_total"])}
    for indicator, (numerator, denominator) in terms.items():
        row = page.select_one(f"tr[data-ck-score='{indicator}']")
        rate, points = expected(indicator, numerator, denominator)
        cells = [text(td) for td in row.select("td")]
        assert cells[1] == f"{vi(rate)}% ({numerator} / {denominator})"
        assert cells[2] == (f"{vi(points)} / {MAX_POINTS[indicator]} (đủ điểm từ {THRESHOLD[indicator]}%; "
                            f"thiếu {vi(MAX_POINTS[indicator] - points)})")
    # The catalogue's indicators of the agency's page are there too, and the page says these are not official.
    assert {"1.3", "3.1"} <= {tr["data-ck-score"] for tr in page.select("tr[data-ck-score]")}
    assert "không phải điểm chính thức" in text(page.select_one("[data-ck-scorecard]"))
    # The scorecard's trend has an embed, and the page its «Nhúng» control.
    assert page.select_one("[data-ck-embed]")["data-ck-embed"] == "../../nhung/co-quan/so-xay-dung/tinh/"
    embeds = {e.path: e for e in publication.renderer.embeds}
    embed = embeds["nhung/co-quan/so-xay-dung/tinh/"]
    assert embed.svg and "<polyline" in embed.svg and embed.sources == (SOURCE,) and not embed.synthetic


def test_a_field_page_and_an_agency_without_statistics(published):
    _, pages = published
    field = pages["linh-vuc/ho-tich"].select_one("[data-ck-scorecard] [data-ck-scope]")
    assert "245/250" in text(field.select_one("[data-ck-stat=rate]"))
    assert field.select_one(".ck-badge--synthetic")  # its row is simulated, and says so
    agency = pages["co-quan/uy-ban-nhan-dan-cap-xa"]
    assert not agency.select("[data-ck-scope]") and agency.select("tr[data-ck-score='1.3']")


def test_published_in_time_counts_working_days_without_public_holidays():
    # After Friday 24/01/2025, Tết closes 27–31/01: 05/02 is the third working day, not the eighth.
    assert working_days(dt.date(2025, 1, 24), dt.date(2025, 2, 5)) == 3
    assert working_days(dt.date(2025, 3, 7), dt.date(2025, 3, 14)) == 5  # a plain week
    assert working_days(dt.date(2025, 3, 14), dt.date(2025, 3, 14)) == 0


def test_the_766_file_is_recomputed_from_the_published_open_data(sample_site):
    """Every row of chi-so-766.csv, recomputed from thong-ke.csv and the catalogue's thu-tuc.csv, ho-so.csv and
    cach-thuc.csv as published: the same rows, numbers and points."""
    data = sample_site / "du-lieu"
    # Names are compared as the site groups them: one page for spellings that differ only in case, spacing,
    # punctuation or tone placement (parse.group_key, the rule the methodology page states).
    published = {(r["period"], r["level"], group_key(r["agency"]), group_key(r["field"]), r["indicator"]): r
                 for r in read_bom_csv(data / "chi-so-766.csv")}
    assert json.loads((data / "chi-so-766.json").read_text(encoding="utf-8"))[0].keys() >= {
        "period", "level", "agency", "field", "indicator", "numerator", "denominator", "rate", "threshold", "points",
        "max_points"}
    wanted: dict[tuple, tuple[int, int]] = {}

    def number(value: str) -> float | None:
        return float(value) if value != "" else None

    for r in read_bom_csv(data / "thong-ke.csv"):
        if r["procedure_code"]:
            continue
        key = (r["period"], r["level"], group_key(r["agency"]), group_key(r["field"]))
        received, online, offline = number(r["received_calc"]), number(r["received_online"]), number(r["received_offline"])
        in_time, pending, late, overdue = (number(r[c]) for c in ("in_time_calc", "pending_in_time", "resolved_late",
                                                                   "pending_overdue"))
        if None not in (in_time, pending, received):
            wanted[key + ("2.1",)] = (in_time + pending, received)
        if None not in (online, offline):
            wanted[key + ("3.3",)] = (online, online + offline)
        if None not in (received, late, overdue) and received - late - overdue >= 0:
            wanted[key + ("5.4",)] = (received - late - overdue, received)
    procedures = read_bom_csv(data / "thu-tuc.csv")
    documents, channels = {}, {}
    for d in read_bom_csv(data / "ho-so.csv"):
        documents.setdefault(d["procedure_code"], []).append(d)
    for c in read_bom_csv(data / "cach-thuc.csv"):
        channels.setdefault(c["procedure_code"], []).append(c)

    def complete(p: dict) -> bool:
        real = [d for d in documents.get(p["code"], []) if not (d["originals"] == "0" and d["copies"] == "0")]
        ways = channels.get(p["code"], [])
        return bool(p["name"].strip() and p["steps"].strip() and p["subjects"].strip() and p["agency"].strip()
                    and ways and all(c["time"].strip() for c in ways)
                    and real and all(d["originals"] != "" or d["copies"] != "" for d in real))

    units: dict[tuple[str, str], list[dict]] = {("", ""): procedures}
    # The agencies of each procedure as a list (thu-tuc.csv joins them with «; », which an agency's name may hold).
    agencies = {p["code"]: p["agencies"] for p in json.loads((data / "thu-tuc.json").read_text(encoding="utf-8"))}
    for p in procedures:
        for agency in dict.fromkeys(group_key(a) for a in agencies[p["code"]] if group_key(a)):
            units.setdefault((agency, ""), []).append(p)
        if group_key(p["field"]):
            units.setdefault(("", group_key(p["field"])), []).append(p)
    for (agency, field), members in units.items():
        online = sum(p["online_status"] in ("toan_trinh", "mot_phan", "truc_tuyen") for p in members)
        wanted[("", "", agency, field, "1.3")] = (sum(map(complete, members)), len(members))
        wanted[("", "", agency, field, "3.1")] = (online, len(members))
    assert set(wanted) == set(published) and len(published) > 1000
    for key, row in published.items():
        numerator, denominator = wanted[key]
        rate, points = expected(key[4], numerator, denominator)
        assert (float(row["numerator"]), float(row["denominator"])) == (numerator, denominator), key
        assert math.isclose(float(row["rate"]), rate) and math.isclose(float(row["points"]), points), key
        assert (float(row["threshold"]), float(row["max_points"])) == (THRESHOLD[key[4]], MAX_POINTS[key[4]])


def test_the_766_page_has_every_unit_its_chart_and_embed(sample_site):
    page = html(sample_site / "thong-ke/chi-so-766/index.html")
    assert "Không phải điểm chính thức" in text(page.select_one(".ck-indicators"))
    table = page.select_one("table[data-ck-sortable]")
    headings = [th.get_text(strip=True) for th in table.select("thead th")]
    # No unit has 1.2 (the sample publishes no decision and publication dates): its column is left out.
    assert headings == ["Đơn vị", "Cấp, kỳ", "1.3", "2.1", "3.1", "3.3", "5.4"]
    names = {row.td.contents[0].strip() for row in table.select("tbody tr")}
    published = read_bom_csv(sample_site / "du-lieu/chi-so-766.csv")
    units = {" · ".join(part for part in (r["agency"], r["field"]) if part) or "Toàn bộ" for r in published}
    assert names == units and len(units) > 200
    # The chart of the whole, drawn by the build: per indicator, a bar from 0 as long as its maximum, the points
    # earned first; the lengths are in proportion to the points of its table.
    block = page.select_one(".ck-chart-block")
    bars = block.select("svg rect")
    table = [[td.get_text() for td in tr.select("td")] for tr in block.select("tbody tr")]
    assert len(bars) == 2 * len(table) == 10
    scale = float(bars[0]["width"]) / float(table[0][5].replace(",", "."))
    for (earned, lacking), row in zip(zip(bars[::2], bars[1::2]), table):
        points, top = float(row[5].replace(",", ".")), float(row[6])
        assert float(earned["x"]) == 0 and float(lacking["x"]) == float(earned["width"])
        assert math.isclose(float(earned["width"]), points * scale, abs_tol=0.1)
        assert math.isclose(float(earned["width"]) + float(lacking["width"]), top * scale, abs_tol=0.2)
    assert page.select_one("[data-ck-embed]")["data-ck-embed"] == "../../nhung/chi-so-766/"
    embed = html(sample_site / "nhung/chi-so-766/index.html")
    assert not embed.select("header, nav, footer, script") and embed.select_one(".ck-chart svg rect")
    assert embed.select_one(".ck-badge--synthetic")  # its statistics are the sample's simulated rows


def test_indicator_1_2_counts_working_days_from_the_decision_to_publication(data_dir):
    """Where a catalogue publishes both dates, 1.2 counts the procedures published within 5 working days of their
    decision (10 for a ministry's): 24/01/2025 → 05/02/2025 is 3 working days across Tết, 03/03 → 14/03 is 9."""
    path = data_dir / "catalogue" / "procedures.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    dates = {"1.001193": ("2025-01-24", "2025-02-05"), "1.000894": ("2025-03-03", "2025-03-14")}
    rows[0] += ["decision_date", "published_date"]
    for row in rows[1:]:
        row += list(dates.get(row[0], ("", "")))
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    publication = prepare(data_dir, TEMPLATES)
    published = list(csv.DictReader(io.StringIO(publication.files["du-lieu/chi-so-766.csv"].decode("utf-8-sig"))))
    whole = next(r for r in published if r["indicator"] == "1.2" and not r["agency"] and not r["field"])
    assert (whole["numerator"], whole["denominator"], whole["rate"], whole["points"]) == ("1", "2", "50.0", "4.5")
    # An agency none of whose procedures has both dates has no 1.2.
    assert not [r for r in published if r["indicator"] == "1.2" and r["agency"] == "Sở Xây dựng"]
