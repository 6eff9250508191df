"""nbformat 3 notebooks upgraded to nbformat 4 in memory, as ``nbformat.read`` upgrades them.

dsquality reads nbformat 3 (the ``worksheets`` layout) so old notebooks are linted rather than
rejected; the rest of dsquality only ever sees nbformat 4 data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dsquality.errors import NotebookFormatError

__all__ = ["short_repr", "upgrade_v3", "upgrade_v3_directly", "upgrade_v3_with_nbformat", "v3_problem"]


def upgrade_v3(
    data: dict[str, Any], path: Path, *, reparse: Callable[[], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """``data`` (nbformat 3) upgraded to nbformat 4, as ``nbformat.read`` upgrades it.

    Well-formed notebooks take :func:`upgrade_v3_directly`, which does what nbformat's converter
    does without its two JSON-schema validations (several times the cost of the conversion, and
    their only effect is a logged message); anything unusual goes through nbformat itself, so
    malformed notebooks fail with nbformat's own reasons.

    ``reparse`` says that ``data`` is a fresh parse nobody else holds, and parses the file again:
    ``data`` is then upgraded in place instead of in a copy (which costs about what the parse
    did), and should the direct upgrade give up half-way, nbformat gets ``reparse()``.
    """
    upgraded = upgrade_v3_directly(data, in_place=reparse is not None)
    if upgraded is not None:
        return upgraded
    return upgrade_v3_with_nbformat(data if reparse is None else reparse(), path)


def upgrade_v3_with_nbformat(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """``data`` (nbformat 3) upgraded by ``nbformat.convert``, which validates before and after."""
    import nbformat  # noqa: PLC0415 - only unusual nbformat-3 files need it
    import nbformat.v3  # noqa: PLC0415

    try:
        # ``to_notebook_json`` rejoins multi-line strings stored as lists (``"input": [...]``),
        # which nbformat's v3 -> v4 upgrade cannot handle; ``nbformat.read`` does the same.
        notebook = nbformat.v3.to_notebook_json(data)
        notebook.setdefault("nbformat", 3)  # a v3 file recognised by its worksheets alone
        upgraded = nbformat.convert(notebook, 4)
    except Exception as exc:  # nbformat raises many kinds of errors on malformed v3 input
        # nbformat's own text is often bare ("", "cells", "(None, None)"): say what is wrong where we can.
        reason, cell = v3_problem(data) or (_exception_text(exc), None)
        raise NotebookFormatError(path, f"nbformat 3 notebook could not be upgraded: {reason}", cell=cell) from exc
    result: dict[str, Any] = json.loads(json.dumps(upgraded))
    return result


def _exception_text(exc: Exception) -> str:
    """The reason nbformat gives for a failed upgrade: a validation message, or the exception's type and text."""
    message = getattr(exc, "message", None)  # jsonschema's ValidationError: the one line that matters
    text = message if isinstance(message, str) and message.strip() else str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else f"{type(exc).__name__} in nbformat's converter"


_V3_CELL_TYPES = frozenset({"code", "markdown", "raw", "heading", "html"})


def short_repr(value: object) -> str:
    """``repr(value)``, cut to a length that fits in a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."  # noqa: PLR2004


def _is_text(value: object) -> bool:
    """A multi-line string as nbformat 3 stores it: a string or a list of strings."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))


def v3_problem(data: dict[str, Any]) -> tuple[str, int | None] | None:
    """What makes ``data`` an invalid nbformat-3 notebook, and in which cell (1-based among all cells).

    ``None`` when the structure looks right: the upgrade then failed for a reason only nbformat
    knows. Only called after nbformat has refused the notebook, so it never narrows what is read.
    """
    version, minor = data.get("nbformat", 3), data.get("nbformat_minor", 0)
    if type(version) is not int or version != 3:  # noqa: PLR2004
        return f"'nbformat' is {short_repr(version)}, not 3", None
    if type(minor) is not int or minor != 0:
        return f"'nbformat_minor' is {short_repr(minor)}: nbformat reads only nbformat 3.0", None
    if not isinstance(data.get("metadata"), dict):
        return "'metadata' is missing or not an object", None
    worksheets = data.get("worksheets")
    if not isinstance(worksheets, list) or not all(isinstance(sheet, dict) for sheet in worksheets):
        return "'worksheets' is missing or not a list of objects", None
    index = 0
    for sheet in worksheets:
        if not isinstance(sheet.get("cells"), list):
            return "a worksheet's 'cells' is missing or not a list", None
        for cell in sheet["cells"]:
            index += 1
            problem = _v3_cell_problem(cell)
            if problem is not None:
                return problem, index
    return None


def _v3_cell_problem(cell: object) -> str | None:
    if not isinstance(cell, dict):
        return "a cell is not a JSON object"
    kind = cell.get("cell_type")
    if not isinstance(kind, str) or kind not in _V3_CELL_TYPES:
        return f"unknown cell_type {short_repr(kind)}"
    if kind != "code":
        if not _is_text(cell.get("source", "")):
            return "'source' is neither a string nor a list of strings"
        level = cell.get("level", 1)
        if kind == "heading" and (type(level) is not int or not 1 <= level <= 6):  # noqa: PLR2004 - h1 to h6
            return f"heading level {short_repr(level)} is not a number from 1 to 6"
        return None
    if not _is_text(cell.get("input", "")):
        return "'input' is neither a string nor a list of strings"
    outputs = cell.get("outputs")
    if not isinstance(outputs, list) or not all(isinstance(output, dict) for output in outputs):
        return "'outputs' is missing or not a list of objects"
    for output in outputs:
        if not isinstance(output.get("output_type"), str):
            return "an output has no 'output_type'"
        if any(key in output and not _is_text(output[key]) for key in _V3_MULTILINE_OUTPUTS):
            return f"a {output['output_type']} output holds text that is neither a string nor a list of strings"
        if "json" in output:
            try:
                json.loads(_v3_join_lines(output["json"]) if isinstance(output["json"], list) else output["json"])
            except ValueError:
                return "a JSON output does not hold JSON text"
    return None


# Deeper than this, nbformat's recursive copy and validation may exhaust the recursion limit.
_V3_MAX_DEPTH = 100
# Keys of v3 outputs that may hold a list of lines (nbformat.v3.rwbase._multiline_outputs).
_V3_MULTILINE_OUTPUTS = ("text", "html", "svg", "latex", "javascript", "json")
# v3 output keys to v4 MIME types (nbformat.v4.convert._mime_map).
_V3_MIME_TYPES = {
    "text": "text/plain",
    "html": "text/html",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "latex": "text/latex",
    "json": "application/json",
    "javascript": "application/javascript",
}


def upgrade_v3_directly(data: dict[str, Any], *, in_place: bool = False) -> dict[str, Any] | None:
    """The v3 -> v4 upgrade of nbformat (``rejoin_lines``, then ``v4.convert.upgrade``) on plain dicts.

    Returns ``None`` (let nbformat do it) for anything where nbformat could behave differently:
    a version or minor of an unexpected type, deep nesting, or any operation that fails. Unless
    ``in_place``, ``data`` is left as it is (a deep copy is upgraded); in place, it may be left
    half-upgraded when the result is ``None``.
    """
    if _depth(data) > _V3_MAX_DEPTH:
        return None
    try:
        nb = data if in_place else json.loads(json.dumps(data))  # a deep copy leaves the caller's dict as it is
        _v3_rejoin_lines(nb)
        if not all(isinstance(cell["cell_type"], str) for sheet in nb["worksheets"] for cell in sheet["cells"]):
            return None  # nbformat's validation fails on these, with an error of its own
        nb.setdefault("nbformat", 3)
        minor = nb.get("nbformat_minor", 0)
        # nbformat validates 3.0 (and only 3.0) notebooks before upgrading: other versions fail there.
        if type(nb["nbformat"]) is not int or nb["nbformat"] != 3 or not isinstance(minor, int) or minor != 0:  # noqa: PLR2004
            return None
        # nbformat.v4.convert.upgrade
        orig_nbformat = nb.pop("orig_nbformat", None)
        orig_nbformat_minor = nb.pop("orig_nbformat_minor", None)
        metadata = nb["metadata"]
        metadata["orig_nbformat"] = orig_nbformat or 3
        metadata["orig_nbformat_minor"] = orig_nbformat_minor or 0
        nb["nbformat"] = 4
        nb["nbformat_minor"] = 5
        cells: list[dict[str, Any]] = []
        nb["cells"] = cells
        for worksheet in nb.pop("worksheets", []):
            cells.extend(_v3_upgrade_cell(cell) for cell in worksheet["cells"])
        metadata.pop("name", "")
        metadata.pop("signature", "")
    except Exception:  # noqa: BLE001 - nbformat decides what the error is
        return None
    result: dict[str, Any] = nb
    return result


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a scalar)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > _V3_MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _v3_rejoin_lines(nb: dict[str, Any]) -> None:
    """nbformat.v3.rwbase.rejoin_lines on plain dicts: multi-line text stored as lists, joined."""
    for worksheet in nb["worksheets"]:
        for cell in worksheet["cells"]:
            if cell["cell_type"] == "code":
                if "input" in cell and isinstance(cell["input"], list):
                    cell["input"] = _v3_join_lines(cell["input"])
                for output in cell["outputs"]:
                    for key in _V3_MULTILINE_OUTPUTS:
                        item = output.get(key, None)
                        if isinstance(item, list):
                            output[key] = _v3_join_lines(item)
            else:
                for key in ("source", "rendered"):
                    item = cell.get(key, None)
                    if isinstance(item, list):
                        cell[key] = _v3_join_lines(item)


def _v3_join_lines(lines: list[Any]) -> str:
    """nbformat.v3.rwbase._join_lines: lines written by ``splitlines(True)`` or ``splitlines()``."""
    if lines and lines[0].endswith(("\n", "\r")):
        return "".join(lines)
    return "\n".join(lines)


def _v3_upgrade_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """nbformat.v4.convert.upgrade_cell on a plain dict."""
    cell.setdefault("metadata", {})
    cell["id"] = os.urandom(4).hex()  # what nbformat gives it: 8 random hex digits
    if cell["cell_type"] == "code":
        cell.pop("language", "")
        if "collapsed" in cell:
            cell["metadata"]["collapsed"] = cell.pop("collapsed")
        cell["source"] = cell.pop("input", "")
        cell["execution_count"] = cell.pop("prompt_number", None)
        cell["outputs"] = [_v3_upgrade_output(output) for output in cell["outputs"]]
    elif cell["cell_type"] == "heading":
        cell["cell_type"] = "markdown"
        level = cell.pop("level", 1)
        cell["source"] = "{hashes} {single_line}".format(
            hashes="#" * level,
            single_line=" ".join(cell.get("source", "").splitlines()),
        )
    elif cell["cell_type"] == "html":
        cell["cell_type"] = "markdown"
    return cell


def _v3_upgrade_output(output: dict[str, Any]) -> dict[str, Any]:
    """nbformat.v4.convert.upgrade_output on a plain dict."""
    if output["output_type"] in {"pyout", "display_data"}:
        output.setdefault("metadata", {})
        if output["output_type"] == "pyout":
            output["output_type"] = "execute_result"
            output["execution_count"] = output.pop("prompt_number", None)
        data = {}
        for key in list(output):
            if key in {"output_type", "execution_count", "metadata"}:
                continue
            data[key] = output.pop(key)
        _v3_to_mime_keys(data)
        output["data"] = data
        _v3_to_mime_keys(output["metadata"])
        if "application/json" in data:
            data["application/json"] = json.loads(data["application/json"])
    elif output["output_type"] == "pyerr":
        output["output_type"] = "error"
    elif output["output_type"] == "stream":
        output["name"] = output.pop("stream", "stdout")
    return output


def _v3_to_mime_keys(mapping: Any) -> None:
    """nbformat.v4.convert.to_mime_key: v3 output keys to MIME types, in place."""
    for alias, mime in _V3_MIME_TYPES.items():
        if alias in mapping:
            mapping[mime] = mapping.pop(alias)
