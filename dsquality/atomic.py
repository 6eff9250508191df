"""Atomic file writes: a temp file in the same directory, fsync, then rename over the target.

A reader never sees a half-written file, a killed write leaves the original untouched, and the
target keeps its permissions (and its owner and group, where the process may set them). A
symlink is written through to its target, never replaced. A write that fails (read-only file
system, disk full…) raises :class:`~dsquality.errors.FileWriteError` naming the file and the
reason, leaves the original as it was and removes its temp file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from dsquality.errors import FileWriteError

__all__ = ["atomic_create_bytes", "atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically; return False (and touch nothing) if it is unchanged.

    Leaving an unchanged file alone keeps its mtime, so build tools and editors see no change.

    Raises:
        FileWriteError: the file could not be written (read-only directory, disk full…).
    """
    target = Path(os.path.realpath(path))
    try:
        return _write(target, data)
    except OSError as exc:
        raise FileWriteError(target, exc.strerror or str(exc)) from exc


def _write(target: Path, data: bytes) -> bool:
    try:
        if target.read_bytes() == data:
            return False
        status: os.stat_result | None = target.stat()
    except FileNotFoundError:
        status = None
    with _complete_temp_file(target, data, status) as tmp:
        tmp.replace(target)  # os.replace: atomic on POSIX
    _sync_directory(target.parent)
    return True


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_create_bytes(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``, complete or not at all; never replace an existing file.

    The temp file is hard-linked into place, which fails if anything (even a dangling symlink)
    appeared at ``path`` in the meantime.

    Raises:
        FileExistsError: something exists at ``path``; nothing was written.
        FileWriteError: the file could not be written.
    """
    target = Path(path)
    try:
        with _complete_temp_file(target, data, None) as tmp:
            os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        raise FileWriteError(target, exc.strerror or str(exc)) from exc


@contextlib.contextmanager
def _complete_temp_file(target: Path, data: bytes, original: os.stat_result | None) -> Iterator[Path]:
    """A fsynced temp file beside ``target`` holding ``data``, removed afterwards if still there.

    It has the mode, owner and group of ``original`` (the file it replaces), or the mode a new
    file gets under the umask.
    """
    import tempfile  # noqa: PLC0415 - only to write; reading commands start faster without it

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".dsq-tmp")
    tmp = Path(tmp_name)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if original is None:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o666 & ~umask)
        else:
            if (original.st_uid, original.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):  # only root (or the owner, for the group) may
                    os.chown(tmp, original.st_uid, original.st_gid)
            tmp.chmod(stat.S_IMODE(original.st_mode))  # after chown, which clears set-user-ID bits
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> bool:
    """Write ``text`` atomically (see :func:`atomic_write_bytes`), without newline translation."""
    return atomic_write_bytes(path, text.encode(encoding))
