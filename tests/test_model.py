# ruff: noqa: N803, N806 - X (capital) is scikit-learn's name for features
import inspect
import json
import pickle
import stat
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.typing import NDArray
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency, check_estimator
from sklearn.utils.validation import check_is_fitted

import dsquality
from dsquality.data import TrainingData
from dsquality.errors import DSQualityError, ModelFileError, NotFittedError, NotLatestVersionError
from dsquality.model import (
    MODEL_FILE_FORMAT,
    MODEL_FILE_MAGIC,
    ModelInterface,
    ModelNotFittedError,
    ModelVersionWarning,
    SklearnModel,
)

# --- fixtures and helper models --------------------------------------------------------------


@pytest.fixture(scope="module")
def classification() -> tuple[NDArray[Any], NDArray[Any]]:
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, n_classes=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def regression() -> tuple[NDArray[Any], NDArray[Any]]:
    X, y = make_regression(n_samples=80, n_features=4, noise=0.1, random_state=0)
    return X, y


class MajorityModel(ModelInterface[NDArray[Any], NDArray[Any]]):
    """Predicts the most frequent label. Deliberately has no not-fitted check of its own."""

    version = "3"

    def fit(self, X: NDArray[Any], y: NDArray[Any]) -> Self:
        values, counts = np.unique(y, return_counts=True)
        self.label_ = values[counts.argmax()]
        return self

    def predict(self, X: NDArray[Any]) -> NDArray[Any]:
        """Majority label for every row."""
        return np.full(len(X), self.label_)


class ShiftedMajority(MajorityModel):
    """A subclass of a subclass that overrides predict and calls super()."""

    def predict(self, X: NDArray[Any]) -> NDArray[Any]:
        return super().predict(X) + 1


class FailingFit(MajorityModel):
    def fit(self, X: NDArray[Any], y: NDArray[Any]) -> Self:
        raise RuntimeError("fit failed")


def _unpickled() -> None:
    raise AssertionError("the payload was unpickled")


class _Tripwire:
    """Unpickling this runs _unpickled(), which fails the test."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpickled, ())


def _header(**changes: Any) -> dict[str, Any]:
    versions = {"dsquality": dsquality.__version__, "model": SklearnModel.version, "scikit-learn": sklearn.__version__}
    versions.update(changes)
    return {"format": MODEL_FILE_FORMAT, "class": "dsquality.model:SklearnModel", "versions": versions}


_TRIPWIRE = pickle.dumps(_Tripwire())


def _model_file(path: Path, header: dict[str, Any], payload: object) -> Path:
    path.write_bytes(MODEL_FILE_MAGIC + json.dumps(header).encode() + b"\n" + pickle.dumps(payload))
    return path


# --- scikit-learn's estimator checks ----------------------------------------------------------

# Checks that exercise what the wrapper itself does: route calls, raise before fit, expose fitted
# attributes, keep params, pickle. They must be among the checks that ran and passed.
_WRAPPER_CHECKS = {
    "check_estimators_unfitted",
    "check_fit_check_is_fitted",
    "check_estimators_pickle",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_get_params_invariance",
    "check_set_params",
    "check_fit_idempotent",
    "check_methods_subset_invariance",
}


@pytest.mark.parametrize(
    ("estimator", "type_checks"),
    [
        pytest.param(
            LogisticRegression(),
            {"check_classifiers_train", "check_classifiers_classes", "check_decision_proba_consistency"},
            id="LogisticRegression",
        ),
        pytest.param(Ridge(), {"check_regressors_train", "check_regressors_no_decision_function"}, id="Ridge"),
        # random_state is a nested parameter (estimator__random_state), which the checks'
        # set_random_state() cannot reach, so the inner forest is seeded here.
        pytest.param(
            RandomForestClassifier(n_estimators=10, random_state=0),
            {"check_classifiers_train"},
            id="RandomForestClassifier",
        ),
    ],
)
def test_check_estimator_passes(estimator: Any, type_checks: set[str]) -> None:
    results = check_estimator(SklearnModel(estimator), on_fail=None, on_skip=None)

    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] in {"failed", "xfail"}}
    assert failed == {}
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert passed >= _WRAPPER_CHECKS | type_checks

    # check_estimator does not run this check (scikit-learn runs it on its own estimators only);
    # it matters for a wrapper: feature names must reach the estimator, which warns on a mismatch.
    # np.errstate: the forest's predict_log_proba takes log(0) for pure leaves, wrapped or not.
    with np.errstate(divide="ignore"):
        check_dataframe_column_names_consistency("SklearnModel", SklearnModel(estimator))


def test_tags_and_estimator_type_are_the_wrapped_estimators() -> None:
    assert is_classifier(SklearnModel(LogisticRegression()))
    assert is_regressor(SklearnModel(Ridge()))
    assert SklearnModel(LogisticRegression()).__sklearn_tags__() == LogisticRegression().__sklearn_tags__()
    # An invalid estimator does not break tags (init and set_params must accept anything).
    assert SklearnModel("not an estimator").__sklearn_tags__().estimator_type is None


def test_methods_exist_only_when_the_estimator_has_them(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, _ = classification
    classifier = SklearnModel(LogisticRegression())
    regressor = SklearnModel(Ridge())
    for model in (classifier, regressor):
        assert hasattr(model, "score")
        assert not hasattr(model, "transform")
    assert hasattr(classifier, "predict_proba")
    assert hasattr(classifier, "decision_function")
    assert not hasattr(regressor, "predict_proba")
    assert not hasattr(regressor, "predict_log_proba")
    with pytest.raises(AttributeError, match="predict_proba"):
        regressor.predict_proba(X)

    scaler = SklearnModel(StandardScaler()).fit(X)
    np.testing.assert_allclose(scaler.transform(X), StandardScaler().fit_transform(X))
    assert not hasattr(scaler, "score")


def test_fitted_attributes(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    estimator = LogisticRegression()
    model = SklearnModel(estimator)
    assert not hasattr(model, "estimator_")
    assert not hasattr(model, "classes_")
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)

    model.fit(X, y)

    check_is_fitted(model)
    assert model.is_fitted
    assert model.estimator_ is not estimator
    assert not hasattr(estimator, "coef_")  # the estimator passed in is never fitted itself
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.n_features_in_ == X.shape[1]
    assert not hasattr(model, "feature_names_in_")

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model.fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    model.fit(X, y)  # refitting on an array drops the names again
    assert not hasattr(model, "feature_names_in_")

    assert not hasattr(SklearnModel(Ridge()).fit(X, y), "classes_")


def test_fit_params_reach_the_estimator(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    weights = np.linspace(0.1, 2.0, len(y))
    model = SklearnModel(LogisticRegression()).fit(X, y, sample_weight=weights)
    bare = LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(model.predict_proba(X), bare.predict_proba(X))
    assert model.score(X, y, sample_weight=weights) == pytest.approx(bare.score(X, y, sample_weight=weights))


def test_fit_rejects_a_non_estimator(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    with pytest.raises(TypeError, match="must be a scikit-learn estimator with a 'fit' method, not str"):
        SklearnModel("LogisticRegression").fit(X, y)


# --- Pipeline, GridSearchCV, clone ------------------------------------------------------------


def test_pipeline_gives_the_same_predictions_as_the_bare_estimator(
    classification: tuple[NDArray[Any], NDArray[Any]],
) -> None:
    X, y = classification
    wrapped = make_pipeline(StandardScaler(), SklearnModel(LogisticRegression())).fit(X, y)
    bare = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(wrapped.predict(X), bare.predict(X))
    np.testing.assert_allclose(wrapped.predict_proba(X), bare.predict_proba(X))
    assert wrapped.score(X, y) == bare.score(X, y)


def test_grid_search_over_nested_params_matches_the_bare_estimator(
    classification: tuple[NDArray[Any], NDArray[Any]],
) -> None:
    X, y = classification
    grid = [0.01, 0.1, 1.0, 10.0]
    wrapped = GridSearchCV(SklearnModel(LogisticRegression()), {"estimator__C": grid}, cv=3).fit(X, y)
    bare = GridSearchCV(LogisticRegression(), {"C": grid}, cv=3).fit(X, y)

    assert wrapped.best_params_ == {"estimator__C": bare.best_params_["C"]}
    np.testing.assert_allclose(wrapped.cv_results_["mean_test_score"], bare.cv_results_["mean_test_score"])
    assert isinstance(wrapped.best_estimator_, SklearnModel)
    assert wrapped.best_estimator_.estimator_.get_params()["C"] == bare.best_params_["C"]
    np.testing.assert_array_equal(wrapped.predict(X), bare.predict(X))


def test_grid_search_regressor(regression: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = regression
    wrapped = GridSearchCV(SklearnModel(Ridge()), {"estimator__alpha": [0.1, 10.0]}, cv=3).fit(X, y)
    bare = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=3).fit(X, y)
    np.testing.assert_allclose(wrapped.predict(X), bare.predict(X))


def test_clone(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    model = SklearnModel(LogisticRegression(C=0.5)).fit(X, y)
    copy = clone(model)
    assert not copy.is_fitted
    assert copy.estimator is not model.estimator
    assert copy.get_params()["estimator__C"] == 0.5
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), model.predict(X))
    np.testing.assert_array_equal(model.predict(X), LogisticRegression(C=0.5).fit(X, y).predict(X))


def test_repr_and_params() -> None:
    model = SklearnModel(LogisticRegression(C=2.0))
    assert repr(model) == "SklearnModel(estimator=LogisticRegression(C=2.0))"
    model.set_params(estimator__C=3.0)
    assert model.estimator.C == 3.0


# --- TrainingData -----------------------------------------------------------------------------


def test_training_data_in_fit_predict_and_score(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    frame = pd.DataFrame(X, columns=list("abcde"))
    data = TrainingData(frame, pd.Series(y))
    train, test = data.split(test_size=0.25, seed=1)

    model = SklearnModel(LogisticRegression()).fit(train)
    bare = LogisticRegression().fit(train.features, train.labels)

    np.testing.assert_array_equal(model.predict(test), bare.predict(test.features))
    np.testing.assert_allclose(model.predict_proba(test), bare.predict_proba(test.features))
    np.testing.assert_allclose(model.decision_function(test), bare.decision_function(test.features))
    assert model.score(test) == bare.score(test.features, test.labels)
    assert tuple(model.feature_names_in_) == data.feature_names


def test_training_data_without_labels_for_an_unsupervised_estimator(
    classification: tuple[NDArray[Any], NDArray[Any]],
) -> None:
    X, _ = classification
    model = SklearnModel(StandardScaler()).fit(TrainingData(X))
    np.testing.assert_allclose(model.transform(TrainingData(X)), StandardScaler().fit_transform(X))


def test_labels_given_twice_is_an_error(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    data = TrainingData(X, y)
    model = SklearnModel(LogisticRegression())
    with pytest.raises(TypeError, match=r"fit\(\) got labels twice"):
        model.fit(data, y)
    model.fit(data)
    with pytest.raises(TypeError, match=r"score\(\) got labels twice"):
        model.score(data, y)


# --- the not-fitted contract ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "decision_function", "score"])
def test_sklearn_model_not_fitted(classification: tuple[NDArray[Any], NDArray[Any]], method: str) -> None:
    X, y = classification
    model = SklearnModel(LogisticRegression())
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError) as caught:
        getattr(model, method)(*args)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, AttributeError)
    assert isinstance(error, DSQualityError)
    assert isinstance(error, SklearnNotFittedError)
    assert error.model_name == "SklearnModel(LogisticRegression)"
    assert error.method == method
    assert f"This SklearnModel(LogisticRegression) instance is not fitted yet, so '{method}'" in str(error)


def test_not_fitted_error_pickles() -> None:
    error = ModelNotFittedError("SklearnModel(Ridge)", method="predict")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is ModelNotFittedError
    assert vars(restored) == vars(error)
    assert str(restored) == str(error)


def test_custom_model_gets_the_not_fitted_check_automatically() -> None:
    X = np.zeros((4, 2))
    model = MajorityModel()
    with pytest.raises(NotFittedError, match="This MajorityModel instance is not fitted yet, so 'predict'"):
        model.predict(X)
    assert not model.is_fitted

    fitted = model.fit(X, np.array([1, 2, 2, 3]))
    assert fitted is model
    assert fitted.is_fitted
    np.testing.assert_array_equal(model.predict(X), [2, 2, 2, 2])


def test_contract_is_inherited_and_keeps_names_and_signatures() -> None:
    X = np.zeros((3, 1))
    with pytest.raises(NotFittedError, match="ShiftedMajority"):
        ShiftedMajority().predict(X)
    np.testing.assert_array_equal(ShiftedMajority().fit(X, np.array([5, 5, 1])).predict(X), [6, 6, 6])

    assert MajorityModel.predict.__name__ == "predict"
    assert MajorityModel.predict.__doc__ == "Majority label for every row."
    assert list(inspect.signature(MajorityModel.fit).parameters) == ["self", "X", "y"]
    assert list(inspect.signature(SklearnModel.fit).parameters) == ["self", "X", "y", "fit_params"]


def test_a_failed_fit_leaves_the_model_unfitted(classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    model = FailingFit()
    with pytest.raises(RuntimeError, match="fit failed"):
        model.fit(np.zeros((2, 1)), np.array([0, 1]))
    assert not model.is_fitted
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 1)))

    # A failed refit does not leave the old fit in place to predict with silently.
    X, y = classification
    wrapped = SklearnModel(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        wrapped.fit(X, y[:-1])
    assert not wrapped.is_fitted
    with pytest.raises(NotFittedError):
        wrapped.predict(X)


def test_predict_must_be_a_plain_method() -> None:
    with pytest.raises(TypeError, match=r"Bad\.predict must be a plain method"):

        class Bad(MajorityModel):
            predict = staticmethod(lambda X: X)


def test_an_incomplete_subclass_cannot_be_instantiated() -> None:
    class NoPredict(ModelInterface[Any, Any]):
        def fit(self, X: Any, y: Any) -> Self:
            return self

    with pytest.raises(TypeError, match="abstract"):
        NoPredict()  # type: ignore[abstract]


# --- save and load ----------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path, classification: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = classification
    frame = pd.DataFrame(X, columns=list("abcde"))
    model = SklearnModel(RandomForestClassifier(n_estimators=5, random_state=0)).fit(frame, y)
    path = tmp_path / "forest.dsqmodel"

    model.save(path)
    loaded = SklearnModel.load(path)

    assert type(loaded) is SklearnModel
    assert loaded is not model
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    np.testing.assert_array_equal(loaded.feature_names_in_, frame.columns)

    raw = path.read_bytes()
    assert raw.startswith(MODEL_FILE_MAGIC)
    header = json.loads(raw[len(MODEL_FILE_MAGIC) :].split(b"\n", 1)[0])
    assert header == _header()
    # str paths work too, and ModelInterface.load loads any model class.
    assert type(ModelInterface.load(str(path))) is SklearnModel


def test_custom_model_round_trip(tmp_path: Path) -> None:
    X = np.zeros((3, 1))
    model = MajorityModel().fit(X, np.array([7, 7, 1]))
    path = tmp_path / "majority.dsqmodel"
    model.save(path)
    loaded = MajorityModel.load(path)
    assert loaded.is_fitted
    np.testing.assert_array_equal(loaded.predict(X), [7, 7, 7])
    header = json.loads(path.read_bytes()[len(MODEL_FILE_MAGIC) :].split(b"\n", 1)[0])
    assert header["versions"]["model"] == "3"
    assert header["class"].endswith(":MajorityModel")


def test_load_with_another_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "majority.dsqmodel"
    MajorityModel().fit(np.zeros((1, 1)), np.array([1])).save(path)
    with pytest.raises(ModelFileError, match=r"which is not a dsquality\.model:SklearnModel"):
        SklearnModel.load(path)


def test_saving_an_unfitted_model_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "model.dsqmodel"
    with pytest.raises(NotFittedError) as caught:
        SklearnModel(Ridge()).save(path)
    assert caught.value.method == "save"
    assert "SklearnModel(Ridge)" in str(caught.value)
    assert not path.exists()


def test_overwriting_keeps_permissions(tmp_path: Path, regression: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = regression
    path = tmp_path / "ridge.dsqmodel"
    SklearnModel(Ridge(alpha=1.0)).fit(X, y).save(path)
    path.chmod(0o640)
    before = path.read_bytes()

    model = SklearnModel(Ridge(alpha=5.0)).fit(X, y)
    model.save(path)

    assert path.read_bytes() != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    np.testing.assert_allclose(SklearnModel.load(path).predict(X), model.predict(X))
    assert [p.name for p in tmp_path.iterdir()] == ["ridge.dsqmodel"]  # no temp file left behind


@pytest.mark.parametrize(
    ("component", "saved"),
    [("scikit-learn", "1.0.2"), ("model", "0"), ("dsquality", "9.1.0")],
)
def test_incompatible_versions_are_refused_before_unpickling(tmp_path: Path, component: str, saved: str) -> None:
    header = _header(**{component: saved})
    installed = _header()["versions"][component]
    path = _model_file(tmp_path / "old.dsqmodel", header, _Tripwire())

    with pytest.raises(NotLatestVersionError) as caught:
        SklearnModel.load(path)

    assert caught.value.versions == {component: (saved, installed)}
    assert caught.value.path == path
    assert f"{component} {saved} (installed: {installed})" in str(caught.value)


def test_several_mismatches_are_reported_together(tmp_path: Path) -> None:
    path = _model_file(tmp_path / "old.dsqmodel", _header(**{"scikit-learn": "1.0.2", "model": "0"}), _Tripwire())
    with pytest.raises(NotLatestVersionError) as caught:
        SklearnModel.load(path)
    assert set(caught.value.versions) == {"scikit-learn", "model"}


def test_a_dsquality_patch_release_is_compatible(
    tmp_path: Path, classification: tuple[NDArray[Any], NDArray[Any]]
) -> None:
    X, y = classification
    major, minor, *_ = dsquality.__version__.split(".")
    model = SklearnModel(LogisticRegression()).fit(X, y)
    path = _model_file(tmp_path / "patch.dsqmodel", _header(dsquality=f"{major}.{minor}.99"), model)
    np.testing.assert_array_equal(SklearnModel.load(path).predict(X), model.predict(X))  # and no warning


def test_allow_version_mismatch_loads_with_a_warning(
    tmp_path: Path, classification: tuple[NDArray[Any], NDArray[Any]]
) -> None:
    X, y = classification
    model = SklearnModel(LogisticRegression()).fit(X, y)
    path = _model_file(tmp_path / "old.dsqmodel", _header(**{"scikit-learn": "1.0.2"}), model)

    with pytest.warns(ModelVersionWarning) as record:
        loaded = SklearnModel.load(path, allow_version_mismatch=True)

    [warning] = record
    assert issubclass(warning.category, UserWarning)
    assert warning.filename == __file__  # points at the caller of load
    assert isinstance(warning.message, ModelVersionWarning)
    assert warning.message.versions == {"scikit-learn": ("1.0.2", sklearn.__version__)}
    assert f"scikit-learn 1.0.2 (installed: {sklearn.__version__})" in str(warning.message)
    restored = pickle.loads(pickle.dumps(warning.message))
    assert (restored.path, restored.versions, str(restored)) == (path, warning.message.versions, str(warning.message))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "does not start with the dsquality model marker"),
        (b"\x80\x05garbage that is not a model at all", "does not start with the dsquality model marker"),
        (b'{"format": 1}\n' + _TRIPWIRE, "does not start with the dsquality model marker"),
        (MODEL_FILE_MAGIC, "header line is missing"),
        (MODEL_FILE_MAGIC + b'{"format": 1', "header line is missing, truncated"),
        (MODEL_FILE_MAGIC + b"x" * 100_000 + b"\n", "or too long"),
        (MODEL_FILE_MAGIC + b"not json\n" + _TRIPWIRE, "header is not valid JSON"),
        (MODEL_FILE_MAGIC + b"\xff\xfe\n" + _TRIPWIRE, "header is not valid JSON"),
        (MODEL_FILE_MAGIC + b"[1, 2]\n" + _TRIPWIRE, "header is not a JSON object"),
        (MODEL_FILE_MAGIC + b'{"class": "dsquality.model:SklearnModel"}\n' + _TRIPWIRE, "no integer 'format'"),
        (MODEL_FILE_MAGIC + b'{"format": 99}\n' + _TRIPWIRE, "model file format 99"),
        (MODEL_FILE_MAGIC + b'{"format": 1, "class": "SklearnModel"}\n' + _TRIPWIRE, "no 'class' of the form"),
        (MODEL_FILE_MAGIC + b'{"format": 1, "class": "a:B", "versions": {}}\n' + _TRIPWIRE, "'versions' must map"),
    ],
    ids=lambda value: None if isinstance(value, bytes) else value,
)
def test_a_file_that_is_not_a_model_is_a_clear_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "not-a-model.dsqmodel"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason) as caught:
        SklearnModel.load(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: cannot load a dsquality model: ")


@pytest.mark.parametrize(
    ("class_path", "reason"),
    [
        ("no_such_module_dsq:Model", "cannot be imported"),
        ("dsquality.model:NoSuchModel", "cannot be imported"),
        ("pathlib:Path", "which is not a ModelInterface"),
    ],
)
def test_header_class_is_checked_before_unpickling(tmp_path: Path, class_path: str, reason: str) -> None:
    header = {**_header(), "class": class_path}
    path = _model_file(tmp_path / "model.dsqmodel", header, _Tripwire())
    with pytest.raises(ModelFileError, match=reason):
        ModelInterface.load(path)


def test_truncated_payload_is_a_clear_error(tmp_path: Path, regression: tuple[NDArray[Any], NDArray[Any]]) -> None:
    X, y = regression
    path = tmp_path / "model.dsqmodel"
    SklearnModel(Ridge()).fit(X, y).save(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ModelFileError, match="model data is damaged or truncated"):
        SklearnModel.load(path)


def test_payload_of_another_class_than_the_header_says(
    tmp_path: Path, regression: tuple[NDArray[Any], NDArray[Any]]
) -> None:
    X, _ = regression
    majority = MajorityModel().fit(X, np.zeros(len(X)))
    path = _model_file(tmp_path / "model.dsqmodel", _header(), majority)
    with pytest.raises(ModelFileError, match=r"header names dsquality\.model:SklearnModel but it holds a"):
        ModelInterface.load(path)
