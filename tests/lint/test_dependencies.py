"""Tests of reading a project's declared dependencies and mapping imports to distributions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dsquality.lint import dependencies
from dsquality.lint.dependencies import (
    declared_dependencies,
    dependency_files,
    import_distributions,
    is_platform_module,
    is_stdlib_module,
    namespace_prefix,
    normalize_name,
    read_dependencies,
    requirement_name,
)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_no_dependency_file_means_unknown(tmp_path: Path) -> None:
    assert declared_dependencies(tmp_path) is None
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    write(tmp_path, "setup.cfg", "[flake8]\nmax-line-length = 100\n")
    assert declared_dependencies(tmp_path) is None  # tool settings only: they declare nothing


def test_requirements_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        """
        # data
        pandas>=2.0  # the dataframe library
        Scikit_Learn[alldeps]==1.5 ; python_version >= "3.9"
        numpy
        --index-url https://pypi.org/simple
        -r requirements/extra.txt
        -c constraints.txt
        -e git+https://github.com/org/tool.git#egg=our_tool
        git+https://github.com/org/other.git@main#egg=other-lib
        seaborn @ https://files.example.com/seaborn-0.13.whl
        ./wheels/plotnine-0.13.6-py3-none-any.whl
        xgboost \\
            >=2.0
        """,
    )
    write(tmp_path, "requirements/extra.txt", "statsmodels\n-r ../requirements.txt\n")
    write(tmp_path, "requirements-dev.txt", "pytest\n")
    write(tmp_path, "constraints.txt", "urllib3<2\n")
    declared = read_dependencies(tmp_path)
    assert declared is not None
    assert declared.names == {
        "pandas",
        "scikit-learn",
        "numpy",
        "statsmodels",
        "our-tool",
        "other-lib",
        "seaborn",
        "plotnine",
        "xgboost",
        "pytest",
    }
    assert [path.name for path in declared.files] == ["requirements-dev.txt", "requirements.txt", "extra.txt"]


def test_missing_include_makes_it_unknown(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "pandas\n-r base.txt\n")
    assert declared_dependencies(tmp_path) is None


def test_pyproject_pep621_groups_and_poetry(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "Churn_Model"
        dependencies = ["pandas>=2", "PyYAML", "matplotlib[qt]; sys_platform == 'linux'"]

        [project.optional-dependencies]
        ml = ["scikit-learn", "lightgbm>=4"]

        [dependency-groups]
        dev = ["pytest", {include-group = "lint"}]
        lint = ["ruff"]

        [tool.poetry.dependencies]
        python = "^3.11"
        requests = "^2.31"

        [tool.poetry.group.docs.dependencies]
        mkdocs = "*"

        [tool.uv]
        dev-dependencies = ["ipdb"]
        """,
    )
    assert declared_dependencies(tmp_path) == {
        "churn-model",
        "pandas",
        "pyyaml",
        "matplotlib",
        "scikit-learn",
        "lightgbm",
        "pytest",
        "ruff",
        "requests",
        "mkdocs",
        "ipdb",
    }


def test_pyproject_dynamic_dependencies(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "analysis"
        dynamic = ["dependencies"]

        [tool.setuptools.dynamic]
        dependencies = {file = ["deps.in"]}
        """,
    )
    write(tmp_path, "deps.in", "polars\n")
    assert declared_dependencies(tmp_path) == {"analysis", "polars"}


def test_pyproject_dynamic_without_a_source_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndynamic = ["dependencies"]\n')
    assert declared_dependencies(tmp_path) is None


def test_broken_file_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "pandas\n")
    write(tmp_path, "pyproject.toml", "[project\nname = 'x'\n")
    assert declared_dependencies(tmp_path) is None


def test_environment_yml(tmp_path: Path) -> None:
    write(
        tmp_path,
        "environment.yml",
        """
        name: churn
        channels: [conda-forge]
        dependencies:
          - python=3.11
          - pip
          - conda-forge::numpy=1.26
          - pytorch>=2.1
          - matplotlib-base
          - pip:
            - shap==0.45
            - -r requirements-extra.txt
        """,
    )
    write(tmp_path, "requirements-extra.txt", "optuna\n")
    assert declared_dependencies(tmp_path) == {
        "numpy",
        "pytorch",
        "torch",
        "matplotlib-base",
        "matplotlib",
        "shap",
        "optuna",
    }


def test_setup_cfg_pipfile_and_setup_py(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.cfg",
        """
        [metadata]
        name = features

        [options]
        install_requires =
            pandas>=2
            pyarrow

        [options.extras_require]
        plot = seaborn
        """,
    )
    write(tmp_path, "Pipfile", '[packages]\nrequests = "*"\n\n[dev-packages]\nblack = "*"\n')
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup(name='x', install_requires=['tqdm'])\n")
    assert declared_dependencies(tmp_path) == {
        "features",
        "pandas",
        "pyarrow",
        "seaborn",
        "requests",
        "black",
        "x",
        "tqdm",
    }
    assert {path.name for path in dependency_files(tmp_path)} == {"setup.cfg", "Pipfile", "setup.py"}


def test_computed_setup_py_alone_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup(install_requires=open('reqs').read().split())\n")
    assert declared_dependencies(tmp_path) is None
    write(tmp_path, "requirements.txt", "numpy\n")
    assert declared_dependencies(tmp_path) == {"numpy"}


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Django>=4", "Django"),
        ("zope.interface", "zope.interface"),
        ("requests [security] >= 2.8.1, == 2.8.*", "requests"),
        ("pip @ https://github.com/pypa/pip/archive/1.3.1.zip", "pip"),
        ("https://example.com/pkg.tar.gz#egg=pkg_name", "pkg_name"),
        ("./dist/my_pkg-1.0-py3-none-any.whl", "my_pkg"),
        ("./local/dir", None),
        ("", None),
    ],
)
def test_requirement_name(line: str, name: str | None) -> None:
    assert requirement_name(line) == name


def test_normalize_name() -> None:
    assert normalize_name("Scikit_Learn") == "scikit-learn"
    assert normalize_name("zope.interface") == "zope-interface"
    assert normalize_name("ruamel.yaml") == "ruamel-yaml"


def test_import_distributions() -> None:
    assert import_distributions("sklearn.model_selection")[0] == "scikit-learn"
    assert "opencv-python-headless" in import_distributions("cv2")
    assert import_distributions("PIL.Image")[0] == "pillow"
    assert import_distributions("yaml")[0] == "pyyaml"
    assert import_distributions("google.cloud", ("storage",)) == ("google-cloud-storage",)
    assert import_distributions("google.protobuf.message") == ("protobuf",)
    assert import_distributions("azure.storage.blob") == ("azure-storage-blob",)
    assert import_distributions("azureml.core") == ("azureml-core",)
    assert import_distributions("tensorflow_hub")[0] == "tensorflow-hub"
    assert "tensorflow" in import_distributions("keras")
    assert namespace_prefix("azureml.train.automl") == "azureml-"
    assert namespace_prefix("pandas") is None


def test_installed_modules_map_to_their_distribution() -> None:
    assert "pyyaml" in dependencies._installed()["yaml"] or "PyYAML" in dependencies._installed()["yaml"]
    assert dependencies.is_known_module("nbformat")
    assert not dependencies.is_known_module("surely_not_installed_module_xyz")


def test_stdlib_and_platform_modules() -> None:
    assert is_stdlib_module("os.path")
    assert is_stdlib_module("urllib2")  # Python 2
    assert is_stdlib_module("distutils.core")
    assert not is_stdlib_module("numpy")
    assert is_platform_module("IPython.display")
    assert is_platform_module("google.colab.drive")
    assert not is_platform_module("google.cloud.storage")
