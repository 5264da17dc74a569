"""Write stage: procedure, field and agency pages from the themed shells, open-data files, and the sitemap."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import multiprocessing as mp
import os
import re
import shutil
from pathlib import Path

from .build import Publication
from .render import BODY_END, BODY_START, SHELL_DESCRIPTION, SHELL_SLUG, SHELL_TITLE


PATH = "@@ck-path@@"
MANIFEST = ".congkhai/pages.json"  # path → content key of every shell page; lets the next build reuse files
CODE_DIRS = (Path(__file__).parent,)


class Shell:
    """The theme's rendering of a shell page, cut around its placeholders."""

    def __init__(self, page: str, shell_path: str):
        head, rest = page.split(BODY_START, 1)
        _, self.tail = rest.split(BODY_END, 1)
        self.head = head.replace(f"/{shell_path}/", f"/{PATH}/")  # canonical URL, when site_url is set

    def fill(self, path: str, title: str, description: str, body: str) -> str:
        head = (self.head.replace(PATH, path)
                .replace(SHELL_TITLE, html.escape(title))
                .replace(SHELL_DESCRIPTION, html.escape(description)))
        return head + body + self.tail.replace(SHELL_TITLE, html.escape(title))


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _source_digest(templates_dir: Path) -> str:
    """Everything besides a page's own data that shapes its body: the templates and the generator's code."""
    files = sorted(p for d in (templates_dir, *CODE_DIRS) for p in d.rglob("*") if p.is_file() and p.suffix != ".pyc")
    return _digest(*(p.read_bytes() for p in files))


# Set in the parent just before the worker processes fork, so they inherit it instead of receiving it pickled.
_JOB: dict = {}


def _write_some(indices: range) -> list[tuple[str, str]]:
    """Write the shell pages with these indices: link the previous build's file when the key is unchanged,
    render otherwise. Returns (path, key) per page."""
    pages, shells, site_dir, previous, old_keys, salt = (
        _JOB[k] for k in ("pages", "shells", "site_dir", "previous", "old_keys", "salt"))
    done = []
    for i in indices:
        page = pages[i]
        key = _digest(salt, page.shell, page.key)
        target = site_dir / page.path / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        if previous is not None and old_keys.get(page.path) == key:
            try:
                os.link(previous / page.path / "index.html", target)
                done.append((page.path, key))
                continue
            except OSError:
                pass  # gone, or another file system: write it
        text = shells[page.shell].fill(page.path, page.title, page.description, page.body())
        target.write_text(text, encoding="utf-8")
        done.append((page.path, key))
    return done


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def write_shell_pages(publication: Publication, site_dir: Path, site_url: str, previous: Path | None) -> int:
    """Fill every shell page, on all cores, reusing the previous build's unchanged pages (hard links: the
    previous site is never modified, and it is removed after the swap)."""
    shells = {path: Shell((site_dir / path / "index.html").read_text(encoding="utf-8"), path)
              for path in publication.renderer.shells()}
    for path in shells:
        shutil.rmtree(site_dir / path, ignore_errors=True)  # one shell may sit inside another
    salt = _digest(_source_digest(publication.renderer.templates), *(s.head + s.tail for s in shells.values()))
    old_keys = {}
    if previous is not None and (previous / MANIFEST).is_file():
        old_keys = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    pages = publication.shell_pages
    _JOB.update(pages=pages, shells=shells, site_dir=site_dir, previous=previous, old_keys=old_keys, salt=salt)
    try:
        count = min(workers(), 8) if len(pages) >= 500 and "fork" in mp.get_all_start_methods() else 1
        parts = [range(k, len(pages), count) for k in range(count)]
        if count == 1:
            results = [_write_some(parts[0])]
        else:
            with mp.get_context("fork").Pool(count) as pool:
                results = pool.map(_write_some, parts)
    finally:
        _JOB.clear()
    keys = dict(sorted(pair for part in results for pair in part))
    (site_dir / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / MANIFEST).write_text(json.dumps(keys, indent=0) + "\n", encoding="utf-8")
    if site_url:
        write_sitemap(site_dir, site_url, sorted(keys))
    return len(keys)


def write_sitemap(site_dir: Path, site_url: str, paths: list[str]) -> None:
    """MkDocs' sitemap lists the shells; list the pages filled into them in their place."""
    path = site_dir / "sitemap.xml"
    if not path.exists():
        return
    base = site_url.rstrip("/") + "/"
    text = re.sub(r"\s*<url>\s*<loc>[^<]*/" + re.escape(SHELL_SLUG) + r"/</loc>.*?</url>", "",
                  path.read_text(encoding="utf-8"), flags=re.DOTALL)
    entries = "".join(f"\n    <url>\n         <loc>{html.escape(base + page)}/</loc>\n    </url>" for page in paths)
    text = text.replace("</urlset>", entries.lstrip("\n") + "\n</urlset>")
    path.write_text(text, encoding="utf-8")
    with gzip.GzipFile(site_dir / "sitemap.xml.gz", "wb", mtime=0) as compressed:
        compressed.write(text.encode("utf-8"))


def write_files(site_dir: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = site_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
