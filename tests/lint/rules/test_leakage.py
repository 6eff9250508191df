"""Tests of the ML-pitfall rules DSQ501 to DSQ508, on executed fixture notebooks and the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsquality.analysis.dataflow import Label, analyse
from dsquality.analysis.model import build_model
from dsquality.lint.registry import RULES
from dsquality.lint.rule import Finding, Rule
from dsquality.lint.rules import leakage
from dsquality.notebook import read_notebook
from tests.lint.rules.builders import code, make_context, notebook, positions, run_rule

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "leakage"
EXPECTED: dict[str, dict[str, object]] = json.loads((FIXTURES / "expected.json").read_text())
CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def lint_fixture(name: str, rule_code: str) -> list[Finding]:
    model = build_model(read_notebook(FIXTURES / f"{name}.ipynb"))
    return list(RULES[rule_code].check(model, make_context()))


@pytest.mark.parametrize("rule", leakage.RULES, ids=lambda rule: rule.code)
def test_rule_doc_parses(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert "```python" in doc.example
    assert "```python" in doc.fix
    assert rule.name == rule.name.lower()
    assert " " not in rule.name


def test_codes_and_defaults() -> None:
    assert [rule.code for rule in leakage.RULES] == [f"DSQ50{n}" for n in range(1, 9)]
    assert {rule.code for rule in leakage.RULES if not rule.default_enabled} == {"DSQ506"}


def test_three_leaky_and_three_correct_fixtures_per_rule() -> None:
    for rule in leakage.RULES:
        names = [name for name, spec in EXPECTED.items() if spec["rule"] == rule.code]
        assert sum("leaky" in name for name in names) >= 3, rule.code
        assert sum("correct" in name for name in names) >= 3, rule.code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    spec = EXPECTED[name]
    findings = lint_fixture(name, str(spec["rule"]))
    assert [finding.cell for finding in findings] == spec["cells"], [f.message for f in findings]
    for finding in findings:
        assert f"cell {finding.cell}" in finding.message


@pytest.mark.parametrize("name", sorted(name for name in EXPECTED if "correct" in name))
def test_correct_fixtures_are_silent_for_every_leakage_rule(name: str) -> None:
    model = build_model(read_notebook(FIXTURES / f"{name}.ipynb"))
    context = make_context()
    found = {rule.code: list(RULES[rule.code].check(model, context)) for rule in leakage.RULES}
    assert {code_: f for code_, f in found.items() if f} == {}


def test_fixtures_were_executed() -> None:
    for name in EXPECTED:
        document = json.loads((FIXTURES / f"{name}.ipynb").read_text())
        counts = [cell["execution_count"] for cell in document["cells"] if cell["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), name
        assert not any(o["output_type"] == "error" for c in document["cells"] for o in c.get("outputs", [])), name


# --- messages and the dataflow ---------------------------------------------------------------


def test_fit_before_split_message_names_cells_and_fix() -> None:
    (finding,) = lint_fixture("dsq501_leaky_1", "DSQ501")
    assert finding.message.startswith("`StandardScaler().fit_transform` in cell 4 learns statistics of all rows")
    assert "before the split in cell 5" in finding.message
    assert "reach `model.score` in cell 7" in finding.message
    assert "Pipeline" in finding.message


def test_labels_follow_split_positions_not_names() -> None:
    document = notebook(
        code("from sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC"),
        code("a, b, c, d = train_test_split(X, y, random_state=0)"),
        code("m = SVC().fit(b, d)\nm.score(b, d)"),
    )
    flow = analyse(build_model_of(document))
    assert flow is not None
    assert flow.fits[0].x.labels == {Label.TEST}
    assert positions(run_rule("DSQ502", document)) == [(3, 1)]  # fitted and then scored on the test part


def build_model_of(document: dict[str, object]) -> object:
    import json as json_  # noqa: PLC0415

    from dsquality.notebook import parse_notebook  # noqa: PLC0415

    return build_model(parse_notebook(json_.dumps(document).encode(), Path("x.ipynb")))


def test_no_ml_import_no_analysis() -> None:
    document = notebook(code("import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = (df - df.mean()) / df.std()"))
    assert analyse(build_model_of(document)) is None  # type: ignore[arg-type]


def test_validation_split_is_not_test() -> None:
    document = notebook(
        code("from sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC\nimport numpy as np"),
        code("X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)"),
        code("X_a, X_b, y_a, y_b = train_test_split(X_tr, y_tr, random_state=0)"),
        code("s = []\nfor c in [1, 10]:\n    s.append(SVC(C=c).fit(X_a, y_a).score(X_b, y_b))\nbest = np.argmax(s)"),
    )
    assert run_rule("DSQ503", document) == []


def test_implausible_metric_skips_training_lines_and_constants() -> None:
    scored = "print(model.score(X_test, y_test))"
    leaky = notebook(
        code(scored, count=1, outputs=[{"output_type": "stream", "name": "stdout", "text": "Test ROC AUC = 0.995\n"}])
    )
    train = notebook(
        code(scored, count=1, outputs=[{"output_type": "stream", "name": "stdout", "text": "train accuracy 1.00\n"}])
    )
    assert positions(run_rule("DSQ506", leaky)) == [(1, None)]
    assert run_rule("DSQ506", train) == []


@pytest.mark.skipif(not (CORPUS / "notebooks").is_dir(), reason="the shared corpus is absent")
def test_corpus_runs_without_error() -> None:
    context = make_context()
    counts: dict[str, int] = {}
    for path in sorted((CORPUS / "notebooks").rglob("*.ipynb")):
        model = build_model(read_notebook(path))
        for rule in leakage.RULES:
            counts[rule.code] = counts.get(rule.code, 0) + len(list(rule().check(model, context)))
    assert sum(counts.values()) < 20  # precision: the corpus is mostly tutorials without leaks
