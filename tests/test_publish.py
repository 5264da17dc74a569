"""Builds of the same input are byte for byte the same, whenever they run; a rebuild writes only what changed; an
error publishes nothing. (Publishing under faults: test_publish_safety.py; rebuilds against full builds:
test_differential.py.)"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT

ENV = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}


def build_command(data: Path, site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--data", str(data), "--site-dir", str(site), *extra]


def manifest(site: Path) -> dict[str, str]:
    """Every file of the site by path, with the hash of its bytes."""
    if not site.exists():
        return {}
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def two_catalogues(tmp_path: Path) -> dict[str, Path]:
    a = tmp_path / "a"
    shutil.copytree(FIXTURES / "small", a)
    b = tmp_path / "b"
    shutil.copytree(FIXTURES / "small", b)
    procedures = b / "catalogue/procedures.csv"
    procedures.write_text(procedures.read_text(encoding="utf-8").replace("Thủ tục đăng ký kết hôn",
                                                                          "Đăng ký kết hôn (bản mới)"),
                          encoding="utf-8")
    return {"a": a, "b": b}


SHIFTED_CLOCK = """
import datetime, sys, time
from generator.cli import main
import mkdocs.utils
SHIFT = 400 * 86400 + 5 * 3600
real_time = time.time
time.time = lambda: real_time() + SHIFT
class Later(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.fromtimestamp(time.time(), tz)
mkdocs.utils.datetime = Later
print("clock:", mkdocs.utils.get_build_date() if "SOURCE_DATE_EPOCH" not in __import__("os").environ else "-",
      file=sys.stderr)
sys.exit(main(sys.argv[1:]))
"""


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir()
    shutil.copy2(ROOT / "data/statistics/published-2019-2021.csv", data / "statistics")  # charts, Plotly, CSVs
    args = ("--site-url", "https://example.org/tthc/")
    first = subprocess.run(build_command(data, tmp_path / "first", *args), cwd=ROOT, env=ENV,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    # A second build 400 days and 5 hours later, by the clock MkDocs and gzip read.
    later = subprocess.run([sys.executable, "-c", SHIFTED_CLOCK, *build_command(data, tmp_path / "second", *args)[3:]],
                           cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert later.returncode == 0, later.stderr
    shifted = re.search(r"clock: (\S+)", later.stderr)[1]
    assert shifted != dt.date.today().isoformat()

    first_files, second_files = manifest(tmp_path / "first"), manifest(tmp_path / "second")
    assert len(first_files) > 50 and "thong-ke/index.html" in first_files
    assert first_files == second_files

    # The date written is the data's: its newest file, not the day of either build.
    newest = max(p.stat().st_mtime for p in data.rglob("*") if p.is_file())
    day = dt.datetime.fromtimestamp(int(newest), dt.timezone.utc).date().isoformat()
    sitemap = (tmp_path / "first/sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)) == {day}
    assert "/thu-tuc/1.001193/" in sitemap


def test_source_date_epoch_sets_the_date_and_a_bad_one_is_a_usage_error(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    result = subprocess.run(build_command(data, tmp_path / "site"), cwd=ROOT, capture_output=True, text=True,
                            env={**ENV, "SOURCE_DATE_EPOCH": "1700000000"}, timeout=300)
    assert result.returncode == 0, result.stderr
    with gzip.open(tmp_path / "site/sitemap.xml.gz") as f:
        f.read()
    header = (tmp_path / "site/sitemap.xml.gz").read_bytes()[:8]
    assert struct.unpack("<I", header[4:8])[0] == 1699920000  # 2023-11-14, the day of the given moment
    bad = subprocess.run(build_command(data, tmp_path / "other"), cwd=ROOT, capture_output=True, text=True,
                         env={**ENV, "SOURCE_DATE_EPOCH": "hôm qua"}, timeout=300)
    assert bad.returncode == 2 and "SOURCE_DATE_EPOCH phải là một số nguyên giây" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "other").exists()


def test_a_rebuild_reuses_unchanged_pages_and_equals_a_full_build(tmp_path: Path):
    from conftest import run_cli

    data = two_catalogues(tmp_path)
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    _dated(data["a"], NOON)
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(site)) == 0
    inode = {p: (site / p / "index.html").stat().st_ino for p in ("thu-tuc/1.001193", "thu-tuc/2.002000")}
    # Same data directory, one procedure renamed: the rebuild and a full build must agree byte for byte.
    shutil.copy(data["b"] / "catalogue/procedures.csv", data["a"] / "catalogue/procedures.csv")
    _dated(data["a"] / "catalogue/procedures.csv", NOON + 1)
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(site)) == 0
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(fresh)) == 0
    assert manifest(site) == manifest(fresh)
    assert (site / "thu-tuc/2.002000/index.html").stat().st_ino == inode["thu-tuc/2.002000"]  # reused
    assert (site / "thu-tuc/1.001193/index.html").stat().st_ino != inode["thu-tuc/1.001193"]  # renamed: new
    assert "Đăng ký kết hôn (bản mới)" in (site / "thu-tuc/1.001193/index.html").read_text(encoding="utf-8")


def _edit(path: Path, old: str, new: str) -> None:
    text, before = path.read_text(encoding="utf-8"), path.stat().st_mtime_ns // 10**9
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _dated(path, before + 1)


# Without SOURCE_DATE_EPOCH a site is dated by its data's newest file. Data copied or edited now would date the
# second build a day later than the first when the test runs across midnight (every page's footer would change):
# the files are dated at noon of a fixed day, and an edit a second later.
NOON = 1_767_268_800  # 2026-01-01 12:00 UTC


def _dated(path: Path, seconds: int) -> None:
    for file in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
        os.utime(file, (seconds, seconds))


def test_an_error_in_a_changed_procedure_publishes_nothing_and_is_reported_like_in_a_full_build(tmp_path: Path):
    data, site = tmp_path / "data", tmp_path / "www" / "site"
    shutil.copytree(FIXTURES / "small", data)
    _dated(data, NOON)

    def build(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(build_command(data, site, *extra), cwd=ROOT, env=ENV, capture_output=True, text=True,
                              timeout=300)

    assert build().returncode == 0
    published = manifest(site)
    _edit(data / "catalogue/procedures.csv", "Thủ tục đăng ký khai sinh,Hộ tịch,xa,",
          "Thủ tục đăng ký khai sinh,Hộ tịch,phường,")
    failed = build()
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "catalogue/procedures.csv:3:level: cấp không hợp lệ" in failed.stderr
    assert manifest(site) == published
    _edit(data / "catalogue/procedures.csv", ",Hộ tịch,phường,", ",Hộ tịch,Cấp huyện,")
    fixed = build()
    assert fixed.returncode == 0, fixed.stderr
    # Only what the change touches is written: the procedure's page, the lists and counts, open data, search.
    written = int(re.search(r"\((\d+) tệp ghi mới", fixed.stderr)[1])
    assert 0 < written < len(published) / 3, fixed.stderr
