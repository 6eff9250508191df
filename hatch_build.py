"""Hatchling build hook: the prebuilt JupyterLab extension (``labextension/``) goes into the wheel.

The built extension is committed in ``dsquality/labextension/`` together with ``build-source.sha256``,
the hash of the sources it was built from (:func:`source_hash`), so that installing from a clone
needs no Node.js. It is rebuilt only when the sources changed: with a suitable Node.js on PATH,
hatch-jupyter-builder's ``npm_builder`` runs ``jlpm install`` and ``jlpm build:prod`` in
``labextension/`` and the hash is written anew (a test fails when the committed build is stale).
The built extension is mapped to ``share/jupyter/labextensions/dsquality-labextension`` in the
wheel (an editable install copies it there too), with ``install.json`` so that ``jupyter
labextension list`` names the Python package, and it ships in the sdist.

Without the built files (and no node to build them), a wheel is still built, without the
labextension: the CLI, the server extension and the pre-commit hooks need no node. Set
``DSQUALITY_REQUIRE_LABEXTENSION=1`` to make that an error instead (CI and releases do).
``SKIP_JUPYTER_BUILDER=1`` skips any build and uses what is already built.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

NAME = "dsquality-labextension"  # labextension/package.json "name"
SOURCE = "labextension"
BUILT = "dsquality/labextension"  # labextension/package.json "jupyterlab.outputDir"
INSTALLED = f"share/jupyter/labextensions/{NAME}"
ENSURED = ("package.json", "static/style.js")
REQUIRE_VARIABLE = "DSQUALITY_REQUIRE_LABEXTENSION"
HASH_FILE = "build-source.sha256"  # in BUILT: the hash of the sources the committed build was made from
# What the build reads, relative to SOURCE (node_modules and lib/ are derived from these).
HASHED = ("package.json", "yarn.lock", "tsconfig.json", "install.json", "src", "style", "schema")


def source_hash(source: Path) -> str:
    """SHA-256 over the extension's sources (file names and contents, in a stable order)."""
    digest = hashlib.sha256()
    for name in HASHED:
        top = source / name
        for path in sorted([top] if top.is_file() else (p for p in top.rglob("*") if p.is_file())):
            digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(source: Path, built: Path) -> bool:
    """Whether ``built`` was built from the sources now in ``source`` (see :data:`HASH_FILE`)."""
    recorded = built / HASH_FILE
    return recorded.is_file() and recorded.read_text(encoding="utf-8").strip() == source_hash(source)


def node_problem() -> str | None:
    """Why the node on PATH cannot build the extension, or None if it can (rspack: ^20.19 or >=22.12)."""
    node = shutil.which("node")
    if node is None:
        return "Node.js is not on PATH"
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    found = re.match(r"v(\d+)\.(\d+)", done.stdout.strip())
    if found is None:
        return f"`node --version` printed {done.stdout.strip()!r}"
    version = (int(found[1]), int(found[2]))
    if (20, 19) <= version < (21, 0) or version >= (22, 12):
        return None
    return f"Node.js {done.stdout.strip()} is too old (the bundler needs ^20.19 or >=22.12)"


class LabextensionBuildHook(BuildHookInterface):
    """Builds ``labextension/`` when node can, and ships the result in the wheel and the sdist."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build if needed and possible, then map the built extension into the distribution."""
        if self.target_name not in {"wheel", "sdist"}:
            return
        root = Path(self.root)
        built = root / BUILT
        source = root / SOURCE
        stale = (source / "package.json").is_file() and not is_current(source, built)
        problem = None
        if stale:
            problem = "SKIP_JUPYTER_BUILDER is set" if os.environ.get("SKIP_JUPYTER_BUILDER") else node_problem()
        if stale and problem is None:
            from hatch_jupyter_builder import npm_builder  # noqa: PLC0415 - a build dependency of this hook only

            npm_builder(
                self.target_name,
                version,
                path=str(root / SOURCE),
                build_dir=str(built),
                source_dir=str(root / SOURCE / "src"),
                build_cmd="build:prod",
                force=True,  # stale by the source hash; npm_builder's own check compares mtimes
                npm=[shutil.which("jlpm") or str(Path(sys.executable).with_name("jlpm"))],  # from jupyter-builder
            )
            (built / HASH_FILE).write_text(source_hash(source) + "\n", encoding="utf-8")
        elif stale and built.is_dir():
            self.app.display_warning(
                f"dsquality: {BUILT} was built from other sources than labextension/ holds now and cannot be"
                f" rebuilt ({problem}); shipping it as it is"
            )
        missing = [name for name in ENSURED if not (built / name).is_file()]
        if missing:
            why = f"{BUILT}/{missing[0]} is missing and {problem or 'the build did not make it'}"
            if os.environ.get(REQUIRE_VARIABLE) == "1":
                raise RuntimeError(f"dsquality: the JupyterLab extension is required ({REQUIRE_VARIABLE}=1): {why}")
            self.app.display_warning(
                f"dsquality: building without the JupyterLab extension ({why});"
                " install Node.js >=20.19 and reinstall to get it"
            )
            return
        if self.target_name == "wheel":  # the sdist takes it as an artifact (pyproject.toml)
            build_data["shared_data"][str(built)] = INSTALLED
            if not (built / "install.json").is_file():  # a build may have copied it there already
                build_data["shared_data"][str(root / SOURCE / "install.json")] = f"{INSTALLED}/install.json"
