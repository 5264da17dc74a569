"""The bundled real sample (data/) builds in strict mode into a complete site: one page per procedure."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import ROOT, html, run_cli


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("sample") / "site"
    assert run_cli("build", "--data", str(ROOT / "data"), "--site-dir", str(site), "--strict") == 0
    return site


def test_every_sample_procedure_has_a_page(sample_site):
    with (ROOT / "data/catalogue/procedures.csv").open(encoding="utf-8-sig") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(codes) == 1597
    pages = {p.parent.name for p in (sample_site / "thu-tuc").glob("*/index.html")}
    assert pages == set(codes)
    listed = html(sample_site / "thu-tuc/index.html").select("[data-ck-items] > li")
    assert len(listed) == 1597


def test_sample_gaps_are_published(sample_site):
    data = html(sample_site / "du-lieu/index.html")
    rows = {tr.select("td")[0].get_text(): tr.select("td")[1].get_text() for tr in data.select("#day-du + table tbody tr")}
    assert rows["Thủ tục chưa công bố cơ quan thực hiện"] == "160"
    assert rows["Thời hạn chỉ có số, không có đơn vị"] == "381"
    assert rows["Cách thức không ghi thời hạn"] == "306"
    unassigned = html(sample_site / "co-quan/chua-cong-bo/index.html").select("ul.ck-plist li")
    assert len(unassigned) == 160


def test_sample_open_data_matches_the_input(sample_site):
    raw = (sample_site / "du-lieu/cach-thuc.csv").read_bytes().decode("utf-8-sig")
    channels = list(csv.DictReader(io.StringIO(raw)))
    assert len(channels) == 4572
    assert sum(1 for c in channels if c["time"] and not c["time_days"]) == 381
