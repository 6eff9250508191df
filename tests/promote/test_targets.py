from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dsquality.config import load_config
from dsquality.errors import ConfigError, PromotionTargetError
from dsquality.notebook import read_notebook
from dsquality.promote.targets import PromoteSettings, import_name, resolve_targets, with_remembered
from tests.promote.conftest import MakeNotebook

CELLS = [("X = 1", ["export"])]


def configure(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(f'[project]\nname = "demo"\nversion = "0"\n\n{table}\n', encoding="utf-8")


def test_command_line_paths_are_relative_to_the_cwd_and_stored_relative_to_the_root(
    make_notebook: MakeNotebook, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_notebook(CELLS, name="notebooks/nb.ipynb")
    monkeypatch.chdir(project / "notebooks")
    targets = resolve_targets(read_notebook(path), load_config(path), module=Path("../pkg/mod.py"))
    assert targets is not None
    assert (targets.module, targets.tests) == (project / "pkg" / "mod.py", project / "tests" / "test_mod.py")
    assert (targets.module_key, targets.tests_key) == ("pkg/mod.py", "tests/test_mod.py")
    assert targets.import_name == "pkg.mod"
    assert targets.remember == {"module": "pkg/mod.py"}


def test_remembered_metadata_is_used_and_not_rewritten(make_notebook: MakeNotebook) -> None:
    remembered = {"dsquality": {"promote": {"module": "pkg/mod.py", "tests": "tests/unit/test_m.py"}}}
    path = make_notebook(CELLS, metadata=remembered)
    targets = resolve_targets(read_notebook(path), load_config(path))
    assert targets is not None
    assert (targets.module_key, targets.tests_key, targets.remember) == ("pkg/mod.py", "tests/unit/test_m.py", None)
    again = resolve_targets(read_notebook(path), load_config(path), module=Path("pkg/mod.py"))
    assert again is not None
    assert again.remember is None  # the notebook already remembers exactly this
    moved = resolve_targets(read_notebook(path), load_config(path), module=Path("pkg/other.py"))
    assert moved is not None
    assert moved.remember == {"module": "pkg/other.py", "tests": "tests/unit/test_m.py"}
    data = with_remembered(read_notebook(path), moved.remember)
    assert data["metadata"]["dsquality"] == {"promote": {"module": "pkg/other.py", "tests": "tests/unit/test_m.py"}}
    assert list(data["metadata"]) == ["dsquality", "kernelspec", "language_info"]  # sorted, as nbformat writes


def test_nothing_configured_means_not_promoted(make_notebook: MakeNotebook) -> None:
    path = make_notebook(CELLS)
    assert resolve_targets(read_notebook(path), load_config(path)) is None
    with pytest.raises(PromotionTargetError, match="--tests was given, but no module"):
        resolve_targets(read_notebook(path), load_config(path), tests=Path("tests/t.py"))


def test_configuration_maps_notebooks_and_sets_the_tests_folder(make_notebook: MakeNotebook, project: Path) -> None:
    configure(
        project,
        '[tool.dsquality.promote]\ntests-dir = "checks"\n\n[tool.dsquality.promote.notebooks]\n'
        '"nb.ipynb" = "pkg/stats.py"\n"other.ipynb" = { module = "pkg/o.py", tests = "t/test_o.py" }',
    )
    path, other = make_notebook(CELLS), make_notebook(CELLS, name="other.ipynb")
    config = load_config(path)
    targets = resolve_targets(read_notebook(path), config)
    assert targets is not None
    assert (targets.module_key, targets.tests_key, targets.remember) == ("pkg/stats.py", "checks/test_stats.py", None)
    other_targets = resolve_targets(read_notebook(other), config)
    assert other_targets is not None
    assert (other_targets.module_key, other_targets.tests_key) == ("pkg/o.py", "t/test_o.py")
    same = resolve_targets(read_notebook(path), config, module=Path("pkg/stats.py"))
    assert same is not None
    assert same.remember == {"module": "pkg/stats.py"}


def test_a_disagreement_between_sources_is_an_error(make_notebook: MakeNotebook, project: Path) -> None:
    configure(project, '[tool.dsquality.promote.notebooks]\n"nb.ipynb" = "pkg/stats.py"')
    path = make_notebook(CELLS, metadata={"dsquality": {"promote": {"module": "pkg/old.py"}}})
    config = load_config(path)
    with pytest.raises(PromotionTargetError) as caught:
        resolve_targets(read_notebook(path), config)
    assert "the notebook's metadata says the module is 'pkg/old.py'" in str(caught.value)
    assert "says 'pkg/stats.py'" in str(caught.value)
    assert caught.value.exit_code == 2
    with pytest.raises(PromotionTargetError, match=r"--module says the module is 'pkg/new\.py'"):
        resolve_targets(read_notebook(path), config, module=Path("pkg/new.py"))


@pytest.mark.parametrize(
    ("module", "tests", "message"),
    [
        ("pkg/mod.txt", None, "'pkg/mod.txt' is not the path of a .py file"),
        ("pkg/mod.py", "pkg/mod.py", "would both be written to 'pkg/mod.py'"),
        ("my-pkg/mod.py", None, "cannot be imported as 'my-pkg.mod': 'my-pkg' is not a valid Python name"),
        ("pkg/class.py", None, "'class' is not a valid Python name"),
    ],
)
def test_invalid_targets(
    make_notebook: MakeNotebook, project: Path, module: str, tests: str | None, message: str
) -> None:
    (project / "my-pkg").mkdir()
    path = make_notebook(CELLS)
    tests_path = Path(tests) if tests else None
    with pytest.raises(PromotionTargetError, match=re.escape(message)):
        resolve_targets(read_notebook(path), load_config(path), module=Path(module), tests=tests_path)


def test_invalid_metadata_is_reported(make_notebook: MakeNotebook) -> None:
    path = make_notebook(CELLS, metadata={"dsquality": {"promote": {"module": 3}}})
    with pytest.raises(PromotionTargetError, match="is not a table of 'module' and 'tests' paths"):
        resolve_targets(read_notebook(path), load_config(path))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[tool.dsquality.promote]\ntest-dir = "t"', "promote.test-dir"),
        ("[tool.dsquality.promote]\ntests-dir = 3", "promote.tests-dir"),
        ('[tool.dsquality.promote]\nnotebooks = "nb.ipynb"', "promote.notebooks"),
        ('[tool.dsquality.promote.notebooks]\n"nb.ipynb" = { tests = "t.py" }', "promote.notebooks.nb.ipynb.module"),
        ('[tool.dsquality.promote.notebooks]\n"nb.ipynb" = { module = "m.txt" }', "promote.notebooks.nb.ipynb.module"),
        ('[tool.dsquality.promote.notebooks]\n"nb.ipynb" = { modul = "m.py" }', "promote.notebooks.nb.ipynb.modul"),
    ],
)
def test_invalid_configuration_names_the_key(project: Path, table: str, key: str) -> None:
    configure(project, table)
    with pytest.raises(ConfigError) as caught:
        PromoteSettings.from_config(load_config(project))
    assert caught.value.key == key


def test_import_names_follow_packages_namespaces_and_src_layouts(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "__init__.py").touch()
    (tmp_path / "a" / "b" / "__init__.py").touch()
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "__init__.py").touch()
    assert import_name(tmp_path / "a" / "b" / "mod.py", tmp_path) == "a.b.mod"
    assert import_name(tmp_path / "mod.py", tmp_path) == "mod"
    assert import_name(tmp_path / "src" / "lib" / "mod.py", tmp_path) == "lib.mod"
    assert import_name(tmp_path / "src" / "mod.py", tmp_path) == "mod"
    assert import_name(tmp_path / "notebooks" / "promoted" / "mod.py", tmp_path) == "notebooks.promoted.mod"


def test_metadata_that_is_not_an_object_is_left_alone(project: Path) -> None:
    # Found by the fuzzer (tests/fuzz): "metadata": null crashed `dsq promote --module` with a TypeError
    # after the module was written. Now the module is written and the invalid metadata left as it is.
    from dsquality.promote.api import promote_notebook  # noqa: PLC0415

    path = project / "nb.ipynb"
    cell = {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["export"]}, "outputs": []}
    document = {"cells": [{**cell, "source": "X = 1\n"}], "metadata": None, "nbformat": 4, "nbformat_minor": 4}
    path.write_text(json.dumps(document), encoding="utf-8")
    before = path.read_bytes()
    assert with_remembered(read_notebook(path), {"module": "pkg/mod.py"})["metadata"] is None
    result = promote_notebook(path, module=Path("pkg/mod.py"), typecheck=False)
    assert result.module.written
    assert not result.metadata_written
    assert path.read_bytes() == before
