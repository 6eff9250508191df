"""The fuzz tests of tests/fuzz/, run long: 100,000 examples by default, with fresh random seeds.

Runs ``pytest tests/fuzz`` in rounds with the ``long`` hypothesis profile (random, not the CI's
fixed seed) and the CI budgets multiplied by ``--scale``, until ``--examples`` examples ran in
total or ``--minutes`` passed. Each round is a fresh pytest process, so every round explores other
inputs. Prints, per entry point, the examples run and examples per second, and the output of any
failing test (hypothesis's shrunk example); exits 1 on a failure.

Run: ``python benchmarks/fuzz_long.py [--examples 100000] [--scale 5] [--minutes 120]``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_round(scale: float, counts_file: Path) -> tuple[bool, str, dict[str, int]]:
    """One pytest run of tests/fuzz; returns (passed, output, examples per property)."""
    env = {
        **os.environ,
        "DSQ_FUZZ_PROFILE": "long",
        "DSQ_FUZZ_SCALE": str(scale),
        "DSQ_FUZZ_COUNTS": str(counts_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider", "-o", "log_level=CRITICAL"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    counts = json.loads(counts_file.read_text(encoding="utf-8")) if counts_file.is_file() else {}
    return done.returncode == 0, done.stdout + done.stderr, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000, help="stop after this many examples in total")
    parser.add_argument("--scale", type=float, default=5.0, help="CI budgets times this, per round")
    parser.add_argument("--minutes", type=float, default=120.0, help="stop after this long (after a round)")
    args = parser.parse_args()

    total: collections.Counter[str] = collections.Counter()
    seconds = 0.0
    rounds = 0
    with tempfile.TemporaryDirectory(prefix="dsq-fuzz-long-") as folder:
        while sum(total.values()) < args.examples and seconds < args.minutes * 60:
            rounds += 1
            counts_file = Path(folder) / f"round-{rounds}.json"
            start = time.perf_counter()
            passed, output, counts = run_round(args.scale, counts_file)
            elapsed = time.perf_counter() - start
            seconds += elapsed
            total.update(counts)
            ran = sum(counts.values())
            print(
                f"round {rounds}: {ran} examples in {elapsed:.0f} s ({ran / elapsed:.0f}/s); "
                f"total {sum(total.values())}",
                flush=True,
            )
            if not passed:
                print(output[-20_000:])
                print(f"FAILED in round {rounds} after {sum(total.values())} examples.")
                return 1
    print(f"\n{'entry point':<16}{'examples':>10}")
    for name, count in sorted(total.items()):
        print(f"{name:<16}{count:>10}")
    examples = sum(total.values())
    print(
        f"\n{examples} examples in {rounds} rounds, {seconds:.0f} s: {examples / seconds:.0f} examples/s; no failure."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
