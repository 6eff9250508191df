"""The model to profile: an import path, a class or an unfitted instance, turned into a factory of fresh models."""

from __future__ import annotations

import ast
import copy
import difflib
import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dsquality.errors import ProfileError

__all__ = ["ModelFactory", "parse_params", "resolve_model"]

_PATH_HINT = "Pass the model as 'module:ClassName', e.g. 'sklearn.svm:SVC' or 'mypackage.models:MyModel'."


@dataclass(frozen=True, slots=True)
class ModelFactory:
    """Makes a new unfitted model on each call; ``name`` is what reports call it."""

    name: str
    make: Callable[[], Any]


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``["C=10", "kernel=rbf", "max_depth=None"]`` into keyword arguments.

    Each value is read as a Python literal (:func:`ast.literal_eval`: numbers, strings, None,
    booleans, tuples, lists, dicts) and, when it is not one, kept as a string — so ``kernel=rbf``
    and ``kernel='rbf'`` are the same.

    Raises:
        ProfileError: An item without ``=``, an invalid name, or a name given twice.
    """
    params: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ProfileError(f"--param {item!r}", "expected NAME=VALUE with a Python identifier as NAME")
        if name in params:
            raise ProfileError(f"--param {item!r}", f"'{name}' is given twice")
        try:
            params[name] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            params[name] = text.strip()
    return params


def _import(path: str) -> Any:
    if ":" not in path:
        module, _, name = path.rpartition(".")
        hint = f"Did you mean '{module}:{name}'? {_PATH_HINT}" if module else _PATH_HINT
        raise ProfileError(f"model {path!r}", "not an import path of the form 'module:ClassName'", hint=hint)
    module_name, _, qualname = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ProfileError(
            f"model {path!r}",
            f"cannot import module '{module_name}' ({exc})",
            hint="Check the spelling and that its package is installed in this environment.",
        ) from exc
    for part in qualname.split("."):
        if not hasattr(found, part):
            names = [name for name in dir(found) if not name.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f"Did you mean '{module_name}:{close[0]}'?" if close else _PATH_HINT
            raise ProfileError(f"model {path!r}", f"'{module_name}' has no attribute '{part}'", hint=hint)
        found = getattr(found, part)
    return found


def _check_model_class(cls: Any, name: str) -> None:
    if not isinstance(cls, type):
        raise ProfileError(
            f"model {name!r}",
            f"it is a {type(cls).__name__}, not a class",
            hint="Name a scikit-learn estimator class or a dsquality.model.ModelInterface subclass.",
        )
    missing = [method for method in ("fit", "predict") if not callable(getattr(cls, method, None))]
    if missing:
        raise ProfileError(
            f"model {name!r}",
            f"{cls.__name__} has no {' or '.join(missing)} method, so it is not an estimator that can be profiled",
            hint="Name a scikit-learn estimator with fit and predict, or a dsquality.model.ModelInterface subclass.",
        )
    if inspect.isabstract(cls):
        raise ProfileError(f"model {name!r}", f"{cls.__name__} is abstract", hint="Name a concrete subclass.")


def _check_params(cls: type, params: Mapping[str, Any]) -> None:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # builtin or C class: let the constructor decide
        return
    accepted = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    for param in params:
        if param not in accepted:
            close = difflib.get_close_matches(param, list(accepted), n=1)
            hint = f"Did you mean '{close[0]}'?" if close else "Its parameters: " + ", ".join(accepted) + "."
            raise ProfileError(f"--param {param}", f"{cls.__name__} has no parameter '{param}'", hint=hint)


def _describe(name: str, params: Mapping[str, Any]) -> str:
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{key}={value!r}" for key, value in params.items()) + ")"


def resolve_model(model: str | type | object, params: Mapping[str, Any] | None = None) -> ModelFactory:
    """A factory of fresh unfitted models.

    Args:
        model: An import path ``"module:ClassName"``, a class (a scikit-learn estimator or a
            :class:`~dsquality.model.ModelInterface` subclass), or an unfitted instance (cloned with
            :func:`sklearn.base.clone` when it is a scikit-learn estimator, deep-copied otherwise).
        params: Keyword arguments for the class (not allowed with an instance).

    Raises:
        ProfileError: The path cannot be imported, does not name an estimator class, a parameter
            is unknown, or the constructor rejects the parameters.
    """
    params = dict(params or {})
    if isinstance(model, (str, type)):
        name = model if isinstance(model, str) else f"{model.__module__}:{model.__qualname__}"
        cls = _import(model) if isinstance(model, str) else model
        _check_model_class(cls, name)
        _check_params(cls, params)
        try:
            cls(**params)
        except Exception as exc:  # any constructor failure is bad input, reported with its cause
            raise ProfileError(
                f"model {name!r}", f"{cls.__name__}(**{params!r}) failed: {type(exc).__name__}: {str(exc).rstrip('.')}"
            ) from exc
        return ModelFactory(_describe(name, params), lambda: cls(**params))
    if params:
        raise ProfileError("params", "parameters can only be given with a model class or import path, not an instance")
    _check_model_class(type(model), type(model).__name__)
    from sklearn.base import BaseEstimator, clone  # noqa: PLC0415 - heavy, only for instances

    if isinstance(model, BaseEstimator):
        return ModelFactory(" ".join(repr(model).split()), lambda: clone(model))
    return ModelFactory(type(model).__name__, lambda: copy.deepcopy(model))
