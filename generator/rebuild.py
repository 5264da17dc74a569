"""Rebuild in place: a build after a few procedures changed, redoing only what they touch.

A full build leaves in the build cache the state of what it published (`State`): a copy of each catalogue file
and where each of its records starts, every procedure's listing and problems, where its piece sits in each
open-data file, and the key of every page. The next `congkhai build` compares the catalogue files with those
copies and reads only the records that changed. The procedures they belong to go through the ordinary stages
(load, validate, normalise, render); every page and file about many procedures (lists, counts, search index,
open data, sitemap) is made again from the listings by the same functions a full build uses, so the result is
the same bytes. MkDocs does not run: its output is in the build cache.

The changed files are written into the cache first, then moved into the published site together, a journal
saying which; a build that is killed while moving them is finished by the next one (`finish_journal`). Each
file is replaced atomically, the site as a whole is not: readers may see, during those few renames, some pages
new and others old. The site is otherwise never incomplete.

Anything else runs the full build, which publishes a whole new tree at once: another input changed
(configuration, docs, templates, code, statistics), a header changed, a field or agency appeared or went, the
data has an error, many procedures changed, or the published site is not the one the state describes.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import operator
import os
import re
import shutil
import tempfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from . import opendata
from .build import Publication, StatisticsProduct, canonical_order, site_parts
from .cache import BuildCache, digest, remove_in_background, tree_digest
from .load import RawTable, stored, table_from_rows
from .model import Index, Listing, Procedure
from .normalize import build_catalogue
from .problems import Problem, Report
from .render import Renderer
from .schema import CATALOGUE_TABLES, PROCEDURES, Table
from .validate import validate_catalogue
from .vietnamese import nfc
from .search import INDEX_DIR
from .write import MANIFEST, build_date, build_epoch, filled, manifest, page_keys, shells, sitemap_files

STATE = "state"
JOURNAL = "journal.json"
# Above this share of the catalogue changed, the full build (all cores, no bookkeeping) is the faster one.
MAX_CHANGED_SHARE = 0.05


def _key_column(table: Table) -> str:
    return table.key if table is PROCEDURES else "procedure_code"


# --- CSV records ---------------------------------------------------------------------------------------------------

def _record_pattern(delimiter: str) -> re.Pattern:
    """One CSV record as the csv module reads it with strict=True: quoted cells (quotes doubled inside) or cells
    without line breaks that do not start with a quote (a quote inside them is text), then a line break or the
    end of the data."""
    d = re.escape(delimiter).encode("ascii")
    cell = rb'(?:"[^"]*+(?:""[^"]*+)*+"|(?:[^"' + d + rb'\r\n][^' + d + rb'\r\n]*+)?)'
    return re.compile(cell + rb"(?:" + d + cell + rb")*+(?:\r?\n|\Z)")


def record_starts(data: bytes, delimiter: str, start: int = 0, end: int | None = None) -> list[int] | None:
    """Where each record of data[start:end] starts, then `end`. None where a record is not plain CSV (text after
    a quoted cell's closing quote, a lone carriage return): such a file is only ever read whole."""
    end = len(data) if end is None else end
    pattern = _record_pattern(delimiter)
    starts, position = [], start
    if end < len(data) and data[end - 1:end] != b"\n":
        return None  # the run would end inside a record
    while position < end:
        match = pattern.match(data, position, end)
        if match is None or match.end() == position:
            return None
        starts.append(position)
        position = match.end()
    starts.append(end)
    return starts


def _cells(data: bytes, delimiter: str) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


# --- state -------------------------------------------------------------------------------------------------------

@dataclass
class TableState:
    file: str  # as problems name it
    stat: tuple[int, int, int]  # size, modification time, inode of the file read
    delimiter: str
    starts: list[int]  # every record's first byte, the header's included, then the file's length
    codes: list[str]  # every record's procedure code; "" for the header and for empty records


@dataclass
class Facts:
    """What a build takes from the MkDocs configuration, for a rebuild that does not load it."""

    data_dir: Path
    templates_dir: Path
    docs_dirs: list[Path]  # docs_dir, and the theme's custom_dir when it is outside it
    site_url: str


def inputs_digest(facts: Facts, source: str, statistics_key: str) -> str:
    """Everything a build depends on besides the catalogue and the configuration file: docs and theme overrides,
    our code and templates, the statistics, the data's README, the versions of MkDocs and the theme."""
    from importlib.metadata import version

    readme = facts.data_dir / "README.md"
    return digest(tree_digest(*facts.docs_dirs), source, statistics_key,
                  readme.read_bytes() if readme.is_file() else b"",
                  *(f"{name}={version(name)}" for name in ("mkdocs", "mkdocs-material", "markdown")))


@dataclass
class State:
    facts: Facts
    inputs: str  # inputs_digest
    mkdocs_key: str
    skeleton: str  # digest of the pages MkDocs rendered, fill regions cut out
    manifest: str  # digest of the published manifest: the site is the one this state describes
    tables: dict[str, TableState]
    listings: list[Listing]
    problems: dict[str, list[Problem]]  # by procedure code
    shared: list[Problem]  # about files and headers, and the statistics'
    spans: dict[str, list[tuple[int, int]]]  # by open-data file, one per listing
    pages: dict[str, str]  # the manifest: key of each shell page
    fields: dict[str, str] = field(default_factory=dict)  # slug → name, as published
    agencies: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # of the published files a rebuild may rewrite
    top: list[str] = field(default_factory=list)  # the site directory's entries

    def __getstate__(self) -> dict:
        # Listings as plain tuples: pickle handles those several times faster than slotted dataclasses.
        return {**self.__dict__, "listings": list(map(_listing_values, self.listings))}

    def __setstate__(self, values: dict) -> None:
        values["listings"] = [Listing(*item) for item in values["listings"]]
        self.__dict__.update(values)


_listing_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Listing)))


def _stat(path: Path) -> tuple[int, int, int]:
    s = path.stat()
    return s.st_size, s.st_mtime_ns, s.st_ino


def _copy_path(cache: BuildCache, name: str) -> Path:
    return cache.root / "catalogue" / name


def _skeleton(pages: dict[str, str]) -> str:
    return digest(*(part for item in sorted(pages.items()) for part in item))


def keep_state(cache: BuildCache, configuration: str, facts: Facts, publication: Publication, mkdocs_key: str,
               site_dir: Path) -> None:
    """After a full build: what the next build needs to rebuild in place. Nothing is kept for a catalogue that
    is not plain UTF-8 CSV with its header on the first row (it is always built in full)."""
    cache.drop(STATE)
    tables: dict[str, TableState] = {}
    (cache.root / "catalogue").mkdir(parents=True, exist_ok=True)
    for table in CATALOGUE_TABLES:
        raw = publication.tables.get(table.name)
        path = publication.data_dir / raw.file if raw is not None else None
        if raw is None or raw.delimiter is None or raw.header_row != 1 or not path.is_file():
            return
        data = path.read_bytes()
        starts = record_starts(data, raw.delimiter)
        if starts is None or (raw.rows and raw.rows[-1] > len(starts) - 1):
            return
        codes = [""] * (len(starts) - 1)
        for row, code in zip(raw.rows, raw.columns.get(_key_column(table), [])):
            codes[row - 1] = code
        tables[table.name] = TableState(raw.file, _stat(path), raw.delimiter, starts, codes)
        shutil.copyfile(path, _copy_path(cache, table.name))
    problems, shared = _partition(tables, publication.report.problems)
    index = publication.index
    inputs = inputs_digest(facts, publication.source, publication.statistics_key)
    rewritable = [*publication.fills, *(path for path in publication.files if path not in opendata.CATALOGUE_FILES),
                  "sitemap.xml", "sitemap.xml.gz", MANIFEST]
    state = State(facts, inputs, mkdocs_key, _skeleton(publication.markdown_pages),
                  digest((site_dir / MANIFEST).read_bytes()), tables, index.listings, problems, shared,
                  publication.spans, json.loads((site_dir / MANIFEST).read_text(encoding="utf-8")),
                  index.fields, index.agencies,
                  {path: digest((site_dir / path).read_bytes()) for path in rewritable if (site_dir / path).is_file()},
                  sorted(os.listdir(site_dir)))
    cache.put(STATE, configuration, state)


# --- the rebuild ----------------------------------------------------------------------------------------------------

class NotIncremental(Exception):
    """This change needs the full build (the message says why, for --verbose)."""


@dataclass
class _Change:
    """What changed in one catalogue file: records [first, last) of the kept copy became `records`."""

    data: bytes
    first: int
    last: int
    records: list[list[str]]  # cells of the new records
    starts: list[int]  # their starts in the new file, then the end of the last one


def _common_prefix(a: bytes, b: bytes, limit: int, block: int = 1 << 16) -> int:
    """Length of the longest common prefix of a[:limit] and b[:limit]: whole blocks first, then halving the
    first block that differs."""
    start = 0
    while start < limit and a[start:start + block] == b[start:start + block]:
        start += block
    low, high = start, min(start + block, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if a[start:middle] == b[start:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: bytes, b: bytes, limit: int, block: int = 1 << 16) -> int:
    """Length of the longest common suffix, at most LIMIT, the same way."""
    def tail(x: bytes, start: int, end: int) -> bytes:  # the bytes from `end` to `start` before x's end
        return x[len(x) - end:len(x) - start]

    start = 0
    while start < limit and tail(a, start, min(start + block, limit)) == tail(b, start, min(start + block, limit)):
        start += block
    start = min(start, limit)
    low, high = start, min(start + block, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if tail(a, start, middle) == tail(b, start, middle):
            low = middle
        else:
            high = middle - 1
    return low


def _diff(old: bytes, new: bytes, kept: TableState) -> _Change:
    """The records that differ between the kept copy of a file and the file: the shortest run of whole records
    covering every changed byte."""
    prefix = _common_prefix(old, new, min(len(old), len(new)))
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    starts = kept.starts
    # The record holding the first changed byte; the last record too when the change follows it (it may
    # have had no line break).
    first = min(bisect_right(starts, prefix) - 1, len(starts) - 2)
    if first < 1:
        raise NotIncremental(f"{kept.file}: the header changed")
    last = min(bisect_left(starts, len(old) - suffix), len(starts) - 1)  # the first record left whole
    shift = len(new) - len(old)
    begin, end = starts[first], starts[last] + shift
    new_starts = record_starts(new, kept.delimiter, begin, end)
    if new_starts is None:
        raise NotIncremental(f"{kept.file}: the changed records are not plain CSV")
    records = [_record(new[a:b], kept.delimiter) for a, b in zip(new_starts, new_starts[1:])]
    return _Change(new, first, last, records, new_starts)


def _records_of(path: Path, kept: TableState, change: _Change | None, codes: list[str],
                wanted: set[str]) -> tuple[list[list[str]], list[int]]:
    """The cells and row numbers of the records that belong to the wanted procedures, in file order."""
    rows, numbers = [], []
    added = len(change.records) if change else 0
    with open(path, "rb") as f:
        for index, code in enumerate(codes):
            if code not in wanted:
                continue
            if change and change.first <= index < change.first + added:
                cells = change.records[index - change.first]
            else:
                old = index
                if change and index >= change.first + added:
                    old = index - added + change.last - change.first  # after the change: moved
                a, b = kept.starts[old], kept.starts[old + 1]
                if change:
                    shift = len(change.data) - kept.starts[-1] if old >= change.last else 0
                    cells = _record(change.data[a + shift:b + shift], kept.delimiter)
                else:
                    f.seek(a)
                    cells = _record(f.read(b - a), kept.delimiter)
            rows.append(cells)
            numbers.append(index + 1)
    return rows, numbers


def _stages(data_dir: Path, state: State, changes: dict[str, _Change], new_codes: dict[str, list[str]],
            headers: dict[str, list[str]], affected: set[str]) -> tuple[dict[str, Procedure], list[Problem]]:
    """Load, validate and normalise the records of the affected procedures: their procedures and problems."""
    report = Report()
    mini: dict[str, RawTable] = {}
    for table in CATALOGUE_TABLES:
        kept = state.tables[table.name]
        rows, numbers = _records_of(data_dir / kept.file, kept, changes.get(table.name), new_codes[table.name],
                                    affected)
        raw = table_from_rows(table, kept.file, [headers[table.name]] + rows, report, numbers=numbers)
        if raw is None:
            raise NotIncremental(f"{kept.file} does not read")
        mini[table.name] = raw
    stored(mini)
    validate_catalogue(mini, report)
    if report.errors:
        raise NotIncremental("the data has errors")  # the full build reports them all
    row_problems = [p for p in report.problems if p.row is not None and p.row > 1]
    return {p.code: p for p in build_catalogue(mini).procedures}, row_problems


def _record(data: bytes, delimiter: str) -> list[str]:
    rows = _cells(data, delimiter)
    if len(rows) > 1:
        raise NotIncremental("a record reads as several rows")
    return rows[0] if rows else []


def _code_of(cells: list[str], position: int) -> str:
    """The record's procedure code as the stages will see it; "" for an empty record."""
    if not any(cell.strip() for cell in cells):
        return ""
    code = nfc(cells[position]) if position < len(cells) else ""
    if not code:
        raise NotIncremental("a record has no procedure code")  # an error the full build reports
    return code


@dataclass
class Outcome:
    procedures: int
    changed: list[str]  # codes of the procedures that changed
    replaced: int  # files written
    removed: int
    report: Report


def rebuild(site_dir: Path, cache: BuildCache, configuration: str) -> Outcome:
    """Rebuild the published site in place; raises NotIncremental when the full build must run instead.
    CONFIGURATION is the digest of the configuration file and of the options and environment that can change
    what it says (cli.configuration_digest). Nothing in the site changes before everything is ready."""
    from .build import statistics_key_of
    from .cache import code_digest

    state: State | None = cache.get(STATE, configuration)
    if state is None:
        raise NotIncremental("no state of the published site for this configuration")
    data_dir, templates_dir, site_url = state.facts.data_dir, state.facts.templates_dir, state.facts.site_url
    source = code_digest(templates_dir)
    statistics_key = statistics_key_of(data_dir, source)
    inputs = inputs_digest(state.facts, source, statistics_key)
    if inputs != state.inputs:
        raise NotIncremental("an input besides the catalogue changed")
    # A file put into the site by hand is removed by a full build, which publishes a new tree. Checking every
    # directory would cost about as much as that; the site's own directory is where such files usually land.
    if (not (site_dir / MANIFEST).is_file() or digest((site_dir / MANIFEST).read_bytes()) != state.manifest
            or sorted(os.listdir(site_dir)) != state.top):
        raise NotIncremental("the published site is not the one last built")
    kept_output = cache.tree("mkdocs", state.mkdocs_key)
    product: StatisticsProduct | None = cache.get("statistics", statistics_key)
    if kept_output is None or product is None:
        raise NotIncremental("MkDocs' output or the statistics are not in the build cache")

    # Which records changed, in which files, and the procedures they belong to.
    changes: dict[str, _Change] = {}
    headers: dict[str, list[str]] = {}
    new_codes: dict[str, list[str]] = {}
    for table in CATALOGUE_TABLES:
        kept = state.tables[table.name]
        path = data_dir / kept.file
        if not path.is_file():
            raise NotIncremental(f"{kept.file} is gone")
        copy = _copy_path(cache, table.name)
        header = []
        if copy.is_file():
            with open(copy, "rb") as f:
                header = _cells(f.read(kept.starts[1]), kept.delimiter)
        if not header:
            raise NotIncremental(f"{kept.file}: no kept copy")
        headers[table.name] = header[0]
        new_codes[table.name] = kept.codes
        if _stat(path) == kept.stat:
            continue
        old, new = copy.read_bytes(), path.read_bytes()
        if old == new:
            kept.stat = _stat(path)
            continue
        change = _diff(old, new, kept)
        names = [nfc(h.lstrip("\ufeff")) for h in headers[table.name]]
        if _key_column(table) not in names:
            raise NotIncremental(f"{kept.file}: no {_key_column(table)} column")  # reported by the full build
        codes = [_code_of(cells, names.index(_key_column(table))) for cells in change.records]
        new_codes[table.name] = kept.codes[:change.first] + codes + kept.codes[change.last:]
        changes[table.name] = change
    affected = {code for name, change in changes.items()
                for code in (*state.tables[name].codes[change.first:change.last],
                             *new_codes[name][change.first:change.first + len(change.records)]) if code}
    order = [code for code in new_codes[PROCEDURES.name] if code]
    if len(affected) > max(10, MAX_CHANGED_SHARE * len(order)):
        raise NotIncremental(f"{len(affected)} procedures changed")
    if len(set(order)) != len(order) or len({code.casefold() for code in order}) != len(order):
        raise NotIncremental("duplicate codes")  # an error the full build reports

    # The ordinary stages, on the records of the changed procedures.
    changed, row_problems = _stages(data_dir, state, changes, new_codes, headers, affected) if affected else ({}, [])

    # The listings: the changed procedures' anew, the others' as kept; fields and agencies must stay as published.
    renderer = Renderer(templates_dir, cache.root / "templates")
    kept_listings = {item.code: item for item in state.listings}
    field_slugs = {name: slug for slug, name in state.fields.items()}
    agency_slugs = {name: slug for slug, name in state.agencies.items()}
    listings = []
    for code in order:
        procedure = changed.get(code)
        if procedure is None:
            if code in affected or code not in kept_listings:
                raise NotIncremental(f"procedure {code} has no row in procedures")  # reported by the full build
            listings.append(kept_listings[code])
            continue
        if (procedure.field and procedure.field not in field_slugs) or (
                procedure.agency and procedure.agency not in agency_slugs):
            raise NotIncremental("a field or an agency appeared")
        procedure.field_slug = field_slugs.get(procedure.field, "")
        procedure.agency_slug = agency_slugs.get(procedure.agency, "")
        listings.append(renderer.listing(procedure))
    if ({item.field for item in listings if item.field} != set(field_slugs)
            or {item.agency for item in listings if item.agency} != set(agency_slugs)):
        raise NotIncremental("a field or an agency went")

    # Problems: the kept ones of unchanged procedures, moved with their rows, and the changed procedures' anew.
    moves = {state.tables[name].file: (change.last + 1, len(change.records) - (change.last - change.first))
             for name, change in changes.items()}
    problems = list(state.shared) + row_problems
    for code, kept_problems in state.problems.items():
        if code in affected or code not in kept_listings:
            continue
        for p in kept_problems:
            first_moved, shift = moves.get(p.file, (0, 0))
            if shift and p.row is not None and p.row >= first_moved:
                p = Problem(p.severity, p.code, p.file, p.row + shift, p.column, p.message, p.expected, p.received)
            problems.append(p)
    problems.sort(key=canonical_order)
    full_report = Report(problems)

    # Every page and file about many procedures, by the full build's own functions.
    index = Index(listings, state.fields, state.agencies)
    renderer.use(index, changed)
    pages, fills, files = site_parts(renderer, full_report, product, data_dir)
    if _skeleton(pages) != state.skeleton:
        raise NotIncremental("the pages MkDocs renders would change")
    publication = Publication(data_dir, full_report, {}, index, renderer, source, statistics_key, None, None,
                              pages, fills, renderer.shell_pages(), files, {})
    themed = shells(kept_output, renderer.shells())
    keys = dict(zip((page.path for page in publication.shell_pages), page_keys(publication, themed)))

    pages_written: dict[str, bytes] = {}
    for page, key in zip(publication.shell_pages, keys.values()):
        if state.pages.get(page.path) != key:
            try:
                body = page.body()
            except KeyError:
                raise NotIncremental(f"{page.path} changed without its procedure changing") from None
            pages_written[f"{page.path}/index.html"] = themed[page.shell].fill(
                page.path, page.title, page.description, body).encode("utf-8")
    removed = [path for path in state.pages if path not in keys]
    writes: dict[str, bytes] = {}
    for path, regions in fills.items():
        writes[path] = filled((kept_output / path).read_text(encoding="utf-8"), regions)
    files |= sitemap_files(kept_output, site_url, sorted(keys), build_date(build_epoch(data_dir)))
    writes |= files
    new_manifest = manifest(dict(sorted(keys.items())))
    writes[MANIFEST] = new_manifest
    digests = {path: digest(content) for path, content in writes.items()}
    writes = {path: content for path, content in writes.items() if state.digests.get(path) != digests[path]}
    writes |= pages_written
    removed_files = [path for path in _index_files(site_dir) if path not in files]

    # Open data: the published files' unchanged pieces are copied, the changed procedures' written.
    incoming = cache.root / "incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    moves_in: list[tuple[str, str]] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    old_spans = {path: dict(zip((item.code for item in state.listings), spans_))
                 for path, spans_ in state.spans.items()}
    new_pieces = dict(zip(changed, opendata.pieces(list(changed.values()))))
    for i, path in enumerate(opendata.CATALOGUE_FILES if affected else ()):
        parts = [new_pieces[code][i] if code in new_pieces else old_spans[path][code] for code in order]
        target = incoming / f"{len(moves_in)}"
        spans[path] = splice(path, parts, site_dir / path, target)
        moves_in.append((str(target), path))
    for path, content in writes.items():
        target = incoming / f"{len(moves_in)}"
        target.write_bytes(content)
        moves_in.append((str(target), path))

    journal = {"site": str(site_dir), "moves": moves_in, "removed": removed + removed_files}
    cache.drop(STATE)  # kept again below, once it describes the site
    _write_journal(cache, journal)
    finish_journal(cache)

    # The state of what is now published.
    for name, change in changes.items():
        kept = state.tables[name]
        shift = len(change.data) - kept.starts[-1]
        kept.starts = kept.starts[:change.first] + change.starts[:-1] + [s + shift for s in kept.starts[change.last:]]
        kept.codes = new_codes[name]
        kept.stat = _stat(data_dir / kept.file)
        _copy_path(cache, name).write_bytes(change.data)
    state.listings = listings
    state.problems, state.shared = _partition(state.tables, problems)
    state.spans = spans or state.spans
    state.pages = dict(sorted(keys.items()))
    state.manifest = digest(new_manifest)
    state.digests = digests
    cache.put(STATE, configuration, state)
    return Outcome(len(order), sorted(affected), len(moves_in), len(journal["removed"]), full_report)


def _partition(tables: dict[str, TableState],
               problems: list[Problem]) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Problems by the procedure whose record they are about, and the others."""
    owners = {(t.file, row): code for t in tables.values() for row, code in enumerate(t.codes, start=1) if code}
    by_code: dict[str, list[Problem]] = {}
    shared = []
    for problem in problems:
        code = owners.get((problem.file, problem.row))
        if code:
            by_code.setdefault(code, []).append(problem)
        else:
            shared.append(problem)
    return by_code, shared


def _index_files(site_dir: Path) -> list[str]:
    directory = site_dir / INDEX_DIR
    return [f"{INDEX_DIR}/{name}" for name in sorted(os.listdir(directory))] if directory.is_dir() else []


def splice(path: str, parts: list[bytes | tuple[int, int]], published: Path, target: Path) -> list[tuple[int, int]]:
    """Write the open-data file PATH to TARGET from its pieces: bytes, or (offset, length) of a piece in the
    PUBLISHED file, copied by the kernel (runs of neighbouring pieces in one copy). Returns where each piece
    sits, as opendata.joined does."""
    head, separator, tail = opendata.layout(path)
    spans: list[tuple[int, int]] = []
    with open(published, "rb") as source, open(target, "wb") as out:
        out.write(head)
        position = len(head)
        run: list[int] | None = None  # [offset, length] in the published file, not yet copied

        def copy() -> None:
            out.flush()
            offset, length = run
            while length:
                done = os.copy_file_range(source.fileno(), out.fileno(), length, offset)
                if done == 0:
                    raise OSError("the published file is shorter than its recorded pieces")
                offset, length = offset + done, length - done
            out.seek(0, os.SEEK_END)

        for i, part in enumerate(parts):
            gap = separator if i else b""
            if isinstance(part, tuple):
                offset, length = part
                if run is not None and run[0] + run[1] + len(gap) == offset:
                    run[1] += len(gap) + length
                else:
                    if run is not None:
                        copy()
                    out.write(gap)
                    run = [offset, length]
                spans.append((position + len(gap), length))
                position += len(gap) + length
            else:
                if run is not None:
                    copy()
                    run = None
                out.write(gap + part)
                spans.append((position + len(gap), len(part)))
                position += len(gap) + len(part)
        if run is not None:
            copy()
        out.write(tail)
    return spans


# --- the journal: moving the changed files into the site -------------------------------------------------------

def _write_journal(cache: BuildCache, journal: dict) -> None:
    fresh = cache.root / f".{JOURNAL}"
    fresh.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    os.replace(fresh, cache.root / JOURNAL)


def finish_journal(cache: BuildCache) -> None:
    """Move the files a rebuild prepared into the site, as its journal lists them, and delete what it removes.
    Run by the rebuild itself and, should it have been killed while moving, by the next build."""
    path = cache.root / JOURNAL
    if not path.is_file():
        return
    journal = json.loads(path.read_text(encoding="utf-8"))
    site = Path(journal["site"])
    # Replaced and removed files go to a trash directory first, so that freeing a large file's blocks is left
    # to the background deletion instead of slowing the moves.
    trash = Path(tempfile.mkdtemp(prefix="trash-", dir=cache.root))
    for number, (source, target) in enumerate(journal["moves"]):
        if os.path.exists(source):
            destination = site / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                os.link(destination, trash / str(number))
            os.replace(source, destination)
    for number, removed in enumerate(journal["removed"]):
        if (site / removed).exists():
            os.rename(site / removed, trash / f"removed-{number}")
    path.unlink()
    remove_in_background(trash)
