"""The statistics stage alone (build.statistics_stage, in this process, its open data joined in memory as a build
without the cache makes it): the CPU time of each of its parts, the peak memory after each, and with --profile a
cProfile of the whole stage. Not a test: it measures.

    PYTHONPATH=. .venv/bin/python bench/statistics_stage.py bench/out/data-20000 [--profile bench/out/statistics.prof]

(`bench/scale.py --keep` leaves the data of each size in bench/out/data-N.)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from pathlib import Path

from generator import audit, build, charts, figures, metrics, opendata, parse
from generator.mkdocs_plugin import TEMPLATES_DIR
from generator.render import Renderer

# The stage's parts, in the order it runs them: (module the stage reads the function from, its name).
PARTS = [(build, "load_all"), (build, "parse_statistics"), (parse, "statistics_frame"),
         (metrics, "statistics_metrics"), (audit, "findings"), (audit, "count_per_row"), (charts, "build_charts"),
         (opendata, "statistics_files"), (figures, "procedure_figures")]


def peak_mb() -> float:
    """This process's peak resident memory so far."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--profile", type=Path, help="write the stage's cProfile here, and its top 30 beside it")
    args = parser.parse_args()
    gc.disable()  # as a build runs (build.build)
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}

    def timed(module, name: str) -> None:
        function = getattr(module, name)

        def part(*a, **k):
            started = time.process_time()
            value = function(*a, **k)
            if name == "statistics_files":  # its files are made as they are read: read them here
                value = {path: (b"".join(chunks),) for path, chunks in value.items()}
            seconds[name] = seconds.get(name, 0) + time.process_time() - started
            peaks[name] = peak_mb()
            return value

        setattr(module, name, part)

    for module, name in PARTS:
        timed(module, name)
    renderer = Renderer(TEMPLATES_DIR)
    timed(renderer, "statistics_pages")
    profiler = cProfile.Profile() if args.profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    product = build.statistics_stage(args.data, renderer)
    if profiler:
        profiler.disable()
    total = time.process_time() - started
    rows = len(product.statistics) if product.statistics is not None else 0
    print(f"statistics stage: {total:.2f} s CPU, {rows:,} rows, {len(product.procedures):,} procedures with figures, "
          f"peak {peak_mb():,.0f} MB{' (under cProfile)' if profiler else ''}")
    for name, value in seconds.items():
        print(f"  {name:20s} {value:6.2f} s   peak so far {peaks[name]:,.0f} MB")
    if profiler:
        profiler.dump_stats(args.profile)
        with args.profile.with_suffix(".txt").open("w", encoding="utf-8") as f:
            stats = pstats.Stats(str(args.profile), stream=f).strip_dirs()
            for order in ("cumulative", "tottime"):
                stats.sort_stats(order).print_stats(30)


if __name__ == "__main__":
    main()
