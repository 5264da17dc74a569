"""Write stage: procedure pages from the themed shell, open-data files, and the sitemap."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from .build import Publication
from .render import BODY_END, BODY_START, SHELL_DESCRIPTION, SHELL_SLUG, SHELL_TITLE


class Shell:
    """The theme's rendering of the shell page, cut around its placeholders."""

    def __init__(self, page: str):
        head, rest = page.split(BODY_START, 1)
        _, self.tail = rest.split(BODY_END, 1)
        self.head = head.replace(f"/{SHELL_SLUG}/", "/{code}/")  # canonical URL, when site_url is set

    def fill(self, code: str, title: str, description: str, body: str) -> str:
        head = (self.head.replace("{code}", code)
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
    return len(codes)


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
