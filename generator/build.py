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
from typing import TYPE_CHECKING

from . import opendata, search
from .cache import BuildCache, code_digest, digest, tree_digest
from .load import RawTable, load_all, load_tables
from .metrics import catalogue_summary
from .model import Index
from .normalize import build_catalogue
from .problems import DataError, Problem, Report
from .render import Renderer, ShellPage, cut_fills
from .schema import CATALOGUE_TABLES, STATISTICS
from .validate import validate_catalogue, validate_statistics

if TYPE_CHECKING:
    import pandas as pd

PROVENANCE_FILE = "README.md"
PLOTLY_JS = "assets/javascripts/plotly.min.js"


def plotly_source() -> Path:
    return Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"


@dataclass
class Publication:
    """Everything the site is made of, checked and rendered in memory before anything is written."""

    data_dir: Path
    report: Report
    tables: dict[str, RawTable]  # the catalogue as read (empty in a rebuild)
    index: Index
    renderer: Renderer
    source: str  # cache.code_digest: the templates and code every content key and cache key includes
    statistics_key: str
    # The statistics as computed, None when there are none or when they came from the build cache unchanged.
    statistics: pd.DataFrame | None
    findings: pd.DataFrame | None
    markdown_pages: dict[str, str]  # what MkDocs renders, by source path
    fills: dict[str, list[str]]  # by HTML path: what write.py puts in the slots of the pages MkDocs rendered
    shell_pages: list[ShellPage]  # procedure, field and agency pages, filled into themed shells by write.py
    files: dict[str, bytes]  # by path in the site: open data, chart tables, chart library
    spans: dict[str, list[tuple[int, int]]]  # where each procedure's piece sits in each catalogue open-data file


@dataclass
class StatisticsProduct:
    """What the statistics stage adds to the site; it depends on the statistics files only, so a build whose
    statistics did not change takes it from the build cache."""

    problems: list[Problem]
    pages: dict[str, str]
    files: dict[str, bytes]
    charted: bool = False  # charts drawn: the site needs the chart library


def _provenance(data_dir: Path) -> str:
    """The data directory's README, its headings moved one level down to sit under the page's own heading."""
    path = data_dir / PROVENANCE_FILE
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8-sig")
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", text, flags=re.MULTILINE)


def statistics_key_of(data_dir: Path, source: str) -> str:
    directory = data_dir / "statistics"
    files = sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []
    return digest(source, str(directory.is_dir()),
                  *(part for p in files for part in (p.relative_to(directory).as_posix(), p.read_bytes())))


def canonical_order(problem: Problem) -> tuple[str, int]:
    """Problems by file and row (the order of the stages within a row): a rebuild, which checks only the rows
    that changed, reports them in the same order as a full build."""
    return problem.file, problem.row or 0


def prepare(data_dir: Path, templates_dir: Path, cache: BuildCache | None = None) -> Publication:
    """Load, validate, normalise and render. Raises DataError (with every problem) if the data has errors.
    With a cache, unchanged statistics are not worked out again."""
    report = Report()
    tables = load_tables(data_dir / "catalogue", CATALOGUE_TABLES, data_dir, report)
    validate_catalogue(tables, report)
    source = code_digest(templates_dir)
    statistics_key = statistics_key_of(data_dir, source)
    product = cache.get("statistics", statistics_key) if cache else None
    stat_tables, first_problem = None, len(report.problems)
    if product is None:
        stat_tables = load_all(data_dir / "statistics", STATISTICS, data_dir, report)
        if stat_tables is not None:
            validate_statistics(stat_tables, report)
    else:
        report.problems.extend(product.problems)
    report.problems.sort(key=canonical_order)
    if report.errors or len(tables) < len(CATALOGUE_TABLES):
        raise DataError(report)
    catalogue = build_catalogue(tables)
    renderer = Renderer(templates_dir, cache.root / "templates" if cache else None)
    index = Index([renderer.listing(p) for p in catalogue.procedures], catalogue.fields, catalogue.agencies)
    renderer.use(index, {p.code: p for p in catalogue.procedures})
    statistics = checks = None
    if product is None:
        from .audit import count_per_row, findings
        from .charts import build_charts
        from .metrics import statistics_metrics
        from .normalize import statistics_frame

        charts = []
        product = StatisticsProduct(report.problems[first_problem:], {}, {})
        if stat_tables is not None:
            statistics = statistics_metrics(statistics_frame(stat_tables))
            checks = findings(statistics)
            statistics["findings"] = count_per_row(statistics, checks)
            charts = build_charts(statistics)
            product.files.update(opendata.statistics_files(statistics, checks))
            product.files.update({f"thong-ke/{chart.id}.csv": chart.csv for chart in charts})
            product.charted = bool(charts)
        product.pages.update(renderer.statistics_pages(statistics, checks, charts))
        if cache:
            cache.put("statistics", statistics_key, product)
    open_data, spans = opendata.files(catalogue.procedures)
    pages, fills, files = site_parts(renderer, report, product, data_dir)
    return Publication(data_dir, report, tables, index, renderer, source, statistics_key, statistics, checks,
                       pages, fills, renderer.shell_pages(), open_data | files, spans)


def site_parts(renderer: Renderer, report: Report, product: StatisticsProduct, data_dir: Path):
    """What the whole catalogue's listings and the statistics give, by a full build or a rebuild alike: the pages
    MkDocs renders (with their fill regions cut out), the fills, and the search index and statistics files."""
    summary = catalogue_summary(renderer.index, report)
    files = search.index_files(renderer.index) | product.files
    if product.charted:
        files[PLOTLY_JS] = plotly_source().read_bytes()
    pages, fills = cut_fills(renderer.markdown_pages(summary, _provenance(data_dir)) | product.pages)
    return pages, fills, files


def docs_dirs(config) -> list[Path]:
    """The directories MkDocs reads: docs, and the theme overrides when they are outside the docs."""
    directories = [Path(config.docs_dir)]
    if config.theme.custom_dir and not Path(config.theme.custom_dir).is_relative_to(config.docs_dir):
        directories.append(Path(config.theme.custom_dir))
    return directories


def mkdocs_key(config, publication: Publication) -> str:
    """Everything MkDocs' output depends on: its configuration, the docs and theme override directories, the
    generated pages (catalogue-free, see render.FILL_START), our code and templates, and the versions of MkDocs
    and the theme."""
    from importlib.metadata import version

    overrides = {name: str(config.get(name)) for name in ("site_url", "strict", "use_directory_urls")}
    return digest(
        Path(config.config_file_path).read_bytes(), repr(sorted(overrides.items())),
        tree_digest(*docs_dirs(config)), publication.source,
        *(f"{name}={version(name)}" for name in ("mkdocs", "mkdocs-material", "markdown")),
        *(part for item in sorted(publication.markdown_pages.items()) for part in item),
    )


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
