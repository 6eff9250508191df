from pathlib import Path

import pytest

from dsquality.config import DEFAULT_EXCLUDE, Config, find_pyproject, load_config, matches_glob
from dsquality.errors import ConfigError

OPTIONS = {"max-cell-lines": 30, "min-markdown-ratio": 0.3, "strict": False, "names": ["a"]}


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path, rule_options=OPTIONS)
    assert config.path is None
    assert config.root == tmp_path.resolve()
    assert config.options == OPTIONS
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.ruff
    assert config.mypy


def test_full_table_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[tool.dsquality]
select = ["DSQ1"]
extend-select = ["DSQ208"]
ignore = ["DSQ401"]
runnable = ["notebooks/*.ipynb"]
extend-exclude = ["archive/**"]
mypy = false
max-cell-lines = 40
min-markdown-ratio = 1
template-dirs = ["team-templates"]

[tool.dsquality.per-file-ignores]
"legacy/*.ipynb" = ["DSQ101"]

[tool.dsquality.clean]
keep-metadata = ["tags", "slideshow"]
""",
    )
    config = load_config(tmp_path, rule_options=OPTIONS)
    assert config.select == ("DSQ1",)
    assert config.extend_select == ("DSQ208",)
    assert config.ignore == ("DSQ401",)
    assert config.mypy is False
    assert config.options["max-cell-lines"] == 40
    assert config.options["min-markdown-ratio"] == 1.0
    assert config.template_dirs == (tmp_path.resolve() / "team-templates",)
    assert config.keep_metadata == ("tags", "slideshow")
    assert config.ignored_codes(tmp_path / "legacy" / "old.ipynb") == ("DSQ401", "DSQ101")
    assert config.ignored_codes(tmp_path / "new.ipynb") == ("DSQ401",)
    assert config.is_runnable(tmp_path / "notebooks" / "train.ipynb")
    assert not config.is_runnable(tmp_path / "other" / "train.ipynb")
    assert config.is_excluded(tmp_path / "archive" / "x" / "old.ipynb")
    assert config.is_excluded(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb")
    assert not config.is_excluded(tmp_path / "notebooks" / "a.ipynb")


def test_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dsquality]\nignore = ['DSQ205']\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_pyproject(sub) == tmp_path / "pyproject.toml"
    assert load_config(sub, rule_options=OPTIONS).ignore == ("DSQ205",)


def test_nearest_pyproject_with_a_dsquality_table_wins(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dsquality]\nignore = ['DSQ205']\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_pyproject(inner) == tmp_path / "pyproject.toml"


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dsquality]\nmax-cell-line = 3\n")
    with pytest.raises(ConfigError, match=r"'max-cell-line': unknown key\. Did you mean 'max-cell-lines'") as caught:
        load_config(tmp_path, rule_options=OPTIONS)
    assert caught.value.path == tmp_path / "pyproject.toml"
    assert caught.value.key == "max-cell-line"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("select = 'DSQ1'\nignore = [1]", "ignore", "must be a list of strings"),
        ("mypy = 'no'", "mypy", "must be true or false"),
        ("max-cell-lines = 'long'", "max-cell-lines", "must be a int"),
        ("max-cell-lines = true", "max-cell-lines", "must be a int"),
        ("strict = 1", "strict", "must be a bool"),
        ("per-file-ignores = 3", "per-file-ignores", "must be a table"),
        ("[tool.dsquality.clean]\nkeep-outputs = 1", "clean.keep-outputs", "unknown key"),
    ],
)
def test_wrong_types_are_rejected(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    write(tmp_path, "[tool.dsquality]\n" + text + "\n")
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_config(tmp_path, rule_options=OPTIONS)
    assert caught.value.key == key


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dsquality\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(tmp_path, rule_options=OPTIONS)


def test_a_single_string_is_a_one_element_list(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dsquality]\nselect = 'DSQ1'\n")
    assert load_config(tmp_path, rule_options=OPTIONS).select == ("DSQ1",)


def test_fingerprint_changes_with_settings() -> None:
    assert Config(ignore=("A",)).fingerprint() != Config(ignore=("B",)).fingerprint()
    assert Config(ignore=("A",)).fingerprint() == Config(ignore=("A",)).fingerprint()


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("notebooks/a.ipynb", "notebooks/*.ipynb", True),
        ("deep/notebooks/a.ipynb", "notebooks/*.ipynb", False),
        ("deep/a.ipynb", "*.ipynb", True),
        ("archive/x/y.ipynb", "archive/**", True),
        ("archived/y.ipynb", "archive/**", False),
    ],
)
def test_globs(path: str, pattern: str, expected: bool) -> None:
    assert matches_glob(path, pattern) is expected


def test_a_file_path_starts_the_search_in_its_folder(tmp_path: Path) -> None:
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text("{}")
    assert load_config(notebook, rule_options=OPTIONS).root == tmp_path.resolve()
