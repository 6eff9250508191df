from pathlib import Path

import pytest

from dsquality.errors import GridError
from dsquality.runs.grid import Grid, load_grid, parse_grid
from dsquality.runs.params import ParameterSchema
from dsquality.runs.validate import Text, validate_grid


def plain(grid: Grid) -> list[dict[str, object]]:
    def show(value: object) -> object:
        if isinstance(value, Text):
            return value.text
        if isinstance(value, list):
            return [show(item) for item in value]
        return value

    return [{name: show(value) for name, value in run.items()} for run in grid.runs]


def test_axes_expand_to_the_cartesian_product_first_axis_slowest() -> None:
    grid = parse_grid("seed: [0, 1]\nalpha: [0.1, 1, 10]\n")
    assert plain(grid) == [
        {"seed": "0", "alpha": "0.1"},
        {"seed": "0", "alpha": "1"},
        {"seed": "0", "alpha": "10"},
        {"seed": "1", "alpha": "0.1"},
        {"seed": "1", "alpha": "1"},
        {"seed": "1", "alpha": "10"},
    ]
    assert grid.labels == [f"run {n}" for n in range(1, 7)]


def test_plain_scalars_keep_their_text_and_quoted_ones_are_strings() -> None:
    grid = parse_grid("name: [007, '008']\n")
    assert grid.runs[0]["name"] == Text("007")
    assert grid.runs[1]["name"] == "008"


def test_a_scalar_is_an_axis_of_one_value_and_lists_of_lists_are_list_values() -> None:
    grid = parse_grid("mode: fast\nlayers: [[64, 32], [128]]\n")
    assert plain(grid) == [{"mode": "fast", "layers": ["64", "32"]}, {"mode": "fast", "layers": ["128"]}]


def test_explicit_runs_in_order() -> None:
    grid = parse_grid("runs:\n  - {seed: 1, alpha: 0.5}\n  - {seed: 2}\n  -\n")
    assert plain(grid) == [{"seed": "1", "alpha": "0.5"}, {"seed": "2"}, {}]


def test_explicit_runs_combined_with_axes() -> None:
    grid = parse_grid("runs:\n  - {model: a}\n  - {model: b}\nseed: [0, 1]\n")
    assert plain(grid) == [
        {"model": "a", "seed": "0"},
        {"model": "a", "seed": "1"},
        {"model": "b", "seed": "0"},
        {"model": "b", "seed": "1"},
    ]


def test_an_empty_file_is_one_run_with_the_defaults() -> None:
    assert parse_grid("").runs == ({},)
    assert parse_grid("# nothing\n").runs == ({},)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "the top level is not a mapping"),
        ("seed: []", "`seed` has no values"),
        ("runs: []", "`runs` must be a non-empty list"),
        ("runs: {seed: 1}", "`runs` must be a non-empty list"),
        ("runs: [1]", "run 1 in `runs` is not a mapping"),
        ("runs: [{seed: 1}]\nseed: [2]", "`seed` is both an axis and a key of run 1"),
        ("seed: [1, 1]", "runs 1 and 2 have the same values"),
        ("runs: [{seed: 1}, {seed: 1}]", "runs 1 and 2 have the same values"),
        ("seed: [1\n", "not valid YAML"),
        ("? [a]\n: 1\n", "not valid YAML"),
    ],
)
def test_malformed_grids_raise_grid_error(text: str, message: str) -> None:
    with pytest.raises(GridError) as caught:
        parse_grid(text, path=Path("g.yaml"))
    assert message in str(caught.value)
    assert str(caught.value).startswith("g.yaml: not a valid grid: ")
    assert caught.value.exit_code == 2


def test_load_grid_reads_the_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("seed: [1, 2]\n")
    grid = load_grid(path)
    assert grid.path == path
    assert len(grid) == 2
    with pytest.raises(GridError, match="cannot read the file"):
        load_grid(tmp_path / "missing.yaml")


def test_shipped_grid_validates_against_the_example_notebook() -> None:
    repo = Path(__file__).resolve().parents[2]
    grid = load_grid(repo / "notebooks" / "train_model.grid.yaml")
    values = validate_grid(ParameterSchema.from_notebook(repo / "notebooks" / "train_model.ipynb"), grid.runs)
    assert len(values) >= 4
    assert all(isinstance(run["regularization"], float) for run in values)
