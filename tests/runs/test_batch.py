import csv
import json
from pathlib import Path

import nbformat
import pytest

from dsquality.errors import GridError, ParameterError
from dsquality.runs.batch import (
    RESULTS_CSV,
    RESULTS_JSONL,
    RunRow,
    RunStatus,
    notebook_hash,
    plan_batch,
    read_rows,
    results_csv,
    run_batch,
    run_id,
    write_results,
)
from dsquality.runs.executors import LocalExecutor
from dsquality.runs.grid import parse_grid

PARAMS = ("n: int = 1\nname: str = 'a'", ["parameters"])
RECORD = "from dsquality import record\nrecord('square', n * n)\nrecord('name', name)"


# --- run ids -----------------------------------------------------------------------------------


def test_run_id_is_a_readable_slug_with_a_stable_hash() -> None:
    identifier = run_id({"seed": 1, "alpha": 0.5})
    assert identifier.startswith("seed-1_alpha-0.5-")
    assert len(identifier.rsplit("-", 1)[1]) == 8
    assert run_id({"seed": 1, "alpha": 0.5}) == identifier
    # the hash does not depend on the order; the slug keeps the given order
    assert run_id({"alpha": 0.5, "seed": 1}).rsplit("-", 1)[1] == identifier.rsplit("-", 1)[1]
    assert run_id({"seed": 2, "alpha": 0.5}) != identifier


def test_run_id_distinguishes_types_and_is_filename_safe() -> None:
    assert run_id({"name": "1"}) != run_id({"name": 1})
    unsafe = run_id({"path": Path("/data/a b.csv"), "layers": [64, 32], "x": "é/../"})
    assert "/" not in unsafe
    assert " " not in unsafe
    assert all(c.isascii() for c in unsafe)
    assert run_id({}).startswith("defaults-")
    assert len(run_id({"long": "x" * 500})) <= 60 + 9


def test_notebook_hash_ignores_outputs_but_not_sources(write_notebook, tmp_path: Path) -> None:
    path = write_notebook([PARAMS, "x = 1"])
    before = notebook_hash(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[1].execution_count = 3
    nbformat.write(nb, path)
    assert notebook_hash(path) == before
    nb.cells[1].source = "x = 2"
    nbformat.write(nb, path)
    assert notebook_hash(path) != before


# --- results table ---------------------------------------------------------------------------------


def row(identifier: str, status: RunStatus = RunStatus.OK, **fields: object) -> RunRow:
    return RunRow(identifier, status, 1.25, fields.pop("parameters", {"n": 1}), **fields)  # type: ignore[arg-type]


def test_results_csv_flattens_scalars_and_writes_others_as_json() -> None:
    rows = [
        row("a", records={"acc": 0.5, "name": "x", "cm": [[1, 0], [0, 1]], "ok": True}, parameters={"n": 1}),
        row(
            "b",
            RunStatus.FAILED,
            parameters={"n": 2, "path": Path("d.csv")},
            error="cell 3: ValueError: bad",
            records={"n": 4},
        ),
    ]
    parsed = list(csv.DictReader(results_csv(rows).splitlines()))
    assert list(parsed[0]) == [
        "run_id",
        "status",
        "duration",
        "error",
        "n",
        "path",
        "acc",
        "name",
        "cm",
        "ok",
        "recorded.n",
    ]
    assert parsed[0] == {
        "run_id": "a",
        "status": "ok",
        "duration": "1.250",
        "error": "",
        "n": "1",
        "path": "",
        "acc": "0.5",
        "name": "x",
        "cm": "[[1, 0], [0, 1]]",
        "ok": "True",
        "recorded.n": "",
    }
    assert parsed[1]["status"] == "failed"
    assert parsed[1]["error"] == "cell 3: ValueError: bad"
    assert parsed[1]["path"] == "d.csv"
    assert parsed[1]["recorded.n"] == "4"


def test_results_round_trip_through_jsonl(tmp_path: Path) -> None:
    rows = [
        row("a", records={"acc": 0.5}, notebook="runs/a.ipynb", notebook_hash="h"),
        row("b", RunStatus.TIMEOUT, error="cell 2: CellTimeoutError: x", cell=2),
    ]
    write_results(tmp_path, rows)
    assert read_rows(tmp_path / RESULTS_JSONL) == {"a": rows[0], "b": rows[1]}
    lines = (tmp_path / RESULTS_JSONL).read_text().splitlines()
    assert json.loads(lines[1])["status"] == "timeout"
    assert json.loads(lines[1])["version"] == 1
    assert (tmp_path / RESULTS_CSV).read_text().startswith("run_id,status,duration,error,n,acc\n")


def test_read_rows_skips_damaged_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / RESULTS_JSONL
    path.write_text(json.dumps(row("a").to_json()) + "\n{not json\n" + json.dumps({"run_id": "x"}) + "\n")
    assert list(read_rows(path)) == ["a"]
    assert "results.jsonl:2: ignored" in caplog.text
    assert read_rows(tmp_path / "missing.jsonl") == {}


# --- planning (no kernels) ---------------------------------------------------------------------------


def test_plan_validates_the_whole_grid_before_anything(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook([PARAMS, RECORD])
    grid = parse_grid("n: [1, x, 2.5]\nnmae: [a]\n")
    with pytest.raises(ParameterError) as caught:
        plan_batch(nb, grid, tmp_path / "out")
    message = str(caught.value)
    assert "run 2: n: not an integer" in message
    assert "run 3: n: not an integer" in message
    assert "all 3 runs: nmae: unknown parameter; did you mean 'name'?" in message
    assert not (tmp_path / "out").exists()


def test_plan_converts_values_by_the_declared_types(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook([PARAMS, RECORD])
    plan = plan_batch(nb, parse_grid("n: [1, 2]\nname: [007]\n"), tmp_path / "out")
    assert [dict(run.parameters) for run in plan.runs] == [{"n": 1, "name": "007"}, {"n": 2, "name": "007"}]
    assert plan.todo == plan.runs
    assert plan.runs[0].output == tmp_path / "out" / "runs" / f"{plan.runs[0].run_id}.ipynb"


def test_runs_equal_once_converted_are_a_grid_error(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook([PARAMS, RECORD])
    with pytest.raises(GridError, match="runs 1 and 2 have the same values once converted"):
        plan_batch(nb, parse_grid("runs: [{n: 1}, {n: 01}]"), tmp_path / "out")


def test_plan_keeps_only_ok_runs_with_the_same_notebook_and_values(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook([PARAMS, RECORD])
    out = tmp_path / "out"
    grid = parse_grid("n: [1, 2, 3]")
    first = plan_batch(nb, grid, out)
    one, two, three = first.runs
    for run in first.runs:
        run.output.parent.mkdir(parents=True, exist_ok=True)
        run.output.write_text("{}")
    h = first.notebook_hash
    write_results(
        out,
        [
            RunRow(one.run_id, RunStatus.OK, 1.0, one.parameters, notebook_hash=h),
            RunRow(two.run_id, RunStatus.FAILED, 1.0, two.parameters, notebook_hash=h, error="x"),
            RunRow(three.run_id, RunStatus.OK, 1.0, three.parameters, notebook_hash="other"),
        ],
    )
    plan = plan_batch(nb, grid, out)
    assert list(plan.kept) == [one.run_id]
    assert [run.run_id for run in plan.todo] == [two.run_id, three.run_id]
    assert plan_batch(nb, grid, out, rerun_all=True).kept == {}
    one.output.unlink()  # its executed notebook is gone: run it again
    assert plan_batch(nb, grid, out).kept == {}


# --- real kernels ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_failures_and_timeouts_are_isolated_and_recorded(write_notebook, tmp_path: Path) -> None:
    nb = write_notebook(
        [
            "md:# t",
            PARAMS,
            RECORD,
            "assert n != 2, f'n is {n}'",
            "import time\nif n == 3:\n    time.sleep(60)",
        ]
    )
    out = tmp_path / "out"
    plan = plan_batch(nb, parse_grid("n: [1, 2, 3, 4]"), out)
    seen: list[int] = []
    with LocalExecutor(workers=2, stderr=out / "workers.log") as executor:
        result = run_batch(plan, executor, timeout=3, on_progress=lambda p: seen.append(p.done))
    assert seen == [0, 1, 2, 3, 4]
    by_n = {row.parameters["n"]: row for row in result.rows}
    assert [row.parameters["n"] for row in result.rows] == [1, 2, 3, 4]  # grid order, not completion order
    assert by_n[1].status is RunStatus.OK
    assert by_n[1].records == {"square": 1, "name": "a"}
    assert by_n[4].status is RunStatus.OK
    assert by_n[2].status is RunStatus.FAILED
    assert by_n[2].error == "cell 4: AssertionError: n is 2"
    assert by_n[2].cell == 4
    assert by_n[2].records == {"square": 4, "name": "a"}  # recorded before it failed
    assert by_n[3].status is RunStatus.TIMEOUT
    assert by_n[3].error is not None
    assert by_n[3].error.startswith("cell 5: CellTimeoutError:")
    assert not result.ok
    assert len(result.failed) == 2
    assert all((out / row.notebook).is_file() for row in result.rows)
    table = list(csv.DictReader((out / RESULTS_CSV).read_text().splitlines()))
    assert [(r["n"], r["status"], r["square"]) for r in table] == [
        ("1", "ok", "1"),
        ("2", "failed", "4"),
        ("3", "timeout", "9"),
        ("4", "ok", "16"),
    ]
    assert "Kernel" in (out / "workers.log").read_text()  # kernels' stderr went to the log, not the terminal

    # resume: only the failed runs run again
    again = plan_batch(nb, parse_grid("n: [1, 2, 3, 4]"), out)
    assert sorted(run.parameters["n"] for run in again.todo) == [2, 3]  # type: ignore[type-var]
