"""How long, and how much memory, reading a statistics workbook takes when its used range claims the whole sheet.

Excel exports often carry one formatted empty cell at the bottom of a sheet (row 1,048,576), so the sheet's used
range claims a million rows although the file weighs 10 KB. This builds such a workbook (a tidy statistics sheet
of three rows and a bold empty cell at M1048576), then reads it with `load.load_all` in a fresh process and prints
the time, the peak resident memory and what the reader reported. A measurement, not a test.

    PYTHONPATH=. .venv/bin/python bench/workbook_bounds.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROWS = 1_048_576


def make(data: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Font

    (data / "statistics").mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "bieu-06"
    sheet.append(["period", "level", "agency", "received_total", "resolved_total", "pending_total"])
    sheet.append(["2024-Q1", "tinh", "Sở Tư pháp", 120, 100, 20])
    sheet.append(["2024-Q1", "huyen", "UBND huyện A", 80, 70, 10])
    sheet.cell(ROWS, 13).font = Font(bold=True)  # formatted, empty: the used range is now A1:M1048576
    path = data / "statistics" / "bieu-06.xlsx"
    book.save(path)
    return path


def measure(data: Path) -> dict:
    """In this process (run by main in a child): read the statistics folder, report time, peak memory, problems."""
    from generator.load import load_all
    from generator.problems import Report
    from generator.schema import STATISTICS

    report = Report()
    start = time.perf_counter()
    tables = load_all(data / "statistics", STATISTICS, data, report)
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "rows": sum(len(t.rows) for t in tables or []), "problems": [str(p) for p in report.problems]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/workbook-bounds"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.out)))
        return
    path = make(args.out)
    print(f"{path}: {path.stat().st_size:,} bytes")
    result = subprocess.run([sys.executable, __file__, "--child", "--out", str(args.out)], capture_output=True,
                            text=True, check=True)
    print(json.dumps(json.loads(result.stdout), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
