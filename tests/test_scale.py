"""What makes statistics for every procedure buildable (issue #15, point 6), checked against what it replaces:
open data written column by column is byte for byte what csv.writer and json.dumps write; statistics made by a
forked process, or read back from the build cache, are what the stage makes in one go."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import pytest

from generator import build, opendata
from generator.build import prepare
from generator.cache import BuildCache
from generator.problems import DataError
from generator.schema import STATISTICS

from conftest import TEMPLATES

# Cells csv.writer and json.dumps treat each in their own way: separators, quotes, line ends, formula starts, a
# number in a text column, empty and missing cells, floats, and values that cannot be hashed.
TABLE = {
    "text": ["a,b", 'say "hi"', "two\nlines", "=1+1", "-5", "", None, "Thủ tục", "a,b"],
    "count": [1, 0, -5, None, 1, 12, 3, 3, 1],
    "rate": [99.5, 0.1, None, 100.0, 1e-7, float("nan"), 2.5, 99.5, 3.0],
    "terms": [[["a", "1"]], [], [["b", "2"], ["c", "3"]], [], [], [["a", "1"]], [], [], []],
}


def expected_csv(columns: list[str], rows: list[list], numeric: frozenset[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell if name in numeric else opendata.neutralise(cell) for name, cell in zip(columns, row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@pytest.mark.parametrize("chunk_rows", [1, 2, 20_000])
@pytest.mark.parametrize("rows", [9, 1, 0])
def test_open_data_by_column_is_what_csv_writer_and_json_dumps_write(monkeypatch, chunk_rows, rows):
    monkeypatch.setattr(opendata, "CHUNK_ROWS", chunk_rows)
    columns = ["text", "count", "rate"]
    values = [TABLE[name][:rows] for name in columns]
    numeric = frozenset({"count", "rate"})
    table = [list(row) for row in zip(*values)]
    assert b"".join(opendata.csv_columns(columns, values, numeric)) == expected_csv(columns, table, numeric)
    assert opendata.csv_bytes(columns, table, numeric) == expected_csv(columns, table, numeric)
    # The JSON of the open data: records keyed by column, lists of pairs within them.
    columns.append("terms")
    values.append(TABLE["terms"][:rows])
    records = [dict(zip(columns, row)) for row in zip(*values)]
    assert b"".join(opendata.json_records(columns, values)) == json.dumps(
        records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_a_table_of_one_column_keeps_its_empty_rows():
    rows = [[""], ["x"], [None]]
    assert opendata.csv_bytes(["note"], rows) == expected_csv(["note"], rows, frozenset())


PROCEDURE = "1.001193"  # a procedure of the small fixture catalogue


def statistics(data: Path, broken: bool = False) -> None:
    """A few months for an agency, a field and a procedure, one row with a finding and (BROKEN) one an error."""
    columns = [c.name for c in STATISTICS.input_columns()]
    rows = []
    for month in range(1, 5):
        for scope in ({"agency": "Sở Tư pháp"}, {"field": "Hộ tịch", "level": "tong"},
                      {"procedure_code": PROCEDURE, "level": "xa", "agency": "Ủy ban nhân dân cấp xã", "field": "Hộ tịch"}):
            rows.append({"period": f"2025-{month:02d}", "level": "tinh", **scope, "received_total": 10 + month,
                         "resolved_total": 8, "resolved_in_time": 7 + (month == 3), "resolved_late": 1,
                         "pending_total": 2 + month, "source": "synthetic: test_scale"})
    if broken:
        rows[0]["received_total"] = "mười"
    (data / "statistics").mkdir()
    with (data / "statistics" / "bench.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


STATISTICS_FILES = ("du-lieu/thong-ke.", "du-lieu/kiem-tra.", "thong-ke/")


def made(data: Path, site: Path | None, monkeypatch, fork: bool):
    """prepare() with the build cache of SITE (none: a plain `mkdocs build`), the statistics made by a forked
    process or here; with the statistics' open data as bytes, wherever they are."""
    monkeypatch.setattr(build, "FORK_STATISTICS_ABOVE", -1 if fork else math.inf)
    publication = prepare(data, TEMPLATES, BuildCache(site) if site else None)
    files = {**publication.files, **{path: source.read_bytes() for path, (source, _) in publication.kept().items()}}
    return publication, {path: data for path, data in files.items() if path.startswith(STATISTICS_FILES)}


def test_statistics_made_forked_or_read_back_are_those_made_in_one_go(tmp_path, data_dir, monkeypatch):
    statistics(data_dir)
    plain, files = made(data_dir, None, monkeypatch, fork=False)
    assert "du-lieu/thong-ke.json" in files and plain.renderer.figures[PROCEDURE]
    for site, fork in ((tmp_path / "forked", True), (tmp_path / "here", False), (tmp_path / "forked", True)):
        publication, same = made(data_dir, site, monkeypatch, fork)  # the third reads the second's cache back
        assert same == files
        assert publication.report.problems == plain.report.problems
        assert publication.renderer.figures == plain.renderer.figures
        assert publication.renderer.figure_keys == plain.renderer.figure_keys
    # Open data gone from the cache: the statistics are made again, not taken without it.
    shutil.rmtree(tmp_path / ".forked.cache" / "statistics-files")
    assert made(data_dir, tmp_path / "forked", monkeypatch, fork=True)[1] == files


def test_problems_of_forked_statistics_keep_their_order_beside_the_catalogue(data_dir, tmp_path, monkeypatch):
    statistics(data_dir, broken=True)
    with (data_dir / "catalogue" / "procedures.csv").open("a", encoding="utf-8") as f:
        f.write(f"{PROCEDURE},Trùng mã\n")  # a duplicate code: an error of the catalogue stage
    found = []
    for site, fork in ((None, False), (tmp_path / "forked", True), (tmp_path / "here", False)):
        with pytest.raises(DataError) as caught:
            made(data_dir, site, monkeypatch, fork)
        found.append(caught.value.report.problems)
    assert {p.code for p in found[0] if p.severity == "error"} >= {"duplicate_code", "invalid_count"}
    assert found[1] == found[0] and found[2] == found[0]
