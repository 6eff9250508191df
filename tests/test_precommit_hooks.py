"""The hooks in .pre-commit-hooks.yaml, used from another repository through the real pre-commit.

pre-commit clones the hooks repository at a commit and pip-installs it into a virtualenv. The
repository under test is the work tree this file lives in, committed as it is now into a
temporary snapshot repository: on CI's clean clone that is HEAD; on a developer's tree it also
holds uncommitted and untracked (not ignored) files, which neither a clone nor ``pre-commit
try-repo`` (it commits tracked files only) would see. Installing needs PyPI or a warm pip cache.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lint.rules.builders import code, md, notebook, stream

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),  # two hook environments, installed with pip
    pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

REPO = Path(__file__).resolve().parents[1]
NODE_TOOLS = frozenset({"node", "nodejs", "npm", "npx", "yarn", "pnpm", "corepack"})
HOOK_LINE = re.compile(r"^(?P<name>dsq[^.]*?)\.{3,}(?P<status>Passed|Failed|Skipped)", re.MULTILINE)


def git(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env)
    return done.stdout


@dataclass(frozen=True)
class HooksRepo:
    path: Path
    rev: str
    env: dict[str, str]


def path_without_node(bin_dir: Path) -> str:
    """A PATH of one folder linking every program on the current PATH except node and its package managers."""
    bin_dir.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir():
            continue
        for program in Path(directory).iterdir():
            link = bin_dir / program.name
            if program.name in NODE_TOOLS or link.exists() or not os.access(program, os.X_OK):
                continue
            link.symlink_to(program)
    return str(bin_dir)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> HooksRepo:
    if subprocess.run(["git", "rev-parse"], cwd=REPO, capture_output=True, check=False).returncode != 0:
        pytest.skip("the tests do not live in a git work tree")
    base = tmp_path_factory.mktemp("hooks")
    env = {
        **os.environ,
        "PATH": path_without_node(base / "bin"),
        "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for variable in ("VIRTUAL_ENV", "PYTHONPATH"):  # the hooks must use the package pre-commit installed
        env.pop(variable, None)
    assert shutil.which("node", path=env["PATH"]) is None
    snapshot = base / "dsquality"
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # deleted but not yet staged files are listed too
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot, env=env)
    git("add", "-A", cwd=snapshot, env=env)
    git("commit", "-q", "--no-verify", "-m", "snapshot of the work tree", cwd=snapshot, env=env)
    return HooksRepo(snapshot, git("rev-parse", "HEAD", cwd=snapshot).strip(), env)


CLEAN = notebook(md("# Clean analysis"), code("x = 1"), md("Done."))
# DSQ101 (counts 2 then 1), DSQ105 (an absolute path), DSQ401 (saved output); DSQ206 (the empty cell)
# is ignored by the project's [tool.dsquality].
DIRTY = notebook(
    md("# Dirty analysis"),
    code("path = '/home/alice/data.csv'", count=2, outputs=[stream("loaded\n")]),
    code("y = 2", count=1),
    code(""),
    md("Done."),
)


@pytest.fixture
def project(tmp_path: Path, hooks_repo: HooksRepo) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "analysis"\n\n[tool.dsquality]\nignore = ["DSQ206"]\n')
    (root / "clean.ipynb").write_text(json.dumps(CLEAN, indent=1) + "\n")
    (root / "dirty.ipynb").write_text(json.dumps(DIRTY, indent=1) + "\n")
    hooks = "".join(f"      - id: {hook}\n" for hook in ("dsq-lint", "dsq-clean", "dsq-promote-check", "dsq-check"))
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo.path}\n    rev: {hooks_repo.rev}\n    hooks:\n{hooks}"
    )
    git("init", "-q", cwd=root, env=hooks_repo.env)
    git("add", "-A", cwd=root, env=hooks_repo.env)
    return root


def pre_commit(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def statuses(output: str) -> dict[str, str]:
    return {match["name"].strip(): match["status"] for match in HOOK_LINE.finditer(output)}


def assert_dirty_fails_and_clean_passes(output: str) -> None:
    for finding in ("dirty.ipynb:cell 2: DSQ401", "dirty.ipynb:cell 2:1:8: DSQ105", "dirty.ipynb:cell 3: DSQ101"):
        assert finding in output
    assert "DSQ206" not in output  # the project's [tool.dsquality] ignore applies
    assert not [line for line in output.splitlines() if line.startswith("clean.ipynb:")]


def test_run_all_files(project: Path, hooks_repo: HooksRepo) -> None:
    clean_before = (project / "clean.ipynb").read_bytes()
    dirty_before = (project / "dirty.ipynb").read_bytes()
    done = pre_commit("run", "--all-files", cwd=project, env=hooks_repo.env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert statuses(output) == {
        "dsq lint": "Failed",
        "dsq clean": "Failed",
        "dsq promote --check": "Passed",
        "dsq check": "Failed",
    }, output
    assert_dirty_fails_and_clean_passes(output)
    assert "files were modified by this hook" in output
    assert (project / "clean.ipynb").read_bytes() == clean_before  # dsq clean rewrote only the dirty one
    cleaned = json.loads((project / "dirty.ipynb").read_text())
    assert (project / "dirty.ipynb").read_bytes() != dirty_before
    assert [cell.get("outputs") for cell in cleaned["cells"] if cell["cell_type"] == "code"] == [[], [], []]
    assert "dsq check: 2 notebooks, 1 failed" in output  # the table of dsq-check, after the clean

    again = pre_commit("run", "dsq-clean", "--all-files", cwd=project, env=hooks_repo.env)
    assert again.returncode == 0, again.stdout + again.stderr  # nothing left to rewrite


def test_try_repo(project: Path, hooks_repo: HooksRepo) -> None:
    done = pre_commit(
        "try-repo", str(hooks_repo.path), "dsq-lint", "--ref", hooks_repo.rev, "--all-files",
        cwd=project, env=hooks_repo.env,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert statuses(output) == {"dsq lint": "Failed"}, output
    assert_dirty_fails_and_clean_passes(output)
