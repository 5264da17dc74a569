"""Benchmark: scale the sample catalogue to N procedures, build each with the real CLI, measure time, memory and
output size. Not a test: it asserts nothing about the numbers, it records them.

    .venv/bin/python bench/scale.py [--sizes 2000 20000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"
OUT = ROOT / "bench" / "out"
TABLES = {"procedures": "code", "documents": "procedure_code", "channels": "procedure_code"}

# Peak RSS comes from inside the child: RUSAGE_CHILDREN's ru_maxrss is a maximum over every child so far, so it
# cannot tell the second build from the first, and /usr/bin/time is not always installed.
LAUNCHER = """\
import resource, runpy, sys
side_file = sys.argv.pop(1)
sys.argv[0] = "generator"
try:
    runpy.run_module("generator", run_name="__main__", alter_sys=True)
finally:
    with open(side_file, "w") as f:
        f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def read(table: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "catalogue" / f"{table}.csv", dtype=str, keep_default_na=False)


def scale(size: int, data_dir: Path) -> None:
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
            f"bench/scale.py (copies get codes `<code>.b<k>`). Counts below describe the real sample.\n\n")
    (data_dir / "README.md").write_text(note + readme, encoding="utf-8")


def build(data_dir: Path, site_dir: Path, log: Path) -> dict:
    rss_file = OUT / f".{site_dir.name}.maxrss"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(rss_file),
         "build", "--data", str(data_dir), "--site-dir", str(site_dir)],
        cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    maxrss = int(rss_file.read_text()) if rss_file.exists() else 0
    rss_file.unlink(missing_ok=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-40:])
        sys.exit(f"build of {data_dir} failed (exit {done.returncode}); full log in {log}\n{tail}")
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": maxrss / (2**20 if sys.platform == "darwin" else 2**10),  # bytes on macOS, KiB on Linux
    }


def measure(site_dir: Path) -> dict:
    pages = [p.stat().st_size for p in site_dir.glob("thu-tuc/*/index.html")]
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    return {
        "procedure_pages": len(pages),
        "mean_kb_page": sum(pages) / len(pages) / 1024 if pages else 0.0,
        "max_kb_page": max(pages, default=0) / 1024,
        "total_site_bytes": total,
    }


COLUMNS = [  # (header, key, format)
    ("procedures", "procedures", "{:,}"),
    ("wall s", "wall_s", "{:.1f}"),
    ("CPU s", "cpu_s", "{:.1f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ("pages/s", "pages_per_s", "{:.0f}"),
    ("mean KB/page", "mean_kb_page", "{:.1f}"),
    ("max KB/page", "max_kb_page", "{:.1f}"),
    ("total site MB", "total_site_mb", "{:.1f}"),
]


def table(results: list[dict]) -> str:
    rows = [[h for h, _, _ in COLUMNS]] + [[fmt.format(r[key]) for _, key, fmt in COLUMNS] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000], metavar="N")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and sites (default: delete them)")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        data_dir, site_dir = OUT / f"data-{size}", OUT / f"site-{size}"
        shutil.rmtree(data_dir, ignore_errors=True)  # an earlier, larger run must not leave extra rows behind
        scale(size, data_dir)
        print(f"building {size:,} procedures ...", file=sys.stderr, flush=True)
        result = {"procedures": size, **build(data_dir, site_dir, OUT / f"build-{size}.log"), **measure(site_dir)}
        result["pages_per_s"] = result["procedure_pages"] / result["wall_s"]
        result["total_site_mb"] = result["total_site_bytes"] / 2**20
        results.append(result)
        if not args.keep:
            shutil.rmtree(site_dir)
            shutil.rmtree(data_dir)

    print(table(results))
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {OUT / 'results.json'}; build logs: {OUT}/build-N.log")


if __name__ == "__main__":
    main()
