"""Publish stage: put the built files into the site directory, file by file, under a journal.

Rules:
- Only a directory that is empty, or that this tool published before (it holds the marker MARKER, which lists
  every file the tool wrote there), is written to; any other is refused unless `--force`.
- Files the build did not write (a host's `CNAME`, `.well-known/`, …) are kept; files it wrote before and no
  longer makes are removed.
- A file is written only when its bytes differ from the published file's, as proved by digests: the build
  cache remembers the digest and the status (size, times, inode) of every file it published, and a file whose
  status changed since is written again, so a damaged published file is repaired, never trusted.
- The changed files are first written into a staging directory on the site's file system; then a journal
  naming them is saved in the build cache, and each is moved into place with one rename (the marker last). A
  build killed before the journal was saved left the site untouched and the next build deletes its staging
  directory; one killed after is finished by the next build. Nothing is ever renamed over the site directory
  itself, so it may be a mount point.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import BuildCache, content_digest, write_new
from .problems import UsageError, os_reason as reason
from .write import SiteFiles

MARKER = ".congkhai/site.json"
STAGING = ".congkhai-staging"  # inside the site, when the build cache is on another file system
PROBE = ".congkhai-probe-"  # an empty file that proves the site directory writable before anything moves
JOURNAL = "journal.json"
STATE = "published"
SHOWN = 5  # files named in a message


class PublishError(Exception):
    """The environment refused (disk full, read-only or unwritable site directory): nothing was published, or
    what was half published is finished by the next build."""


@dataclass
class Summary:
    written: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # files in the site directory the build did not write


def check_site_dir(site_dir: Path, force: bool) -> None:
    """Refuse a site directory the build must not write to (before anything else happens)."""
    if site_dir.is_symlink() and not site_dir.exists():
        raise UsageError(f"--site-dir {site_dir} là một liên kết tượng trưng hỏng")
    if not site_dir.exists():
        return
    if not site_dir.is_dir():
        raise UsageError(f"--site-dir {site_dir} là một tệp, không phải thư mục")
    try:
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in site_dir.iterdir())
    except OSError as exc:
        raise UsageError(f"không đọc được --site-dir {site_dir}: {reason(exc)}") from None
    if entries and not (site_dir / MARKER).is_file() and not force:
        shown = ", ".join(entries[:SHOWN]) + (f" và {len(entries) - SHOWN} mục khác" if len(entries) > SHOWN else "")
        raise UsageError(f"--site-dir {site_dir} không trống và không do congkhai xuất bản (trong đó có {shown}); "
                         f"hãy chọn một thư mục mới hoặc trống, hoặc thêm --force để vẫn xuất bản vào đó: tệp chưa "
                         f"có được thêm vào, tệp trùng tên bị thay thế")


def _status(path: Path | str) -> tuple[int, int, int, int] | None:
    try:
        s = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino


def _marker(site_dir: Path) -> tuple[bytes, dict[str, str]]:
    try:
        data = (site_dir / MARKER).read_bytes()
        files = json.loads(data)["files"]
        if isinstance(files, dict):
            return data, files
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return b"", {}


def marker_bytes(digests: dict[str, str]) -> bytes:
    files = {path: digests[path] for path in sorted(digests)}
    return (json.dumps({"generator": "congkhai", "files": files}, separators=(",", ":")) + "\n").encode("utf-8")


def _staging(site_dir: Path, cache: BuildCache) -> Path:
    """Where changed files are written first: on the site's file system, so that each moves with a rename."""
    cache.root.mkdir(parents=True, exist_ok=True)
    if os.stat(cache.root).st_dev == os.stat(site_dir).st_dev:
        return cache.root / "staging"
    return site_dir / STAGING  # a mount point: the cache beside it is on another file system


def _apply(site_dir: Path, journal: dict) -> None:
    """Move the staged files into place and remove the files that are gone. Each step can be repeated, so a
    build killed half way is finished by running this again."""
    made: set[Path] = set()
    for path, source in journal["write"]:
        staged, target = Path(source), site_dir / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.replace(staged, target)
        except FileNotFoundError:
            continue  # moved already
        except (IsADirectoryError, OSError) as exc:  # a directory where the file goes (a page became a file)
            if not (target.is_dir() and not target.is_symlink()):
                raise exc from None
            shutil.rmtree(target)
            os.replace(staged, target)
    for path in journal["remove"]:
        target = site_dir / path
        try:
            target.unlink()
        except (FileNotFoundError, IsADirectoryError):
            continue
        try:
            os.removedirs(target.parent)  # and its parents, up to the site directory (which holds MARKER)
        except OSError:
            pass


def recover(site_dir: Path, cache: BuildCache, say: Callable[[str], None]) -> None:
    """Finish what an interrupted build left: apply a saved journal, or delete staged files that no journal
    names. A journal that cannot be applied is dropped (the next publish then checks every file)."""
    journal_path = cache.root / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
            _apply(site_dir, journal)
            say("Đã xuất bản nốt các tệp của một lần dựng bị ngắt giữa chừng.")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            cache.drop(STATE)
            say(f"Không đưa được các tệp của lần dựng bị ngắt vào chỗ ({exc}); lần dựng này ghi lại mọi tệp.")
        journal_path.unlink(missing_ok=True)
    for staging in (cache.root / "staging", site_dir / STAGING):
        shutil.rmtree(staging, ignore_errors=True)
    for probe in site_dir.glob(f"{PROBE}*") if site_dir.is_dir() else ():  # a build killed while it probed
        probe.unlink(missing_ok=True)


def _scan(site_dir: Path, known: dict[str, tuple]) -> dict[str, tuple[int, list[str], list[str]]]:
    """Every directory of the site with its modification time, its files and its subdirectories. A directory
    whose time is the one KNOWN (from the last build) has the entries recorded then, and is not read again."""
    directories = {}
    stack = [""]
    root = f"{site_dir}{os.sep}"
    while stack:
        relative = stack.pop()
        path = root + relative
        try:
            modified = os.stat(path, follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
        if relative in known and known[relative][0] == modified:
            files, subdirectories = known[relative][1], known[relative][2]
        else:
            files, subdirectories = [], []
            with os.scandir(path) as entries:
                for entry in entries:
                    (subdirectories if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        directories[relative] = (modified, files, subdirectories)
        prefix = f"{relative}/" if relative else ""
        stack += [prefix + name for name in subdirectories if prefix + name != STAGING]
    return directories


def publish(site_dir: Path, files: SiteFiles, cache: BuildCache) -> Summary:
    """Make SITE_DIR hold FILES (and keep what the build did not write). Raises PublishError."""
    try:
        return _publish(site_dir, files, cache)
    except OSError as exc:
        shutil.rmtree(cache.root / "staging", ignore_errors=True)
        shutil.rmtree(site_dir / STAGING, ignore_errors=True)
        where = f" ({exc.filename})" if exc.filename else ""
        pending = (cache.root / JOURNAL).exists()
        raise PublishError(f"không xuất bản được vào {site_dir}: {reason(exc)}{where}; " +
                           ("lần dựng sau sẽ xuất bản nốt" if pending else "trang web vẫn như cũ")) from None


def published(site_dir: Path, cache: BuildCache) -> tuple[bytes, dict[str, str], dict]:
    """The marker's bytes and its files, and what the build cache recorded when they were published."""
    marker, previous = _marker(site_dir)
    return marker, previous, cache.get(STATE, content_digest(marker)) or {}


def _publish(site_dir: Path, files: SiteFiles, cache: BuildCache) -> Summary:
    site_dir.mkdir(parents=True, exist_ok=True)
    marker, previous, state = published(site_dir, cache)
    recorded = state.get("files", {})
    root = f"{site_dir}{os.sep}"  # plain strings: a Path per file costs more than its stat

    def unchanged(path: str, value: str | None) -> bool:
        old = recorded.get(path)
        return value is not None and old is not None and old[0] == value and _status(root + path) == old[1]

    needed = [path for path, value in files.digests.items() if not unchanged(path, value)]
    staging = _staging(site_dir, cache)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # Flat: one file per number, so that staging costs no directory tree (the journal says where each goes).
    staged = {path: staging / str(number) for number, path in enumerate(needed)}
    produced = files.produce(staged)
    digests = {path: value for path, value in files.digests.items() if value is not None} | produced
    changed = []
    for path in needed:
        if unchanged(path, produced[path]):  # a page whose digest was not known, and is the same
            staged[path].unlink()
        else:
            changed.append(path)
    new_marker = marker_bytes(digests)
    if new_marker != marker:
        staged[MARKER] = staging / "marker"
        write_new(staged[MARKER], new_marker)
        changed.append(MARKER)  # last: the site is the new one once the marker says so
    removed = [path for path in previous if path not in digests and path != MARKER]
    if changed or removed:
        probe = site_dir / f"{PROBE}{os.getpid()}"
        write_new(probe, b"")  # a read-only or unwritable site directory fails here, before anything moved
        probe.unlink()
        journal = {"write": [[path, str(staged[path])] for path in changed], "remove": removed}
        cache._write(cache.root / JOURNAL, json.dumps(journal).encode("utf-8"))
        _apply(site_dir, journal)
        (cache.root / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    written = set(changed)
    statuses = {path: (value, recorded[path][1] if path in recorded and path not in written
                       else _status(root + path))
                for path, value in digests.items()}
    directories = _scan(site_dir, state.get("directories", {}))
    try:
        cache.put(STATE, content_digest(new_marker), {"files": statuses, "directories": directories})
    except OSError:
        pass  # the site is published; without this record the next build checks every file
    files_found = (f"{directory}/{name}" if directory else name
                   for directory, (_, names, _) in directories.items() for name in names)
    written_count = len(changed) - (MARKER in changed)
    return Summary(written_count, len(removed), len(digests) - written_count,
                   sorted(path for path in files_found if path not in digests and path != MARKER))
