"""The JupyterLab extension in a real browser: Debian's chromium, driven by Playwright, on a real ``jupyter lab``.

The server runs on 127.0.0.1 with a free port, a token, a temporary root and temporary settings and
workspaces (news and update checks off: no network). The extension under test is the one installed
where ``jupyter lab`` finds it (``pip install`` builds it into the venv's ``share/jupyter/labextensions``).
Skipped without ``/usr/bin/chromium``, Playwright or the installed extension, except under ``CI=true``,
where they are required. The panel's screenshot is saved under the test's tmp dir; with
``DSQUALITY_UPDATE_SCREENSHOTS=1`` also to ``docs/images/lint-panel.png`` (the README's picture).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from jupyter_core.paths import jupyter_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
EXTENSION = "dsquality-labextension"
SCREENSHOT = ROOT / "docs" / "images" / "lint-panel.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
TIMEOUT_MS = 60_000
# dsquality's own rules on BAD_CELLS: (code, 1-based cell or None for the notebook)
BAD_CELLS = [
    "import pandas as pd\ndf = pd.read_csv('/home/me/data.csv')",
    "print(undefined_name)\nundefined_name = 1",
    "import numpy as np\nx = np.random.rand(3)",
]
EXPECTED = {("DSQ202", None), ("DSQ105", 1), ("DSQ103", 2), ("DSQ201", 3), ("DSQ106", 3)}


@pytest.fixture
def jp_asyncio_loop() -> None:
    """Replaces pytest-jupyter's autouse loop (conftest): Playwright's sync API runs its own loop on this thread."""


@pytest.fixture
def jp_server_cleanup() -> None:
    """Replaces pytest-jupyter's autouse in-process server cleanup: the server here is a subprocess."""


def unavailable(reason: str) -> None:
    """Skip, except on CI, where everything this test needs is installed by .ci/run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_notebook(path: Path, sources: list[tuple[str, str]]) -> None:
    cells = [
        nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        for kind, text in sources
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path


def call_api(lab: Lab, method: str, path: str) -> int:
    call = urllib.request.Request(  # noqa: S310 - a loopback URL built here
        f"{lab.url}{path}", method=method, headers={"Authorization": f"token {lab.token}"}
    )
    try:
        with urllib.request.urlopen(call, timeout=5) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not any((Path(folder) / EXTENSION / "package.json").is_file() for folder in jupyter_path("labextensions")):
        unavailable(f"the {EXTENSION} labextension is not installed (pip install with Node.js >=20.19 on PATH)")
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        unavailable("jupyterlab is not installed")
    base = tmp_path_factory.mktemp("lab")
    root, settings, logs = base / "root", base / "settings", base / "lab.log"
    root.mkdir()
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    # The palette in the sidebar: the modal one closes when something takes the focus (a kernel starting).
    (news.parent / "palette.jupyterlab-settings").write_text(json.dumps({"modal": False}), encoding="utf-8")
    write_notebook(root / "bad.ipynb", [("code", source) for source in BAD_CELLS])
    write_notebook(
        root / "fixme.ipynb",
        [("markdown", "# Fix me\n\nA notebook with one problem."), ("code", "path = '/home/me/data.csv'")],
    )
    port, token = free_port(), os.urandom(16).hex()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with logs.open("wb") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    running = Lab(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + 60
        while request_status(running) != 200:
            assert process.poll() is None, f"jupyter lab exited:\n{logs.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"jupyter lab did not answer in 60 s:\n{logs.read_text()}"
            time.sleep(0.25)
        yield running
    finally:
        call_api(running, "POST", "/api/shutdown")  # a SIGTERM alone could leave it hanging
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def request_status(lab: Lab) -> int:
    try:
        return call_api(lab, "GET", "/api/status")
    except OSError:
        return 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional, checked here
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(lab: Lab, browser: Browser) -> Iterator[Page]:
    """A fresh JupyterLab page on a new workspace, with the launcher shown; fails on dsquality's console errors."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional, checked by the browser fixture

    context = browser.new_context(viewport={"width": 1400, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{lab.url}/lab/workspaces/test-{time.monotonic_ns()}?reset&token={lab.token}")
    opened.wait_for_selector(".jp-Launcher")
    yield opened
    context.close()
    assert not [error for error in errors if "dsquality" in error], errors


def open_notebook(page: Page, name: str) -> Locator:
    """Open `name` from the file browser; its panel once its kernel is idle, with the keyboard focus in it."""
    from playwright.sync_api import expect  # noqa: PLC0415

    page.locator(".jp-DirListing-item", has_text=name).first.dblclick()
    page.wait_for_selector(f".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:has-text('{name}')")
    notebook = page.locator(NOTEBOOK)
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle")  # its kernel is up: nothing takes the focus
    notebook.locator(".jp-Cell").first.locator(".jp-InputPrompt").click()  # keyboard focus into the notebook
    page.keyboard.press("Escape")
    return notebook


def diagnostics(page: Page) -> set[tuple[str, int | None]]:
    """(code, cell) of each finding in the panel; the cell from its group heading ('Cell N' or 'Notebook')."""
    found = set()
    for group in page.locator(".dsq-DiagnosticsPanel-group").all():
        heading = group.locator("h3").inner_text()
        cell = int(heading.split()[-1]) if heading.startswith("Cell") else None
        found |= {(code, cell) for code in group.locator(".dsq-Diagnostic-code").all_inner_texts()}
    return found


def flagged_cells(notebook: Locator) -> list[int]:
    cells = notebook.locator(".jp-Cell")
    return [i + 1 for i in range(cells.count()) if "dsq-mod-flagged" in (cells.nth(i).get_attribute("class") or "")]


def test_launcher_card_creates_a_notebook_from_the_template(lab: Lab, page: Page) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415

    template = nbformat.read(ROOT / "templates" / "model_training.ipynb", as_version=4)
    title = template.metadata["dsquality"]["template"]["title"]
    section = page.locator(".jp-Launcher-section", has=page.locator(".jp-Launcher-sectionTitle", has_text="dsquality"))
    labels = section.locator(".jp-LauncherCard-label")
    expect(labels).to_have_count(len(list((ROOT / "templates").glob("*.ipynb"))))
    assert title in labels.all_inner_texts()

    section.locator(".jp-LauncherCard", has_text=title).click()

    page.wait_for_selector(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:has-text('model_training.ipynb')")
    notebook = page.locator(NOTEBOOK)
    expect(notebook.locator(".jp-Cell")).to_have_count(len(template.cells))
    first_heading = template.cells[0].source.splitlines()[0].lstrip("# ")
    expect(notebook.locator(".jp-Cell").first).to_contain_text(first_heading)
    created = nbformat.read(lab.root / "model_training.ipynb", as_version=4)
    assert [cell.source for cell in created.cells] == [cell.source for cell in template.cells]


def test_lint_panel_lists_findings_marks_cells_and_clears_when_fixed(
    lab: Lab, page: Page, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415

    notebook = open_notebook(page, "bad.ipynb")
    expect(notebook.locator(".dsq-LintButton")).to_be_visible()  # the toolbar button
    # The palette, from the View menu, which also tells that the settings' shortcuts (ours too) are bound.
    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
    menu_item = page.locator(".lm-Menu-item", has_text="Activate Command Palette")
    expect(menu_item.locator(".lm-Menu-itemShortcut")).to_have_text("Ctrl+Shift+C")
    menu_item.click()
    palette = page.locator("#command-palette")
    palette.locator(".lm-CommandPalette-input").fill("Lint notebook")
    palette.locator(".lm-CommandPalette-item", has_text="Lint notebook").first.click()
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']").click()  # back from the palette

    expect(page.locator(".dsq-Diagnostic")).to_have_count(len(EXPECTED))
    assert diagnostics(page) == EXPECTED
    expect(page.locator(".dsq-DiagnosticsPanel-status")).to_contain_text(f"{len(EXPECTED)} findings")
    assert flagged_cells(notebook) == [1, 2, 3]
    expect(notebook.locator(".jp-Cell").nth(2)).to_have_attribute("data-dsq-codes", "DSQ201 DSQ106")

    shot = tmp_path / "lint-panel.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("DSQUALITY_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    request.node.user_properties.append(("screenshot", str(shot)))

    page.locator(".dsq-Diagnostic[data-code=DSQ103]").click()
    expect(notebook.locator(".jp-Cell").nth(1)).to_have_class(re.compile(r"\bjp-mod-active\b"))
    page.locator(".dsq-Diagnostic[data-code=DSQ106]").click()
    expect(notebook.locator(".jp-Cell").nth(2)).to_have_class(re.compile(r"\bjp-mod-active\b"))

    # Fix the one problem of another notebook and save: lint on save clears the panel and the mark.
    notebook = open_notebook(page, "fixme.ipynb")
    page.keyboard.press("Control+Shift+L")  # the shortcut (bound: the palette showed it)
    expect(page.locator(".dsq-Diagnostic")).to_have_count(1)
    assert diagnostics(page) == {("DSQ105", 2)}
    assert flagged_cells(notebook) == [2]
    notebook.locator(".jp-CodeCell").first.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("path = 'data.csv'")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    expect(page.locator(".dsq-DiagnosticsPanel-status.dsq-mod-clean")).to_be_visible()
    expect(page.locator(".dsq-Diagnostic")).to_have_count(0)
    assert flagged_cells(notebook) == []
    saved = nbformat.read(lab.root / "fixme.ipynb", as_version=4)
    assert saved.cells[1].source == "path = 'data.csv'"
