"""Notebook templates: list them, and create a notebook from one.

A template is a ``.ipynb`` file in a template folder; its **name** is the file stem
(``model_training``). Its title and description live in the notebook metadata::

    "metadata": {"dsquality": {"template": {"title": "Model training", "description": "..."}}}

Folders are searched in the order :func:`template_dirs` gives: a team's own folders first
(``[tool.dsquality] template-dirs``, then the Jupyter server's ``DsqualityExtension.template_dirs``),
the built-in templates last, so a team template can replace a built-in one of the same name.
Only the top level of a folder is read; hidden files and files that are not notebooks are skipped.

The built-in templates sit in ``templates/`` at the repository root and are shipped in the wheel
as ``dsquality/_templates`` (hatch ``force-include``); :func:`builtin_templates_dir` finds either.

:func:`render_template` turns a template into the notebook to create (outputs and execution
counts cleared, template metadata removed, kernelspec set); :func:`create_notebook` writes it
atomically and never over an existing file. The Jupyter extension renders the same way and saves
through the contents manager.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dsquality.atomic import atomic_create_bytes
from dsquality.errors import DSQualityError, FileWriteError, TemplateError, TemplateTargetExistsError
from dsquality.notebook import notebook_from_dict

__all__ = [
    "DEFAULT_KERNELSPEC",
    "Template",
    "builtin_templates_dir",
    "create_notebook",
    "find_template",
    "list_templates",
    "notebook_path",
    "render_template",
    "template_dirs",
]

log = logging.getLogger(__name__)

DEFAULT_KERNELSPEC: dict[str, str] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Template names appear in URLs (``POST dsquality/api/templates/{name}``) and on command lines.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_METADATA_KEY = "template"
_NOTEBOOK_SUFFIX = ".ipynb"


@dataclass(frozen=True, slots=True)
class Template:
    """One notebook template: ``name`` (the file stem), its title, description and file."""

    name: str
    title: str
    description: str
    path: Path

    def summary(self) -> dict[str, str]:
        """``name``, ``title`` and ``description`` for APIs: no file path (it would leak server layout)."""
        return {"name": self.name, "title": self.title, "description": self.description}


def builtin_templates_dir() -> Path | None:
    """The built-in templates: ``dsquality/_templates`` in a wheel, else ``templates/`` of a source checkout."""
    shipped = resources.files("dsquality") / "_templates"
    if shipped.is_dir():
        return Path(str(shipped))
    checkout = Path(__file__).resolve().parent.parent / "templates"
    return checkout if checkout.is_dir() else None


def template_dirs(extra: Iterable[Path] = (), *, builtin: bool = True) -> tuple[Path, ...]:
    """Folders to search, in order: ``extra`` (team folders, e.g. ``Config.template_dirs``), then the built-ins."""
    folders = list(extra)
    shipped = builtin_templates_dir() if builtin else None
    if shipped is not None:
        folders.append(shipped)
    unique: dict[Path, None] = {}
    for folder in folders:
        unique.setdefault(Path(folder), None)
    return tuple(unique)


def list_templates(dirs: Sequence[Path]) -> list[Template]:
    """Every template in ``dirs``, sorted by name; for a name found twice, the earlier folder wins.

    A missing folder is skipped with a warning in the log, as is a file that is not a readable
    notebook or whose name cannot be a template name: one broken team template does not hide the others.
    """
    found: dict[str, Template] = {}
    for folder in dirs:
        if not folder.is_dir():
            log.warning("template folder %s does not exist; skipped", folder)
            continue
        for path in sorted(folder.glob(f"*{_NOTEBOOK_SUFFIX}")):
            if path.name.startswith(".") or path.stem in found:
                continue
            try:
                found[path.stem] = _load(path)
            except DSQualityError as exc:
                log.warning("%s", exc)
    return [found[name] for name in sorted(found)]


def find_template(name: str, dirs: Sequence[Path]) -> Template:
    """The template called ``name`` in ``dirs``.

    Raises:
        TemplateError: there is no such template (the message suggests a close name).
    """
    templates = {template.name: template for template in list_templates(dirs)}
    if name not in templates:
        raise TemplateError(name, "no such template", choices=templates)
    return templates[name]


def render_template(template: Template, *, kernel: str | None = None) -> dict[str, Any]:
    """The notebook to create from ``template``, as nbformat 4 JSON.

    Outputs and execution counts are cleared and the template's own metadata removed; cell ids are
    kept (they are unique within the notebook, which is all nbformat asks). The kernelspec is the
    template's, or ``python3`` when it has none; ``kernel`` replaces its name.
    """
    data = copy.deepcopy(_read(template.path))
    for cell in data["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    metadata = data.setdefault("metadata", {})
    own = metadata.get("dsquality")
    if isinstance(own, dict):
        own.pop(_METADATA_KEY, None)
        if not own:
            del metadata["dsquality"]
    kernelspec = metadata.get("kernelspec")
    if not isinstance(kernelspec, dict) or not kernelspec.get("name"):
        kernelspec = dict(DEFAULT_KERNELSPEC)
    if kernel is not None:
        kernelspec = {**kernelspec, "name": kernel, "display_name": kernel}
    metadata["kernelspec"] = kernelspec
    return data


def notebook_path(path: Path) -> Path:
    """``path`` with ``.ipynb`` appended unless it already ends so (``analysis`` -> ``analysis.ipynb``)."""
    return path if path.suffix == _NOTEBOOK_SUFFIX else path.with_name(path.name + _NOTEBOOK_SUFFIX)


def create_notebook(template: Template, path: Path, *, kernel: str | None = None, parents: bool = True) -> Path:
    """Create a notebook at ``path`` (``.ipynb`` appended if missing) from ``template``; return its path.

    The file is written to a temporary file and linked into place, so it appears complete or not at
    all, and never replaces a file that exists, even one created in the meantime.

    Raises:
        TemplateTargetExistsError: a file exists at the path; nothing was written.
        FileWriteError: the file could not be written.
    """
    target = notebook_path(path)
    if target.exists() or target.is_symlink():
        raise TemplateTargetExistsError(target)
    data = json.dumps(render_template(template, kernel=kernel), indent=1, ensure_ascii=False) + "\n"
    try:
        if parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        atomic_create_bytes(target, data.encode("utf-8"))
    except FileExistsError as exc:
        raise TemplateTargetExistsError(target) from exc
    except OSError as exc:
        raise FileWriteError(target, exc.strerror or str(exc)) from exc
    return target


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TemplateError(
            path.stem, f"{path} cannot be read as a notebook: {exc}", hint="Fix or remove the file."
        ) from exc
    notebook_from_dict(data, path)  # NotebookFormatError for anything that is not nbformat 3/4
    if data.get("nbformat") != 4:  # noqa: PLR2004
        raise TemplateError(path.stem, f"{path} is not an nbformat 4 notebook", hint="Open and save it in Jupyter.")
    result: dict[str, Any] = data
    return result


def _load(path: Path) -> Template:
    if NAME_PATTERN.fullmatch(path.stem) is None:
        raise TemplateError(
            path.stem,
            f"{path}: a template name may only hold letters, digits, '-' and '_'",
            hint="Rename the file.",
        )
    data = _read(path)
    own = data.get("metadata", {}).get("dsquality", {})
    info = own.get(_METADATA_KEY, {}) if isinstance(own, dict) else {}
    info = info if isinstance(info, dict) else {}
    title = info.get("title")
    description = info.get("description")
    return Template(
        name=path.stem,
        title=title if isinstance(title, str) and title else _first_heading(data) or path.stem.replace("_", " "),
        description=description if isinstance(description, str) else "",
        path=path,
    )


def _first_heading(data: dict[str, Any]) -> str | None:
    for cell in data.get("cells", ()):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return None
