import subprocess
from pathlib import Path

import pytest

from dsquality import discover
from dsquality.config import Config
from dsquality.discover import find_notebooks


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_walk_outside_git_skips_excluded_and_hidden(tmp_path: Path) -> None:
    touch(tmp_path, "a.ipynb", "sub/b.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb", ".venv/c.ipynb", "x.py")
    found = find_notebooks([tmp_path], Config(root=tmp_path))
    assert found == [tmp_path / "a.ipynb", tmp_path / "sub" / "b.ipynb"]


def test_git_work_tree_honours_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    touch(tmp_path, "kept.ipynb", "out/ignored.ipynb", "deep/dir/kept2.ipynb")
    (tmp_path / ".gitignore").write_text("out/\n")
    found = find_notebooks([tmp_path], Config(root=tmp_path))
    assert found == [tmp_path / "deep" / "dir" / "kept2.ipynb", tmp_path / "kept.ipynb"]


def test_configured_excludes_apply(tmp_path: Path) -> None:
    touch(tmp_path, "a.ipynb", "archive/old.ipynb")
    config = Config(root=tmp_path, exclude=("archive/**",))
    assert find_notebooks([tmp_path], config) == [tmp_path / "a.ipynb"]


def test_explicit_files_are_always_taken_once(tmp_path: Path) -> None:
    touch(tmp_path, "archive/old.ipynb")
    config = Config(root=tmp_path, exclude=("archive/**",))
    explicit = tmp_path / "archive" / "old.ipynb"
    assert find_notebooks([explicit, explicit], config) == [explicit]


def test_default_is_the_project_root(tmp_path: Path) -> None:
    touch(tmp_path, "n.ipynb")
    assert find_notebooks([], Config(root=tmp_path)) == [tmp_path / "n.ipynb"]


def test_names_with_spaces_and_symbols(tmp_path: Path) -> None:
    touch(tmp_path, "Chapter 1 - Mining & 'Twitter' (v2).ipynb")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert [p.name for p in find_notebooks([tmp_path], Config(root=tmp_path))] == [
        "Chapter 1 - Mining & 'Twitter' (v2).ipynb"
    ]


def test_subdirectory_of_a_work_tree_honours_gitignore_and_git_is_not_started_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    touch(outside, "a.ipynb", "out/b.ipynb")
    (outside / ".gitignore").write_text("out/\n")  # not a work tree: no git, so no .gitignore
    assert not discover._maybe_in_work_tree(outside / "out")
    assert find_notebooks([outside], Config(root=outside)) == [outside / "a.ipynb", outside / "out" / "b.ipynb"]
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    touch(repo, "sub/a.ipynb", "sub/out/b.ipynb")
    (repo / ".gitignore").write_text("out/\n")
    assert discover._maybe_in_work_tree(repo / "sub")
    assert find_notebooks([repo / "sub"], Config(root=repo)) == [repo / "sub" / "a.ipynb"]
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))  # git finds the repository from the environment
    assert discover._maybe_in_work_tree(outside)


def test_folder_resolver_agrees_with_path_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "a.ipynb").write_text("{}")
    (real / "sub" / "b.ipynb").write_text("{}")
    (tmp_path / "linked_folder").symlink_to(real)  # a folder reached through a link
    (real / "link.ipynb").symlink_to(real / "sub" / "b.ipynb")  # a file that is a link
    (real / "dangling.ipynb").symlink_to(tmp_path / "missing.ipynb")
    monkeypatch.chdir(tmp_path)
    paths = [
        real / "a.ipynb",
        real / "sub" / "b.ipynb",
        tmp_path / "linked_folder" / "a.ipynb",
        tmp_path / "linked_folder" / "sub" / "b.ipynb",
        real / "link.ipynb",
        real / "dangling.ipynb",
        real / "not-there.ipynb",
        Path("real/sub/../a.ipynb"),
        Path("linked_folder/sub/.."),
        Path("real/a.ipynb"),
        Path(),
    ]
    resolve = discover.FolderResolver()
    for path in paths * 2:  # the second round answers from remembered folders
        assert resolve(path) == path.resolve(), path
    assert resolve(real / "link.ipynb") == real / "sub" / "b.ipynb"
    assert resolve(tmp_path / "linked_folder" / "a.ipynb") == real / "a.ipynb"


def test_excludes_apply_to_the_resolved_path_of_a_linked_folder(tmp_path: Path) -> None:
    # The project links in a folder that lives in an excluded one: excluded, as Path.resolve would say.
    (tmp_path / "build" / "nb").mkdir(parents=True)
    (tmp_path / "build" / "nb" / "x.ipynb").write_text("{}")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "y.ipynb").write_text("{}")
    (tmp_path / "kept" / "alias").symlink_to(tmp_path / "build" / "nb")
    (tmp_path / "kept" / "z.ipynb").symlink_to(tmp_path / "build" / "nb" / "x.ipynb")
    found = find_notebooks([tmp_path / "kept"], Config(root=tmp_path, exclude=("build",)))
    assert found == [tmp_path / "kept" / "y.ipynb"]
