"""Real kernels: these tests start ipykernel through papermill."""

from pathlib import Path

import nbformat
import papermill
import pytest

from dsquality.errors import NotebookExecutionError, NotebookFormatError, ParameterError
from dsquality.runs.execute import execute_notebook
from dsquality.runs.validate import Text

pytestmark = pytest.mark.slow


def test_records_are_collected_and_output_saved(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(
        [
            "md:# t",
            ("n: int = 2", ["parameters"]),
            "from dsquality import record\nrecord('square', n * n)\nrecord('name', 'x')",
        ]
    )
    out = tmp_path / "out" / "executed.ipynb"
    result = execute_notebook(nb, out, parameters={"n": 5})
    assert result.records == {"square": 25, "name": "x"}
    assert result.output == out
    assert result.duration > 0
    executed = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in cell.metadata.get("tags", []) for cell in executed.cells)


def test_failing_cell_is_numbered_as_in_the_input_notebook(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(
        [
            "md:# t",
            ("n: int = 2", ["parameters"]),
            "x = n + 1",
            "md:## fails next",
            "raise ValueError(f'bad value {x}')",
            "print('never')",
        ]
    )
    out = tmp_path / "out.ipynb"
    with pytest.raises(NotebookExecutionError) as caught:
        execute_notebook(nb, out, parameters={"n": 10})
    error = caught.value
    assert error.cell == 5
    assert error.ename == "ValueError"
    assert error.evalue == "bad value 11"
    assert error.output == out
    assert "nb.ipynb:cell 5: ValueError: bad value 11." in str(error)
    executed = nbformat.read(out, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [o.ename for o in errors] == ["ValueError"]


def test_cell_number_without_injected_parameters(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(["md:# t", "1 / 0"])
    with pytest.raises(NotebookExecutionError) as caught:
        execute_notebook(nb, tmp_path / "out.ipynb")
    assert (caught.value.cell, caught.value.ename) == (2, "ZeroDivisionError")


def test_cwd_defaults_to_the_notebook_folder(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(["import os\nfrom dsquality import record\nrecord('cwd', os.getcwd())"])
    result = execute_notebook(nb, tmp_path / "elsewhere" / "out.ipynb")
    assert Path(result.records["cwd"]) == nb.parent


def test_missing_notebook_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(NotebookFormatError, match="does not exist"):
        execute_notebook(tmp_path / "missing.ipynb", tmp_path / "out.ipynb")


TYPED_CELL = """from pathlib import Path
from typing import Literal, Optional
name: str = "x"
seed: int = 0
alpha: float = 0.1
flag: bool = False
data: Path
out: Path = Path("out")
layers: list[int] = [1]
shape: tuple[int, int] = (1, 1)
weights: dict[str, float] = {"a": 1.0}
mode: Literal["fast", "slow"] = "fast"
limit: Optional[int] = 5
tags: set[str] = {"a"}
"""
TYPED_NAMES = ["name", "seed", "alpha", "flag", "data", "out", "layers", "shape", "weights", "mode", "limit", "tags"]
RECORD_TYPES = (
    "from dsquality import record\n"
    f"for n in {TYPED_NAMES!r}:\n"
    "    record('type_' + n, type(globals()[n]).__name__)\n"
    "    record('repr_' + n, repr(globals()[n]))"
)


def test_values_are_injected_with_their_declared_types(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(["md:# t", (TYPED_CELL, ["parameters"]), RECORD_TYPES])
    given = {
        "name": Text("007"),
        "seed": Text("007"),
        "alpha": Text("1e-3"),
        "flag": Text("yes"),
        "data": Text('data/in "1"\\new.csv'),  # papermill's translator writes "data/in "1"\new.csv"
        "layers": Text("[64, 32]"),
        "shape": Text("[2, 3]"),
        "weights": Text("{a: 0.5, b: 2}"),
        "mode": Text("slow"),
        "limit": Text("null"),
        "tags": ["b", "a"],
    }
    result = execute_notebook(nb, tmp_path / "out.ipynb", parameters=given)
    types = {name: result.records[f"type_{name}"] for name in TYPED_NAMES}
    assert types == {
        "name": "str",
        "seed": "int",
        "alpha": "float",
        "flag": "bool",
        "data": "PosixPath",
        "out": "PosixPath",  # the default Path("out"), untouched
        "layers": "list",
        "shape": "tuple",
        "weights": "dict",
        "mode": "str",
        "limit": "NoneType",
        "tags": "set",
    }
    reprs = {name: result.records[f"repr_{name}"] for name in TYPED_NAMES}
    assert reprs["name"] == "'007'"
    assert reprs["seed"] == "7"
    assert reprs["alpha"] == "0.001"
    assert reprs["data"] == repr(Path('data/in "1"\\new.csv'))
    assert reprs["shape"] == "(2, 3)"
    assert reprs["weights"] == "{'a': 0.5, 'b': 2.0}"
    assert reprs["tags"] == "{'a', 'b'}" or reprs["tags"] == "{'b', 'a'}"
    assert result.parameters["data"] == Path('data/in "1"\\new.csv')
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert executed.cells[2].metadata["tags"] == ["injected-parameters"]
    assert executed.metadata["papermill"]["parameters"]["data"] == 'data/in "1"\\new.csv'
    assert executed.metadata["papermill"]["input_path"] == str(nb)


def test_invalid_parameters_fail_before_any_kernel_starts(
    write_notebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("papermill was called: a kernel would have started")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    nb = write_notebook([("from pathlib import Path\ndata: Path\nalpha: float = 0.1", ["parameters"]), "x = 1"])
    out = tmp_path / "out" / "executed.ipynb"
    with pytest.raises(ParameterError) as caught:
        execute_notebook(nb, out, parameters={"alpha": Text("abc"), "alpah": 1})
    assert [problem.name for problem in caught.value.problems] == ["alpha", "alpah", "data"]
    assert not out.parent.exists()
