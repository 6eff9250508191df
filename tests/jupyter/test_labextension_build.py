"""The JupyterLab extension: its source package is consistent, and the built (prebuilt) extension is complete.

The build (``cd labextension && jlpm install && jlpm build:prod``, or ``pip install`` through
hatch-jupyter-builder) needs node; without a built extension the build checks are skipped.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SOURCE = ROOT / "labextension"
BUILT = ROOT / "dsquality" / "labextension"
NAME = "dsquality-labextension"

needs_source = pytest.mark.skipif(not (SOURCE / "package.json").is_file(), reason="no labextension/ source")
needs_build = pytest.mark.skipif(
    not (BUILT / "package.json").is_file(),
    reason="the labextension is not built (needs node: cd labextension && jlpm install && jlpm build:prod)",
)


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


@needs_build
def test_built_extension_is_complete() -> None:
    package = json.loads((BUILT / "package.json").read_text(encoding="utf-8"))
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


@needs_build
def test_built_extension_is_small() -> None:
    size = sum(path.stat().st_size for path in BUILT.rglob("*") if path.is_file())
    assert size < 500_000, f"the built extension is {size} bytes: did a development build or a dependency get bundled?"
