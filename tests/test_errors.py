import pickle
from pathlib import Path

import pytest

from dsquality import errors
from dsquality.errors import (
    ConfigError,
    DataSizeError,
    DSQualityError,
    FileWriteError,
    GridError,
    KernelStartError,
    MissingDependencyError,
    ModelFileError,
    NotebookExecutionError,
    NotebookFormatError,
    NotebookVersionError,
    NotFittedError,
    NotLatestVersionError,
    NoTrainDataError,
    ParameterError,
    ParameterProblem,
    ProfileError,
    PromotionError,
    PromotionProblem,
    PromotionTargetError,
    RecordError,
    TemplateError,
    TemplateTargetExistsError,
    ToolError,
)

# One instance of every error class, with every structured field set.
EXAMPLES: list[DSQualityError] = [
    DSQualityError("something went wrong", hint="Do this instead."),
    NotFittedError("SklearnModel(LogisticRegression)", method="predict_proba"),
    DataSizeError("labels", quantity="rows", expected=100, actual=98, hint="Align them."),
    NoTrainDataError("features", n_samples=0),
    NotLatestVersionError(Path("model.dsq"), {"scikit-learn": ("1.3.0", "1.9.1"), "model": ("1", "2")}),
    RecordError("accuracy", "object"),
    NotebookFormatError(Path("nb.ipynb"), "not JSON", cell=3, line=2),
    ConfigError(Path("pyproject.toml"), "max-cell-lenght", "unknown key", choices=["max-cell-length", "select"]),
    ParameterError(
        Path("train.ipynb"),
        [
            ParameterProblem("alpha", "wrong type", expected="float", given="'abc'"),
            ParameterProblem("sede", "unknown parameter; did you mean 'seed'?"),
        ],
    ),
    FileWriteError(Path("nb.ipynb"), "No space left on device"),
    NotebookExecutionError(Path("nb.ipynb"), cell=4, ename="ValueError", evalue="bad", output=Path("out.ipynb")),
    ModelFileError(Path("model.dsqmodel"), "its header is not valid JSON", hint="Re-save it."),
    NotebookVersionError(Path("old.ipynb"), 3),
    ToolError("mypy", "exited with code 2: INTERNAL ERROR", output="Traceback (most recent call last): ..."),
    ProfileError("--sizes", "sizes must increase, got 4000 after 8000", hint="Sort them."),
    MissingDependencyError("matplotlib", feature="--plot", extra="profile"),
    PromotionError(
        Path("nb.ipynb"),
        [
            PromotionProblem(Path("nb.ipynb"), "reads `df`, defined only in cell 3", cell=5, line=2, names=("df",)),
            PromotionProblem(Path("nb.ipynb"), "mypy [return-value]: bad", cell=6, line=1, column=5, kind="mypy"),
        ],
    ),
    PromotionTargetError(Path("nb.ipynb"), "no module to promote to"),
    GridError(Path("grid.yaml"), "`seed` has no values"),
    TemplateError("trainig", "no such template", choices=["training", "evaluation"]),
    TemplateTargetExistsError(Path("analysis/new.ipynb")),
    KernelStartError("--preload: cannot import 'sklearnn'", hint="Check the module name."),
]


def test_every_public_error_class_has_an_example() -> None:
    public = {
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, DSQualityError)
    }
    assert public == {type(example) for example in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_pickle_round_trip_keeps_fields_and_message(error: DSQualityError) -> None:
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is type(error)
    assert vars(restored) == vars(error)
    assert str(restored) == str(error)
    assert restored.args == error.args


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_message_is_one_line_with_a_fix(error: DSQualityError) -> None:
    text = str(error)
    assert "\n" not in text
    assert error.hint is not None or type(error) is DSQualityError
    if error.hint:
        assert text.endswith(error.hint)


def test_not_fitted_error_is_also_value_and_attribute_error() -> None:
    error = NotFittedError("MyModel")
    assert isinstance(error, ValueError)
    assert isinstance(error, AttributeError)
    assert "MyModel" in str(error)
    assert "'fit'" in str(error)
    assert "'predict'" in str(error)


def test_data_size_error_names_both_counts() -> None:
    error = DataSizeError("labels", quantity="rows", expected=100, actual=98)
    assert isinstance(error, ValueError)
    assert (error.expected, error.actual) == (100, 98)
    assert "98 rows" in str(error)
    assert "expected 100" in str(error)


def test_no_train_data_error_is_value_error_with_count() -> None:
    error = NoTrainDataError("features")
    assert isinstance(error, ValueError)
    assert "0 rows" in str(error)


def test_not_latest_version_names_both_sides_of_each_component() -> None:
    error = NotLatestVersionError(Path("m.dsq"), {"scikit-learn": ("1.3.0", "1.9.1")})
    assert error.versions == {"scikit-learn": ("1.3.0", "1.9.1")}
    assert "scikit-learn 1.3.0 (installed: 1.9.1)" in str(error)
    assert "allow_version_mismatch=True" in str(error)


def test_config_error_suggests_the_closest_key() -> None:
    error = ConfigError(Path("pyproject.toml"), "max-cell-lenght", "unknown key", choices=["max-cell-length", "select"])
    assert "Did you mean 'max-cell-length'?" in str(error)
    no_match = ConfigError(None, "zzz", "unknown key", choices=["select"])
    assert "Valid keys: select." in str(no_match)


def test_parameter_error_lists_every_problem_with_expected_and_given() -> None:
    error = EXAMPLES[8]
    assert isinstance(error, ParameterError)
    text = str(error)
    assert text.startswith("train.ipynb: 2 invalid parameters:")
    assert "alpha: wrong type (expected float, got 'abc')" in text
    assert "sede: unknown parameter" in text


def test_locations_use_cell_and_line() -> None:
    assert str(NotebookFormatError(Path("nb.ipynb"), "bad", cell=3, line=2)).startswith("nb.ipynb:cell 3:line 2:")


def test_execution_error_exits_1_and_names_the_cell() -> None:
    error = NotebookExecutionError(Path("nb.ipynb"), cell=4, ename="ValueError", evalue="bad")
    assert error.exit_code == 1
    assert str(error).startswith("nb.ipynb:cell 4: ValueError: bad.")
