"""Grids of runs for ``dsq batch``: a YAML file that expands into the parameter values of every run.

The format is one YAML mapping, with two kinds of keys that may be combined:

- ``NAME: [v1, v2, …]``: an *axis*. Every combination of the axes' values is one run (a cartesian
  product), in a fixed order: the first axis varies slowest, as in :func:`itertools.product`.
  A value that is not a list is an axis of one value (the same in every run); a parameter whose
  *values* are lists is written as a list of lists (``layers: [[64, 32], [128]]``).
- ``runs: [{NAME: value, …}, …]``: explicit runs, one mapping each.

With both, every explicit run is combined with every combination of the axes (``runs`` varies
slowest); a parameter may not be both an axis and a key of an explicit run. A file with neither is
one run with the notebook's defaults. Plain YAML scalars keep their text (see
:func:`dsquality.runs.validate.parse_yaml`), so they are converted by the types the notebook
declares: ``007`` stays ``"007"`` for a ``str`` parameter. Two runs with the same values are an
error (they would be the same run).

Only the shape is checked here (:class:`~dsquality.errors.GridError`); the values are checked
against the notebook with :func:`dsquality.runs.validate.validate_grid`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsquality.errors import GridError
from dsquality.runs.validate import Text, parse_yaml

__all__ = ["RUNS_KEY", "Grid", "load_grid", "parse_grid"]

RUNS_KEY = "runs"


@dataclass(frozen=True, slots=True)
class Grid:
    """The runs of a grid, in order: each a mapping of parameter name to value (not yet converted).

    Values are as :func:`~dsquality.runs.validate.parse_yaml` returns them (:class:`Text` for plain
    scalars); ``path`` is the grid file, if any.
    """

    runs: tuple[Mapping[str, object], ...]
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def labels(self) -> list[str]:
        """``run 1``, ``run 2``…: how messages name the runs."""
        return [f"run {index}" for index in range(1, len(self.runs) + 1)]


def load_grid(path: Path) -> Grid:
    """Read and expand the grid file at ``path``.

    Raises:
        GridError: the file cannot be read, is not YAML, or is not of the grid format.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GridError(path, f"cannot read the file: {exc}") from None
    return parse_grid(text, path=path)


def parse_grid(text: str, *, path: Path | None = None) -> Grid:
    """Expand the grid written in ``text`` (see the module docstring).

    Raises:
        GridError: not YAML, or not of the grid format.
    """
    try:
        document = parse_yaml(text)
    except ValueError as exc:
        raise GridError(path, str(exc)) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise GridError(path, "the top level is not a mapping")
    axes: dict[str, list[object]] = {}
    explicit: list[dict[str, object]] = [{}]
    for raw_key, value in document.items():
        key = _name(path, raw_key, "a key")
        if key == RUNS_KEY:
            explicit = _explicit_runs(path, value)
        else:
            values = value if isinstance(value, list) else [value]
            if not values:
                raise GridError(path, f"`{key}` has no values (an empty list makes no runs)")
            axes[key] = values
    for index, run in enumerate(explicit, start=1):
        both = sorted(set(run) & set(axes))
        if both:
            raise GridError(path, f"`{both[0]}` is both an axis and a key of run {index} in `{RUNS_KEY}`")
    runs = tuple(
        {**run, **dict(zip(axes, combination, strict=True))}
        for run in explicit
        for combination in itertools.product(*axes.values())
    )
    _check_distinct(path, runs)
    return Grid(runs, path)


def _name(path: Path | None, key: object, what: str) -> str:
    if isinstance(key, Text):
        return key.text
    if isinstance(key, str):
        return key
    raise GridError(path, f"{what} is {key!r}, not a parameter name")


def _explicit_runs(path: Path | None, value: object) -> list[dict[str, object]]:
    if not isinstance(value, list) or not value:
        raise GridError(path, f"`{RUNS_KEY}` must be a non-empty list of mappings of parameter names to values")
    runs: list[dict[str, object]] = []
    for index, run in enumerate(value, start=1):
        if run is None:
            run = {}  # noqa: PLW2901 - `- {}` written as a bare `-`: a run with the defaults
        if not isinstance(run, dict):
            raise GridError(path, f"run {index} in `{RUNS_KEY}` is not a mapping of parameter names to values")
        runs.append({_name(path, key, f"a key of run {index}"): item for key, item in run.items()})
    return runs


def _check_distinct(path: Path | None, runs: Sequence[Mapping[str, object]]) -> None:
    first: dict[str, int] = {}
    for index, run in enumerate(runs, start=1):
        key = json.dumps(_plain(run), sort_keys=True)
        if key in first:
            raise GridError(path, f"runs {first[key]} and {index} have the same values: {key}")
        first[key] = index


def _plain(value: object) -> object:
    """``value`` as JSON data, :class:`Text` as its text (to compare runs as written)."""
    if isinstance(value, Text):
        return value.text
    if isinstance(value, Mapping):
        return {str(_plain(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
