"""Tests of the reproducibility rules DSQ101 to DSQ109."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsquality.analysis.model import build_model
from dsquality.lint.diagnostic import Severity
from dsquality.lint.registry import default_options
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules import reproducibility
from dsquality.notebook import read_notebook
from tests.lint.rules.builders import KERNEL_METADATA, code, error, md, notebook, positions, run_rule, stream

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def messages(findings: list[Finding]) -> str:
    return "\n".join(finding.message for finding in findings)


def executed(*sources: str) -> dict[str, object]:
    """A notebook whose code cells were run top to bottom."""
    return notebook(*(code(source, count=number) for number, source in enumerate(sources, start=1)))


# --- the family as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize("rule", reproducibility.RULES, ids=lambda rule: rule.code)
def test_rule_doc_parses(rule: type[Rule]) -> None:
    doc = rule.doc()
    assert "```python" in doc.example
    assert doc.what
    assert doc.why
    assert "```python" in doc.fix
    assert rule.name == rule.name.lower()
    assert " " not in rule.name
    assert rule.summary


def test_codes_and_severities() -> None:
    codes = [rule.code for rule in reproducibility.RULES]
    assert codes == [f"DSQ10{n}" for n in range(1, 10)]
    errors = {rule.code for rule in reproducibility.RULES if rule.severity is Severity.ERROR}
    assert errors == {"DSQ103", "DSQ104"}
    assert all(rule.default_enabled and not rule.fixable for rule in reproducibility.RULES)


# --- DSQ101 non-linear-execution ---------------------------------------------------------------


def test_non_linear_execution_reports_the_first_break() -> None:
    document = notebook(
        code("import pandas as pd", count=1),
        md("## Load"),
        code("df = pd.DataFrame()", count=3),
        code("df.head()", count=2),
        code("df.tail()", count=1),
    )
    findings = run_rule("DSQ101", document)
    assert positions(findings) == [(4, None)]
    assert "execution count 2 follows count 3 of cell 3" in findings[0].message


def test_non_linear_execution_repeated_count_is_a_break() -> None:
    findings = run_rule("DSQ101", notebook(code("a = 1", count=4), code("b = 2", count=4)))
    assert positions(findings) == [(2, None)]


def test_non_linear_execution_ignores_gaps_and_unexecuted_cells() -> None:
    document = notebook(
        code("import pandas as pd", count=1),
        code("df = pd.DataFrame()", count=None),
        code("df.head()", count=5),
        md("text"),
        code("", count=None),
        code("df.tail()", count=12),
    )
    assert run_rule("DSQ101", document) == []
    assert run_rule("DSQ101", notebook(code("a = 1"), code("b = 2"))) == []


# --- DSQ102 skipped-cell -----------------------------------------------------------------------


def test_skipped_cell_fires_between_executed_cells() -> None:
    document = notebook(
        code("df = load()", count=1),
        md("## Clean"),
        code("df = df.dropna()", count=None),
        code("%matplotlib inline", count=None),
        code("df.describe()", count=2),
    )
    findings = run_rule("DSQ102", document)
    assert positions(findings) == [(3, None), (4, None)]
    assert "cell 1 above and cell 5 below" in findings[0].message


def test_skipped_cell_ignores_empty_trailing_and_output_cells() -> None:
    document = notebook(
        code("df = load()", count=1),
        code("   \n", count=None),
        code("# just a note\n# df = df.dropna()", count=None),
        code("df.plot()", count=None, outputs=[stream("ok")]),
        code("df.describe()", count=2),
        code("df.to_csv('out.csv')", count=None),
    )
    assert run_rule("DSQ102", document) == []
    assert run_rule("DSQ102", notebook(code("a = 1"), code("b = 2"), code("c = 3"))) == []


# --- DSQ103 use-before-define ------------------------------------------------------------------


def test_use_before_define_fires_with_the_defining_cell() -> None:
    document = notebook(
        code("import pandas as pd"),
        md("## Explore"),
        code("summary = df.describe()\nsummary"),
        code("df = pd.read_csv('data.csv')"),
    )
    findings = run_rule("DSQ103", document)
    assert positions(findings) == [(3, 1)]
    assert findings[0].column == 11
    assert findings[0].message.startswith(
        "`df` is read here but first defined in cell 4 (below); Restart & Run All fails with NameError"
    )


def test_use_before_define_reports_each_cell_once_per_name() -> None:
    document = notebook(
        code("total += 1\ntotal += 2"),
        code("print(total)"),
        code("total = 0"),
    )
    findings = run_rule("DSQ103", document)
    assert positions(findings) == [(1, 1)]  # after ``total += 1`` fails, ``total`` exists for the kernel
    assert "`total` is read here but first defined in cell 3 (below)" in findings[0].message


def test_use_before_define_later_line_of_the_same_cell() -> None:
    document = notebook(
        code("print(threshold)\nthreshold = 0.5"),
        code("for row in range(3):\n    if seen:\n        print(last)\n    last = row\n    seen = True"),
        code("try:\n    cache\nexcept NameError:\n    cache = {}"),
        code("if 'model' not in globals():\n    model = None\nelse:\n    model.reset()"),
        code("last = None\nseen = False\ncache = {}\nmodel = 1"),
    )
    findings = run_rule("DSQ103", document)
    assert positions(findings) == [(1, 1)]
    assert "`threshold` is read here but first defined on line 2 of this cell (below)" in findings[0].message


def test_use_before_define_follows_a_call_into_the_function() -> None:
    document = notebook(
        code("def summarize():\n    print('rows:')\n    return df.describe()"),
        code("result = summarize()"),
        code("df = load()"),
    )
    findings = run_rule("DSQ103", document)
    assert positions(findings) == [(2, 1)]
    assert findings[0].column == 10
    assert "`summarize()` reads `df`, which is first defined in cell 3 (below)" in findings[0].message


def test_use_before_define_call_not_reported_when_the_read_may_not_run() -> None:
    document = notebook(
        code(
            "def report(verbose=False):\n"
            "    if verbose:\n"
            "        print(df.shape)\n"
            "    return 1\n"
            "def early(x):\n"
            "    if x is None:\n"
            "        return 0\n"
            "    return model.predict(x)\n"
            "def later():\n"
            "    return lambda: df\n"
        ),
        code("report()\nearly(None)\nlater()"),
        code("df = load()\nmodel = train(df)"),
        code("report(verbose=True)"),
    )
    assert run_rule("DSQ103", document) == []


def test_use_before_define_near_misses() -> None:
    document = notebook(
        code("import numpy as np\nfrom sklearn.linear_model import LogisticRegression"),
        # attributes and keywords are not names; builtins never fire
        code("model = LogisticRegression()\nmodel.fit\nmodel.get_params(sample_weight=None)\nprint(len([]))"),
        # a loop's previous turn: defined later in the same cell
        code("for i in range(3):\n    if i:\n        print(prev)\n    prev = i"),
        # only read inside a function body, called after the definition
        code("def show():\n    return data.head()"),
        code("data = np.zeros(3)\nshow()"),
        # %%time cells and %time lines bind names
        code("%%time\nfeatures = np.ones((3, 2))"),
        code("%time target = np.ones(3)"),
        code("files = !ls\nfiles"),
        code("print(features.shape, target.size, len(files))"),
        code("fit = 1\nsample_weight = 2\nX_train, y_train = features, target"),
    )
    assert run_rule("DSQ103", document) == []


def test_use_before_define_silent_after_star_import_and_run_magic() -> None:
    star = notebook(code("from pylab import *"), code("plot(x)"), code("x = 1\nplot = 2"))
    assert run_rule("DSQ103", star) == []
    run = notebook(code("%run helpers.py"), code("clean(df)"), code("df = 1\nclean = 2"))
    assert run_rule("DSQ103", run) == []
    # reads above the star import are still checked
    before = notebook(code("print(y)"), code("from pylab import *"), code("y = 1"))
    assert positions(run_rule("DSQ103", before)) == [(1, 1)]


def test_use_before_define_silent_when_hidden_code_may_define_the_name() -> None:
    document = notebook(
        code("%store -r df"),
        code("%%R -o coef\ncoef <- lm(y ~ x)$coefficients"),
        code("print 'python 2 cell', prices"),
        code("df.head()\ncoef\nprices"),
        code("df = load()\ncoef = 1\nprices = 2"),
    )
    assert run_rule("DSQ103", document) == []


def test_use_before_define_excludes_parameters_read_above_their_cell() -> None:
    document = notebook(
        code("print(alpha, beta)"),
        code("alpha = 0.1", tags=["parameters"]),
        code("beta = 2"),
    )
    findings = run_rule("DSQ103", document)
    assert positions(findings) == [(1, 1)]
    assert "`beta`" in findings[0].message


# --- DSQ104 error-output -----------------------------------------------------------------------


def test_error_output_fires_with_ename_and_evalue() -> None:
    long_value = "x" * 200
    document = notebook(
        code("df['price']", count=1, outputs=[error("KeyError", "'price'")]),
        code("1 / 0", count=2, outputs=[stream("before\n"), error("ZeroDivisionError", long_value)]),
    )
    findings = run_rule("DSQ104", document)
    assert positions(findings) == [(1, None), (2, None)]
    assert "(KeyError: 'price')" in findings[0].message
    assert "ZeroDivisionError: xxx" in findings[1].message
    assert long_value not in findings[1].message
    assert "…" in findings[1].message


def test_error_output_ignores_stderr_streams() -> None:
    document = notebook(code("warn()", count=1, outputs=[stream("UserWarning: careful\n", name="stderr")]))
    assert run_rule("DSQ104", document) == []


# --- DSQ105 absolute-path ----------------------------------------------------------------------


def test_absolute_path_fires_on_home_drive_and_volume_paths() -> None:
    document = notebook(
        code("import pandas as pd\ndf = pd.read_csv('/home/ana/data/customers.csv')"),
        code('raw = open("/Users/bob/Downloads/x.json")\nout = r"C:\\Users\\ana\\out.csv"'),
        code("cfg = '~/projects/churn/config.yml'\nimg = 'D:/images/'\nmnt = f'/mnt/data/{name}.csv'"),
        code("%time df = pd.read_csv('/root/data.csv')"),
    )
    findings = run_rule("DSQ105", document)
    assert positions(findings) == [(1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3), (4, 1)]
    assert findings[0].column == 18
    assert findings[-1].column == 24  # in the cell's source, not in the translation without ``%time ``
    assert "`/home/ana/data/customers.csv` is an absolute path" in findings[0].message


def test_absolute_path_near_misses() -> None:
    document = notebook(
        code(
            "paths = ['/tmp/scratch.csv', '/dev/null', '/usr/bin/env', '/etc/hosts', '/home/', '/Users']\n"
            "url = 'https://example.com/home/ana/data.csv'\n"
            "print('saved to /home/ana/out.csv')\n"
            "pattern = r'a:\\d+'\n"
            "kaggle = '~/.kaggle/kaggle.json'\n"
            "device = '/gpu:0'\n"
            "route = '/api/v1/users'\n"
        ),
        code("%cd /home/ana/project\n!ls /Users/bob"),
        code('def f():\n    """Reads /home/ana/data.csv."""\n    return 1'),
    )
    assert run_rule("DSQ105", document) == []


# --- DSQ106 unseeded-randomness ----------------------------------------------------------------


def test_unseeded_sklearn_calls_fire() -> None:
    document = notebook(
        code(
            "from sklearn.model_selection import train_test_split, KFold\n"
            "from sklearn.ensemble import RandomForestClassifier as RF\n"
            "from sklearn import linear_model\n"
            "import sklearn.cluster"
        ),
        code("X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)"),
        code("cv = KFold(5, shuffle=True)\nmodel = RF(n_estimators=100)"),
        code("clf = linear_model.LogisticRegression(solver='saga')\nkm = sklearn.cluster.KMeans(n_clusters=3)"),
    )
    findings = run_rule("DSQ106", document)
    assert positions(findings) == [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2)]
    assert findings[0].column == 36
    assert "`train_test_split()` is called without `random_state`" in findings[0].message
    assert "`RF()`" in findings[2].message


def test_sklearn_near_misses() -> None:
    document = notebook(
        code(
            "from sklearn.model_selection import train_test_split, KFold, cross_val_score\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.ensemble import RandomForestClassifier"
        ),
        code("parts = train_test_split(X, y, random_state=0)\nordered = train_test_split(X, y, shuffle=False)"),
        code("cv = KFold(5)\nscores = cross_val_score(LogisticRegression(), X, y, cv=cv)"),
        code("params = {'random_state': 1}\nforest = RandomForestClassifier(**params)"),
        code("class KMeans:\n    def __init__(self, k):\n        self.k = k\nKMeans(3)"),
        code("def make(seed):\n    return RandomForestClassifier(random_state=seed)"),
    )
    assert run_rule("DSQ106", document) == []


def test_sklearn_conditional_randomness() -> None:
    document = notebook(
        code("from sklearn.svm import SVC\nfrom sklearn.decomposition import PCA"),
        code("a = SVC(probability=True)\nb = SVC(kernel='rbf')\nc = PCA(50, svd_solver='randomized')\nd = PCA(2)"),
    )
    assert positions(run_rule("DSQ106", document)) == [(2, 1), (2, 3)]


def test_sklearn_set_params_with_random_state_is_trusted() -> None:
    document = notebook(
        code("from sklearn.ensemble import RandomForestClassifier"),
        code("model = RandomForestClassifier()\nmodel.set_params(random_state=0)"),
    )
    assert run_rule("DSQ106", document) == []


def test_sklearn_is_seeded_by_numpy_global_seed() -> None:
    document = notebook(
        code("import numpy as np\nfrom sklearn.cluster import KMeans\nnp.random.seed(42)"),
        code("km = KMeans(n_clusters=3)"),
    )
    assert run_rule("DSQ106", document) == []


def test_numpy_global_draws_report_the_first_unseeded_call() -> None:
    document = notebook(
        code("import numpy as np\nfrom numpy.random import randn"),
        code("# np.random.seed(0)\nx = np.random.rand(10)"),
        code("y = randn(5)\nz = np.random.choice([1, 2])"),
        code("np.random.seed(0)\nw = np.random.normal(size=3)"),
    )
    findings = run_rule("DSQ106", document)
    assert positions(findings) == [(2, 2)]
    assert findings[0].message.startswith(
        "`np.random.rand()` draws from NumPy's global generator, which nothing seeds before this call "
        "(2 more unseeded calls follow)"
    )


def test_numpy_near_misses() -> None:
    document = notebook(
        code("import numpy as np\nfrom numpy import random as npr"),
        code("rng = np.random.default_rng(0)\nx = rng.normal(size=3)\nstate = np.random.RandomState(1)"),
        code("def noise():\n    return np.random.randn(3)"),
        code("npr.seed(7)\nnoise()\ny = npr.rand(2)"),
    )
    assert run_rule("DSQ106", document) == []


def test_unseeded_generators_fire_each() -> None:
    document = notebook(
        code("import numpy as np\nimport random"),
        code("rng = np.random.default_rng()\nlegacy = np.random.RandomState()\nr = random.Random()"),
        code("ok = np.random.default_rng(seed=3)"),
    )
    findings = run_rule("DSQ106", document)
    assert positions(findings) == [(2, 1), (2, 2), (2, 3)]
    assert "`np.random.default_rng()` creates a generator without a seed" in findings[0].message


def test_stdlib_random_and_torch() -> None:
    document = notebook(
        code("import random\nimport torch"),
        code("random.shuffle(items)\npick = random.choice(items)"),
        code("t = torch.randn(3)"),
    )
    findings = run_rule("DSQ106", document)
    assert positions(findings) == [(2, 1), (3, 1)]
    assert "Python's global generator" in findings[0].message
    assert "(1 more unseeded call follows)" in findings[0].message
    assert "torch.manual_seed(0)" in findings[1].message
    seeded = notebook(
        code("import random\nimport torch\nrandom.seed(1)\ntorch.manual_seed(1)"),
        code("random.shuffle(items)\nt = torch.randn(3)"),
    )
    assert run_rule("DSQ106", seeded) == []


def test_a_project_seed_helper_seeds_everything() -> None:
    document = notebook(
        code("import numpy as np\nimport random\nfrom utils import set_seed\nset_seed(42)"),
        code("x = np.random.rand(3)\ny = random.random()"),
    )
    assert run_rule("DSQ106", document) == []


def test_framework_seeds_do_not_seed_numpy() -> None:
    document = notebook(
        code("import numpy as np\nimport tensorflow as tf\nimport torch"),
        code("tf.random.set_seed(1)\ntorch.cuda.manual_seed(1)"),
        code("x = np.random.rand(3)"),
    )
    assert positions(run_rule("DSQ106", document)) == [(3, 1)]


def test_rebound_module_names_are_not_resolved() -> None:
    document = notebook(
        code("import random\nimport numpy as np"),
        code("random = np.random.RandomState(0)\nx = random.randint(0, 10)"),
    )
    assert run_rule("DSQ106", document) == []


def test_only_imports_of_the_random_modules_resolve_to_them() -> None:
    elsewhere = notebook(
        code("import mylib as np\nfrom . import random"),
        code("x = np.random.rand(3)\nrandom.shuffle(items)"),
    )
    assert run_rule("DSQ106", elsewhere) == []
    submodule = notebook(code("import numpy.random"), code("x = numpy.random.rand(3)"))
    assert positions(run_rule("DSQ106", submodule)) == [(2, 1)]


# --- DSQ107 install-in-notebook ----------------------------------------------------------------


def test_install_in_notebook_fires_on_installs() -> None:
    document = notebook(
        code("!pip install xgboost\n%pip install -q lightgbm==4.0\n  !conda install -y -c conda-forge shap"),
        code("import sys\n!{sys.executable} -m pip install catboost\n!python3 -m pip install optuna"),
        code("!uv pip install polars\n%mamba install pyarrow\n!sudo pip3 install requests"),
        code("%%capture\n!pip install transformers"),
        code("%%bash\necho start\npip install seaborn\n"),
    )
    findings = run_rule("DSQ107", document)
    assert positions(findings) == [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3), (4, 2), (5, 3)]
    assert findings[2].column == 3
    assert findings[0].message.startswith("`pip install xgboost` installs packages from inside the notebook")


def test_install_in_notebook_near_misses() -> None:
    document = notebook(
        code("!pip install -r requirements.txt\n!pip install -e .\n%pip install --upgrade pip"),
        code("# !pip install xgboost\ncommand = 'pip install xgboost'\n!pip list\n!pip uninstall -y xgboost"),
        code("!pip show pandas\n!conda env export > environment.yml\n!apt-get install -y graphviz"),
    )
    assert run_rule("DSQ107", document) == []


# --- DSQ108 undeclared-dependency --------------------------------------------------------------


def test_undeclared_dependency_fires_once_per_module(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("X = 1\n")
    (tmp_path / "requirements.txt").write_text("pandas\n")
    document = notebook(
        code("import os\nimport pandas as pd\nimport numpy as np\nfrom sklearn.model_selection import KFold"),
        code("import helpers\nfrom . import local\nfrom IPython.display import display\nimport numpy.linalg"),
        code("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        code("import cv2\nfrom google.cloud import storage"),
    )
    findings = run_rule(
        "DSQ108",
        document,
        path=str(tmp_path / "analysis.ipynb"),
        project_root=tmp_path,
        declared_dependencies=frozenset({"pandas", "scikit-learn", "google-cloud-bigquery"}),
    )
    assert positions(findings) == [(1, 3), (4, 1)]
    assert findings[0].message == (
        "`numpy` is imported but not declared in requirements.txt: add `numpy` to the project's dependencies"
    )
    assert "add `opencv-python`" in findings[1].message


def test_undeclared_dependency_silent_without_dependency_files(tmp_path: Path) -> None:
    document = notebook(code("import numpy as np\nimport seaborn"))
    assert run_rule("DSQ108", document, path=str(tmp_path / "a.ipynb"), project_root=tmp_path) == []


def test_undeclared_dependency_knows_notebook_written_and_sys_path_modules(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "features.py").write_text("")
    (tmp_path / "nb").mkdir()
    document = notebook(
        code("%%writefile mprun_demo.py\ndef f():\n    pass"),
        code("import sys\nsys.path.append('../lib')\nimport features\nimport mprun_demo"),
    )
    findings = run_rule(
        "DSQ108",
        document,
        path=str(tmp_path / "nb" / "a.ipynb"),
        project_root=tmp_path / "nb",
        declared_dependencies=frozenset(),
    )
    assert findings == []


# --- DSQ109 missing-kernelspec -----------------------------------------------------------------


def test_missing_kernelspec_fires() -> None:
    findings = run_rule("DSQ109", notebook(code("x = 1"), metadata={}))
    assert positions(findings) == [(None, None)]
    assert "no kernelspec or language_info" in findings[0].message
    only_language = notebook(code("x = 1"), metadata={"language_info": {"name": "python"}})
    assert "no kernelspec:" in run_rule("DSQ109", only_language)[0].message


def test_missing_kernelspec_silent_with_a_kernel() -> None:
    assert run_rule("DSQ109", notebook(code("x = 1"))) == []
    metadata = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}}
    assert run_rule("DSQ109", notebook(code("x <- 1"), metadata=metadata)) == []


# --- the corpus --------------------------------------------------------------------------------


@pytest.mark.skipif(not (CORPUS / "notebooks").is_dir(), reason="the shared corpus is not available")
def test_corpus_runs_and_points_at_real_source() -> None:
    rules = [rule() for rule in reproducibility.RULES]
    context = LintContext(options=default_options(), declared_dependencies=frozenset({"numpy", "pandas"}))
    total = 0
    for path in sorted((CORPUS / "notebooks").rglob("*.ipynb")):
        model = build_model(read_notebook(path))
        for rule in rules:
            for finding in rule.check(model, context):
                total += 1
                if finding.cell is None:
                    continue
                cell = model.notebook.cells[finding.cell - 1]
                assert cell.is_code, (path, rule.code, finding)
                if finding.line is not None:
                    assert 1 <= finding.line <= len(cell.lines), (path, rule.code, finding)
                    assert finding.column is not None
                    assert 1 <= finding.column <= len(cell.lines[finding.line - 1]) + 1, (path, rule.code, finding)
    assert total > 0


def test_builders_kernel_metadata_is_a_kernelspec() -> None:
    assert KERNEL_METADATA["kernelspec"]["name"] == "python3"
