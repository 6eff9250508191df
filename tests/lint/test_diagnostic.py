"""Tests of dsquality.lint.diagnostic: messages every report can encode."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsquality.config import Config
from dsquality.lint.diagnostic import Diagnostic
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
