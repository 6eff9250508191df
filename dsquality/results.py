"""Record named results inside a notebook, and read them back from the executed notebook.

In a notebook::

    from dsquality import record
    record("accuracy", 0.93)

``record`` displays an output with the MIME type :data:`RECORD_MIME_TYPE`, so the value is saved
in the executed notebook itself (no side files); :func:`read` collects those outputs again. The
value must be JSON-serializable: scalars, strings, lists, dicts, or a small pandas DataFrame or
Series, which is stored as records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dsquality.errors import NotebookFormatError, RecordError

__all__ = ["RECORD_MIME_TYPE", "read", "record", "records_in", "to_json_value"]

RECORD_MIME_TYPE = "application/vnd.dsquality.record+json"


def to_json_value(name: str, value: Any) -> Any:
    """Return ``value`` as plain JSON data, or raise :class:`RecordError` naming ``name``.

    numpy scalars and arrays become Python numbers and lists; a pandas DataFrame becomes a list
    of records and a Series a mapping from index to value. Non-finite floats become ``None``
    (JSON has no NaN).
    """
    if value is None or isinstance(value, bool):
        return value
    # Subclasses (numpy.float64, IntEnum, StrEnum) are stored as the plain builtin value.
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): to_json_value(f"{name}[{key!r}]", item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(f"{name}[{index}]", item) for index, item in enumerate(value)]
    converted = _convert_library_value(value)
    if converted is not _UNCONVERTIBLE:
        return to_json_value(name, converted)
    raise RecordError(name, type(value).__name__)


_UNCONVERTIBLE = object()


def _convert_library_value(value: Any) -> Any:
    # Duck-typed so this module never imports numpy or pandas itself.
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # pandas DataFrame
        return value.to_dict(orient="records")
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # pandas Series
        return value.to_dict()
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy array or scalar
        return value.tolist()
    return _UNCONVERTIBLE


def record(name: str, value: Any) -> None:
    """Store ``value`` under ``name`` in the outputs of the running notebook.

    Raises:
        RecordError: ``value`` cannot be stored as JSON.
    """
    payload = {"name": name, "value": to_json_value(name, value)}
    try:
        from IPython.display import display  # noqa: PLC0415 - only needed inside a kernel
    except ImportError:  # pragma: no cover - ipykernel is a dependency
        return
    display({RECORD_MIME_TYPE: payload, "text/plain": f"{name} = {payload['value']!r}"}, raw=True)


def read(notebook: Path | str) -> dict[str, Any]:
    """Return every value recorded in an executed notebook, by name (a later record wins).

    Raises:
        NotebookFormatError: the file is not a readable notebook.
    """
    path = Path(notebook)
    try:
        data = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookFormatError(path, str(exc)) from exc
    if not isinstance(data, dict):
        raise NotebookFormatError(path, "the top level is not a JSON object")
    return records_in(data)


def records_in(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """Return the recorded values found in an in-memory notebook (nbformat 4 JSON)."""
    found: dict[str, Any] = {}
    for cell in notebook.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        for output in cell.get("outputs") or []:
            payload = output.get("data", {}).get(RECORD_MIME_TYPE) if isinstance(output, dict) else None
            if isinstance(payload, dict) and isinstance(payload.get("name"), str):
                found[payload["name"]] = payload.get("value")
    return found
