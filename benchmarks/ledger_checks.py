"""The scheduler's once-a-minute ledger checks, against a ledger that has grown for years.

    python -m benchmarks.ledger_checks [--rows 200000] [--without-indexes]

Each minute the scheduler marks claims left "posting" by a run that died (ledger.abandon_stale_claims) and
looks for digests to try again (ledger.retryable). Nearly every row is "delivered", so these look for a few
rows among many. This fills a fresh SQLite file with `rows` delivered digests (1,000 channels, one a minute
from 2024), runs ANALYZE, then times both checks together in one transaction, 50 times, and prints each
query's plan. --without-indexes drops the two partial indexes of migration 0006 first, for comparison.
See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time

from sqlalchemy import insert, text

from storage import ledger
from storage.db import make_engine, make_sessions, migrate
from storage.models import Delivery

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
PLANS = {
    "abandon_stale_claims": "UPDATE deliveries SET status = 'unconfirmed' WHERE status = 'posting' AND claimed_at < ?",
    "retryable": "SELECT id FROM deliveries WHERE status = 'retry' AND scheduled_for >= ?",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--without-indexes", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/ledger.sqlite3")
        migrate(engine)
        with engine.begin() as connection:
            if args.without_indexes:
                connection.execute(text("DROP INDEX ix_deliveries_posting"))
                connection.execute(text("DROP INDEX ix_deliveries_retry"))
            moments = [START + dt.timedelta(minutes=i) for i in range(args.rows)]
            rows = [
                {
                    "team_id": f"T{i % 40:02d}",
                    "kind": "digest",
                    "target": f"C{i % 1000:05d}",
                    "period_key": f"week-{i}",
                    "status": ledger.DELIVERED,
                    "scheduled_for": moment,
                    "claimed_at": moment,
                }
                for i, moment in enumerate(moments)
            ]
            connection.execute(insert(Delivery), rows)
            connection.execute(text("ANALYZE"))
        sessions = make_sessions(engine)
        timings = []
        for _ in range(50):
            started = time.perf_counter()
            with sessions.begin() as session:
                ledger.abandon_stale_claims(session, claimed_before=NOW, now=NOW)
                ledger.retryable(session, kinds=[ledger.Kind.DIGEST, ledger.Kind.CHAMPION_DIGEST], not_before=START)
            timings.append((time.perf_counter() - started) * 1000)
        with engine.connect() as connection:
            for name, sql in PLANS.items():
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (NOW.isoformat(),)).all()
                print(f"{name}: {'; '.join(row[-1] for row in plan)}")
        engine.dispose()
    which = "without the partial indexes" if args.without_indexes else "with the partial indexes"
    print(
        f"{args.rows:,} delivered rows, {which}: both checks p50 {statistics.median(timings):.2f} ms, "
        f"max {max(timings):.2f} ms over {len(timings)} runs"
    )


if __name__ == "__main__":
    main()
