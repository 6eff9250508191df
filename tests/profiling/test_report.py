import base64
import json
import re
import struct

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from matplotlib.image import imread

from dsquality.errors import MissingDependencyError
from dsquality.profiling import Budget, compare, profile_model
from dsquality.profiling.plot import plot_profiles
from dsquality.profiling.report import JSON_SCHEMA_NAME, JSON_SCHEMA_VERSION, json_schema

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _validate(document) -> None:
    Draft202012Validator.check_schema(json_schema())
    Draft202012Validator(json_schema()).validate(document)


def test_json_document_follows_the_schema_and_names_every_measure(tree_report) -> None:
    document = json.loads(tree_report.to_json())
    _validate(document)
    assert document["schema"] == JSON_SCHEMA_NAME
    assert document["version"] == JSON_SCHEMA_VERSION
    assert document["sizes"] == [500, 1000, 2000]
    assert document["budget"] is None
    for name in ("fit_time", "predict_time", "memory", "model_size"):
        measure = document["measures"][name]
        assert [point["n"] for point in measure["points"]] == [500, 1000, 2000]
        assert all(len(point["values"]) == 2 for point in measure["points"])
        assert measure["verdict"] in {"O(n)", "O(n log n)", "O(n^2)", "worse than O(n^2)"}
        low, high = measure["ci"]
        assert low <= measure["exponent"] <= high
        assert measure["extrapolation"]["n"] == 1_000_000
    fit_time = document["measures"]["fit_time"]
    point = fit_time["points"][0]
    assert point["min"] <= point["q1"] <= point["median"] <= point["q3"] <= point["max"]
    assert point["median"] == pytest.approx(float(np.median(point["values"])))


def test_json_with_a_budget_carries_its_verdict(tree_report) -> None:
    document = tree_report.to_dict(Budget(max_exponent=0.01))
    _validate(document)
    assert document["budget"]["passed"] is False
    assert {v["measure"] for v in document["budget"]["violations"]} >= {"fit_time", "memory"}
    assert tree_report.to_dict(Budget(max_exponent=10))["budget"]["passed"] is True


def test_schema_rejects_an_unknown_verdict(tree_report) -> None:
    document = tree_report.to_dict()
    document["measures"]["fit_time"]["verdict"] = "O(2^n)"
    with pytest.raises(Exception, match="O\\(2\\^n\\)"):
        Draft202012Validator(json_schema()).validate(document)


def test_markdown_has_the_summary_and_the_points(tree_report) -> None:
    text = tree_report._repr_markdown_()
    assert "| measure | exponent of n | CI | verdict | at n=1,000,000 |" in text
    fit = tree_report.measures["fit_time"]
    assert f"| fit time | {fit.exponent:.2f} | 95%: " in text
    assert str(fit.verdict) in text
    assert "| 2,000 | 20 |" in text


def test_html_has_tables_and_the_plot_inline(tree_report) -> None:
    text = tree_report._repr_html_()
    assert text.count("<table>") == 2
    match = re.search(r'src="data:image/png;base64,([^"]+)"', text)
    assert match
    assert _png_size(base64.b64decode(match.group(1))) == (1500, 420)


def test_html_without_matplotlib_says_how_to_get_the_plot(tree_report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dsquality.profiling.plot.matplotlib_installed", lambda: False)
    text = tree_report._repr_html_()
    assert "<img" not in text
    assert "pip install 'dsquality[profile]'" in text
    with pytest.raises(MissingDependencyError, match="needs the 'matplotlib' package"):
        tree_report.plot()


def _pixels_of(image: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int((np.abs(image[:, :, :3] * 255 - np.array(rgb)) < 30).all(axis=2).sum())


def test_plot_file_is_a_png_with_points_and_fitted_lines(tree_report, tmp_path) -> None:
    path = tmp_path / "tree.png"
    figure = tree_report.plot(path)
    data = path.read_bytes()
    assert _png_size(data) == (1500, 420)
    assert len(data) > 20_000
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["fit time", "predict time per sample", "peak memory during fit"]
    for a in axes:
        assert a.get_xscale() == a.get_yscale() == "log"
        legend = [t.get_text() for t in a.get_legend().get_texts()]
        assert any(t.startswith("fit: n^") for t in legend)
        assert "measured (median, IQR)" in legend
        assert len(a.lines[-1].get_xdata()) == 50  # the fitted line
    image = imread(path)
    assert _pixels_of(image, (31, 119, 180)) > 500  # matplotlib's C0 blue: markers and line are drawn


def test_comparison_plots_each_model_in_its_colour(tree_report, tmp_path) -> None:
    other = profile_model("sklearn.neighbors:KNeighborsClassifier", sizes=(500, 1000, 2000), repeats=1)
    both = compare(tree_report, other)
    rows = both.rows()
    assert {row[0] for row in rows} == {tree_report.model, other.model}
    assert "sklearn.neighbors:KNeighborsClassifier" in both._repr_markdown_()
    assert "data:image/png;base64," in both._repr_html_()
    figure = plot_profiles(both.reports, tmp_path / "both.png")
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert tree_report.model in legend
    assert other.model in legend
    assert _png_size((tmp_path / "both.png").read_bytes()) == (1500, 420)
