import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dsquality.errors import NotebookFormatError, RecordError
from dsquality.results import RECORD_MIME_TYPE, read, records_in, to_json_value


def test_plain_json_values_pass_through() -> None:
    value = {"a": [1, 2.5, "x", None, True], "b": {"c": -1}}
    assert to_json_value("v", value) == value


def test_tuples_become_lists_and_keys_strings() -> None:
    assert to_json_value("v", {1: (1, 2)}) == {"1": [1, 2]}


def test_non_finite_floats_become_null() -> None:
    assert to_json_value("v", [math.nan, math.inf, 1.0]) == [None, None, 1.0]


def test_numpy_values_become_python_values() -> None:
    converted = to_json_value("v", {"acc": np.float64(0.93), "counts": np.array([[1, 2], [3, 4]])})
    assert converted == {"acc": 0.93, "counts": [[1, 2], [3, 4]]}
    assert type(converted["acc"]) is float
    json.dumps(converted)


def test_dataframe_becomes_records_and_series_a_mapping() -> None:
    frame = pd.DataFrame({"model": ["a", "b"], "score": [0.5, 0.75]})
    assert to_json_value("v", frame) == [{"model": "a", "score": 0.5}, {"model": "b", "score": 0.75}]
    assert to_json_value("v", pd.Series([1, 2], index=["x", "y"])) == {"x": 1, "y": 2}


def test_unserializable_value_names_the_path_to_it() -> None:
    with pytest.raises(RecordError, match=r"record\('m\[0\]\[1\]', ...\): a object value") as caught:
        to_json_value("m", [[1, object()]])
    assert caught.value.type_name == "object"


def _notebook_with_records(*payloads: dict[str, object]) -> dict[str, object]:
    outputs = [
        {"output_type": "display_data", "data": {RECORD_MIME_TYPE: payload, "text/plain": "x"}, "metadata": {}}
        for payload in payloads
    ]
    return {
        "cells": [
            {"cell_type": "markdown", "source": "# t", "metadata": {}},
            {"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs, "execution_count": 1},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_read_collects_records_and_later_wins(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nb = _notebook_with_records(
        {"name": "acc", "value": 0.5}, {"name": "f1", "value": 0.7}, {"name": "acc", "value": 0.9}
    )
    path.write_text(json.dumps(nb))
    assert read(path) == {"acc": 0.9, "f1": 0.7}


def test_records_in_ignores_foreign_outputs() -> None:
    nb = _notebook_with_records({"value": 1}, {"name": 3, "value": 1})
    assert records_in(nb) == {}


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe\x00"])
def test_read_of_a_broken_file_is_a_notebook_format_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookFormatError) as caught:
        read(path)
    assert caught.value.path == path
