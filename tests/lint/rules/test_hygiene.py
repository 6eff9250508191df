"""Tests of the version-control hygiene rules DSQ401-DSQ405."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from dsquality.analysis.model import build_model
from dsquality.errors import NotebookFormatError
from dsquality.lint.registry import RULES as REGISTRY
from dsquality.lint.registry import default_options
from dsquality.lint.rule import Finding, LintContext
from dsquality.lint.rules.hygiene import RULES, find_schema_problems, invalid_notebook_finding, output_size
from dsquality.notebook import parse_notebook, read_notebook
from tests.lint.rules.builders import code, error, make_context, md, notebook, positions, raw, run_rule, stream

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "notebooks"


def result(text: str, count: int | None = 1) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": count, "data": {"text/plain": text}, "metadata": {}}


def image(size: int) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"image/png": "A" * size, "text/plain": "<Figure>"}, "metadata": {}}


def fixed(code_: str, document: dict[str, Any], **context: Any) -> dict[str, Any]:
    """``document`` after the rule's fix for its own findings."""
    findings = run_rule(code_, document, **context)
    data = copy.deepcopy(document)
    REGISTRY[code_].fix(data, findings, make_context(**context))
    return data


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_docstrings_parse(rule: Any) -> None:
    doc = rule.doc()
    assert "```python" in doc.example
    assert "```python" in doc.fix
    assert rule.code in REGISTRY


# --- DSQ401 outputs-saved ------------------------------------------------------------------------


def test_outputs_saved_one_finding_at_first_executed_cell() -> None:
    document = notebook(
        md("# Title"),
        code("import pandas as pd", count=1),
        code("df = pd.DataFrame()\ndf", count=2, outputs=[result("Empty DataFrame")]),
        code("print(1)", count=3, outputs=[stream("1\n")]),
        code("x = 1"),
    )
    findings = run_rule("DSQ401", document)
    assert positions(findings) == [(2, None)]
    message = findings[0].message
    assert "saved outputs in 2 code cells (cells 3, 4)" in message
    assert "execution counts in 1 more (cell 2)" in message
    assert "`keep-output`" in message


def test_outputs_saved_counts_only() -> None:
    findings = run_rule("DSQ401", notebook(code("import os", count=1), code("y = 2", count=2)))
    assert positions(findings) == [(1, None)]
    assert findings[0].message.startswith("execution counts in 2 code cells (cells 1, 2)")


def test_outputs_saved_long_notebook_lists_a_few_cells() -> None:
    cells = [code(f"x{i} = {i}\nx{i}", count=i, outputs=[result(str(i), i)]) for i in range(1, 41)]
    findings = run_rule("DSQ401", notebook(*cells))
    assert len(findings) == 1
    assert "40 code cells (cells 1, 2, 3, 4, 5, 6 and 34 more)" in findings[0].message


def test_outputs_saved_clean_notebook_and_kept_outputs_do_not_fire() -> None:
    document = notebook(
        md("# Report"),
        code("import matplotlib.pyplot as plt"),
        code("plt.plot([1, 2])", outputs=[image(100)], tags=["keep-output"]),
        raw("raw text"),
    )
    assert run_rule("DSQ401", document) == []


def test_outputs_saved_kept_cell_still_loses_its_execution_count() -> None:
    document = notebook(code("plt.plot([1, 2])", count=4, outputs=[image(10)], tags=["keep-output"]))
    findings = run_rule("DSQ401", document)
    assert positions(findings) == [(1, None)]
    assert "execution counts in 1 code cell (cell 1)" in findings[0].message
    data = fixed("DSQ401", document)
    assert data["cells"][0]["execution_count"] is None
    assert data["cells"][0]["outputs"] == [image(10)]


def test_outputs_saved_noqa_tagged_cells_are_left_out_of_the_report() -> None:
    document = notebook(
        code("a = 1\na", count=1, outputs=[result("1")], tags=["dsq-noqa:DSQ401"]),
        code("b = 2\nb", count=2, outputs=[result("2", 2)]),
        code("c = 3\nc", count=3, outputs=[result("3", 3)], tags=["dsq-noqa"]),
    )
    findings = run_rule("DSQ401", document)
    assert positions(findings) == [(2, None)]
    assert "1 code cell (cell 2)" in findings[0].message
    only_noqa = notebook(code("a = 1\na", count=1, outputs=[result("1")], tags=["dsq-noqa:DSQ4"]))
    assert run_rule("DSQ401", only_noqa) == []


def test_outputs_saved_fix_clears_outputs_and_counts_but_keeps_everything_else() -> None:
    document = notebook(
        code("x = 1\nx", count=1, outputs=[result("1")], metadata={"custom": {"a": 1}}),
        code("plt.plot()", count=2, outputs=[image(10)], tags=["keep"]),
        code("print(2)", count=3, outputs=[stream("2\n")], metadata={"ExecuteTime": {"end_time": "t"}}),
    )
    data = fixed("DSQ401", document, options={"keep-output-tag": "keep"})
    cells = data["cells"]
    assert [cell["outputs"] for cell in cells] == [[], [image(10)], []]
    assert [cell["execution_count"] for cell in cells] == [None, None, None]
    assert cells[0]["metadata"] == {"custom": {"a": 1}}
    assert cells[2]["metadata"] == {"ExecuteTime": {"end_time": "t"}}  # DSQ403's business
    assert [cell["id"] for cell in cells] == ["c1", "c2", "c3"]
    assert run_rule("DSQ401", data, options={"keep-output-tag": "keep"}) == []


def test_outputs_saved_in_nbformat_3_says_to_convert_first() -> None:
    cell = {"cell_type": "code", "input": "1 + 1", "language": "python", "outputs": [], "prompt_number": 3}
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [cell]}]}
    findings = run_rule("DSQ401", v3)
    assert positions(findings) == [(1, None)]
    assert "once the notebook is converted to nbformat 4" in findings[0].message


# --- DSQ402 large-output -------------------------------------------------------------------------


def test_large_output_reports_cell_size_and_type() -> None:
    document = notebook(
        code("import matplotlib.pyplot as plt"),
        code("plt.scatter(x, y)", count=2, outputs=[image(300 * 1024)]),
    )
    findings = run_rule("DSQ402", document)
    assert positions(findings) == [(2, None)]
    assert findings[0].message.startswith("output 1 is 300 KiB (image/png), over the 256 KiB limit")
    assert "lower its resolution" in findings[0].message


def test_large_output_several_outputs_in_one_cell() -> None:
    big = {"output_type": "display_data", "data": {"text/html": ["<tr>row</tr>\n"] * 40_000}, "metadata": {}}
    document = notebook(code("show(a)\nshow(b)", outputs=[image(270 * 1024), big]))
    findings = run_rule("DSQ402", document)
    assert positions(findings) == [(1, None)]
    assert findings[0].message.startswith("2 outputs are over the limit; the largest, output 2 is 508 KiB (text/html)")
    assert "`df.head()`" in findings[0].message


def test_large_output_threshold_is_an_option() -> None:
    document = notebook(code("print(log)", outputs=[stream("line\n" * 400)]), code("x", outputs=[result("1")]))
    assert run_rule("DSQ402", document) == []
    findings = run_rule("DSQ402", document, options={"max-output-bytes": 1000})
    assert positions(findings) == [(1, None)]
    assert "2000 bytes" not in findings[0].message
    assert "(stream)" in findings[0].message


def test_large_output_typical_figures_and_tables_do_not_fire() -> None:
    table = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/html": "x" * 50_000}}
    document = notebook(code("df.head()", outputs=[table]), code("plt.plot()", outputs=[image(200 * 1024)]))
    assert run_rule("DSQ402", document) == []


def test_output_size_counts_every_part() -> None:
    assert output_size(stream(["ab", "cd"])) == (4, "stream")
    assert output_size(error()) == (len("ValueError: bad"), "traceback")
    widget = {"output_type": "display_data", "data": {"application/json": {"a": 1}}, "metadata": {}}
    assert output_size(widget) == (len('{"a": 1}'), "application/json")


def test_output_size_counts_only_the_strings_of_a_broken_text() -> None:
    broken = {"output_type": "stream", "name": "stdout", "text": ["ab", 3, None, "cde"]}
    assert output_size(broken) == (5, "stream")


# --- DSQ403 volatile-metadata --------------------------------------------------------------------


def volatile_document() -> dict[str, Any]:
    return notebook(
        md("# Title", tags=["intro"]),
        code("import numpy as np", metadata={"collapsed": False, "ExecuteTime": {"start_time": "2024-01-01"}}),
        code("np.ones(3)", metadata={"collapsed": True, "jupyter": {"outputs_hidden": True, "source_hidden": True}}),
        code("x = 1", metadata={"tags": ["parameters"], "slideshow": {"slide_type": "slide"}, "custom": 1}),
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        },
    )


def test_volatile_metadata_one_finding_naming_keys_and_cells() -> None:
    findings = run_rule("DSQ403", volatile_document())
    assert positions(findings) == [(2, None)]
    message = findings[0].message
    assert message.startswith(
        "volatile metadata `metadata.widgets`, `cell.metadata.collapsed` in 2 cells, "
        "`cell.metadata.ExecuteTime` in 1 cell, `cell.metadata.jupyter.outputs_hidden` in 1 cell (cells 2, 3)"
    )


def test_volatile_metadata_author_choices_and_unknown_keys_do_not_fire() -> None:
    document = notebook(
        md("# T", tags=["intro"]),
        code(
            "x = 1",
            tags=["parameters"],
            metadata={
                "slideshow": {"slide_type": "slide"},
                "jupyter": {"source_hidden": True},
                "editable": False,
                "deletable": False,
                "colab": {"base_uri": "https://localhost:8080/"},
                "my-extension": {"collapsed": True},
            },
        ),
        metadata={"kernelspec": {"display_name": "P", "language": "python", "name": "p"}, "toc": {"collapsed": 1}},
    )
    assert run_rule("DSQ403", document) == []


def test_volatile_metadata_notebook_level_only_has_no_cell() -> None:
    document = notebook(code("x = 1"), metadata={"papermill": {"duration": 1.5}, "signature": "sha256:abc"})
    findings = run_rule("DSQ403", document)
    assert positions(findings) == [(None, None)]
    assert "`metadata.signature`, `metadata.papermill`" in findings[0].message


def test_volatile_metadata_keep_list_is_honoured() -> None:
    keep = {"keep-metadata": ["ExecuteTime", "cell.metadata.collapsed", "metadata.widgets"]}
    findings = run_rule("DSQ403", volatile_document(), options=keep)
    assert positions(findings) == [(3, None)]
    assert "`cell.metadata.jupyter.outputs_hidden` in 1 cell (cell 3)" in findings[0].message
    assert "ExecuteTime" not in findings[0].message


def test_volatile_metadata_fix_removes_exactly_the_reported_keys() -> None:
    keep = {"keep-metadata": ["ExecuteTime"]}
    data = fixed("DSQ403", volatile_document(), options=keep)
    cells = data["cells"]
    assert cells[1]["metadata"] == {"ExecuteTime": {"start_time": "2024-01-01"}}
    assert cells[2]["metadata"] == {"jupyter": {"source_hidden": True}}
    assert cells[3]["metadata"] == {"tags": ["parameters"], "slideshow": {"slide_type": "slide"}, "custom": 1}
    assert "widgets" not in data["metadata"]
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    assert run_rule("DSQ403", data, options=keep) == []


def test_volatile_metadata_fix_drops_an_emptied_jupyter_key() -> None:
    document = notebook(code("x", metadata={"jupyter": {"outputs_hidden": False}, "scrolled": True}))
    assert fixed("DSQ403", document)["cells"][0]["metadata"] == {}


# --- DSQ404 secret-in-notebook -------------------------------------------------------------------

AWS_KEY = "AKIA" + "Q3EGRTZ7WJ5N2KXM"
GITHUB_TOKEN = "ghp_" + "x7Kp2Lq9Rt4Vw1Yz3Bn6Mc8Df0Gh5Jk2Ls7Q"
OPENAI_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5q" + "T3BlbkFJ" + "Rs8tUv1wXy4zAb7cDe0f"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2s0Vd8Yb0vQ+4B5v8FZ3nIuZhEo5\\n"
    "-----END RSA PRIVATE KEY-----"
)


def test_secret_patterns_in_source_are_located_and_masked() -> None:
    document = notebook(
        md("# Upload"),
        code(f'import boto3\ns3 = boto3.client("s3", aws_access_key_id="{AWS_KEY}")'),
        code(f"# token: {GITHUB_TOKEN}\nheaders = {{}}"),
        code(f'key_pem = "{PEM}"'),
        code(f"%env OPENAI_API_KEY={OPENAI_KEY}\nimport openai"),
    )
    findings = run_rule("DSQ404", document)
    assert [(f.cell, f.line, f.column) for f in findings] == [(2, 2, 44), (3, 1, 10), (4, 1, 12), (5, 1, 21)]
    assert findings[0].message.startswith("an AWS access key id (`AKIA…`) in the source:")
    assert findings[1].message.startswith("a GitHub token (`ghp_…`)")
    assert findings[2].message.startswith("a private key (`-----BEGIN RSA PRIVATE KEY-----`)")
    assert findings[3].message.startswith("an OpenAI API key (`sk-…`)")
    for finding in findings:
        assert "revoke it" in finding.message
        for secret in (AWS_KEY, GITHUB_TOKEN, OPENAI_KEY, "MIIEpAIBAAKCAQEA"):
            assert secret not in finding.message
            assert secret[5:15] not in finding.message


def test_secret_assignments_and_keywords() -> None:
    document = notebook(
        code('DB_PASSWORD = "hunter2-Prod"\nconfig.api_key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"'),
        code('conn = psycopg2.connect(host="db", user="me", password="s3cr3t!x")'),
        code('%time token = "AbC123dEf456GhI789jKl"'),
        code('ws.create(admin_user_password="Pr0d-Adm1n", sku="basic")'),
        code('SMTP_PASS = "Tr0ub4dor&3$"\nSECRET_KEY = "F8E7D6C5B4A39281706A"'),
    )
    findings = run_rule("DSQ404", document)
    assert [(f.cell, f.line, f.column) for f in findings] == [
        (1, 1, 15),
        (1, 2, 18),
        (2, 1, 56),
        (3, 1, 15),
        (4, 1, 31),
        (5, 1, 13),
        (5, 2, 14),
    ]
    assert findings[0].message.startswith("a password is written as a string literal for `DB_PASSWORD`:")
    assert findings[1].message.startswith("a credential is written as a string literal for `api_key`:")
    assert findings[2].message.startswith("a password is written as a string literal for `password`:")
    for finding in findings:
        for secret in ("hunter2", "9f8e7d6c", "s3cr3t", "AbC123", "Pr0d", "Tr0ub", "F8E7"):
            assert secret not in finding.message


@pytest.mark.parametrize(
    "name", ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "Aws_Secret_Access_Key", "awsSecretAccessKey"]
)
def test_an_aws_secret_is_found_whatever_the_case_of_its_name(name: str) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Q2xJ8vTz0a"  # 40 characters, not AWS's documented example
    document = notebook(code(f'{name} = "{secret}"'), code("print(1)", outputs=[stream(f"{name}: {secret}\n")]))
    findings = run_rule("DSQ404", document)
    assert positions(findings) == [(1, 1), (2, None)]
    assert findings[0].message.startswith("an AWS secret access key (`…`) in the source:")
    assert secret not in " ".join(f.message for f in findings)


def test_secret_in_outputs_is_reported_once_per_cell() -> None:
    leaked = stream(f"Using key {AWS_KEY}\nagain {AWS_KEY}\n")
    document = notebook(
        code("print(os.environ['AWS_ACCESS_KEY_ID'])", outputs=[leaked]),
        code("creds", outputs=[result(f"{{'token': '{GITHUB_TOKEN}'}}")]),
        code(f'key = "{AWS_KEY}"\nprint(key)', outputs=[stream(f"{AWS_KEY}\n")]),
    )
    findings = run_rule("DSQ404", document)
    assert positions(findings) == [(3, 1), (1, None), (2, None), (3, None)]
    assert findings[1].message.startswith("an AWS access key id (`AKIA…`) in the outputs: clear them (`dsq clean`)")
    assert AWS_KEY not in " ".join(f.message for f in findings)


def test_secret_placeholders_env_lookups_and_near_misses_do_not_fire() -> None:
    document = notebook(
        md(f"Tokens look like `ghp_...`; AWS documents `AKIAIOSFODNN7EXAMPLE`. Never commit {GITHUB_TOKEN}."),
        code(
            "import os\n"
            'api_key = "YOUR_API_KEY"\n'
            'password = ""\n'
            'password = os.environ["DB_PASSWORD"]\n'
            'token = os.getenv("HF_TOKEN", "")\n'
            'API_KEY = "<your key here>"\n'
            'SECRET_KEY = "changeme"\n'
            'password = "xxxxxxxx"\n'
            'secret = "****"\n'
            'aws_key = "AKIAIOSFODNN7EXAMPLE"\n'
            'gh = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n'
            'token_env = "OPENAI_API_KEY"\n'
            'api_key_name = "X_API_KEY_2"\n'
            'API_TOKEN = "${API_TOKEN}"\n'
            'db_password = "%(password)s"\n'
            'access_token = "{access_token}"\n'
        ),
        code(
            'pwd = "/home/user/project"\n'
            'password_prompt = "Enter password:"\n'
            'bos_token = "<|endoftext|>"\n'
            'pad_token = "[PAD]"\n'
            'token = "hello"\n'
            'credentials = "service-account-2024.json"\n'
            'key = "a1b2c3d4e5f6g7h8i9j0"\n'
            'secret_key_url = "https://example.org/k/123456789abcdef"\n'
            'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n'
            "    pass\n"
            'login(token="hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")\n'
        ),
        code("files = !ls ~/.ssh\npasswords = !cat list.txt\n%env PASSWORD\n"),
        raw("password = 'documented'"),
    )
    assert run_rule("DSQ404", document) == []


# --- DSQ405 invalid-notebook ---------------------------------------------------------------------


def broken(**changes: Any) -> dict[str, Any]:
    document = notebook(md("# T"), code("x = 1"), code("y = 2", count=1, outputs=[stream("ok")]))
    for key, value in changes.items():
        document[key] = value
    return document


def test_invalid_notebook_missing_and_duplicate_ids() -> None:
    document = broken()
    del document["cells"][0]["id"]
    document["cells"][2]["id"] = "c2"
    findings = run_rule("DSQ405", document)
    assert positions(findings) == [(1, None), (3, None)]
    assert findings[0].message.startswith("invalid notebook: cells have no `id` (required since nbformat 4.5) (cell 1)")
    assert "cell id `c2` is also the id of cell 2 (cell 3)" in findings[1].message


def test_invalid_notebook_missing_keys_and_wrong_types() -> None:
    document = broken(extra=1)
    del document["cells"][1]["outputs"]
    document["cells"][2]["execution_count"] = "1"
    del document["cells"][2]["outputs"][0]["text"]
    document["cells"][0]["outputs"] = []
    messages = [f.message for f in run_rule("DSQ405", document)]
    assert [m.split(";")[0] for m in messages] == [
        "invalid notebook: unexpected top-level key `extra`",
        "invalid notebook: unexpected key `outputs` in a markdown cell (cell 1)",
        "invalid notebook: a cell has no `outputs` (cell 2)",
        "invalid notebook: `execution_count` is not a non-negative integer or null (cell 3)",
        "invalid notebook: a stream output lacks `text` (cell 3)",
    ]


def test_invalid_notebook_ids_before_nbformat_4_5() -> None:
    document = broken(nbformat_minor=4)
    findings = run_rule("DSQ405", document)
    assert positions(findings) == [(1, None)]
    assert "cells have an `id`, which needs `nbformat_minor` 5 (set it to 5) (cells 1, 2, 3)" in findings[0].message


def test_valid_notebooks_do_not_fire() -> None:
    assert run_rule("DSQ405", broken()) == []
    old = broken(nbformat_minor=2)
    for cell in old["cells"]:
        del cell["id"]
    assert run_rule("DSQ405", old) == []
    future = broken(nbformat_minor=7, future_key={})
    future["cells"][0]["new_field"] = 1
    assert run_rule("DSQ405", future) == []


def test_nbformat_3_notebooks_are_not_checked_here() -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [{"cells": [{"cell_type": "code", "input": "1 + 1", "language": "python", "outputs": []}]}],
    }
    assert run_rule("DSQ405", v3) == []


def test_invalid_notebook_finding_for_unreadable_files() -> None:
    finding = invalid_notebook_finding(NotebookFormatError(Path("a.ipynb"), "not JSON: Expecting value at line 1"))
    assert finding == Finding(
        "not a valid notebook: not JSON: Expecting value at line 1; no other rule could check it: repair the file "
        "or restore it from version control"
    )
    located = invalid_notebook_finding(NotebookFormatError(Path("a.ipynb"), "a cell is not a JSON object", cell=3))
    assert (located.cell, located.line) == (3, None)


def test_schema_problems_agree_with_nbformat_on_handmade_cases() -> None:
    import nbformat  # noqa: PLC0415

    base = broken()
    cases = [broken(), broken(nbformat_minor=4), broken(extra=1)]
    no_source = copy.deepcopy(base)
    del no_source["cells"][1]["source"]
    cases.append(no_source)
    for case in cases:
        ours = bool(find_schema_problems(case))
        theirs = list(nbformat.validator.iter_validate(copy.deepcopy(case)))
        assert ours == bool(theirs), (case, theirs)


# --- the real corpus -----------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not available")
def test_corpus_findings_point_at_real_cells_and_fixes_converge() -> None:
    import nbformat  # noqa: PLC0415

    context = LintContext(options=default_options())
    rules = [REGISTRY[rule.code] for rule in RULES]
    counts = dict.fromkeys(REGISTRY, 0)
    for path in sorted(CORPUS.rglob("*.ipynb")):
        try:
            nb = read_notebook(path)
        except NotebookFormatError:
            continue
        model = build_model(nb)
        for rule in rules:
            findings = list(rule.check(model, context))
            counts[rule.code] += len(findings)
            for finding in findings:
                assert finding.cell is None or 1 <= finding.cell <= len(nb.cells), (path, finding)
                if finding.line is not None:
                    assert finding.cell is not None
                    assert 1 <= finding.line <= len(nb.cells[finding.cell - 1].lines), (path, finding)
            if rule.code == "DSQ405" and findings:  # precision: nbformat must reject it too
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    assert list(nbformat.validator.iter_validate(json.loads(nb.raw))), path
            if rule.fixable and findings and nb.original_nbformat == 4:
                data = copy.deepcopy(nb.data)
                rule.fix(data, findings, make_context())
                again = build_model(parse_notebook(json.dumps(data).encode(), path))
                assert list(rule.check(again, context)) == [], (path, rule.code)
    assert counts["DSQ401"] > 100  # most of the corpus is saved executed
    assert counts["DSQ404"] == 0  # public textbooks: no credentials
