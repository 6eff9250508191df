"""Time ``POST dsquality/api/lint`` for a 100-cell in-memory notebook against the 300 ms budget.

Calls what the handler runs (JSON body parse, then ``lint_to_json`` with dsquality's own rules, the
endpoint's default) in-process, so the figure excludes only HTTP framing on localhost. Also times
``tools: ["ruff"]`` and ``dsq lint --format json`` on the same notebook saved to a file, for scale.

    .venv/bin/python benchmarks/lint_endpoint_bench.py
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dsquality.config import load_config
from dsquality.jupyter.lint import lint_to_json

BUDGET_MS = 300.0


def notebook(cells: int = 100) -> dict:
    body = []
    for i in range(cells):
        if i % 4 == 0:
            body.append(
                {"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": f"## Step {i}\n\nWhat it does."}
            )
            continue
        source = (
            "import numpy as np\n" if i == 1 else ""
        ) + f"values_{i} = np.arange({i})\ntotal_{i} = float(values_{i}.sum()) + {i}\nprint(total_{i} * 2)\n"
        body.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
        )
    body[0]["source"] = "# Benchmark notebook"
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": body, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="dsq-bench-"))
    config = load_config(folder)
    payload = json.dumps({"notebook": notebook(), "path": "bench.ipynb"}).encode()

    def own_rules() -> None:
        body = json.loads(payload)
        lint_to_json(config, folder / "bench.ipynb", "bench.ipynb", document=body["notebook"])

    def with_ruff() -> None:
        body = json.loads(payload)
        lint_to_json(config, folder / "bench.ipynb", "bench.ipynb", document=body["notebook"], tools=["ruff"])

    own_rules()  # warm-up: imports and rule registry
    own = timed(own_rules, 20)
    ruff = timed(with_ruff, 5)
    saved = folder / "bench.ipynb"
    saved.write_text(json.dumps(notebook()))
    cli = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "dsquality", "lint", "--format", "json", "--no-cache", "--exit-zero", str(saved)],
            capture_output=True,
            check=True,
        ),
        3,
    )
    median = statistics.median(own)
    print(f"100-cell notebook, {len(payload) / 1024:.0f} KiB body")
    print(f"POST lint (own rules, default): median {median:.1f} ms, max {max(own):.1f} ms (budget {BUDGET_MS:.0f} ms)")
    print(f"POST lint with tools=['ruff']:  median {statistics.median(ruff):.1f} ms")
    print(f"dsq lint --format json (CLI, ruff+mypy, cold process): median {statistics.median(cli):.0f} ms")
    print(
        f"budget ratio: {median / BUDGET_MS:.3f} of the budget; CLI / endpoint = {statistics.median(cli) / median:.0f}x"
    )


if __name__ == "__main__":
    main()
