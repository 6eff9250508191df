"""Tests of dsquality.nbformat3: the reasons given for nbformat-3 notebooks nbformat cannot upgrade.

The notebooks here are the fuzzer's shrunk examples (tests/fuzz): before, their messages passed on
nbformat's bare exception text, such as ``(None, None)`` or nothing at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsquality.errors import NotebookFormatError
from dsquality.nbformat3 import upgrade_v3, v3_problem

PATH = Path("old.ipynb")


def v3(*cells: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": list(cells)}], **top}


def code(**fields: Any) -> dict[str, Any]:
    return {"cell_type": "code", "input": "x", "language": "python", "metadata": {}, "outputs": [], **fields}


@pytest.mark.parametrize(
    ("data", "reason", "cell"),
    [
        (v3(nbformat_minor=1), "'nbformat_minor' is 1: nbformat reads only nbformat 3.0", None),  # was "(None, None)"
        (v3(nbformat_minor="0"), "'nbformat_minor' is '0': nbformat reads only nbformat 3.0", None),  # was ""
        (v3(metadata=None), "'metadata' is missing or not an object", None),
        (v3(worksheets=[[]]), "'worksheets' is missing or not a list of objects", None),
        (v3(code(), code(input=[7])), "'input' is neither a string nor a list of strings", 2),  # was "'int' object…"
        (v3({"cell_type": [], "metadata": {}, "source": ""}), "unknown cell_type []", 1),
        (v3({"cell_type": "heading", "level": "1", "source": "T"}), "heading level '1' is not a number from 1 to 6", 1),
        (
            v3(code(outputs=[{"output_type": "display_data", "json": "not json", "metadata": {}}])),
            "a JSON output does not hold JSON text",  # was "Expecting value: line 1 column 1 (char 0)"
            1,
        ),
        (v3(code(outputs=[{"output_type": "stream", "text": [1]}])), "a stream output holds text that is neither", 1),
    ],
)
def test_invalid_nbformat_3_says_what_and_where(data: dict[str, Any], reason: str, cell: int | None) -> None:
    with pytest.raises(NotebookFormatError) as caught:
        upgrade_v3(json.loads(json.dumps(data)), PATH)
    assert caught.value.reason.startswith(f"nbformat 3 notebook could not be upgraded: {reason}")
    assert caught.value.cell == cell
    assert str(caught.value).startswith(f"{PATH}:" + (f"cell {cell}:" if cell else ""))


def test_a_long_value_is_cut_in_the_message() -> None:
    with pytest.raises(NotebookFormatError) as caught:
        upgrade_v3(v3(nbformat_minor=["x" * 500]), PATH)
    assert "x" * 40 not in caught.value.reason
    assert len(caught.value.reason) < 150


def test_a_valid_notebook_has_no_problem() -> None:
    data = v3(
        code(outputs=[{"output_type": "display_data", "json": ['{"a":', " 1}"], "metadata": {}}]),
        {"cell_type": "heading", "level": 2, "source": ["Title"], "metadata": {}},
    )
    assert v3_problem(data) is None
    assert upgrade_v3(data, PATH)["cells"][1]["source"] == "## Title"


def without_ids(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` less its cells' ids (random, as nbformat gives them)."""
    return {**data, "cells": [{k: v for k, v in cell.items() if k != "id"} for cell in data["cells"]]}


def test_upgrading_in_place_gives_what_upgrading_a_copy_gives() -> None:
    heading = {"cell_type": "heading", "level": 2, "source": ["Part\n", "one"], "metadata": {}}
    output = {"output_type": "pyout", "prompt_number": 1, "text": ["1\n", "2"], "png": "iVBOR", "metadata": {}}
    data = v3(code(input=["a = 1\n", "a"], outputs=[output], prompt_number=1, collapsed=True), heading)
    copied = upgrade_v3(json.loads(json.dumps(data)), PATH)
    in_place = json.loads(json.dumps(data))
    upgraded = upgrade_v3(in_place, PATH, reparse=lambda: json.loads(json.dumps(data)))
    assert upgraded is in_place  # no copy was made
    assert without_ids(upgraded) == without_ids(copied)
    assert upgraded["cells"][0]["source"] == "a = 1\na"
    assert upgraded["cells"][1]["source"] == "## Part one"


def test_a_notebook_left_half_upgraded_in_place_goes_to_nbformat_as_read() -> None:
    # The first cell's lines are joined before the second cell's [7] stops the direct upgrade.
    data = v3(code(input=["a = 1\n", "b = 2"]), code(input=[7]))
    in_place = json.loads(json.dumps(data))
    with pytest.raises(NotebookFormatError) as caught:
        upgrade_v3(in_place, PATH, reparse=lambda: json.loads(json.dumps(data)))
    assert in_place != data  # changed half-way: nbformat must not see it
    with pytest.raises(NotebookFormatError) as from_copy:
        upgrade_v3(json.loads(json.dumps(data)), PATH)
    assert (caught.value.reason, caught.value.cell) == (from_copy.value.reason, from_copy.value.cell)
    assert caught.value.reason.endswith("'input' is neither a string nor a list of strings")
    assert caught.value.cell == 2
    # It is the reparse that nbformat gets (here another notebook, to tell them apart).
    other = v3(code(), code(), code(input=[7]))
    with pytest.raises(NotebookFormatError) as from_reparse:
        upgrade_v3(json.loads(json.dumps(data)), PATH, reparse=lambda: json.loads(json.dumps(other)))
    assert from_reparse.value.cell == 3
