"""The Jupyter server extension: templates and lint under ``{base_url}/dsquality/api/``.

Enabled automatically by ``pip install`` (``jupyter-config/jupyter_server_config.d/dsquality.json``
in the wheel), or by hand with ``jupyter server extension enable dsquality.jupyter``. Routes:

``GET dsquality/api/templates``
    ``{"templates": [{"name", "title", "description"}, ...]}``: never a file path.
``POST dsquality/api/templates/{name}`` with ``{"path": "dir/new.ipynb"}``
    Creates the notebook (``.ipynb`` added if missing) through the contents manager and answers
    201 ``{"path": "dir/new.ipynb"}``; 404 for an unknown template or folder, 409 if the file exists.
``POST dsquality/api/lint`` with ``{"path": "dir/nb.ipynb"}`` and/or ``{"notebook": {...}}``
    The ``dsq lint --format json`` document (schema ``dsquality-lint``, version 1). With
    ``notebook`` the in-memory notebook is linted (``path``, if given, names it and picks the
    per-file configuration; otherwise it is reported as ``notebook.ipynb``); otherwise the saved
    file. Options: ``"select"``/``"ignore"`` (lists of codes or prefixes) and ``"tools"``
    (``["ruff", "mypy"]``; default ``[]``: dsquality's own rules only, which answer a 100-cell
    notebook in milliseconds, while ruff and mypy take about a second or more).

Every route needs Jupyter authentication (403 otherwise) and, for cookie-authenticated POSTs, the
XSRF token, like the core API; both are checked before the body is read. Paths are API paths
relative to the server root: absolute paths, ``..``, backslashes and NUL (also URL-encoded, once or
more) are refused with 400, a path that leaves the root through a symlink with 403. Errors are JSON
``{"message": ...}`` without tracebacks or absolute server paths; malformed JSON, wrong types and
invalid notebooks get 400.

Configuration (``c.DsqualityExtension.<name>`` in ``jupyter_server_config.py``, or
``--DsqualityExtension.<name>=...``): ``max_body_bytes`` (default 16 MiB; larger bodies get 413),
``max_lint_jobs`` (lint requests run at once in worker threads, default the number of cores; the
rest queue), ``template_dirs`` (team templates, relative to the server root; also
``[tool.dsquality] template-dirs`` of the root's pyproject.toml).
"""

from __future__ import annotations

from typing import Any

__all__ = ["_jupyter_server_extension_points"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Where Jupyter server finds the extension app (jupyter_server is imported only here)."""
    from dsquality.jupyter.app import DsqualityExtension  # noqa: PLC0415 - only when a server loads it

    return [{"module": "dsquality.jupyter.app", "app": DsqualityExtension}]
