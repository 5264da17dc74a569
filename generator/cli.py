"""Command line: `congkhai build | check | serve`. Exit 0 = done, 1 = bad data, 2 = bad usage."""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path

from .cache import BuildCache, digest, link_tree
from .problems import DataError, format_errors, format_warnings
from .write import EPOCH_ENV, build_epoch

EXIT_DATA = 1
EXIT_USAGE = 2
DATA_ENV = "CONGKHAI_DATA"  # lets `congkhai serve --data` reach the plugin through MkDocs' own rebuilds


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


def configuration_digest(args) -> str | None:
    """The configuration file and every option and environment variable that can change what it says: a rebuild
    that finds the same digest needs not load it (which takes MkDocs and its plugins). None for a configuration
    that inherits from another file."""
    path = Path(args.config_file).resolve()
    if not path.is_file():
        return None
    text = path.read_bytes()
    if b"INHERIT" in text:
        return None
    references = b" ".join(re.findall(rb"!ENV\s+(\[[^\]]*\]|\S+)", text))  # !ENV NAME, !ENV [NAME, …, default]
    names = sorted(set(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", references)))
    environment = [f"{n.decode()}={os.environ.get(n.decode())}" for n in names]
    return digest(str(path), text, *environment, f"{DATA_ENV}={os.environ.get(DATA_ENV)}",
                  repr((args.data and str(Path(args.data).resolve()), args.strict, args.site_url)))


def _prepare(args, config, cache=None):
    from .build import prepare

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
    _say(f"OK: {len(publication.index.listings)} procedures, no errors.")
    return 0


def _epoch_from_env() -> str | None:
    value = os.environ.get(EPOCH_ENV)
    if value is not None and not value.strip().isdigit():
        raise UsageError(f"{EPOCH_ENV} must be a whole number of seconds since 1970, not {value!r}")
    return value.strip() if value is not None else None


def _rebuild(args, site_dir: Path, cache: BuildCache, configuration: str | None, started: float) -> bool:
    """The rebuild in place, when it applies (rebuild.py); False when the full build must run."""
    from .rebuild import NotIncremental, rebuild

    if configuration is None:
        return False
    _epoch_from_env()  # a bad value is a usage error whichever build runs
    try:
        outcome = rebuild(site_dir, cache, configuration)
    except NotIncremental as exc:
        if args.verbose:
            _say(f"Full build: {exc}.")
        return False
    warnings = format_warnings(outcome.report, verbose=args.verbose)
    if warnings:
        _say(warnings)
    _say(f"Published {outcome.procedures} procedures to {site_dir} in {time.perf_counter() - started:.1f} s "
         f"(rebuilt in place: {len(outcome.changed)} changed procedure(s), {outcome.replaced} file(s) replaced, "
         f"{outcome.removed} removed).")
    return True


def cmd_build(args) -> int:
    from .rebuild import finish_journal

    started = time.perf_counter()
    site_dir = Path(args.site_dir).resolve()
    cache = BuildCache(site_dir, enabled=not args.full)
    finish_journal(cache)  # a rebuild killed while it moved files into the site
    configuration = configuration_digest(args)
    if not args.full and _rebuild(args, site_dir, cache, configuration, started):
        return 0
    return _full_build(args, site_dir, cache, configuration, started)


def _full_build(args, site_dir: Path, cache: BuildCache, configuration: str | None, started: float) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    from .build import clean_stale, docs_dirs, mkdocs_key, publish, staging_dir
    from .rebuild import Facts, keep_state
    from .write import finish

    explicit = _epoch_from_env()
    config = _config(args, strict=args.strict, **({"site_url": args.site_url} if args.site_url else {}))
    publication = _prepare(args, config, cache)
    if publication is None:
        return EXIT_DATA
    epoch = build_epoch(publication.data_dir)
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
    if configuration is not None:
        plugin_dirs = plugin.paths(config)
        facts = Facts(publication.data_dir, plugin_dirs[1], docs_dirs(config), config.get("site_url") or "")
        keep_state(cache, configuration, facts, publication, key, site_dir)
    _say(f"Published {len(publication.index.listings)} procedures to {site_dir} "
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
