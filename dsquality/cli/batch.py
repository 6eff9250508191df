"""``dsq batch``: run a notebook over a grid of parameters, write a results table, resume where it stopped."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsquality.cli.arguments import positive_int, seconds
from dsquality.cli.kernel_options import add_kernel_arguments, start_fork_server

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from dsquality.runs.batch import BatchPlan, BatchProgress, BatchResult
    from dsquality.runs.executors import Executor

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "batch"
HELP = "run a notebook over a grid of parameters (in parallel, locally or on Dask) into a results table"

_EXECUTORS = ("local", "dask")  # keep in step with dsquality.runs.executors.EXECUTORS (a test checks)
_WORKERS_LOG = "workers.log"

_GRID_HELP = (
    "YAML grid: `NAME: [v1, v2]` axes (every combination runs; the first axis varies slowest) and/or "
    "`runs: [{NAME: value, ...}, ...]` (one run each; with axes, each run is combined with every combination)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq batch`` arguments."""
    parser.add_argument("notebook", type=Path, help="the notebook to run")
    parser.add_argument("--grid", type=Path, required=True, metavar="GRID.yaml", help=_GRID_HELP)
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="output directory: DIR/runs/RUN-ID.ipynb, DIR/results.csv and DIR/results.jsonl",
    )
    parser.add_argument("--executor", choices=_EXECUTORS, default="local", help="where runs execute (default: local)")
    parser.add_argument(
        "--workers", type=positive_int, metavar="N", help="runs at the same time (default: the number of cores)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler, tcp://HOST:PORT (--executor dask; default: a local cluster on 127.0.0.1)",
    )
    parser.add_argument("--timeout", type=seconds, metavar="SECONDS", help="time limit for each cell of each run")
    parser.add_argument("--cwd", type=Path, help="working directory of the kernels (default: the notebook's folder)")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec)")
    add_kernel_arguments(parser, batch=True)
    parser.add_argument(
        "--rerun-all",
        action="store_true",
        help="run every run again (default: skip runs that finished ok with the same notebook and values)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table: print only the summary line")


def run(args: argparse.Namespace) -> int:
    """Validate the grid (exit 2), run it (exit 1 if any run failed), print the results."""
    from rich.console import Console  # noqa: PLC0415 - rich loads only for the command that prints

    from dsquality.runs.batch import plan_batch  # noqa: PLC0415 - lazy: `dsq --help` stays fast
    from dsquality.runs.executors import make_executor  # noqa: PLC0415
    from dsquality.runs.grid import load_grid  # noqa: PLC0415

    if args.scheduler is not None and args.executor != "dask":
        print("dsq batch: error: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    if args.preload and (args.no_fork or args.executor != "local"):
        print("dsq batch: error: --preload needs forked kernels: --executor local, without --no-fork", file=sys.stderr)
        return 2
    out: Path = args.out
    grid = load_grid(args.grid)
    plan = plan_batch(args.notebook, grid, out, rerun_all=args.rerun_all)  # invalid grid: exit 2, nothing ran
    executor = make_executor(args.executor, workers=args.workers, scheduler=args.scheduler, stderr=out / _WORKERS_LOG)
    err = Console(stderr=True)
    if plan.kept and not args.quiet:
        err.print(f"Skipping {len(plan.kept)} runs that already finished ok (--rerun-all to run them again).")
    options = {"cwd": args.cwd, "timeout": args.timeout, "kernel": args.kernel, "memory_limit": args.memory_limit}
    with contextlib.ExitStack() as stack:
        if plan.todo and args.executor == "local" and not args.no_fork:
            # Stopped when the stack closes, after the workers: it kills any kernel still running.
            server = start_fork_server(
                stack, args.notebook, kernel=args.kernel, preload=args.preload, stderr=out / _WORKERS_LOG
            )
            options["fork_server"] = server.address if server is not None else None
        result = _run(plan, executor, stack, quiet=args.quiet, err=err, options=options)
    if not args.quiet:
        Console().print(_table(result))
    Console(highlight=False).print(_summary(result))
    return 0 if result.ok else 1


def _run(
    plan: BatchPlan,
    executor: Executor,
    stack: contextlib.ExitStack,
    *,
    quiet: bool,
    err: Console,
    options: dict[str, Any],
) -> BatchResult:
    """Run the batch on ``executor`` (entered on ``stack``), with a progress bar unless ``quiet``."""
    from dsquality.runs.batch import run_batch  # noqa: PLC0415

    stack.enter_context(executor)
    if quiet or not plan.todo:
        return run_batch(plan, executor, **options)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed[/] · {task.fields[running]} running"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("runs", total=len(plan.todo), failed=0, running=0)

        def update(state: BatchProgress) -> None:
            progress.update(task, completed=state.done, failed=state.failed, running=state.running)

        return run_batch(plan, executor, on_progress=update, **options)


def _summary(result: BatchResult) -> str:
    total = len(result.rows)
    failed = len(result.failed)
    ran = total - result.skipped
    skipped = f", {result.skipped} skipped (already ok)" if result.skipped else ""
    return (
        f"{total} runs: {total - failed} ok, {failed} failed; {ran} ran in {result.duration:.1f} s{skipped}. "
        f"Results: {result.out / 'results.csv'}"
    )


def _table(result: BatchResult) -> Table:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="dsq batch")
    parameters = list(dict.fromkeys(name for row in result.rows for name in row.parameters))
    records = list(dict.fromkeys(name for row in result.rows for name in row.records if _is_scalar(row.records[name])))
    table.add_column("run", no_wrap=True)
    for column in ("status", "s", *parameters, *records, "error"):
        table.add_column(escape(column), overflow="fold")
    for row in result.rows:
        status = f"[green]{row.status}[/]" if not row.error else f"[red]{row.status}[/]"
        table.add_row(
            escape(row.run_id),
            status,
            f"{row.duration:.1f}",
            *(escape(_show(row.parameters.get(name))) for name in parameters),
            *(escape(_show(row.records.get(name))) for name in records),
            escape(row.error or ""),
        )
    return table


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
