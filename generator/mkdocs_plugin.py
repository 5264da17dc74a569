"""MkDocs plugin: hands the generated pages to MkDocs in memory.

Under `congkhai build` (build.py) MkDocs renders only the generated Markdown pages and the shells; the build
assembles the site from that output. Under plain `mkdocs build` or `mkdocs serve` the plugin prepares the
publication itself and turns MkDocs' output into the whole site in place (write.write_site).

What the generated pages need from the theme ships with this package and is added by the plugin, so a site folder
holds only its own configuration, data and pages (`congkhai new`): the Material overrides and the site's CSS and
JavaScript (THEME_DIR, a theme directory after the site's own `custom_dir`, whose `assets/` MkDocs copies like
Material's) and the page templates (TEMPLATES_DIR).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .build import DATA_ENV, history_settings, prepare
from .problems import DataError, format_errors, format_warnings
from .render import CompiledTemplates, Publication
from .vietnamese import FOLD_RULES, format_day
from .write import build_date, build_epoch, write_site

log = logging.getLogger("mkdocs.plugins.congkhai")

THEME_DIR = Path(__file__).parent / "theme"
TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS = ("assets/congkhai.css", "assets/congkhai.js")  # in THEME_DIR


class CongkhaiConfig(Config):
    data_dir = c.Type(str, default="data")
    # Another templates directory, relative to mkdocs.yml (the tests edit a copy); default: the package's own.
    templates_dir = c.Optional(c.Type(str))
    # Where earlier versions of the catalogue come from: dated snapshots in DIR/history/, or the git commits that
    # changed DIR/catalogue/ (history.py).
    history = c.Choice(("snapshots", "git"), default="snapshots")


class ThemeLoader(jinja2.FileSystemLoader):
    """The theme's template loader, whose list of templates leaves out hidden directories. MkDocs lists every file
    of the theme to copy its static files, then drops those under hidden directories; Material keeps its 14,500
    icons in `.icons/`, whose walk and filtering cost every MkDocs run 0.05 s for nothing (the same 43 files are
    copied either way)."""

    def list_templates(self) -> list[str]:
        found = set()
        for root in self.searchpath:
            for directory, subdirectories, names in os.walk(root, followlinks=self.followlinks):
                subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
                where = os.path.relpath(directory, root)
                found.update(os.path.normpath(os.path.join(where, n)).replace(os.sep, "/") for n in names)
        return sorted(found)


class CongkhaiPlugin(BasePlugin[CongkhaiConfig]):
    def __init__(self) -> None:
        # Set by `congkhai build`, which has already prepared and reported and assembles the site itself.
        self.publication: Publication | None = None
        self.assembled_by_build = False

    def paths(self, config) -> tuple[Path, Path]:
        """Data and templates directories; CONGKHAI_DATA, set by `congkhai --data`, overrides the data one."""
        root = Path(config.config_file_path).parent
        data = os.environ.get(DATA_ENV) or root / self.config.data_dir
        templates = root / self.config.templates_dir if self.config.templates_dir else TEMPLATES_DIR
        return Path(data).resolve(), templates.resolve()

    def on_config(self, config):
        # After the site's own overrides (custom_dir, first), before Material's; the site's own CSS and JavaScript
        # come after ours, so that they win.
        if str(THEME_DIR) not in config.theme.dirs:  # once, should MkDocs hand the same configuration again
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
            config.extra_css.insert(0, ASSETS[0])
            config.extra_javascript.insert(0, ASSETS[1])
        if not self.assembled_by_build:
            data_dir, templates_dir = self.paths(config)
            try:
                self.publication = prepare(data_dir, templates_dir, **history_settings(config))
            except DataError as exc:
                raise PluginError("\n" + format_errors(exc.report)) from None
            for line in format_warnings(self.publication.report).splitlines():
                log.info(line)
        make_env = config.theme.get_env

        def get_env() -> jinja2.Environment:
            env = make_env()
            env.loader = ThemeLoader(env.loader.searchpath)
            return env

        config.theme.get_env = get_env
        config.extra["congkhai_fold"] = FOLD_RULES  # the header's search form hands them to congkhai.js
        # The data's date, in every page's footer and printout: the day the build dates the site by (the sitemap's
        # too), which is the data files' own date unless SOURCE_DATE_EPOCH says otherwise (write.build_epoch).
        day = build_date(build_epoch(self.publication.data_dir))
        config.extra["congkhai_day"], config.extra["congkhai_date"] = day, format_day(day)
        return config

    def on_env(self, env, config, files):
        env.bytecode_cache = CompiledTemplates()  # the theme's templates, compiled once per process
        return env

    def on_files(self, files: Files, config) -> Files:
        for src_uri, content in self.publication.markdown_pages.items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, src_uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV))
        return files

    def on_post_build(self, config) -> None:
        if not self.assembled_by_build:
            write_site(self.publication, Path(config.site_dir), config.get("site_url") or "")

    def on_serve(self, server, config, builder):
        for path in (*self.paths(config), THEME_DIR):
            server.watch(str(path))
        return server
