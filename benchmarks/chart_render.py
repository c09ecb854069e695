"""Drawing the newsletter's and the report's charts, and making the quarterly report's PDF.

    python -m benchmarks.chart_render [--runs 50] [--cold 5] [--pdf-runs 10]

Cold: `--cold` fresh interpreters each import domain.charts (which does not import matplotlib), then start
the clock, import matplotlib (as the first chart does) and draw one 12-month activity chart; the import and
the first drawing are timed apart inside the child, so Python's own start-up is left out. The same for the
PDF: a fresh interpreter draws the four charts, then imports WeasyPrint and makes one full report PDF.
matplotlib builds its font cache on the very first run on a machine (in ~/.cache/matplotlib); that run is
slower and is not one of these unless the cache was missing.

Warm, in this process after one untimed run of each: the 12-month activity chart drawn `--runs` times (p50,
p95, max), the four standard charts together, and the full report's PDF `--pdf-runs` times. The report is a
busy quarter: 12 partner organisations and 40 impact statements of a few sentences.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from domain import charts as c
from domain import report as r

ROOT = Path(__file__).resolve().parent.parent
COLD_CHART = """
import json, sys, time
from benchmarks.chart_render import year_of_months
from domain import charts
assert "matplotlib" not in sys.modules
started = time.perf_counter()
import matplotlib.figure, matplotlib.backends.backend_agg
imported = time.perf_counter()
charts.activity_chart(year_of_months())
print(json.dumps({"import": imported - started, "render": time.perf_counter() - imported}))
"""
COLD_PDF = """
import json, sys, time
from benchmarks.chart_render import full_report
from domain import report
current, previous, charts = full_report()
assert "weasyprint" not in sys.modules
started = time.perf_counter()
import weasyprint
imported = time.perf_counter()
pdf = report.report_pdf(current, previous, charts)
print(json.dumps({"import": imported - started, "render": time.perf_counter() - imported, "bytes": len(pdf)}))
"""


def year_of_months() -> list[c.MonthFigures]:
    """December 2025 to November 2026, every series non-zero."""
    firsts = [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 12)]
    return [
        c.MonthFigures(
            month=first,
            shares=4 + i + i // 3,
            requests=9 - i // 2,
            offers=5 + i % 4,
            resolved=1 + i % 3,
            median_days_to_help=None if i == 4 else 6.5 - i * 0.4,
            agreements_started=i % 3,
            agreements_ended=1 if i % 5 == 0 else 0,
            reviews_on_time=2 + i % 2,
            reviews_late=1 if i % 4 == 3 else 0,
        )
        for i, first in enumerate(firsts)
    ]


def full_report() -> tuple[r.QuarterFigures, r.QuarterFigures, dict[str, c.Chart]]:
    q3 = r.parse_quarter("2026-Q3", dt.date(2026, 11, 27))
    partners = tuple(c.PartnerCredit(f"Partner organisation {i}", 14 - i) for i in range(12))
    impact = tuple(
        r.ImpactStatement(
            f"Statement {i}: attendance rose and young people said they felt heard. " * 3,
            f"Share {i}",
            None if i % 2 else "Priya Shah",
        )
        for i in range(40)
    )
    numbers = {
        "shares": 41,
        "requests": 17,
        "offers": 26,
        "median_days_to_help": 2.5,
        "resolved": 12,
        "agreements_active": 9,
        "agreements_started": 4,
        "agreements_ended": 2,
        "reviews_on_time": 14,
        "reviews_late": 3,
        "meetups": 6,
        "attendance": 143,
    }
    current = r.QuarterFigures(q3, "Riverside & District Council", partners=partners, impact=impact, **numbers)
    before = {key: int(number * 0.8) for key, number in numbers.items()}
    previous = r.QuarterFigures(q3.previous(), "Riverside & District Council", partners=partners[:8], **before)
    months = [m for m in year_of_months() if q3.start <= m.month <= q3.end]
    return current, previous, c.standard_charts(months, partners)


def cold(code: str, runs: int) -> list[dict[str, float]]:
    return [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.splitlines()[-1]
        )
        for _ in range(runs)
    ]


def timed(action, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18] if len(timings) > 1 else timings[0]
    return f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--pdf-runs", type=int, default=10)
    args = parser.parse_args()

    for what, code in (
        ("matplotlib import + first activity chart", COLD_CHART),
        ("WeasyPrint import + first PDF", COLD_PDF),
    ):
        runs = cold(code, args.cold)
        imports = [run["import"] * 1000 for run in runs]
        drawing = [run["render"] * 1000 for run in runs]
        totals = [a + b for a, b in zip(imports, drawing, strict=True)]
        print(
            f"cold {what}, {args.cold} fresh interpreters: median {statistics.median(totals):.0f} ms "
            f"(import {statistics.median(imports):.0f} ms, drawing {statistics.median(drawing):.0f} ms), "
            f"range {min(totals):.0f} to {max(totals):.0f} ms"
        )

    months = year_of_months()
    chart = c.activity_chart(months)  # warm-up, untimed
    warm = timed(lambda: c.activity_chart(months), args.runs)
    print(f"warm 12-month activity chart, {args.runs} runs: {summary(warm)}")
    print(f"  {chart.width}x{chart.height} PNG, {len(chart.png) / 1024:.0f} KiB")
    partners = [c.PartnerCredit(f"Partner organisation {i}", 14 - i) for i in range(12)]
    four = timed(lambda: c.standard_charts(months, partners), max(5, args.runs // 5))
    print(f"warm four standard charts together, {len(four)} runs: {summary(four)}")

    current, previous, charts = full_report()
    pdf = r.report_pdf(current, previous, charts)  # warm-up, untimed
    pdfs = timed(lambda: r.report_pdf(current, previous, charts), args.pdf_runs)
    print(f"warm full report PDF (4 charts, 12 partners, 40 statements), {args.pdf_runs} runs: {summary(pdfs)}")
    import weasyprint

    pages = len(weasyprint.HTML(string=r.report_html(current, previous, charts)).render().pages)
    print(f"  {len(pdf) / 1024:.0f} KiB, {pages} A4 pages")


if __name__ == "__main__":
    main()
