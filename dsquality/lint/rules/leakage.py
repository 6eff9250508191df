"""Rules of the ML-pitfall family (DSQ5xx): data leakage and evaluation mistakes.

The rules read the shared dataflow of :mod:`dsquality.analysis.dataflow` (one walk per notebook,
only for notebooks that import a machine-learning library). They report only what the dataflow
proves: a leak from rows not yet split into rows a model is scored on, test rows in a fit, test
scores used to choose. False positives are worse than misses here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from dsquality.analysis.dataflow import (
    Dataflow,
    Derived,
    Estimator,
    Event,
    Label,
    Leak,
    LeakKind,
    Order,
    Score,
    Use,
    analyse,
)
from dsquality.analysis.ml_knowledge import PREDICT_METHODS, SCORE_METHODS, Kind
from dsquality.analysis.model import NotebookModel
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex

__all__ = [
    "RULES",
    "FitBeforeSplit",
    "ImplausibleMetric",
    "NoHeldOutEvaluation",
    "PreprocessingOutsideCv",
    "ResampleBeforeSplit",
    "TargetDerivedFeature",
    "TestInFit",
    "TestSetSelection",
]

_SCORING = PREDICT_METHODS | SCORE_METHODS
_MODELS = (Kind.MODEL, Kind.SEARCH)


def _at(place: Leak | Derived | Event, message: str) -> Finding:
    """A finding at the place of a leak, a derived column or an event."""
    column = place.column_offset if isinstance(place, Derived) else place.column
    return Finding(message, cell=place.cell, line=place.line, column=column)


def _scored_on_test(flow: Dataflow, estimator: Estimator, after: Order) -> Use | None:
    """The first use of ``estimator`` that scores or predicts test rows after ``after``."""
    return next(
        (
            use
            for use in flow.uses
            if use.estimator is estimator
            and use.method in _SCORING
            and use.order > after
            and Label.TEST in use.data.labels
        ),
        None,
    )


def _what(use: Use) -> str:
    return f"`{use.estimator.label}.{use.method}`"


class FitBeforeSplit(Rule):
    """A stateful transformer is fitted on all rows before they are split into train and test.

    ## What it does
    Follows the data through the cells: a scaler, imputer, discretizer, PCA/SVD, feature selector,
    Count/TF-IDF vectorizer or target encoder fitted (or `(X - X.mean()) / X.std()` computed) on
    rows not yet split, whose output reaches a model's `fit` on the training rows and its
    `score`/`predict`/`evaluate` on the test rows. Column statistics count too, a per-group
    imputation like `df.groupby(g)[c].transform(lambda s: s.fillna(s.median()))` included. The data
    is followed through the notebook's own functions (`X, scaler = preprocess(X)`) and into splits of
    row positions (`train_test_split(np.arange(len(X)))`). Stateless transforms (`Normalizer`,
    `FunctionTransformer`, `np.log`) are fine.

    ## Why is this bad?
    The test rows shaped the statistics the model was trained with (their mean, their vocabulary,
    the columns selected with their labels), so the test score is optimistic: the model is judged
    on rows it has, in part, already seen. The effect is largest with few rows and feature selection.

    ## Example
    ```python
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = LogisticRegression().fit(X_train, y_train)
    model.score(X_test, y_test)
    ```

    ## How to fix
    Split first and fit the transformer on the training rows only, or put it in a Pipeline:
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    model.score(X_test, y_test)
    ```
    """

    code = "DSQ501"
    name = "fit-before-split"
    summary = "A stateful transformer fitted on all rows before the train/test split"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report each leak that reaches both a fit on training rows and a score on test rows."""
        flow = analyse(model)
        if flow is None:
            return
        trained: dict[Leak, set[int]] = {}  # the estimators trained on each leak's output
        for fit in flow.fits:
            if fit.estimator.kind in _MODELS and Label.TRAIN in fit.x.labels:
                for leak in fit.x.leaks:
                    trained.setdefault(leak, set()).add(id(fit.estimator))
        reported: set[Leak] = set()
        for use in flow.uses:
            if use.method not in _SCORING or Label.TEST not in use.data.labels:
                continue
            for leak in sorted(use.data.leaks & trained.keys(), key=lambda leak: (leak.cell, leak.line)):
                if leak.kind is not LeakKind.PREFIT or leak in reported or id(use.estimator) not in trained[leak]:
                    continue
                reported.add(leak)
                split = next((s for s in flow.splits if leak in s.data.leaks), None)
                before = f", before the split in cell {split.cell}" if split else ", before they are split"
                yield _at(
                    leak,
                    f"{leak.what} in cell {leak.cell} learns statistics of all rows{before}; test rows it has seen "
                    f"reach {_what(use)} in cell {use.cell}: split first and fit it on the training rows only, "
                    "or put it in a Pipeline with the model",
                )


class TestInFit(Rule):
    """Test rows reach a `fit`, and the model is then scored on test rows.

    ## What it does
    Reports `fit`, `fit_transform`, `partial_fit` or `fit_resample` given test rows (the test part
    of a split, or a concatenation containing it), positionally, by keyword or as `eval_set=` (or
    Keras' `validation_data=` with `callbacks=`, which choose the epoch on them), when the same
    model is later scored on test rows. A stateful
    transformer or an oversampler fitted on test rows is always reported. A final refit on all rows
    with no score after it is fine.

    ## Why is this bad?
    A model that has seen the test rows (or chose its number of boosting rounds on them) is
    scored on its own training data: the score no longer estimates performance on new data.
    Re-fitting a scaler on the test rows gives them a different scale from the training rows.

    ## Example
    ```python
    model.fit(X_train, y_train, eval_set=[(X_test, y_test)], early_stopping_rounds=10)
    X_test = scaler.fit_transform(X_test)
    model.score(X_test, y_test)
    ```

    ## How to fix
    Early-stop on a validation split of the training rows; transform test rows with the scaler
    fitted on the training rows:
    ```python
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, random_state=0)
    model.fit(X_fit, y_fit, eval_set=[(X_val, y_val)], early_stopping_rounds=10)
    X_test = scaler.transform(X_test)
    model.score(X_test, y_test)
    ```
    """

    __test__ = False  # not a pytest class, despite its name

    code = "DSQ502"
    name = "test-in-fit"
    summary = "Test rows reach a fit"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report fits on test rows followed by a score on test rows (always, for transformers)."""
        flow = analyse(model)
        if flow is None:
            return
        for fit in flow.fits:
            if Label.TEST not in fit.fitted_on.labels:
                continue
            estimator = fit.estimator
            call = f"`{estimator.label}.{fit.method}`"
            given = (
                f"`{fit.x_name}`"
                if fit.x_name and Label.TEST in fit.x.labels
                else "test rows"
                if Label.TEST in fit.x.labels | fit.y.labels
                else "test rows as `eval_set`/`validation_data`"
            )
            if estimator.kind in (Kind.TRANSFORMER, Kind.RESAMPLER):
                yield _at(
                    fit,
                    f"{call} in cell {fit.cell} fits {estimator.label} on {given}, which are test rows: transform "
                    f"them with `{estimator.label}` fitted on the training rows (`.transform`, not `.{fit.method}`)",
                )
                continue
            use = _scored_on_test(flow, estimator, fit.order)
            if estimator.kind in _MODELS and use is not None:
                yield _at(
                    fit,
                    f"{call} in cell {fit.cell} is given {given}, which are test rows, and {_what(use)} in cell "
                    f"{use.cell} then evaluates it on test rows: fit on the training rows only (early-stop on a "
                    "validation split of them)",
                )


def _looks_like_validation(scores: Iterable[Score]) -> bool:
    return any(s.data_name and re.search(r"val|dev", s.data_name, re.IGNORECASE) for s in scores)


class TestSetSelection(Rule):
    """Test scores are used to choose the best model or setting.

    ## What it does
    Reports test scores computed in a loop, or for several models, that feed `max`, `argmax`,
    `sorted`, `idxmax`, an `if score > best:` comparison in a loop or a `best_*` assignment.

    ## Why is this bad?
    Choosing on the test set makes it a validation set: the winner's test score is the maximum of
    several noisy estimates, biased upwards, and no untouched data is left to report.

    ## Example
    ```python
    scores = []
    for k in range(1, 30):
        knn = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)
        scores.append(knn.score(X_test, y_test))
    best_k = int(np.argmax(scores)) + 1
    ```

    ## How to fix
    Choose with cross-validation on the training rows, then score the chosen model on test once:
    ```python
    search = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": range(1, 30)}, cv=5)
    search.fit(X_train, y_train)
    search.score(X_test, y_test)
    ```
    """

    __test__ = False

    code = "DSQ503"
    name = "test-set-selection"
    summary = "Test scores used to choose a model or a setting"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report selections over test scores from a loop or from several models."""
        flow = analyse(model)
        if flow is None:
            return
        reported: set[frozenset[tuple[int, int, int]]] = set()
        for selection in flow.selections:
            scores = selection.scores
            sites = frozenset((s.cell, s.line, s.column) for s in scores)
            if not (any(s.in_loop for s in scores) or len(sites) > 1) or _looks_like_validation(scores):
                continue
            if sites in reported:
                continue  # one finding per set of scores, at the first choice made from them
            reported.add(sites)
            first = min(scores, key=lambda s: (s.cell, s.line))
            source = "in a loop" if any(s.in_loop for s in scores) else f"for {len(sites)} models"
            yield _at(
                selection,
                f"test scores from {first.what} (cell {first.cell}, computed {source}) pick the best with "
                f"{selection.how} in cell {selection.cell}: the test set became a validation set; choose with "
                "cross-validation or a validation split and score the chosen model on test once",
            )


_SPLIT_NAMES = lazy_regex(r"(train_test_split|cross_val|cross_validate|KFold|ShuffleSplit|SearchCV|\bsplit)$")


class NoHeldOutEvaluation(Rule):
    """Every score of a model is on the rows it was fitted on, and nothing is held out.

    ## What it does
    Reports a model whose every `score`, or metric of its predictions, is computed on the very
    rows given to its `fit`, in a notebook with no split, no row cut, no cross-validation and no
    `fit` given validation rows (`validation_split=`, `eval_set=`). A training score next to a
    held-out score is fine.

    ## Why is this bad?
    A training score measures memorisation: a 1-nearest-neighbour classifier scores 100% on its
    training rows. It says nothing about new data, which is what the notebook's readers assume.

    ## Example
    ```python
    model = RandomForestClassifier(random_state=0).fit(X, y)
    print(accuracy_score(y, model.predict(X)))
    ```

    ## How to fix
    Hold out test rows, or cross-validate:
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = RandomForestClassifier(random_state=0).fit(X_train, y_train)
    print(accuracy_score(y_test, model.predict(X_test)))
    ```
    """

    code = "DSQ504"
    name = "no-held-out-evaluation"
    summary = "A model scored only on its training rows, with nothing held out"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report the first score when every score is on fitted rows and nothing is held out."""
        flow = analyse(model)
        if flow is None or flow.has_held_out_data:
            return
        fitted: dict[int, set[tuple[str, int] | None]] = {}
        for fit in flow.fits:
            if fit.estimator.kind is Kind.MODEL:
                fitted.setdefault(id(fit.estimator), set()).add(fit.x_key)
            else:
                return  # a search cross-validates; a transformer fitted alone: not this rule's case
        scores: list[tuple[Use, tuple[str, int]]] = []
        for use in flow.uses:
            if use.method not in _SCORING:
                continue
            keys = fitted.get(id(use.estimator))
            if keys is None or use.x_key is None or use.x_key not in keys:
                return  # predictions on other rows: evaluated elsewhere, perhaps
            if use.method in SCORE_METHODS:
                scores.append((use, use.x_key))
        if any(metric.data.predicted_by for metric in flow.metrics):
            scores += [
                (use, use.x_key) for use in flow.uses if use.method not in SCORE_METHODS and use.x_key is not None
            ]
        if not scores or _mentions_splitting(model):  # last: the test that reads every call of the notebook
            return
        use, key = min(scores, key=lambda item: item[0].order)
        fit = next(f for f in flow.fits if f.estimator is use.estimator)
        yield _at(
            use,
            f"`{use.estimator.label}` is fitted in cell {fit.cell} and evaluated in cell {use.cell} on the same rows "
            f"(`{key[0]}`), and the notebook holds out no data: that score measures memorisation; split with "
            "`train_test_split` or cross-validate",
        )


def _mentions_splitting(model: NotebookModel) -> bool:
    """Any call named like a split or a cross-validation, resolved or not (a safety net)."""
    split_names = _SPLIT_NAMES()
    return any(split_names.search(call.func) for code in model.code_cells for call in code.facts.calls)


class PreprocessingOutsideCv(Rule):
    """Cross-validation of data a stateful transformer was fitted on, outside the folds.

    ## What it does
    Reports the X given to `cross_val_score`, `cross_validate`, `cross_val_predict`,
    `learning_curve`, a `*SearchCV.fit` or a manual loop over `KFold` folds (in a cell or in a
    function of the notebook, `for tr, te in kf.split(X)` or the old `for tr, te in kf`) when it
    was produced by a stateful `fit_transform` (scaler, imputer, selector, vectorizer, PCA…) on the
    same rows.

    ## Why is this bad?
    Each validation fold was seen by the transformer, so every fold's score is optimistic, and
    the hyperparameters chosen on them are chosen on leaked statistics.

    ## Example
    ```python
    X_scaled = StandardScaler().fit_transform(X)
    cross_val_score(SVC(), X_scaled, y, cv=5)
    ```

    ## How to fix
    Cross-validate a Pipeline, so the transformer is fitted inside each fold:
    ```python
    cross_val_score(make_pipeline(StandardScaler(), SVC()), X, y, cv=5)
    ```
    """

    code = "DSQ505"
    name = "preprocessing-outside-cv"
    summary = "Data transformed by a stateful fit on all rows, then cross-validated"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report cross-validations of data that carries a fit on all rows (once per fit)."""
        flow = analyse(model)
        if flow is None:
            return
        reported: set[Leak] = set()
        for validation in flow.cross_validations:
            leaks = sorted(
                (leak for leak in validation.data.leaks if leak.kind is LeakKind.PREFIT),
                key=lambda leak: (leak.cell, leak.line),
            )
            if leaks and not reported.issuperset(leaks):
                leak = leaks[0]
                reported.update(leaks)
                yield _at(
                    validation,
                    f"the X cross-validated by {validation.what} in cell {validation.cell} was transformed by "
                    f"{leak.what} in cell {leak.cell}, fitted on all its rows, so every validation fold was seen by "
                    "it: cross-validate a Pipeline of the transformer and the model instead",
                )


# --- DSQ506 -----------------------------------------------------------------------------------

_METRIC = r"(?P<name>accuracy|acc|roc[ _-]?auc|auc|f1(?:[ _-]?score)?|precision|recall|r2|r\^2|r²|r-squared|r squared)"
_NUMBER = r"(?P<number>\d{1,3}(?:\.\d+)?\s*%|0?\.\d+|1\.0+)(?![\d.eE])"
_METRIC_LINE = lazy_regex(rf"(?<![A-Za-z_]){_METRIC}(?![A-Za-z])[^\n\d]{{0,30}}?(?<![\w.-]){_NUMBER}", re.IGNORECASE)
_TRAINING_LINE = lazy_regex(r"train|loss|epoch|\bfit\b", re.IGNORECASE)
_SCORING_CALL = lazy_regex(r"score|accuracy|report|metric|evaluate|auc|precision|recall|\bf1", re.IGNORECASE)
_PLAUSIBLE = 0.99


def _output_texts(output: Any) -> Iterator[str]:
    if not isinstance(output, dict):
        return
    if output.get("output_type") == "stream":
        text = output.get("text")
        yield "".join(text) if isinstance(text, list) else str(text or "")
    elif output.get("output_type") in {"execute_result", "display_data"}:
        data = output.get("data")
        if isinstance(data, dict) and "text/plain" in data:
            text = data["text/plain"]
            yield "".join(text) if isinstance(text, list) else str(text)


def _implausible(text: str, source: str) -> Iterator[tuple[str, str]]:
    """``(line, number)`` of metric lines reporting a value >= 0.99 that the source does not spell."""
    training, metric = _TRAINING_LINE(), _METRIC_LINE()
    for line in text.splitlines():
        if training.search(line):
            continue
        for match in metric.finditer(line):
            number = match.group("number")
            value = float(number.rstrip("% ")) / 100 if number.endswith("%") else float(number)
            if _PLAUSIBLE <= value <= 1 and number.strip() not in source:
                yield line.strip(), number


class ImplausibleMetric(Rule):
    """A saved output reports a held-out accuracy, AUC, F1, precision, recall or R² of 0.99 or more.

    ## What it does
    Reads the saved outputs of cells that compute a score and reports a line naming accuracy,
    AUC, F1, precision, recall or R² with a value of 0.99 or more (99% included), the
    `accuracy` line of a `classification_report` too. Lines that say train, loss or epoch, and
    numbers the cell's source spells out, are skipped.

    Off by default: on easy benchmark data (iris, digits) such scores are real.

    ## Why is this bad?
    On real data, a near-perfect held-out score is far more often a leak (the target among the
    features, test rows in training, duplicates across the split) than a perfect model.

    ## Example
    ```python
    print("accuracy:", accuracy_score(y_test, model.predict(X_test)))
    # accuracy: 1.0
    ```

    ## How to fix
    Look for the leak (run DSQ501 to DSQ508), then re-run; if the score is real, say why in a
    markdown cell and suppress the finding for that cell:
    ```python
    print("accuracy:", accuracy_score(y_test, model.predict(X_test)))  # dsq: noqa: DSQ506
    ```
    """

    code = "DSQ506"
    name = "implausible-metric"
    summary = "A saved output reports a held-out metric of 0.99 or more"
    default_enabled = False

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report the first implausible metric line of each scoring cell's outputs."""
        for code in model.code_cells:
            outputs = code.cell.outputs
            if not outputs or not any(_SCORING_CALL().search(call.func) for call in code.facts.calls):
                continue
            found = next(
                (
                    hit
                    for output in outputs
                    for text in _output_texts(output)
                    for hit in _implausible(text, code.cell.source)
                ),
                None,
            )
            if found is not None:
                line, number = found
                yield Finding(
                    f"cell {code.index} reports {number} in its output (`{line[:60]}`): a held-out score this "
                    "high is more often a leak than a perfect model; check for the target among the features, test "
                    "rows in training, or duplicates across the split",
                    cell=code.index,
                )


class TargetDerivedFeature(Rule):
    """A feature column computed from the target ends up in the model's input.

    ## What it does
    Reports a column assigned from the target (`df["y"]`, a `groupby(...)["y"].transform(...)` over
    all rows, `y` itself) on a frame not yet split, when that column is still among the features
    given to a model's `fit` whose target is that column.

    ## Why is this bad?
    The feature carries the answer: the model learns to read it, scores brilliantly, and fails on
    new rows, whose target is unknown when the feature has to be computed.

    ## Example
    ```python
    df["mean_price_by_zip"] = df.groupby("zip")["price"].transform("mean")
    X, y = df.drop(columns="price"), df["price"]
    ```

    ## How to fix
    Drop the column, or compute target statistics on the training rows only (inside the folds,
    e.g. with scikit-learn's `TargetEncoder` in a Pipeline):
    ```python
    X, y = df.drop(columns="price"), df["price"]
    model = make_pipeline(TargetEncoder(), Ridge()).fit(X_train[["zip"]], y_train)
    ```
    """

    code = "DSQ507"
    name = "target-derived-feature"
    summary = "A feature column computed from the target"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report derived columns whose sources include the target of a fit they reach."""
        flow = analyse(model)
        if flow is None:
            return
        reported: set[Derived] = set()
        for fit in flow.fits:
            target = fit.y.columns
            if fit.estimator.kind not in _MODELS or not target or not fit.x.derived:
                continue
            for derived in sorted(fit.x.derived, key=lambda d: (d.cell, d.line)):
                sources = derived.sources & target
                if sources and derived not in reported:
                    reported.add(derived)
                    source = sorted(sources)[0]
                    yield _at(
                        derived,
                        f"column '{derived.column}' assigned in cell {derived.cell} is computed from the target "
                        f"'{source}' and is among the features of `{fit.estimator.label}.{fit.method}` in cell "
                        f"{fit.cell}: drop it, or compute it from training rows only inside a Pipeline",
                    )


class ResampleBeforeSplit(Rule):
    """Rows are oversampled before they are split or cross-validated.

    ## What it does
    Reports oversampling (`SMOTE().fit_resample`, `RandomOverSampler`, `sklearn.utils.resample`
    with replacement, `df.sample(..., replace=True)`) of rows not yet split, when its output then
    reaches a split or a cross-validation.

    ## Why is this bad?
    Copies of a row (or synthetic rows interpolated from it) land on both sides of the split: the
    model is tested on rows it was trained on, and the minority class looks far easier than it is.

    ## Example
    ```python
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=0)
    ```

    ## How to fix
    Split first and oversample the training rows only (an imblearn Pipeline does it per fold):
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X_train, y_train)
    ```
    """

    code = "DSQ508"
    name = "resample-before-split"
    summary = "Oversampling of all rows before the split or cross-validation"
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report each oversampling whose rows reach a split or a cross-validation."""
        flow = analyse(model)
        if flow is None:
            return
        reported: set[Leak] = set()
        targets = [(s.what, s.cell, s.data) for s in flow.splits]
        targets += [(v.what, v.cell, v.data) for v in flow.cross_validations]
        for what, cell, data in sorted(targets, key=lambda item: item[1]):
            for leak in data.leaks:
                if leak.kind is LeakKind.RESAMPLE and leak not in reported:
                    reported.add(leak)
                    yield _at(
                        leak,
                        f"{leak.what} in cell {leak.cell} oversamples all rows before {what} in cell {cell}: copies "
                        "of the same rows end up on both sides; split first and oversample the training rows only",
                    )


RULES: tuple[type[Rule], ...] = (
    FitBeforeSplit,
    TestInFit,
    TestSetSelection,
    NoHeldOutEvaluation,
    PreprocessingOutsideCv,
    ImplausibleMetric,
    TargetDerivedFeature,
    ResampleBeforeSplit,
)
