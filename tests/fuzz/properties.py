"""The properties every public entry point must keep on any input, and the fuzzing budgets.

Each ``check_*`` function takes a notebook file's bytes and a fresh directory, runs one entry
point on it and returns normally when the entry point either succeeded or raised a
:class:`~dsquality.errors.DSQualityError` whose message names the file. Any other exception
propagates (hypothesis then shrinks the input); an example that runs longer than
:data:`HARD_LIMIT` seconds fails as a hang. Where an entry point writes, the check also asserts
that nothing was lost: a failed write leaves the file as it was, a written notebook reads back.

The tests in this package and ``benchmarks/fuzz_long.py`` share these functions and budgets.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

from hypothesis import HealthCheck, settings

from dsquality.clean import clean_notebook
from dsquality.config import Config, load_config
from dsquality.errors import DSQualityError
from dsquality.jupyter.lint import lint_to_json
from dsquality.lint.engine import LintSettings, lint_notebook, lint_paths
from dsquality.lint.registry import RULES, rule_infos
from dsquality.notebook import parse_notebook, read_notebook
from dsquality.promote.api import check_notebooks, promote_notebook
from dsquality.report import FORMATTERS
from dsquality.runs.params import ParameterSchema

T = TypeVar("T")

# --- budgets -----------------------------------------------------------------------------------------

# An example running longer than this is a hang, whatever the profile (checked with a real timer).
HARD_LIMIT = 60.0
_COMMON = settings(
    deadline=timedelta(seconds=20),  # generous: the CI machine is shared; HARD_LIMIT catches real hangs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True,
    database=None,
)
# "ci": deterministic and bounded (max_examples is set per test, see fuzz_settings);
# "long": random, for benchmarks/fuzz_long.py, which scales the examples up.
PROFILES = {
    "ci": settings(_COMMON, derandomize=True),
    "long": settings(_COMMON, derandomize=False),
}
for _name, _profile in PROFILES.items():
    settings.register_profile(f"dsq-fuzz-{_name}", _profile)
PROFILE = os.environ.get("DSQ_FUZZ_PROFILE", "ci")
SCALE = float(os.environ.get("DSQ_FUZZ_SCALE", "1"))


# Set by benchmarks/fuzz_long.py: where to write how many examples each property ran.
_COUNTS_FILE = os.environ.get("DSQ_FUZZ_COUNTS")
TIMEOUT = 120 * max(1.0, SCALE)  # pytest-timeout for one fuzz test


def fuzz_settings(examples: int) -> settings:
    """Settings for a fuzz test running ``examples`` examples in CI (times ``DSQ_FUZZ_SCALE``)."""
    return settings(PROFILES[PROFILE], max_examples=max(1, round(examples * SCALE)))


# --- counting and timing examples --------------------------------------------------------------------

COUNTS: dict[str, int] = {}


def _save_counts() -> None:
    if _COUNTS_FILE:
        Path(_COUNTS_FILE).write_text(json.dumps(COUNTS), encoding="utf-8")


atexit.register(_save_counts)


class _Hang(BaseException):
    """Raised by the timer inside the code under test: no ``except Exception`` there can swallow it."""


@contextlib.contextmanager
def hard_deadline(seconds: float = HARD_LIMIT) -> Iterator[None]:
    """Fail with an AssertionError if the block runs longer than ``seconds`` (main thread, POSIX).

    An outer real-time timer (pytest-timeout's) keeps running: it fires at its own time, through
    its own handler, and is re-armed with what is left of it afterwards.
    """
    start = time.monotonic()
    outer_handler = signal.getsignal(signal.SIGALRM)
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_first = 0 < outer_left < seconds

    def alarm(signum: int, frame: FrameType | None) -> None:
        if outer_first and callable(outer_handler):
            outer_handler(signum, frame)
        raise _Hang

    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, outer_left if outer_first else seconds)
    try:
        yield
    except _Hang:
        raise AssertionError(f"hang: the example did not finish within {seconds:.0f} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - start), 0.001))


@contextlib.contextmanager
def example(name: str) -> Iterator[Path]:
    """A fresh directory for one example of property ``name``, counted and under a hard deadline."""
    COUNTS[name] = COUNTS.get(name, 0) + 1
    with tempfile.TemporaryDirectory(prefix="dsq-fuzz-") as folder, hard_deadline():
        yield Path(folder).resolve()


# --- what "a clear error" means ----------------------------------------------------------------------


# Signs of a reason passed on from a library without being explained (found by the fuzzer in
# nbformat 3 upgrades: a KeyError's "(None, None)", an AssertionError's empty text).
_UNCLEAR = re.compile(r":\s*\.(?:\s|$)|:\s*;|\(None, None\)|: \w+\. Fix the file")


def assert_clear(error: DSQualityError, path: Path) -> None:
    """``error``'s message names the file, says why in words, is short and printable."""
    message = str(error)
    name = type(error).__name__
    assert message.strip(), f"{name} with an empty message"
    assert path.name in message, f"{name} does not name {path.name}: {message}"
    assert not _UNCLEAR.search(message), f"{name} with an unexplained reason: {message}"
    # Short, unless it lists many problems (PromotionError, ParameterError): catches values copied whole.
    limit = 2_000 + 500 * len(getattr(error, "problems", ()))
    assert len(message) < limit, f"{name} with a {len(message)}-character message"
    message.encode("utf-8")  # printable: no lone surrogate copied from the file


def survives(action: Callable[[], T], path: Path) -> T | None:
    """``action()``, or None when it raised a clear :class:`DSQualityError` about ``path``."""
    try:
        return action()
    except DSQualityError as error:
        assert_clear(error, path)
        return None


def _write(folder: Path, data: bytes, name: str = "nb.ipynb") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _readable(path: Path) -> bool:
    try:
        read_notebook(path)
    except DSQualityError:
        return False
    return True


# --- the properties ------------------------------------------------------------------------------------


def check_lint(data: bytes, *, ruff: bool = False) -> None:
    """``lint_paths`` (with ``--fix``) reports or fails clearly; the report renders; a fix keeps the file readable."""
    with example("lint-ruff" if ruff else "lint") as folder:
        path = _write(folder, data)
        readable = _readable(path)
        config = Config(root=folder)
        settings_ = LintSettings(ruff=ruff, mypy=False, cache=False, jobs=1, fix=True)
        report = survives(lambda: lint_paths([path], config, settings_), path)
        if report is not None:
            for formatter in ("json", "text", "sarif"):
                FORMATTERS[formatter](report, rule_infos()).encode("utf-8")
        if readable:
            assert _readable(path), "lint --fix left an unreadable notebook"
        else:
            assert path.read_bytes() == data, "lint --fix rewrote a notebook it could not read"


def check_lint_notebook(data: bytes) -> None:
    """``parse_notebook`` + ``lint_notebook`` with every rule."""
    with example("lint_notebook") as folder:
        path = folder / "nb.ipynb"
        notebook = survives(lambda: parse_notebook(data, path), path)
        if notebook is not None:
            survives(lambda: lint_notebook(notebook, Config(root=folder), list(RULES.values())), path)


def check_clean(data: bytes) -> None:
    """``clean_notebook`` never raises; an error leaves the bytes as they were; a cleaned file is clean."""
    with example("clean") as folder:
        path = _write(folder, data)
        result = clean_notebook(path)
        if result.error is not None:
            assert_clear(result.error, path)
        if not result.written:
            assert path.read_bytes() == data, "clean changed a file it did not write"
            return
        assert _readable(path), "clean wrote an unreadable notebook"
        assert clean_notebook(path, check=True).ok, "a cleaned notebook does not pass clean --check"
        assert sorted(p.name for p in folder.iterdir()) == ["nb.ipynb"], "clean left a temp file"


def check_params(data: bytes) -> None:
    """``ParameterSchema.from_notebook`` and its JSON document."""
    with example("params") as folder:
        path = _write(folder, data)
        schema = survives(lambda: ParameterSchema.from_notebook(path), path)
        if schema is not None:
            json.dumps(schema.to_json()).encode("utf-8")


PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n'


def check_promote(data: bytes, *, check_only: bool = False) -> None:
    """``promote_notebook`` (no mypy) into a small project, or ``check_notebooks``; a failure writes nothing."""
    with example("promote-check" if check_only else "promote") as folder, contextlib.chdir(folder):
        (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        (folder / "pkg").mkdir()
        path = _write(folder, data)
        config = load_config(path)
        if check_only:
            survives(lambda: check_notebooks([path], config), path)
            return
        result = survives(
            lambda: promote_notebook(path, config=config, module=Path("pkg/mod.py"), typecheck=False), path
        )
        if result is None:
            assert path.read_bytes() == data, "a failed promotion changed the notebook"
            assert not (folder / "pkg" / "mod.py").exists(), "a failed promotion wrote the module"
        else:
            assert (folder / "pkg" / "mod.py").is_file()
            assert _readable(path), "promote left an unreadable notebook"


def check_endpoint(data: bytes) -> None:
    """The Jupyter lint endpoint's core: the saved file, and the document as the frontend sends it."""
    with example("endpoint") as folder:
        path = _write(folder, data)
        config = Config(root=folder)
        document = json.loads(survives(lambda: lint_to_json(config, path, path.name), path) or "{}")
        assert isinstance(document, dict)
        try:
            frontend = json.loads(data.decode("utf-8-sig"))
        except ValueError:
            return
        if isinstance(frontend, dict):  # the handler refuses anything else with a 400
            survives(lambda: lint_to_json(config, path, path.name, document=frontend), path)


CHECKS: dict[str, Callable[[bytes], None]] = {
    "lint": check_lint,
    "lint_notebook": check_lint_notebook,
    "clean": check_clean,
    "params": check_params,
    "promote": check_promote,
    "endpoint": check_endpoint,
}
