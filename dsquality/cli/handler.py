"""The one place that turns exceptions into exit codes and messages.

- :class:`~dsquality.errors.DSQualityError`: its one-line message on stderr, its ``exit_code``
  (2 for usage and input errors, 1 for a failed run).
- Ctrl-C: exit 130, no traceback.
- Anything else is a bug in dsquality: exit 3, the traceback goes to a log file whose path is
  printed, so the user can report it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from dsquality.errors import DSQualityError

__all__ = ["EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_USAGE", "handle_errors", "log_directory"]

EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


def log_directory() -> Path:
    """Where crash logs go: ``$DSQ_LOG_DIR``, else the user cache directory."""
    configured = os.environ.get("DSQ_LOG_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dsquality" / "logs"


def _write_crash_log(exc: BaseException) -> Path:
    import datetime as dt  # noqa: PLC0415 - only after a crash: every command starts faster
    import tempfile  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%S")
    text = f"dsq {' '.join(sys.argv[1:])}\n\n" + "".join(traceback.format_exception(exc))
    for directory in (log_directory(), Path(tempfile.gettempdir())):
        path = directory / f"dsq-crash-{stamp}-{os.getpid()}.log"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        return path
    return Path("<no writable log directory>")


def handle_errors(action: Callable[[], int]) -> int:
    """Run ``action`` and map what it raises to an exit code, printing one line on stderr."""
    try:
        return action()
    except DSQualityError as exc:
        print(f"dsq: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dsq: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: every bug becomes exit 3
        log = _write_crash_log(exc)
        print(
            f"dsq: internal error: {type(exc).__name__}: {exc}. This is a bug in dsquality; "
            f"the traceback is in {log}; please report it with that file.",
            file=sys.stderr,
        )
        return EXIT_BUG
