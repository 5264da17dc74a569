"""Command line: `congkhai build | check | serve | new | convert`. Exit 0 = done, 1 = bad data or the build failed,
2 = bad usage.
The build itself is build.py's; this module parses arguments and prints what happened."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

from .problems import DataError, UsageError, format_errors, format_warnings
from .vietnamese import format_number

EXIT_DATA = 1
EXIT_USAGE = 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _options(args):
    from .build import AS_OF_ENV, Options

    if getattr(args, "as_of", None):
        try:
            dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(f"--as-of {args.as_of}: không phải ngày dạng NNNN-TT-NN, ví dụ 2026-01-31") from None
        os.environ[AS_OF_ENV] = args.as_of  # reaches the plugin through MkDocs' own builds, as --data does
    config_file = Path(args.config_file)
    # Beside the configuration, as MkDocs' own site_dir: a site folder's site, wherever the command is run from.
    site_dir = Path(args.site_dir) if getattr(args, "site_dir", None) else config_file.parent / "site"
    return Options(config_file=config_file, site_dir=site_dir,
                   data_dir=Path(args.data) if args.data else None, strict=getattr(args, "strict", False),
                   site_url=getattr(args, "site_url", None), full=getattr(args, "full", False),
                   force=getattr(args, "force", False), say=_say)


def _warnings(report, verbose: bool) -> None:
    warnings = format_warnings(report, verbose=verbose)
    if warnings:
        _say(warnings)


def cmd_check(args) -> int:
    from .build import data_directory, history_settings, load_configuration, prepare

    options = _options(args)
    config = load_configuration(options)
    data_dir, templates_dir = data_directory(options, config)
    try:
        publication = prepare(data_dir, templates_dir, **history_settings(config))
    except DataError as exc:
        _say(format_errors(exc.report))
        return EXIT_DATA
    _warnings(publication.report, args.verbose)
    _say(f"Hợp lệ: {format_number(len(publication.index.listings))} thủ tục, không có lỗi.")
    return 0


def cmd_build(args) -> int:
    from .build import BuildFailed, build
    from .publish import PublishError

    started = time.perf_counter()
    options = _options(args)
    try:
        publication, summary = build(options)
    except DataError as exc:
        _say(format_errors(exc.report))
        return EXIT_DATA
    except (BuildFailed, PublishError) as exc:
        _say(f"Không dựng được trang, chưa xuất bản gì: {exc}" if isinstance(exc, BuildFailed) else str(exc))
        return EXIT_DATA
    _warnings(publication.report, args.verbose)
    if summary.kept:
        shown = ", ".join(summary.kept[:5]) + (f" và {len(summary.kept) - 5} tệp khác" if len(summary.kept) > 5 else "")
        _say(f"Giữ nguyên {len(summary.kept)} tệp trong thư mục trang mà bản dựng không tạo ra: {shown}.")
    _say(f"Đã xuất bản {format_number(len(publication.index.listings))} thủ tục vào {options.site_dir.resolve()} "
         f"trong {format_number(time.perf_counter() - started, 1)} giây ({summary.written} tệp ghi mới, "
         f"{summary.removed} tệp xoá, {summary.unchanged} tệp không đổi).")
    return 0


def cmd_convert(args) -> int:
    from .convert import convert

    form = "xlsx" if args.xlsx else "json" if args.json else "csv"
    try:
        written, report = convert(Path(args.data), Path(args.out), form)
    except DataError as exc:
        _say(format_errors(exc.report, "không ghi tệp nào"))
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
            raise UsageError(f"không tìm thấy thư mục dữ liệu {args.data}")
        os.environ[DATA_ENV] = str(Path(args.data).resolve())
    load_configuration(_options(args))  # fails early, as a usage error, on a bad configuration
    serve(config_file=args.config_file, open_in_browser=False, livereload=True,
          **({"dev_addr": args.dev_addr} if args.dev_addr else {}))
    return 0


def cmd_new(args) -> int:
    from .new import Values, colour_value, create

    values = Values(name=args.name, contact=args.contact, contact_url=args.contact_url or "", licence=args.licence,
                    licence_url=args.licence_url or "", title=args.title, site_url=args.site_url,
                    colour=colour_value(args.colour) if args.colour else None,
                    logo=Path(args.logo) if args.logo else None)
    directory = Path(args.directory)
    written, kept = create(directory, values, force=args.force)
    where = directory.resolve()
    _say(f"Đã tạo trang của đơn vị trong {where}: {len(written)} tệp.")
    if kept:
        _say(f"Giữ nguyên {len(kept)} tệp đã có: {', '.join(kept)}.")
    missing = values.missing()
    if missing:
        _say(f"Còn phải điền trong mkdocs.yml (extra.publisher): {', '.join(missing)} — các dòng «[ĐIỀN: …]».")
    _say("Tiếp theo:\n"
         "  1. ghi nguồn gốc dữ liệu vào data/README.md, đặt danh mục thủ tục vào data/catalogue/ (ba tệp CSV đã có "
         "sẵn dòng tiêu đề, hoặc một tệp .xlsx) và số liệu thống kê, nếu có, vào data/statistics/\n"
         f"  2. cd {where}\n"
         "  3. congkhai check      (kiểm tra dữ liệu)\n"
         "  4. congkhai serve      (xem thử tại http://127.0.0.1:8000/)\n"
         "  5. congkhai build      (xuất bản vào site/, chép lên máy chủ web; ví dụ tự động: "
         ".github/workflows/publish.yml)")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="congkhai", description="Công khai thủ tục hành chính thành một trang web tĩnh.")
    commands = root.add_subparsers(dest="command", required=True, metavar="LỆNH")

    def common(p):
        p.add_argument("--data", metavar="DIR", help="thư mục dữ liệu (mặc định: data/ cạnh mkdocs.yml)")
        p.add_argument("-f", "--config-file", default="mkdocs.yml", help="tệp cấu hình MkDocs (mặc định: mkdocs.yml)")
        p.add_argument("-v", "--verbose", action="store_true", help="liệt kê từng cảnh báo thay vì đếm theo loại")
        p.add_argument("--as-of", metavar="NNNN-TT-NN", help="ngày của danh mục hiện tại trong lịch sử thay đổi "
                       "(mặc định: ngày của dữ liệu)")

    build = commands.add_parser("build", help="kiểm tra dữ liệu, dựng và xuất bản trang")
    common(build)
    build.add_argument("--site-dir", metavar="DIR",
                       help="thư mục xuất bản (mặc định: site/ cạnh tệp cấu hình mkdocs.yml)")
    build.add_argument("--strict", action="store_true", help="dừng khi MkDocs có bất kỳ cảnh báo nào")
    build.add_argument("--full", action="store_true", help="dựng lại tất cả, không đọc bộ nhớ đệm cạnh trang "
                                                           "(.SITE.cache/); bộ nhớ đệm được làm mới")
    build.add_argument("--force", action="store_true",
                       help="xuất bản vào một thư mục không trống mà congkhai chưa xuất bản (giữ các tệp của nó, "
                            "thay tệp trùng tên)")
    build.add_argument("--site-url", metavar="URL", help="địa chỉ công khai của trang (sitemap, liên kết chuẩn, "
                                                         "liên kết của trang 404); thay giá trị trong mkdocs.yml")
    build.set_defaults(run=cmd_build)

    check = commands.add_parser("check", help="chỉ kiểm tra dữ liệu")
    common(check)
    check.set_defaults(run=cmd_check)

    serve = commands.add_parser("serve", help="xem thử trực tiếp bằng máy chủ của MkDocs")
    common(serve)
    serve.add_argument("-a", "--dev-addr", metavar="IP:PORT", help="địa chỉ phục vụ (mặc định 127.0.0.1:8000)")
    serve.set_defaults(run=cmd_serve)

    new = commands.add_parser("new", help="tạo thư mục trang của một đơn vị (cấu hình, dữ liệu, ví dụ xuất bản)",
                              description="Tạo thư mục trang công khai thủ tục hành chính của một đơn vị. Giá trị "
                                          "không cho ở đây được ghi là «[ĐIỀN: …]» trong mkdocs.yml để sửa sau.")
    new.add_argument("directory", metavar="DIR", help="thư mục mới (hoặc trống)")
    new.add_argument("--name", help="tên đơn vị công bố (ở chân mọi trang)")
    new.add_argument("--contact", help="nơi nhận báo sai sót: địa chỉ, điện thoại, thư điện tử")
    new.add_argument("--contact-url", metavar="URL", help="liên kết của mục liên hệ (mailto:, https: hoặc một trang)")
    new.add_argument("--licence", help="giấy phép dữ liệu, ví dụ «CC BY 4.0»")
    new.add_argument("--licence-url", metavar="URL", help="địa chỉ văn bản giấy phép")
    new.add_argument("--title", default="Công khai thủ tục hành chính", help="tên website (mặc định: %(default)s)")
    new.add_argument("--site-url", metavar="URL", help="địa chỉ công khai của trang (sitemap, liên kết chuẩn)")
    new.add_argument("--colour", metavar="#RRGGBB", help="màu của đơn vị, đủ đậm cho chữ trắng (WCAG AA)")
    new.add_argument("--logo", metavar="FILE", help="biểu trưng (SVG, PNG, JPEG hoặc WebP), chép vào site_src/assets/")
    new.add_argument("--force", action="store_true",
                     help="cho phép thư mục không trống: chỉ tạo các tệp còn thiếu, không ghi đè tệp nào")
    new.set_defaults(run=cmd_new)

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


# argparse's own words (usage, help, its errors), in Vietnamese: argparse looks each up through gettext when it
# prints, so they are swapped for the time of parsing only (`_vietnamese_argparse`), not for the whole process.
ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tuỳ chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không có: %(value)r (chọn một trong %(choices)s)",
    "expected one argument": "cần một giá trị",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "not allowed with argument %s": "không dùng cùng tham số %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tuỳ chọn không rõ: %(option)s có thể là %(matches)s",
}


@contextlib.contextmanager
def _vietnamese_argparse():
    saved = argparse._
    argparse._ = lambda text: ARGPARSE_VI.get(text, text)
    try:
        yield
    finally:
        argparse._ = saved


def main(argv: list[str] | None = None) -> int:
    # Material prints a multi-line end-of-life notice on every build; README's design notes record it once.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with _vietnamese_argparse():
        args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        _say(f"congkhai: lỗi: {exc}")
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
