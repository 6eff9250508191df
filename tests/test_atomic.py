import os
from pathlib import Path

import pytest

from dsquality.atomic import atomic_write_bytes, atomic_write_text
from dsquality.errors import FileWriteError


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
