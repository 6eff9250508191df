"""The extension app (its configurable traits) and the REST handlers; see :mod:`dsquality.jupyter`."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import ApiPath, to_os_path
from traitlets import Int, List, Unicode

from dsquality.config import Config, load_config
from dsquality.errors import DSQualityError, NotebookFormatError, TemplateError
from dsquality.jupyter.lint import TOOLS, lint_to_json
from dsquality.lint.selection import Selection
from dsquality.templates import find_template, list_templates, notebook_path, render_template, template_dirs

__all__ = ["DsqualityExtension"]

_API = "dsquality/api"
_DRIVE = re.compile(r"\A[A-Za-z]:")
_UNNAMED = "notebook.ipynb"


class DsqualityExtension(ExtensionApp):
    """dsquality in Jupyter server: notebook templates and lint, under ``{base_url}/dsquality/api/``."""

    name = "dsquality"

    template_dirs = List(
        Unicode(),
        default_value=[],
        help="Folders of team notebook templates (relative to the server root), searched before the built-in ones.",
    ).tag(config=True)
    max_body_bytes = Int(
        32 * 1024 * 1024,
        help="Largest request body accepted (bytes); larger ones get 413.",
    ).tag(config=True)

    def initialize_handlers(self) -> None:
        """Register the routes (``ExtensionApp`` prefixes the base URL)."""
        options = {"extension": self}
        self.handlers.extend(
            [
                (f"/{_API}/templates", TemplatesHandler, options),
                (rf"/{_API}/templates/(?P<name>[^/]+)", CreateHandler, options),
                (f"/{_API}/lint", LintHandler, options),
            ]
        )


class _Handler(APIHandler):
    """JSON in, JSON out; paths confined to the server root."""

    auth_resource = "contents"

    def initialize(self, extension: DsqualityExtension) -> None:
        self.extension = extension

    # --- request body ---------------------------------------------------------------------------

    def json_body(self) -> dict[str, Any]:
        body: bytes = self.request.body or b""
        if len(body) > self.extension.max_body_bytes:
            raise tornado.web.HTTPError(
                413, f"request body of {len(body)} bytes is over the limit of {self.extension.max_body_bytes}"
            )
        try:
            data = json.loads(body or b"{}")
        except (ValueError, RecursionError) as exc:
            raise tornado.web.HTTPError(400, f"the request body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "the request body must be a JSON object")
        return data

    # --- paths ----------------------------------------------------------------------------------

    def api_path(self, value: object) -> str:
        """``value`` checked as an API path relative to the root: 400 for absolute paths, ``..``, backslashes."""
        if not isinstance(value, str) or not value.strip():
            raise tornado.web.HTTPError(400, "'path' must be a non-empty string, relative to the server root")
        for text in {value, urllib.parse.unquote(value)}:
            if "\\" in text or "\x00" in text:
                raise tornado.web.HTTPError(400, f"invalid path {value!r}: backslashes and NUL are not allowed")
            if text.startswith("/") or _DRIVE.match(text):
                raise tornado.web.HTTPError(400, f"invalid path {value!r}: give a path relative to the server root")
            if ".." in PurePosixPath(text).parts:
                raise tornado.web.HTTPError(400, f"invalid path {value!r}: '..' is not allowed")
        return "/".join(part for part in PurePosixPath(value).parts if part != ".")

    def root(self) -> Path | None:
        """The server root on disk, when the contents manager is file based."""
        root = getattr(self.contents_manager, "root_dir", None)
        return Path(root) if isinstance(root, str) and root else None

    def os_path(self, path: str) -> Path | None:
        """The file behind API ``path``; 403 when it (or a symlink on the way) leaves the server root."""
        root = self.root()
        if root is None:
            return None
        target = Path(to_os_path(ApiPath(path), str(root)))
        if not target.resolve().is_relative_to(root.resolve()):
            raise tornado.web.HTTPError(403, f"{path!r} is outside the server root")
        return target

    def config_for(self, path: Path | None) -> Config:
        return load_config(path if path is not None else self.root())

    def finish_json(self, status: int, document: object) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(document) if not isinstance(document, str) else document)

    def templates_dirs(self) -> tuple[Path, ...]:
        root = self.root() or Path.cwd()
        team = [root / directory for directory in self.extension.template_dirs]
        return template_dirs((*self.config_for(None).template_dirs, *team))


class TemplatesHandler(_Handler):
    """``GET templates``: name, title and description of every template."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        templates = list_templates(self.templates_dirs())
        self.finish_json(200, {"templates": [template.summary() for template in templates]})


class CreateHandler(_Handler):
    """``POST templates/{name}``: create a notebook from a template."""

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        path = self.api_path(self.json_body().get("path"))
        path = notebook_path(PurePosixPath(path)).as_posix()  # type: ignore[arg-type]
        try:
            template = find_template(name, self.templates_dirs())
        except TemplateError as exc:
            raise tornado.web.HTTPError(404, str(exc)) from exc
        self.os_path(path)  # 403 outside the root
        manager: Any = self.contents_manager  # jupyter_server's contents API is not annotated
        parent = PurePosixPath(path).parent.as_posix()
        parent = "" if parent == "." else parent
        if not await ensure_async(manager.dir_exists(parent)):
            raise tornado.web.HTTPError(404, f"folder {parent!r} does not exist")
        if await ensure_async(manager.file_exists(path)) or await ensure_async(manager.dir_exists(path)):
            raise tornado.web.HTTPError(409, f"{path!r} already exists; a template never overwrites a file")
        model = {"type": "notebook", "format": "json", "content": render_template(template)}
        saved = await ensure_async(manager.save(model, path))
        self.finish_json(201, {"path": saved.get("path", path)})


class LintHandler(_Handler):
    """``POST lint``: the ``dsq lint --format json`` document for a notebook file or an in-memory notebook."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        document = body.get("notebook")
        if document is not None and not isinstance(document, dict):
            raise tornado.web.HTTPError(400, "'notebook' must be a notebook JSON object")
        if document is None and body.get("path") is None:
            raise tornado.web.HTTPError(400, "give 'path' (a saved notebook) or 'notebook' (its JSON)")
        display = self.api_path(body["path"]) if body.get("path") is not None else _UNNAMED
        selection = Selection(
            select=_codes(body, "select") if body.get("select") is not None else None,
            ignore=_codes(body, "ignore") or (),
        )
        tools = _codes(body, "tools", lower=True) or ()
        if unknown := set(tools) - TOOLS:
            raise tornado.web.HTTPError(400, f"unknown tools {sorted(unknown)}; choose from {sorted(TOOLS)}")
        target = self.os_path(display)
        if document is None:
            document = await self._saved(display, target)
        location = target if target is not None else Path(display)
        config = self.config_for(location.parent if target is not None else None)
        saved_file = document is None
        try:
            text = await asyncio.get_running_loop().run_in_executor(
                None,
                lambda: lint_to_json(
                    config,
                    location,
                    display,
                    document=None if saved_file else document,
                    selection=selection,
                    tools=tools,
                ),
            )
        except NotebookFormatError as exc:
            raise tornado.web.HTTPError(400, str(exc)) from exc
        except DSQualityError as exc:
            raise tornado.web.HTTPError(500, str(exc)) from exc
        self.finish_json(200, text)

    async def _saved(self, path: str, target: Path | None) -> dict[str, Any] | None:
        """None when the file can be read from disk (exactly as `dsq lint` reads it); else its JSON."""
        manager: Any = self.contents_manager  # jupyter_server's contents API is not annotated
        if not await ensure_async(manager.file_exists(path)):
            raise tornado.web.HTTPError(404, f"no notebook at {path!r}")
        if await ensure_async(manager.is_hidden(path)) and not manager.allow_hidden:
            raise tornado.web.HTTPError(404, f"no notebook at {path!r}")
        if target is not None:
            return None
        model = await ensure_async(manager.get(path, content=True, type="notebook"))
        content: dict[str, Any] = json.loads(json.dumps(model["content"]))
        return content


def _codes(body: dict[str, Any], key: str, *, lower: bool = False) -> tuple[str, ...] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise tornado.web.HTTPError(400, f"'{key}' must be a list of strings")
    return tuple(item.strip().lower() if lower else item.strip().upper() for item in value if item.strip())
