"""The example notebook runs headlessly, lints clean, and reaches the expected verdicts."""

from pathlib import Path

import nbformat
import pytest

from dsquality.runs.execute import execute_notebook

pytestmark = pytest.mark.slow

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "profile_models.ipynb"


def test_notebook_is_saved_clean() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# ")
    assert notebook.cells[-1].cell_type == "markdown"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert [cell for cell in code if "parameters" in cell.metadata.get("tags", [])] == [code[1]]
    assert notebook.metadata.kernelspec.name == "python3"


def test_notebook_profiles_two_models_and_shows_the_plot(tmp_path: Path) -> None:
    result = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", parameters={"repeats": 2})
    assert result.records["tree_fit_verdict"] in {"O(n)", "O(n log n)"}
    assert result.records["svm_fit_verdict"] in {"O(n^2)", "worse than O(n^2)"}
    assert result.records["budget_violations"] >= 1  # the SVM breaks the small-device budget of 1.5
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    html = [
        output["data"]["text/html"]
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "text/html" in output.get("data", {})
    ]
    assert len(html) == 3  # the tree, the SVM, the comparison
    assert all("data:image/png;base64," in text for text in html)
