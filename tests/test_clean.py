"""Tests of dsquality.clean: what `dsq clean` strips, keeps, writes and refuses."""

from __future__ import annotations

import copy
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsquality.clean import (
    CleanOptions,
    clean_data,
    clean_notebook,
    clean_notebooks,
    find_executed_cells,
    find_volatile_metadata,
)
from dsquality.config import Config
from dsquality.errors import FileWriteError, NotebookFormatError, NotebookVersionError
from tests.lint.rules.builders import code, md, notebook, stream
from tests.test_atomic import enospc, fill, read_only, tmpfs

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"
PAST = 1_000_000_000  # an mtime far in the past


def executed() -> dict[str, Any]:
    """A notebook saved after a run: outputs, counts, timings, UI state, widget state."""
    return notebook(
        md("# Analysis", tags=["intro"]),
        code(
            "import pandas as pd",
            count=1,
            metadata={"ExecuteTime": {"end_time": "2024-05-02T09:14:11Z"}, "collapsed": False},
        ),
        code(
            "df = pd.read_csv('data.csv')\ndf.head()",
            count=2,
            outputs=[
                {"output_type": "execute_result", "execution_count": 2, "data": {"text/plain": "a b"}, "metadata": {}},
                stream("warning\n", "stderr"),
            ],
            metadata={"jupyter": {"outputs_hidden": False, "source_hidden": True}, "my-tool": {"x": 1}},
        ),
        code(
            "df.plot()",
            count=3,
            outputs=[
                {
                    "output_type": "execute_result",
                    "execution_count": 3,
                    "data": {"text/plain": "<Axes>"},
                    "metadata": {},
                }
            ],
            tags=["keep-output"],
        ),
        code("x = 1"),
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            "authors": [{"name": "Ada"}],
        },
    )


def write(path: Path, document: dict[str, Any], *, indent: int | None = 1, ensure_ascii: bool = False) -> Path:
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=ensure_ascii) + "\n", encoding="utf-8")
    return path


# --- clean_data: what is removed and what is kept --------------------------------------------------


def test_clean_data_removes_executed_state_and_describes_it() -> None:
    data = executed()
    changes = clean_data(data)
    assert changes == [
        "notebook: removed metadata `widgets`",
        "cell 2: cleared the execution count, removed metadata `ExecuteTime`, `collapsed`",
        "cell 3: removed 2 outputs, cleared the execution count, removed metadata `jupyter.outputs_hidden`",
        "cell 4: cleared the execution count (outputs kept: tagged `keep-output`)",
    ]
    cells = data["cells"]
    assert [cell.get("execution_count") for cell in cells] == [None, None, None, None, None]
    assert cells[2]["outputs"] == []
    assert cells[3]["outputs"][0]["data"] == {"text/plain": "<Axes>"}
    assert cells[3]["outputs"][0]["execution_count"] is None
    assert cells[1]["metadata"] == {}
    assert cells[2]["metadata"] == {"jupyter": {"source_hidden": True}, "my-tool": {"x": 1}}
    assert cells[0]["metadata"] == {"tags": ["intro"]}
    assert [cell["id"] for cell in cells] == ["c1", "c2", "c3", "c4", "c5"]
    assert data["metadata"]["authors"] == [{"name": "Ada"}]
    assert "widgets" not in data["metadata"]
    assert clean_data(data) == []


def test_keep_lists() -> None:
    options = CleanOptions(keep_output_tag="show", keep_metadata=frozenset({"ExecuteTime", "metadata.widgets"}))
    document = executed()
    document["cells"][2]["metadata"]["tags"] = ["show"]
    data = copy.deepcopy(document)
    clean_data(data, options)
    assert data["cells"][1]["metadata"] == {"ExecuteTime": {"end_time": "2024-05-02T09:14:11Z"}}
    assert len(data["cells"][2]["outputs"]) == 2
    assert data["cells"][3]["outputs"] == []  # "keep-output" is not the configured tag
    assert "widgets" in data["metadata"]
    qualified = CleanOptions(keep_metadata=frozenset({"cell.metadata.collapsed", "metadata.ExecuteTime"}))
    assert [entry.keys for entry in find_volatile_metadata(document, qualified)] == [
        ("metadata.widgets",),
        ("cell.metadata.ExecuteTime",),
        ("cell.metadata.jupyter.outputs_hidden",),
    ]


def test_options_from_config_and_settings() -> None:
    config = Config(keep_output_tag="pinned", keep_metadata=("scrolled",))
    assert CleanOptions.from_config(config) == CleanOptions("pinned", frozenset({"scrolled"}))
    assert CleanOptions.from_settings({"keep-metadata": ["a"], "max-cell-lines": 3}) == CleanOptions(
        keep_metadata=frozenset({"a"})
    )
    assert CleanOptions.from_settings({"keep-output-tag": ""}) == CleanOptions()


def test_switching_parts_off() -> None:
    only_metadata = CleanOptions(strip_outputs=False)
    assert find_executed_cells(executed(), only_metadata) == []
    data = executed()
    clean_data(data, CleanOptions(strip_metadata=False))
    assert data["cells"][1]["metadata"]["collapsed"] is False
    assert data["cells"][2]["outputs"] == []


cell_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["code", "markdown", "raw"]),
        "count": st.none() | st.integers(0, 50),
        "outputs": st.lists(st.sampled_from([stream("x"), stream(["a\n", "b"])]), max_size=2),
        "metadata": st.dictionaries(
            st.sampled_from(["collapsed", "scrolled", "ExecuteTime", "tags", "other", "jupyter"]),
            st.sampled_from([True, {"outputs_hidden": True}, ["keep-output"], {}, "v"]),
            max_size=3,
        ),
    }
)


@settings(max_examples=80, deadline=None)
@given(st.lists(cell_strategy, max_size=6))
def test_cleaning_is_idempotent_and_finds_nothing_afterwards(specs: list[dict[str, Any]]) -> None:
    cells = []
    for spec in specs:
        if spec["kind"] == "code":
            cells.append(code("x", count=spec["count"], outputs=spec["outputs"], metadata=spec["metadata"]))
        else:
            cells.append({"cell_type": spec["kind"], "metadata": dict(spec["metadata"]), "source": "t"})
    data = copy.deepcopy(notebook(*cells))  # hypothesis reuses the sampled dicts
    clean_data(data)
    snapshot = copy.deepcopy(data)
    assert clean_data(data) == []
    assert data == snapshot
    assert find_executed_cells(data) == []
    assert find_volatile_metadata(data) == []


# --- clean_notebook: files ----------------------------------------------------------------------------


def test_clean_then_check_is_clean(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ipynb", executed())
    checked = clean_notebook(path, check=True)
    assert checked.changed
    assert not checked.written
    assert not checked.ok
    assert json.loads(path.read_text()) == executed()  # --check writes nothing
    cleaned = clean_notebook(path)
    assert cleaned.written
    assert cleaned.changes == checked.changes
    assert cleaned.error is None
    again = clean_notebook(path, check=True)
    assert again.ok
    assert again.changes == ()


def test_clean_notebook_is_left_byte_identical_with_its_mtime(tmp_path: Path) -> None:
    path = tmp_path / "clean.ipynb"
    path.write_bytes(b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')  # odd style
    os.utime(path, (PAST, PAST))
    before = path.read_bytes()
    result = clean_notebook(path)
    assert result.ok
    assert not result.written
    assert path.read_bytes() == before
    assert path.stat().st_mtime == PAST


@pytest.mark.parametrize(("indent", "ensure_ascii"), [(1, False), (2, False), (1, True), (4, True)])
def test_formatting_is_kept(tmp_path: Path, indent: int, ensure_ascii: bool) -> None:
    document = executed()
    document["cells"][0]["source"] = "# Café ☕ 数据"
    path = write(tmp_path / "style.ipynb", document, indent=indent, ensure_ascii=ensure_ascii)
    assert clean_notebook(path).written
    expected = copy.deepcopy(document)
    clean_data(expected)
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=indent, ensure_ascii=ensure_ascii) + "\n"


def test_key_order_and_unknown_fields_survive(tmp_path: Path) -> None:
    document = executed()
    document["cells"][2] = dict(reversed(list(document["cells"][2].items())))
    document["metadata"]["zzz-custom"] = {"nested": [1, 2, {"deep": None}]}
    path = write(tmp_path / "order.ipynb", document)
    clean_notebook(path)
    written = json.loads(path.read_text())
    assert list(written["cells"][2]) == list(document["cells"][2])
    assert written["metadata"]["zzz-custom"] == {"nested": [1, 2, {"deep": None}]}


def test_failed_write_leaves_the_notebook_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.ipynb", executed())
    before = path.read_bytes()

    def fail(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    result = clean_notebook(path)
    assert isinstance(result.error, FileWriteError)
    assert not result.written
    assert result.changed
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.ipynb"]


KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from dsquality.clean import clean_notebook

real_fsync = os.fsync
def slow_fsync(fd):
    real_fsync(fd)
    print("writing", flush=True)
    time.sleep(60)  # killed here: the temp file is written, the rename has not happened
os.fsync = slow_fsync
clean_notebook(Path(sys.argv[1]))
"""


def test_killed_write_never_leaves_a_truncated_notebook(tmp_path: Path) -> None:
    document = executed()
    document["cells"][2]["outputs"][1]["text"] = "x" * 2_000_000  # a big write
    path = write(tmp_path / "big.ipynb", document)
    before = path.read_bytes()
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_WRITER), str(path)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "writing"
            assert path.read_bytes() == before  # the temp file is complete, the notebook not yet replaced
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    json.loads(path.read_bytes())
    # The next run cleans it; the killed run's temp file is hidden and never read as a notebook.
    assert clean_notebook(path).written
    assert clean_notebook(path, check=True).ok


def test_corrupt_notebook_is_reported_and_the_others_are_cleaned(tmp_path: Path) -> None:
    first = write(tmp_path / "a.ipynb", executed())
    corrupt = tmp_path / "b.ipynb"
    corrupt.write_text('{"cells": [<<<<<<< HEAD', encoding="utf-8")
    last = write(tmp_path / "c.ipynb", executed())
    results = clean_notebooks([first, corrupt, last])
    assert [r.written for r in results] == [True, False, True]
    assert isinstance(results[1].error, NotebookFormatError)
    assert "not JSON" in str(results[1].error)
    assert corrupt.read_text(encoding="utf-8") == '{"cells": [<<<<<<< HEAD'
    assert [r.ok for r in clean_notebooks([first, corrupt, last], check=True)] == [True, False, True]


V3 = {
    "metadata": {"name": "old"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [
        {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": ["# Old"]},
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["1 + 1"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [{"metadata": {}, "output_type": "pyout", "prompt_number": 1, "text": ["2"]}],
                    "prompt_number": 1,
                },
            ],
            "metadata": {},
        }
    ],
}


def test_nbformat_3_is_checked_but_never_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "v3.ipynb", V3)
    before = path.read_bytes()
    checked = clean_notebook(path, check=True)
    assert checked.changes == ("cell 2: removed 1 output, cleared the execution count, removed metadata `collapsed`",)
    assert checked.error is None
    result = clean_notebook(path)
    assert isinstance(result.error, NotebookVersionError)
    assert "nbformat 3 notebook left untouched" in str(result.error)
    assert "jupyter nbconvert --to notebook --inplace" in str(result.error)
    assert not result.written
    assert path.read_bytes() == before


def test_version_error_pickles_with_its_fields() -> None:
    error = NotebookVersionError(Path("old.ipynb"), 3)
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.path, copied.version, str(copied)) == (error.path, 3, str(error))
    assert copied.exit_code == 1


def test_clean_nbformat_3_notebook_passes_the_check(tmp_path: Path) -> None:
    document = copy.deepcopy(V3)
    cell = document["worksheets"][0]["cells"][1]
    del cell["collapsed"], cell["prompt_number"]
    cell["outputs"] = []
    path = write(tmp_path / "v3.ipynb", document)
    assert clean_notebook(path, check=True).ok
    assert clean_notebook(path).ok


# --- the real corpus --------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not available")
def test_cleaned_corpus_notebooks_stay_valid_and_pass_the_check(tmp_path: Path) -> None:
    import nbformat  # noqa: PLC0415

    paths = sorted(CORPUS.rglob("*.ipynb"))
    written = 0
    for index, source in enumerate(paths):
        copy_path = tmp_path / f"{index}.ipynb"
        shutil.copyfile(source, copy_path)
        raw = copy_path.read_bytes()
        if json.loads(raw).get("nbformat") != 4:  # v3 files are never rewritten
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            valid_before = not list(nbformat.validator.iter_validate(json.loads(raw)))
        result = clean_notebook(copy_path)
        assert result.error is None, (source, result.error)
        written += result.written
        assert clean_notebook(copy_path, check=True).ok, source
        if result.written and valid_before:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                errors = list(nbformat.validator.iter_validate(json.loads(copy_path.read_bytes())))
            assert not errors, (source, errors[0])
        if not result.written:
            assert copy_path.read_bytes() == raw
    assert written > 100


def test_clean_cost_on_a_big_notebook(tmp_path: Path) -> None:
    cells = [code(f"x = {i}\nx", count=i, outputs=[stream(str(i) * 1000)]) for i in range(1, 2001)]
    path = write(tmp_path / "big.ipynb", notebook(*cells))
    start = time.perf_counter()
    assert clean_notebook(path).written
    assert time.perf_counter() - start < 5


# --- no data loss: failed writes, concurrent runs, symlinks ------------------------------------------


def dirty_notebooks(folder: Path, count: int) -> list[Path]:
    """``count`` executed notebooks, each a little different, in ``folder``."""
    paths = []
    for index in range(count):
        document = executed()
        document["cells"][4]["source"] = [f"x = {index}\n"]
        paths.append(write(folder / f"nb{index:03}.ipynb", document))
    return paths


def run_dsq(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsquality", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_clean_on_a_full_disk_keeps_the_notebook(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size="128k") as disk:
        path = write(disk / "a.ipynb", executed())
        before = path.read_bytes()
        fill(disk)
        result = clean_notebook(path)
        assert isinstance(result.error, FileWriteError)
        assert str(result.error).startswith(f"{path}: could not write the file: No space left on device;")
        assert not result.written
        assert path.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["a.ipynb", "filler"]


def test_dsq_clean_on_a_read_only_file_system_exits_1_and_says_why(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", size="1m") as disk:
        paths = dirty_notebooks(disk, 2)
        before = [path.read_bytes() for path in paths]
        read_only(disk)
        done = run_dsq("clean", str(disk), cwd=tmp_path)
        # A notebook that cannot be cleaned is a failure of that file, as a corrupt one is; the others are
        # still cleaned (exit 1, as for --check). Exit 2 is for a command that could not run at all.
        assert done.returncode == 1, done.stderr
        for path in paths:
            assert f"dsq: error: {path}: could not write the file: Read-only file system; the original was left " in (
                done.stderr
            )
        assert "Traceback" not in done.stderr
        assert "2 notebooks checked, 0 cleaned, 2 with errors." in done.stderr
        assert [path.read_bytes() for path in paths] == before


def test_dsq_clean_with_enospc_from_os_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dsquality.cli.main import main  # noqa: PLC0415

    paths = dirty_notebooks(tmp_path, 3)
    before = [path.read_bytes() for path in paths]
    monkeypatch.setattr(os, "write", enospc)
    assert main(["clean", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("could not write the file: No space left on device; the original was left untouched.") == 3
    assert [path.read_bytes() for path in paths] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name for path in paths]


def test_two_dsq_clean_processes_on_the_same_files_leave_every_notebook_valid(tmp_path: Path) -> None:
    for attempt in range(3):
        folder = tmp_path / f"attempt{attempt}"
        folder.mkdir()
        paths = dirty_notebooks(folder, 120)
        commands = [[sys.executable, "-m", "dsquality", "clean", "-q", str(folder)] for _ in range(2)]
        processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for command in commands]
        errors = [process.communicate(timeout=300)[1] for process in processes]
        assert [process.returncode for process in processes] == [0, 0], errors
        for path in paths:
            assert clean_notebook(path, check=True).ok, path
            assert json.loads(path.read_bytes())["cells"][4]["source"] == [f"x = {paths.index(path)}\n"]
        assert sorted(p.name for p in folder.iterdir()) == [path.name for path in paths]  # no temp file left


def test_symlinked_notebook_is_cleaned_through_the_link(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    real = write(tmp_path / "store" / "real.ipynb", executed())
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "linked.ipynb"
    link.symlink_to(Path("..") / "store" / "real.ipynb")
    done = run_dsq("clean", str(link), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert link.readlink() == Path("..") / "store" / "real.ipynb"
    assert clean_notebook(real, check=True).ok
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["real.ipynb"]


@pytest.mark.parametrize("outputs", [-1, "text", {"a": 1}, None])
def test_outputs_that_are_not_a_list_do_not_stop_cleaning(tmp_path: Path, outputs: object) -> None:
    # Found by the fuzzer (tests/fuzz): `"outputs": -1` with an execution count raised a TypeError.
    document = notebook(code("x = 1", count=3))
    document["cells"][0]["outputs"] = outputs
    path = write(tmp_path / "odd.ipynb", document)
    result = clean_notebook(path)
    assert (result.error, result.written, result.changes) == (None, True, ("cell 1: cleared the execution count",))
    cell = json.loads(path.read_bytes())["cells"][0]
    assert (cell["execution_count"], cell["outputs"]) == (None, outputs)  # an invalid value is not guessed at
    assert clean_notebook(path, check=True).ok
