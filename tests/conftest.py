from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import rnc2rng
from bs4 import BeautifulSoup
from lxml import etree, isoschematron

from generator.cli import main
from generator.search import LIST_DATA

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = str(ROOT / "mkdocs.yml")
TEMPLATES = ROOT / "generator" / "templates"  # the package's page templates (mkdocs_plugin.TEMPLATES_DIR)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


# Bytes, gzipped, of a page's first load (issue #13): a page that draws a chart with Plotly (the statistics page,
# the indicators page, a chart's embed), and every other page.
CHART_PAGE_BUDGET = 450_000
OTHER_PAGE_BUDGET = 200_000


def page_budget(site: Path, page: str) -> int:
    return CHART_PAGE_BUDGET if "data-ck-plotly" in (site / page / "index.html").read_text(encoding="utf-8") \
        else OTHER_PAGE_BUDGET


# Each kind of page, by the pattern of its path (bench/page_weight.py measures the same).
PAGE_KINDS = {"home": "", "list": "thu-tuc/", "procedure": "thu-tuc/*/", "full text": "thu-tuc/*/toan-van/",
              "field": "linh-vuc/*/", "agency": "co-quan/*/", "fields": "linh-vuc/", "agencies": "co-quan/",
              "search": "tim-kiem/", "statistics": "thong-ke/", "findings": "thong-ke/kiem-tra/", "open data": "du-lieu/",
              "dictionary": "du-lieu/tu-dien/", "methodology": "du-lieu/phuong-phap/", "about": "gioi-thieu/",
              "indicators": "thong-ke/chi-so-766/", "embed": "nhung/*/", "scorecard embed": "nhung/*/*/*/"}


def heaviest(site: Path, kind: str) -> str:
    """The page of a kind (PAGE_KINDS) with the largest HTML, which stands for its kind: e.g. thu-tuc/1.000894/."""
    path = max(site.glob(PAGE_KINDS[kind] + "index.html"), key=lambda p: p.stat().st_size)
    return "".join(f"{part}/" for part in path.parent.relative_to(site).parts)


def first_load(site: Path, page: str) -> list[Path]:
    """The files a browser fetches to show a page of the built site: the page, its styles, scripts and icon, and the
    chart library its charts load. (Nothing else: the site leaves Material's instant navigation, which fetches the
    whole sitemap.xml, off; the browser tests check that a phone fetches no more than this.)"""
    path = site / page / "index.html"
    soup = html(path)
    refs = ([t["href"] for t in soup.select("link[rel~=stylesheet], link[rel~=icon]")]
            + [t["src"] for t in soup.select("script[src], img[src]")]
            + [t["data-ck-plotly"] for t in soup.select("[data-ck-plotly]")][:1])
    return [path] + [(path.parent / ref.split("?")[0]).resolve() for ref in refs]


def gzipped_size(files: list[Path]) -> int:
    """What the files weigh as a web server sends them: gzip at level 6, the usual setting (Apache, zlib's default)."""
    return sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)


def list_data(site: Path) -> list[dict]:
    """The list of all procedures as its script reads it (search.list_data), one record per procedure in the list's
    order: code, name, the field's name as an entry shows it, and the values of each filter."""
    data = json.loads((site / LIST_DATA).read_text(encoding="utf-8"))

    def values(name: str, i: int) -> list[str]:
        column = data["filters"][name]
        row = column["rows"][i]
        return [column["values"][k] for k in (row if isinstance(row, list) else [row])]

    return [{"code": code, "name": data["name"][i], "field_name": data["field_names"][data["field_name"][i]],
             **{name: values(name, i) for name in data["filters"]}} for i, code in enumerate(data["code"])]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the small fixture catalogue, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", target)
    return target


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> tuple[Path, str]:
    """The sample site (data/), built once per test process for the sample and browser tests: in strict mode and
    with a site_url on localhost, as on a real deployment (canonical links, sitemap), at which the browser tests
    serve it. Returns the site directory and that address."""
    base = f"http://127.0.0.1:{free_port()}/"
    site = tmp_path_factory.mktemp("sample") / "site"
    assert run_cli("build", "--data", str(ROOT / "data"), "--site-dir", str(site), "--strict", "--site-url", base) == 0
    return site, base


@pytest.fixture(scope="session")
def sample_site(sample_build) -> Path:
    return sample_build[0]


def read_bom_csv(path: Path) -> list[dict[str, str]]:
    """An open-data CSV's rows; it starts with a BOM, so that Excel reads it as UTF-8."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture(scope="session")
def small_site(tmp_path_factory) -> Path:
    """The real build (validation, MkDocs strict mode, publishing) of the small fixture catalogue."""
    site = tmp_path_factory.mktemp("small") / "site"
    assert run_cli("build", "--data", str(FIXTURES / "small"), "--site-dir", str(site), "--strict") == 0
    return site


@pytest.fixture(scope="session")
def atom_schema():
    """RFC 4287's grammar (tests/atom/atom.rnc) and the rules a grammar cannot say (atom.sch): a document is valid
    when both accept it."""
    here = Path(__file__).resolve().parent / "atom"
    # rnc2rng 2.7 declares the empty namespace prefix (xmlns:local=""), which XML forbids; its nsName is right.
    grammar = rnc2rng.dumps(rnc2rng.loads((here / "atom.rnc").read_text(encoding="utf-8")))
    relax = etree.RelaxNG(etree.fromstring(grammar.replace(' xmlns:local=""', "").encode()))
    rules = isoschematron.Schematron(etree.parse(str(here / "atom.sch")))
    return lambda document: relax.validate(document) and rules.validate(document)
