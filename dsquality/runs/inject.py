r"""Write the injected-parameters cell ourselves, with the declared types, and hand it to papermill.

papermill's Python translator writes every value it does not know as a double-quoted string
(``Path("a")`` becomes ``"a"``, ``(1, 2)`` becomes ``"(1, 2)"``, a set becomes its ``str``) without
escaping it (``Path(r"C:\new")`` becomes ``"C:\new"``, with a newline; a ``"`` in a path is a syntax
error), and formats the cell with black when it is installed. Here
:func:`python_literal` writes every value :mod:`dsquality.runs.validate` produces as a Python
literal that evaluates back to an equal value of the same type: paths as ``pathlib.Path('…')``,
tuples and sets as themselves, non-finite floats as ``float('nan')``.

The cell reaches papermill through an *engine*, papermill's documented extension point: the
engine registered as :data:`ENGINE_NAME` is papermill's nbclient engine that first inserts the cell
where papermill would (after the first cell tagged ``parameters``, replacing an earlier
``injected-parameters`` cell, or at the top), tagged ``injected-parameters`` as papermill tags it,
and records the values in ``metadata.papermill.parameters``. papermill then runs it unchanged:
metadata, error cells, saving after each cell. Registering a translator instead would replace
papermill's for every caller in the process (translators are looked up by kernel name first), and
pre-parameterising the notebook would leave papermill recording the notebook object instead of
its path as ``input_path``.

Notebooks with another kernel language get papermill's translator for that language.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Final

from dsquality.runs.params import PYTHON_LANGUAGES, json_value, stable_order

__all__ = ["ENGINE_NAME", "INJECTED_TAG", "Injection", "injected_source", "injecting_engine", "python_literal"]

ENGINE_NAME: Final = "dsquality"
INJECTED_TAG: Final = "injected-parameters"
_COMMENT = "Parameters"


def python_literal(value: object) -> str:
    """Python source that evaluates (with ``pathlib`` imported) to a value equal to ``value``, of its type.

    Raises:
        TypeError: ``value`` is not None, a bool, number, string, bytes, path, or a list, tuple,
            set, frozenset or dict of those.
    """
    if value is None or isinstance(value, bool | int | str | bytes):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float('{value}')"
    if isinstance(value, complex):
        return f"complex({python_literal(value.real)}, {python_literal(value.imag)})"
    if isinstance(value, PurePath):
        name = "Path" if isinstance(value, Path) else type(value).__name__  # PosixPath is written Path
        return f"pathlib.{name}({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(map(python_literal, value)) + "]"
    if isinstance(value, tuple):
        items = ", ".join(map(python_literal, value))
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, set | frozenset):
        name = "set" if isinstance(value, set) else "frozenset"
        items = ", ".join(map(python_literal, stable_order(value)))
        if not value:
            return f"{name}()"
        return "{" + items + "}" if name == "set" else f"frozenset({{{items}}})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(key)}: {python_literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"a {type(value).__name__} cannot be written as a Python literal")


def _has_path(value: object) -> bool:
    if isinstance(value, PurePath):
        return True
    if isinstance(value, dict):
        return any(_has_path(key) or _has_path(item) for key, item in value.items())
    return isinstance(value, list | tuple | set | frozenset) and any(map(_has_path, value))


def injected_source(values: Mapping[str, object]) -> str:
    """The injected cell: ``# Parameters``, ``import pathlib`` if a value needs it, one ``name = literal`` a line."""
    lines = [f"# {_COMMENT}"]
    if any(map(_has_path, values.values())):
        lines.append("import pathlib")
    lines.extend(f"{name} = {python_literal(value)}" for name, value in values.items())
    return "\n".join(lines) + "\n"


def _insert_cell(nb: Any, source: str, values: Mapping[str, object]) -> None:
    """Put the injected cell where papermill's ``parameterize_notebook`` puts it.

    One difference: only a *code* cell tagged ``parameters`` counts (papermill takes a markdown
    cell with the tag too, and then injects above the code cell whose defaults overwrite the values).
    """
    import nbformat  # noqa: PLC0415

    cell = nbformat.v4.new_code_cell(source=source)
    cell.metadata["tags"] = [INJECTED_TAG]
    tags = [existing.metadata.get("tags", []) for existing in nb.cells]
    injected = next((index for index, cell_tags in enumerate(tags) if INJECTED_TAG in cell_tags), None)
    parameters = next(
        (
            index
            for index, (existing, cell_tags) in enumerate(zip(nb.cells, tags, strict=True))
            if existing.cell_type == "code" and "parameters" in cell_tags
        ),
        None,
    )
    if injected is not None:
        nb.cells[injected] = cell
    else:
        nb.cells.insert(0 if parameters is None else parameters + 1, cell)
    nb.metadata.setdefault("papermill", {})["parameters"] = json_value(dict(values))


@dataclass(frozen=True, slots=True)
class Injection:
    """Values to inject (already converted by their declared types) and the notebook's kernel language."""

    values: Mapping[str, object]
    language: str = "python"


@functools.cache
def injecting_engine() -> str:
    """Register (once) the papermill engine that injects typed values; return its name.

    Pass the name as ``engine_name`` and an :class:`Injection` as the ``injection`` keyword of
    ``papermill.execute_notebook``, with ``parameters=None`` so that papermill does not inject
    the values a second time.
    """
    from papermill.engines import NBClientEngine, papermill_engines  # noqa: PLC0415
    from papermill.translators import translate_parameters  # noqa: PLC0415

    class InjectingEngine(NBClientEngine):  # type: ignore[misc]  # papermill has no type hints
        """papermill's nbclient engine, which first inserts the injected-parameters cell."""

        @classmethod
        def execute_notebook(
            cls, nb: Any, kernel_name: str, *, injection: Injection | None = None, **kwargs: Any
        ) -> Any:
            if injection is not None and injection.values:
                if injection.language in PYTHON_LANGUAGES:
                    source = injected_source(injection.values)
                else:
                    plain = json_value(dict(injection.values))
                    source = translate_parameters(kernel_name, injection.language, plain, _COMMENT)
                _insert_cell(nb, source, injection.values)
            return super().execute_notebook(nb, kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, InjectingEngine)
    return ENGINE_NAME
