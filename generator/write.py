"""Write stage: the site's files from MkDocs' output and the publication — MkDocs' pages with their slots filled,
procedure, field and agency pages filled into the themed shells, open data, search index and the sitemap.

`site_files` says which files the site has and, where it is known without writing them, the digest of each; the
publisher (publish.py) asks for the bytes of the files it must write. A page's digest is memoised by its key
(the digest of the object its template receives, the code and the shell), so an unchanged page is neither
rendered nor written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import multiprocessing as mp
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .cache import content_digest, digest, file_digest, write_new
from .render import BODY_END, BODY_START, SHELL_DESCRIPTION, SHELL_SLUG, SHELL_TITLE, SLOT, Publication, ShellPage

if TYPE_CHECKING:
    from .cache import BuildCache

PATH = "@@ck-path@@"
# The build date MkDocs writes (sitemap lastmod, the sitemap.xml.gz header). Unset, `congkhai build` uses the
# data's own date, so the same input gives the same bytes whenever it is built.
EPOCH_ENV = "SOURCE_DATE_EPOCH"
SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")


class Shell:
    """The theme's rendering of a shell page, cut around its placeholders."""

    def __init__(self, page: str, shell_path: str):
        head, rest = page.split(BODY_START, 1)
        _, tail = rest.split(BODY_END, 1)
        self.head = _unindented(head).replace(f"/{shell_path}/", f"/{PATH}/")  # canonical URL, if site_url is set
        self.tail = _unindented(tail)

    def fill(self, path: str, title: str, description: str, body: str) -> str:
        head = (self.head.replace(PATH, path)
                .replace(SHELL_TITLE, html.escape(title))
                .replace(SHELL_DESCRIPTION, html.escape(description)))
        return head + body + self.tail.replace(SHELL_TITLE, html.escape(title))


def _unindented(html_text: str) -> str:
    """The theme's markup without the indentation of its lines: a quarter of the bytes around each procedure
    page's body (4.5 of 17.5 KB). A run of white space that holds a line break renders as one space, as the line
    break alone does; the shell has no <pre> or <textarea>, where it would not (checked, not assumed)."""
    if "<pre" in html_text or "<textarea" in html_text:
        return html_text
    return _INDENT.sub("\n", html_text)


_INDENT = re.compile(r"\n\s+")


@dataclass
class SiteFiles:
    """Every file of the site by path, with its digest where it is known without producing the file."""

    digests: dict[str, str | None]
    produce: Callable[[dict[str, Path]], dict[str, str]]  # write files (site path → where) → their digests


def filled(page: str, regions: list[str]) -> bytes:
    """A page MkDocs rendered, with its slots filled."""
    for index, region in enumerate(regions):
        page = page.replace(SLOT.format(index), region, 1)
    return page.encode("utf-8")


def site_files(publication: Publication, mkdocs_output: dict[str, tuple[Path, str | None]], site_url: str,
               cache: BuildCache | None) -> SiteFiles:
    """MKDOCS_OUTPUT: MkDocs' files by path, each with where it is and its digest (None: not known)."""
    shell_paths = publication.renderer.shells()
    themed = {path: Shell(mkdocs_output[f"{path}/index.html"][0].read_text(encoding="utf-8"), path)
              for path in shell_paths}
    copied = {path: source for path, source in mkdocs_output.items()
              if path not in SITEMAPS and path not in publication.fills
              and not any(path.startswith(f"{shell}/") for shell in shell_paths)}
    content = {path: filled(mkdocs_output[path][0].read_text(encoding="utf-8"), regions)
               for path, regions in publication.fills.items()}
    content.update(publication.files)
    pages = {f"{page.path}/index.html": page for page in publication.shell_pages}
    content.update(sitemap_files(mkdocs_output.get("sitemap.xml", (None,))[0], site_url,
                                 [page.path for page in publication.shell_pages], build_date()))

    # A page's digest, by its content key and its path (the canonical address is in the page); what every page
    # shares (code, templates, the themed shells) keys the whole table.
    keys = {path: f"{page.key}:{path}" for path, page in pages.items()}
    memo = cache.memo("pages", digest(publication.source, *(s.head + s.tail for s in themed.values()))) \
        if cache else None
    known = memo.old if memo else {}
    digests: dict[str, str | None] = {path: value for path, (_, value) in copied.items()}
    digests.update({path: content_digest(data) for path, data in content.items()})
    digests.update({path: known.get(key) for path, key in keys.items()})

    def produce(targets: dict[str, Path]) -> dict[str, str]:
        result = {}
        to_render = []
        for path, target in targets.items():
            if path in pages:
                to_render.append((pages[path], target))
            elif path in content:
                write_new(target, content[path])
                result[path] = digests[path]
            else:
                source = copied[path][0]
                if source != target:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    link_or_copy(source, target)
                result[path] = copied[path][1] or file_digest(target)
        rendered = render_pages(to_render, themed)
        result.update(rendered)
        if memo is not None:
            for path, key in keys.items():  # every page's key, so that the memo keeps no page that is gone
                value = rendered.get(path) or known.get(key)
                if value:
                    memo.new[key] = value
            memo.save()
        return result

    return SiteFiles(digests, produce)


def link_or_copy(source: Path, target: Path) -> None:
    """TARGET with SOURCE's bytes: a second name for a file the build cache keeps (hundreds of megabytes of open
    data are then published without being written twice), or a copy across file systems. A published file
    changed in place changes the cached one too; both are then known by their status and digest, and made
    again."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# Set in the parent just before the worker processes fork, so they inherit it instead of receiving it pickled.
_JOB: dict = {}


def _render_some(indices: range) -> list[tuple[str, str]]:
    pages, shells = _JOB["pages"], _JOB["shells"]
    done = []
    for i in indices:
        page, target = pages[i]
        text = shells[page.shell].fill(page.path, page.title, page.description, page.body()).encode("utf-8")
        write_new(target, text)
        done.append((f"{page.path}/index.html", content_digest(text)))
    return done


def render_pages(pages: list[tuple[ShellPage, Path]], shells: dict[str, Shell]) -> dict[str, str]:
    """Fill these shell pages and write each where it is paired with, on all cores; their digests by path."""
    _JOB.update(pages=pages, shells=shells)
    try:
        count = min(os.cpu_count() or 1, 8) if len(pages) >= 500 and "fork" in mp.get_all_start_methods() else 1
        parts = [range(k, len(pages), count) for k in range(count)]
        if count == 1:
            results = [_render_some(parts[0])]
        else:
            with mp.get_context("fork").Pool(count) as pool:
                results = pool.map(_render_some, parts)
    finally:
        _JOB.clear()
    return dict(pair for part in results for pair in part)


def write_site(publication: Publication, site_dir: Path, site_url: str) -> None:
    """Plain `mkdocs build`: turn MkDocs' output in SITE_DIR into the whole site, in place."""
    output = {p.relative_to(site_dir).as_posix(): (p, None) for p in site_dir.rglob("*") if p.is_file()}
    files = site_files(publication, output | publication.kept(), site_url, None)
    files.produce({path: site_dir / path for path in files.digests})
    for shell in publication.renderer.shells():
        shutil.rmtree(site_dir / shell, ignore_errors=True)


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


def sitemap_files(mkdocs_sitemap: Path | None, site_url: str, shell_pages: list[str], day: str) -> dict[str, bytes]:
    """sitemap.xml and .gz, written here rather than by MkDocs so that they name the pages filled into shells
    and carry the build's date even when MkDocs' output comes from the build cache. Without site_url, MkDocs'
    rule: an empty sitemap (its addresses must be absolute)."""
    pages = []
    if site_url and mkdocs_sitemap is not None:  # MkDocs' list of its own pages, less the shells
        base = site_url.rstrip("/") + "/"
        pages = [loc for loc in re.findall(r"<loc>([^<]*)</loc>", mkdocs_sitemap.read_text(encoding="utf-8"))
                 if f"/{SHELL_SLUG}/" not in loc]
        pages += [html.escape(base + page + "/") for page in shell_pages]
    entries = "".join(f"    <url>\n         <loc>{loc}</loc>\n         <lastmod>{day}</lastmod>\n    </url>\n"
                      for loc in pages)
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>')
    midnight = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()
    data = text.encode("utf-8")
    return {"sitemap.xml": data, "sitemap.xml.gz": gzip.compress(data, mtime=int(midnight))}
