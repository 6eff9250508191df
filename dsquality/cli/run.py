"""``dsq run``: check the parameters, execute a notebook headlessly, show what it recorded."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from dsquality.cli.arguments import seconds
from dsquality.cli.kernel_options import add_kernel_arguments, start_fork_server

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "run"
HELP = "execute a notebook headlessly (papermill) with typed parameters and print the values it recorded"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``dsq run`` arguments."""
    parser.add_argument("notebook", type=Path, help="the notebook to run")
    parser.add_argument(
        "output",
        type=Path,
        nargs="?",
        help="where to save the executed notebook (default: .dsq/runs/NAME.ipynb)",
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        dest="parameters",
        metavar=("NAME", "VALUE"),
        help="a parameter value, converted by the type the notebook declares (repeatable; "
        "lists and dicts in YAML/JSON: -p layers '[64, 32]')",
    )
    parser.add_argument(
        "-y",
        "--parameters-yaml",
        action="append",
        dest="parameters_yaml",
        metavar="YAML",
        help="parameter values as a YAML mapping, e.g. '{alpha: 0.5, mode: fast}' (repeatable)",
    )
    parser.add_argument(
        "-f",
        "--parameters-file",
        action="append",
        dest="parameters_files",
        type=Path,
        metavar="FILE",
        help="a YAML file of parameter values (repeatable); -p overrides -y, which overrides -f",
    )
    parser.add_argument("--cwd", type=Path, help="working directory of the kernel (default: the notebook's folder)")
    parser.add_argument("--timeout", type=seconds, metavar="SECONDS", help="time limit for each cell")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec)")
    add_kernel_arguments(parser, batch=False)


def run(args: argparse.Namespace) -> int:
    """Check the parameters (exit 2), run the notebook (a failing cell: exit 1), print its records."""
    # Lazy imports keep `dsq --help` fast.
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from dsquality.runs.execute import execute_notebook  # noqa: PLC0415
    from dsquality.runs.inject import python_literal  # noqa: PLC0415
    from dsquality.runs.params import ParameterSchema  # noqa: PLC0415
    from dsquality.runs.validate import read_values, validate  # noqa: PLC0415

    notebook: Path = args.notebook
    output: Path = args.output or Path(".dsq", "runs", notebook.name)
    given, problems = read_values(
        files=args.parameters_files or (),
        documents=args.parameters_yaml or (),
        pairs=[(name, value) for name, value in args.parameters or ()],
    )
    schema = ParameterSchema.from_notebook(notebook)
    values = validate(schema, given, problems=problems)  # ParameterError (exit 2) before any kernel starts
    if values:
        Console().print(f"Parameters injected into {escape(str(notebook))}:")
        injected = Table()
        injected.add_column("parameter")
        injected.add_column("type")
        injected.add_column("value")
        for name, value in values.items():
            spec = schema.get(name)
            injected.add_row(escape(name), escape(str(spec.type) if spec else ""), escape(python_literal(value)))
        Console().print(injected)
    console = Console(stderr=True)
    with console.status(f"Running {notebook} …"), contextlib.ExitStack() as stack:
        # --preload: the same kernels as `dsq batch --preload` (forked from a template that imported them)
        server = (
            start_fork_server(stack, notebook, kernel=args.kernel, preload=args.preload, stderr=None)
            if args.preload
            else None
        )
        result = execute_notebook(
            notebook,
            output,
            parameters=values,
            cwd=args.cwd,
            timeout=args.timeout,
            kernel=args.kernel,
            fork_server=server.address if server is not None else None,
            memory_limit=args.memory_limit,
        )
    Console().print(f"{escape(str(notebook))} ran in {result.duration:.1f} s; saved to {escape(str(result.output))}")
    if not result.records:
        Console().print("It recorded nothing (record values with `from dsquality import record`).")
        return 0
    table = Table()
    table.add_column("recorded")
    table.add_column("value")
    for name, value in result.records.items():
        table.add_row(escape(name), escape(_format_value(value)))
    Console().print(table)
    return 0


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if not isinstance(value, str) else value
