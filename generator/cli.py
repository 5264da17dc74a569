"""Command line: `congkhai build | check | serve | convert`. Exit 0 = done, 1 = bad data or the build failed, 2 = bad usage.
The build itself is build.py's; this module parses arguments and prints what happened."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .problems import DataError, UsageError, format_errors, format_warnings

EXIT_DATA = 1
EXIT_USAGE = 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _options(args):
    from .build import Options

    return Options(config_file=Path(args.config_file), site_dir=Path(getattr(args, "site_dir", "site")),
                   data_dir=Path(args.data) if args.data else None, strict=getattr(args, "strict", False),
                   site_url=getattr(args, "site_url", None), full=getattr(args, "full", False),
                   force=getattr(args, "force", False), say=_say)


def _warnings(report, verbose: bool) -> None:
    warnings = format_warnings(report, verbose=verbose)
    if warnings:
        _say(warnings)


def cmd_check(args) -> int:
    from .build import data_directory, load_configuration, prepare

    options = _options(args)
    config = load_configuration(options)
    data_dir, templates_dir = data_directory(options, config)
    try:
        publication = prepare(data_dir, templates_dir)
    except DataError as exc:
        _say(format_errors(exc.report))
        return EXIT_DATA
    _warnings(publication.report, args.verbose)
    _say(f"OK: {len(publication.index.listings)} procedures, no errors.")
    return 0


def cmd_build(args) -> int:
    from .build import BuildFailed, build
    from .publish import PublishError

    started = time.perf_counter()
    try:
        publication, summary = build(_options(args))
    except DataError as exc:
        _say(format_errors(exc.report))
        return EXIT_DATA
    except (BuildFailed, PublishError) as exc:
        _say(f"build failed, nothing was published: {exc}" if isinstance(exc, BuildFailed) else str(exc))
        return EXIT_DATA
    _warnings(publication.report, args.verbose)
    if summary.kept:
        shown = ", ".join(summary.kept[:5]) + (f" and {len(summary.kept) - 5} more" if len(summary.kept) > 5 else "")
        _say(f"Kept {len(summary.kept)} file(s) in the site directory that the build did not write: {shown}.")
    _say(f"Published {len(publication.index.listings)} procedures to {Path(args.site_dir).resolve()} in "
         f"{time.perf_counter() - started:.1f} s ({summary.written} file(s) written, {summary.removed} removed, "
         f"{summary.unchanged} unchanged).")
    return 0


def cmd_convert(args) -> int:
    from .convert import convert

    form = "xlsx" if args.xlsx else "json" if args.json else "csv"
    try:
        written, report = convert(Path(args.data), Path(args.out), form)
    except DataError as exc:
        _say("\n".join(str(p) for p in exc.report.errors))
        _say(f"{len(exc.report.errors)} lỗi, {len(exc.report.warnings)} cảnh báo: không ghi tệp nào.")
        return EXIT_DATA
    _warnings(report, args.verbose)
    _say(f"Đã ghi {len(written)} tệp vào {Path(args.out).resolve()}: {', '.join(written)}. "
         f"Kiểm tra bằng: congkhai check --data {args.out}")
    return 0


def cmd_serve(args) -> int:
    from mkdocs.commands.serve import serve

    from .build import DATA_ENV, load_configuration

    if args.data:
        if not Path(args.data).is_dir():
            raise UsageError(f"data directory not found: {args.data}")
        os.environ[DATA_ENV] = str(Path(args.data).resolve())
    load_configuration(_options(args))  # fails early, as a usage error, on a bad configuration
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

    build = commands.add_parser("build", help="validate, generate and publish the site")
    common(build)
    build.add_argument("--site-dir", default="site", metavar="DIR", help="output directory (default: site/)")
    build.add_argument("--strict", action="store_true", help="fail on any MkDocs warning")
    build.add_argument("--full", action="store_true", help="rebuild everything without reading the build cache "
                                                           "beside the site (.SITE.cache/); it is refreshed")
    build.add_argument("--force", action="store_true",
                       help="publish into a non-empty directory that congkhai did not publish (its files are kept, "
                            "files of the same name replaced)")
    build.add_argument("--site-url", metavar="URL", help="public address of the site (sitemap, canonical links, "
                                                         "the 404 page's links); overrides mkdocs.yml")
    build.set_defaults(run=cmd_build)

    check = commands.add_parser("check", help="validate the data only")
    common(check)
    check.set_defaults(run=cmd_check)

    serve = commands.add_parser("serve", help="live preview with MkDocs' server")
    common(serve)
    serve.add_argument("-a", "--dev-addr", metavar="IP:PORT", help="address to serve on (default 127.0.0.1:8000)")
    serve.set_defaults(run=cmd_serve)

    convert = commands.add_parser(
        "convert", help="chuyển dữ liệu sang dạng bảng chuẩn (CSV hoặc Excel) hoặc JSON của Cổng",
        description="Đọc mọi dữ liệu mà lệnh build nhận (CSV, Excel, JSON của Cổng Dịch vụ công quốc gia) và ghi ra "
                    "một thư mục dữ liệu mới: danh mục thủ tục dạng bảng chuẩn và số liệu thống kê dạng CSV, để sửa "
                    "trong Excel rồi build.")
    convert.add_argument("--data", metavar="DIR", required=True, help="thư mục dữ liệu cần chuyển")
    convert.add_argument("--out", metavar="OUTDIR", required=True, help="thư mục ghi ra (mới hoặc trống)")
    output = convert.add_mutually_exclusive_group()
    output.add_argument("--xlsx", action="store_true", help="danh mục thành một tệp Excel (.xlsx), mỗi bảng một trang")
    output.add_argument("--json", action="store_true", help="danh mục thành bản ghi JSON theo dạng của Cổng")
    convert.add_argument("-v", "--verbose", action="store_true", help="liệt kê mọi cảnh báo")
    convert.set_defaults(run=cmd_convert)
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


def run() -> None:
    """The command: main(), then the process ends at once. A build leaves millions of objects, some in reference
    cycles that only the garbage collector frees, and freeing them one by one at exit took longer than a small
    rebuild's work (0.7 s of 8 s at 20,000 procedures); everything is written by then (mypy ends the same way)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
