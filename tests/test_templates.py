import json
from pathlib import Path

import pytest

from dsquality.errors import TemplateError, TemplateTargetExistsError
from dsquality.templates import (
    builtin_templates_dir,
    create_notebook,
    find_template,
    list_templates,
    render_template,
    template_dirs,
)

REPO_TEMPLATES = Path(__file__).parents[1] / "templates"
BUILTIN = {"evaluation_report", "exploratory_analysis", "model_training", "promotable_module"}


def _write_template(folder: Path, name: str, title: str = "Team") -> Path:
    data = json.loads((REPO_TEMPLATES / "model_training.ipynb").read_text())
    data["metadata"]["dsquality"]["template"] = {"title": title, "description": f"{name} by the team"}
    data["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "old\n"}]
    data["cells"][1]["execution_count"] = 7
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(data))
    return path


def test_builtin_dir_is_the_checkout_folder_in_development():
    assert builtin_templates_dir() == REPO_TEMPLATES


def test_builtins_have_title_description_and_stable_metadata():
    templates = {t.name: t for t in list_templates(template_dirs())}
    assert set(templates) >= BUILTIN
    for template in templates.values():
        data = json.loads(template.path.read_text())
        assert template.title
        assert template.description
        assert data["metadata"]["kernelspec"]["name"] == "python3"
        ids = [cell["id"] for cell in data["cells"]]
        assert len(set(ids)) == len(ids)
        assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in data["cells"])


def test_team_folder_comes_first_and_overrides(tmp_path):
    _write_template(tmp_path, "model_training", title="Ours")
    _write_template(tmp_path, "churn")
    templates = {t.name: t for t in list_templates(template_dirs([tmp_path]))}
    assert templates["model_training"].title == "Ours"
    assert templates["churn"].description == "churn by the team"
    assert set(templates) >= BUILTIN


def test_broken_and_badly_named_files_are_skipped(tmp_path, caplog):
    (tmp_path / "broken.ipynb").write_text("{not json")
    _write_template(tmp_path, "bad name")
    names = {t.name for t in list_templates([tmp_path, tmp_path / "missing"])}
    assert names == set()
    assert "broken" in caplog.text
    assert "missing" in caplog.text


def test_unknown_template_suggests_a_name():
    with pytest.raises(TemplateError, match="Did you mean 'model_training'"):
        find_template("model_trainig", template_dirs())


def test_render_clears_outputs_and_template_metadata(tmp_path):
    template = find_template("x", template_dirs([_write_template(tmp_path, "x").parent]))
    data = render_template(template, kernel="team-env")
    assert data["cells"][1]["outputs"] == []
    assert data["cells"][1]["execution_count"] is None
    assert "dsquality" not in data["metadata"]
    assert data["metadata"]["kernelspec"]["name"] == "team-env"
    assert [c["id"] for c in data["cells"]] == [c["id"] for c in json.loads(template.path.read_text())["cells"]]


def test_create_writes_a_notebook_and_never_overwrites(tmp_path):
    template = find_template("model_training", template_dirs())
    created = create_notebook(template, tmp_path / "deep" / "train")
    assert created == tmp_path / "deep" / "train.ipynb"
    data = json.loads(created.read_text())
    assert data["cells"][0]["source"] == json.loads(template.path.read_text())["cells"][0]["source"]
    before = created.read_bytes()
    with pytest.raises(TemplateTargetExistsError, match="already exists"):
        create_notebook(template, created)
    assert created.read_bytes() == before
    assert [p.name for p in created.parent.iterdir()] == ["train.ipynb"]  # no temp files left


def test_create_refuses_a_dangling_symlink(tmp_path):
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    with pytest.raises(TemplateTargetExistsError):
        create_notebook(find_template("model_training", template_dirs()), tmp_path / "link.ipynb")
    assert not (tmp_path / "nowhere.ipynb").exists()
