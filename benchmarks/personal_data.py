"""The personal-data check on the test corpus: how much it catches, how often it cries wolf, what it costs.

    python -m benchmarks.personal_data [--passes 20] [--cold-runs 5]

Reads tests/data/personal_data_corpus.jsonl (realistic practice texts, each labelled with the kinds of
personal data it holds; none for a clean text) and runs `domain.personal_data.find_personal_data` on every
text. Prints the corpus size, the share of seeded texts flagged at all, the share of clean texts flagged (false
alarms), and per kind the share of texts seeded with that kind in which that kind was found (recall), with the
texts missed. Then the cost: the cold first call, timed in a fresh interpreter from before the import to after
the first answer (`--cold-runs` interpreters, median and max), and the per-text cost of a warm check, in
microseconds, over `--passes` passes of the whole corpus (p50, p95, max), plus one 2,500-character text (the
longest a share may be). See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "personal_data_corpus.jsonl"
COLD = (
    "import time\n"
    "started = time.perf_counter()\n"
    "from domain.personal_data import find_personal_data\n"
    "imported = time.perf_counter()\n"
    "find_personal_data('Jamie, 14, on 07700 900123 at 14 Elm Road, LS6 2QT.')\n"
    "done = time.perf_counter()\n"
    "print((imported - started) * 1000, (done - started) * 1000)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    cold = [_cold_first_call() for _ in range(args.cold_runs)]

    from domain.personal_data import find_personal_data

    seeded = [row for row in rows if row["kinds"]]
    clean = [row for row in rows if not row["kinds"]]
    expected: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    missed: list[str] = []
    flagged_seeded = 0
    for row in seeded:
        kinds = {finding.kind.value for finding in find_personal_data(row["text"])}
        flagged_seeded += bool(kinds)
        for kind in row["kinds"]:
            expected[kind] += 1
            caught[kind] += kind in kinds
            if kind not in kinds:
                missed.append(f"  missed {kind}: {row['text'][:100]}")
    false_alarms = [row["text"] for row in clean if find_personal_data(row["text"])]

    print(f"corpus: {len(rows)} texts, {len(seeded)} seeded, {len(clean)} clean")
    print(f"seeded texts flagged: {flagged_seeded}/{len(seeded)} ({flagged_seeded / len(seeded):.1%})")
    print(f"clean texts flagged:  {len(false_alarms)}/{len(clean)} ({len(false_alarms) / len(clean):.1%})")
    for text in false_alarms:
        print(f"  false alarm: {text[:100]}")
    print("recall by kind:")
    for kind in sorted(expected):
        print(f"  {kind:<15} {caught[kind]:>3}/{expected[kind]:<3} {caught[kind] / expected[kind]:.1%}")
    for line in missed:
        print(line)

    timings = []
    for _ in range(args.passes):
        for row in rows:
            started = time.perf_counter()
            find_personal_data(row["text"])
            timings.append((time.perf_counter() - started) * 1_000_000)
    timings.sort()
    longest = " ".join(row["text"] for row in rows)[:2500]
    long_timings = []
    for _ in range(50):
        started = time.perf_counter()
        find_personal_data(longest)
        long_timings.append((time.perf_counter() - started) * 1_000_000)

    imports = [imported for imported, _ in cold]
    firsts = [first for _, first in cold]
    print(
        f"cold first call (import + first check, fresh interpreter, {len(cold)} runs): "
        f"median {statistics.median(firsts):.1f} ms, max {max(firsts):.1f} ms "
        f"(of which import median {statistics.median(imports):.1f} ms)"
    )
    print(
        f"per text, warm, {args.passes} passes of {len(rows)} texts (mean {_mean_chars(rows)} chars): "
        f"p50 {_percentile(timings, 50):.0f} µs, p95 {_percentile(timings, 95):.0f} µs, max {timings[-1]:.0f} µs"
    )
    print(
        f"one {len(longest):,}-character text: p50 {statistics.median(long_timings):.0f} µs, "
        f"max {max(long_timings):.0f} µs over {len(long_timings)} runs"
    )


def _cold_first_call() -> tuple[float, float]:
    root = CORPUS.parent.parent.parent
    result = subprocess.run(
        [sys.executable, "-c", COLD], cwd=root, capture_output=True, text=True, check=True, timeout=60
    )
    imported, first = (float(value) for value in result.stdout.split())
    return imported, first


def _percentile(ordered: list[float], percent: int) -> float:
    return ordered[min(len(ordered) - 1, round(len(ordered) * percent / 100))]


def _mean_chars(rows: list[dict]) -> int:
    return round(statistics.mean(len(row["text"]) for row in rows))


if __name__ == "__main__":
    main()
