"""The build cache: what a build keeps so that the next one redoes only what its input changed.

It sits beside the site (`.<site>.cache/`, on the same file system, so that files can be hard-linked) and holds
results keyed by a digest of everything they depend on: the statistics stage's pages and files, and MkDocs' own
output. A missing, stale or damaged entry is simply recomputed; `congkhai build --full` does not read the cache
(and refreshes it).
The previous site is removed from here too, by a background process, so that publishing does not wait for it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the layout of a cached value changes
CODE_DIR = Path(__file__).parent


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def tree_digest(*directories: Path) -> str:
    """Paths and bytes of every file under the directories (compiled Python excepted)."""
    files = sorted(p for d in directories if d.is_dir() for p in d.rglob("*")
                   if p.is_file() and p.suffix != ".pyc" and "__pycache__" not in p.parts)
    return digest(*(part for p in files for part in (p.as_posix(), p.read_bytes())))


def code_digest(templates_dir: Path) -> str:
    """Everything besides the data that shapes the generated text: the templates and the generator's code."""
    return digest(str(FORMAT), tree_digest(templates_dir, CODE_DIR))


def link_tree(source: Path, target: Path) -> None:
    """Recreate SOURCE's files under TARGET as hard links (copies across file systems)."""
    for directory, _, names in os.walk(source):
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            try:
                os.link(Path(directory) / name, target / relative / name)
            except OSError:
                shutil.copy2(Path(directory) / name, target / relative / name)


def remove_in_background(path: Path) -> None:
    """Delete PATH from a detached process: a large site takes seconds to unlink and nobody needs to wait."""
    subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                      str(path)], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, close_fds=True)


class BuildCache:
    def __init__(self, site_dir: Path, enabled: bool = True):
        self.root = site_dir.parent / f".{site_dir.name}.cache"
        self.enabled = enabled

    def _path(self, name: str) -> Path:
        return self.root / f"{name}.pickle"

    def get(self, name: str, key: str) -> Any | None:
        if not self.enabled:
            return None
        try:
            with open(self._path(name), "rb") as f:
                stored_key, value = pickle.load(f)
        except Exception:  # missing, cut short by a killed build, or from another version: recompute
            return None
        return value if stored_key == key else None

    def put(self, name: str, key: str, value: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=f".{name}-", delete=False) as f:
            pickle.dump((key, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, self._path(name))

    def drop(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def tree(self, name: str, key: str) -> Path | None:
        """The files kept under NAME, if they were kept for KEY."""
        kept = self.root / name
        if not self.enabled or not (kept / "key").is_file():
            return None
        return kept / "files" if (kept / "key").read_text(encoding="utf-8") == key else None

    def keep_tree(self, name: str, key: str, source: Path) -> None:
        """Keep a linked copy of SOURCE's files under NAME for KEY, replacing what was kept before."""
        self.root.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.root))
        link_tree(source, fresh / "files")
        (fresh / "key").write_text(key, encoding="utf-8")
        if (self.root / name).exists():
            self.discard(self.root / name)
        os.rename(fresh, self.root / name)

    def discard(self, path: Path) -> None:
        """Move PATH into the cache (one rename) and delete it there in the background."""
        self.root.mkdir(parents=True, exist_ok=True)
        trash = Path(tempfile.mkdtemp(prefix="trash-", dir=self.root))
        os.rename(path, trash / path.name)
        remove_in_background(trash)

    def clean(self) -> None:
        """Remove what killed builds left: half-written entries, and trash whose deletion was cut short."""
        if not self.root.is_dir():
            return
        for leftover in self.root.glob(".*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        for trash in self.root.glob("trash-*"):
            remove_in_background(trash)
