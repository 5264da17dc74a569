"""The build: one sequence of stages, the same for every build.

    load → parse (each cell once, with its problems; per procedure) → metrics/audit → charts → render → MkDocs →
    write → publish

Speed comes from the build cache (cache.py) alone: each expensive step is memoised by a digest of exactly what it
reads — each catalogue file's table by its bytes, each procedure's record by its rows, the statistics stage by
its files, MkDocs' output by its whole input, each page by the object its template receives — so a build after a
small change runs the same functions as the first build, on less. `--full` reads nothing from the cache.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import dossiers, opendata, publish, search
from .cache import BuildCache, content_digest, code_digest, digest, file_digest, forked, tree_digest, write_new
from .embeds import Embed, chart_embed, embed_files, embed_path
from .load import RawTable, load_all, load_tables, read_bytes, row_digests
from .metrics import catalogue_summary
from .model import Index, Listing, Procedure
from .parse import Groups, check_tables, group_pages, parse_row, parse_rows, parse_statistics, procedure
from .problems import DataError, Problem, Report, UsageError
from .render import Publication, Renderer, cut_fills, figures_key
from .schema import (CATALOGUE_DIR, CATALOGUE_TABLES, CHANNELS_TABLE, DOCUMENTS, HISTORY_DIR, PROCEDURES, STATISTICS,
                     STATISTICS_DIR)
from .write import EPOCH_ENV, build_date, build_epoch, link_or_copy, site_files
from .vietnamese import format_number

if TYPE_CHECKING:
    import pandas as pd

    from .history import History
    from .publish import Summary

PROVENANCE_FILE = "README.md"
FORK_ABOVE = 1000  # procedures: from here on the search index and open data are made by a forked process
FORK_STATISTICS_ABOVE = 4 * 2**20  # bytes of statistics files: from here on a forked process makes their product
PLOTLY_JS = "assets/javascripts/plotly-partial.min.js"
DATA_ENV = "CONGKHAI_DATA"  # lets `congkhai serve --data` reach the plugin through MkDocs' own rebuilds
AS_OF_ENV = "CONGKHAI_AS_OF"  # `--as-of`: the current catalogue's date in the history, the same way
INDICATORS_PAGE = "thong-ke/chi-so-766/"  # the QĐ 766 indicators of every unit


class BuildFailed(Exception):
    """The input could not be built (MkDocs failed, the environment refused): exit 1, nothing published."""


@dataclass
class Options:
    config_file: Path
    site_dir: Path
    data_dir: Path | None = None  # default: the plugin's data_dir
    strict: bool = False
    site_url: str | None = None
    full: bool = False  # read nothing from the build cache
    force: bool = False  # publish into a non-empty directory this tool did not publish
    say: Callable[[str], None] = print


@dataclass
class StatisticsProduct:
    """What the statistics stage adds to the site; it depends on the statistics files only."""

    problems: list[Problem]
    pages: dict[str, str]
    files: dict[str, bytes]
    charted: bool = False  # charts drawn: the site needs the chart library
    statistics: pd.DataFrame | None = None  # the rows with their rates (metrics.statistics_metrics)
    findings: pd.DataFrame | None = None  # what the audit found (audit.findings)
    procedures: dict = field(default_factory=dict)  # figures.procedure_figures: code → its scopes' figures
    kept: dict[str, tuple[Path, str]] = field(default_factory=dict)  # open data kept in the build cache: where, digest
    figure_keys: dict[str, str] = field(default_factory=dict)  # render.figures_key of each procedure's figures
    units: dict = field(default_factory=dict)  # figures.unit_figures: (kind, group key) → its scorecards
    latest: dict = field(default_factory=dict)  # figures.latest_periods: each unit's latest period
    latest_scores: list = field(default_factory=list)  # QĐ 766 indicators of each unit's latest row
    score_parts: tuple = (b"", b"")  # opendata.indicator_parts of every unit row's indicators
    times: tuple = ()  # processing_time.ProcessingTime of the dossier log's procedures and agencies

    def __getstate__(self) -> dict:
        """The build cache keeps what the site needs, not the frames: reading them back would import pandas."""
        return {**self.__dict__, "statistics": None, "findings": None}


@dataclass
class Record:
    """What one procedure's rows give, memoised by the digest of those rows: its problems and, when it has no
    error, its listing. (Its pieces of the open-data files are memoised under the same digest by
    `open_data_stage`.)"""

    problems: list[Problem]
    listing: Listing | None = None


def plotly_source() -> Path:
    """plotly.js with only the traces the charts use (generator/vendor/plotly/README.md)."""
    return Path(__file__).parent / "vendor" / "plotly" / "plotly-partial.min.js"


def _provenance(data_dir: Path, report: Report) -> str:
    """The data directory's README, its headings moved one level down to sit under the page's own heading (a
    README that cannot be read is an error, like any input)."""
    path = data_dir / PROVENANCE_FILE
    data = read_bytes(path, PROVENANCE_FILE, report) if os.path.lexists(path) else b""
    try:
        text = (data or b"").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.error("encoding", PROVENANCE_FILE, None, None, "không phải văn bản UTF-8: lưu lại tệp dạng UTF-8",
                     "UTF-8", f"byte {exc.object[exc.start]:#04x} ở vị trí {format_number(exc.start)}")
        return ""
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", text, flags=re.MULTILINE)


def canonical_order(problem: Problem) -> tuple[str, int]:
    """Problems by file and row, stably (the order of the checks within a row)."""
    return problem.file, problem.row or 0


# --- the catalogue, procedure by procedure -------------------------------------------------------------------------

class Procedures:
    """The typed procedures by code, made on demand from their rows: a build whose cache knows a procedure's
    listing and pages needs its record only if a page must be written."""

    def __init__(self, tables: dict[str, RawTable], rows: dict[str, tuple[int, list[int], list[int]]],
                 fields: Groups, agencies: Groups):
        self.tables, self.rows, self.slugs = tables, rows, (fields, agencies)
        self.made: dict[str, Procedure] = {}
        self.keys: dict[str, str] | None = None  # content_keys

    def content_keys(self) -> dict[str, str]:
        """Each procedure's content key: a digest of the cells of its rows (its row of procedures, then its rows of
        documents and of channels, in order) and of the tables' columns, not of where the rows are: the same
        procedure in another version of the catalogue, or moved down its file, has the same key (history.py
        compares versions by it). Its record's key adds where its rows are (catalogue_stage)."""
        if self.keys is None:
            raws = [self.tables[t.name] for t in CATALOGUE_TABLES]
            shape = digest(*(part for t, raw in zip(CATALOGUE_TABLES, raws) for part in (t.name, *raw.columns)))
            rows = [raw.digests or row_digests(raw.columns) for raw in raws]  # a block's come with it
            self.keys = {code: digest("\x1e".join((shape, rows[0][first], *(rows[1][j] for j in documents), "\x1d",
                                                   *(rows[2][j] for j in channels))))
                         for code, (first, documents, channels) in self.rows.items()}
        return self.keys

    def parse(self, code: str, report: Report) -> Procedure | None:
        """The procedure from its rows, each cell parsed once and its problems reported; None if any is an
        error."""
        own = Report()
        first, documents, channels = self.rows[code]
        row = parse_row(self.tables[PROCEDURES.name], first, own)
        typed_documents = parse_rows(self.tables[DOCUMENTS.name], documents, own)
        typed_channels = parse_rows(self.tables[CHANNELS_TABLE.name], channels, own)
        report.problems.extend(own.problems)
        if own.errors:
            return None
        self.made[code] = procedure(row, typed_documents, typed_channels, *self.slugs)
        return self.made[code]

    def __getitem__(self, code: str) -> Procedure:
        return self.made[code] if code in self.made else self.parse(code, Report())

    def values(self) -> list[Procedure]:
        return [self[code] for code in self.rows]


def _rows_by_code(tables: dict[str, RawTable], first: dict[str, int]) -> tuple[dict, dict[str, list[int]]]:
    """Each procedure's rows (its row of procedures, its rows of documents and channels), and the rows that
    belong to no procedure (duplicate codes, unknown or empty codes) by table."""
    rows = {code: (index, [], []) for code, index in first.items()}
    orphans = {PROCEDURES.name: sorted(set(range(len(tables[PROCEDURES.name].rows))) - set(first.values()))}
    for position, table in ((1, DOCUMENTS), (2, CHANNELS_TABLE)):
        codes = tables[table.name].columns.get("procedure_code", [])
        orphans[table.name] = []
        for index, code in enumerate(codes):
            (rows[code][position] if code in rows else orphans[table.name]).append(index)
    return rows, orphans


def _row_places(raw: RawTable) -> list[str]:
    """Where each row is, for the digests of records (its problems name that place): its number, and where it came
    from when it was made from JSON."""
    origins = [map(repr, raw.origins)] if raw.origins is not None else []
    return list(map("\x1f".join, zip(map(str, raw.rows), *origins)))


def typed_procedures(tables: dict[str, RawTable], first: dict[str, int], report: Report) -> Procedures | None:
    """The procedures of a catalogue's checked tables (check_tables gave FIRST), each parsed on demand; the rows
    that belong to no procedure are parsed here, their problems reported. None when a file or a required column
    is missing: no procedure can be read. The current catalogue and each earlier version (history.py) are read
    through here."""
    if len(tables) < len(CATALOGUE_TABLES) or any(key not in tables[t.name].columns for t, key in
           ((PROCEDURES, "code"), (PROCEDURES, "name"), (DOCUMENTS, "procedure_code"),
            (CHANNELS_TABLE, "procedure_code"), (CHANNELS_TABLE, "channel"))):
        return None
    rows, orphans = _rows_by_code(tables, first)
    for name, indices in orphans.items():  # their cells are still checked, they are just nobody's
        parse_rows(tables[name], indices, report)
    columns = tables[PROCEDURES.name].columns
    fields, agencies = columns.get("field"), columns.get("agency")
    field_pages = group_pages([fields[i] for i in first.values()] if fields else [])
    agency_pages = group_pages([agencies[i] for i in first.values()] if agencies else [], split=True)
    return Procedures(tables, rows, field_pages, agency_pages)


def catalogue_blocks(cache: BuildCache, source: str) -> Callable[[str], Any]:
    """The memo table of a large catalogue file's blocks (load._read_blocks) by its name, in 256 shards (some 30
    blocks each at 20,000 procedures): an edit rewrites one or two. The earlier versions of the catalogue
    (history.py) read through it: a block they have in common with the current one is read once."""
    return lambda name: cache.memo(name, source, digits=2)


def catalogue_stage(data_dir: Path, renderer: Renderer, source: str, report: Report,
                    cache: BuildCache | None) -> tuple[Index, Procedures, list[tuple[str, str]]]:
    """Load and check the catalogue's tables, then each procedure's rows: checked, typed and listed, memoised by
    the digest of those rows. Returns the index, the typed procedures and each procedure's code with that
    digest. Raises DataError with every problem."""
    def memo(name: str, key: str, compute: Callable[[], Any], large: bool) -> Callable[[], Any]:
        if large:  # parsed on the other core while this one reads the rest of the cache
            return cache.remember_later(name, digest(source, key), compute)
        value = cache.remember(name, digest(source, key), compute)
        return lambda: value

    if cache:
        memo.blocks = catalogue_blocks(cache, source)

    def read_ahead() -> None:  # what later stages ask the build cache for, read while the other core parses
        if cache:
            cache.memo("records"), publish.published(cache.site_dir, cache)

    tables = load_tables(data_dir / CATALOGUE_DIR, CATALOGUE_TABLES, data_dir, report, memo if cache else None,
                         meanwhile=read_ahead)
    first = check_tables(tables, report)
    # Records are remembered only when they can be read on their own: a whole-table error (a duplicate code, a row
    # naming an unknown procedure) fails the build whatever they hold.
    records = cache.memo("records") if cache and not report.errors else None
    typed = typed_procedures(tables, first, report)
    if typed is None:
        raise DataError(report)  # a file or a required column is missing: no record can be read
    rows, (field_pages, agency_pages) = typed.rows, typed.slugs
    columns = tables[PROCEDURES.name].columns
    fields, agencies = columns.get("field"), columns.get("agency")
    # A record's problems name its file (a workbook's sheet, `file.xlsx[procedures]`): the file names are in the key.
    salt = digest(source, *(part for t in CATALOGUE_TABLES
                            for part in (t.name, tables[t.name].file, *tables[t.name].columns)))

    def record(code: str) -> Record:
        own = Report()
        p = typed.parse(code, own)
        if p is None or report.errors:
            return Record(own.problems)
        return Record(own.problems, renderer.listing(p))

    contents = typed.content_keys() if records is not None else {}
    places = [_row_places(tables[t.name]) for t in CATALOGUE_TABLES] if records is not None else []
    results, keys = [], []
    for code, own_rows in rows.items():
        if records is None:
            results.append(record(code))
            keys.append((code, code))
            continue
        i = own_rows[0]
        key = digest("\x1e".join((salt, " ".join(field_pages.slugs(fields[i])) if fields else "",
                                  " ".join(agency_pages.slugs(agencies[i])) if agencies else "", contents[code],
                                  places[0][i], *(places[1][j] for j in own_rows[1]), "\x1d",
                                  *(places[2][j] for j in own_rows[2]))))
        results.append(records(key, lambda: record(code)))
        keys.append((code, key))
    for result in results:
        report.problems.extend(result.problems)
    report.problems.sort(key=canonical_order)
    if report.errors:
        raise DataError(report)
    if records is not None:
        records.save()
    index = Index([r.listing for r in results], field_pages.names, agency_pages.names)
    return index, typed, keys


def open_data_stage(procedures: Procedures, keys: list[tuple[str, str]], source: str,
                    cache: BuildCache) -> dict[str, tuple[Path, str]]:
    """The catalogue's open-data files, kept in the build cache under the digest of every procedure's record key,
    from each procedure's pieces (opendata.pieces), memoised by that key. A file whose pieces are those of the files
    kept before (the same procedures in the same order, and each procedure whose key changed has the same piece of
    it: a rename leaves the documents' file as it was) is the kept file, linked once its digest is checked."""
    def write(directory: Path) -> dict[str, str]:
        pieces = cache.memo("pieces")
        parts = [pieces(key, lambda: opendata.pieces([procedures[code]])[0]) for code, key in keys]
        before = cache.get("open-data-keys", source) or []
        changed = None  # the procedures whose key changed: their old and new pieces
        if [code for code, _ in before] == [code for code, _ in keys]:
            changed = [(pieces.old.get(old), part) for (_, old), (_, new), part in zip(before, keys, parts)
                       if old != new]
        kept = cache.tree_index("open-data")
        digests = {}
        for i, (path, chunks) in enumerate(opendata.files(parts).items()):
            source_file = cache.root / "open-data" / "files" / path
            if (changed is not None and i < len(opendata.CATALOGUE_FILES) and path in kept
                    and all(old is not None and old[i] == new[i] for old, new in changed)
                    and source_file.is_file() and file_digest(source_file) == kept[path]):
                (directory / path).parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(source_file, directory / path)
                digests[path] = kept[path]
                continue
            write_new(directory / path, *chunks)
            digests[path] = content_digest(*chunks)
        pieces.save()
        cache.put("open-data-keys", source, keys)
        return digests

    key = digest(source, *(key for _, key in keys))
    return cache.tree("open-data", key) or cache.keep_tree("open-data", key, write)


# --- statistics ----------------------------------------------------------------------------------------------------

def statistics_stage(data_dir: Path, renderer: Renderer,
                     keep: Callable[[Callable[[Path], None]], dict[str, tuple[Path, str]]] | None = None,
                     log: Callable[[Report], dossiers.Computed | None] | None = None) -> StatisticsProduct:
    """Load and parse the statistics, compute their rates and findings, draw the charts, render their pages.
    KEEP (BuildCache.keep_tree, with the build cache) writes the open-data files into the cache as they are made,
    one at a time: with rows for every procedure they are hundreds of megabytes, which the product then does not
    hold. LOG (dossiers.DossierInput.rows) gives what is computed from the dossier log: its rows, which join the
    published ones before anything is computed from them, and its processing times."""
    own = Report()
    tables = load_all(data_dir / STATISTICS_DIR, STATISTICS, data_dir, own)
    cells = parse_statistics(tables, own) if tables is not None else None
    logged = log(own) if log is not None else None
    if own.errors:
        return StatisticsProduct(own.problems, {}, {})
    product = StatisticsProduct(own.problems, {}, {})
    statistics = checks = None
    open_data: dict[str, Iterator[bytes]] = {}
    charts = []
    if tables is not None or logged is not None:
        from .audit import count_per_row, findings
        from .charts import build_charts
        from .dossiers import join
        from .metrics import statistics_metrics
        from .parse import statistics_frame

        published = statistics_frame(tables, cells) if tables is not None else None
        frame = join(published, logged.rows, own) if logged is not None else published
        if own.errors:
            return StatisticsProduct(own.problems, {}, {})
        statistics = statistics_metrics(frame)
        checks = findings(statistics)
        statistics["findings"] = count_per_row(statistics, checks)
        charts = build_charts(statistics)
        open_data = opendata.statistics_files(statistics, checks)
        product.files.update({f"thong-ke/{chart.id}.csv": chart.csv for chart in charts})
        product.files.update(embed_files(renderer, [chart_embed(chart) for chart in charts]))
        product.charted = bool(charts)
        product.statistics, product.findings = statistics, checks
        from .figures import latest_periods, procedure_figures, unit_figures
        from .indicators import latest_scores, statistics_scores
        from .processing_time import procedure_times

        product.procedures = procedure_figures(statistics, checks)
        if logged is not None:  # the log's processing times: on the pages of its procedures and agencies, and a file
            product.times = logged.times
            open_data |= opendata.processing_time_files(logged.times)
        times = procedure_times(product.times)
        product.figure_keys = {code: figures_key((scopes, times[code]) if code in times else scopes)
                               for code, scopes in product.procedures.items()}
        scores, product.latest = statistics_scores(statistics), latest_periods(statistics)
        product.latest_scores = latest_scores(scores, product.latest)
        product.units = unit_figures(statistics, checks, product.latest_scores)
        product.score_parts = opendata.indicator_parts(scores)
    if keep is None:
        product.files = {**{path: b"".join(chunks) for path, chunks in open_data.items()}, **product.files}
    else:
        def write(directory: Path) -> None:
            for path, chunks in open_data.items():
                write_new(directory / path, *chunks)

        product.kept = keep(write)
    product.pages.update(renderer.statistics_pages(statistics, checks, charts))
    return product


def indicators_stage(renderer: Renderer, statistics: StatisticsProduct, source: str, cache: BuildCache | None
                     ) -> tuple[dict[str, str], dict[str, bytes]]:
    """The QĐ 766 indicators of every unit, from the catalogue (renderer.catalogue_scores) and the statistics: their
    page with the chart of the whole (drawn by the build, so no chart library), its embed, its table as a CSV, and
    /du-lieu/chi-so-766.csv/json. Kept in the build cache by the indicators they show: a build that changes
    none renders none of it."""
    from .indicators import INDICATORS, UNIT_KINDS, points_chart, totals, units

    table = units(renderer.catalogue_scores, statistics.latest_scores, statistics.latest)

    def make() -> tuple[dict[str, str], dict[str, bytes]]:
        total = totals(table)
        chart = points_chart(total) if total is not None else None
        files = opendata.indicator_files(opendata.indicator_parts(renderer.catalogue_scores), statistics.score_parts)
        embed = None
        if chart is not None:
            embed = Embed(path=embed_path(chart.id), title=chart.title, summary=chart.summary,
                          columns=chart.columns, rows=chart.rows, sources=chart.sources, synthetic=chart.synthetic,
                          page_link=f"{INDICATORS_PAGE}#{chart.id}", height=chart.height, note=chart.note,
                          svg=renderer.drawn("points_chart", chart), csv=f"{INDICATORS_PAGE}{chart.id}.csv")
            files[embed.csv] = opendata.indicator_files(opendata.indicator_parts(list(chart.scores)))[
                "du-lieu/chi-so-766.csv"]
            files |= embed_files(renderer, [embed])
        shown = {s.indicator for u in table for s in u.scores}  # a column no unit has is left out
        page = renderer.page("indicators.md", units=table, chart=chart, embed=embed,
                             indicators=[i for i in INDICATORS if i.id in shown], all_indicators=INDICATORS,
                             unit_kinds=UNIT_KINDS, synthetic=any(u.synthetic for u in table))
        return {INDICATORS_PAGE.removesuffix("/") + ".md": page}, files

    if cache is None:
        return make()
    # The catalogue's scores are in the table; the statistics' by their bytes in the open data.
    return cache.remember("indicators", digest(source, repr(table), *statistics.score_parts), make)


def history_stage(data_dir: Path, procedures: Procedures, report: Report, cache: BuildCache | None, source: str,
                  git: bool = False, as_of: str | None = None) -> History:
    """The catalogue's earlier versions (DIR/history/YYYY-MM-DD/catalogue/) and what changed between them
    (history.py). A catalogue without a history has one version, the current, and no change."""
    from .history import History, catalogue_history

    today = as_of or _data_day(data_dir)
    if not git and not (data_dir / HISTORY_DIR).is_dir():
        return History([today], [], {})
    return catalogue_history(data_dir, procedures, today, report, git=git, cache=cache, source=source)


def _data_day(data_dir: Path) -> str:
    """The current catalogue's date, as a version of the history: the data's own date (write.build_epoch)."""
    import datetime as dt

    return dt.datetime.fromtimestamp(int(build_epoch(data_dir)), dt.timezone.utc).date().isoformat()


def history_outputs(renderer: Renderer) -> tuple[dict[str, str], dict[str, bytes]]:
    """What the catalogue's history (renderer.history) adds to the site: /thay-doi/, its Atom feeds (all changes,
    and each field's and agency's with changes), /du-lieu/thay-doi.csv/json. Nothing without an earlier version."""
    from .feeds import Entry, atom

    history = renderer.history
    pages, feeds = renderer.history_outputs()
    if len(history.versions) < 2:
        return pages, {}
    index = renderer.index
    files = opendata.history_files(history.changes)
    for path, items in feeds.items():
        root = "../" * path.count("/")
        kind, _, rest = path.partition("/")
        slug = rest.removesuffix("/feed.xml")
        unit = (f", lĩnh vực {index.fields.get(slug, slug)}" if kind == "linh-vuc"
                else f", cơ quan {index.agencies.get(slug, slug)}" if kind == "co-quan" else "")
        entries = [Entry(code, name, date, summary, f"{root}thu-tuc/{code}/#lich-su", synthetic)
                   for code, name, date, summary, synthetic in items]
        files[path] = atom(path, f"Thay đổi của danh mục thủ tục{unit}", "./", "feed.xml", entries,
                           entries[0].date if entries else history.versions[-1])
    return pages, files


def statistics_key(data_dir: Path, source: str) -> tuple[str, int]:
    """The statistics files' names and bytes (symbolic links followed, as the stage follows them), and how many
    bytes they hold. What is not a regular file, or cannot be read, counts by its status or its error, as the stage
    reports it."""
    directory = data_dir / STATISTICS_DIR
    parts, size = [source], 0
    for path in [directory, *(sorted(directory.iterdir()) if directory.is_dir() else [])]:
        try:
            status = os.stat(path)
            parts += [path.name, path.read_bytes() if stat.S_ISREG(status.st_mode)
                      else repr((status.st_mode, status.st_size, status.st_mtime_ns))]
            size += len(parts[-1])
        except OSError as exc:
            parts += [path.name, repr(exc)]
    return digest(*parts), size


def remember_now(cache: BuildCache) -> Callable[[str, str, Callable[[], Any]], Callable[[], Any]]:
    """cache.remember, answering as cache.remember_later does: a callable that gives the value."""
    def remember(name: str, key: str, compute: Callable[[], Any]) -> Callable[[], Any]:
        value = cache.remember(name, key, compute)
        return lambda: value
    return remember


def in_background(function: Callable[[], Any], procedures: int) -> Callable[[], Any]:
    """FUNCTION's value, made on the other core while this one goes on when the catalogue is large (for a small
    one a fork costs more than it saves): a callable that waits for it."""
    if procedures >= FORK_ABOVE:
        return forked(function)
    value = function()
    return lambda: value


def history_settings(config) -> dict:
    """How the history is read, for `prepare`: the plugin's `history` option (`git`: the commits that changed the
    catalogue are its versions) and `--as-of` (CONGKHAI_AS_OF)."""
    return {"git": config.plugins["congkhai"].config.history == "git", "as_of": os.environ.get(AS_OF_ENV) or None}


def _start_statistics(data_dir: Path, renderer: Renderer, cache: BuildCache | None, source: str,
                      log: dossiers.DossierInput | None = None) -> tuple[Callable[[], StatisticsProduct], Any]:
    """The statistics stage, memoised by its files and the dossier log's key: a callable that gives its product,
    and the open data the build cache kept for it (None when there is none)."""
    rows = None
    if cache:
        key, size = statistics_key(data_dir, source)
        if log is not None:  # the log's rows are kept on their own: a change of the statistics files runs no query
            log_key = log.key()
            key = digest(key, log_key)
            rows = lambda own: log.rows(  # noqa: E731
                own, lambda compute: cache.remember("dossiers", digest(source, log_key), compute))
        kept_statistics = cache.tree("statistics-files", key)
        if kept_statistics is None:
            cache.drop("statistics")  # its open data is no longer in the cache: made again
        # Large statistics are made on the other core while this one reads the catalogue.
        return (cache.remember_later if size > FORK_STATISTICS_ABOVE and log is None else remember_now(cache))(
            "statistics", key, lambda: statistics_stage(
                data_dir, renderer, lambda write: cache.keep_tree("statistics-files", key, write), rows)
        ), kept_statistics
    made = statistics_stage(data_dir, renderer, log=log.rows if log is not None else None)
    return lambda: made, None


def prepare(data_dir: Path, templates_dir: Path, cache: BuildCache | None = None, git: bool = False,
            as_of: str | None = None) -> Publication:
    """Load, parse and render everything in memory. Raises DataError (with every problem) if the data has
    errors."""
    report = Report()
    source = code_digest(templates_dir)
    renderer = Renderer(templates_dir, cache)
    # The dossier log's rows take a procedure's field from the catalogue: with a log, the statistics stage runs
    # once the catalogue is read.
    logged = dossiers.present(data_dir)
    if not logged:
        statistics_made, kept_statistics = _start_statistics(data_dir, renderer, cache, source)
    try:
        index, procedures, keys = catalogue_stage(data_dir, renderer, source, report, cache)
        # The earlier versions are read while the other core makes the statistics; their errors are reported after
        # the current catalogue's and the statistics', as if read after them.
        history_report = Report()
        history = history_stage(data_dir, procedures, history_report, cache, source, git, as_of)
    except DataError:
        if logged:  # the log's problems are reported too (all but the procedure codes the catalogue lacks)
            statistics_made, _ = _start_statistics(data_dir, renderer, cache, source, dossiers.DossierInput(
                data_dir, None))
        report.problems[:0] = statistics_made().problems
        report.problems.sort(key=canonical_order)
        raise
    except BaseException:
        if not logged:
            statistics_made()  # awaited whatever happens: a forked process must not outlive the build
        raise
    if logged:
        statistics_made, kept_statistics = _start_statistics(data_dir, renderer, cache, source, dossiers.DossierInput(
            data_dir, {listing.code: listing.field for listing in index.listings},
            {listing.code: listing.legal_times for listing in index.listings}))
    statistics = statistics_made()
    if cache and kept_statistics is not None:
        statistics.kept = kept_statistics  # where the cache has them now
    report.problems[:0] = statistics.problems  # in the order of the files and rows, as a build made in one go
    report.problems.sort(key=canonical_order)
    provenance = _provenance(data_dir, report)
    if report.errors:
        raise DataError(report)
    report.problems += history_report.problems
    if report.errors:
        raise DataError(report)
    renderer.use(index, procedures, statistics.procedures, statistics.figure_keys, statistics.units, history,
                 statistics.times)
    if cache is None:  # plain `mkdocs build`: the open data in memory, with the other files
        files = {path: b"".join(chunks)
                 for path, chunks in opendata.files(opendata.pieces([procedures[code] for code, _ in keys])).items()}
        kept = dict
    else:
        open_data = in_background(lambda: open_data_stage(procedures, keys, source, cache), len(keys))
        files, kept = {}, lambda: open_data() | statistics.kept
    search_files = in_background(lambda: search.index_files(index), len(keys))
    try:
        files |= statistics.files
        indicator_pages, indicator_files = indicators_stage(renderer, statistics, source, cache)
        history_pages, changes_files = history_outputs(renderer)
        files |= changes_files
        files |= indicator_files
        if statistics.charted:
            files[PLOTLY_JS] = plotly_source().read_bytes()
            files[PLOTLY_JS + ".map"] = plotly_source().with_suffix(".js.map").read_bytes()  # for developer tools
        summary = catalogue_summary(index, report)
        pages, fills = cut_fills(renderer.markdown_pages(summary, provenance) | statistics.pages | indicator_pages
                                 | history_pages)
        shell_pages = renderer.shell_pages()
        # The scorecards' embed pages, made with the group pages; kept in the build cache by what they show.
        files |= (cache.remember("scorecard-embeds", digest(source, repr(renderer.embeds)),
                                 lambda: embed_files(renderer, renderer.embeds)) if cache
                  else embed_files(renderer, renderer.embeds))
    except BaseException:
        kept()  # awaited whatever happens: a forked process must not outlive the build
        raise
    finally:
        searched = search_files()
    files |= searched
    return Publication(data_dir, report, index, renderer, source, pages, fills, shell_pages, files, kept,
                       statistics.statistics, statistics.findings)


# --- MkDocs --------------------------------------------------------------------------------------------------------

def load_configuration(options: Options, **overrides):
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    config_file = options.config_file
    if not config_file.is_file():
        raise UsageError(f"không tìm thấy tệp cấu hình {config_file}: chạy lệnh trong thư mục trang của đơn vị (tạo "
                         f"bằng `congkhai new THƯ_MỤC`), hoặc chỉ tệp bằng -f")
    try:
        config = load_config(str(config_file), **overrides)
    except ConfigurationError as exc:
        raise UsageError(f"tệp cấu hình {config_file} không hợp lệ: {exc}") from None
    if "congkhai" not in config.plugins:
        raise UsageError(f"{config_file} chưa bật plugin «congkhai» (thêm «- congkhai» vào plugins)")
    return config


def data_directory(options: Options, config) -> tuple[Path, Path]:
    data_dir, templates_dir = config.plugins["congkhai"].paths(config)
    if options.data_dir:
        data_dir = options.data_dir.resolve()
    if not data_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục dữ liệu {data_dir}")
    return data_dir, templates_dir


def mkdocs_key(config, publication: Publication) -> str:
    """Everything MkDocs' output depends on: its configuration, the docs and theme override directories, the
    generated pages (catalogue-free, see render.FILL_START), our code, templates and theme (all three inside the
    package: publication.source), and the versions of MkDocs and the theme; and the day the data is dated by,
    which every page shows (mkdocs_plugin.py). (Theme overrides inside the docs directory are read twice,
    harmlessly.)"""
    from importlib.metadata import version

    overrides = {name: str(config.get(name)) for name in ("site_url", "strict", "use_directory_urls")}
    return digest(
        Path(config.config_file_path).read_bytes(), repr(sorted(overrides.items())),
        tree_digest(Path(config.docs_dir), Path(config.theme.custom_dir or config.docs_dir)), publication.source,
        build_date(),
        *(f"{name}={version(name)}" for name in ("mkdocs", "mkdocs-material", "markdown")),
        *(part for item in sorted(publication.markdown_pages.items()) for part in item),
    )


def mkdocs_stage(config, publication: Publication, cache: BuildCache) -> dict[str, tuple[Path, str]]:
    """MkDocs' output (every file with its digest), from the cache when its input did not change."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    key = mkdocs_key(config, publication)
    kept = cache.tree("mkdocs", key)
    if kept is not None:
        return kept

    def run(output: Path) -> None:
        config["site_dir"] = str(output)
        plugin = config.plugins["congkhai"]
        plugin.publication, plugin.assembled_by_build = publication, True
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s - %(message)s")
        try:
            build(config)
        except (Abort, MkDocsException) as exc:
            raise BuildFailed(f"MkDocs: {exc}") from None

    return cache.keep_tree("mkdocs", key, run)


# --- the build -----------------------------------------------------------------------------------------------------

def _epoch_from_env() -> str | None:
    value = os.environ.get(EPOCH_ENV)
    if value is not None and not value.strip().isdigit():
        raise UsageError(f"{EPOCH_ENV} phải là một số nguyên giây tính từ 1970, không phải {value!r}")
    return value.strip() if value is not None else None


def build(options: Options) -> tuple[Publication, Summary]:
    """Build and publish. Raises UsageError, DataError or BuildFailed; the published site is then as it was.
    The cyclic garbage collector is off meanwhile: a build makes millions of objects that live until it ends, and
    each of the collector's passes over them found nothing to free (README: where a build's time goes)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(options)
    finally:
        if collecting:
            gc.enable()


def _build(options: Options) -> tuple[Publication, Summary]:
    explicit = _epoch_from_env()
    site_dir = options.site_dir.resolve()
    publish.check_site_dir(site_dir, options.force)
    cache = BuildCache(site_dir, enabled=not options.full)
    try:
        cache.lock()
    except OSError as exc:
        raise BuildFailed(f"không dùng được bộ nhớ đệm {cache.root}: {publish.reason(exc)}") from None
    try:
        publish.recover(site_dir, cache, options.say)
        cache.clean()
        overrides = {"strict": options.strict, **({"site_url": options.site_url} if options.site_url else {})}
        config = load_configuration(options, **overrides)
        data_dir, templates_dir = data_directory(options, config)
        publication = prepare(data_dir, templates_dir, cache, **history_settings(config))
        os.environ[EPOCH_ENV] = build_epoch(data_dir)
        try:
            try:
                mkdocs_output = mkdocs_stage(config, publication, cache)
            finally:
                kept = publication.kept()  # awaited whatever happens: a forked process must not outlive the build
            site_url = config.get("site_url") or ""
            files = site_files(publication, mkdocs_output | kept, site_url, cache)
        finally:
            if explicit is None:
                os.environ.pop(EPOCH_ENV, None)
        summary = publish.publish(site_dir, files, cache)
        return publication, summary
    except OSError as exc:  # the build cache could not be written (disk full, …); publish raises PublishError
        where = f" ({exc.filename})" if exc.filename else ""
        raise BuildFailed(f"không dùng được bộ nhớ đệm {cache.root}: {publish.reason(exc)}{where}") from None
    finally:
        cache.unlock()
