"""The extension app (its configurable traits) and the REST handlers; see :mod:`dsquality.jupyter`.

Robustness, route by route:

* **Authentication and XSRF** come from jupyter_server's ``APIHandler.prepare``: an unauthenticated
  request gets 403, and so does a cookie-authenticated POST without the ``_xsrf`` token
  (``X-XSRFToken`` header or ``_xsrf`` query argument); a token-authenticated request needs none.
  Both are refused before a byte of the body is read.
* **Paths** are API paths relative to the server root. Absolute paths, ``..``, backslashes, NUL and
  the same in URL-encoded form (once or several times) are refused with 400, a path that leaves the
  root through a symlink (of a folder or of the file itself, dangling or not) with 403; template
  names must match :data:`dsquality.templates.NAME_PATTERN` (400 otherwise).
* **Bodies** over :attr:`DsqualityExtension.max_body_bytes` get 413: a declared ``Content-Length``
  is checked before the body is read (and the body is discarded, not kept, while it arrives), a
  chunked body as it arrives.
* **Lint work** runs in a pool of :attr:`DsqualityExtension.max_lint_jobs` threads, never on the
  event loop, so a flood of lint requests queues there while the server keeps answering.
* **Errors** are JSON ``{"message": ...}`` without tracebacks or the server's absolute paths:
  malformed JSON, wrong types and invalid notebooks get 400.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.client import responses
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import ApiPath, to_os_path
from traitlets import Int, List, Unicode, default

from dsquality.config import load_config
from dsquality.errors import DSQualityError, NotebookFormatError, TemplateError
from dsquality.jupyter.lint import TOOLS, lint_to_json
from dsquality.lint.selection import Selection
from dsquality.templates import (
    NAME_PATTERN,
    find_template,
    list_templates,
    notebook_path,
    render_template,
    template_dirs,
)

__all__ = ["DsqualityExtension"]

_T = TypeVar("_T")

_API = "dsquality/api"
_DRIVE = re.compile(r"\A[A-Za-z]:")
_UNNAMED = "notebook.ipynb"
_MIB = 1024 * 1024
_INLINE_PARSE_BYTES = 256 * 1024  # bodies up to this size are parsed on the event loop (well under a millisecond)
_MAX_PATH_CHARS = 4096
_MAX_NAME_BYTES = 255
_MAX_DECODINGS = 4


class DsqualityExtension(ExtensionApp):
    """dsquality in Jupyter server: notebook templates and lint, under ``{base_url}/dsquality/api/``.

    Configured like any Jupyter server extension, in ``jupyter_server_config.py``
    (``c.DsqualityExtension.max_body_bytes = 64 * 1024 * 1024``) or on the command line
    (``jupyter lab --DsqualityExtension.max_lint_jobs=4``):

    ``template_dirs`` (default ``[]``)
        Folders of team templates, relative to the server root, searched before the built-in ones.
    ``max_body_bytes`` (default 16 MiB)
        The largest request body accepted; larger ones get 413. A 100-cell notebook without
        outputs is about 50 KB; notebooks with many images can reach megabytes. Raise it for
        those (the server's own ``ServerApp.max_body_size``, 512 MiB by default, stays the hard cap).
    ``max_lint_jobs`` (default: the number of CPU cores)
        How many lint requests run at once, each in a worker thread; further requests wait
        their turn, so a flood of requests neither blocks the server nor exhausts memory with
        parallel work. Raise it when lint requests use ruff or mypy (which run as subprocesses).
    """

    name = "dsquality"

    template_dirs = List(
        Unicode(),
        default_value=[],
        help="Folders of team notebook templates (relative to the server root), searched before the built-in ones.",
    ).tag(config=True)
    max_body_bytes = Int(
        16 * _MIB,
        min=1024,
        help="Largest request body accepted, in bytes (default 16 MiB); larger ones get 413.",
    ).tag(config=True)
    max_lint_jobs = Int(
        min=1,
        help="Lint requests run at once, each in a worker thread (default: the number of CPU cores); others queue.",
    ).tag(config=True)

    _jobs: ThreadPoolExecutor | None = None

    @default("max_lint_jobs")
    def _default_max_lint_jobs(self) -> int:
        return os.cpu_count() or 1

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

    async def run_job(self, function: Callable[[], _T]) -> _T:
        """``function()`` in the worker pool (at most ``max_lint_jobs`` at once), off the event loop."""
        if self._jobs is None:
            self._jobs = ThreadPoolExecutor(max_workers=self.max_lint_jobs, thread_name_prefix="dsquality-lint")
        return await asyncio.get_running_loop().run_in_executor(self._jobs, function)

    async def stop_extension(self) -> None:
        """Stop the worker pool: queued jobs are dropped, running ones end in their thread."""
        if self._jobs is not None:
            self._jobs.shutdown(wait=False, cancel_futures=True)
            self._jobs = None


def _refuse(status: int, message: str) -> tornado.web.HTTPError:
    """An HTTP error whose message is sent as is (tornado would %-format a bare message, e.g. ``%2e``)."""
    return tornado.web.HTTPError(status, "%s", message)


@tornado.web.stream_request_body
class _Handler(APIHandler):
    """JSON in, JSON out; bodies bounded, paths confined to the server root."""

    auth_resource = "contents"

    def initialize(self, extension: DsqualityExtension) -> None:
        self.extension = extension
        self._chunks: list[bytes] = []
        self._received = 0
        self._too_large = False

    # --- request body ---------------------------------------------------------------------------

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare (no _redirect_to_login)
        """Authentication, XSRF and origin (jupyter_server), then the declared body size; before any body arrives."""
        await super().prepare()
        declared = self._declared_length()
        if declared is not None and declared > self.extension.max_body_bytes:
            waiting = self.request.headers.get("Expect", "").lower() == "100-continue"
            server = self.serverapp
            if waiting or (server is not None and declared > server.max_body_size):
                # The client waits for our answer before sending the body, or tornado would refuse
                # to read a body that large: answer now, without reading it.
                raise self._body_too_large()
            # Otherwise the client is sending it: read and discard it, then answer, so the client
            # reads the 413 rather than a connection reset.
            self._too_large = True

    def data_received(self, chunk: bytes) -> None:
        """Keep the body as it arrives, up to the limit; past it, count and discard."""
        self._received += len(chunk)
        if self._received > self.extension.max_body_bytes:
            self._too_large = True
            self._chunks.clear()
        if not self._too_large:
            self._chunks.append(chunk)

    def _declared_length(self) -> int | None:
        value = self.request.headers.get("Content-Length", "").strip()
        return int(value) if value.isdigit() else None

    def _body_too_large(self) -> tornado.web.HTTPError:
        limit = self.extension.max_body_bytes
        size = self._declared_length()
        received = f"{size} bytes" if size is not None else f"more than {limit} bytes"
        return _refuse(
            413,
            f"the request body ({received}) is over dsquality's limit of {limit} bytes ({limit / _MIB:.1f} MiB); "
            "a server administrator can raise it with c.DsqualityExtension.max_body_bytes in "
            "jupyter_server_config.py or --DsqualityExtension.max_body_bytes=BYTES on the command line",
        )

    async def json_body(self) -> dict[str, Any]:
        """The body as a JSON object: 413 over the limit, 400 when it is not a JSON object."""
        if self._too_large:
            raise self._body_too_large()
        body = b"".join(self._chunks)
        if len(body) <= _INLINE_PARSE_BYTES:
            return _parse_object(body)
        return await self.extension.run_job(lambda: _parse_object(body))

    # --- paths ----------------------------------------------------------------------------------

    def api_path(self, value: object) -> str:
        """``value`` checked as an API path relative to the root (400 otherwise), normalised."""
        if not isinstance(value, str) or not value.strip():
            raise _refuse(400, f"'path' must be a non-empty string relative to the server root, not {_kind(value)}")
        if len(value) > _MAX_PATH_CHARS:
            raise _refuse(400, f"invalid path: {len(value)} characters is over the limit of {_MAX_PATH_CHARS}")
        for text in _decodings(value):
            if "\\" in text or "\x00" in text:
                raise _refuse(400, f"invalid path {value!r}: backslashes and NUL are not allowed")
            if text.startswith("/") or _DRIVE.match(text):
                raise _refuse(400, f"invalid path {value!r}: give a path relative to the server root")
            if ".." in PurePosixPath(text).parts:
                raise _refuse(400, f"invalid path {value!r}: '..' is not allowed")
        parts = [part for part in PurePosixPath(value).parts if part != "."]
        if not parts:
            raise _refuse(400, f"invalid path {value!r}: it names the server root, not a notebook")
        if any(len(part.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES for part in parts):
            raise _refuse(400, f"invalid path {value!r}: a file or folder name is over {_MAX_NAME_BYTES} bytes")
        return "/".join(parts)

    def root(self) -> Path | None:
        """The server root on disk, when the contents manager is file based."""
        root = getattr(self.contents_manager, "root_dir", None)
        return Path(root) if isinstance(root, str) and root else None

    def os_path(self, path: str) -> Path | None:
        """The file behind API ``path``; 403 when it (or a symlink on the way, dangling or not) leaves the root."""
        root = self.root()
        if root is None:
            return None
        target = Path(to_os_path(ApiPath(path), str(root)))
        try:
            inside = target.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError) as exc:  # a symlink loop: RuntimeError before Python 3.13, OSError since
            raise _refuse(400, f"{path!r} cannot be resolved: {type(exc).__name__} (a symlink loop?)") from exc
        if not inside:
            raise _refuse(403, f"{path!r} is outside the server root (through a symlink)")
        return target

    def templates_dirs(self) -> tuple[Path, ...]:
        root = self.root() or Path.cwd()
        team = [root / directory for directory in self.extension.template_dirs]
        return template_dirs((*load_config(root).template_dirs, *team))

    # --- responses ------------------------------------------------------------------------------

    def finish_json(self, status: int, document: object) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(document) if not isinstance(document, str) else document)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """``{"message", "reason"}`` JSON: no traceback, no absolute server path."""
        error = kwargs["exc_info"][1] if kwargs.get("exc_info") else None
        reason = responses.get(status_code, "Unknown HTTP Error")
        if isinstance(error, tornado.web.HTTPError):
            message = error.log_message % error.args if error.log_message and error.args else error.log_message
            reason = error.reason or reason
        elif isinstance(error, DSQualityError):
            message = str(error)
        elif error is not None:
            message = (
                f"dsquality failed on this request ({type(error).__name__}); the server log has the details: "
                "please report it with the notebook that caused it"
            )
        else:
            message = None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": self._scrub(message or reason), "reason": reason}))

    def _scrub(self, message: str) -> str:
        """``message`` with the server root's absolute path taken out (paths become root-relative)."""
        root = self.root()
        if root is None:
            return message
        for prefix in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
            message = message.replace(prefix + os.sep, "").replace(prefix, ".")
        return message


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
        if not NAME_PATTERN.fullmatch(name):
            raise _refuse(400, f"invalid template name {name!r}: names hold only letters, digits, '-' and '_'")
        path = self.api_path((await self.json_body()).get("path"))
        path = notebook_path(PurePosixPath(path)).as_posix()  # type: ignore[arg-type]
        try:
            template = find_template(name, self.templates_dirs())
        except TemplateError as exc:
            raise _refuse(404, str(exc)) from exc
        self.os_path(path)  # 403 outside the root
        manager: Any = self.contents_manager  # jupyter_server's contents API is not annotated
        parent = PurePosixPath(path).parent.as_posix()
        parent = "" if parent == "." else parent
        if not await ensure_async(manager.dir_exists(parent)):
            raise _refuse(404, f"folder {parent!r} does not exist")
        if await ensure_async(manager.file_exists(path)) or await ensure_async(manager.dir_exists(path)):
            raise _refuse(409, f"{path!r} already exists; a template never overwrites a file")
        model = {"type": "notebook", "format": "json", "content": render_template(template)}
        saved = await ensure_async(manager.save(model, path))
        self.finish_json(201, {"path": saved.get("path", path)})


class LintHandler(_Handler):
    """``POST lint``: the ``dsq lint --format json`` document for a notebook file or an in-memory notebook."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = await self.json_body()
        document = body.get("notebook")
        if document is not None and not isinstance(document, dict):
            raise _refuse(400, f"'notebook' must be a notebook JSON object, not {_kind(document)}")
        if document is None and body.get("path") is None:
            raise _refuse(400, "give 'path' (a saved notebook) or 'notebook' (its JSON)")
        display = self.api_path(body["path"]) if body.get("path") is not None else _UNNAMED
        selection = Selection(
            select=_codes(body, "select") if body.get("select") is not None else None,
            ignore=_codes(body, "ignore") or (),
        )
        tools = _codes(body, "tools", lower=True) or ()
        if unknown := set(tools) - TOOLS:
            raise _refuse(400, f"unknown tools {sorted(unknown)}; choose from {sorted(TOOLS)}")
        target = self.os_path(display)
        if document is None:
            document = await self._saved(display, target)
        location = target if target is not None else Path(display)
        config_dir = location.parent if target is not None else self.root()

        def job() -> str:
            try:
                return lint_to_json(
                    load_config(config_dir), location, display, document=document, selection=selection, tools=tools
                )
            except NotebookFormatError as exc:  # reported under the API path, never the server's absolute path
                shown = NotebookFormatError(Path(display), exc.reason, cell=exc.cell, line=exc.line)
                raise _refuse(400, str(shown)) from exc
            except RecursionError as exc:
                raise _refuse(400, "the notebook JSON is nested too deeply to lint") from exc

        self.finish_json(200, await self.extension.run_job(job))

    async def _saved(self, path: str, target: Path | None) -> dict[str, Any] | None:
        """None when the file can be read from disk (exactly as `dsq lint` reads it); else its JSON."""
        manager: Any = self.contents_manager  # jupyter_server's contents API is not annotated
        if not await ensure_async(manager.file_exists(path)):
            raise _refuse(404, f"no notebook at {path!r}")
        if await ensure_async(manager.is_hidden(path)) and not manager.allow_hidden:
            raise _refuse(404, f"no notebook at {path!r}")
        if target is not None:
            return None
        model = await ensure_async(manager.get(path, content=True, type="notebook"))
        content: dict[str, Any] = json.loads(json.dumps(model["content"]))
        return content


def _parse_object(body: bytes) -> dict[str, Any]:
    """``body`` parsed as a JSON object; 400 with the parser's reason otherwise."""
    try:
        data = json.loads(body or b"{}")
    except RecursionError as exc:
        raise _refuse(400, "the request body is JSON nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise _refuse(400, f"the request body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise _refuse(400, f"the request body must be a JSON object, not {_kind(data)}")
    return data


def _decodings(value: str) -> list[str]:
    """``value`` and each successive URL-decoding of it (``%252e`` → ``%2e`` → ``.``); 400 past a few levels."""
    forms = [value]
    for _ in range(_MAX_DECODINGS):
        decoded = urllib.parse.unquote(forms[-1])
        if decoded == forms[-1]:
            return forms
        forms.append(decoded)
    raise _refuse(400, f"invalid path {value!r}: URL-encoded more than {_MAX_DECODINGS} times")


def _kind(value: object) -> str:
    """How a JSON value is named in messages: ``a list``, ``null``, etc."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _codes(body: dict[str, Any], key: str, *, lower: bool = False) -> tuple[str, ...] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        shown = (
            _kind(value)
            if not isinstance(value, list)
            else "a list holding " + ", ".join(sorted({_kind(item) for item in value if not isinstance(item, str)}))
        )
        raise _refuse(400, f"'{key}' must be a list of strings, not {shown}")
    return tuple(item.strip().lower() if lower else item.strip().upper() for item in value if item.strip())
