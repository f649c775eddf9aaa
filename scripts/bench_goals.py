"""The benchmarks' goals, judged in one place: each benchmark calls `judge` for each goal it
measures (which prints its PASS or MISS line), and `make bench` ends with `table`, one table
of them all, failing if any goal was missed.

    .venv/bin/python scripts/bench_goals.py GOALS.jsonl   # the table; exit 1 if any MISS

`judge` appends to the file named by VOICEGUIDE_BENCH_GOALS, when set (make bench sets it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

GOALS_ENV = "VOICEGUIDE_BENCH_GOALS"


def judge(goal: str, measured: float, target: float, *, unit: str = "", at_least: bool = False) -> bool:
    """Whether `measured` meets `target` (at most it, or `at_least`); printed, and kept."""
    measured, target = float(measured), float(target)  # numpy's numbers are no JSON
    met = bool(measured >= target if at_least else measured <= target)
    sign = ">=" if at_least else "<="
    print(f"{'PASS' if met else 'MISS'}  {goal}: {measured:.4g}{unit} (goal {sign} {target:g}{unit})")
    kept = os.environ.get(GOALS_ENV)
    if kept:
        line = {"goal": goal, "measured": measured, "target": target, "unit": unit, "at_least": at_least, "met": met}
        with open(kept, "a", encoding="utf-8") as file:
            file.write(json.dumps(line) + "\n")
    return met


def table(path: Path) -> int:
    """Print every goal judged, as one table; 1 if any was missed, else 0."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print("| goal | measured | goal | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        sign = ">=" if row["at_least"] else "<="
        unit = row["unit"]
        verdict = "PASS" if row["met"] else "**MISS**"
        print(f"| {row['goal']} | {row['measured']:.4g}{unit} | {sign} {row['target']:g}{unit} | {verdict} |")
    missed = [row["goal"] for row in rows if not row["met"]]
    if missed:
        print(f"make bench: {len(missed)} of {len(rows)} goals missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(table(Path(sys.argv[1])))
