"""The JupyterLab extension: its source package is consistent, and the built (prebuilt) extension is complete.

The built extension is committed (``dsquality/labextension/``, with the hash of the sources it
was built from), so that a clone installs it without Node.js; a test fails when it is stale. The
build (``pip install`` through ``hatch_build.py`` and hatch-jupyter-builder when the sources
changed, or by hand ``cd labextension && jlpm install && jlpm build:prod``) needs Node.js >=20.19.
"""

import importlib.util
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
SOURCE = ROOT / "labextension"
BUILT = ROOT / "dsquality" / "labextension"
NAME = "dsquality-labextension"

needs_source = pytest.mark.skipif(not (SOURCE / "package.json").is_file(), reason="no labextension/ source")


@pytest.fixture
def built() -> Path:
    """The built extension; skipped when it is not built, except on CI."""
    if not (BUILT / "package.json").is_file():
        reason = "the labextension is not built (needs node: cd labextension && jlpm install && jlpm build:prod)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the built extension is committed")
        pytest.skip(reason)
    return BUILT


def load_build_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dsquality_hatch_build", ROOT / "hatch_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_source
def test_source_package_builds_into_the_python_package() -> None:
    package = json.loads((SOURCE / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == NAME
    assert package["jupyterlab"]["extension"] is True
    assert (SOURCE / package["jupyterlab"]["outputDir"]).resolve() == BUILT.resolve()
    assert "@jupyter/builder" in package["devDependencies"]
    assert "build:prod" in package["scripts"]
    assert (SOURCE / "yarn.lock").is_file(), "commit yarn.lock: with CI=true yarn refuses to write one"
    assert "nodeLinker: node-modules" in (SOURCE / ".yarnrc.yml").read_text(encoding="utf-8")


@needs_source
def test_settings_schema_defaults() -> None:
    schema = json.loads((SOURCE / "schema" / "plugin.json").read_text(encoding="utf-8"))
    properties = schema["properties"]
    assert properties["lintOnSave"]["default"] is True
    assert properties["select"]["default"] == []
    assert properties["ignore"]["default"] == []
    shortcuts = schema["jupyter.lab.shortcuts"]
    assert {"command": "dsquality:lint-notebook", "keys": ["Accel Shift L"], "selector": ".jp-Notebook"} in shortcuts


@needs_source
def test_frontend_uses_the_server_routes() -> None:
    api = (SOURCE / "src" / "api.ts").read_text(encoding="utf-8")
    assert "URLExt.join(settings.baseUrl, 'dsquality/api'" in api
    assert "ServerConnection.makeRequest" in api
    for route in ("'templates'", "`templates/${", "'lint'"):
        assert route in api


def test_built_extension_is_complete(built: Path) -> None:
    package = json.loads((built / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == NAME
    build = package["jupyterlab"]["_build"]
    remote_entry = BUILT / build["load"]
    assert re.fullmatch(r"static/remoteEntry\.[0-9a-f]+\.js", build["load"]), build["load"]
    assert remote_entry.is_file()
    assert remote_entry.stat().st_size > 0
    assert build["style"] == "./style"
    assert (BUILT / "static" / "style.js").is_file()
    assert (BUILT / "schemas" / NAME / "plugin.json").is_file()
    # The plugins, their commands and the API routes are in the bundle (not the development build's sources).
    bundle = "".join(path.read_text(encoding="utf-8") for path in (BUILT / "static").glob("*.js"))
    for text in ("dsquality-labextension:templates", "dsquality-labextension:plugin", "dsquality:lint-notebook"):
        assert text in bundle
    assert "dsquality/api" in bundle


def test_built_extension_is_small(built: Path) -> None:
    size = sum(path.stat().st_size for path in built.rglob("*") if path.is_file())
    assert size < 500_000, f"the built extension is {size} bytes: did a development build or a dependency get bundled?"


@pytest.mark.slow
def test_wheel_installs_the_labextension_and_its_install_json(built: Path, built_wheel: Path) -> None:
    wheel = zipfile.ZipFile(built_wheel)
    names = set(wheel.namelist())
    shared = f"dsquality-{built_wheel.name.split('-')[1]}.data/data/share/jupyter/labextensions/{NAME}"
    expected = {f"{shared}/{path.relative_to(built).as_posix()}" for path in built.rglob("*") if path.is_file()} | {
        f"{shared}/install.json"
    }
    assert expected <= names
    assert not [name for name in names if name.startswith("dsquality/labextension/")], "only under share/"
    install = json.loads(wheel.read(f"{shared}/install.json"))
    assert install["packageName"] == "dsquality"
    assert install["packageManager"] == "python"


@pytest.mark.parametrize(
    ("version", "usable"),
    [
        ("v20.20.2", True),
        ("v20.19.0", True),
        ("v22.12.0", True),
        ("v24.1.0", True),
        ("v18.20.4", False),
        ("v20.18.1", False),
        ("v21.7.3", False),
        ("v22.11.0", False),
    ],
)
def test_build_hook_accepts_only_a_node_the_bundler_runs_on(
    version: str, usable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = tmp_path / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    node.chmod(node.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    problem = load_build_hook().node_problem()
    assert (problem is None) is usable, problem
    if not usable:
        assert version in problem


def test_build_hook_without_node_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert load_build_hook().node_problem() == "Node.js is not on PATH"


@needs_source
def test_committed_build_was_made_from_the_current_sources(built: Path) -> None:
    hook = load_build_hook()
    assert hook.is_current(SOURCE, built), (
        "labextension/ changed since dsquality/labextension/ was built: run `pip install -e .` with "
        "Node.js >=20.19 on PATH (it rebuilds and records the new source hash), then commit both"
    )


def test_source_hash_follows_every_source_file(tmp_path: Path) -> None:
    hook = load_build_hook()
    source = tmp_path / "labextension"
    (source / "src").mkdir(parents=True)
    (source / "package.json").write_text("{}", encoding="utf-8")
    (source / "src" / "index.ts").write_text("export {};\n", encoding="utf-8")
    first = hook.source_hash(source)
    (source / "node_modules").mkdir()
    (source / "node_modules" / "x.js").write_text("derived", encoding="utf-8")
    assert hook.source_hash(source) == first  # dependencies are not sources
    (source / "src" / "index.ts").write_text("export const x = 1;\n", encoding="utf-8")
    assert hook.source_hash(source) != first
    built = tmp_path / "built"
    built.mkdir()
    assert not hook.is_current(source, built)
    (built / hook.HASH_FILE).write_text(hook.source_hash(source) + "\n", encoding="utf-8")
    assert hook.is_current(source, built)
