"""DSQ106: randomness used without a seed."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from dsquality.analysis.facts import CallFact, NameKind
from dsquality.analysis.model import CodeCell, NotebookModel
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules.reproducibility._common import _column

# --- DSQ106 -----------------------------------------------------------------------------------


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _constant_in(expression: ast.expr | None, values: Iterable[object]) -> bool:
    return isinstance(expression, ast.Constant) and any(expression.value == v for v in values)


def _shuffled(node: ast.Call) -> bool:
    """``shuffle=True`` given: splitters that only shuffle on request."""
    return _constant_in(_keyword(node, "shuffle"), [True])


def _shuffles_by_default(node: ast.Call) -> bool:
    """Shuffles unless ``shuffle`` is given (and we only trust a literal ``True``)."""
    shuffle = _keyword(node, "shuffle")
    return shuffle is None or _constant_in(shuffle, [True])


def _keyword_in(name: str, *values: str | bool) -> Callable[[ast.Call], bool]:
    def condition(node: ast.Call) -> bool:
        return _constant_in(_keyword(node, name), values)

    return condition


_ALWAYS: Callable[[ast.Call], bool] = lambda node: True  # noqa: E731, ARG005
_SAG_SOLVERS = _keyword_in("solver", "sag", "saga", "liblinear")

# scikit-learn names whose result depends on ``random_state`` (sklearn 1.x), and when.
_SKLEARN_RANDOM: dict[str, Callable[[ast.Call], bool]] = {
    # splitters and model selection
    "train_test_split": _shuffles_by_default,
    "KFold": _shuffled,
    "StratifiedKFold": _shuffled,
    "GroupKFold": _shuffled,
    "learning_curve": _shuffled,
    "ShuffleSplit": _ALWAYS,
    "StratifiedShuffleSplit": _ALWAYS,
    "GroupShuffleSplit": _ALWAYS,
    "RepeatedKFold": _ALWAYS,
    "RepeatedStratifiedKFold": _ALWAYS,
    "RandomizedSearchCV": _ALWAYS,
    "HalvingRandomSearchCV": _ALWAYS,
    "permutation_importance": _ALWAYS,
    "resample": _ALWAYS,
    "shuffle": _ALWAYS,
    # trees and ensembles
    **dict.fromkeys(
        (
            "DecisionTreeClassifier",
            "DecisionTreeRegressor",
            "ExtraTreeClassifier",
            "ExtraTreeRegressor",
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
            "GradientBoostingClassifier",
            "GradientBoostingRegressor",
            "HistGradientBoostingClassifier",
            "HistGradientBoostingRegressor",
            "AdaBoostClassifier",
            "AdaBoostRegressor",
            "BaggingClassifier",
            "BaggingRegressor",
            "IsolationForest",
            "RandomTreesEmbedding",
        ),
        _ALWAYS,
    ),
    # clustering, mixtures, embeddings, decompositions, random features
    **dict.fromkeys(
        (
            "KMeans",
            "MiniBatchKMeans",
            "BisectingKMeans",
            "SpectralClustering",
            "GaussianMixture",
            "BayesianGaussianMixture",
            "TSNE",
            "MDS",
            "SpectralEmbedding",
            "FastICA",
            "TruncatedSVD",
            "LatentDirichletAllocation",
            "DictionaryLearning",
            "MiniBatchDictionaryLearning",
            "SparseRandomProjection",
            "GaussianRandomProjection",
            "RBFSampler",
            "Nystroem",
            "BernoulliRBM",
            "MLPClassifier",
            "MLPRegressor",
            "RANSACRegressor",
            "TheilSenRegressor",
        ),
        _ALWAYS,
    ),
    "PCA": _keyword_in("svd_solver", "randomized", "arpack"),
    "KernelPCA": _keyword_in("eigen_solver", "randomized", "arpack"),
    # linear models: only some solvers and options are stochastic
    "SGDClassifier": _shuffles_by_default,
    "SGDRegressor": _shuffles_by_default,
    "SGDOneClassSVM": _shuffles_by_default,
    "Perceptron": _shuffles_by_default,
    "PassiveAggressiveClassifier": _shuffles_by_default,
    "PassiveAggressiveRegressor": _shuffles_by_default,
    "LogisticRegression": _SAG_SOLVERS,
    "LogisticRegressionCV": _SAG_SOLVERS,
    "Ridge": _keyword_in("solver", "sag", "saga"),
    "RidgeClassifier": _keyword_in("solver", "sag", "saga"),
    "Lasso": _keyword_in("selection", "random"),
    "ElasticNet": _keyword_in("selection", "random"),
    "SVC": _keyword_in("probability", True),  # noqa: FBT003
    "NuSVC": _keyword_in("probability", True),  # noqa: FBT003
    # synthetic data sets
    **dict.fromkeys(
        (
            "make_classification",
            "make_regression",
            "make_blobs",
            "make_moons",
            "make_circles",
            "make_s_curve",
            "make_swiss_roll",
            "make_friedman1",
            "make_friedman2",
            "make_friedman3",
            "make_gaussian_quantiles",
            "make_hastie_10_2",
            "make_multilabel_classification",
            "make_sparse_coded_signal",
            "make_sparse_spd_matrix",
            "make_sparse_uncorrelated",
            "make_low_rank_matrix",
            "make_spd_matrix",
            "make_biclusters",
            "make_checkerboard",
        ),
        _ALWAYS,
    ),
}
# Functions whose positional arguments are data: ``random_state`` is keyword-only in every version.
_SKLEARN_DATA_FUNCTIONS = frozenset({
    "train_test_split", "resample", "shuffle", "permutation_importance", "learning_curve",
})  # fmt: skip
# Old scikit-learn versions took ``random_state`` positionally, after at least this many arguments.
_MAX_POSITIONAL = 5

_NUMPY_LEGACY = frozenset({
    "rand", "randn", "randint", "random_integers", "random", "random_sample", "ranf", "sample", "choice",
    "bytes", "shuffle", "permutation", "beta", "binomial", "chisquare", "dirichlet", "exponential", "f",
    "gamma", "geometric", "gumbel", "hypergeometric", "laplace", "logistic", "lognormal", "logseries",
    "multinomial", "multivariate_normal", "negative_binomial", "noncentral_chisquare", "noncentral_f",
    "normal", "pareto", "poisson", "power", "rayleigh", "standard_cauchy", "standard_exponential",
    "standard_gamma", "standard_normal", "standard_t", "triangular", "uniform", "vonmises", "wald",
    "weibull", "zipf",
})  # fmt: skip
_STDLIB_RANDOM = frozenset({
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
    "normalvariate", "triangular", "betavariate", "expovariate", "gammavariate", "lognormvariate",
    "vonmisesvariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes", "binomialvariate",
})  # fmt: skip
_TORCH_RANDOM = frozenset({
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
    "multinomial", "poisson",
})  # fmt: skip
# Generators that seed themselves from the operating system when called without arguments.
_UNSEEDED_CONSTRUCTORS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState", "random.Random"})
# Seeding calls that seed one family only; any other call named like ``*seed*`` (a project's
# ``set_seed()``, ``seed_everything()``) is taken to seed every generator.
_NARROW_SEEDS = {
    "numpy.random.seed": "numpy",
    "numpy.random.set_state": "numpy",
    "random.seed": "random",
    "random.setstate": "random",
    "torch.manual_seed": "torch",
    "torch.random.manual_seed": "torch",
}
_SEEDS_NOTHING_OF_OURS = ("numpy.", "random.", "torch.", "tensorflow.", "jax.", "sklearn.")
_FAMILY_HINTS = {
    "numpy": ("NumPy's global generator", "np.random.seed(0)", "or draw from `rng = np.random.default_rng(0)`"),
    "random": ("Python's global generator", "random.seed(0)", "or draw from `rng = random.Random(0)`"),
    "torch": ("PyTorch's global generator", "torch.manual_seed(0)", "or pass a seeded `generator=`"),
}


# Modules whose calls this rule looks at (``from sklearn.x import y`` resolves to ``sklearn.x.y``).
_RANDOM_MODULES = ("numpy", "random", "sklearn", "scipy", "torch")


class _Call(NamedTuple):
    """A call with its callee resolved through the notebook's imports (``None``: not an import)."""

    fact: CallFact
    qualified: str | None
    order: tuple[int, int, int]  # (position among code cells, line, column)
    code: CodeCell


def _record_imports(code: CodeCell, aliases: dict[str, str]) -> None:
    """Update ``aliases`` (bound name -> module or module.attribute) with the cell's bindings, in order."""
    expected: dict[tuple[int, int], list[str]] = {}
    for fact in code.facts.imports:
        queue = expected.setdefault((fact.line, fact.column), [])
        relative = fact.module.startswith(".")
        if fact.is_from:
            queue += ["" if relative else f"{fact.module}.{name}" for name in fact.names if name != "*"]
        else:
            queue.append(fact.module)
    bind = NameKind.BIND
    for event in code.facts.names:
        if event.kind is not bind or not (expected or event.name in aliases):
            continue
        pending = expected.get((event.line, event.column)) if expected else None
        if pending:
            target = pending.pop(0)
            if not target:
                aliases.pop(event.name, None)
            else:
                # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
                aliases[event.name] = event.name if target.split(".", 1)[0] == event.name else target
        elif event.name in aliases:
            del aliases[event.name]  # rebound to something else


def _imports_random_module(model: NotebookModel) -> bool:
    """Whether an import's module starts like one of :data:`_RANDOM_MODULES`.

    Exactly then can a call be resolved to a random module: the target of an alias (see
    :func:`_record_imports`) is the module, ``f"{module}.{name}"`` or the module's first part, and
    each starts with one of these dotless prefixes exactly when the module does.
    """
    for code in model.code_cells:
        for fact in code.facts.imports:
            if fact.module.startswith(_RANDOM_MODULES):
                return True
    return False


def _resolved_calls(model: NotebookModel) -> list[_Call]:
    """Calls resolved through the imports, and calls named like a seed; other calls cannot matter."""
    aliases: dict[str, str] = {}
    calls: list[_Call] = []
    for position, code in enumerate(model.code_cells):
        facts = code.facts
        if facts.imports or aliases:
            _record_imports(code, aliases)
        for call in facts.calls:
            func = call.func
            head, dot, rest = func.partition(".")
            target = aliases.get(head)
            if (target is not None and target.startswith(_RANDOM_MODULES)) or "seed" in func.lower():
                qualified = None if target is None else f"{target}.{rest}" if dot else target
                calls.append(_Call(call, qualified, (position, call.line, call.column), code))
    return calls


def _seed_family(call: _Call) -> str | None:
    """Which generators a call seeds: a family, ``"all"``, or ``None``."""
    fact = call.fact
    name = call.qualified or fact.func
    family = _NARROW_SEEDS.get(name)
    if family is not None:
        return family if fact.n_args or fact.keywords else None  # ``np.random.seed()`` reseeds randomly
    last = name.rsplit(".", 1)[-1].lower()
    if "seed" not in last:
        return None
    if last == "set_random_seed" and "keras" in name:  # keras seeds Python, NumPy and TensorFlow
        return "all"
    if call.qualified is not None and call.qualified.startswith(_SEEDS_NOTHING_OF_OURS):
        return None
    return "all"


def _deferred_positions(code: CodeCell) -> set[tuple[int, int]]:
    return {(e.line, e.column) for e in code.facts.names if e.deferred and e.kind is NameKind.READ}


def _sklearn_is_random(call: _Call) -> bool:
    qualified = call.qualified
    if qualified is None or not qualified.startswith("sklearn."):
        return False
    last = qualified.rsplit(".", 1)[-1]
    condition = _SKLEARN_RANDOM.get(last)
    fact = call.fact
    node = fact.node
    if condition is None or "random_state" in fact.keywords:
        return False
    if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
        return False  # ``**params`` may hold random_state
    if last not in _SKLEARN_DATA_FUNCTIONS and fact.n_args >= _MAX_POSITIONAL:
        return False
    return condition(node)


def _family(call: _Call) -> str | None:
    """The global generator a call draws from without a seed of its own, if any."""
    qualified = call.qualified
    if qualified is None:
        return None
    module, _, function = qualified.rpartition(".")
    if module == "numpy.random" and function in _NUMPY_LEGACY:
        return "numpy"
    if module.startswith("scipy.stats.") and function == "rvs" and "random_state" not in call.fact.keywords:
        return "numpy"
    if module == "random" and function in _STDLIB_RANDOM:
        return "random"
    if module == "torch" and function in _TORCH_RANDOM and "generator" not in call.fact.keywords:
        return "torch"
    return None


def _sets_random_state_later(model: NotebookModel) -> bool:
    """``estimator.set_params(random_state=…)`` anywhere: seeds we cannot attribute to one call."""
    return any(
        call.func.endswith("set_params") and "random_state" in call.keywords
        for code in model.code_cells
        for call in code.facts.calls
    )


class UnseededRandomness(Rule):
    """A stochastic call without a seed.

    ## What it does
    Reports randomness whose seed the notebook does not fix:

    - a scikit-learn estimator, splitter or function that uses `random_state` when it is called
      without one (`train_test_split`, `RandomForestClassifier`, `KMeans`, `KFold(shuffle=True)`,
      `LogisticRegression(solver="saga")`…), unless `np.random.seed(…)` ran before it;
    - the first draw from NumPy's, Python's or PyTorch's global generator (`np.random.rand`,
      `random.choice`, `torch.randn`…) with no `np.random.seed(…)`, `random.seed(…)` or
      `torch.manual_seed(…)` above it (a project helper named like `set_seed(…)` counts too);
    - a generator created without a seed: `np.random.default_rng()`, `np.random.RandomState()`,
      `random.Random()`.

    Names are resolved through the notebook's imports: a class of your own named `KMeans` is not
    scikit-learn's.

    ## Why is this bad?
    Every run gives different splits, models and numbers, so nobody (including you, tomorrow)
    can reproduce the figures the notebook reports, and differences between two runs cannot be
    told apart from the effect of a change.

    ## Example
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model = RandomForestClassifier(n_estimators=200).fit(X_train, y_train)
    noise = np.random.normal(size=100)
    ```

    ## How to fix
    Pass a fixed `random_state`, and draw from a seeded generator:
    ```python
    SEED = 0
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
    model = RandomForestClassifier(n_estimators=200, random_state=SEED).fit(X_train, y_train)
    rng = np.random.default_rng(SEED)
    noise = rng.normal(size=100)
    ```
    """

    code = "DSQ106"
    name = "unseeded-randomness"
    summary = "A stochastic call without a seed"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report unseeded scikit-learn calls, global-generator draws and generators."""
        if not _imports_random_module(model):
            return  # every finding is about a call resolved to a random module: none can be
        calls = _resolved_calls(model)
        first_seed: dict[str, tuple[int, int, int]] = {}
        for call in calls:
            family = _seed_family(call)
            if family is not None:
                first_seed.setdefault(family, call.order)
        deferred: dict[int, set[tuple[int, int]]] = {}

        def seeded(call: _Call, family: str) -> bool:
            seeds = [first_seed[f] for f in (family, "all") if f in first_seed]
            if not seeds:
                return False
            position = call.order[0]
            if position not in deferred:
                deferred[position] = _deferred_positions(call.code)
            if (call.fact.line, call.fact.column) in deferred[position]:
                return True  # inside a function: it may be called after the seed
            return min(seeds) < call.order

        unseeded: dict[str, list[_Call]] = {}
        findings: list[tuple[tuple[int, int, int], Finding]] = []
        sklearn: list[_Call] = []
        for call in calls:
            family = _family(call)
            if family is not None:
                if not seeded(call, family):
                    unseeded.setdefault(family, []).append(call)
            elif call.qualified in _UNSEEDED_CONSTRUCTORS:
                if not call.fact.n_args and not call.fact.keywords:
                    findings.append((call.order, self._finding(call, self._constructor_message(call))))
            elif _sklearn_is_random(call) and not seeded(call, "numpy"):
                sklearn.append(call)
        if sklearn and not _sets_random_state_later(model):
            findings += [(call.order, self._finding(call, self._sklearn_message(call))) for call in sklearn]
        for family, draws in unseeded.items():
            findings.append((draws[0].order, self._finding(draws[0], self._draw_message(family, draws))))
        for _, finding in sorted(findings, key=lambda item: item[0]):
            yield finding

    @staticmethod
    def _finding(call: _Call, message: str) -> Finding:
        line = call.fact.line
        return Finding(message, cell=call.code.index, line=line, column=_column(call.code, line, call.fact.column))

    @staticmethod
    def _sklearn_message(call: _Call) -> str:
        return (
            f"`{call.fact.func}()` is called without `random_state`, so its result changes from run to run: pass "
            "`random_state=0` (or any fixed number), or call `np.random.seed(0)` before it"
        )

    @staticmethod
    def _constructor_message(call: _Call) -> str:
        return (
            f"`{call.fact.func}()` creates a generator without a seed, so every run draws different numbers: "
            f"pass one, e.g. `{call.fact.func}(0)`"
        )

    @staticmethod
    def _draw_message(family: str, draws: list[_Call]) -> str:
        source, seed, alternative = _FAMILY_HINTS[family]
        more = len(draws) - 1
        following = f" ({more} more unseeded call{'s' if more > 1 else ''} follow{'' if more > 1 else 's'})"
        return (
            f"`{draws[0].fact.func}()` draws from {source}, which nothing seeds before this call"
            f"{following if more else ''}: results change from run to run; call `{seed}` before it, {alternative}"
        )
