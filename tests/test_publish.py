"""Safe publishing: a build killed at any moment leaves the previous complete site or the new one, never a mix;
two builds of the same input, at different times, are byte for byte the same."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
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


def test_a_killed_build_leaves_the_old_site_or_the_new_one(tmp_path: Path):
    data = two_catalogues(tmp_path)
    site = tmp_path / "www" / "site"
    known = {}
    for name in ("b", "a"):
        started = time.monotonic()
        subprocess.run(build_command(data[name], site), cwd=ROOT, env=ENV, check=True, capture_output=True,
                       timeout=300)
        duration = time.monotonic() - started  # of the last one, a → same work as every run below
        known[name] = manifest(site)
    assert known["a"] and known["b"] and known["a"] != known["b"]

    current, runs, outcomes = "a", 24, []
    rng = random.Random(5)
    for i in range(runs):
        target = "b" if current == "a" else "a"
        # One delay in each slice of the build's duration (and a little past it), in a seeded random place.
        delay = (i + rng.random()) / runs * 1.3 * duration
        process = subprocess.Popen(build_command(data[target], site), cwd=ROOT, env=ENV,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.kill()
        process.wait(timeout=60)
        now = manifest(site)
        assert now in (known[current], known[target]), f"run {i}: killed after {delay:.2f} s, a mixed site"
        outcomes.append("new" if now == known[target] else "old")
        current = target if now == known[target] else current
        assert not any(p.name.startswith(".site") for p in site.iterdir())  # staging never inside the site
    assert "old" in outcomes, outcomes

    # The next complete build publishes and removes what killed builds left beside the site.
    target = "b" if current == "a" else "a"
    subprocess.run(build_command(data[target], site), cwd=ROOT, env=ENV, check=True, capture_output=True,
                   timeout=300)
    assert manifest(site) == known[target]
    assert sorted(p.name for p in site.parent.iterdir()) == [".site.cache", "site"]  # and the build cache
    assert not list((site.parent / ".site.cache").glob(".*"))  # no half-written cache entry
    deadline = time.monotonic() + 60  # old sites are deleted in the background
    while list((site.parent / ".site.cache").glob("trash-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not list((site.parent / ".site.cache").glob("trash-*"))


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
    assert bad.returncode == 2 and "SOURCE_DATE_EPOCH must be a whole number" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "other").exists()


def test_a_rebuild_reuses_unchanged_pages_and_equals_a_full_build(tmp_path: Path):
    from conftest import run_cli

    data = two_catalogues(tmp_path)
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(site)) == 0
    inode = {p: (site / p / "index.html").stat().st_ino for p in ("thu-tuc/1.001193", "thu-tuc/2.002000")}
    # Same data directory, one procedure renamed: the rebuild and a full build must agree byte for byte.
    shutil.copy(data["b"] / "catalogue/procedures.csv", data["a"] / "catalogue/procedures.csv")
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(site)) == 0
    assert run_cli("build", "--data", str(data["a"]), "--site-dir", str(fresh)) == 0
    assert manifest(site) == manifest(fresh)
    assert (site / "thu-tuc/2.002000/index.html").stat().st_ino == inode["thu-tuc/2.002000"]  # reused
    assert (site / "thu-tuc/1.001193/index.html").stat().st_ino != inode["thu-tuc/1.001193"]  # renamed: new
    assert "Đăng ký kết hôn (bản mới)" in (site / "thu-tuc/1.001193/index.html").read_text(encoding="utf-8")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rebuilds_from_the_build_cache_equal_full_builds(tmp_path: Path):
    """Whatever changed (a name, a document, a field, a statistics figure, nothing), a rebuild publishes exactly
    what a full build does: in place (rebuild.py) when only procedures changed, else from MkDocs' output and the
    statistics in the build cache."""
    data, site = tmp_path / "data", tmp_path / "www" / "site"
    shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir()
    shutil.copy(ROOT / "data/statistics/published-2019-2021.csv", data / "statistics")
    catalogue = data / "catalogue"
    edits = {  # name → (edit, rebuilt in place)
        "nothing": (lambda: None, True),
        "name": (lambda: _edit(catalogue / "procedures.csv", "Thủ tục đăng ký kết hôn", "Đăng ký kết hôn (bản mới)"),
                 True),
        "document": (lambda: catalogue.joinpath("documents.csv").open("a", encoding="utf-8").write(
            "1.001193,Giấy tờ phải nộp,Giấy xác nhận tình trạng hôn nhân,1,0,\n"), True),
        "field": (lambda: _edit(catalogue / "procedures.csv", "Thủ tục đăng ký khai sinh,Hộ tịch",
                                "Thủ tục đăng ký khai sinh,Thủy lợi"), True),
        "new agency": (lambda: _edit(catalogue / "procedures.csv", "Thủy lợi,Cơ quan khác,,",
                                     "Thủy lợi,Cơ quan khác,Sở mới,"), False),
        "statistics": (lambda: _edit(data / "statistics/published-2019-2021.csv", "643272", "643270"), False),
    }

    def build(target: Path, *extra: str) -> str:
        done = subprocess.run(build_command(data, target, *extra, "--site-url", "https://example.org/tthc/"),
                              cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr

    build(site)
    kept = site.parent / ".site.cache/mkdocs/files"
    for name, (edit, in_place) in edits.items():
        edit()
        mkdocs_output = {p: p.stat().st_ino for p in kept.rglob("*.html")}
        said = build(site)
        assert ("rebuilt in place" in said) == in_place, (name, said)
        full = tmp_path / f"full-{name}"
        build(full, "--full")
        assert manifest(site) == manifest(full), name
        reused = {p: p.stat().st_ino for p in kept.rglob("*.html")} == mkdocs_output
        assert reused == (name != "statistics"), name  # MkDocs runs again only for the statistics pages
    assert "643.270" in (site / "thong-ke/index.html").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Đăng ký kết hôn (bản mới)" in (site / "thu-tuc/index.html").read_text(encoding="utf-8")
    assert home.count("<h1") == 1 and "ck-slot" not in home


def test_an_error_in_a_changed_procedure_publishes_nothing_and_is_reported_like_in_a_full_build(tmp_path: Path):
    data, site = tmp_path / "data", tmp_path / "www" / "site"
    shutil.copytree(FIXTURES / "small", data)

    def build(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(build_command(data, site, *extra), cwd=ROOT, env=ENV, capture_output=True, text=True,
                              timeout=300)

    assert build().returncode == 0
    published = manifest(site)
    _edit(data / "catalogue/procedures.csv", "Thủ tục đăng ký khai sinh,Hộ tịch,xa,",
          "Thủ tục đăng ký khai sinh,Hộ tịch,phường,")
    failed = build()
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "catalogue/procedures.csv:3:level: unknown level" in failed.stderr
    assert manifest(site) == published
    _edit(data / "catalogue/procedures.csv", ",Hộ tịch,phường,", ",Hộ tịch,Cấp xã,")
    fixed = build()
    assert fixed.returncode == 0 and "rebuilt in place" in fixed.stderr, fixed.stderr
