"""MkDocs plugin: hands the generated pages to MkDocs in memory, then writes the shell pages and open data.

Procedure, field and agency pages sit at the same depth, so MkDocs renders one shell page per kind with the
theme and write.py fills every such page into its shell. Build cost is linear in the catalogue and does not
depend on MkDocs' per-page machinery.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .build import Publication, prepare
from .cli import DATA_ENV
from .problems import DataError, format_errors, format_warnings
from .vietnamese import FOLD_RULES
from .write import finish

log = logging.getLogger("mkdocs.plugins.congkhai")


class CongkhaiConfig(Config):
    data_dir = c.Type(str, default="data")
    templates_dir = c.Type(str, default="templates")


class CongkhaiPlugin(BasePlugin[CongkhaiConfig]):
    def __init__(self) -> None:
        # Set by `congkhai build`, which has already prepared and reported; plain `mkdocs build` prepares here.
        self.publication: Publication | None = None
        # Set by `congkhai build`: the published site, whose unchanged pages the new build reuses, and where to
        # keep MkDocs' own output for the next build.
        self.previous_site: Path | None = None
        self.keep_output: Callable[[Path], None] | None = None

    def paths(self, config) -> tuple[Path, Path]:
        """Data and templates directories; CONGKHAI_DATA, set by `congkhai --data`, overrides the data one."""
        root = Path(config.config_file_path).parent
        data = os.environ.get(DATA_ENV) or root / self.config.data_dir
        return Path(data).resolve(), (root / self.config.templates_dir).resolve()

    def on_config(self, config):
        if self.publication is None:
            data_dir, templates_dir = self.paths(config)
            try:
                self.publication = prepare(data_dir, templates_dir)
            except DataError as exc:
                raise PluginError("\n" + format_errors(exc.report)) from None
            for line in format_warnings(self.publication.report).splitlines():
                log.info(line)
        config.extra["congkhai_fold"] = FOLD_RULES  # the header's search form hands them to congkhai.js
        return config

    def on_files(self, files: Files, config) -> Files:
        for src_uri, content in self.publication.markdown_pages.items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, src_uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV))
        return files

    def on_post_build(self, config) -> None:
        site_dir = Path(config.site_dir)
        if self.keep_output is not None:
            self.keep_output(site_dir)
        finish(self.publication, site_dir, config.get("site_url") or "", self.previous_site)

    def on_serve(self, server, config, builder):
        for path in self.paths(config):
            server.watch(str(path))
        return server
