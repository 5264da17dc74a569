"""Benchmark: scale the sample catalogue to N procedures with synthetic statistics, build each with the real CLI
and the same procedure pages as a plain MkDocs-Material site, measure time, memory and output size. Not a test:
it asserts nothing about the numbers, it records them.

    .venv/bin/python bench/scale.py [--sizes 2000 20000] [--baseline-sizes 2000] [--profile [N]] [--rebuild]
                                    [--history K] [--keep]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

import baseline
import synthetic_history
import synthetic_stats

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"
OUT = ROOT / "bench" / "out"
TABLES = {"procedures": "code", "documents": "procedure_code", "channels": "procedure_code"}
AS_OF = "2026-12-01"  # with --history: the current catalogue's date; the earlier versions are monthly before it
NEW_VERSION_EDITS = 8  # with --history: procedures edited in the new version (one of each kind of edit)

# Runs `python -m MODULE ARGS` in the child. Peak RSS comes from inside the child: RUSAGE_CHILDREN's ru_maxrss is a
# maximum over every child so far, so it cannot tell the second build from the first, and /usr/bin/time is not
# always installed. With a profile path the whole run is profiled (cProfile; pyinstrument is not a dependency).
LAUNCHER = """\
import cProfile, os, resource, runpy, sys
side_file, profile_file, module = sys.argv[1:4]
del sys.argv[1:4]
sys.argv[0] = module
profiler = cProfile.Profile() if profile_file else None
exit_now, main_pid = os._exit, os.getpid()


def write_rss():  # this process's peak, and the largest of the processes it forked and waited for
    with open(side_file, "w") as f:
        f.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} "
                f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")


def leave(code):  # congkhai ends its process at once (generator.cli.run): record the peak first
    if os.getpid() != main_pid:  # a forked worker leaving
        exit_now(code)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_file)
    write_rss()
    exit_now(code)


os._exit = leave
try:
    if profiler:
        profiler.enable()
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_file)
    write_rss()
"""


def read(table: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "catalogue" / f"{table}.csv", dtype=str, keep_default_na=False)


def scale(size: int, data_dir: Path) -> pd.DataFrame:
    """Cycle through the real procedures; copy k >= 1 gets code `<code>.b<k>`, and a per-copy agency so that agency
    pages grow with the catalogue, as in a national catalogue localised per province."""
    real = {table: read(table) for table in TABLES}
    procedures = real["procedures"]
    parts: dict[str, list[pd.DataFrame]] = {table: [] for table in TABLES}
    for k in range(math.ceil(size / len(procedures))):
        chunk = procedures.iloc[: size - k * len(procedures)].copy()
        new_code = dict(zip(chunk["code"], chunk["code"] + (f".b{k}" if k else "")))
        if k:
            chunk["code"] = chunk["code"].map(new_code)
            chunk["name"] = chunk["name"] + f" (bản {k})"
            chunk["agency"] = chunk["agency"].where(chunk["agency"] == "", chunk["agency"] + f" – bản {k}")
        parts["procedures"].append(chunk)
        for table in ("documents", "channels"):
            rows = real[table][real[table]["procedure_code"].isin(new_code.keys())].copy()
            rows["procedure_code"] = rows["procedure_code"].map(new_code)
            parts[table].append(rows)
    (data_dir / "catalogue").mkdir(parents=True, exist_ok=True)
    for table, frames in parts.items():
        pd.concat(frames).to_csv(data_dir / "catalogue" / f"{table}.csv", index=False, encoding="utf-8")
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    note = (f"Synthetic data for benchmarking: the real sample below scaled to {size:,} procedures by "
            f"bench/scale.py (copies get codes `<code>.b<k>`), with synthetic monthly statistics. "
            f"Counts below describe the real sample.\n\n")
    (data_dir / "README.md").write_text(note + readme, encoding="utf-8")
    return pd.concat(parts["procedures"])


def add_statistics(procedures: pd.DataFrame, data_dir: Path, agencies: int, by_procedure: bool) -> int:
    """The real published rows (a few, yearly and quarterly) plus 36 synthetic months per agency and, BY_PROCEDURE,
    24 synthetic months per procedure (a file of their own)."""
    (data_dir / "statistics").mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "statistics" / "published-2019-2021.csv", data_dir / "statistics")
    rows = synthetic_stats.write(procedures, agencies, data_dir / "statistics" / "synthetic-bench.csv")
    if by_procedure:
        rows += synthetic_stats.write_procedures(procedures, data_dir / "statistics" / "synthetic-bench-procedures.csv")
    return rows


def run(module: str, args: list[str], log: Path, profile: Path | None = None) -> dict:
    """`python -m module args` from the repository root, timed; exits with the end of stderr if it fails."""
    rss_file = OUT / f".{log.stem}.maxrss"
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, str(rss_file), str(profile or ""), module, *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    maxrss, child_maxrss = map(int, rss_file.read_text().split()) if rss_file.exists() else (0, 0)
    rss_file.unlink(missing_ok=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-40:])
        sys.exit(f"{module} {' '.join(args)} failed (exit {done.returncode}); full log in {log}\n{tail}")
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": maxrss / (2**20 if sys.platform == "darwin" else 2**10),  # bytes on macOS, KiB on Linux
        "child_rss_mb": child_maxrss / (2**20 if sys.platform == "darwin" else 2**10),
        # Other work on the machine stretches wall time, not CPU time; the load average shows when it did.
        "load_start": load,
        "load_end": os.getloadavg()[0],
    }


def congkhai(data_dir: Path, site_dir: Path, log: Path, profile: Path | None = None, as_of: str | None = None
             ) -> dict:
    timing = run("generator", ["build", "--data", str(data_dir), "--site-dir", str(site_dir),
                               *(["--as-of", as_of] if as_of else [])], log, profile)
    return {**timing, "files_written": files_written(log)}


def month(day: str, months: int) -> str:
    """The first of the month MONTHS after (before, when negative) DAY's month."""
    index = int(day[:4]) * 12 + int(day[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def cache_dir(site_dir: Path) -> Path:
    """The build cache congkhai keeps beside a site (generator/cache.py)."""
    return site_dir.parent / f".{site_dir.name}.cache"


def measure(site_dir: Path) -> dict:
    pages = [p.stat().st_size for p in site_dir.glob("thu-tuc/*/index.html")]
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    return {
        "procedure_pages": len(pages),
        "mean_kb_page": sum(pages) / len(pages) / 1024 if pages else 0.0,
        "max_kb_page": max(pages, default=0) / 1024,
        "total_site_mb": total / 2**20,
    }


def result(build: str, size: int, timing: dict, site_dir: Path) -> dict:
    r = {"build": build, "procedures": size, **timing, **measure(site_dir)}
    r["pages_per_s"] = r["procedure_pages"] / r["wall_s"]
    r["load"] = f"{r['load_start']:.1f}→{r['load_end']:.1f}"
    return r


def rename_one(data_dir: Path) -> None:
    """The smallest real edit: one procedure's name."""
    path = data_dir / "catalogue" / "procedures.csv"
    procedures = pd.read_csv(path, dtype=str, keep_default_na=False)
    procedures.loc[0, "name"] += " (đã sửa)"
    procedures.to_csv(path, index=False, encoding="utf-8")


def add_document(data_dir: Path) -> None:
    """Another small edit: one more document for the first procedure, at the end of documents.csv."""
    path = data_dir / "catalogue" / "procedures.csv"
    code = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=1).loc[0, "code"]
    with (data_dir / "catalogue" / "documents.csv").open("a", encoding="utf-8") as f:
        f.write(f"{code},,Giấy tờ bổ sung (benchmark),1,0,\n")


EDITS = {"rename": rename_one, "document": add_document}


def files_written(log: Path) -> int:
    """How many files `congkhai build` wrote into the site (its last line says so)."""
    found = re.search(r"\((\d+) tệp ghi mới", log.read_text(encoding="utf-8"))
    return int(found[1]) if found else -1


def write_profile(prof: Path, target: Path, top: int = 30) -> None:
    with target.open("w", encoding="utf-8") as f:
        stats = pstats.Stats(str(prof), stream=f).strip_dirs()
        for order in ("cumulative", "tottime"):
            print(f"=== top {top} by {order} ===", file=f)
            stats.sort_stats(order).print_stats(top)


COLUMNS = [  # (header, key, format)
    ("build", "build", "{}"),
    ("procedures", "procedures", "{:,}"),
    ("wall s", "wall_s", "{:.1f}"),
    ("CPU s", "cpu_s", "{:.1f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ("child RSS MB", "child_rss_mb", "{:.0f}"),
    ("pages/s", "pages_per_s", "{:.0f}"),
    ("mean KB/page", "mean_kb_page", "{:.1f}"),
    ("max KB/page", "max_kb_page", "{:.1f}"),
    ("site MB", "total_site_mb", "{:.1f}"),
    ("files written", "files_written", "{:,}"),
    ("load", "load", "{}"),
]


def table(results: list[dict]) -> str:
    rows = [[h for h, _, _ in COLUMNS]] + [[fmt.format(r[key]) if key in r else "—" for _, key, fmt in COLUMNS]
                                           for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000], metavar="N")
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[2000], metavar="N",
                        help="sizes (among --sizes) also built as a plain MkDocs-Material site (default 2000; "
                             "give none to skip)")
    parser.add_argument("--stat-agencies", type=int, default=500, metavar="K",
                        help="synthetic statistics for at most K agencies, those with most procedures (default 500)")
    parser.add_argument("--no-procedure-stats", dest="procedure_stats", action="store_false",
                        help="leave out the synthetic procedure rows (by default every procedure has 24 months)")
    parser.add_argument("--profile", type=int, nargs="?", const=2000, metavar="N",
                        help="also build size N (default 2000) under cProfile; top functions in profile-N.txt")
    parser.add_argument("--rebuild", action="store_true",
                        help="after each full build, make one small edit (rename a procedure, then add a document) "
                             "and build again into the same site after each")
    parser.add_argument("--history", type=int, default=0, metavar="K",
                        help="also build with K-1 earlier versions of the catalogue (history/, monthly before "
                             f"{AS_OF}, seeded), then after one new version with {NEW_VERSION_EDITS} procedures "
                             "edited (default 0: no history)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and sites (default: delete them)")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes) | ({args.profile} if args.profile else set()))

    OUT.mkdir(parents=True, exist_ok=True)
    results, ratios, rebuilds, stat_rows, history = [], {}, {}, {}, {}
    for size in sizes:
        data_dir, site_dir = OUT / f"data-{size}", OUT / f"site-{size}"
        for stale in (data_dir, site_dir, cache_dir(site_dir), OUT / f"baseline-{size}"):
            shutil.rmtree(stale, ignore_errors=True)  # an earlier, larger run must not leave extra rows behind
        procedures = scale(size, data_dir)
        stat_rows[size] = add_statistics(procedures, data_dir, args.stat_agencies, args.procedure_stats)
        print(f"{size:,} procedures, {stat_rows[size]:,} statistics rows", file=sys.stderr, flush=True)

        if size in args.sizes:
            print("  congkhai build ...", file=sys.stderr, flush=True)
            full = result("congkhai", size, congkhai(data_dir, site_dir, OUT / f"build-{size}.log"), site_dir)
            results.append(full)
            for edit in EDITS if args.rebuild else ():
                print(f"  congkhai rebuild after one edit ({edit}) ...", file=sys.stderr, flush=True)
                EDITS[edit](data_dir)
                log = OUT / f"rebuild-{edit}-{size}.log"
                again = result(f"rebuild ({edit})", size, congkhai(data_dir, site_dir, log), site_dir)
                results.append(again)
                rebuilds.setdefault(size, {})[edit] = again["wall_s"] / full["wall_s"] * 100

        if size in args.baseline_sizes and size in args.sizes:
            print("  baseline MkDocs-Material build ...", file=sys.stderr, flush=True)
            base_dir = OUT / f"baseline-{size}"
            baseline.write_site(data_dir, base_dir)
            timing = run("mkdocs", ["build", "-f", str(base_dir / "mkdocs.yml")],
                         OUT / f"baseline-{size}.log")
            results.append(result("baseline", size, timing, base_dir / "site"))
            # CPU time too: on a shared machine it moves less than wall time.
            ratios[size] = {"wall": results[-1]["wall_s"] / full["wall_s"], "cpu": results[-1]["cpu_s"] / full["cpu_s"]}
            if not args.keep:
                shutil.rmtree(base_dir)

        history_site = OUT / f"site-{size}-history"
        if args.history > 1 and size in args.sizes:
            if args.rebuild:  # the catalogue the full build had: rewritten by procedure, an appended row would move
                scale(size, data_dir)
            dates = [month(AS_OF, -k) for k in range(1, args.history)]
            edited = synthetic_history.write_versions(data_dir, dates)
            print(f"  congkhai build with {args.history - 1} earlier versions ({edited:,} procedures edited) ...",
                  file=sys.stderr, flush=True)
            shutil.rmtree(history_site, ignore_errors=True)
            shutil.rmtree(cache_dir(history_site), ignore_errors=True)  # cold: a fresh site and build cache
            log = OUT / f"build-history-{size}.log"
            with_history = result(f"with history ({args.history} versions)", size,
                                  congkhai(data_dir, history_site, log, as_of=AS_OF), history_site)
            results.append(with_history)
            history[size] = {"versions": args.history, "procedures_edited": edited, "overhead_percent": {
                unit: (with_history[key] / full[key] - 1) * 100 for unit, key in (("wall", "wall_s"), ("cpu", "cpu_s"))}}

        if size == args.profile:  # with --history, the data has its earlier versions now
            print("  congkhai build under cProfile ...", file=sys.stderr, flush=True)
            prof = OUT / f"profile-{size}.prof"
            profiled = OUT / f"site-profile-{size}"
            shutil.rmtree(cache_dir(profiled), ignore_errors=True)  # a full build, as timed above
            congkhai(data_dir, profiled, OUT / f"profile-{size}.log", prof, AS_OF if size in history else None)
            write_profile(prof, OUT / f"profile-{size}.txt")
            shutil.rmtree(profiled)
            shutil.rmtree(cache_dir(profiled), ignore_errors=True)

        if size in history:
            print(f"  congkhai rebuild after one new version ({NEW_VERSION_EDITS} procedures edited) ...",
                  file=sys.stderr, flush=True)
            synthetic_history.new_version(data_dir, AS_OF, NEW_VERSION_EDITS)
            log = OUT / f"rebuild-new-version-{size}.log"
            again = result("rebuild (new version)", size,
                           congkhai(data_dir, history_site, log, as_of=month(AS_OF, 1)), history_site)
            results.append(again)
            history[size]["new_version_percent_of_full"] = {
                unit: again[key] / with_history[key] * 100 for unit, key in (("wall", "wall_s"), ("cpu", "cpu_s"))}

        if not args.keep:
            for site in (site_dir, history_site):
                shutil.rmtree(site, ignore_errors=True)
                shutil.rmtree(cache_dir(site), ignore_errors=True)
            shutil.rmtree(data_dir)

    print(table(results))
    for size, ratio in ratios.items():
        print(f"{size:,}: baseline / congkhai: wall {ratio['wall']:.1f}×, CPU {ratio['cpu']:.1f}×")
    for size, shares in rebuilds.items():
        for edit, share in shares.items():
            print(f"{size:,}: rebuild after one edit ({edit}) = {share:.1f}% of the full build")
    for size, h in history.items():
        print(f"{size:,}: {h['versions'] - 1} earlier versions add {h['overhead_percent']['wall']:.1f}% wall, "
              f"{h['overhead_percent']['cpu']:.1f}% CPU to the full build; after one new version, a rebuild takes "
              f"{h['new_version_percent_of_full']['wall']:.1f}% (CPU {h['new_version_percent_of_full']['cpu']:.1f}%) "
              f"of the full build with history")
    summary = {"cores": os.cpu_count(), "statistics_rows": stat_rows, "stat_agencies_cap": args.stat_agencies,
               "procedure_statistics": args.procedure_stats,
               "builds": results, "baseline_over_congkhai": ratios, "rebuild_percent_of_full": rebuilds,
               "history": history}
    (OUT / "results.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {OUT / 'results.json'}; logs: {OUT}/*.log"
          + (f"; profile: {OUT / f'profile-{args.profile}.txt'}" if args.profile else ""))


if __name__ == "__main__":
    main()
