"""Write stage: procedure pages from the themed shell, open-data files, and the sitemap."""

from __future__ import annotations

import gzip
import html
import re
import shutil
from pathlib import Path

from .build import Publication
from .render import BODY_END, BODY_START, SHELL_DESCRIPTION, SHELL_SLUG, SHELL_TITLE


CODE = "@@ck-code@@"


class Shell:
    """The theme's rendering of the shell page, cut around its placeholders."""

    def __init__(self, page: str):
        head, rest = page.split(BODY_START, 1)
        _, self.tail = rest.split(BODY_END, 1)
        self.head = head.replace(f"/{SHELL_SLUG}/", f"/{CODE}/")  # canonical URL, when site_url is set

    def fill(self, code: str, title: str, description: str, body: str) -> str:
        head = (self.head.replace(CODE, code)
                .replace(SHELL_TITLE, html.escape(title))
                .replace(SHELL_DESCRIPTION, html.escape(description)))
        return head + body + self.tail.replace(SHELL_TITLE, html.escape(title))


def write_procedure_pages(publication: Publication, site_dir: Path, site_url: str) -> int:
    shell_dir = site_dir / "thu-tuc" / SHELL_SLUG
    shell = Shell((shell_dir / "index.html").read_text(encoding="utf-8"))
    shutil.rmtree(shell_dir)
    renderer = publication.renderer
    codes = []
    for p in publication.catalogue.procedures:
        page = shell.fill(p.code, p.name, renderer.procedure_description(p), renderer.procedure_body(p))
        target = site_dir / "thu-tuc" / p.code
        target.mkdir(parents=True, exist_ok=True)
        (target / "index.html").write_text(page, encoding="utf-8")
        codes.append(p.code)
    if site_url:
        write_sitemap(site_dir, site_url, codes)
    return len(codes)


def write_sitemap(site_dir: Path, site_url: str, codes: list[str]) -> None:
    """MkDocs' sitemap lists the shell; list the procedure pages in its place."""
    path = site_dir / "sitemap.xml"
    if not path.exists():
        return
    base = site_url.rstrip("/") + "/thu-tuc/"
    text = re.sub(r"\s*<url>\s*<loc>[^<]*/" + re.escape(SHELL_SLUG) + r"/</loc>.*?</url>", "",
                  path.read_text(encoding="utf-8"), flags=re.DOTALL)
    entries = "".join(f"\n    <url>\n         <loc>{html.escape(base + code)}/</loc>\n    </url>" for code in codes)
    text = text.replace("</urlset>", entries.lstrip("\n") + "\n</urlset>")
    path.write_text(text, encoding="utf-8")
    with gzip.GzipFile(site_dir / "sitemap.xml.gz", "wb", mtime=0) as compressed:
        compressed.write(text.encode("utf-8"))


def write_files(site_dir: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = site_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
