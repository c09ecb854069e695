"""Drawing the newsletter's and the report's charts, and making the quarterly report's PDF; and a 12-month activity
chart read from a workspace of 100,000 shares.

    python -m benchmarks.chart_render [--runs 50] [--cold 5] [--pdf-runs 10] [--query-runs 50]
    python -m benchmarks.chart_render --only-query [--database-url URL]

Cold: `--cold` fresh interpreters each import domain.charts (which does not import matplotlib), then start
the clock, import matplotlib (as the first chart does) and draw one 12-month activity chart; the import and
the first drawing are timed apart inside the child, so Python's own start-up is left out. The same for the
PDF: a fresh interpreter draws the four charts, then imports WeasyPrint and makes one full report PDF.
matplotlib builds its font cache on the very first run on a machine (in ~/.cache/matplotlib); that run is
slower and is not one of these unless the cache was missing.

Warm, in this process after one untimed run of each: the 12-month activity chart drawn `--runs` times (p50,
p95, max), the four standard charts together, and the full report's PDF `--pdf-runs` times. The report is a
busy quarter: 12 partner organisations and 40 impact statements of a few sentences.

With the query: one workspace holds 100,000 shares over the two years before NOW, 20,000 requests (70% resolved)
with 0 to 3 offers each, and another workspace 20,000 shares of its own. What is timed (warm, `--query-runs`
times, each in its own session as a job opens one) is what `/talks chart activity 12 months` does before
uploading: storage.figures.month_figures for the twelve months, then domain.charts.activity_chart; and the query
alone. Without --database-url it runs on a fresh SQLite file and on a PostgreSQL database `bench_charts` it
creates at --postgres-admin-url and drops afterwards. Exits 1 if the p95 of query and chart misses 500 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from benchmarks.databases import POSTGRES_ADMIN_URL, fresh_postgres
from domain import charts as c
from domain import report as r
from storage.db import make_engine, make_sessions, migrate
from storage.figures import last_months, month_figures
from storage.models import CollabOffer, CollabRequest, Share

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


# ---- a 12-month activity chart from a workspace of 100,000 shares -------------------------------------------------

BUSY, OTHER = "T_BUSY", "T_OTHER"
SHARES, OTHER_SHARES, REQUESTS = 100_000, 20_000, 20_000
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
TZ = ZoneInfo("Europe/London")
QUERY_TARGET_MS = 500.0
BENCH_DATABASE = "bench_charts"


def moment(rng: random.Random) -> dt.datetime:
    """A moment in the two years before NOW."""
    return NOW - dt.timedelta(seconds=rng.randrange(730 * 86400))


def fill(engine: Engine, seed: int = 11) -> dict[str, int]:
    """Bulk-insert the workspaces (executemany in chunks of 10,000); the row counts."""
    rng = random.Random(seed)
    shares = [
        {
            "team_id": team_id,
            "author_id": f"U{rng.randrange(300):04d}",
            "channel_id": f"C_{team_id}",
            "body": f"What we tried, number {number}: it worked.",
            "tags": "",
            "created_at": (created := moment(rng)),
            "updated_at": created,
        }
        for team_id, count in ((BUSY, SHARES), (OTHER, OTHER_SHARES))
        for number in range(count)
    ]
    requests, offers = [], []
    for ident in range(1, REQUESTS + 1):
        created = moment(rng)
        resolved = rng.random() < 0.7
        requests.append(
            {
                "id": ident,
                "team_id": BUSY,
                "requester_id": f"U{rng.randrange(300):04d}",
                "channel_id": f"C_{BUSY}",
                "body": f"Looking for a partner, request {ident}",
                "status": "resolved" if resolved else "open",
                "created_at": created,
                "resolved_at": min(NOW, created + dt.timedelta(days=rng.uniform(1, 30))) if resolved else None,
            }
        )
        for user in rng.sample(range(300), rng.choice([0, 1, 1, 2, 3])):
            hours = rng.uniform(1, 200)
            offers.append(
                {
                    "team_id": BUSY,
                    "request_id": ident,
                    "user_id": f"U{user:04d}",
                    "created_at": min(NOW, created + dt.timedelta(hours=hours)),
                }
            )
    with engine.begin() as connection:
        for model, rows in ((Share, shares), (CollabRequest, requests), (CollabOffer, offers)):
            for start in range(0, len(rows), 10_000):
                connection.execute(insert(model), rows[start : start + 10_000])
        connection.execute(text("ANALYZE"))
    return {"shares": len(shares), "collab_requests": len(requests), "collab_offers": len(offers)}


def measure_query(url: str, runs: int) -> dict:
    engine = make_engine(url, answer_in_time=False)  # the bulk load and ANALYZE take longer than a request may
    started = time.perf_counter()
    migrate(engine)
    counts = fill(engine)
    setup = time.perf_counter() - started
    sessions = make_sessions(engine)
    months = last_months(NOW.astimezone(TZ).date().replace(day=1), 12)

    def query() -> list[c.MonthFigures]:
        with sessions.begin() as session:
            return month_figures(session, team_id=BUSY, months=months, tz=TZ, now=NOW)

    figures = query()
    chart = c.activity_chart(figures)  # warm-up, untimed (matplotlib's first drawing)
    query()
    whole = timed(lambda: c.activity_chart(query()), runs)
    alone = timed(query, runs)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            version = "SQLite " + connection.execute(text("select sqlite_version()")).scalar_one()
        else:
            version = "PostgreSQL " + connection.execute(text("show server_version")).scalar_one().split()[0]
    engine.dispose()
    return {
        "version": version,
        "setup_s": setup,
        "counts": counts,
        "shares_in_window": sum(m.shares for m in figures),
        "requests_in_window": sum(m.requests for m in figures),
        "offers_in_window": sum(m.offers for m in figures),
        "whole": whole,
        "query": alone,
        "png_kib": len(chart.png) / 1024,
    }


def query_results(args: argparse.Namespace) -> list[dict]:
    if args.database_url:
        return [measure_query(args.database_url, args.query_runs)]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        results.append(measure_query(f"sqlite:///{scratch}/bench.sqlite3", args.query_runs))
    with fresh_postgres(args.postgres_admin_url, BENCH_DATABASE) as url:
        results.append(measure_query(url, args.query_runs))
    return results


def report_queries(results: list[dict], runs: int) -> bool:
    """Print the figures; whether every p95 of query and chart is under the target."""
    met = True
    for result in results:
        counts = ", ".join(f"{number} {table}" for table, number in result["counts"].items())
        print(f"\n{result['version']}: filled in {result['setup_s']:.1f} s ({counts})")
        print(
            f"  the busy workspace's last 12 months: {result['shares_in_window']} shares, "
            f"{result['requests_in_window']} requests, {result['offers_in_window']} offers"
        )
        print(f"  month_figures + activity_chart, {runs} runs: {summary(result['whole'])}")
        print(f"  of which month_figures, {runs} runs: {summary(result['query'])}")
        p95 = statistics.quantiles(result["whole"], n=20, method="inclusive")[18]
        if p95 >= QUERY_TARGET_MS:
            print(f"  MISSED: p95 {p95:.1f} ms is not under {QUERY_TARGET_MS:.0f} ms")
            met = False
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--pdf-runs", type=int, default=10)
    parser.add_argument("--query-runs", type=int, default=50, help="timed 12-month charts with their query")
    parser.add_argument("--only-query", action="store_true", help="time only the chart with its query")
    parser.add_argument("--database-url", help="an empty database to fill and use (default: SQLite and PostgreSQL)")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL, help="where to create bench_charts")
    args = parser.parse_args()
    if not args.only_query:
        render(args)
    return 0 if report_queries(query_results(args), args.query_runs) else 1


def render(args: argparse.Namespace) -> None:

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
    sys.exit(main())
