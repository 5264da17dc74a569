"""Orchestration: gather and check everything (prepare), then build into a temporary directory and publish it
with one atomic swap, so the site directory always holds a complete site."""

from __future__ import annotations

import ctypes
import importlib.util
import ctypes.util
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import opendata, search
from .cache import BuildCache
from .audit import count_per_row, findings
from .charts import build_charts
from .load import load_all, load_tables
from .metrics import catalogue_summary, statistics_metrics
from .model import Catalogue
from .normalize import build_catalogue, statistics_frame
from .problems import DataError, Report
from .render import Renderer, ShellPage
from .schema import CATALOGUE_TABLES, STATISTICS
from .validate import validate_catalogue, validate_statistics

PROVENANCE_FILE = "README.md"
PLOTLY_JS = "assets/javascripts/plotly.min.js"
PLOTLY_SOURCE = Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"


@dataclass
class Publication:
    """Everything the site is made of, checked and rendered in memory before anything is written."""

    data_dir: Path
    report: Report
    catalogue: Catalogue
    renderer: Renderer
    statistics: pd.DataFrame | None  # None: no statistics/ directory, nothing published
    findings: pd.DataFrame | None
    markdown_pages: dict[str, str]
    shell_pages: list[ShellPage]  # procedure, field and agency pages, filled into themed shells by write.py
    files: dict[str, bytes]  # by path in the site: open data, chart tables, chart library


def _provenance(data_dir: Path) -> str:
    """The data directory's README, its headings moved one level down to sit under the page's own heading."""
    path = data_dir / PROVENANCE_FILE
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8-sig")
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", text, flags=re.MULTILINE)


def prepare(data_dir: Path, templates_dir: Path) -> Publication:
    """Load, validate, normalise and render. Raises DataError (with every problem) if the data has errors."""
    report = Report()
    tables = load_tables(data_dir / "catalogue", CATALOGUE_TABLES, data_dir, report)
    validate_catalogue(tables, report)
    stat_tables = load_all(data_dir / "statistics", STATISTICS, data_dir, report)
    if stat_tables is not None:
        validate_statistics(stat_tables, report)
    if report.errors or len(tables) < len(CATALOGUE_TABLES):
        raise DataError(report)
    catalogue = build_catalogue(tables)
    statistics = checks = None
    if stat_tables is not None:
        statistics = statistics_metrics(statistics_frame(stat_tables))
        checks = findings(statistics)
        statistics["findings"] = count_per_row(statistics, checks)
    renderer = Renderer(templates_dir, catalogue)
    summary = catalogue_summary(catalogue, report)
    files = opendata.files(catalogue) | search.index_files(catalogue)
    charts = []
    if statistics is not None:
        charts = build_charts(statistics)
        files.update(opendata.statistics_files(statistics, checks))
        files.update({f"thong-ke/{chart.id}.csv": chart.csv for chart in charts})
        if charts:
            files[PLOTLY_JS] = PLOTLY_SOURCE.read_bytes()
    pages = renderer.markdown_pages(summary, _provenance(data_dir))
    pages.update(renderer.statistics_pages(statistics, checks, charts))
    return Publication(data_dir, report, catalogue, renderer, statistics, checks, pages, renderer.shell_pages(),
                       files)


# --- atomic publishing -------------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE). False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def staging_dir(site_dir: Path) -> Path:
    """A fresh directory beside the site directory (same file system, so the final rename is atomic)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))


def publish(staged: Path, site_dir: Path, cache: BuildCache) -> None:
    """Put the staged build in place of site_dir. At every moment site_dir is the old site or the new one; the
    old one is deleted in the background (cache.discard)."""
    if not site_dir.exists():
        os.rename(staged, site_dir)
        return
    if _exchange(staged, site_dir):
        cache.discard(staged)  # now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    os.rename(site_dir, old / "site")
    os.rename(staged, site_dir)
    cache.discard(old)


def clean_stale(site_dir: Path) -> None:
    """Remove staging directories left by builds that were killed."""
    for stale in site_dir.parent.glob(f".{site_dir.name}-*-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
