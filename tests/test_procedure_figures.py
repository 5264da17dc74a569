"""Procedure pages show what the statistics rows naming them say (issue #15, point 1): rendered in process from a
tiny statistics file beside the small fixture catalogue, each figure recomputed here from the rows written."""

from __future__ import annotations

import csv

from bs4 import BeautifulSoup

from generator.audit import row_anchor
from generator.build import prepare

from conftest import TEMPLATES

COLUMNS = ["period", "level", "agency", "field", "procedure_code", "received_total", "received_online",
           "received_offline", "carried_over", "resolved_total", "resolved_early", "resolved_on_time",
           "resolved_in_time", "resolved_late", "pending_total", "pending_in_time", "pending_overdue", "on_time_rate",
           "source"]
SYNTHETIC = "synthetic: tests"
ROWS = [  # January, then February with a published rate that the audit finds wrong (87 / 90 = 96.67 %, not 90)
    ["2025-01", "xa", "UBND xã <A>", "Hộ tịch", "1.000894", 100, 40, 50, 10, 80, 50, 26, 76, 4, 20, 18, 2, "95.00",
     SYNTHETIC],
    ["2025-02", "xa", "UBND xã <A>", "Hộ tịch", "1.000894", 110, 30, 60, 20, 90, 60, 27, 87, 3, 20, 19, 1, "90.00",
     SYNTHETIC],
    ["2025-02", "tong", "", "Hộ tịch", "", 1200, 500, 600, 100, 1000, 600, 350, 950, 50, 200, 190, 10, "95.00",
     "https://example.org/bieu-06"],
]


def page(data_dir, code: str) -> tuple[BeautifulSoup, object]:
    (data_dir / "statistics").mkdir()
    with (data_dir / "statistics" / "s.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([COLUMNS, *ROWS])
    publication = prepare(data_dir, TEMPLATES)
    return BeautifulSoup(publication.renderer.procedure_body(code), "html.parser"), publication


def text(soup, selector: str) -> str:
    return " ".join(soup.select_one(selector).get_text(" ").split())


def test_a_procedure_page_shows_its_latest_figures_trend_context_and_findings(data_dir):
    soup, publication = page(data_dir, "1.000894")
    scope = soup.select_one("[data-ck-scope]")
    # February: (60 + 27) / 90; received 20 + 30 + 60, online 30 of the 90 new; 3 late; 1 pending overdue.
    assert f"{87 / 90 * 100:.2f}".replace(".", ",") + "%" in text(scope, "[data-ck-stat=rate]")
    assert "87/90" in text(scope, "[data-ck-stat=rate]")
    assert text(scope, "[data-ck-stat=received]").startswith("110 ")
    assert f"trực tuyến 30, {30 / 90 * 100:.2f}".replace(".", ",") in text(scope, "[data-ck-stat=received]")
    assert text(scope, "[data-ck-stat=late]") == "3" and text(scope, "[data-ck-stat=overdue]") == "1"
    assert "UBND xã <A>" in scope.get_text() and "&lt;A&gt;" in str(scope)  # escaped where it lands
    # The field's row of the same period as context, published (not simulated).
    field = scope.select_one("[data-ck-context=field]")
    assert "95,00%" in field.get_text() and "950/1.000" in field.get_text() and not field.select(".ck-badge")
    # Both months in the trend, latest first; the rows are simulated, and the page says so.
    assert [tr.td.get_text(strip=True) for tr in scope.select("[data-ck-trend] tbody tr")] == ["02/2025", "01/2025"]
    assert scope.select_one(".ck-badge--synthetic").get_text() == "mô phỏng"
    assert "mô phỏng" in text(soup, "[data-ck-actual]")
    # February's rate finding, linked to its row's findings; the definition is said.
    links = [a["href"] for a in scope.select("a[data-ck-finding]")]
    assert links == [f"../../thong-ke/kiem-tra/#{row_anchor('statistics/s.csv', 3)}"]
    assert "(trước hạn + đúng hạn) / đã giải quyết × 100" in text(soup, "[data-ck-performance] .ck-note")
    # The page's key is not the procedure's alone: its figures are in it.
    keys = {p.path: p.key for p in publication.shell_pages}
    listings = {p.code: p.key for p in publication.index.listings}
    assert keys["thu-tuc/1.000894"] != listings["1.000894"] and keys["thu-tuc/1.001193"] == listings["1.001193"]


def test_a_procedure_no_row_names_says_no_figures_are_published(data_dir):
    soup, _ = page(data_dir, "1.001193")
    assert soup.select_one("[data-ck-no-figures]") and not soup.select("[data-ck-scope], [data-ck-actual]")
