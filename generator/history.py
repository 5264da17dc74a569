"""History stage (after parse, before render): the earlier versions of the catalogue, and what changed in each
procedure between consecutive versions (issue #16).

Versions are dated snapshots, `DIR/history/YYYY-MM-DD/catalogue/`, in any format the build accepts, or (`git`) the
commits that changed `DIR/catalogue/`; the current catalogue is the newest version. Each version is read exactly as
the current catalogue is (load.load_tables, parse.check_tables, build.typed_procedures): its problems are reported
with their location, and its errors fail the build like the current catalogue's — a version that cannot be read
would make every procedure in it look added or removed. Changes are found on a normalised key (`normalised`:
NFC, whitespace, letter case; documents and legal-basis items in any order) and reported with the verbatim texts.

At scale (20,000 procedures × 12 versions) reading is the cost, not comparing: two versions are compared only on
the procedures whose content keys differ (build.Procedures.content_keys), a version's cells are checked for errors
value by value, not procedure by procedure (parse.cell_errors), and the versions' large files share their blocks
(load._read_blocks); with the build cache, a build after a new version reads that version only (bench/README.md has
the figures).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import tarfile
import tempfile
import unicodedata
from collections import ChainMap
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import build  # typed_procedures; imported as a module, since build wires this stage in
from .cache import BuildCache, Memo, digest, tree_digest
from .load import load_tables
from .model import Channel, Document, Procedure
from .parse import cell_errors, check_tables
from .problems import Problem, Report, UsageError
from .schema import (CATALOGUE_DIR, CATALOGUE_TABLES, CHANGE_KINDS, HISTORY_DIR, ITEM_SEPARATOR, LEVELS, NOT_PUBLISHED,
                     SYNTHETIC_MARK)

if TYPE_CHECKING:
    from .build import Procedures

_DATE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
_KIND_ORDER = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
# Texts compared as they are (normalised), in the order of CHANGE_KINDS.
_TEXTS = (("name", "name"), ("field", "field"), ("agency", "agency"), ("authority", "authority"))
_LONG_TEXTS = (("conditions", "conditions"), ("result", "result"))


@dataclass(frozen=True, slots=True)
class Change:
    date: str  # ISO date of the version that made the change
    procedure_code: str
    change: str  # one of CHANGE_KINDS
    item: str  # time, fee: the channel code (ITEM_SEPARATOR its description when it has several rows);
    # documents: the document's name (its case ITEM_SEPARATOR its name when it has one); "" otherwise. Verbatim.
    old: str  # verbatim old text, "" for what was added; document_changed: `originals/copies/form`
    new: str  # verbatim new text, "" for what was removed
    decision: str  # the decision the new version names (Procedure.decision), "" if none
    synthetic: bool = False  # between versions either of which was constructed (a SYNTHETIC file in its folder)


@dataclass
class History:
    versions: list[str]  # ISO dates, oldest first, the current catalogue last
    changes: list[Change]  # oldest first; within a date by procedure code, then in the order of CHANGE_KINDS
    removed: dict[str, tuple[str, Procedure]] = field(default_factory=dict)  # code → (date it left, its last version)
    synthetic: set[str] = field(default_factory=set)  # the dates of versions constructed, not published


# --- what counts as a change ---------------------------------------------------------------------------------------

def normalised(text: str) -> str:
    """The key two texts are compared on: the same text in another Unicode form (NFC/NFD), with other whitespace
    (runs, line breaks, leading or trailing) or in other letter case is no change. Marks are kept: «phí» and
    «phi» differ."""
    return unicodedata.normalize("NFC", " ".join(unicodedata.normalize("NFC", text).split()).casefold())


def _pairs(old: list, new: list, key: Callable[[Any], str], leftovers: bool) -> list[tuple[Any, Any]]:
    """OLD and NEW items paired by equal KEY, in order (a key twice on each side pairs first with first); with
    LEFTOVERS, the unpaired ones of each side are then paired in order. What is left is paired with None."""
    waiting: dict[str, list[int]] = {}
    for i, item in enumerate(old):
        waiting.setdefault(key(item), []).append(i)
    pairs, unpaired_new, taken = [], [], set()
    for item in new:
        indices = waiting.get(key(item))
        if indices:
            taken.add(indices[0])
            pairs.append((old[indices.pop(0)], item))
        else:
            unpaired_new.append(item)
    unpaired_old = [item for i, item in enumerate(old) if i not in taken]
    if leftovers:
        pairs += list(zip(unpaired_old, unpaired_new))
        n = min(len(unpaired_old), len(unpaired_new))
        unpaired_old, unpaired_new = unpaired_old[n:], unpaired_new[n:]
    return pairs + [(item, None) for item in unpaired_old] + [(None, item) for item in unpaired_new]


def _item(group: str, name: str) -> str:
    return f"{group}{ITEM_SEPARATOR}{name}" if group else name


def _channel_changes(old: list[Channel], new: list[Channel]) -> list[tuple[str, str, str, str]]:
    """(kind, item, old, new) of each channel's time and fee, matched by channel code and then by description
    (the case a row applies to); a channel's rows whose description changed are matched in order."""
    found = []
    for code in dict.fromkeys([c.channel for c in old] + [c.channel for c in new]):
        before, after = [c for c in old if c.channel == code], [c for c in new if c.channel == code]
        several = max(len(before), len(after)) > 1
        for a, b in _pairs(before, after, lambda c: normalised(c.description), leftovers=True):
            item = _item(code, (b or a).description) if several and (b or a).description else code
            for kind in ("time", "fee"):
                was, now = getattr(a, kind) if a else "", getattr(b, kind) if b else ""
                if normalised(was) != normalised(now):
                    found.append((kind, item, was, now))
    return sorted(found, key=lambda change: _KIND_ORDER[change[0]])


def _counts(document: Document) -> str:
    """A document's originals, copies and form as one text a reader understands: «bản chính: 1; bản sao: 0; mẫu:
    Mẫu 01.docx» (a count not published reads «chưa công bố»; no form, no «mẫu» part)."""
    counts = [f"{label}: {NOT_PUBLISHED if value is None else value}"
              for label, value in (("bản chính", document.originals), ("bản sao", document.copies))]
    return "; ".join(counts + ([f"mẫu: {document.form}"] if document.form else []))


def _document_changes(old: list[Document], new: list[Document]) -> list[tuple[str, str, str, str]]:
    """(kind, item, old, new) of the documents added, removed or changed, matched by case and name (normalised),
    whatever their order."""
    found = []
    for a, b in _pairs(old, new, lambda d: normalised(d.case) + "\x1f" + normalised(d.name), leftovers=False):
        if a is None:
            found.append(("document_added", _item(b.case, b.name), "", b.name))
        elif b is None:
            found.append(("document_removed", _item(a.case, a.name), a.name, ""))
        elif (a.originals, a.copies, normalised(a.form)) != (b.originals, b.copies, normalised(b.form)):
            found.append(("document_changed", _item(b.case, b.name), _counts(a), _counts(b)))
    return sorted(found, key=lambda change: _KIND_ORDER[change[0]])


def procedure_changes(date: str, old: Procedure, new: Procedure) -> list[Change]:
    """What changed in a procedure between two versions, in the order of CHANGE_KINDS."""
    found: list[tuple[str, str, str, str]] = []
    for kind, attribute in _TEXTS:
        was, now = getattr(old, attribute), getattr(new, attribute)
        if normalised(was) != normalised(now):
            found.append((kind, "", was, now))
    if set(old.levels) != set(new.levels):
        found.append(("levels", "", *("; ".join(LEVELS.get(level, level) for level in p.levels) for p in (old, new))))
    found += _channel_changes(old.channels, new.channels)
    found += _document_changes(old.documents, new.documents)
    for kind, attribute in _LONG_TEXTS:
        was, now = getattr(old, attribute), getattr(new, attribute)
        if normalised(was) != normalised(now):
            found.append((kind, "", was, now))
    if set(map(normalised, old.legal_basis)) != set(map(normalised, new.legal_basis)):
        found.append(("legal_basis", "", "; ".join(old.legal_basis), "; ".join(new.legal_basis)))
    if normalised(old.decision) != normalised(new.decision):
        found.append(("decision", "", old.decision, new.decision))
    found.sort(key=lambda change: _KIND_ORDER[change[0]])
    return [Change(date, new.code, kind, item, was, now, new.decision) for kind, item, was, now in found]


def catalogue_changes(date: str, old: _Version, new: _Version, procedures: Callable[[_Version], Procedures],
                      remember: Callable[[str, Callable[[], Any]], Any]) -> tuple[list[Change], dict[str, Procedure]]:
    """The changes from version OLD of the catalogue to version NEW, dated DATE, by procedure code; and the
    procedures that left (code → their last version). Only a procedure whose content key differs between them is
    compared (the same key is the same cells: no change), its changes REMEMBERed by its code and both keys, so that
    PROCEDURES(version), which may read a version again, is asked for only what changed since the last build."""
    changes: list[Change] = []
    gone: dict[str, Procedure] = {}
    for code in sorted(old.keys.keys() | new.keys.keys()):
        was, now = old.keys.get(code), new.keys.get(code)
        if was == now:
            continue
        if now is None:  # its last version, with the field and agency pages of the version that had it
            gone[code] = remember(digest("removed", code, old.content), lambda: procedures(old)[code])
            changes.append(Change(date, code, "removed", "", gone[code].name, "", ""))
        elif was is None:
            changes += remember(digest("added", code, now, date), lambda: [
                Change(date, code, "added", "", "", procedures(new)[code].name, procedures(new)[code].decision)])
        else:
            changes += remember(digest(code, was, now, date),
                                lambda: procedure_changes(date, procedures(old)[code], procedures(new)[code]))
    return changes, gone


# --- the versions --------------------------------------------------------------------------------------------------

@dataclass
class _Version:
    date: str
    content: str  # a digest of its files ("" for the current catalogue, which no memo is keyed by)
    where: str  # where its problems point
    # Reads it: given how to read a catalogue directory (its path, and the directory its problems are relative to),
    # its procedures, None on error.
    read: Callable[[Callable[[Path, Path], Procedures | None]], Procedures | None]
    synthetic: bool = False  # constructed, not a version that was published (SYNTHETIC_MARK in its folder)
    keys: dict[str, str] = field(default_factory=dict)  # each procedure's content key (Procedures.content_keys)
    typed: Procedures | None = None  # its procedures, while a comparison may need them


def read_catalogue(directory: Path, data_root: Path, report: Report, loading: Callable | None = None
                   ) -> Procedures | None:
    """The catalogue in DIRECTORY read as the build reads the current one (file paths relative to DATA_ROOT), its
    problems reported, but of its procedures' cells only the errors (parse.cell_errors: each distinct value parsed
    once, not every procedure; its warnings are the gaps it had then, which the site does not publish); None when
    it has an error. LOADING: load_tables' memo."""
    own = Report()
    tables = load_tables(directory, CATALOGUE_TABLES, data_root, own, loading)
    typed = build.typed_procedures(tables, check_tables(tables, own), own)
    if typed is not None:
        rows = typed.rows.values()
        for table, indices in zip(CATALOGUE_TABLES, ([first for first, _, _ in rows],
                                                     [i for _, documents, _ in rows for i in documents],
                                                     [i for _, _, channels in rows for i in channels])):
            cell_errors(typed.tables[table.name], indices, own)
    own.problems.sort(key=build.canonical_order)
    report.problems.extend(own.problems)
    return None if own.errors else typed


def _snapshots(data_dir: Path, current_date: str, report: Report) -> list[_Version]:
    """The dated snapshots under DIR/history/, oldest first. Files there (a README) are not versions; a directory
    not named by a date, or not older than the current catalogue, is an error."""
    root = data_dir / HISTORY_DIR
    if not root.is_dir():
        return []
    versions = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        where = f"{HISTORY_DIR}/{entry.name}"
        try:
            date = dt.date.fromisoformat(entry.name).isoformat() if _DATE_NAME.fullmatch(entry.name) else None
        except ValueError:
            date = None
        if date is None:
            report.error("history_directory", where, None, None,
                         "thư mục phiên bản cũ phải mang tên ngày của phiên bản, dạng YYYY-MM-DD",
                         "YYYY-MM-DD, ví dụ 2025-06-30", entry.name)
            continue
        if date >= current_date:
            report.error("history_date", where, None, None,
                         f"phiên bản cũ phải trước ngày của danh mục hiện hành ({current_date})",
                         f"một ngày trước {current_date}", date)
            continue
        directory = entry / CATALOGUE_DIR
        versions.append(_Version(date, tree_digest(directory), where,
                                 lambda reading, directory=directory: reading(directory, data_dir),
                                 synthetic=(entry / SYNTHETIC_MARK).is_file()))
    return versions


def _git(data_dir: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=data_dir, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise UsageError(f"history: git cần chương trình git, nhưng không chạy được git: {exc}") from exc
    if done.returncode != 0:
        raise UsageError(f"history: git cần thư mục dữ liệu {data_dir} nằm trong một kho git "
                         f"(git {' '.join(args)}: {done.stderr.strip()})")
    return done.stdout


def _commits(data_dir: Path, current_date: str, scratch: Path) -> tuple[list[_Version], str]:
    """The commits that changed DIR/catalogue/, oldest first, each dated by its commit date (the last commit of a
    day stands for that day), and the date of the current catalogue: its commit's when the working tree holds the
    newest commit's catalogue unchanged, else CURRENT_DATE. A version's problems point into the commit, as `git
    show` names a file there: `1a2b3c4d:data/catalogue/procedures.csv`."""
    prefix = _git(data_dir, "rev-parse", "--show-prefix").strip()
    top = Path(_git(data_dir, "rev-parse", "--show-toplevel").strip())  # git archive reads a tree from there only
    log = _git(data_dir, "log", "--format=%H %cs", "--", CATALOGUE_DIR).split()
    commits = list(zip(log[0::2], log[1::2]))[::-1]  # oldest first
    clean = bool(commits) and not _git(data_dir, "status", "--porcelain", "--", CATALOGUE_DIR).strip()
    current = commits.pop()[1] if clean else current_date
    by_day = {date: commit for commit, date in commits if date < current}

    def reader(commit: str) -> Callable[[Callable[[Path, Path], Procedures | None]], Procedures | None]:
        def read(reading: Callable[[Path, Path], Procedures | None]) -> Procedures | None:
            shown = f"{commit[:8]}:{prefix}{CATALOGUE_DIR}"
            archive = subprocess.run(["git", "archive", "--format=tar", f"{commit}:{prefix}{CATALOGUE_DIR}"],
                                     cwd=top, capture_output=True, check=True).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                for member in tar:  # the files only, each kept inside the scratch directory
                    if member.isfile() and ".." not in Path(member.name).parts:
                        target = scratch / shown / member.name.lstrip("/")
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(member).read())
            return reading(scratch / shown, scratch)
        return read

    tree = {commit: _git(data_dir, "rev-parse", f"{commit}:{prefix}{CATALOGUE_DIR}").strip()
            for commit in by_day.values()}
    return [_Version(date, tree[commit], f"{commit[:8]}:{prefix}{CATALOGUE_DIR}", reader(commit))
            for date, commit in by_day.items()], current


def _memo(cache: BuildCache | None, name: str, source: str, digits: int | None = None
          ) -> Callable[[str, Callable[[], Any]], Any]:
    """The build cache's memo table NAME (cache.memo), or without the cache one for this build only."""
    if cache is not None:
        return cache.memo(name, source, digits)
    seen: dict[str, Any] = {}

    def remember(key: str, compute: Callable[[], Any]) -> Any:
        if key not in seen:
            seen[key] = compute()
        return seen[key]
    return remember


class _Blocks:
    """The memo table of a large catalogue file's blocks (load._read_blocks) for the earlier versions: it reads the
    build cache's (build.catalogue_blocks: the current catalogue's blocks), and keeps the blocks the earlier
    versions add for this build only. The versions share them while they are read; a later build reads only a new
    version, whose blocks are those of the current catalogue it was."""

    def __init__(self, kept: Memo):
        self.new: dict[str, Any] = {}
        self.old = ChainMap(self.new, kept.new, kept.old)

    def __call__(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.old:
            self.new[key] = compute()
        return self.old[key]

    def save(self) -> None:
        pass


def _loading(cache: BuildCache, source: str) -> Callable:
    """load_tables' memo for an earlier version: a large file is read block by block (_Blocks), so that versions
    share the blocks where their bytes are the same; a small file is read as it is (the version's problems and
    keys are kept, not its tables)."""
    def load(name: str, key: str, compute: Callable[[], Any], large: bool) -> Callable[[], Any]:
        value = compute()
        return lambda: value

    blocks: dict[str, _Blocks] = {}
    kept = build.catalogue_blocks(cache, source)
    load.blocks = lambda name: blocks.setdefault(name, _Blocks(kept(name)))
    return load


def catalogue_history(data_dir: Path, current: Procedures, current_date: str, report: Report, git: bool = False,
                      cache: BuildCache | None = None, source: str = "") -> History:
    """Every version of the catalogue, oldest first, ending with CURRENT (the current catalogue's procedures, dated
    CURRENT_DATE), and the changes between consecutive versions. Each earlier version's errors are added to REPORT:
    the caller fails the build on them once every stage has reported, as on the current catalogue's (its warnings
    are the gaps it had then, which the site does not publish). GIT: the versions are the commits that changed
    DIR/catalogue/ (a UsageError outside a git repository).

    Versions are compared procedure by procedure by their content keys (catalogue_changes), so a version's
    procedures are parsed only where they changed. With the build CACHE (and SOURCE, the code), each version's
    errors and keys are kept by the digest of its files, each procedure's changes by its keys, and a large file's
    blocks with the current catalogue's: a build after a new version reads only that version, and compares only
    what changed."""
    versions = _memo(cache, "history-versions", source, digits=2)  # a version a shard: a new one writes its own
    changes_of = _memo(cache, "history-changes", source)
    loading = _loading(cache, source) if cache is not None else None

    def reading(own: Report) -> Callable[[Path, Path], Procedures | None]:
        return lambda directory, root: read_catalogue(directory, root, own, loading)

    def procedures(version: _Version) -> Procedures:
        if version.typed is None:  # read again: its problems are known
            version.typed = version.read(reading(Report()))
        return version.typed

    with tempfile.TemporaryDirectory(prefix="congkhai-history-") as scratch:
        if git:
            older, current_date = _commits(data_dir, current_date, Path(scratch))
        else:
            older = _snapshots(data_dir, current_date, report)
        # Newest first: each version is compared with the one after it while both are read, and shares most of
        # its large files' blocks with it (load._read_blocks).
        readable = [_Version(current_date, "", CATALOGUE_DIR, lambda reading: current, keys=current.content_keys(),
                             typed=current)]
        found: list[tuple[str, list[Change], dict[str, Procedure]]] = []
        reported: list[list[Problem]] = []  # each version's errors
        for version in reversed(older):
            def index(version: _Version = version) -> tuple[list[Problem], dict[str, str] | None]:
                own = Report()
                version.typed = version.read(reading(own))
                return own.errors, version.typed.content_keys() if version.typed is not None else None

            errors, keys = versions(digest(version.where, version.content), index)
            reported.append(errors)
            if keys is None:
                continue  # an error: the build fails
            version.keys, newer = keys, readable[-1]
            # A snapshot whose procedures all have the next version's content keys (its very files, say) holds no
            # change, and is not compared.
            if version.keys != newer.keys:
                pair, gone = catalogue_changes(newer.date, version, newer, procedures, changes_of)
                if version.synthetic or newer.synthetic:  # what an invented version says, old or new, is invented
                    pair = [replace(change, synthetic=True) for change in pair]
                found.append((newer.date, pair, gone))
            if newer.where != CATALOGUE_DIR:
                newer.typed = None  # compared with both its neighbours
            readable.append(version)
    for errors in reversed(reported):  # oldest first
        report.problems.extend(errors)
    changes: list[Change] = []
    removed: dict[str, tuple[str, Procedure]] = {}
    for date, pair, gone in reversed(found):
        changes += pair
        for change in pair:
            if change.change == "added":
                removed.pop(change.procedure_code, None)
        removed.update({code: (date, procedure) for code, procedure in gone.items()})
    if cache is not None:
        for memo in (versions, changes_of):
            memo.save()
    readable.reverse()
    return History([v.date for v in readable], changes, removed, {v.date for v in readable if v.synthetic})
