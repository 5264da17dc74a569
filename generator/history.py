"""History stage (after parse, before render): the earlier versions of the catalogue, and what changed in each
procedure between consecutive versions (issue #16).

Versions are dated snapshots, `DIR/history/YYYY-MM-DD/catalogue/`, in any format the build accepts, or (`git`) the
commits that changed `DIR/catalogue/`; the current catalogue is the newest version. Each version is read exactly as
the current catalogue is (load.load_tables, parse.check_tables, build.typed_procedures): its problems are reported
with their location, and its errors fail the build like the current catalogue's — a version that cannot be read
would make every procedure in it look added or removed. Changes are found on a normalised key (`normalised`:
NFC, whitespace, letter case; documents and legal-basis items in any order) and reported with the verbatim texts.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from . import build  # typed_procedures; imported as a module, since build wires this stage in
from .cache import BuildCache, digest, tree_digest
from .load import load_tables
from .model import Channel, Document, Procedure
from .parse import check_tables
from .problems import Problem, Report, UsageError
from .schema import CATALOGUE_TABLES, CHANGE_KINDS, ITEM_SEPARATOR, LEVELS, NOT_PUBLISHED

HISTORY_DIR = "history"
CATALOGUE_DIR = "catalogue"
SYNTHETIC_MARK = "SYNTHETIC"  # a file in a dated folder: that version was constructed (a sample), not published
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


def catalogue_changes(date: str, old: dict[str, Procedure], new: dict[str, Procedure]
                      ) -> tuple[list[Change], dict[str, Procedure]]:
    """The changes from catalogue OLD to catalogue NEW, dated DATE, by procedure code; and the procedures that
    left (code → their last version)."""
    changes: list[Change] = []
    for code in sorted(old.keys() | new.keys()):
        a, b = old.get(code), new.get(code)
        if a is None:
            changes.append(Change(date, code, "added", "", "", b.name, b.decision))
        elif b is None:
            changes.append(Change(date, code, "removed", "", a.name, "", ""))
        else:
            changes += procedure_changes(date, a, b)
    return changes, {code: old[code] for code in old.keys() - new.keys()}


def _latest_changes(previous: _Version, date: str, procedures: Callable, current, current_keys: dict[str, str],
                    remember: Callable, cache: BuildCache, source: str) -> tuple[list[Change], dict[str, Procedure]]:
    """catalogue_changes from the version before the current one to the current catalogue, each procedure's changes
    kept by its current content key: a procedure the build did not see change is not parsed or compared again.
    The previous version's procedures are kept whole in the build cache and read back only for a procedure that
    changed."""
    before: dict[str, Procedure] | None = None

    def old() -> dict[str, Procedure]:
        nonlocal before
        if before is None:
            before = cache.remember("history-version", digest(source, previous.content), lambda: procedures(previous))
        return before

    codes = set(remember(digest("codes", previous.content), lambda: sorted(old())))
    memo = cache.memo("history-latest", digest(source, previous.content, date))
    changes: list[Change] = []
    for code in sorted(codes | current_keys.keys()):
        if code not in current_keys:
            changes.append(Change(date, code, "removed", "", old()[code].name, "", ""))
        elif code not in codes:
            changes += memo(digest("added", code, current_keys[code]),
                            lambda: [Change(date, code, "added", "", "", current[code].name, current[code].decision)])
        else:
            changes += memo(digest(code, current_keys[code]),
                            lambda: procedure_changes(date, old()[code], current[code]))
    memo.save()
    gone = sorted(codes - current_keys.keys())
    removed = remember(digest("gone", previous.content, *gone), lambda: {code: old()[code] for code in gone})
    return changes, removed


# --- the versions --------------------------------------------------------------------------------------------------

@dataclass
class _Version:
    date: str
    content: str  # a digest of its files
    where: str  # where its problems point
    read: Callable[[Report], dict[str, Procedure] | None]  # its procedures, its problems reported; None on error
    problems: list[Problem] = field(default_factory=list)
    synthetic: bool = False  # constructed, not a version that was published (SYNTHETIC_MARK in its folder)


def read_catalogue(directory: Path, data_root: Path, report: Report) -> dict[str, Procedure] | None:
    """The catalogue in DIRECTORY read as the build reads the current one, every problem reported (file paths
    relative to DATA_ROOT); None when it has an error."""
    own = Report()
    tables = load_tables(directory, CATALOGUE_TABLES, data_root, own)
    typed = build.typed_procedures(tables, check_tables(tables, own), own)
    procedures = {code: typed.parse(code, own) for code in typed.rows} if typed is not None else {}
    own.problems.sort(key=build.canonical_order)
    report.problems.extend(own.problems)
    return None if own.errors else procedures


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
                                 lambda own, directory=directory: read_catalogue(directory, data_dir, own),
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

    def reader(commit: str) -> Callable[[Report], dict[str, Procedure] | None]:
        def read(own: Report) -> dict[str, Procedure] | None:
            shown = f"{commit[:8]}:{prefix}{CATALOGUE_DIR}"
            archive = subprocess.run(["git", "archive", "--format=tar", f"{commit}:{prefix}{CATALOGUE_DIR}"],
                                     cwd=top, capture_output=True, check=True).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                for member in tar:  # the files only, each kept inside the scratch directory
                    if member.isfile() and ".." not in Path(member.name).parts:
                        target = scratch / shown / member.name.lstrip("/")
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(member).read())
            return read_catalogue(scratch / shown, scratch, own)
        return read

    tree = {commit: _git(data_dir, "rev-parse", f"{commit}:{prefix}{CATALOGUE_DIR}").strip()
            for commit in by_day.values()}
    return [_Version(date, tree[commit], f"{commit[:8]}:{prefix}{CATALOGUE_DIR}", reader(commit))
            for date, commit in by_day.items()], current


def catalogue_history(data_dir: Path, current: dict[str, Procedure], current_date: str, report: Report,
                      git: bool = False, cache: BuildCache | None = None, source: str = "",
                      current_keys: dict[str, str] | None = None) -> History:
    """Every version of the catalogue, oldest first, ending with CURRENT (the current catalogue, dated
    CURRENT_DATE), and the changes between consecutive versions. Each earlier version's problems are added to
    REPORT; the caller fails the build on its errors once every stage has reported. GIT: the versions are the
    commits that changed DIR/catalogue/ (a UsageError outside a git repository). CACHE, when given, keeps each
    version's problems and each pair's changes by the digest of their content (and SOURCE, the code): a build
    after a new version reads only that version and the one before it. With CURRENT_KEYS too (each current
    procedure's content key, build.catalogue_stage), the current catalogue is compared procedure by procedure
    (_latest_changes): an edit of the current catalogue compares, and parses, only the procedures it changed."""
    memo = cache.memo("history", source) if cache else None

    def remember(key: str, compute: Callable[[], Any]) -> Any:
        return memo(key, compute) if memo is not None else compute()

    with tempfile.TemporaryDirectory(prefix="congkhai-history-") as scratch:
        if git:
            older, current_date = _commits(data_dir, current_date, Path(scratch))
        else:
            older = _snapshots(data_dir, current_date, report)
        # A snapshot holding the current catalogue's very files is no change, and is not compared.
        current_content = tree_digest(data_dir / CATALOGUE_DIR)
        read: dict[str, dict[str, Procedure] | None] = {}

        def procedures(version: _Version) -> dict[str, Procedure] | None:
            if version.where not in read:
                own = Report()
                read[version.where] = version.read(own)
                version.problems = own.problems
            return read[version.where]

        def problems(version: _Version) -> list[Problem]:
            procedures(version)
            return version.problems

        readable = []
        for version in older:
            version_problems = remember(digest("problems", version.where, version.content), lambda: problems(version))
            report.problems.extend(version_problems)
            if not any(p.severity == "error" for p in version_problems):
                readable.append(version)
        readable.append(_Version(current_date, current_content, CATALOGUE_DIR, lambda own: current))
        changes: list[Change] = []
        removed: dict[str, tuple[str, Procedure]] = {}
        for a, b in zip(readable, readable[1:]):
            if a.content == b.content:
                continue  # the same files: nothing changed
            if b.where == CATALOGUE_DIR and current_keys is not None and cache is not None:
                found, gone = _latest_changes(a, b.date, procedures, current, current_keys, remember, cache, source)
            else:
                found, gone = remember(digest("changes", a.content, b.content, b.date),
                                       lambda: catalogue_changes(b.date, procedures(a), procedures(b)))
            if a.synthetic or b.synthetic:  # what an invented version says, old or new, is invented
                found = [replace(change, synthetic=True) for change in found]
            changes += found
            for change in found:
                if change.change == "added":
                    removed.pop(change.procedure_code, None)
            removed.update({code: (b.date, procedure) for code, procedure in gone.items()})
    if memo is not None:
        memo.save()
    return History([v.date for v in readable], changes, removed, {v.date for v in readable if v.synthetic})
