"""A flood of concurrent ``POST dsquality/api/lint`` requests against a real ``jupyter server``.

Starts ``jupyter server`` on 127.0.0.1 (free port, token, temporary root), copies the project's
notebooks and templates and a 100-cell notebook into the root, then fires ``--requests``
concurrent lint requests (even ones by path, odd ones with the notebook in the body, as the
frontend sends it), plus one ``GET templates`` half a second in. Prints latency p50/p99/max,
throughput, errors, the ``GET``'s latency during the flood, and the ratio to an idle server's latency.

    .venv/bin/python benchmarks/server_load_bench.py                  # 200 requests
    .venv/bin/python benchmarks/server_load_bench.py --jobs 4 --corpus 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the live-server helpers are shared with the load test

from lint_endpoint_bench import notebook as hundred_cell_notebook  # noqa: E402

from tests.jupyter.live_server import (  # noqa: E402
    LiveServer,
    flood,
    lint_bodies,
    live_server,
    percentile,
    project_notebooks,
)

CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"


def sources(folder: Path, corpus: int) -> list[Path]:
    """The project's notebooks and templates, a 100-cell notebook and ``corpus`` real notebooks under 1 MB."""
    hundred = folder / "hundred_cells.ipynb"
    hundred.write_text(json.dumps(hundred_cell_notebook()))
    found = [*project_notebooks(), hundred]
    if corpus:
        real = sorted(p for p in CORPUS.rglob("*.ipynb") if p.stat().st_size < 1_000_000)
        found += real[:: max(1, len(real) // corpus)][:corpus]
    return found


async def idle_latency(server: LiveServer, bodies: list[bytes]) -> float:
    """The median latency of the distinct bodies sent one at a time to an idle server (seconds)."""
    times = []
    for body in dict.fromkeys(bodies):  # each distinct body once, in order
        result = await flood(server, [body], probe_after=0)
        times.append(result.lints[0].seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=None, help="DsqualityExtension.max_lint_jobs (default: cores)")
    parser.add_argument("--corpus", type=int, default=0, help="add this many notebooks from ../shared/corpus")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dsq-load-") as temp:
        root = Path(temp) / "root"
        root.mkdir()
        notebooks = sources(Path(temp), args.corpus)
        bodies = lint_bodies(root, args.requests, notebooks)
        with live_server(root, max_lint_jobs=args.jobs) as server:
            idle = asyncio.run(idle_latency(server, bodies[: 2 * len(notebooks)]))
            result = asyncio.run(flood(server, bodies))

    latencies = [answer.seconds * 1000 for answer in result.lints]
    errors = [answer for answer in result.lints if answer.status != 200 or not _is_lint_json(answer.body)]
    sizes = sorted(len(body) for body in bodies)
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(f"{args.requests} concurrent POST lint, {len(notebooks)} notebooks (bodies {sizes[0]}-{sizes[-1]} bytes)")
    print(f"max_lint_jobs: {args.jobs or 'default (cores)'}")
    print(f"latency p50 {p50:.0f} ms   p99 {p99:.0f} ms   max {max(latencies):.0f} ms")
    print(f"throughput {args.requests / result.seconds:.1f} requests/s   ({result.seconds:.2f} s for the flood)")
    findings = sum(len(json.loads(a.body)["diagnostics"]) for a in result.lints if a not in errors)
    print(f"errors {len(errors)}   (findings in the answers: {findings})")
    print(f"GET templates during the flood: {result.templates.status} in {result.templates.seconds * 1000:.0f} ms")
    print(f"idle server, one request at a time: {idle * 1000:.0f} ms (median)")
    print(f"ratio p50 under the flood / idle: {p50 / (idle * 1000):.1f}")


def _is_lint_json(body: bytes) -> bool:
    try:
        return json.loads(body).get("schema") == "dsquality-lint"
    except ValueError:
        return False


if __name__ == "__main__":
    main()
