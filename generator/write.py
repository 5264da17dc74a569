"""Write stage: procedure, field and agency pages from the themed shells, open-data files, and the sitemap."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import multiprocessing as mp
import os
import re
import shutil
from pathlib import Path

from .build import Publication
from .cache import digest
from .render import BODY_END, BODY_START, SHELL_DESCRIPTION, SHELL_SLUG, SHELL_TITLE, SLOT


PATH = "@@ck-path@@"
# The build date MkDocs writes (sitemap lastmod, the sitemap.xml.gz header). Unset, `congkhai build` uses the
# data's own date, so the same input gives the same bytes whenever it is built.
EPOCH_ENV = "SOURCE_DATE_EPOCH"
MANIFEST = ".congkhai/pages.json"  # path → content key of every shell page; lets the next build reuse files


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


# Set in the parent just before the worker processes fork, so they inherit it instead of receiving it pickled.
_JOB: dict = {}


def _write_some(indices: range) -> list[tuple[str, str]]:
    """Write the shell pages with these indices: link the previous build's file when the key is unchanged,
    render otherwise. Returns (path, key) per page."""
    pages, shells, site_dir, previous, old_keys, keys = (
        _JOB[k] for k in ("pages", "shells", "site_dir", "previous", "old_keys", "keys"))
    done = []
    for i in indices:
        page, key = pages[i], keys[i]
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
        _replace(target, text.encode("utf-8"))
        done.append((page.path, key))
    return done


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _replace(path: Path, content: bytes) -> None:
    """Write a new file at PATH: unlink first, so that a hard link to the previous site or to the build cache
    is never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_bytes(content)


def finish(publication: Publication, site_dir: Path, site_url: str, previous: Path | None) -> None:
    """Everything written after MkDocs (or after MkDocs' output was taken from the build cache)."""
    for path, regions in publication.fills.items():
        _replace(site_dir / path, filled((site_dir / path).read_text(encoding="utf-8"), regions))
    pages = write_shell_pages(publication, site_dir, previous)
    write_files(site_dir, publication.files)
    write_files(site_dir, sitemap_files(site_dir, site_url, pages, build_date()))


def filled(page: str, regions: list[str]) -> bytes:
    """A page MkDocs rendered, with its slots filled."""
    for index, region in enumerate(regions):
        page = page.replace(SLOT.format(index), region, 1)
    return page.encode("utf-8")


def shells(mkdocs_output: Path, shell_paths) -> dict[str, Shell]:
    return {path: Shell((mkdocs_output / path / "index.html").read_text(encoding="utf-8"), path)
            for path in shell_paths}


def page_keys(publication: Publication, shells: dict[str, Shell]) -> list[str]:
    """The key of each shell page as the manifest records it: its content key, its shell and what every page
    shares (code, templates, the themed shells)."""
    salt = digest(publication.source, *(s.head + s.tail for s in shells.values()))
    return [digest(salt, page.shell, page.key) for page in publication.shell_pages]


def write_shell_pages(publication: Publication, site_dir: Path, previous: Path | None) -> list[str]:
    """Fill every shell page, on all cores, reusing the previous build's unchanged pages (hard links: the
    previous site is never modified, and it is removed after the swap)."""
    themed = shells(site_dir, publication.renderer.shells())
    for path in themed:
        shutil.rmtree(site_dir / path, ignore_errors=True)  # one shell may sit inside another
    old_keys = {}
    if previous is not None and (previous / MANIFEST).is_file():
        old_keys = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    pages = publication.shell_pages
    _JOB.update(pages=pages, shells=themed, site_dir=site_dir, previous=previous, old_keys=old_keys,
                keys=page_keys(publication, themed))
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
    _replace(site_dir / MANIFEST, manifest(keys))
    return list(keys)


def manifest(keys: dict[str, str]) -> bytes:
    return (json.dumps(keys, indent=0) + "\n").encode("utf-8")


def data_epoch(data_dir: Path) -> int:
    """The data's date: the latest modification time of its files, in whole seconds (0 if there are none).
    Hidden files and Excel's lock files (~$…) do not count."""
    times = [p.stat().st_mtime for p in data_dir.rglob("*")
             if p.is_file() and not any(part.startswith((".", "~$")) for part in p.relative_to(data_dir).parts)]
    return int(max(times, default=0))


def build_epoch(data_dir: Path) -> str:
    """The date `congkhai build` gives MkDocs: SOURCE_DATE_EPOCH if set, else the data's own date."""
    return os.environ.get(EPOCH_ENV) or str(data_epoch(data_dir))


def build_date(epoch: str | None = None) -> str:
    """The build's day, by MkDocs' rule (mkdocs.utils.get_build_date): SOURCE_DATE_EPOCH if set, else today
    (UTC)."""
    epoch = epoch or os.environ.get(EPOCH_ENV)
    utc = dt.timezone.utc
    moment = dt.datetime.now(utc) if epoch is None else dt.datetime.fromtimestamp(int(epoch), utc)
    return moment.strftime("%Y-%m-%d")


def sitemap_files(mkdocs_output: Path, site_url: str, shell_pages: list[str], day: str) -> dict[str, bytes]:
    """sitemap.xml and .gz, written here rather than by MkDocs so that they name the pages filled into shells
    and carry the build's date even when MkDocs' output comes from the build cache. Without site_url, MkDocs'
    rule: an empty sitemap (its addresses must be absolute)."""
    pages = []
    mkdocs_sitemap = mkdocs_output / "sitemap.xml"
    if site_url and mkdocs_sitemap.exists():  # MkDocs' list of its own pages, less the shells
        base = site_url.rstrip("/") + "/"
        pages = [loc for loc in re.findall(r"<loc>([^<]*)</loc>", mkdocs_sitemap.read_text(encoding="utf-8"))
                 if not loc.endswith(f"/{SHELL_SLUG}/")]
        pages += [html.escape(base + page + "/") for page in shell_pages]
    entries = "".join(f"    <url>\n         <loc>{loc}</loc>\n         <lastmod>{day}</lastmod>\n    </url>\n"
                      for loc in pages)
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>')
    midnight = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()
    data = text.encode("utf-8")
    return {"sitemap.xml": data, "sitemap.xml.gz": gzip.compress(data, mtime=int(midnight))}


def write_files(site_dir: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        _replace(site_dir / name, content)
