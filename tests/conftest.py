from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = str(ROOT / "mkdocs.yml")


def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    """Until the server started as `server` answers at url; fails if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            assert server.poll() is None, f"the server for {url} exited"
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.1)


def run_cli(*args: str) -> int:
    return main([*args, "-f", CONFIG])


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


PAGE_BUDGET = {"thong-ke/": 450_000}  # bytes, gzipped, of a page's first load (issue #13)


def first_load(site: Path, page: str) -> list[Path]:
    """The files a browser fetches to show a page of the built site: the page, its styles, scripts and icon, the
    chart library its charts load, and Material's sitemap.xml, fetched at once when instant navigation is on."""
    path = site / page / "index.html"
    soup = html(path)
    refs = ([t["href"] for t in soup.select("link[rel~=stylesheet], link[rel~=icon]")]
            + [t["src"] for t in soup.select("script[src], img[src]")]
            + [t["data-ck-plotly"] for t in soup.select("[data-ck-plotly]")][:1])
    files = [path] + [(path.parent / ref.split("?")[0]).resolve() for ref in refs]
    if "navigation.instant" in json.loads(soup.select_one("#__config").string)["features"]:
        files.append(site / "sitemap.xml")
    return files


def gzipped_size(files: list[Path]) -> int:
    """What the files weigh as a web server sends them: gzip at level 6, the usual setting (Apache, zlib's default)."""
    return sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the small fixture catalogue, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", target)
    return target


@pytest.fixture(scope="session")
def small_site(tmp_path_factory) -> Path:
    """The real build (validation, MkDocs strict mode, publishing) of the small fixture catalogue."""
    site = tmp_path_factory.mktemp("small") / "site"
    assert run_cli("build", "--data", str(FIXTURES / "small"), "--site-dir", str(site), "--strict") == 0
    return site
