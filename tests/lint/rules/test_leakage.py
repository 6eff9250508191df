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


# --- what the dataflow follows: functions, folds, row positions, cells that do not parse ---------

SKLEARN = (
    "import numpy as np\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.linear_model import LogisticRegression\nfrom sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import KFold, train_test_split"
)


def test_python2_cell_keeps_the_statements_that_parse() -> None:
    leaky = notebook(
        code(SKLEARN),
        code('X = StandardScaler().fit_transform(X)\nprint "Feature space holds %d rows" % X.shape[0]'),
        code("X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)"),
        code("model = LogisticRegression().fit(X_tr, y_tr)\nacc = model.score(X_te, y_te)\nprint acc"),
    )
    assert positions(run_rule("DSQ501", leaky)) == [(2, 1)]
    # a statement that does not parse forgets the names it assigns: X is no longer known to be scaled
    forgotten = notebook(*leaky["cells"][:2], code("X = `X`\nprint X"), *leaky["cells"][2:])
    assert run_rule("DSQ501", forgotten) == []


def test_old_kfold_iteration_gives_fold_indices() -> None:
    document = notebook(
        code(SKLEARN + "\nfrom sklearn.cross_validation import KFold"),
        code("X = StandardScaler().fit_transform(X)"),
        code(
            "kf = KFold(len(y), n_folds=3)\nfor tr, te in kf:\n"
            "    m = LogisticRegression().fit(X[tr], y[tr])\n    print(m.score(X[te], y[te]))"
        ),
    )
    flow = analyse(build_model_of(document))  # type: ignore[arg-type]
    assert flow is not None
    assert flow.fits[-1].x.labels == {Label.TRAIN}
    assert flow.uses[-1].data.labels == {Label.VALID}
    (finding,) = run_rule("DSQ505", document)
    assert (finding.cell, finding.line) == (3, 4)  # at ``X[te]``, the held-out fold of rows fitted on
    assert "`StandardScaler().fit_transform` in cell 2" in finding.message
    assert run_rule("DSQ504", document) == []  # the folds hold rows out


def test_pairs_assigned_one_by_one_cut_rows() -> None:
    document = notebook(
        code(SKLEARN),
        code("X_tr, X_te = X[:400], X[400:]\ny_tr, y_te = y[:400], y[400:]"),
        code("m = LogisticRegression().fit(X_te, y_te)\nprint(m.score(X_te, y_te))"),
    )
    flow = analyse(build_model_of(document))  # type: ignore[arg-type]
    assert flow is not None
    assert [fit.x.labels for fit in flow.fits] == [{Label.TEST}]
    assert positions(run_rule("DSQ502", document)) == [(3, 1)]


def test_function_followed_with_the_rows_passed() -> None:
    helper = "def evaluate(model, X, y):\n    return accuracy_score(y, model.predict(X))"
    leaky = notebook(code(SKLEARN), code(helper), code("m = RandomForestClassifier().fit(X, y)\nevaluate(m, X, y)"))
    (finding,) = run_rule("DSQ504", leaky)
    assert (finding.cell, finding.line) == (2, 2)  # the prediction inside the function
    assert "same rows (`X`)" in finding.message
    fitted = "m = RandomForestClassifier().fit(X, y)\n"
    held_out = notebook(code(SKLEARN), code(helper), code(fitted + "evaluate(m, Xn, yn)"))
    assert run_rule("DSQ504", held_out) == []


def test_branch_on_a_parameter_given_follows_one_side() -> None:
    helper = (
        "def prep(X, scaler=None):\n    if scaler is None:\n        scaler = StandardScaler().fit(X)\n"
        "    return scaler.transform(X), scaler"
    )
    document = notebook(
        code(SKLEARN),
        code(helper),
        code("X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)"),
        code("X_tr, sc = prep(X_tr)\nX_te, _ = prep(X_te, sc)\nX_bad, _ = prep(X_te)"),
    )
    flow = analyse(build_model_of(document))  # type: ignore[arg-type]
    assert flow is not None
    assert [fit.x.labels for fit in flow.fits] == [{Label.TRAIN}, {Label.TEST}]  # not refitted when given
    assert positions(run_rule("DSQ502", document)) == [(2, 3)]  # the third call refits on test rows


def test_one_leak_reaching_two_models_is_reported_for_the_one_scored() -> None:
    document = notebook(
        code(SKLEARN),
        code("X = StandardScaler().fit_transform(X)\nX_tr, X_te, y_tr, y_te = train_test_split(X, y)"),
        code("a = LogisticRegression().fit(X_tr, y_tr)\nb = RandomForestClassifier().fit(X_tr, y_tr)"),
        code("print(b.score(X_te, y_te))"),
    )
    (finding,) = run_rule("DSQ501", document)
    assert "reach `b.score` in cell 4" in finding.message


KERAS = (
    "from sklearn.feature_extraction.text import TfidfVectorizer\n"
    "from sklearn.model_selection import train_test_split\n"
    "from tensorflow import keras\nfrom keras.callbacks import EarlyStopping"
)
NET = "net = keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\nnet.compile(loss='binary_crossentropy')"


def test_keras_models_are_fitted_and_evaluated() -> None:
    leaky = notebook(
        code(KERAS),
        code("X = TfidfVectorizer(min_df=5).fit_transform(texts).toarray()"),
        code("X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)"),
        code(NET + "\nnet.fit(X_tr, y_tr, epochs=4)\nloss, acc = net.evaluate(X_te, y_te)"),
    )
    (finding,) = run_rule("DSQ501", leaky)
    assert "reach `net.evaluate` in cell 4" in finding.message
    correct = notebook(
        code(KERAS),
        code("t_tr, t_te, y_tr, y_te = train_test_split(texts, y, test_size=0.2)"),
        code("vec = TfidfVectorizer(min_df=5).fit(t_tr)\nX_tr, X_te = vec.transform(t_tr), vec.transform(t_te)"),
        code(NET + "\nnet.fit(X_tr, y_tr, epochs=4)\nloss, acc = net.evaluate(X_te, y_te)"),
    )
    assert [f for rule in leakage.RULES for f in run_rule(rule.code, correct)] == []


def test_keras_validation_data_chooses_only_with_callbacks() -> None:
    split = code("X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)")
    watched = "net.fit(X_tr, y_tr, epochs=4, validation_data=(X_te, y_te){})\nnet.evaluate(X_te, y_te)"
    monitored = notebook(code(KERAS), split, code(NET + "\n" + watched.format("")))
    assert run_rule("DSQ502", monitored) == []  # fixed epochs: the test rows are only watched
    stopped = notebook(code(KERAS), split, code(NET + "\n" + watched.format(", callbacks=[EarlyStopping()]")))
    assert positions(run_rule("DSQ502", stopped)) == [(3, 3)]


def test_keras_validation_split_holds_rows_out() -> None:
    fitted = NET + "\nnet.fit(X, y, epochs=4{})\nloss, acc = net.evaluate(X, y)"
    assert positions(run_rule("DSQ504", notebook(code(KERAS), code(fitted.format(""))))) == [(2, 4)]
    assert run_rule("DSQ504", notebook(code(KERAS), code(fitted.format(", validation_split=0.2")))) == []


def test_test_scores_returned_by_a_function_in_a_loop_are_a_selection() -> None:
    helper = "def fit_score(C):\n    return LogisticRegression(C=C).fit(X_tr, y_tr).score(X_te, y_te)"
    split = "X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)\n"
    leaky = notebook(code(SKLEARN), code(helper), code(split + "scores = [fit_score(C) for C in (0.1, 1, 10)]"))
    assert run_rule("DSQ503", leaky) == []  # printed, not chosen from
    chosen = notebook(*leaky["cells"], code("best_C = (0.1, 1, 10)[int(np.argmax(scores))]"))
    (finding,) = run_rule("DSQ503", chosen)
    assert finding.cell == 4
    assert "(cell 2, computed in a loop)" in finding.message  # the score inside the function
