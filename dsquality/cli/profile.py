"""``dsq profile``: measure how a model's time and memory grow with the data, and enforce budgets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from dsquality.profiling import Budget, ProfileReport

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "profile"
HELP = "measure how a model's fit time, predict time and memory grow with the data; check budgets"

_EPILOG = """\
verdicts: the exponent b of n (least squares on log-log) is classed by bands whose bounds are the midpoints
between the exponents that exact n, n log n, n^2 and n^3 would show at the measured sizes (about 1.06, 1.56
and 2.5 for 1000-8000); "worse than O(n^2)" is flagged as will not scale.

exit codes: 0 measured (and every budget met), 1 a budget broken, 2 bad input.

examples:
  dsq profile sklearn.svm:SVC --param C=10 --sizes 1000,2000,4000 --plot svc.png
  dsq profile sklearn.tree:DecisionTreeClassifier --features 5,10,20 --format json
  dsq profile mypkg.models:Scorer --data rows.csv --target label --max-exponent 2 \\
      --max-fit-seconds 600 --max-memory 2GiB --at-n 1e6
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq profile`` arguments."""
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "model", help="import path 'module:ClassName' of a scikit-learn estimator or a ModelInterface subclass"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the model, read as a Python literal (else a string); repeat for more",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--task", choices=["classification", "regression"], default="classification", help="synthetic labels"
    )
    data.add_argument(
        "--features",
        metavar="F[,F...]",
        help="synthetic feature count; several (5,10,20) also fit the exponent of F (default: 20)",
    )
    data.add_argument("--data", type=Path, metavar="FILE", help="sample rows from a CSV or Parquet file instead")
    data.add_argument("--target", metavar="COLUMN", help="the label column of --data")
    data.add_argument("--seed", type=int, default=0, help="seed of the data generator or row sampling (default: 0)")
    measure = parser.add_argument_group("measurement")
    measure.add_argument(
        "--sizes", default="1000,2000,4000,8000", metavar="N,N,N...", help="training sizes, at least 3, increasing"
    )
    measure.add_argument("--repeats", type=int, default=3, help="measurements per size; medians are fitted")
    measure.add_argument(
        "--target-n", default="1e6", metavar="N", help="extrapolate every measure to N rows (default: 1e6)"
    )
    measure.add_argument("--predict-rows", type=int, default=1000, metavar="N", help="rows in the predict batch")
    measure.add_argument("--threads", type=int, help="limit BLAS/OpenMP threads while measuring")
    measure.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="time in process CPU seconds, all threads (default: steady on a busy CI runner) or wall-clock seconds",
    )
    measure.add_argument(
        "--no-trace-memory",
        dest="trace_memory",
        action="store_false",
        help="skip the tracemalloc fit (faster; memory is then the RSS increase only)",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    output.add_argument("--plot", type=Path, metavar="FILE.png", help="save a log-log plot (needs matplotlib)")
    budget = parser.add_argument_group("budgets (exit 1 when broken)")
    budget.add_argument(
        "--max-exponent", type=float, metavar="B", help="largest exponent of n for fit time, predict time, memory"
    )
    budget.add_argument("--max-fit-seconds", type=float, metavar="S", help="largest fit time at --at-n")
    budget.add_argument("--max-memory", metavar="SIZE", help="largest peak memory during fit at --at-n (2GiB, 512MB)")
    budget.add_argument("--at-n", metavar="N", help="size at which time and memory budgets apply (default: --target-n)")


def _budget(args: argparse.Namespace) -> Budget:
    from dsquality.errors import ProfileError  # noqa: PLC0415 - keeps `dsq --help` fast
    from dsquality.profiling import Budget  # noqa: PLC0415
    from dsquality.profiling.units import parse_bytes, parse_count  # noqa: PLC0415

    at_n = parse_count(args.at_n, "--at-n") if args.at_n is not None else None
    if at_n is not None and args.max_fit_seconds is None and args.max_memory is None:
        raise ProfileError("--at-n", "applies to --max-fit-seconds or --max-memory, and neither is given")
    return Budget(
        max_exponent=args.max_exponent,
        max_fit_seconds=args.max_fit_seconds,
        max_memory_bytes=parse_bytes(args.max_memory) if args.max_memory is not None else None,
        at_n=at_n,
    )


def _print_tables(report: ProfileReport, console: Console) -> None:
    from rich.table import Table  # noqa: PLC0415 - rich loads only for the command that prints

    summary = Table(title=f"{report.model} on {report.data}: {report.repeats} repeats per size, {report.clock} clock")
    for column in ("measure", "exponent of n", "CI", "verdict", f"at n={report.target_n:,}"):
        summary.add_column(column)
    for label, exponent, interval, verdict, extrapolated in report.summary_rows():
        style = "bold red" if "will not scale" in verdict else None
        summary.add_row(label, exponent, interval, verdict, extrapolated, style=style)
    console.print(summary)
    header, rows = report.point_rows()
    points = Table(title="medians [interquartile range] per size")
    for column in header:
        points.add_column(column, justify="right" if column in {"n", "F"} else "left")
    for row in rows:
        points.add_row(*row)
    console.print(points)
    bands = report.thresholds
    console.print(
        f"verdict bands for these sizes: O(n) below {bands.linear_max:.2f}, O(n log n) below "
        f"{bands.n_log_n_max:.2f}, O(n^2) below {bands.quadratic_max:.2f}, else worse; "
        f"RSS measured by {report.rss_method}."
    )


def run(args: argparse.Namespace) -> int:
    """Profile the model, print the report, save the plot; 1 when a budget is broken."""
    # Heavy imports (numpy, scikit-learn, scipy) stay here, so `dsq --help` starts fast.
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    from dsquality.profiling import ProfileProgress, profile_model  # noqa: PLC0415
    from dsquality.profiling.estimator import parse_params  # noqa: PLC0415
    from dsquality.profiling.plot import require_matplotlib  # noqa: PLC0415
    from dsquality.profiling.units import parse_count, parse_counts  # noqa: PLC0415

    if args.plot is not None:
        require_matplotlib("--plot")
    budget = _budget(args)
    params = parse_params(args.param)
    sizes = parse_counts(args.sizes, "--sizes")
    features = parse_counts(args.features, "--features") if args.features is not None else None
    target_n = parse_count(args.target_n, "--target-n")
    errors = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as bar:
        task = bar.add_task(f"profiling {args.model}", total=None)

        def show(update: ProfileProgress) -> None:
            description = f"profiling {args.model}: n={update.n:,}, F={update.features}, repeat {update.repeat}"
            bar.update(task, completed=update.done, total=update.total, description=description)

        report = profile_model(
            args.model,
            params=params,
            data=args.data,
            target=args.target,
            task=args.task,
            features=features,
            sizes=sizes,
            repeats=args.repeats,
            target_n=target_n,
            predict_rows=args.predict_rows,
            seed=args.seed,
            threads=args.threads,
            trace_memory=args.trace_memory,
            clock=args.clock,
            progress=show,
        )
    if args.plot is not None:
        report.plot(args.plot)
    if args.format == "json":
        sys.stdout.write(report.to_json(None if budget.is_empty else budget) + "\n")
    else:
        _print_tables(report, Console())
        if args.plot is not None:
            Console().print(f"plot saved to {args.plot}")
    violations = report.check(budget)
    for violation in violations:
        print(f"dsq: budget broken: {violation.message}", file=sys.stderr)
    if not budget.is_empty and not violations:
        print("dsq: every budget met", file=sys.stderr)
    return 1 if violations else 0
