"""Tests of dsquality.atomic: atomic writes, and what every writer keeps when a write fails."""

import contextlib
import errno
import json
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from dsquality.atomic import atomic_write_bytes, atomic_write_text
from dsquality.config import Config
from dsquality.errors import FileWriteError
from dsquality.lint.engine import LintSettings, lint_paths
from dsquality.lint.selection import Selection
from dsquality.promote.api import promote_notebook
from tests.lint.rules.builders import code, notebook, stream


def test_writes_new_file_and_reports_change(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    assert atomic_write_text(target, "hello\r\n") is True
    assert target.read_bytes() == b"hello\r\n"


def test_unchanged_content_is_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"same")
    os.utime(target, (1_000_000, 1_000_000))
    assert atomic_write_bytes(target, b"same") is False
    assert target.stat().st_mtime == 1_000_000


def test_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_failed_replace_leaves_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"original")

    def fail(self: Path, other: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(FileWriteError, match="No space left on device") as caught:
        atomic_write_bytes(target, b"new content")
    assert caught.value.path == target
    assert "original was left untouched" in str(caught.value)
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileWriteError, match="could not write"):
        atomic_write_bytes(tmp_path / "missing" / "a.txt", b"x")


# --- faults: a full disk, a read-only file system, failing system calls --------------------------------


@contextlib.contextmanager
def tmpfs(directory: Path, size: str = "64k") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``directory`` (skips the test where mounting is not permitted)."""
    directory.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def read_only(directory: Path) -> None:
    """Remount the tmpfs at ``directory`` read-only: writes fail with EROFS, even for root."""
    subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)


def fill(directory: Path) -> None:
    """Fill the file system of ``directory`` until not one more block fits."""
    with contextlib.suppress(OSError), (directory / "filler").open("wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 1024)


def assert_untouched(path: Path, before: bytes, error: FileWriteError, reason: str) -> None:
    """The write failed cleanly: same bytes, no temp file beside it, a message saying what, where and why."""
    assert path.read_bytes() == before
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".dsq-tmp")]
    message = str(error)
    assert error.path == path
    assert message.startswith(f"{path}: could not write the file: {reason}; the original was left untouched.")


def test_disk_full_on_a_real_tmpfs(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small") as disk:
        target = disk / "a.txt"
        target.write_bytes(b"original" * 1000)
        with pytest.raises(FileWriteError) as caught:
            atomic_write_bytes(target, b"x" * 200_000)  # more than the 64 KiB file system holds
        assert_untouched(target, b"original" * 1000, caught.value, "No space left on device")


def test_read_only_file_system(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as disk:
        target = disk / "a.txt"
        target.write_bytes(b"original")
        read_only(disk)
        with pytest.raises(FileWriteError) as caught:
            atomic_write_bytes(target, b"new")
        assert_untouched(target, b"original", caught.value, "Read-only file system")


def enospc(*args: object) -> NoReturn:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_enospc_from_os_write_after_a_partial_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"original")
    real_write = os.write
    calls = []

    def partial_then_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 1:
            enospc()
        return real_write(fd, bytes(data[:10]))  # a short write: the rest must be retried

    monkeypatch.setattr(os, "write", partial_then_full)
    with pytest.raises(FileWriteError) as caught:
        atomic_write_bytes(target, b"new content, longer than ten bytes")
    assert calls[1] == len(b"new content, longer than ten bytes") - 10
    assert_untouched(target, b"original", caught.value, "No space left on device")


@pytest.mark.parametrize("call", ["replace", "fsync"])
def test_enospc_from_os_replace_or_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"original")
    monkeypatch.setattr(os, call, enospc)
    with pytest.raises(FileWriteError) as caught:
        atomic_write_text(target, "new")
    assert_untouched(target, b"original", caught.value, "No space left on device")


def test_interrupted_write_removes_its_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"original")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert target.read_bytes() == b"original"


def test_write_is_all_or_nothing_for_a_concurrent_reader(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    versions = [bytes([65 + i]) * 300_000 for i in range(4)]
    target.write_bytes(versions[0])
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(5):
            for version in versions:
                atomic_write_bytes(target, version)
    finally:
        stop.set()
        reader.join()
    assert seen <= set(versions)  # never a mixture or a truncated file


# --- what the written file keeps ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o664, 0o755, 0o444])
def test_every_permission_is_kept(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    target.chmod(mode)
    assert atomic_write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    umask = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    os.chown(target, 12345, 23456)
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    status = target.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (12345, 23456, 0o640)


def test_relative_symlink_chain_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.ipynb"
    real.write_bytes(b"old")
    middle = tmp_path / "data" / "middle.ipynb"
    middle.symlink_to("real.ipynb")
    link = tmp_path / "link.ipynb"
    link.symlink_to(Path("data") / "middle.ipynb")
    assert atomic_write_bytes(link, b"new")
    assert link.is_symlink()
    assert middle.is_symlink()
    assert link.readlink() == Path("data") / "middle.ipynb"
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["middle.ipynb", "real.ipynb"]


def test_dangling_symlink_creates_its_target_and_stays_a_link(tmp_path: Path) -> None:
    link = tmp_path / "link.ipynb"
    link.symlink_to(tmp_path / "missing.ipynb")
    atomic_write_bytes(link, b"new")
    assert link.is_symlink()
    assert (tmp_path / "missing.ipynb").read_bytes() == b"new"


def test_symlink_loop_is_a_clear_error(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    first.symlink_to(second)
    second.symlink_to(first)
    with pytest.raises(FileWriteError, match="could not write the file: Too many levels of symbolic links"):
        atomic_write_bytes(first, b"new")
    assert first.is_symlink()
    assert second.is_symlink()


def test_symlink_into_a_read_only_file_system_is_refused_and_kept(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as disk:
        real = disk / "real.ipynb"
        real.write_bytes(b"original")
        read_only(disk)
        link = tmp_path / "link.ipynb"
        link.symlink_to(real)
        with pytest.raises(FileWriteError) as caught:
            atomic_write_bytes(link, b"new")
        assert_untouched(real, b"original", caught.value, "Read-only file system")
        assert link.is_symlink()


# --- every writer goes through this layer: lint --fix and promote ---------------------------------------


def test_lint_fix_on_a_read_only_file_system_says_why_and_keeps_the_notebook(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", size="1m") as disk:
        path = disk / "nb.ipynb"
        document = notebook(code("x = 1\nx", count=1, outputs=[stream("1\n")]))
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        before = path.read_bytes()
        read_only(disk)
        settings = LintSettings(selection=Selection(select=("DSQ401",)), ruff=False, mypy=False, cache=False, fix=True)
        with pytest.raises(FileWriteError) as caught:
            lint_paths([path], Config(root=disk), settings)
        assert_untouched(path, before, caught.value, "Read-only file system")


def test_promote_into_a_full_disk_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    with tmpfs(project, size="256k"):
        (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n', encoding="utf-8")
        (project / "pkg").mkdir()
        path = project / "nb.ipynb"
        cell = code("def double(x: int) -> int:\n    return 2 * x\n", tags=["export"])
        path.write_text(json.dumps(notebook(cell), indent=1) + "\n", encoding="utf-8")
        before = path.read_bytes()
        monkeypatch.chdir(project)
        fill(project)
        with pytest.raises(FileWriteError) as caught:
            promote_notebook(path, module=Path("pkg/mod.py"), typecheck=False)
        module = project / "pkg" / "mod.py"
        assert caught.value.path == module
        assert "could not write the file: No space left on device; the original was left untouched" in str(caught.value)
        assert sorted(p.name for p in module.parent.iterdir()) == []  # no module, no temp file
        assert path.read_bytes() == before
