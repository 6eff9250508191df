"""Rules of the version-control hygiene family (DSQ4xx): what a notebook should not carry into git.

DSQ401 and DSQ403 are fixed by the same code as ``dsq clean`` (:mod:`dsquality.clean`), so
``dsq lint --fix`` and ``dsq clean`` agree on what "clean" means. Both read the ``[tool.dsquality.clean]``
settings ``keep-output-tag`` and ``keep-metadata`` from ``LintContext.options`` when the engine
puts them there (defaults otherwise).

The whole-notebook rules (DSQ401, DSQ403) report one finding per notebook, at the first cell
concerned, naming how many cells are affected: one finding per cell would bury a 100-cell
executed notebook's other findings. A cell tagged ``dsq-noqa:DSQ401`` (or ``dsq-noqa``) is left out
of the report; ``dsq clean`` still cleans it (tag it ``keep-output`` to keep its output).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, KeysView, Mapping, Sequence
from typing import Any, ClassVar

from dsquality.analysis.facts import CellFacts
from dsquality.analysis.model import CodeCell, NotebookModel
from dsquality.clean import (
    CleanOptions,
    find_executed_cells,
    find_volatile_metadata,
    strip_outputs,
    strip_volatile_metadata,
)
from dsquality.errors import NotebookFormatError
from dsquality.lint.diagnostic import Severity
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex
from dsquality.lint.suppression import Suppressions
from dsquality.notebook import Cell

__all__ = [
    "RULES",
    "InvalidNotebook",
    "LargeOutput",
    "OutputsSaved",
    "SecretInNotebook",
    "VolatileMetadata",
    "find_schema_problems",
    "invalid_notebook_finding",
    "output_size",
]

_SHOWN_CELLS = 6


def _cell_list(cells: Sequence[int]) -> str:
    """``cell 4`` / ``cells 2, 3, 5`` / ``cells 2, 3, 5, 8, 9, 11 and 6 more``."""
    if len(cells) == 1:
        return f"cell {cells[0]}"
    shown = ", ".join(str(cell) for cell in cells[:_SHOWN_CELLS])
    more = len(cells) - _SHOWN_CELLS
    return f"cells {shown} and {more} more" if more > 0 else f"cells {shown}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _not_suppressed(model: NotebookModel, rule: Rule, cells: Sequence[int]) -> list[int]:
    """``cells`` minus those whose ``dsq-noqa`` tags silence ``rule`` (the engine's own semantics)."""
    notebook = model.notebook
    if not any(_noqa_tagged(notebook.cells[cell - 1]) for cell in cells):
        return list(cells)
    suppressions = Suppressions(notebook)
    return [cell for cell in cells if not suppressions.silences(rule.code, cell)]


def _noqa_tagged(cell: Cell) -> bool:
    tags = cell.metadata.get("tags")
    return isinstance(tags, list) and any(isinstance(tag, str) and tag.lower().startswith("dsq-noqa") for tag in tags)


def _remedy(model: NotebookModel) -> str:
    if model.notebook.original_nbformat != 4:  # noqa: PLR2004 - neither writes an nbformat-3 file
        return "`dsq clean` or `dsq lint --fix` once the notebook is converted to nbformat 4"
    return "`dsq clean` or `dsq lint --fix`"


def _clean_options(context: LintContext) -> CleanOptions:
    return CleanOptions.from_settings(context.options)


# --- DSQ401 --------------------------------------------------------------------------------------


class OutputsSaved(Rule):
    """Code cells carry saved outputs or execution counts.

    ## What it does
    Reports a notebook whose code cells were saved with their outputs or execution counts, once
    per notebook, at the first such cell, with the number of cells concerned. Cells tagged
    `keep-output` (the tag is set by `[tool.dsquality.clean] keep-output-tag`) may keep their
    outputs, but not their execution counts.

    On by default. Teams that commit executed notebooks on purpose (reports, documentation)
    turn it off with `ignore = ["DSQ401"]`, or for some files with `per-file-ignores`.

    ## Why is this bad?
    Outputs and execution counts change every time the notebook runs, even when no code changed:
    diffs fill with base64 images and renumbered prompts, merges conflict, the repository grows
    with every run, and outputs can leak data (rows of a customer table, paths, tokens). The
    outputs in the file are also not evidence that the code produces them.

    ## Example
    ```python
    # cell 3, saved with "execution_count": 7 and its output:
    df.describe()
    # Out[7]:
    #        price   rooms
    # count  20640   20640 ...
    ```

    ## How to fix
    Run `dsq clean` (or `dsq lint --fix`) before committing, or install it as a pre-commit hook;
    the cell keeps its code:
    ```python
    # cell 3, saved with "execution_count": null and "outputs": []
    df.describe()
    ```
    Tag a cell `keep-output` to keep an output on purpose (a figure for the README).
    """

    code = "DSQ401"
    name = "outputs-saved"
    summary = "Code cells carry saved outputs or execution counts."
    severity = Severity.WARNING
    fixable = True

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Yield one finding when code cells hold outputs or execution counts."""
        options = _clean_options(context)
        executed = find_executed_cells(model.notebook.data, options)
        if not executed:
            return
        reported = set(_not_suppressed(model, self, [found.cell for found in executed]))
        executed = [found for found in executed if found.cell in reported]
        if not executed:
            return
        with_outputs = [found.cell for found in executed if found.outputs]
        counts_only = [found.cell for found in executed if not found.outputs]
        parts = []
        if with_outputs:
            parts.append(f"saved outputs in {_plural(len(with_outputs), 'code cell')} ({_cell_list(with_outputs)})")
        if counts_only:
            cells = f"{len(counts_only)} more" if with_outputs else _plural(len(counts_only), "code cell")
            parts.append(f"execution counts in {cells} ({_cell_list(counts_only)})")
        message = (
            f"{' and '.join(parts)}: they change on every run and bury code changes in diffs; remove them "
            f"with {_remedy(model)} (tag a cell `{options.keep_output_tag}` to keep its output)"
        )
        yield Finding(message, cell=executed[0].cell)

    def fix(self, data: dict[str, Any], findings: list[Finding], context: LintContext) -> None:  # noqa: ARG002
        """Clear outputs and execution counts; cells with the keep tag keep their outputs."""
        strip_outputs(data, dataclasses.replace(_clean_options(context), strip_metadata=False))


# --- DSQ402 --------------------------------------------------------------------------------------

_KIB = 1024
_MIB = 1024 * 1024


def _size_text(size: int) -> str:
    if size >= _MIB:
        return f"{size / _MIB:.1f} MiB"
    if size >= _KIB:
        return f"{size / _KIB:.0f} KiB"
    return f"{size} bytes"


def _text_length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        # A text is a list of lines: one join (in C) sizes it faster than a loop over the lines does.
        try:
            return len("".join(value))
        except TypeError:  # a part that is not a string: only the strings count
            return sum(len(part) for part in value if isinstance(part, str))
    return 0


def output_size(output: Mapping[str, Any]) -> tuple[int, str]:
    """The size of one output in characters of its JSON strings (≈ bytes), and its largest part.

    The part is the largest MIME type of a rich output (``image/png``), ``stream`` or ``traceback``.
    """
    kind = output.get("output_type")
    if kind == "stream":
        return _text_length(output.get("text")), "stream"
    if kind == "error":
        return _text_length(output.get("traceback")), "traceback"
    data = output.get("data")
    if not isinstance(data, dict):
        return 0, str(kind)
    total, largest, largest_size = 0, str(kind), -1
    for mime, value in data.items():
        size = _text_length(value) if isinstance(value, str | list) else len(json.dumps(value, default=str))
        total += size
        if size > largest_size:
            largest, largest_size = str(mime), size
    return total, largest


def _shrink_advice(part: str) -> str:
    if part.startswith("image/"):
        return "save the figure to a file, or lower its resolution or point count"
    if part == "text/html":
        return "display a sample (`df.head()`) instead of the whole table"
    if part in {"stream", "traceback", "text/plain"}:
        return "print a summary instead, or write the text to a file"
    return "display less, or save it to a file"


class LargeOutput(Rule):
    """An output is larger than `max-output-bytes`.

    ## What it does
    Reports a code cell with an output larger than `max-output-bytes` (default 256 KiB), with its
    size and type. The size is that of the output's data as stored in the file (images count in
    base64). A typical matplotlib figure is 20 to 80 KiB; larger outputs are high-resolution
    images, dense scatter plots, whole dataframes rendered as HTML, or long logs.

    ## Why is this bad?
    A few outputs like this make a notebook megabytes large: slow to open, diff and review,
    rendered badly or not at all by GitHub, and they stay in the repository's history forever,
    even after the output is cleared. Even teams that keep outputs want to keep them small.

    ## Example
    ```python
    # a 1.3 MiB HTML table saved in the notebook
    df  # 50,000 rows displayed
    ```

    ## How to fix
    Display a sample or a summary, and save big figures to files (or lower their resolution):
    ```python
    df.head()
    fig.savefig("figures/scatter.png", dpi=100)
    ```
    Or clear the output with `dsq clean`.
    """

    code = "DSQ402"
    name = "large-output"
    summary = "An output is larger than `max-output-bytes`."
    severity = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {"max-output-bytes": 256 * _KIB}

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Yield one finding per cell with an output over the limit."""
        limit = int(context.options.get("max-output-bytes", self.options["max-output-bytes"]))
        for code_cell in model.code_cells:
            outputs = code_cell.cell.outputs
            if not outputs:  # most cells: no list nor enumeration
                continue
            large = []
            for number, output in enumerate(outputs, start=1):
                size, part = output_size(output)
                if size > limit:
                    large.append((size, number, part))
            if not large:
                continue
            size, number, part = max(large)
            what = f"output {number} is {_size_text(size)} ({part})"
            if len(large) > 1:
                what = f"{len(large)} outputs are over the limit; the largest, {what}"
            yield Finding(
                f"{what}, over the {_size_text(limit)} limit (`max-output-bytes`): it bloats the file and its "
                f"history; {_shrink_advice(part)}, or clear the output (`dsq clean`)",
                cell=code_cell.index,
            )


# --- DSQ403 --------------------------------------------------------------------------------------


class VolatileMetadata(Rule):
    """The notebook stores execution timings, UI state or widget state in its metadata.

    ## What it does
    Reports metadata that records runs and clicks rather than content, once per notebook (at the
    first cell concerned), naming each key and how many cells have it. The keys, as named in
    `keep-metadata`:

    - cell metadata: `execution` (JupyterLab timings), `ExecuteTime` (ExecuteTime extension),
      `collapsed` and `scrolled` (classic Notebook output state), `jupyter.outputs_hidden`
      (JupyterLab output state), `heading_collapsed` and `hidden` (collapsible headings),
      `executionInfo` and `outputId` (Google Colab), `papermill` (papermill run records);
    - notebook metadata: `widgets` (ipywidgets state), `signature` (old trust signature),
      `papermill` (papermill run records).

    Author choices such as `tags`, `slideshow`, `jupyter.source_hidden`, `editable` or
    `deletable`, and any metadata not listed, are not reported. Keep a listed key with
    `[tool.dsquality.clean] keep-metadata = ["ExecuteTime"]` (bare, or qualified like
    `cell.metadata.ExecuteTime`).

    ## Why is this bad?
    These values change whenever someone runs the notebook or folds an output, so every commit
    carries unrelated metadata changes that hide the real ones and cause merge conflicts. Widget
    state can be megabytes, and Colab's `executionInfo` stores who ran each cell.

    ## Example
    ```python
    # cell metadata saved by the ExecuteTime extension and the classic Notebook:
    # {"ExecuteTime": {"start_time": "2024-05-02T09:14:11.217Z", "end_time": "..."},
    #  "collapsed": false, "scrolled": true}
    model.fit(X_train, y_train)
    ```

    ## How to fix
    Run `dsq clean` (or `dsq lint --fix`), which removes exactly these keys and keeps the rest:
    ```python
    # cell metadata: {}
    model.fit(X_train, y_train)
    ```
    """

    code = "DSQ403"
    name = "volatile-metadata"
    summary = "The notebook stores execution timings, UI state or widget state in its metadata."
    severity = Severity.INFO
    fixable = True

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:
        """Yield one finding listing the volatile metadata keys and their cell counts."""
        found = find_volatile_metadata(model.notebook.data, _clean_options(context))
        if not found:
            return
        in_cells = [entry.cell for entry in found if entry.cell is not None]
        reported = set(_not_suppressed(model, self, in_cells))
        found = [entry for entry in found if entry.cell is None or entry.cell in reported]
        if not found:
            return
        counts = Counter(key for entry in found if entry.cell is not None for key in entry.keys)
        parts = [f"`{key}`" for entry in found if entry.cell is None for key in entry.keys]
        parts += [f"`{key}` in {_plural(count, 'cell')}" for key, count in counts.most_common()]
        cells = [entry.cell for entry in found if entry.cell is not None]
        where = f" ({_cell_list(cells)})" if cells else ""
        yield Finding(
            f"volatile metadata {', '.join(parts)}{where}: it records runs and clicks, not content, and changes "
            f"in every diff; remove it with {_remedy(model)}",
            cell=cells[0] if cells else None,
        )

    def fix(self, data: dict[str, Any], findings: list[Finding], context: LintContext) -> None:  # noqa: ARG002
        """Remove volatile metadata, except the keys ``keep-metadata`` keeps."""
        strip_volatile_metadata(data, dataclasses.replace(_clean_options(context), strip_outputs=False))


# --- DSQ404 --------------------------------------------------------------------------------------

# (group, what it is, regex, characters of the match that may be shown: the public prefix)
_SECRET_PATTERNS: tuple[tuple[str, str, str, int], ...] = (
    ("aws_key", "an AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])", 4),
    (
        "aws_secret",
        "an AWS secret access key",
        r"(?i:aws_?secret_?access_?key)[\"']?\s*[:=]\s*[\"']?(?P<aws_secret_value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        0,
    ),
    ("private_key", "a private key", r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----", 0),
    ("github", "a GitHub token", r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])", 4),
    ("github_pat", "a GitHub token", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,}", 11),
    ("slack", "a Slack token", r"(?<![A-Za-z0-9])xox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{10,}", 5),
    (
        "slack_webhook",
        "a Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
        33,
    ),
    ("google", "a Google API key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", 4),
    (
        "openai",
        "an OpenAI API key",
        r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
        3,
    ),
    ("anthropic", "an Anthropic API key", r"(?<![A-Za-z0-9_-])sk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{80,}", 7),
    ("stripe", "a Stripe live key", r"(?<![A-Za-z0-9_])[rs]k_live_[0-9A-Za-z]{20,}", 8),
    ("huggingface", "a Hugging Face token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34}(?![A-Za-z0-9_])", 3),
)
_SECRETS = lazy_regex("|".join(f"(?P<{group}>{regex})" for group, _, regex, _ in _SECRET_PATTERNS))
_SECRET_INFO = {group: (label, shown) for group, label, _, shown in _SECRET_PATTERNS}
# Every match contains one of these (a string or a regex match): one cheap scan of the notebook's
# text before the full regex, which is ten times slower. Each needle costs a pass over the text,
# so related prefixes share a small regex that ``re`` can search by its literal first character.
_SECRET_NEEDLES = (
    "PRIVATE KEY",
    "xox",
    "hooks.slack.com",
    "T3BlbkFJ",
    "sk-ant-",
    "k_live_",
    "hf_",
)
_SECRET_NEEDLE_PATTERNS = (re.compile(r"A(?:KIA|SIA|Iza)"), re.compile(r"g(?:h[pousr]|ithub_pat)_"))
_PEM_BODY = lazy_regex(r"[A-Za-z0-9+/]{40}")
_PLACEHOLDER_WORDS = (
    "example",
    "xxxx",
    "****",
    "....",
    "your",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "dummy",
    "fake",
    "sample",
    "insert",
    "replace",
    "redacted",
    "enter",
    "todo",
    "fixme",
    "test",
)
# Templates and markup: "<your key>", "{token}", "${API_KEY}", "%(password)s", "$(cat key)".
_TEMPLATE = lazy_regex(r"[<>{}]|\$[({A-Za-z_]|%\(")
# Names whose string value is a credential: passwords, then keys and tokens.
_SECRET_NAME = lazy_regex(
    r"(?:^|_)(?:(?P<password>pass(?:word|wd|phrase)?)|"
    r"(?P<key>secret|(?:api|access|secret|private|auth|client|app|account)_?key|apikey|"
    r"(?:access|auth|api|bearer|refresh|bot|github|slack|hf|personal_access)?_?token|client_?secret|credentials?))$",
    re.IGNORECASE,
)
# Lower-case endings of the names _SECRET_NAME accepts: a fast test before the regex.
_SECRET_NAME_ENDINGS = (
    "pass",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "key",
    "token",
    "credential",
    "credentials",
)
_SECRET_NAME_SUFFIXES = frozenset(ending[-3:] for ending in _SECRET_NAME_ENDINGS)
_ENV_VAR_NAME = lazy_regex(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # "OPENAI_API_KEY": a name, not a value
_PATH_OR_URL = lazy_regex(r"://|^[~./\\]|\.[A-Za-z]{2,5}$")
_MIN_KEY_LENGTH = 16
_MIN_PASSWORD_LENGTH = 6
_MIN_DISTINCT = 6


def _looks_placeholder(value: str) -> bool:
    lowered = value.lower()
    return (
        len(set(value)) < _MIN_DISTINCT
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
        or _TEMPLATE().search(value) is not None
    )


def _credential_value(name: str, value: str) -> bool:
    """Whether ``value``, assigned to a secret-like ``name``, looks like a real credential."""
    match = _SECRET_NAME().search(name)
    if match is None or not value or any(char.isspace() for char in value):
        return False
    lowered = value.lower()
    if lowered in {name.lower(), "none", "null", "false", "true", "password", "secret", "token"}:
        return False
    if _looks_placeholder(value) or _ENV_VAR_NAME().fullmatch(value):
        return False
    if match.group("password"):
        return len(value) >= _MIN_PASSWORD_LENGTH and "password" not in lowered
    return (
        len(value) >= _MIN_KEY_LENGTH
        and any(char.isdigit() for char in value)
        and any(char.isalpha() for char in value)
        and not _PATH_OR_URL().search(value)
    )


def _has_marker(text: str) -> bool:
    if any(needle in text for needle in _SECRET_NEEDLES) or any(
        pattern.search(text) for pattern in _SECRET_NEEDLE_PATTERNS
    ):
        return True
    # The AWS secret's name is matched in any case ("Aws_Secret_Access_Key"): a lowered copy is
    # searched faster than with a case-insensitive regex.
    lowered = text.lower()
    return "secret_access" in lowered or "secretaccess" in lowered


def _secret_matches(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, what it is, masked form) of each credential in ``text``."""
    if not _has_marker(text):
        return
    for match in _SECRETS().finditer(text):
        group = match.lastgroup or ""
        label, shown = _SECRET_INFO.get(group, ("a credential", 0))
        value = match.group()
        if group == "private_key":
            body = _PEM_BODY().search(text, match.end(), match.end() + 400)
            if body is None or _looks_placeholder(body.group()):
                continue
            masked = value
        elif group == "aws_secret":
            secret = match.group("aws_secret_value")
            if _looks_placeholder(secret):
                continue
            masked = "…"
        else:
            if _looks_placeholder(value[shown:]):
                continue
            masked = value[:shown] + "…"
        yield match.start(), label, masked


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _output_parts(cell: Cell) -> list[str]:
    """The plain-text parts of a cell's outputs (stream text, ``text/plain``, error value and traceback).

    A part is a whole text or one line of it, as stored; tokens never span lines.
    """
    parts: list[str] = []
    for output in cell.outputs:
        kind = output.get("output_type")
        if kind == "stream":
            value: object = output.get("text")
        elif kind == "error":
            value = [output.get("evalue"), *(output.get("traceback") or ())]
        else:
            data = output.get("data")
            value = data.get("text/plain") if isinstance(data, dict) else None
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(part for part in value if isinstance(part, str))
    return parts


@functools.lru_cache(maxsize=4096)
def _may_name_credential(keyword: str) -> bool:
    """Whether a call's keyword may name a credential: it ends like one of :data:`_SECRET_NAME_ENDINGS`.

    A quick test before :data:`_SECRET_NAME`, cached: the same keywords (``figsize=``, ``axis=``)
    come back in every notebook.
    """
    return keyword[-3:].lower() in _SECRET_NAME_SUFFIXES


def _secret_candidates(facts: CellFacts) -> list[tuple[str, str, int, int]]:
    """``(name, value, line, column)`` of string literals assigned to, or passed as, a credential-like name."""
    candidates: list[tuple[str, str, int, int]] = []
    endings = _SECRET_NAME_ENDINGS
    for fact in facts.strings:
        name = fact.assigned_to
        if name is not None and name.lower().endswith(endings):
            candidates.append((name.rpartition(".")[2], fact.value, fact.line, fact.column))
    for call in facts.calls:
        if call.keywords and any(map(_may_name_credential, call.keywords)):
            for keyword in call.node.keywords:
                node = keyword.value
                if keyword.arg and isinstance(node, ast.Constant) and isinstance(node.value, str):
                    candidates.append((keyword.arg, node.value, node.lineno, node.col_offset + 1))
    return candidates


_ADVICE = (
    "anyone with the notebook or its git history can use it: revoke it, then read it from the environment "
    "(`os.environ[...]`) or a secrets manager"
)


class SecretInNotebook(Rule):
    """A credential is written in the notebook's code or outputs.

    ## What it does
    Finds credentials in code and raw cells and in text outputs (printed text, `text/plain`
    results, tracebacks; markdown cells, HTML and images are not scanned):

    - tokens with a recognisable format: AWS access key ids (`AKIA…`), AWS secret keys next to
      their name, private key blocks (`-----BEGIN … PRIVATE KEY-----` followed by key data),
      GitHub (`ghp_…`, `github_pat_…`), Slack (`xoxb-…`, webhook URLs), Google API keys
      (`AIza…`), OpenAI, Anthropic, Stripe live and Hugging Face keys;
    - a string literal assigned to a credential name (`password = "…"`, `api_key = "…"`,
      `db_token = "…"`, or the keyword `password="…"` in a call) that looks like a real value.

    Placeholders (`""`, `"changeme"`, `"<your key>"`, `"xxxx"`, `"****"`, `"YOUR_API_KEY"`, AWS's
    documented `…EXAMPLE` keys), environment lookups and short or word-like values are not
    reported. The message masks the credential: it never shows more than its public prefix.

    ## Why is this bad?
    Notebooks get shared, pushed and rendered on GitHub; a credential in one is public, and
    removing it in a later commit does not remove it from the history. Printed outputs leak
    credentials just as well as code does.

    ## Example
    ```python
    import boto3

    s3 = boto3.client("s3", aws_access_key_id="AKIA…", aws_secret_access_key="…")
    db_password = "s3cr3t-Pa55"
    ```

    ## How to fix
    Revoke the credential (it has leaked), then read it from the environment or a secrets
    manager, and clear outputs that printed it:
    ```python
    import os

    import boto3

    s3 = boto3.client("s3")  # credentials from the environment or ~/.aws
    db_password = os.environ["DB_PASSWORD"]
    ```
    """

    code = "DSQ404"
    name = "secret-in-notebook"
    summary = "A credential is written in the notebook's code or outputs."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Yield a finding per credential in a source, and per cell whose outputs hold one."""
        cells = model.notebook.cells
        # One scan of the notebook's code and output text for the patterns' markers; most have none.
        parts = [cell.source for cell in cells if cell.cell_type != "markdown"]
        for cell in cells:
            if cell.outputs:
                parts.extend(_output_parts(cell))
        patterns = _has_marker("\x00".join(parts))
        reported: dict[int, set[int]] = {}  # cell -> lines with a finding
        if patterns:
            for cell in cells:
                if cell.cell_type == "markdown":
                    continue
                for offset, label, masked in _secret_matches(cell.source):
                    line, column = _line_column(cell.source, offset)
                    reported.setdefault(cell.index, set()).add(line)
                    yield Finding(f"{label} (`{masked}`) in the source: {_ADVICE}", cell.index, line, column)
        for code_cell in model.code_cells:
            candidates = _secret_candidates(code_cell.facts)
            if candidates:  # rare: no generator nor set per cell otherwise
                yield from self._assignments(code_cell, candidates, reported.get(code_cell.index, set()))
        if patterns:
            for cell in cells:
                if cell.outputs:
                    yield from self._outputs(cell.index, "\n".join(_output_parts(cell)))

    @staticmethod
    def _assignments(
        code_cell: CodeCell, candidates: list[tuple[str, str, int, int]], reported: set[int]
    ) -> Iterator[Finding]:
        shift = code_cell.parsed.python.column_shift
        for name, value, line, column in candidates:
            if line not in reported and _credential_value(name, value):
                reported.add(line)
                kind = "a password" if "pass" in name.lower() else "a credential"
                yield Finding(
                    f"{kind} is written as a string literal for `{name}`: {_ADVICE}",
                    code_cell.index,
                    line,
                    column + shift.get(line, 0),
                )

    @staticmethod
    def _outputs(index: int, text: str) -> Iterator[Finding]:
        seen: set[tuple[str, str]] = set()
        for _, label, masked in _secret_matches(text):
            if (label, masked) not in seen:
                seen.add((label, masked))
                yield Finding(f"{label} (`{masked}`) in the outputs: clear them (`dsq clean`) and {_ADVICE}", index)


# --- DSQ405 --------------------------------------------------------------------------------------

_TOP_LEVEL_KEYS = frozenset({"cells", "metadata", "nbformat", "nbformat_minor"})
# Keys of each cell type before nbformat 4.5: (required, allowed). 4.5 adds a required "id".
_CELL_KEYS = {
    "code": (
        frozenset({"cell_type", "metadata", "source", "outputs", "execution_count"}),
        frozenset({"cell_type", "metadata", "source", "outputs", "execution_count"}),
    ),
    "markdown": (
        frozenset({"cell_type", "metadata", "source"}),
        frozenset({"cell_type", "metadata", "source", "attachments"}),
    ),
    "raw": (
        frozenset({"cell_type", "metadata", "source"}),
        frozenset({"cell_type", "metadata", "source", "attachments"}),
    ),
}
_CELL_KEYS_WITH_ID = {
    cell_type: (required | {"id"}, allowed | {"id"}) for cell_type, (required, allowed) in _CELL_KEYS.items()
}
# Each output type's keys: all required, no others allowed (nbformat 4.0 to 4.5 alike).
_OUTPUT_KEYS = {
    "stream": frozenset({"output_type", "name", "text"}),
    "display_data": frozenset({"output_type", "data", "metadata"}),
    "execute_result": frozenset({"output_type", "data", "metadata", "execution_count"}),
    "error": frozenset({"output_type", "ename", "evalue", "traceback"}),
}
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_IDS_MINOR = 5  # nbformat 4.5 introduced cell ids


def _count_ok(value: object) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _backticked(keys: Iterable[object]) -> str:
    return ", ".join(f"`{key}`" for key in sorted(map(str, keys)))


class _SchemaCheck:
    """Hand-written checks of an nbformat 4 document against what nbformat's schema requires.

    ``found`` maps each problem (a description) to the cells where it occurs (``None``: the
    notebook). Each cell costs a few set comparisons on its keys when it is valid.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.found: dict[str, list[int | None]] = {}
        minor = data.get("nbformat_minor")
        minor = minor if type(minor) is int else 0
        # Newer minor versions may add keys: nbformat relaxes "additionalProperties" for them.
        self.strict = minor <= _IDS_MINOR
        self.ids = minor >= _IDS_MINOR
        self._notebook(data)
        seen: dict[str, int] = {}
        cells = data.get("cells")
        for index, cell in enumerate(cells if isinstance(cells, list) else (), start=1):
            if not isinstance(cell, dict):
                continue
            self._cell(index, cell)
            if self.ids:
                self._cell_id(index, cell.get("id"), seen)

    def add(self, problem: str, cell: int | None = None) -> None:
        self.found.setdefault(problem, []).append(cell)

    def _notebook(self, data: Mapping[str, Any]) -> None:
        metadata = data.get("metadata")
        if not isinstance(metadata, dict):
            self.add("the notebook has no `metadata` object")
            metadata = {}
        if not _count_ok(data.get("nbformat_minor")) or data.get("nbformat_minor") is None:
            self.add("`nbformat_minor` is missing or not a non-negative integer")
        if self.strict and not data.keys() <= _TOP_LEVEL_KEYS:
            self.add(f"unexpected top-level key {_backticked(data.keys() - _TOP_LEVEL_KEYS)}")
        kernelspec = metadata.get("kernelspec")
        if kernelspec is not None and not (
            isinstance(kernelspec, dict)
            and isinstance(kernelspec.get("name"), str)
            and isinstance(kernelspec.get("display_name"), str)
        ):
            self.add("`metadata.kernelspec` needs the strings `name` and `display_name`")
        language_info = metadata.get("language_info")
        if language_info is not None and not (
            isinstance(language_info, dict) and isinstance(language_info.get("name"), str)
        ):
            self.add("`metadata.language_info` needs the string `name`")

    def _cell(self, index: int, cell: dict[str, Any]) -> None:
        cell_type = cell.get("cell_type", "")
        required, allowed = (_CELL_KEYS_WITH_ID if self.ids else _CELL_KEYS).get(cell_type, _CELL_KEYS["code"])
        keys = cell.keys()
        if not (keys >= required and keys <= allowed):
            self._cell_keys(index, cell_type, keys, required, allowed)
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict):
            self.add("a cell has no `metadata` object", index)
        elif "tags" in metadata:
            tags = metadata["tags"]
            if not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
                self.add("`metadata.tags` is not a list of strings", index)
        if cell_type != "code":
            return
        outputs = cell.get("outputs")
        if "outputs" in cell and not isinstance(outputs, list):
            self.add("the `outputs` of a code cell is not a list", index)
        if not _count_ok(cell.get("execution_count")):
            self.add("`execution_count` is not a non-negative integer or null", index)
        if outputs and isinstance(outputs, list):
            for output in outputs:
                self._output(index, output)

    def _cell_keys(
        self, index: int, cell_type: str, keys: KeysView[str], required: frozenset[str], allowed: frozenset[str]
    ) -> None:
        for key in sorted(required - keys):
            if key == "id":
                self.add("cells have no `id` (required since nbformat 4.5)", index)
            elif key == "execution_count":
                self.add("a code cell has no `execution_count` (null when not run)", index)
            else:
                self.add(f"a cell has no `{key}`", index)
        if not self.strict:
            return
        unknown = keys - allowed
        if "id" in unknown:
            self.add("cells have an `id`, which needs `nbformat_minor` 5 (set it to 5)", index)
            unknown -= {"id"}
        if unknown:
            self.add(f"unexpected key {_backticked(unknown)} in a {cell_type} cell", index)

    def _cell_id(self, index: int, cell_id: object, seen: dict[str, int]) -> None:
        if cell_id is None:
            return  # reported with the missing keys
        if not isinstance(cell_id, str) or not _CELL_ID.fullmatch(cell_id):
            self.add("a cell `id` is not 1-64 letters, digits, `-` or `_`", index)
        elif cell_id in seen:
            self.add(f"cell id `{cell_id}` is also the id of cell {seen[cell_id]}", index)
        else:
            seen[cell_id] = index

    def _output(self, index: int, output: object) -> None:
        if not isinstance(output, dict):
            self.add("an output is not a JSON object", index)
            return
        kind = output.get("output_type")
        expected = _OUTPUT_KEYS.get(kind) if isinstance(kind, str) else None
        if expected is None:
            self.add("an output has no known `output_type`", index)
            return
        keys = output.keys()
        if keys != expected:
            if not keys >= expected:
                self.add(f"a {kind} output lacks {_backticked(expected - keys)}", index)
            if self.strict and not keys <= expected:
                self.add(f"a {kind} output has unexpected keys {_backticked(keys - expected)}", index)
        if kind in {"display_data", "execute_result"} and not isinstance(output.get("data", {}), dict):
            self.add(f"the `data` of a {kind} output is not an object", index)
        if kind == "execute_result" and not _count_ok(output.get("execution_count")):
            self.add("an execute_result's `execution_count` is not a non-negative integer or null", index)


def find_schema_problems(data: Mapping[str, Any]) -> dict[str, list[int | None]]:
    """Structural problems of an nbformat 4 document that nbformat's validator rejects.

    Hand-written checks (no jsonschema: validating every notebook that way costs seconds): required
    keys and their types, unexpected keys (for ``nbformat_minor`` <= 5; newer minors may add keys),
    cell ids (present, well-formed and unique from 4.5 on, absent before), outputs of the four
    known types with exactly their keys. Returns problem -> cells (``None``: the notebook).
    """
    return _SchemaCheck(data).found


class InvalidNotebook(Rule):
    """The file is not a valid notebook.

    ## What it does
    Reports a file that is not a notebook at all (not UTF-8, not JSON, not nbformat 3 or 4): the
    finding carries the reason, no other rule can check the file, and the other notebooks are
    still linted. For a notebook that can be read, it reports what nbformat's schema rejects:
    missing required keys (`metadata`, `outputs`, `execution_count`, `source`), values of the
    wrong type, unexpected keys, outputs missing their required fields, and cell ids that are
    missing, malformed or duplicated in nbformat 4.5 (or present before 4.5). These are fast
    hand-written checks, not a full schema validation. nbformat 3 notebooks are linted through
    their in-memory upgrade and not checked here.

    ## Why is this bad?
    Jupyter, nbconvert, papermill and GitHub may refuse such a file, or silently "repair" it on
    the next save (new random cell ids, dropped keys), producing spurious diffs. Duplicate cell
    ids break links to cells and real-time collaboration. Broken JSON usually comes from a bad
    merge.

    ## Example
    ```python
    # cell 4 of a notebook with "nbformat_minor": 5 has no "id",
    # and cell 7 (a code cell) lost its "outputs" key in a merge:
    df = load_data()
    ```

    ## How to fix
    Repair the JSON (for a merge, resolve the conflict markers), restore the file from version
    control, or open and save it in Jupyter and review the diff:
    ```python
    # every cell has a unique "id"; code cells have "outputs": [] and "execution_count": null
    df = load_data()
    ```
    """

    code = "DSQ405"
    name = "invalid-notebook"
    summary = "The file is not a valid notebook."
    severity = Severity.ERROR

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Yield one finding per kind of schema problem in a readable nbformat 4 notebook."""
        if model.notebook.original_nbformat != 4:  # noqa: PLR2004 - data is an in-memory upgrade
            return
        for problem, where in find_schema_problems(model.notebook.data).items():
            cells = [cell for cell in where if cell is not None]
            located = f" ({_cell_list(sorted(set(cells)))})" if cells else ""
            yield Finding(
                f"invalid notebook: {problem}{located}; nbformat's validation rejects it: repair the file or "
                "restore it from version control",
                cell=cells[0] if cells else None,
            )


def invalid_notebook_finding(error: NotebookFormatError) -> Finding:
    """The DSQ405 finding for a file that could not be read as a notebook at all."""
    return Finding(
        f"not a valid notebook: {error.reason}; no other rule could check it: repair the file or restore it "
        "from version control",
        cell=error.cell,
        line=error.line,
    )


RULES: tuple[type[Rule], ...] = (OutputsSaved, LargeOutput, VolatileMetadata, SecretInNotebook, InvalidNotebook)
