"""Real kernels: these tests start ipykernel through papermill."""

from pathlib import Path

import nbformat
import pytest

from dsquality.errors import NotebookExecutionError, NotebookFormatError
from dsquality.runs.execute import execute_notebook

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
