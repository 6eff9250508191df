"""``dsq profile`` end to end through ``dsq``'s own entry point and error handler."""

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from dsquality.cli import profile
from dsquality.profiling.report import json_schema

cli_main = importlib.import_module("dsquality.cli.main")
FAST = ["--sizes", "300,600,1200", "--repeats", "2", "--no-trace-memory", "--threads", "1"]
TREE = "sklearn.tree:DecisionTreeClassifier"


def test_profile_is_registered() -> None:
    assert cli_main.COMMANDS["profile"] is profile


def dsq(*argv: str) -> int:
    return cli_main.main(list(argv))


def test_table_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at 80 columns when it cannot ask the terminal
    assert dsq("profile", TREE, *FAST) == 0
    out, err = capsys.readouterr()
    assert "fit time" in out
    assert "predict time per sample" in out
    assert "peak memory during fit" in out
    assert re.search(r"O\(n( log n)?\)", out)
    assert "1,200" in out
    assert "verdict bands for these sizes: O(n) below 1.0" in out
    assert err == ""  # no progress bar when stderr is not a terminal, no budget line without budgets


def test_json_output_follows_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", TREE, *FAST, "--format", "json", "--target-n", "1e5") == 0
    document = json.loads(capsys.readouterr().out)
    Draft202012Validator(json_schema()).validate(document)
    assert document["target_n"] == 100_000
    assert document["model"] == TREE
    for name in ("fit_time", "predict_time", "memory"):
        assert {"points", "exponent", "ci", "verdict"} <= set(document["measures"][name])
    assert "memory_traced" not in document["measures"]  # --no-trace-memory


def test_params_and_a_model_interface_subclass(capsys: pytest.CaptureFixture[str]) -> None:
    code = dsq("profile", "tests.profiling.models:NearestCentroid", "--param", "shrink=0.25", *FAST, "--format", "json")
    assert code == 0
    assert json.loads(capsys.readouterr().out)["model"] == "tests.profiling.models:NearestCentroid(shrink=0.25)"


def test_plot_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tree.png"
    assert dsq("profile", TREE, *FAST, "--plot", str(path)) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot saved to {path}" in capsys.readouterr().out


def test_broken_fit_time_budget_exits_1_naming_measure_figure_and_budget(capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", TREE, *FAST, "--max-fit-seconds", "0.001", "--at-n", "1e6") == 1
    err = capsys.readouterr().err
    assert re.search(
        r"^dsq: budget broken: fit_time at n=1,000,000 is [\d.]+ (s|min|h) \(95% CI .+\), "
        r"over the budget max_fit_seconds = 1 ms$",
        err,
        re.MULTILINE,
    ), err


def test_broken_exponent_budget_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", TREE, *FAST, "--max-exponent", "0.2", "--format", "json") == 1
    out, err = capsys.readouterr()
    assert re.search(r"dsq: budget broken: fit_time exponent of n is [\d.]+ .*over the budget max_exponent = 0.2", err)
    document = json.loads(out)
    assert document["budget"]["passed"] is False
    assert document["budget"]["violations"][0]["measure"] == "fit_time"


def test_broken_memory_budget_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", TREE, *FAST, "--max-memory", "1KiB") == 1
    assert "dsq: budget broken: memory at n=1,000,000 is " in capsys.readouterr().err


def test_budgets_met_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = dsq("profile", TREE, *FAST, "--max-exponent", "3", "--max-fit-seconds", "1e6", "--max-memory", "1TiB")
    assert code == 0
    assert "dsq: every budget met" in capsys.readouterr().err


def _csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(1500, 4)), columns=list("abcd"))
    frame["label"] = (frame["a"] > 0).astype(int)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path


def test_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path)
    assert dsq("profile", TREE, *FAST, "--data", str(path), "--target", "label", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["features"] == [4]
    assert document["data"] == f"{path} (target 'label')"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sizes", "1000,2000"], "--sizes: need at least 3 sizes"),
        (["--sizes", "1000,500,2000"], "--sizes: sizes must increase, got 500 after 1000"),
        (["--sizes", "1000,abc,2000"], "--sizes: expected a positive whole number, got 'abc'"),
        (["--sizes", "0,500,2000"], "--sizes: expected a positive whole number, got '0'"),
        (["--target-n", "lots"], "--target-n: expected a positive whole number"),
        (["--at-n", "1e6"], "--at-n: applies to --max-fit-seconds or --max-memory"),
        (["--max-memory", "2 gigs"], "memory size '2 gigs': expected a number and a unit"),
        (["--max-exponent", "-1"], "budget max_exponent: must be a positive number"),
        (["--param", "max_dept=3"], "--param max_dept: DecisionTreeClassifier has no parameter 'max_dept'"),
        (["--param", "max_depth"], "--param 'max_depth': expected NAME=VALUE"),
        (["--data", "missing.csv", "--target", "y"], "--data missing.csv: no such file"),
        (["--data", "rows.csv"], "--features"),
        (["--features", "5,5"], "distinct feature counts"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(argv, message, capsys: pytest.CaptureFixture[str]) -> None:
    if argv == ["--data", "rows.csv"]:
        argv = ["--data", "rows.csv", "--features", "5"]
    assert dsq("profile", TREE, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dsq: error: ")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("sklearn.tree.DecisionTreeClassifier", "Did you mean 'sklearn.tree:DecisionTreeClassifier'?"),
        ("nope_module:Model", "cannot import module 'nope_module'"),
        ("sklearn.preprocessing:StandardScaler", "StandardScaler has no predict method"),
        ("tests.profiling.models:NotAModel", "not an estimator"),
    ],
)
def test_bad_model_exits_2(model, message, capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", model, *FAST) == 2
    assert message in capsys.readouterr().err


def test_model_failing_on_the_data_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert dsq("profile", "sklearn.svm:SVC", "--param", "kernel=foo", *FAST) == 2
    err = capsys.readouterr().err
    assert "sklearn.svm:SVC(kernel='foo'): failed on 300 rows x 20 features: InvalidParameterError" in err


def test_plot_without_matplotlib_exits_2_before_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("dsquality.profiling.plot.matplotlib_installed", lambda: False)
    monkeypatch.setattr("dsquality.profiling.profile_model", lambda *a, **k: pytest.fail("measured anyway"))
    assert dsq("profile", TREE, "--plot", str(tmp_path / "p.png")) == 2
    err = capsys.readouterr().err
    assert "--plot needs the 'matplotlib' package, which is not installed" in err
    assert "pip install 'dsquality[profile]'" in err
    assert not (tmp_path / "p.png").exists()
