"""What the leakage dataflow knows about machine-learning libraries: which names fit state from data.

A *stateful* transformer learns statistics of the rows it is fitted on (a mean, a vocabulary, the
principal axes, the selected columns) and bakes them into what it outputs, so fitting it on rows
that are later used for evaluation leaks them. Stateless ones (``Normalizer``,
``FunctionTransformer``, ``HashingVectorizer``, ``np.log``) transform each row on its own and are
deliberately absent. Encoders of categories (``OneHotEncoder``, ``LabelEncoder``) learn only the
set of categories: left out for precision.

Names are matched on the last component of a callee resolved through the notebook's imports, and
only under the modules of :data:`ML_MODULES` (and, for models, :data:`DEEP_LEARNING_MODULES`).
"""

from __future__ import annotations

import enum

__all__ = [
    "AGGREGATE_METHODS",
    "CROSS_VALIDATION_FUNCTIONS",
    "CUT_METHODS",
    "DEEP_LEARNING_MODULES",
    "ML_MODULES",
    "PREDICT_METHODS",
    "SCORE_METHODS",
    "SELECTION_FUNCTIONS",
    "SPLIT_FUNCTIONS",
    "STATEFUL_FUNCTIONS",
    "SUPERVISED_METRICS",
    "Kind",
    "estimator_kind",
]

# Top-level modules whose imports make a notebook worth the dataflow analysis.
ML_MODULES = frozenset({"sklearn", "imblearn", "xgboost", "lightgbm", "catboost", "category_encoders"})
# Deep-learning libraries whose models are known (``Sequential().fit``, ``model.evaluate``) in a
# notebook analysed for the modules above: importing one alone does not make a notebook analysed,
# as the splits and the stateful preprocessing the rules look for come from scikit-learn.
DEEP_LEARNING_MODULES = frozenset({"keras", "tensorflow"})


class Kind(enum.Enum):
    """What an estimator object does to the data it is fitted on."""

    TRANSFORMER = "transformer"  # stateful: learns statistics of its rows
    RESAMPLER = "resampler"  # oversampler: invents rows from its rows
    MODEL = "model"  # a supervised predictor (or a Pipeline ending in one)
    SEARCH = "search"  # a *SearchCV: cross-validates inside fit
    SPLITTER = "splitter"  # KFold and friends


_TRANSFORMERS = frozenset({
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "QuantileTransformer", "PowerTransformer",
    "SimpleImputer", "KNNImputer", "IterativeImputer", "KBinsDiscretizer",
    "PCA", "KernelPCA", "IncrementalPCA", "SparsePCA", "TruncatedSVD", "FastICA", "NMF", "FactorAnalysis",
    "LatentDirichletAllocation",
    "SelectKBest", "SelectPercentile", "SelectFromModel", "RFE", "RFECV", "VarianceThreshold",
    "GenericUnivariateSelect", "SelectFpr", "SelectFdr", "SelectFwe", "SequentialFeatureSelector",
    "CountVectorizer", "TfidfVectorizer", "TfidfTransformer",
    "TargetEncoder", "MEstimateEncoder", "WOEEncoder", "JamesSteinEncoder", "LeaveOneOutEncoder", "CatBoostEncoder",
})  # fmt: skip
_RESAMPLERS = frozenset({
    "SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE", "SMOTENC", "SMOTEN", "RandomOverSampler",
    "SMOTETomek", "SMOTEENN",
})  # fmt: skip
_SEARCHES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"})
_SPLITTERS = frozenset({
    "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "RepeatedKFold", "RepeatedStratifiedKFold",
    "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "TimeSeriesSplit", "LeaveOneOut", "LeavePOut",
    "LeaveOneGroupOut",
})  # fmt: skip
_MODELS = frozenset({
    "SVC", "SVR", "NuSVC", "NuSVR", "LinearSVC", "LinearSVR", "GaussianNB", "MultinomialNB", "BernoulliNB",
    "ComplementNB", "CategoricalNB", "Lasso", "Ridge", "ElasticNet", "LassoCV", "RidgeCV", "ElasticNetCV", "Lars",
    "LassoLars", "Perceptron", "LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis", "Pipeline",
    "make_pipeline", "BayesianRidge", "ARDRegression",
})  # fmt: skip
_MODEL_SUFFIXES = ("Classifier", "Regressor", "Regression", "ClassifierCV", "RegressorCV")
# Keras models (``keras.Sequential``, ``tf.keras.Model``) and scikit-learn wrappers (``KerasClassifier``).
_DEEP_MODELS = frozenset({"Sequential", "Model"})
_DEEP_MODEL_SUFFIXES = ("Classifier", "Regressor")


def estimator_kind(qualified: str) -> Kind | None:
    """The kind of the estimator that calling ``qualified`` (``sklearn.svm.SVC``) creates, if any."""
    top = qualified.split(".", 1)[0]
    name = qualified.rsplit(".", 1)[-1]
    if top in DEEP_LEARNING_MODULES:
        return Kind.MODEL if name in _DEEP_MODELS or name.endswith(_DEEP_MODEL_SUFFIXES) else None
    if top not in ML_MODULES:
        return None
    if name in _TRANSFORMERS:
        return Kind.TRANSFORMER
    if name in _RESAMPLERS:
        return Kind.RESAMPLER
    if name in _SEARCHES:
        return Kind.SEARCH
    if name in _SPLITTERS:
        return Kind.SPLITTER
    if name in _MODELS or (name[:1].isupper() and name.endswith(_MODEL_SUFFIXES)):
        return Kind.MODEL
    return None


# Functions that split rows into a training and a test part (outputs alternate train, test).
SPLIT_FUNCTIONS = frozenset({"train_test_split"})
# Functions that cross-validate an estimator (estimator first, X second).
CROSS_VALIDATION_FUNCTIONS = frozenset({
    "cross_val_score", "cross_validate", "cross_val_predict", "learning_curve", "validation_curve",
    "permutation_test_score",
})  # fmt: skip
# Functions of ``sklearn.preprocessing`` that standardise with statistics of all the rows given.
STATEFUL_FUNCTIONS = frozenset({
    "scale", "minmax_scale", "maxabs_scale", "robust_scale", "quantile_transform", "power_transform",
})  # fmt: skip
# Metrics of supervised models (held-out or not, depending on the rows).
SUPERVISED_METRICS = frozenset({
    "accuracy_score", "balanced_accuracy_score", "f1_score", "fbeta_score", "precision_score", "recall_score",
    "roc_auc_score", "average_precision_score", "log_loss", "r2_score", "mean_squared_error",
    "mean_absolute_error", "mean_absolute_percentage_error", "root_mean_squared_error", "median_absolute_error",
    "explained_variance_score", "classification_report", "confusion_matrix", "matthews_corrcoef",
    "cohen_kappa_score", "jaccard_score", "hamming_loss", "zero_one_loss", "precision_recall_fscore_support",
})  # fmt: skip
# Column statistics of a DataFrame or an array: stateful when computed over all rows.
AGGREGATE_METHODS = frozenset({"mean", "std", "var", "min", "max", "median", "quantile"})
PREDICT_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function"})
# Methods that score a fitted model on rows given with their targets (Keras models ``evaluate``).
SCORE_METHODS = frozenset({"score", "evaluate"})
# Row cuts: ``df.head(800)`` keeps the first rows, ``df.tail(200)`` the last ones.
CUT_METHODS = {"head": "train", "tail": "test"}
# Calls that pick the best of several values.
SELECTION_FUNCTIONS = frozenset({
    "max", "min", "sorted", "argmax", "argmin", "idxmax", "idxmin", "nlargest", "nsmallest", "sort_values",
})  # fmt: skip
