"""Command line: `congkhai build | check | serve`. Exit 0 = done, 1 = bad data, 2 = bad usage."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from .build import clean_stale, mkdocs_key, prepare, publish, staging_dir
from .cache import BuildCache, link_tree
from .problems import DataError, format_errors, format_warnings

EXIT_DATA = 1
EXIT_USAGE = 2
DATA_ENV = "CONGKHAI_DATA"  # lets `congkhai serve --data` reach the plugin through MkDocs' own rebuilds
# The build date MkDocs writes (sitemap lastmod, the sitemap.xml.gz header). Unset, `congkhai build` uses the
# data's own date, so the same input gives the same bytes whenever it is built.
EPOCH_ENV = "SOURCE_DATE_EPOCH"


class UsageError(Exception):
    pass


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _config(args, **overrides):
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    config_file = Path(args.config_file)
    if not config_file.is_file():
        raise UsageError(f"configuration file not found: {config_file}")
    try:
        config = load_config(str(config_file), **overrides)
    except ConfigurationError as exc:
        raise UsageError(f"invalid {config_file}: {exc}") from None
    if "congkhai" not in config.plugins:
        raise UsageError(f"{config_file} does not enable the «congkhai» plugin")
    return config


def _prepare(args, config, cache=None):
    plugin = config.plugins["congkhai"]
    data_dir, templates_dir = plugin.paths(config)
    if args.data:
        data_dir = Path(args.data).resolve()
    if not data_dir.is_dir():
        raise UsageError(f"data directory not found: {data_dir}")
    try:
        publication = prepare(data_dir, templates_dir, cache)
    except DataError as exc:
        _say(format_errors(exc.report))
        return None
    warnings = format_warnings(publication.report, verbose=args.verbose)
    if warnings:
        _say(warnings)
    plugin.publication = publication
    return publication


def cmd_check(args) -> int:
    config = _config(args)
    publication = _prepare(args, config)
    if publication is None:
        return EXIT_DATA
    _say(f"OK: {len(publication.catalogue.procedures)} procedures, no errors.")
    return 0


def data_epoch(data_dir: Path) -> int:
    """The data's date: the latest modification time of its files, in whole seconds (0 if there are none).
    Hidden files and Excel's lock files (~$…) do not count."""
    times = [p.stat().st_mtime for p in data_dir.rglob("*")
             if p.is_file() and not any(part.startswith((".", "~$")) for part in p.relative_to(data_dir).parts)]
    return int(max(times, default=0))


def _epoch_from_env() -> str | None:
    value = os.environ.get(EPOCH_ENV)
    if value is not None and not value.strip().isdigit():
        raise UsageError(f"{EPOCH_ENV} must be a whole number of seconds since 1970, not {value!r}")
    return value.strip() if value is not None else None


def cmd_build(args) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    from .write import finish

    started = time.perf_counter()
    explicit = _epoch_from_env()
    site_dir = Path(args.site_dir).resolve()
    config = _config(args, strict=args.strict, **({"site_url": args.site_url} if args.site_url else {}))
    cache = BuildCache(site_dir, enabled=not args.full)
    publication = _prepare(args, config, cache)
    if publication is None:
        return EXIT_DATA
    epoch = explicit or str(data_epoch(publication.data_dir))
    clean_stale(site_dir)
    cache.clean()
    staged = staging_dir(site_dir)
    config["site_dir"] = str(staged)
    plugin = config.plugins["congkhai"]
    plugin.previous_site = site_dir if site_dir.is_dir() else None
    key = mkdocs_key(config, publication)
    kept = cache.tree("mkdocs", key)
    plugin.keep_output = None if kept else (lambda output: cache.keep_tree("mkdocs", key, output))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s - %(message)s")
    os.environ[EPOCH_ENV] = epoch
    try:
        if kept:  # MkDocs would write the same files again: link them, then do what follows MkDocs
            link_tree(kept, staged)
            finish(publication, staged, config.get("site_url") or "", plugin.previous_site)
        else:
            build(config)
    except (Abort, MkDocsException) as exc:
        shutil.rmtree(staged, ignore_errors=True)
        _say(f"build failed, nothing was published: {exc}")
        return EXIT_DATA
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        if explicit is None:
            os.environ.pop(EPOCH_ENV, None)
    publish(staged, site_dir, cache)
    _say(f"Published {len(publication.catalogue.procedures)} procedures to {site_dir} "
         f"in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_serve(args) -> int:
    from mkdocs.commands.serve import serve

    if args.data:
        if not Path(args.data).is_dir():
            raise UsageError(f"data directory not found: {args.data}")
        os.environ[DATA_ENV] = str(Path(args.data).resolve())
    _config(args)  # fails early, as a usage error, on a bad configuration
    serve(config_file=args.config_file, open_in_browser=False, livereload=True,
          **({"dev_addr": args.dev_addr} if args.dev_addr else {}))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="congkhai", description="Publish administrative procedures as a static site.")
    commands = root.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--data", metavar="DIR", help="data directory (default: the plugin's `data`, i.e. data/)")
        p.add_argument("-f", "--config-file", default="mkdocs.yml", help="MkDocs configuration (default: mkdocs.yml)")
        p.add_argument("-v", "--verbose", action="store_true", help="list every warning instead of counts")

    build = commands.add_parser("build", help="validate, generate and publish the site atomically")
    common(build)
    build.add_argument("--site-dir", default="site", metavar="DIR", help="output directory (default: site/)")
    build.add_argument("--strict", action="store_true", help="fail on any MkDocs warning")
    build.add_argument("--full", action="store_true", help="rebuild everything without reading the build cache "
                                                           "beside the site (.SITE.cache/); it is refreshed")
    build.add_argument("--site-url", metavar="URL", help="public address of the site (sitemap, canonical links, "
                                                         "instant navigation); overrides mkdocs.yml")
    build.set_defaults(run=cmd_build)

    check = commands.add_parser("check", help="validate the data only")
    common(check)
    check.set_defaults(run=cmd_check)

    serve = commands.add_parser("serve", help="live preview with MkDocs' server")
    common(serve)
    serve.add_argument("-a", "--dev-addr", metavar="IP:PORT", help="address to serve on (default 127.0.0.1:8000)")
    serve.set_defaults(run=cmd_serve)
    return root


def main(argv: list[str] | None = None) -> int:
    # Material prints a multi-line end-of-life notice on every build; README's design notes record it once.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        _say(f"congkhai: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
