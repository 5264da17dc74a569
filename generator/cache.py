"""The build cache: what a build keeps so that the next one redoes only what its input changed.

It sits beside the site (`.<site>.cache/`) and holds memoised results of the pipeline's stages, each keyed by a
digest of exactly what the stage read (the pattern of Jinja's bytecode cache and Pelican's cached readers): every
build runs the same stage functions, and a stage whose key is found is simply not run again. Every entry carries
the digest of its own bytes, so a damaged, cut-short or foreign entry is recomputed, never used. `congkhai build
--full` reads nothing from here (and refreshes it). The cache also holds the build lock and the publishing
journal (publish.py).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Callable

from .problems import UsageError

FORMAT = 4  # bump when the layout of a cached value changes
CODE_DIR = Path(__file__).parent


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def tree_digest(*directories: Path) -> str:
    """Paths (relative to their directory, so that two clones agree) and bytes of every file under the
    directories, compiled Python excepted."""
    parts = []
    for number, directory in enumerate(directories):
        if not directory.is_dir():
            continue
        files = sorted(p for p in directory.rglob("*")
                       if p.is_file() and p.suffix != ".pyc" and "__pycache__" not in p.parts)
        parts += [part for p in files for part in (f"{number}:{p.relative_to(directory).as_posix()}", p.read_bytes())]
    return digest(*parts)


def code_digest(templates_dir: Path) -> str:
    """Everything besides the data that shapes the generated text: the templates and the generator's code."""
    return digest(str(FORMAT), tree_digest(templates_dir, CODE_DIR))


def file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def content_digest(*chunks: bytes) -> str:
    """The digest of the bytes CHUNKS make one after the other: file_digest of a file holding them."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def write_new(path: Path | str, *chunks: bytes) -> None:
    """A new file at PATH, the CHUNKS one after the other, with the umask's permissions (never written through an
    existing link). Creating
    the file is tried first: on some file systems every metadata call costs a quarter of a millisecond, so the
    directory is made, or an old file removed, only when the first try says so."""
    try:
        f = open(path, "xb")
    except FileExistsError:
        os.unlink(path)
        f = open(path, "xb")
    except FileNotFoundError:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "xb")
    with f:
        for chunk in chunks:
            f.write(chunk)


def forked(function: Callable[[], Any], pickled: bool = False,
           then: Callable[[Any], None] = lambda value: None) -> Callable[[], Any]:
    """FUNCTION() computed by a forked process, on another core, while the caller goes on; the returned callable
    waits for the value (and computes it here if the child failed, so that its error is raised here). PICKLED:
    FUNCTION returns its value pickled already. THEN(value) runs once the value is sent, while the caller
    unpickles it."""
    if not hasattr(os, "fork"):
        value = function()
        then(value)
        return (lambda: pickle.loads(value)) if pickled else (lambda: value)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave at once, running none of the parent's cleanup
        code = 1
        try:
            os.close(read)
            value = function()
            with os.fdopen(write, "wb") as out:
                out.write(value if pickled else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            then(value)
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def result() -> Any:
        with os.fdopen(read, "rb") as source:
            data = source.read()
        try:
            value = pickle.loads(data)
        except Exception:  # cut short: the child failed
            value = None
        _, status = os.waitpid(pid, 0)
        if status == 0:
            return value
        value = function()
        then(value)
        return pickle.loads(value) if pickled else value

    return result


class BuildCache:
    def __init__(self, site_dir: Path, enabled: bool = True):
        self.site_dir, self.root = site_dir, site_dir.parent / f".{site_dir.name}.cache"
        self.enabled = enabled
        self._lock: int | None = None
        self.values: dict[tuple[str, str], Any] = {}  # what this build read or kept, by name and key
        self.memos: dict[tuple[str, str], Memo] = {}

    # --- the lock: one build per site directory at a time ---------------------------------------------------

    def lock(self) -> None:
        """Take the build lock, or raise UsageError at once: a second build must not interleave with the first."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UsageError(f"một lần dựng khác đang xuất bản vào {self.site_dir} "
                                 f"(khoá {self.root / 'lock'}); hãy chờ nó xong") from None
            raise
        self._lock = fd  # released by the kernel when the process ends, however it ends

    def unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # --- single values ---------------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        return self.root / f"{name}.pickle"

    def get(self, name: str, key: str) -> Any | None:
        """The value kept under NAME for KEY; None when there is none, it was kept for another key, or its bytes
        are not the ones written (damaged, cut short by a killed build, another version's). Read once per build,
        so that a stage may ask for it early (build.catalogue_stage reads ahead while the other core parses)."""
        if (name, key) not in self.values:
            self.values[name, key] = self._read(self._path(name), key) if self.enabled else None
        return self.values[name, key]

    def put(self, name: str, key: str, value: Any) -> None:
        self._store(self._path(name), key, value)
        self.values[name, key] = value

    # An entry: the SHA-256 of the rest, the SHA-256 of its key, then the pickled value. A stale entry is known
    # by its first 64 bytes, without reading or unpickling the value.

    def _read(self, path: Path, key: str) -> Any | None:
        try:
            with open(path, "rb") as f:
                check, stored_key = f.read(32), f.read(32)
                if stored_key != hashlib.sha256(key.encode("utf-8")).digest():
                    return None
                payload = f.read()
            if hashlib.sha256(stored_key + payload).digest() != check:
                return None
            return pickle.loads(payload)
        except Exception:  # unreadable in any way: recompute
            return None

    def _store(self, path: Path, key: str, value: Any) -> None:
        self._keep(path, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def _keep(self, path: Path, key: str, payload: bytes) -> None:
        body = hashlib.sha256(key.encode("utf-8")).digest() + payload
        self._write(path, hashlib.sha256(body).digest() + body)

    def remember(self, name: str, key: str, compute: Callable[[], Any]) -> Any:
        """The value kept under NAME for KEY, or COMPUTE's, which is then kept instead."""
        value = self.get(name, key)
        if value is None:
            value = compute()
            self.put(name, key, value)
        return value

    def remember_later(self, name: str, key: str, compute: Callable[[], Any]) -> Callable[[], Any]:
        """As `remember`, but COMPUTE runs in a forked process, on another core, which also keeps its value (once
        it has sent it): the returned callable waits for the value."""
        value = self.get(name, key)
        if value is not None:
            return lambda: value
        return forked(lambda: pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL), pickled=True,
                      then=lambda payload: self._keep(self._path(name), key, payload))

    def drop(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def _write(self, path: Path, content: bytes) -> None:
        """Replace PATH in one step: a killed build leaves the old entry or the new one."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        write_new(temporary, content)
        os.replace(temporary, path)

    # --- memo tables: many results of one stage, each under the digest of what it read -------------------------

    def memo(self, name: str, key: str = "", digits: int | None = None) -> "Memo":
        """A memo table under NAME; KEY is what all its entries depend on (a new KEY starts it afresh). Read once
        per build, like `get`. DIGITS: shards by that many first digits of the keys, for a table of a few large
        entries (see Memo)."""
        if (name, key) not in self.memos:
            self.memos[name, key] = Memo(self, name, key, digits)
        return self.memos[name, key]

    # --- directory trees (MkDocs' output) -----------------------------------------------------------------------

    def tree(self, name: str, key: str) -> dict[str, tuple[Path, str]] | None:
        """The files kept under NAME for KEY, by relative path, with their digests; None when none were kept for
        KEY or when any file no longer has the digest recorded when it was kept."""
        kept = self.root / name
        if not self.enabled:
            return None
        try:
            index = json.loads((kept / "index.json").read_text(encoding="utf-8"))
            if index["key"] != key:
                return None
            files = {path: (kept / "files" / path, value) for path, value in index["files"].items()}
            if any(file_digest(source) != value for source, value in files.values()):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return files

    def tree_index(self, name: str) -> dict[str, str]:
        """The digests, by path, that the files kept under NAME had when they were kept, whatever their key (empty
        when none are kept); the files may have changed since."""
        try:
            files = json.loads((self.root / name / "index.json").read_text(encoding="utf-8"))["files"]
            return files if self.enabled and isinstance(files, dict) else {}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def keep_tree(self, name: str, key: str,
                  build: Callable[[Path], dict[str, str] | None]) -> dict[str, tuple[Path, str]]:
        """Let BUILD write a tree into a fresh directory, keep it under NAME for KEY (replacing what was kept
        before) and return it as `tree` does. BUILD may return the digests of the files it wrote, by path."""
        fresh = self.root / f".{name}.{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        try:
            written = build(fresh / "files") or {}
            files = {path: written.get(path) or file_digest(p) for p in sorted((fresh / "files").rglob("*"))
                     if p.is_file() and (path := p.relative_to(fresh / "files").as_posix())}
            (fresh / "index.json").write_text(json.dumps({"key": key, "files": files}), encoding="utf-8")
            target = self.root / name
            if target.exists():
                shutil.rmtree(target)
            os.rename(fresh, target)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        return {path: (target / "files" / path, value) for path, value in files.items()}

    def clean(self) -> None:
        """Remove what killed builds left: half-written entries (named with a leading dot)."""
        if not self.root.is_dir():
            return
        for leftover in [*self.root.glob(".*"), *self.root.glob("*/.*.pickle.*")]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


class Memo:
    """Results of one stage by the digest of what each read (keys are hex digests). Kept in shards by the
    keys' first digits — 1, 16 or 256 shards as the table grows, so that each holds at most a few hundred
    entries and creating files (a quarter of a millisecond each here) stays cheap — so that a build that changed
    a few results rewrites a few shards; each shard is written back with only the entries this build used."""

    def __init__(self, cache: BuildCache, name: str, key: str = "", digits: int | None = None):
        self.cache, self.directory, self.key, self.digits = cache, cache.root / name, f"{FORMAT}:{key}", digits
        self.shards: dict[str, dict[str, Any]] = {}
        self.files = {path.stem for path in self.directory.glob("*.pickle")} if self.directory.is_dir() else set()
        for name in self.files if cache.enabled else ():
            shard = cache._read(self.directory / f"{name}.pickle", self.key)
            if isinstance(shard, dict):
                self.shards[name] = shard
        self.old = {key: value for shard in self.shards.values() for key, value in shard.items()}
        self.new: dict[str, Any] = {}

    def __call__(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.new:
            self.new[key] = self.old[key] if key in self.old else compute()
        return self.new[key]

    def save(self) -> None:
        shards: dict[str, dict[str, Any]] = {}
        digits = self.digits
        if digits is None:
            digits = 0 if len(self.new) < 500 else 1 if len(self.new) < 8000 else 2
        for key, value in self.new.items():
            shards.setdefault(f"s{key[:digits]}", {})[key] = value
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in set(shards) | self.files:
            if name not in shards:
                (self.directory / f"{name}.pickle").unlink(missing_ok=True)
            elif shards[name].keys() != self.shards.get(name, {}).keys():
                self.cache._store(self.directory / f"{name}.pickle", self.key, shards[name])
        self.shards, self.files = shards, set(shards)  # saved again (a table shared by stages): what changed since
