"""Finding the notebooks a command works on.

Files given explicitly are always taken (pre-commit passes exactly the staged ones). Directories
are searched for ``*.ipynb``: inside a git work tree through ``git ls-files`` (tracked and
untracked files, honouring ``.gitignore``), elsewhere by walking the tree; configured and default
excludes (``.ipynb_checkpoints``, ``.venv``…) apply to both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from dsquality.config import Config

__all__ = ["FolderResolver", "find_notebooks"]


def find_notebooks(paths: Sequence[Path], config: Config) -> list[Path]:
    """Notebook files under ``paths`` (default: the project root), sorted and without duplicates."""
    found: dict[Path, None] = {}
    for path in paths or [config.root]:
        if path.is_dir():
            for notebook in _in_directory(path, config):
                found.setdefault(notebook)
        else:
            found.setdefault(path)  # explicit files are linted even when excluded or missing
    return sorted(found)


class FolderResolver:
    """``path.resolve()`` for many files in a few folders, resolving each folder only once.

    ``Path.resolve`` looks at every component of a path, in Python: for a few hundred notebooks
    that is most of the time discovery takes. A file that is not a symbolic link resolves to its
    resolved folder joined with its name. Folders are remembered, so use one resolver for one
    pass over the file system only.
    """

    __slots__ = ("_folders",)

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        """The same path as ``path.resolve()``."""
        name = path.name
        if name in {"", ".", ".."} or path.is_symlink():
            return path.resolve()
        parent = path.parent
        folder = self._folders.get(parent)
        if folder is None:
            folder = self._folders[parent] = parent.resolve()
        return folder / name


def _in_directory(directory: Path, config: Config) -> Iterable[Path]:
    listed = _git_listed(directory)
    candidates = listed if listed is not None else _walk(directory, config)
    resolve = FolderResolver()
    return (path for path in candidates if not config.is_excluded(path, resolved=resolve(path)))


def _git_listed(directory: Path) -> list[Path] | None:
    if not _maybe_in_work_tree(directory):
        return None
    import shutil  # noqa: PLC0415 - only inside a work tree: shutil imports bz2, lzma and zlib
    import subprocess  # noqa: PLC0415 - only inside a work tree

    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.ipynb"],
            cwd=directory,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None  # not a git work tree
    names = [name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    return [directory / name for name in names if (directory / name).is_file()]


def _maybe_in_work_tree(directory: Path) -> bool:
    """False when ``git ls-files`` would fail anyway: no ``.git`` above ``directory`` and no ``$GIT_DIR``.

    Saves starting git (and importing subprocess) for folders outside any repository.
    """
    if os.environ.get("GIT_DIR"):
        return True
    absolute = directory.absolute()
    return any(os.path.lexists(folder / ".git") for folder in (absolute, *absolute.parents))


def _walk(directory: Path, config: Config) -> Iterable[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in config.exclude and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".ipynb"):
                yield Path(root) / name
