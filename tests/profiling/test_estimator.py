import pytest
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from dsquality.errors import ProfileError
from dsquality.model import ModelInterface, SklearnModel
from dsquality.profiling.estimator import parse_params, resolve_model
from tests.profiling.models import NearestCentroid


def test_parse_params_reads_literals_and_falls_back_to_strings() -> None:
    assert parse_params(["C=10", "gamma=0.5", "kernel=rbf", "quoted='rbf'", "max_depth=None", "flag=True"]) == {
        "C": 10,
        "gamma": 0.5,
        "kernel": "rbf",
        "quoted": "rbf",
        "max_depth": None,
        "flag": True,
    }
    assert parse_params(["sizes=(1, 2)", "weights={'a': 1}", "path=data/x=y"]) == {
        "sizes": (1, 2),
        "weights": {"a": 1},
        "path": "data/x=y",
    }


@pytest.mark.parametrize(("item", "reason"), [("C", "NAME=VALUE"), ("=3", "NAME=VALUE"), ("1x=3", "NAME=VALUE")])
def test_parse_params_rejects_malformed_items(item, reason) -> None:
    with pytest.raises(ProfileError, match=reason):
        parse_params([item])


def test_parse_params_rejects_a_name_given_twice() -> None:
    with pytest.raises(ProfileError, match="'C' is given twice"):
        parse_params(["C=1", "C=2"])


def test_import_path_with_params_makes_fresh_models() -> None:
    factory = resolve_model("sklearn.svm:SVC", {"C": 10.0})
    first, second = factory.make(), factory.make()
    assert isinstance(first, SVC)
    assert first is not second
    assert first.C == 10.0
    assert factory.name == "sklearn.svm:SVC(C=10.0)"


def test_model_interface_subclass_by_import_path() -> None:
    factory = resolve_model("tests.profiling.models:NearestCentroid", {"shrink": 0.1})
    model = factory.make()
    assert isinstance(model, ModelInterface)
    assert model.shrink == 0.1


def test_instance_is_cloned_and_never_fitted_itself() -> None:
    tree = DecisionTreeClassifier(max_depth=3)
    factory = resolve_model(tree)
    made = factory.make()
    assert made is not tree
    assert made.max_depth == 3
    assert factory.name == "DecisionTreeClassifier(max_depth=3)"
    wrapped = resolve_model(SklearnModel(SVC())).make()
    assert isinstance(wrapped, SklearnModel)
    custom = NearestCentroid(shrink=0.5)
    copy = resolve_model(custom).make()
    assert copy is not custom
    assert copy.shrink == 0.5


def test_class_object_is_accepted() -> None:
    assert resolve_model(NearestCentroid).name == "tests.profiling.models:NearestCentroid"


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        ("sklearn.svm.SVC", {}, r"not an import path of the form 'module:ClassName'\. Did you mean 'sklearn\.svm:SVC'"),
        ("SVC", {}, "not an import path"),
        ("no_such_module_xyz:Model", {}, "cannot import module 'no_such_module_xyz'"),
        (
            "sklearn.tree:DecisionTreeClassifer",
            {},
            r"has no attribute 'DecisionTreeClassifer'\. Did you mean 'sklearn\.tree:DecisionTreeClassifier'",
        ),
        ("tests.profiling.models:make_model", {}, "it is a function, not a class"),
        ("tests.profiling.models:NotAModel", {}, "NotAModel has no fit or predict method"),
        ("sklearn.preprocessing:StandardScaler", {}, "StandardScaler has no predict method"),
        ("dsquality.model:ModelInterface", {}, "ModelInterface is abstract"),
        ("sklearn.svm:SVC", {"gama": 1}, r"SVC has no parameter 'gama'\. Did you mean 'gamma'"),
        ("tests.profiling.models:NearestCentroid", {"shrink": 1, "extra": 2}, "has no parameter 'extra'"),
    ],
)
def test_bad_models_raise_a_profile_error_saying_why(model, params, message) -> None:
    with pytest.raises(ProfileError, match=message) as info:
        resolve_model(model, params)
    assert info.value.exit_code == 2


def test_params_with_an_instance_are_refused() -> None:
    with pytest.raises(ProfileError, match="only be given with a model class"):
        resolve_model(SVC(), {"C": 1})


def test_instance_that_is_not_an_estimator_is_refused() -> None:
    with pytest.raises(ProfileError, match="has no fit or predict method"):
        resolve_model(object())
