# ruff: noqa: N803 - X (capital) is scikit-learn's name for the features argument
"""A small interface for models trained in notebooks, a scikit-learn wrapper, and a safe file format.

Import them in notebooks::

    from dsquality.model import SklearnModel

    model = SklearnModel(LogisticRegression()).fit(train)  # train: a TrainingData
    print(model.score(test))
    model.save("models/defects.dsqmodel")
    model = SklearnModel.load("models/defects.dsqmodel")

Every :class:`ModelInterface` raises :class:`~dsquality.errors.NotFittedError` when it predicts
before ``fit``, without each subclass having to remember the check. A saved model starts with a
header of the versions that wrote it; :meth:`ModelInterface.load` checks those versions *before*
unpickling anything and refuses a model from incompatible versions with
:class:`~dsquality.errors.NotLatestVersionError`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import pickle
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Concatenate, Generic, ParamSpec, Self, TypeVar, cast

import sklearn
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if

import dsquality
from dsquality.atomic import atomic_write_bytes
from dsquality.data import TrainingData
from dsquality.errors import ModelFileError, NotFittedError, NotLatestVersionError

__all__ = [
    "MODEL_FILE_FORMAT",
    "MODEL_FILE_MAGIC",
    "ModelInterface",
    "ModelNotFittedError",
    "ModelVersionWarning",
    "SklearnModel",
    "requires_fit",
]

FeaturesT = TypeVar("FeaturesT")
LabelsT = TypeVar("LabelsT")
_ModelT = TypeVar("_ModelT", bound="ModelInterface[Any, Any]")
_P = ParamSpec("_P")
_R = TypeVar("_R")
_Method = TypeVar("_Method", bound=Callable[..., Any])

MODEL_FILE_MAGIC = b"DSQMODEL\n"
"""First bytes of every saved model file."""

MODEL_FILE_FORMAT = 1
"""Layout version of saved model files: magic line, one line of JSON header, pickle payload."""

_MAX_HEADER_BYTES = 64 * 1024
# Set on the wrappers below, so a method is never wrapped twice for the same purpose.
_CHECKS_FIT = "_dsq_checks_fit"
_RECORDS_FIT = "_dsq_records_fit"


# --- the not-fitted contract ----------------------------------------------------------------------


class ModelNotFittedError(NotFittedError, SklearnNotFittedError):  # type: ignore[misc]
    """The :class:`~dsquality.errors.NotFittedError` models raise: also scikit-learn's ``NotFittedError``.

    So ``except`` clauses written for either library catch it (scikit-learn's own estimator checks
    require its class). It lives here, not in :mod:`dsquality.errors`, which must not import
    scikit-learn.
    """


def requires_fit(method: Callable[Concatenate[_ModelT, _P], _R]) -> Callable[Concatenate[_ModelT, _P], _R]:
    """Make ``method`` raise :class:`~dsquality.errors.NotFittedError` while the model is unfitted.

    :class:`ModelInterface` applies it to every subclass's ``predict`` automatically; decorate
    further methods that need a fitted model (``predict_proba``, ``score``…) with it.

    Raises:
        NotFittedError: From the decorated method, naming the model and the method.
    """
    if getattr(method, _CHECKS_FIT, False):
        return method

    @functools.wraps(method)
    def checked(self: _ModelT, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not self.is_fitted:
            raise ModelNotFittedError(self.model_name, method=method.__name__)
        return method(self, *args, **kwargs)

    vars(checked)[_CHECKS_FIT] = True
    return checked


def _records_fit(fit: Callable[Concatenate[_ModelT, _P], _R]) -> Callable[Concatenate[_ModelT, _P], _R]:
    """Wrap a ``fit`` so that the model counts as fitted once it returns, and unfitted if it raises.

    A failed refit leaves the model unfitted rather than silently predicting with the old fit.
    """
    if getattr(fit, _RECORDS_FIT, False):
        return fit

    @functools.wraps(fit)
    def recording(self: _ModelT, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        self._dsq_fitted = False
        result = fit(self, *args, **kwargs)
        self._dsq_fitted = True
        return result

    vars(recording)[_RECORDS_FIT] = True
    return recording


class ModelInterface(ABC, Generic[FeaturesT, LabelsT]):
    """A model that is fitted on features and labels, then predicts labels for new features.

    Subclasses implement :meth:`fit` and :meth:`predict` and set :attr:`version`. They get for
    free: ``predict`` before ``fit`` raises :class:`~dsquality.errors.NotFittedError`,
    :attr:`is_fitted`, and :meth:`save` / :meth:`load` with version checks.

    Example::

        class Majority(ModelInterface[np.ndarray, np.ndarray]):
            version = "1"

            def fit(self, X, y):
                values, counts = np.unique(y, return_counts=True)
                self.label_ = values[counts.argmax()]
                return self

            def predict(self, X):
                return np.full(len(X), self.label_)

    The model counts as fitted once ``fit`` returns, and as unfitted again if a later ``fit``
    raises. Inside ``fit`` it is not fitted yet: compute training predictions with a helper, not
    with ``self.predict``, or override :attr:`is_fitted`.
    """

    version: ClassVar[str] = "0"
    """Version of the subclass's fitted state; change it when saved models can no longer be loaded."""

    _dsq_fitted: bool = False

    # The not-fitted contract is enforced here, once, for every subclass: when a subclass is
    # created, its own `fit` is wrapped to record success and its own `predict` to check first
    # (functools.wraps keeps name, docstring and signature, which scikit-learn introspects). A
    # template method (a final `fit` calling an abstract `_fit`) would do the same, but would make
    # subclasses implement private names and hide their real signatures; the wrapping keeps the
    # methods subclasses write the public, documented ones.
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, wrap in (("fit", _records_fit), ("predict", requires_fit)):
            method = cls.__dict__.get(name)
            if method is None or getattr(method, "__isabstractmethod__", False):
                continue
            if not inspect.isfunction(method):
                raise TypeError(
                    f"{cls.__qualname__}.{name} must be a plain method (def {name}(self, ...)), "
                    f"not {type(method).__name__}, so that ModelInterface can enforce the not-fitted check."
                )
            setattr(cls, name, wrap(method))

    @abstractmethod
    def fit(self, X: FeaturesT, y: LabelsT) -> Self:
        """Fit the model on features ``X`` and labels ``y``; return the model itself."""

    @abstractmethod
    def predict(self, X: FeaturesT) -> LabelsT:
        """Predict labels for features ``X``.

        Raises:
            NotFittedError: The model has not been fitted yet.
        """

    @property
    def is_fitted(self) -> bool:
        """Whether the last call of :meth:`fit` on this model completed."""
        return self._dsq_fitted

    @property
    def model_name(self) -> str:
        """The name errors and warnings use for this model (its class name)."""
        return type(self).__name__

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted model to ``path``, atomically (a reader never sees a partial file).

        The file holds a magic line, a one-line JSON header with the versions of dsquality,
        scikit-learn and this model class, then the pickled model. Overwriting keeps the file's
        permissions; an identical file is left untouched.

        Raises:
            NotFittedError: The model has not been fitted yet.
            FileWriteError: The file could not be written.
        """
        if not self.is_fitted:
            raise ModelNotFittedError(self.model_name, method="save")
        header = _Header(
            format=MODEL_FILE_FORMAT,
            class_path=_class_path(type(self)),
            versions=_installed_versions(type(self)),
        )
        payload = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(Path(path), MODEL_FILE_MAGIC + header.to_line() + payload)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, allow_version_mismatch: bool = False) -> Self:
        """Load a model saved with :meth:`save`, checking versions before unpickling anything.

        Versions are compatible when scikit-learn's version and the model class's
        :attr:`version` are the same as when saving, and dsquality's major.minor version is.

        Args:
            path: The file written by :meth:`save`.
            allow_version_mismatch: Load a model from incompatible versions anyway, with a
                :class:`ModelVersionWarning`; its predictions may be wrong.

        Returns:
            The model, an instance of the class it was saved from (which must be ``cls`` or a
            subclass of it).

        Raises:
            ModelFileError: The file is not a dsquality model, is damaged, or holds another class.
            NotLatestVersionError: The model was saved with incompatible versions.
        """
        path = Path(path)
        with path.open("rb") as handle:
            header = _read_header(path, handle)
            saved_class = _resolve_class(path, header.class_path)
            if not issubclass(saved_class, cls):
                raise ModelFileError(
                    path, f"it holds a {header.class_path}, which is not a {_class_path(cls)}", hint=_CLASS_HINT
                )
            mismatches = _mismatches(header.versions, _installed_versions(saved_class))
            if mismatches and not allow_version_mismatch:
                raise NotLatestVersionError(path, mismatches)
            if mismatches:
                warnings.warn(ModelVersionWarning(path, mismatches), stacklevel=2)
            try:
                model = pickle.load(handle)
            except (pickle.UnpicklingError, EOFError) as exc:
                raise ModelFileError(path, f"its model data is damaged or truncated ({exc})") from exc
        if type(model) is not saved_class:
            raise ModelFileError(
                path,
                f"its header names {header.class_path} but it holds a {_class_path(type(model))}",
                hint=_CLASS_HINT,
            )
        return model


class ModelVersionWarning(UserWarning):
    """A model from incompatible versions was loaded with ``allow_version_mismatch=True``.

    ``path`` is the file; ``versions`` maps each mismatching component (``"scikit-learn"``,
    ``"model"``, ``"dsquality"``) to ``(saved, installed)``.
    """

    def __init__(self, path: Path, versions: Mapping[str, tuple[str, str]]) -> None:
        self.path = Path(path)
        self.versions = dict(versions)
        super().__init__(
            f"{self.path}: loaded a model saved with {_describe_versions(self.versions)}; "
            "its predictions may be wrong. Re-train and save it with the installed versions."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.versions))


# --- the model file -------------------------------------------------------------------------------

_CLASS_HINT = "Load it with the class it was saved from, or with ModelInterface.load."
_VERSION_COMPONENTS = ("dsquality", "model", "scikit-learn")


@dataclass(frozen=True, slots=True)
class _Header:
    format: int
    class_path: str  # "module:QualName"
    versions: Mapping[str, str]  # one entry per _VERSION_COMPONENTS

    def to_line(self) -> bytes:
        data = {"format": self.format, "class": self.class_path, "versions": dict(self.versions)}
        # json.dumps escapes newlines inside strings, so the header is always exactly one line.
        return json.dumps(data, sort_keys=True).encode("utf-8") + b"\n"


def _read_header(path: Path, handle: BinaryIO) -> _Header:
    """Read and validate the magic line and the JSON header; leave ``handle`` at the payload."""
    if handle.read(len(MODEL_FILE_MAGIC)) != MODEL_FILE_MAGIC:
        raise ModelFileError(path, "it does not start with the dsquality model marker 'DSQMODEL'")
    line = handle.readline(_MAX_HEADER_BYTES)
    if not line.endswith(b"\n"):
        raise ModelFileError(path, "its header line is missing, truncated or too long")
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(path, f"its header is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelFileError(path, "its header is not a JSON object")
    file_format = data.get("format")
    if not isinstance(file_format, int) or isinstance(file_format, bool):
        raise ModelFileError(path, "its header has no integer 'format'")
    if file_format != MODEL_FILE_FORMAT:
        raise ModelFileError(
            path,
            f"it uses model file format {file_format}, but this dsquality {dsquality.__version__} reads format "
            f"{MODEL_FILE_FORMAT}",
            hint="Load it with the dsquality version that saved it.",
        )
    class_path, versions = data.get("class"), data.get("versions")
    if not isinstance(class_path, str) or ":" not in class_path:
        raise ModelFileError(path, "its header has no 'class' of the form 'module:ClassName'")
    if not (
        isinstance(versions, dict)
        and set(versions) == set(_VERSION_COMPONENTS)
        and all(isinstance(value, str) for value in versions.values())
    ):
        raise ModelFileError(path, f"its header 'versions' must map {', '.join(_VERSION_COMPONENTS)} to strings")
    return _Header(format=file_format, class_path=class_path, versions=versions)


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve_class(path: Path, class_path: str) -> type[ModelInterface[Any, Any]]:
    """Import the class a header names (importing its module, as unpickling would) without unpickling."""
    module_name, _, qualname = class_path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ModelFileError(
            path,
            f"its model class {class_path} cannot be imported ({exc})",
            hint="Import or define the model class (and install its package) before loading.",
        ) from exc
    if not (isinstance(found, type) and issubclass(found, ModelInterface)):
        raise ModelFileError(path, f"its header names {class_path}, which is not a ModelInterface", hint=_CLASS_HINT)
    return found


def _installed_versions(cls: type[ModelInterface[Any, Any]]) -> dict[str, str]:
    return {"dsquality": dsquality.__version__, "model": str(cls.version), "scikit-learn": sklearn.__version__}


def _major_minor(version: str) -> str:
    match = re.match(r"\d+\.\d+", version)
    return match.group() if match else version


def _mismatches(saved: Mapping[str, str], installed: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Components whose saved version is incompatible with the installed one: ``{name: (saved, installed)}``."""
    found = {}
    for name in _VERSION_COMPONENTS:
        old, new = saved[name], installed[name]
        compatible = _major_minor(old) == _major_minor(new) if name == "dsquality" else old == new
        if not compatible:
            found[name] = (old, new)
    return found


def _describe_versions(versions: Mapping[str, tuple[str, str]]) -> str:
    return ", ".join(
        f"{name} {saved} (installed: {installed})" for name, (saved, installed) in sorted(versions.items())
    )


# --- scikit-learn -----------------------------------------------------------------------------


def _if_estimator_has(attr: str) -> Callable[[_Method], _Method]:
    """``available_if``, typed: the method exists only when the wrapped estimator has ``attr``."""

    def check(model: SklearnModel) -> bool:
        # getattr (not hasattr) so the AttributeError names the estimator and the missing method.
        getattr(model.estimator_ if model.is_fitted else model.estimator, attr)
        return True

    return cast("Callable[[_Method], _Method]", available_if(check))


def _features(X: TrainingData | ArrayLike) -> Any:
    return X.features if isinstance(X, TrainingData) else X


def _features_and_labels(X: TrainingData | ArrayLike, y: ArrayLike | None, method: str) -> tuple[Any, Any]:
    if not isinstance(X, TrainingData):
        return X, y
    if y is not None:
        raise TypeError(
            f"{method}() got labels twice: in the TrainingData and as y. Pass TrainingData alone, "
            "or features and labels as two arrays."
        )
    return X.features, X.labels


class SklearnModel(ModelInterface[Any, Any], MetaEstimatorMixin, BaseEstimator):  # type: ignore[misc]
    """Any scikit-learn estimator as a :class:`ModelInterface` that also takes :class:`TrainingData`.

    It is itself a scikit-learn estimator, so it works in ``Pipeline``, ``GridSearchCV``
    (``param_grid={"estimator__C": [0.1, 1.0]}``) and ``clone``. Its estimator type and tags are
    those of the wrapped estimator, and ``predict_proba``, ``decision_function``, ``transform``,
    ``score``… exist only when the wrapped estimator has them.

    Args:
        estimator: The scikit-learn estimator to wrap; ``fit`` trains a clone of it, so the
            estimator passed in is never changed.

    Attributes:
        estimator_: The fitted clone of ``estimator``.
        classes_: The class labels (classifiers only).
        n_features_in_: Number of features seen during ``fit``.
        feature_names_in_: Feature names seen during ``fit`` (only when they were strings).
    """

    version: ClassVar[str] = "1"

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    @property
    def model_name(self) -> str:
        """``SklearnModel(LogisticRegression)``: this class and the wrapped estimator's class."""
        return f"{type(self).__name__}({type(self.estimator).__name__})"

    def fit(self, X: TrainingData | ArrayLike, y: ArrayLike | None = None, **fit_params: Any) -> Self:
        """Fit a clone of the estimator.

        Args:
            X: A :class:`TrainingData` (its features and labels are used), or the features.
            y: The labels, when ``X`` is not a :class:`TrainingData`.
            **fit_params: Passed on to the estimator's ``fit`` (e.g. ``sample_weight``).

        Returns:
            This model, fitted.

        Raises:
            TypeError: ``estimator`` is not a scikit-learn estimator, or labels are given twice.
        """
        features, labels = _features_and_labels(X, y, "fit")
        if not hasattr(self.estimator, "fit"):
            raise TypeError(
                f"SklearnModel(estimator=...) must be a scikit-learn estimator with a 'fit' method, "
                f"not {type(self.estimator).__name__}."
            )
        estimator = clone(self.estimator)
        estimator.fit(features, labels, **fit_params)
        self.estimator_ = estimator
        return self

    def predict(self, X: TrainingData | ArrayLike, **predict_params: Any) -> Any:
        """Predict with the fitted estimator; ``X`` is features or a :class:`TrainingData`.

        Raises:
            NotFittedError: The model has not been fitted yet.
        """
        return self.estimator_.predict(_features(X), **predict_params)

    @_if_estimator_has("predict_proba")
    @requires_fit
    def predict_proba(self, X: TrainingData | ArrayLike) -> Any:
        """Class probabilities from the fitted estimator; ``X`` is features or a :class:`TrainingData`."""
        return self.estimator_.predict_proba(_features(X))

    @_if_estimator_has("predict_log_proba")
    @requires_fit
    def predict_log_proba(self, X: TrainingData | ArrayLike) -> Any:
        """Log class probabilities from the fitted estimator."""
        return self.estimator_.predict_log_proba(_features(X))

    @_if_estimator_has("decision_function")
    @requires_fit
    def decision_function(self, X: TrainingData | ArrayLike) -> Any:
        """Decision function of the fitted estimator."""
        return self.estimator_.decision_function(_features(X))

    @_if_estimator_has("transform")
    @requires_fit
    def transform(self, X: TrainingData | ArrayLike) -> Any:
        """Transform features with the fitted estimator."""
        return self.estimator_.transform(_features(X))

    @_if_estimator_has("score")
    @requires_fit
    def score(
        self,
        X: TrainingData | ArrayLike,
        y: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> float:
        """The estimator's default score (accuracy for classifiers, R² for regressors).

        Args:
            X: A :class:`TrainingData` (its features and labels are used), or the features.
            y: The true labels, when ``X`` is not a :class:`TrainingData`.
            sample_weight: Optional weight of each sample.

        Raises:
            NotFittedError: The model has not been fitted yet.
        """
        features, labels = _features_and_labels(X, y, "score")
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
        return float(self.estimator_.score(features, labels, **params))

    @property
    def classes_(self) -> Any:
        """The class labels of the fitted classifier."""
        return self.estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """Number of features seen during ``fit``."""
        return int(self.estimator_.n_features_in_)

    @property
    def feature_names_in_(self) -> Any:
        """Names of the features seen during ``fit`` (only when the features had string names)."""
        return self.estimator_.feature_names_in_

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    def __sklearn_tags__(self) -> Any:
        # The wrapper only routes data to the estimator, so all its tags are the estimator's:
        # estimator type (classifier, regressor…), input tags (sparse, NaN…), target tags and
        # classifier/regressor/transformer tags. Pipeline and the sklearn.multiclass wrappers copy
        # the tags that apply to them from their inner estimators with get_tags() in the same way;
        # a transparent wrapper copies them all. get_tags() builds a fresh Tags object per call.
        try:
            return get_tags(self.estimator)
        except (AttributeError, TypeError):
            # `estimator` is not a scikit-learn estimator instance: keep the defaults, fit says why.
            return super().__sklearn_tags__()
