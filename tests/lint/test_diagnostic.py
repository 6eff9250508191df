"""Tests of dsquality.lint.diagnostic: messages every report can encode, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from dsquality.config import Config
from dsquality.lint.diagnostic import Diagnostic, Severity
from dsquality.lint.engine import LintSettings, lint_paths
from dsquality.lint.registry import rule_infos
from dsquality.report import FORMATTERS


def test_a_lone_surrogate_in_a_message_is_shown_escaped() -> None:
    diagnostic = Diagnostic(Path("nb.ipynb"), "DSQ202", "missing-title", "heading `## \ud800` é")
    assert diagnostic.message == "heading `## \\ud800` é"
    assert Diagnostic.from_dict(diagnostic.to_dict()) == diagnostic


# Found by the fuzzer (tests/fuzz): DSQ202 quoted the heading "\ud800" (a JSON escape in the file), and the
# text, SARIF and GitHub reports failed with a UnicodeEncodeError: `dsq lint` crashed with exit 3.
SHRUNK = (
    b'{"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [{"cell_type": '
    b'"heading", "metadata": {}, "source": "\\ud800", "level": 2}], "metadata": {}}]}'
)


@pytest.mark.parametrize("formatter", sorted(FORMATTERS))
def test_every_report_of_a_notebook_quoting_a_lone_surrogate_encodes(tmp_path: Path, formatter: str) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(SHRUNK)
    report = lint_paths([path], Config(root=tmp_path), LintSettings(ruff=False, mypy=False, cache=False, jobs=1))
    assert any(d.code == "DSQ202" and "\\ud800" in d.message for d in report.diagnostics)
    FORMATTERS[formatter](report, rule_infos()).encode("utf-8")


def test_a_diagnostic_pickles_to_an_equal_one() -> None:
    full = Diagnostic(
        path=Path("sub/nb.ipynb"),
        code="DSQ103",
        name="use-before-define",
        message="`x` is read before it is defined",
        severity=Severity.ERROR,
        source="dsquality",
        cell=3,
        line=2,
        column=5,
        cell_id="c3",
        end_line=2,
        end_column=6,
        fixable=True,
        file_line=41,
    )
    minimal = Diagnostic(path=Path("a.ipynb"), code="E501", name="line-too-long", message="m", source="ruff")
    for diagnostic in (full, minimal):
        copy = pickle.loads(pickle.dumps(diagnostic, pickle.HIGHEST_PROTOCOL))
        assert copy == diagnostic
        assert copy.severity is diagnostic.severity
        assert type(copy.path) is type(diagnostic.path)
