"""Tests for dsquality.notebook: parsing, errors, cells, the file-line map and style-keeping writes."""

from __future__ import annotations

import ast
import bisect
import contextlib
import json
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsquality.errors import NotebookFormatError
from dsquality.nbformat3 import upgrade_v3_directly, upgrade_v3_with_nbformat
from dsquality.notebook import (
    Cell,
    Notebook,
    _one_line_each,
    _one_per_line,
    dump_notebook,
    notebook_from_dict,
    parse_notebook,
    read_notebook,
    source_text,
    write_notebook,
)
from tests.conftest import SHARED_CORPUS, build_notebook

PATH = Path("dir/nb.ipynb")
CORPUS = SHARED_CORPUS / "notebooks"
V3_DIR = CORPUS / "ptwobrussell__Mining-the-Social-Web-2nd-Edition"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is absent ({CORPUS})")

KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def code_cell(source: str | list[str], **extra: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    cell.update(extra)
    cell["source"] = source
    return cell


def md_cell(source: str | list[str], **extra: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}}
    cell.update(extra)
    cell["source"] = source
    return cell


def nb_dict(
    cells: Sequence[dict[str, Any]], *, minor: int = 5, metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": KERNEL if metadata is None else metadata,
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def parse(data: object, *, indent: int | None = 1) -> Notebook:
    return parse_notebook(json.dumps(data, indent=indent).encode(), PATH)


def lines_of(source: str) -> list[str]:
    """nbformat's split: each line keeps its newline."""
    return source.splitlines(keepends=True)


def format_error(raw: bytes) -> NotebookFormatError:
    with pytest.raises(NotebookFormatError) as info:
        parse_notebook(raw, PATH)
    return info.value


# --- parsing: nbformat 4.0 to 4.5, nbformat 3 -----------------------------------------------------


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_parses_every_nbformat_4_minor(minor: int) -> None:
    with_ids = minor >= 5
    cells = [md_cell(["# Title\n", "text"]), code_cell(["x = 1\n", "y = 2"], execution_count=3)]
    if with_ids:
        cells[0]["id"], cells[1]["id"] = "intro", "first-code"
    notebook = parse(nb_dict(cells, minor=minor))
    assert notebook.original_nbformat == 4
    assert [(c.index, c.cell_type, c.source) for c in notebook.cells] == [
        (1, "markdown", "# Title\ntext"),
        (2, "code", "x = 1\ny = 2"),
    ]
    assert [c.cell_id for c in notebook.cells] == (["intro", "first-code"] if with_ids else [None, None])
    assert notebook.cells[1].execution_count == 3
    assert notebook.path == PATH
    assert notebook.data["nbformat_minor"] == minor


def test_reads_a_file_written_by_nbformat(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["md:# Title", ("x = 1\nprint(x)", ["parameters"]), "y = x"]), path)
    notebook = read_notebook(path)
    assert notebook.raw == path.read_bytes()
    assert [(c.cell_type, c.source, c.cell_id, c.tags) for c in notebook.cells] == [
        ("markdown", "# Title", "c1", ()),
        ("code", "x = 1\nprint(x)", "c2", ("parameters",)),
        ("code", "y = x", "c3", ()),
    ]


V3_NOTEBOOK = {
    "metadata": {"name": "old"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [
        {
            "cells": [
                {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Chapter\n", "One"]},
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["import os\n", "print os.getcwd()"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["/home\n"]}],
                    "prompt_number": 7,
                },
                {"cell_type": "markdown", "metadata": {}, "source": "Some *text*\nover two lines"},
                {"cell_type": "code", "input": "x = 1", "language": "python", "metadata": {}, "outputs": []},
                # Old writers split with splitlines(): nbformat 3 then joins the lines with "\n".
                {"cell_type": "code", "input": ["a = 1", "b = 2"], "language": "python", "outputs": []},
            ],
            "metadata": {},
        }
    ],
}


def test_parses_nbformat_3_with_sources_as_lists_and_strings() -> None:
    notebook = parse(V3_NOTEBOOK)
    assert notebook.original_nbformat == 3
    assert notebook.data["nbformat"] == 4
    assert [(c.cell_type, c.source, c.execution_count) for c in notebook.cells] == [
        ("markdown", "## Chapter One", None),
        ("code", "import os\nprint os.getcwd()", 7),
        ("markdown", "Some *text*\nover two lines", None),
        ("code", "x = 1", None),
        ("code", "a = 1\nb = 2", None),
    ]
    assert notebook.cells[1].outputs == ({"name": "stdout", "output_type": "stream", "text": "/home\n"},)


def test_nbformat_3_cells_have_no_ids_and_reading_is_deterministic() -> None:
    raw = json.dumps(V3_NOTEBOOK).encode()
    first, second = parse_notebook(raw, PATH), parse_notebook(raw, PATH)
    assert [c.cell_id for c in first.cells] == [None] * 5  # the file has none; nbformat's are random
    assert [c.source for c in first.cells] == [c.source for c in second.cells]


def test_nbformat_3_is_recognised_by_its_worksheets_without_a_version() -> None:
    data = {key: value for key, value in V3_NOTEBOOK.items() if key != "nbformat"}
    notebook = parse(data)
    assert notebook.original_nbformat == 3
    assert len(notebook.cells) == 5


def test_reading_nbformat_3_does_not_change_the_input() -> None:
    data = json.loads(json.dumps(V3_NOTEBOOK))
    notebook_from_dict(data, PATH)
    assert data == V3_NOTEBOOK


def test_broken_nbformat_3_is_a_format_error() -> None:
    error = format_error(json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": 5}).encode())
    assert "nbformat 3 notebook could not be upgraded" in error.reason


def without_ids(data: Any) -> Any:
    """``data`` with the (random) ids of upgraded cells replaced by a marker, keeping key order."""
    if isinstance(data, dict):
        return {key: "<id>" if key == "id" else without_ids(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_ids(item) for item in data]
    return data


def upgrades_agree(data: dict[str, Any]) -> bool:
    """Whether the direct v3 upgrade gives nbformat's result (True when it leaves the notebook to nbformat)."""
    direct = upgrade_v3_directly(json.loads(json.dumps(data)))
    if direct is None:
        return True
    expected = upgrade_v3_with_nbformat(json.loads(json.dumps(data)), PATH)
    # Same data, same key order (json.dumps keeps it), and a new 8-hex-digit id in every cell.
    assert all(len(cell["id"]) == 8 and int(cell["id"], 16) >= 0 for cell in direct["cells"])
    return json.dumps(without_ids(direct)) == json.dumps(without_ids(expected))


def test_nbformat_3_upgrade_without_nbformat_matches_nbformat() -> None:
    assert upgrade_v3_directly(json.loads(json.dumps(V3_NOTEBOOK))) is not None
    assert upgrades_agree(V3_NOTEBOOK)


@pytest.mark.parametrize(
    "data",
    [
        {"nbformat": 3, "nbformat_minor": 1, "metadata": {}, "worksheets": []},  # nbformat has no schema for 3.1
        {"nbformat": 3.0, "nbformat_minor": 0, "metadata": {}, "worksheets": []},
        {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [{"cell_type": None}]}]},
        {"nbformat": 3, "nbformat_minor": 0, "worksheets": []},  # no metadata
        {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [1]},  # a worksheet that is no object
    ],
)
def test_unusual_nbformat_3_is_left_to_nbformat(data: dict[str, Any]) -> None:
    assert upgrade_v3_directly(json.loads(json.dumps(data))) is None


def test_deeply_nested_nbformat_3_is_left_to_nbformat() -> None:
    nested: Any = []
    for _ in range(150):
        nested = [nested]
    data = {**V3_NOTEBOOK, "metadata": {"deep": nested}}
    assert upgrade_v3_directly(data) is None
    assert parse(data).original_nbformat == 3  # nbformat copes with this depth


def test_reading_well_formed_nbformat_3_does_not_import_nbformat() -> None:
    code = (
        "import json, sys; from pathlib import Path; from dsquality.notebook import parse_notebook; "
        f"parse_notebook(json.dumps({V3_NOTEBOOK!r}).encode(), Path('x.ipynb')); print('nbformat' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def v3_files() -> list[Path]:
    return sorted(V3_DIR.glob("*.ipynb")) if V3_DIR.is_dir() else []


@needs_corpus
def test_corpus_nbformat_3_notebooks_are_read() -> None:
    files = v3_files()
    assert len(files) >= 10
    for path in files:
        raw = json.loads(path.read_bytes())
        assert raw["nbformat"] == 3
        expected = []
        for cell in (cell for sheet in raw["worksheets"] for cell in sheet["cells"]):
            source = source_text(cell.get("input" if cell["cell_type"] == "code" else "source", ""))
            if cell["cell_type"] == "heading":  # becomes a markdown "## text" on one line
                source = "#" * cell.get("level", 1) + " " + " ".join(source.splitlines())
            expected.append(source)
        notebook = read_notebook(path)
        assert notebook.original_nbformat == 3
        assert [cell.source for cell in notebook.cells] == expected, path.name


def test_source_as_string_or_list_is_the_same_text() -> None:
    as_list = parse(nb_dict([code_cell(["a = 1\n", "b = 2\n", "c = 3"])]))
    as_string = parse(nb_dict([code_cell("a = 1\nb = 2\nc = 3")]))
    assert as_list.cells[0].source == as_string.cells[0].source == "a = 1\nb = 2\nc = 3"


def test_byte_order_mark_is_skipped() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(nb_dict([code_cell("x = 1")])).encode()
    notebook = parse_notebook(raw, PATH)
    assert notebook.cells[0].source == "x = 1"
    assert notebook.raw == raw


def test_crlf_file_and_crlf_in_sources() -> None:
    text = json.dumps(nb_dict([code_cell(["x = 1\r\n", "y = 2"])]), indent=1).replace("\n", "\r\n")
    notebook = parse_notebook(text.encode(), PATH)
    assert notebook.cells[0].source == "x = 1\r\ny = 2"
    assert notebook.cells[0].lines == ["x = 1", "y = 2"]


def test_non_ascii_sources() -> None:
    notebook = parse(nb_dict([md_cell("Café ≥ 3 🚀")]))
    assert notebook.cells[0].source == "Café ≥ 3 🚀"


# --- errors: each one names the file, the cell where there is one, and the reason -------------------


def test_not_utf8_is_a_format_error_with_the_byte_offset() -> None:
    error = format_error(b'{"cells": "caf\xe9"}')
    assert error.reason == "not UTF-8 text (byte 14)"
    assert error.path == PATH
    assert str(error).startswith(f"{PATH}: not a valid notebook: not UTF-8 text (byte 14).")


def test_utf16_is_not_utf8() -> None:
    error = format_error(json.dumps(nb_dict([])).encode("utf-16"))
    assert error.reason == "not UTF-8 text (byte 0)"


def test_not_json_reports_line_and_column() -> None:
    error = format_error(b'{\n "cells": [],\n  "nbformat": 4,,\n}')
    assert error.reason == "not JSON: Expecting property name enclosed in double quotes at line 3 column 17"
    assert error.cell is None


@pytest.mark.parametrize("raw", [b"", b"   ", b"not json", b'{"cells": [}'])
def test_garbage_is_not_json(raw: bytes) -> None:
    assert format_error(raw).reason.startswith("not JSON: ")


def test_integer_beyond_the_digit_limit_is_a_format_error() -> None:
    error = format_error(b'{"nbformat": ' + b"1" * 5000 + b"}")
    assert error.reason.startswith("not JSON: Exceeds the limit")


def test_deeply_nested_json_is_a_format_error() -> None:
    assert format_error(b"[" * 100_000 + b"]" * 100_000).reason == "JSON nested too deeply"


@pytest.mark.parametrize("document", [[], "notebook", 4, None])
def test_top_level_must_be_an_object(document: object) -> None:
    assert format_error(json.dumps(document).encode()).reason == "the top level is not a JSON object"


@pytest.mark.parametrize(("version", "shown"), [(2, "2"), (5, "5"), (None, "None"), ("4", "'4'")])
def test_unsupported_nbformat_versions(version: object, shown: str) -> None:
    data = nb_dict([])
    data["nbformat"] = version
    error = format_error(json.dumps(data).encode())
    assert error.reason == f"unsupported nbformat version {shown} (dsquality reads 3 and 4)"


@pytest.mark.parametrize("cells", ["missing", {"a": 1}, "cells", None])
def test_cells_missing_or_not_a_list(cells: object) -> None:
    data = nb_dict([])
    if cells == "missing":
        del data["cells"]
    else:
        data["cells"] = cells
    assert format_error(json.dumps(data).encode()).reason == "'cells' is missing or not a list"


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("a cell", "a cell is not a JSON object"),
        ({"cell_type": "heading", "source": ""}, "unknown cell_type 'heading'"),
        ({"source": "x"}, "unknown cell_type None"),
        ({"cell_type": ["code"], "source": "x"}, "unknown cell_type ['code']"),
        ({"cell_type": {"code": 1}, "source": "x"}, "unknown cell_type {'code': 1}"),
        ({"cell_type": "code", "source": 5}, "'source' is neither a string nor a list of strings"),
        ({"cell_type": "code", "source": ["a", 1]}, "'source' is neither a string nor a list of strings"),
        ({"cell_type": "code", "source": None}, "'source' is neither a string nor a list of strings"),
    ],
)
def test_bad_cells_name_the_path_and_cell(cell: object, reason: str) -> None:
    error = format_error(json.dumps(nb_dict([code_cell("ok"), cell])).encode())  # type: ignore[list-item]
    assert (error.path, error.cell, error.reason) == (PATH, 2, reason)
    assert str(error).startswith(f"{PATH}:cell 2: not a valid notebook: {reason}.")


def test_format_errors_pickle_with_their_fields() -> None:
    error = format_error(json.dumps(nb_dict([code_cell("ok"), {"cell_type": "x"}])).encode())
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.cell, copy.reason, str(copy)) == (error.path, error.cell, error.reason, str(error))


def test_unreadable_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(NotebookFormatError) as info:
        read_notebook(tmp_path / "missing.ipynb")
    assert info.value.reason == "No such file or directory"
    assert info.value.path == tmp_path / "missing.ipynb"


def test_lenient_about_optional_fields() -> None:
    cell = {
        "cell_type": "code",
        "source": "x",
        "metadata": ["not", "a", "dict"],
        "outputs": [{"output_type": "stream"}, "junk", 3],
        "execution_count": True,
        "id": 42,
    }
    notebook = parse(nb_dict([cell, {"cell_type": "raw"}], metadata="oops"))  # type: ignore[arg-type]
    first, second = notebook.cells
    assert (first.metadata, first.outputs, first.execution_count, first.cell_id) == (
        {},
        ({"output_type": "stream"},),
        None,
        None,
    )
    assert (second.cell_type, second.source, second.outputs) == ("raw", "", ())
    assert notebook.metadata == {}


# --- cells and notebook properties -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "tags"),
    [
        ({"tags": ["parameters", "export"]}, ("parameters", "export")),
        ({"tags": ["a", 1, None, "b"]}, ("a", "b")),
        ({"tags": "parameters"}, ()),
        ({"tags": None}, ()),
        ({}, ()),
    ],
)
def test_cell_tags(metadata: dict[str, Any], tags: tuple[str, ...]) -> None:
    assert Cell(1, "code", "", metadata=metadata).tags == tags


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("", []),
        ("x", ["x"]),
        ("x\n", ["x"]),
        ("x\n\n", ["x", ""]),
        ("a\nb", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b"]),
        ("a\rb", ["a", "b"]),
        ("\n", [""]),
        # Python does not break lines at these; str.splitlines would.
        ("x = 1\x0c\ny = 2", ["x = 1\x0c", "y = 2"]),
        ("s = 'a\u2028b'\nt = 1", ["s = 'a\u2028b'", "t = 1"]),
        ("a\x1cb\x85c\x0bd", ["a\x1cb\x85c\x0bd"]),
    ],
)
def test_cell_lines(source: str, lines: list[str]) -> None:
    assert Cell(1, "code", source).lines == lines


def test_cell_lines_are_numbered_like_the_ast() -> None:
    source = "a = 1\x0c\nb = 2\rc = 3\r\nd = '\u2028'\ne = '\x85\x1c'"
    cell = Cell(1, "code", source)
    for statement in ast.parse(source).body:
        assert isinstance(statement, ast.Assign)
        target = statement.targets[0]
        assert isinstance(target, ast.Name)
        assert cell.lines[statement.lineno - 1].startswith(f"{target.id} = ")


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        (KERNEL, "python"),
        ({"kernelspec": {"language": "R", "name": "ir"}, "language_info": {"name": "R"}}, "r"),
        ({"kernelspec": {"name": "julia-1.9"}, "language_info": {"name": "Julia"}}, "julia"),
        ({"kernelspec": {"language": ""}, "language_info": {"name": "scala"}}, "scala"),
        ({"kernelspec": "python3", "language_info": ["x"]}, "python"),
        ({}, "python"),
    ],
)
def test_notebook_language(metadata: dict[str, Any], language: str) -> None:
    assert parse(nb_dict([], metadata=metadata)).language == language


def test_code_cells_and_is_code() -> None:
    notebook = parse(nb_dict([md_cell("m"), code_cell("a"), {"cell_type": "raw", "source": "r"}, code_cell("b")]))
    assert [(c.index, c.source) for c in notebook.code_cells] == [(2, "a"), (4, "b")]
    assert [c.is_code for c in notebook.cells] == [False, True, False, True]


def test_source_text() -> None:
    assert source_text("abc") == "abc"
    assert source_text(["a\n", "b"]) == "a\nb"
    assert source_text(["a", 1, "b"]) == "ab"
    assert source_text(None) == ""
    assert source_text({"a": 1}) == ""


# --- file_line: where a cell's source line sits in the .ipynb file -----------------------------------


def file_line_holding(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` holding ``fragment``, which must occur on exactly one line."""
    found = [number for number, line in enumerate(text.split("\n"), start=1) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


def assert_maps_every_line(notebook: Notebook) -> None:
    text = notebook.raw.decode("utf-8-sig")
    for cell in notebook.cells:
        for number, line in enumerate(cell.lines, start=1):
            if not line:
                continue  # not unique; blank lines are checked where they are known
            expected = file_line_holding(text, json.dumps(line)[1:-1])
            assert notebook.file_line(cell.index, number) == expected, (cell.index, number, line)


def unique_cells() -> list[dict[str, Any]]:
    return [
        md_cell(lines_of("# Mapping test\nA *markdown* cell.")),
        code_cell(lines_of("import os\nroot = os.getcwd()\nprint(root)\n")),
        code_cell(lines_of("def f(a):\n    return a * 2\n\nvalue = f(21)")),
        {"cell_type": "raw", "metadata": {}, "source": lines_of("raw text here")},
    ]


def test_file_line_for_a_notebook_written_by_nbformat(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["md:# Heading\nparagraph one", "a = 1\nb = a + 1\nprint(b)", "c = 3"]), path)
    notebook = read_notebook(path)
    assert notebook.raw.startswith(b'{\n "cells": [\n  {\n')  # nbformat's indent of 1
    assert_maps_every_line(notebook)
    text = notebook.raw.decode()
    assert notebook.file_line(2, 2) == file_line_holding(text, '"b = a + 1\\n"')


@pytest.mark.parametrize("indent", [1, 2, 4])
def test_file_line_for_indented_json(indent: int) -> None:
    notebook = parse(nb_dict(unique_cells()), indent=indent)
    assert_maps_every_line(notebook)


def test_file_line_for_single_line_json() -> None:
    notebook = parse(nb_dict(unique_cells()), indent=None)
    assert b"\n" not in notebook.raw
    for cell in notebook.cells:
        assert [notebook.file_line(cell.index, n) for n in range(1, len(cell.lines) + 1)] == [1] * len(cell.lines)


def test_file_line_for_a_source_string_of_several_lines() -> None:
    notebook = parse(nb_dict([md_cell("title"), code_cell("x = 1\ny = 2\nz = 3")]), indent=1)
    key_line = file_line_holding(notebook.raw.decode(), '"source": "x = 1\\ny = 2\\nz = 3"')
    assert [notebook.file_line(2, n) for n in (1, 2, 3)] == [key_line] * 3


def test_file_line_skips_a_metadata_key_named_source() -> None:
    cell = code_cell(lines_of("real = 1\nsecond = 2"), metadata={"source": ["fake = 1\n", "second = 2"]})
    notebook = parse(nb_dict([cell]), indent=1)
    text = notebook.raw.decode()
    assert list(notebook.data["cells"][0]) == ["cell_type", "execution_count", "metadata", "outputs", "source"]
    in_metadata, in_source = [n for n, line in enumerate(text.split("\n"), start=1) if '"second = 2"' in line]
    assert notebook.file_line(1, 1) == file_line_holding(text, '"real = 1\\n"')
    assert notebook.file_line(1, 2) == in_source
    assert in_metadata < in_source


def test_file_line_ignores_a_metadata_source_that_is_not_text() -> None:
    cell = code_cell([], metadata={"source": {"kind": ["a", "b"]}})
    notebook = parse(nb_dict([cell]), indent=1)
    assert notebook.file_line(1, 1) == file_line_holding(notebook.raw.decode(), '"source": []')


def test_file_line_ignores_a_metadata_source_whose_keys_spell_the_source() -> None:
    # An object is not a source, though joining it (its keys) gives the cell's text.
    cell = code_cell("x = 1", metadata={"source": {"x = 1": True}})
    notebook = parse(nb_dict([md_cell("title"), cell]), indent=1)
    assert notebook.file_line(2, 1) == file_line_holding(notebook.raw.decode(), '"source": "x = 1"')


def test_file_line_skips_source_keys_in_outputs_and_the_word_in_sources() -> None:
    output = {"output_type": "display_data", "data": {"text/plain": ["x"]}, "metadata": {"source": ["a = 1\n"]}}
    cells = [
        code_cell(lines_of('a = 1\nb = d["source"]\n'), outputs=[output]),
        code_cell(["source"]),
        code_cell(lines_of("c = 3")),
    ]
    notebook = parse(nb_dict(cells), indent=1)
    text = notebook.raw.decode()
    assert text.index('"a = 1\\n"\n') < text.index('"a = 1\\n",\n')  # the output's "source" comes first
    assert [notebook.file_line(1, n) for n in (1, 2)] == [
        file_line_holding(text, '"a = 1\\n",'),
        file_line_holding(text, "b = d["),
    ]
    element_line = [n for n, line in enumerate(text.split("\n"), start=1) if line.strip() == '"source"']
    assert notebook.file_line(2, 1) == element_line[0]
    assert notebook.file_line(3, 1) == file_line_holding(text, '"c = 3"')


def test_file_line_of_a_markdown_cell() -> None:
    notebook = parse(nb_dict([md_cell(lines_of("# Title\n\nSome text"))]), indent=2)
    text = notebook.raw.decode()
    assert [notebook.file_line(1, n) for n in (1, 2, 3)] == [
        file_line_holding(text, '"# Title\\n"'),
        file_line_holding(text, '"# Title\\n"') + 1,
        file_line_holding(text, '"Some text"'),
    ]


@pytest.mark.parametrize("source", ["", []])
def test_file_line_of_an_empty_cell_is_its_source_key(source: str | list[str]) -> None:
    notebook = parse(nb_dict([code_cell("x = 1"), code_cell(source)]), indent=1)
    key = '"source": ""' if source == "" else '"source": []'
    assert notebook.file_line(2, 1) == file_line_holding(notebook.raw.decode(), key)


def test_file_line_of_list_elements_that_do_not_end_lines() -> None:
    notebook = parse(nb_dict([code_cell(["x = ", "1\n", "y", " = 2\n", "z = 3"])]), indent=1)
    text = notebook.raw.decode()
    assert notebook.cells[0].lines == ["x = 1", "y = 2", "z = 3"]
    assert [notebook.file_line(1, n) for n in (1, 2, 3)] == [
        file_line_holding(text, '"x = "'),
        file_line_holding(text, '"y"'),
        file_line_holding(text, '"z = 3"'),
    ]


def test_file_line_clamps_the_line_and_is_none_out_of_range() -> None:
    notebook = parse(nb_dict([code_cell(lines_of("a = 1\nb = 2"))]), indent=1)
    text = notebook.raw.decode()
    assert notebook.file_line(1, 0) == file_line_holding(text, '"a = 1\\n"')
    assert notebook.file_line(1, 99) == file_line_holding(text, '"b = 2"')
    assert notebook.file_line(0, 1) is None
    assert notebook.file_line(2, 1) is None


def test_file_line_of_an_in_memory_notebook_is_none() -> None:
    notebook = notebook_from_dict(nb_dict([code_cell("x = 1")]), PATH)
    assert notebook.file_line(1, 1) is None


def test_file_line_with_crlf_bom_and_escapes() -> None:
    cells = [md_cell(lines_of("Café\nnaïve")), code_cell(lines_of('s = "tab\\there"\nt = 2'))]
    text = json.dumps(nb_dict(cells), indent=1).replace("\n", "\r\n")
    notebook = parse_notebook(b"\xef\xbb\xbf" + text.encode(), PATH)
    assert_maps_every_line(notebook)


def test_file_line_of_an_nbformat_3_notebook() -> None:
    notebook = parse(V3_NOTEBOOK, indent=1)
    text = notebook.raw.decode()
    assert notebook.file_line(1, 1) == file_line_holding(text, '"Chapter\\n"')  # the heading cell
    assert notebook.file_line(2, 1) == file_line_holding(text, '"import os\\n"')  # "input", not "source"
    assert notebook.file_line(2, 2) == file_line_holding(text, '"print os.getcwd()"')
    assert notebook.file_line(3, 2) == file_line_holding(text, '"source": "Some *text*\\nover two lines"')
    assert notebook.file_line(4, 1) == file_line_holding(text, '"input": "x = 1"')
    assert notebook.file_line(5, 1) == file_line_holding(text, '"a = 1"')
    assert notebook.file_line(5, 2) == file_line_holding(text, '"b = 2"')


def test_file_line_of_lists_not_written_one_element_per_line() -> None:
    # Two elements on one line, a blank line in a list and an element on the line of its "[":
    # the fast path (one element per line) must not apply, the exact scan must.
    cells = [code_cell(lines_of(f"first_{n} = 1\nsecond_{n} = 2\nthird_{n} = 3")) for n in range(3)]
    text = json.dumps(nb_dict(cells), indent=1)
    text = text.replace('"first_0 = 1\\n",\n    "second_0', '"first_0 = 1\\n", "second_0')
    text = text.replace('"source": [\n    "first_1', '"source": [\n\n    "first_1')
    text = text.replace('"source": [\n    "first_2', '"source": ["first_2')
    notebook = parse_notebook(text.encode(), PATH)
    for cell in notebook.cells:
        for number, line in enumerate(cell.lines, start=1):
            assert notebook.file_line(cell.index, number) == file_line_holding(text, json.dumps(line)[1:-1])
    assert notebook.file_line(1, 1) == notebook.file_line(1, 2)  # the two elements share a line


def test_file_line_does_not_depend_on_the_order_of_asking() -> None:
    raw = json.dumps(nb_dict(unique_cells() * 3), indent=1).encode()
    asked = [(cell, line) for cell in range(1, 14) for line in range(4)]
    forward, backward = parse_notebook(raw, PATH), parse_notebook(raw, PATH)
    in_order = [forward.file_line(cell, line) for cell, line in asked]
    in_reverse = [backward.file_line(cell, line) for cell, line in reversed(asked)][::-1]
    assert in_order == in_reverse
    assert in_order.count(None) == 4  # cell 13 does not exist


def test_file_line_of_an_nbformat_3_list_starting_with_an_empty_line() -> None:
    # nbformat joins lines without line breaks with "\n" (here: "" then "x = 1", so "\nx = 1").
    data = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    data["worksheets"][0]["cells"] = [{"cell_type": "code", "input": ["", "x = 1"], "outputs": []}]
    notebook = parse(data, indent=1)
    assert notebook.cells[0].source == "\nx = 1"
    text = notebook.raw.decode()
    assert notebook.file_line(1, 2) == file_line_holding(text, '"x = 1"')
    assert notebook.file_line(1, 1) == file_line_holding(text, '"x = 1"') - 1


# --- file_line against a plain search, and the fast paths' conditions ---------------------------------

_KEY_COLON = re.compile(r"\s*:\s*")


def reference_file_lines(notebook: Notebook) -> dict[tuple[int, int], int | None]:
    """The file line of each (cell, line) by the plain search file_line must agree with (nbformat 4).

    For each cell in turn, the first "source" key after the previous cell's value whose value joins
    to the cell's source; each source line is on the line of the list element its first character
    is in (each element's line being that of its opening quote).
    """
    text = notebook.raw.decode("utf-8-sig")
    decoder = json.JSONDecoder()
    answers: dict[tuple[int, int], int | None] = {}
    position = 0
    for cell in notebook.cells:
        found = None
        quote = text.find('"source"', position)
        while quote >= 0 and found is None:
            colon = _KEY_COLON.match(text, quote + 8)
            if colon is not None:
                with contextlib.suppress(ValueError):
                    value, end = decoder.raw_decode(text, colon.end())
                    if isinstance(value, str) and value == cell.source:
                        found = (colon.end(), end, [value])
                    elif (
                        isinstance(value, list)
                        and all(isinstance(v, str) for v in value)
                        and "".join(value) == cell.source
                    ):
                        found = (colon.end(), end, value)
            quote = text.find('"source"', quote + 1)
        count = max(1, len(cell.lines))
        if found is None:
            answers.update(((cell.index, n), None) for n in range(1, count + 1))
            continue
        start, position, value = found
        key_line = text.count("\n", 0, start) + 1
        if text[start] == '"' or not value:  # one string, or []
            answers.update(((cell.index, n), key_line) for n in range(1, count + 1))
            continue
        element_lines, element_offsets, offset, joined = [], [], start + 1, 0
        for element in value:
            opening = text.index('"', offset)
            element_lines.append(text.count("\n", 0, opening) + 1)
            element_offsets.append(joined)
            joined += len(element)
            _, offset = decoder.raw_decode(text, opening)
        line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", cell.source)]
        for n in range(1, count + 1):
            holder = max(0, bisect.bisect_right(element_offsets, line_starts[n - 1]) - 1)
            answers[cell.index, n] = element_lines[holder]
    return answers


def assert_same_as_reference(notebook: Notebook, order: Sequence[tuple[int, int]] | None = None) -> None:
    expected = reference_file_lines(notebook)
    for cell, line in order if order is not None else sorted(expected):
        assert notebook.file_line(cell, line) == expected[cell, line], (cell, line)


def keys_are_the_cells(notebook: Notebook) -> bool:
    """Whether file_line took the fast path (each cell's key is the k-th "source" of the text)."""
    assert notebook.file_line(1, 1) is not None
    mapper = notebook._mapper
    assert mapper is not None
    return bool(mapper._aligned)


IMAGE = "iVBORw0KGgo" + "A" * 3000 + "=="  # a long run without quotes, crossed by memchr


def test_file_line_fast_path_for_jupyter_notebooks_with_images() -> None:
    outputs = [
        {"output_type": "display_data", "data": {"image/png": IMAGE, "text/plain": ["<Figure>"]}, "metadata": {}}
    ]
    cells = [code_cell(lines_of(f"x_{n} = {n}\nprint(x_{n})\n"), outputs=outputs) for n in range(5)]
    notebook = parse(nb_dict([md_cell(lines_of("# Title\nsome words")), *cells, code_cell([])]), indent=1)
    assert keys_are_the_cells(notebook)
    assert_maps_every_line(notebook)
    assert_same_as_reference(notebook)
    mapper = notebook._mapper
    assert mapper is not None
    text = notebook.raw.decode()
    assert [text[start - 1 : start + 5] for start, _ in mapper._runs or ()] == ['"iVBOR'] * 5  # the images, whole


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (code_cell(lines_of("a = 1\nb = 2"), metadata={"source": lines_of("a = 1\nb = 2")}), "metadata key equal"),
        (code_cell(lines_of("a = 1\nb = 2"), metadata={"source": ["a = 1\n"]}), "metadata key resembling"),
        (code_cell(["source"], metadata={"tags": ["source"]}), "the word as a value"),
        (
            code_cell(
                lines_of("a = 1"),
                outputs=[{"output_type": "display_data", "data": {}, "metadata": {"source": "a = 1"}}],
            ),
            "output metadata",
        ),
    ],
)
def test_file_line_searches_when_there_is_another_source_key(cell: dict[str, Any], reason: str) -> None:
    notebook = parse(nb_dict([code_cell(lines_of("x = 1\n")), cell, code_cell(lines_of("a = 1\nb = 2"))]))
    assert not keys_are_the_cells(notebook), reason
    assert_same_as_reference(notebook)


def test_file_line_searches_when_a_source_key_is_escaped() -> None:
    # Cell 2's key is escaped, and a metadata key "source" of cell 1 makes up the count: the k-th
    # "source" is not cell k's key, and the search (not the fast path) must answer.
    cells = [
        code_cell(lines_of("same = 1\n"), metadata={"source": ["other\n"]}),
        code_cell(lines_of("same = 1\n")),
        code_cell(lines_of("last = 3")),
    ]
    text = json.dumps(nb_dict(cells), indent=1)
    second = text.index('"source"', text.index('"same = 1\\n"') + 1)
    text = text[:second] + '"sourc\\u0065"' + text[second + 8 :]
    notebook = parse_notebook(text.encode(), PATH)
    assert notebook.cells[1].source == "same = 1\n"
    assert text.count('"source"') == len(notebook.cells)
    assert not keys_are_the_cells(notebook)
    assert_same_as_reference(notebook)
    assert notebook.file_line(2, 1) is None  # its key is not "source" in the text: not found


def test_file_line_letter_escapes_elsewhere_only_cost_the_fast_path() -> None:
    notebook = parse(nb_dict([code_cell(lines_of('s = "\\u0065"\n')), code_cell("y = 2")]))
    assert "\\\\u0065" in notebook.raw.decode()
    assert not keys_are_the_cells(notebook)
    assert_same_as_reference(notebook)


def test_file_line_of_a_cell_without_a_source_key() -> None:
    data = nb_dict([code_cell("a = 1", metadata={"source": ""}), code_cell("b = 2")])
    del data["cells"][0]["source"]
    notebook = parse(data)
    assert notebook.cells[0].source == ""
    assert not keys_are_the_cells(notebook)
    assert_same_as_reference(notebook)


@pytest.mark.parametrize("ascii_only", [True, False])
@pytest.mark.parametrize("indent", [None, 1, 2])
def test_file_line_fast_path_layouts(indent: int | None, ascii_only: bool) -> None:
    cells = [
        md_cell(lines_of("Café ≥ naïve\n\nDone 😀")),
        code_cell(lines_of('s = "tab\\there"\r\nt = 2\rz = "\\\\"\n')),
        code_cell("x = 1\ny = 2"),  # one string
        code_cell(""),
    ]
    text = json.dumps(nb_dict(cells), indent=indent, ensure_ascii=ascii_only)
    for raw in (text.encode(), b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()):
        notebook = parse_notebook(raw, PATH)
        assert keys_are_the_cells(notebook)
        assert_same_as_reference(notebook)


def test_file_line_of_a_notebook_not_parsed_from_its_bytes_searches() -> None:
    raw = json.dumps(nb_dict([code_cell(lines_of("a = 1\nb = 2"))]), indent=1).encode()
    notebook = notebook_from_dict(json.loads(raw), PATH, raw)
    assert not keys_are_the_cells(notebook)
    assert_same_as_reference(notebook)


def test_file_line_counts_lines_across_runs_with_line_breaks_and_without() -> None:
    # A long run without quotes holding line breaks (a list of numbers) is counted, not crossed.
    numbers = {"output_type": "execute_result", "data": {"application/json": list(range(400))}, "metadata": {}}
    image = {"output_type": "display_data", "data": {"image/png": IMAGE}, "metadata": {}}
    cells = [code_cell(lines_of(f"v{n} = {n}\nw = v{n}"), outputs=[numbers, image]) for n in range(3)]
    notebook = parse(nb_dict(cells), indent=1)
    assert keys_are_the_cells(notebook)
    assert_maps_every_line(notebook)
    assert_same_as_reference(notebook)


def test_file_line_searches_when_a_cell_has_two_source_keys() -> None:
    # JSON allows a key twice (the parse keeps the last): one "source" too many, the search answers.
    cells = [code_cell(lines_of("a = 1\n")), code_cell(lines_of("b = 2\nc = 3")), code_cell(lines_of("d = 4"))]
    text = json.dumps(nb_dict(cells), indent=1)
    second = text.index('"source"', text.index('"a = 1\\n"'))
    text = text[:second] + '"source": ["stale\\n"],\n   ' + text[second:]
    notebook = parse_notebook(text.encode(), PATH)
    assert notebook.cells[1].source == "b = 2\nc = 3"
    assert not keys_are_the_cells(notebook)
    assert_same_as_reference(notebook)
    assert notebook.file_line(2, 2) == file_line_holding(text, '"c = 3"')


def test_every_cell_keyed_is_known_from_the_parse() -> None:
    keyed = parse(nb_dict([code_cell("a = 1"), md_cell("text")]))
    data = nb_dict([code_cell("a = 1"), code_cell("b = 2")])
    del data["cells"][1]["source"]
    assert (keyed._keyed, parse(data)._keyed, parse(V3_NOTEBOOK)._keyed) == (True, False, False)


def _list_text(elements: list[str], gaps: list[str]) -> str:
    """A JSON list of ``elements``, ``gaps[k]`` (blanks, a comma between elements) before element k, then the last."""
    parts = ["["]
    for gap, element in zip(gaps, elements, strict=False):
        parts += [gap, json.dumps(element)]
    parts += [gaps[len(elements)], "]"]
    return "".join(parts)


def _element_lines(text: str) -> list[int]:
    """The line (0 for the "[" line) of each element's opening quote in the JSON list ``text``."""
    decoder, lines, offset = json.JSONDecoder(), [], 1
    while (quote := text.find('"', offset)) >= 0:
        lines.append(text.count("\n", 0, quote))
        offset = decoder.raw_decode(text, quote)[1]
    return lines


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
@pytest.mark.parametrize("indent", ["", " ", "    ", "\t"])
@pytest.mark.parametrize("elements", [["a"], ["x = 1\n", 'y = "]", "\n', "z"], ["", "", ""]])
def test_one_per_line_holds_for_jupyters_layout(line_break: str, indent: str, elements: list[str]) -> None:
    gaps = [line_break + indent] + ["," + line_break + indent] * (len(elements) - 1) + [line_break]
    text = "{" + _list_text(elements, gaps) + "}"
    assert _one_per_line(text, 1, len(text) - 1, len(elements))
    assert _element_lines(text[1:-1]) == list(range(1, len(elements) + 1))


_GAP = st.sampled_from(["", " ", "\n", "\r\n", "\n ", "\n  ", "\n\n ", " \n ", "\n\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "", '"', "\\", ",", "\n", '",\n "', "]"]), min_size=1, max_size=5), st.data())
def test_one_per_line_is_true_only_for_one_element_a_line(elements: list[str], data: st.DataObject) -> None:
    gaps = [data.draw(_GAP)]
    jupyters = st.just("," + gaps[0])  # the separator of Jupyter's layout, half the time
    gaps += [data.draw(st.one_of(jupyters, st.builds("{},{}".format, _GAP, _GAP))) for _ in elements[1:]]
    gaps.append(data.draw(_GAP))
    text = _list_text(elements, gaps)
    if _one_per_line(text, 0, len(text), len(elements)):
        assert _element_lines(text) == list(range(1, len(elements) + 1))


@pytest.mark.parametrize(
    ("elements", "one_each"),
    [
        (["a = 1\n", "b = 2"], True),
        (["a = 1\n", "b = 2\n"], True),
        ([""], True),  # an empty cell: its line 1
        (["only\n"], True),
        (["a = 1\n", "\n", "b"], True),  # a blank line is an element
        (["a\x0c\n", "b"], True),  # a form feed does not end a line for Python
        (["a = ", "1\n"], False),
        (["a = 1\n", ""], False),  # an empty last element is no line
        (["", "a = 1"], False),
        (["a\nb"], False),
        (["a\n", "b\nc"], False),
        (["a\n\n"], False),
        (["a\r\n", "b"], False),  # CRLF: left to the exact mapping
    ],
)
def test_one_line_each(elements: list[str], one_each: bool) -> None:
    assert _one_line_each(elements) is one_each


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(["a", "\n", "\r", "\x0c"]), max_size=3), min_size=1, max_size=5))
def test_one_line_each_means_line_k_is_element_k(elements: list[str]) -> None:
    joined = "".join(elements)
    line_starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", joined)]
    lines = len(line_starts) - (len(joined) > 0 and line_starts[-1] == len(joined))
    element_starts = [sum(map(len, elements[:k])) for k in range(len(elements))]
    expected = lines == len(elements) and line_starts[:lines] == element_starts
    assert _one_line_each(elements) == (expected and "\r" not in joined)


_PIECE = st.sampled_from(
    ["a", '"', "\\", "\t", "\r", "\n", "é", "😀", "\x1b", " ", "source", '"source"', "\u2028", "\ud800"]
)
_SOURCE_TEXT = st.lists(_PIECE, max_size=6).map("".join)
_LINES = st.lists(_SOURCE_TEXT, max_size=4)
_SOURCE = st.one_of(_LINES, _SOURCE_TEXT)
_EXTRA_KEY = st.sampled_from([None, "metadata", "output", "tags"])
_FILE_CELL = st.tuples(st.sampled_from(["code", "markdown"]), _SOURCE, _EXTRA_KEY, st.booleans())


def _file_cell(
    kind: str, source: str | list[str], extra: str | None, image: bool, previous: str | list[str]
) -> dict[str, Any]:
    cell = code_cell(source) if kind == "code" else md_cell(source)
    if extra == "metadata":
        cell["metadata"] = {"source": previous}  # another cell's source, or this one's
    elif extra == "tags":
        cell["metadata"] = {"tags": ["source"]}
    if kind == "code":
        data: dict[str, Any] = {"image/png": IMAGE} if image else {"text/plain": ["out"]}
        metadata = {"source": source} if extra == "output" else {}
        cell["outputs"] = [{"output_type": "display_data", "data": data, "metadata": metadata}]
    return cell


def relaid(text: str, layout: str) -> str:
    """``text`` (indented JSON) with the first list separator or "[" laid out otherwise (same JSON)."""
    separator = re.search(r'",(\n *)"', text)  # a comma then a raw line break: outside strings
    if layout == "blank line":
        return text.replace("[\n", "[\n\n", 1)
    if separator is None:
        return text
    start, end = separator.span()
    replacement = {"two on a line": '", "', "indented": f'",{separator.group(1)} "'}[layout]
    return text[:start] + replacement + text[end:]


def assert_aligned_values_are_the_parse(notebook: Notebook) -> None:
    """The fast path reads each cell's value at the k-th "source" unchecked: it must be the parsed source."""
    mapper = notebook._mapper
    assert mapper is not None
    if not mapper._aligned:
        return
    text = notebook.raw.decode("utf-8-sig")
    decoder = json.JSONDecoder()
    for quote, cell in zip(mapper._find_all('"source"'), notebook.data["cells"], strict=True):
        colon = _KEY_COLON.match(text, quote + len('"source"'))
        assert colon is not None
        assert decoder.raw_decode(text, colon.end())[0] == cell["source"]


# The file's style: indent, ASCII escapes, CRLF line breaks, and how its lists are laid out.
_STYLE = st.tuples(
    st.sampled_from([None, 1, 2]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["jupyter", "two on a line", "indented", "blank line"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FILE_CELL, max_size=6), _STYLE, st.randoms(use_true_random=False))
def test_file_line_agrees_with_a_plain_search(
    cells: list[tuple[str, Any, str | None, bool]], style: tuple[int | None, bool, bool, str], rng: Any
) -> None:
    indent, ascii_only, crlf, layout = style
    built: list[dict[str, Any]] = []
    previous: str | list[str] = []
    for kind, source, extra, image in cells:
        built.append(_file_cell(kind, source, extra, image, previous))
        previous = source
    text = json.dumps(nb_dict(built), indent=indent, ensure_ascii=ascii_only).replace("\ud800", "\\ud800")
    text = text if layout == "jupyter" else relaid(text, layout)
    notebook = parse_notebook((text.replace("\n", "\r\n") if crlf else text).encode(), PATH)
    asked = sorted(reference_file_lines(notebook))
    rng.shuffle(asked)
    assert_same_as_reference(notebook, asked)
    if asked:
        assert_aligned_values_are_the_parse(notebook)


def corpus_files() -> Iterator[Path]:
    return iter(sorted(CORPUS.rglob("*.ipynb")))


def escaped_forms(line: str) -> tuple[str, str]:
    return json.dumps(line)[1:-1], json.dumps(line, ensure_ascii=False)[1:-1]


@needs_corpus
def test_corpus_every_source_line_maps_to_the_file_line_that_holds_it() -> None:
    unmapped: list[tuple[str, int]] = []
    wrong: list[tuple[str, int, int]] = []
    checked = 0
    for path in corpus_files():
        notebook = read_notebook(path)
        file_lines = notebook.raw.decode("utf-8-sig").split("\n")
        for cell in notebook.cells:
            if cell.lines and notebook.file_line(cell.index, 1) is None:
                unmapped.append((path.name, cell.index))
                continue
            heading = notebook.original_nbformat == 3 and cell.cell_type == "markdown"
            for number, line in enumerate(cell.lines, start=1):
                text = line.lstrip("#").lstrip() if heading else line  # "## Title" was "Title"
                held = file_lines[notebook.file_line(cell.index, number) - 1]  # type: ignore[operator]
                checked += 1
                if not any(form in held for form in escaped_forms(text)):
                    wrong.append((path.name, cell.index, number))
    assert checked > 50_000
    assert unmapped == []
    assert wrong == []


# --- dump_notebook and write_notebook ------------------------------------------------------------------


def test_unchanged_data_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["x = 1"]), path)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.read_bytes()
    notebook = read_notebook(path)
    assert write_notebook(notebook, json.loads(before)) is False
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_changed_data_is_written_in_the_file_style(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb_dict([code_cell(["x = 1"])]), indent=2), encoding="utf-8")
    notebook = read_notebook(path)
    data = json.loads(notebook.raw)
    data["cells"][0]["source"] = ["x = 2"]
    assert write_notebook(notebook, data) is True
    assert path.read_text(encoding="utf-8") == json.dumps(data, indent=2)  # indent 2, no final newline
    assert read_notebook(path).cells[0].source == "x = 2"


@pytest.mark.parametrize("indent", [1, 2, 4, "\t"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_dump_keeps_indent_and_final_newline(indent: int | str, final_newline: bool) -> None:
    data = nb_dict([code_cell(["a = 1\n", "b = 2"])])
    original = (json.dumps(data, indent=indent) + ("\n" if final_newline else "")).encode()
    assert dump_notebook(json.loads(original), original) == original
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["3\n"]}]
    expected = json.dumps(data, indent=indent) + ("\n" if final_newline else "")
    assert dump_notebook(data, original) == expected.encode()


def test_dump_keeps_key_order() -> None:
    data = {"nbformat_minor": 5, "nbformat": 4, "metadata": {"z": 1, "a": 2}, "cells": []}
    original = json.dumps(data, indent=1).encode()
    data["metadata"]["m"] = 3
    assert dump_notebook(data, original) == json.dumps(data, indent=1).encode()
    assert list(json.loads(dump_notebook(data, original))["metadata"]) == ["z", "a", "m"]


def test_dump_escapes_non_ascii_when_the_original_did() -> None:
    data = nb_dict([md_cell("café")])
    original = json.dumps(data, indent=1, ensure_ascii=True).encode()
    assert b"caf\\u00e9" in original
    data["cells"].append(md_cell("naïve ≥"))
    dumped = dump_notebook(data, original)
    assert dumped == json.dumps(data, indent=1, ensure_ascii=True).encode()
    assert b"na\\u00efve \\u2265" in dumped


def test_dump_writes_utf8_when_the_original_did() -> None:
    data = nb_dict([md_cell("café")])
    original = json.dumps(data, indent=1, ensure_ascii=False).encode()
    data["cells"].append(md_cell("naïve"))
    assert "naïve".encode() in dump_notebook(data, original)


@pytest.mark.parametrize(
    "ascii_text",
    [
        '"\\u001b[0;31mValueError\\u001b[0m"',  # ANSI colours in a traceback: escaped in every style
        '"C:\\\\users\\\\me"',  # an escaped backslash before a "u" is not a \u escape
    ],
)
def test_an_ascii_original_without_non_ascii_escapes_stays_utf8(ascii_text: str) -> None:
    data = nb_dict([code_cell("x", outputs=[{"output_type": "stream", "name": "stderr", "text": "t"}])])
    original = json.dumps(data, indent=1).replace('"t"', ascii_text).encode()
    assert original.isascii()
    data = json.loads(original)
    assert dump_notebook(data, original) == original
    data["cells"].append(md_cell("é"))
    assert "é".encode() in dump_notebook(data, original)


def test_dump_keeps_the_byte_order_mark() -> None:
    data = nb_dict([code_cell("x = 1")])
    original = b"\xef\xbb\xbf" + (json.dumps(data, indent=1) + "\n").encode()
    assert dump_notebook(json.loads(original[3:]), original) == original
    data["cells"][0]["source"] = "x = 2"
    assert dump_notebook(data, original).startswith(b"\xef\xbb\xbf{\n ")


def test_dump_keeps_crlf_line_endings() -> None:
    data = nb_dict([code_cell(["x = 1\n", "y = 2"])])
    original = (json.dumps(data, indent=1) + "\n").replace("\n", "\r\n").encode()
    assert dump_notebook(json.loads(original), original) == original
    data["cells"][0]["source"] = ["x = 1\r\n", "z = 3"]
    dumped = dump_notebook(data, original)
    assert dumped == (json.dumps(data, indent=1) + "\n").replace("\n", "\r\n").encode()
    assert json.loads(dumped) == data


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_dump_keeps_single_line_json(separators: tuple[str, str]) -> None:
    data = nb_dict([code_cell("x = 1")])
    original = json.dumps(data, separators=separators).encode()
    assert dump_notebook(json.loads(original), original) == original
    data["cells"][0]["source"] = "x = 2"
    assert dump_notebook(data, original) == json.dumps(data, separators=separators).encode()


def test_dump_without_an_original_is_what_nbformat_writes(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["md:# Título", "x = 1\nprint(x)"]), path)
    raw = path.read_bytes()
    data = json.loads(raw)
    shuffled = dict(reversed(data.items()))  # nbformat sorts keys
    assert dump_notebook(shuffled) == raw


def test_dump_keeps_lone_surrogates_as_escapes() -> None:
    original = json.dumps(nb_dict([md_cell("ok")]), indent=1).encode()
    data = nb_dict([md_cell("broken \ud800 text")])
    dumped = dump_notebook(data, original)
    dumped.decode("utf-8")  # valid UTF-8
    assert b"broken \\ud800 text" in dumped
    assert json.loads(dumped) == data


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["x = 1"]), path)
    notebook = read_notebook(path)
    data = json.loads(notebook.raw)
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    write_notebook(notebook, data)
    assert read_notebook(path).data == data
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


@needs_corpus
def test_corpus_v4_notebooks_round_trip_byte_identical() -> None:
    identical, different = 0, []
    for path in corpus_files():
        raw = path.read_bytes()
        if json.loads(raw).get("nbformat") != 4:
            continue
        if dump_notebook(json.loads(raw), raw) == raw:
            identical += 1
        else:
            different.append(path.name)
    assert different == []
    assert identical >= 250


# --- robustness: anything parses to a Notebook or raises NotebookFormatError ----------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
_CELL = st.fixed_dictionaries(
    {
        "cell_type": st.sampled_from(["code", "markdown", "raw", "heading"]) | _JSON,
        "source": st.text() | st.lists(st.text(), max_size=4) | _JSON,
    },
    optional={
        "metadata": st.fixed_dictionaries({"tags": _JSON}) | _JSON,
        "outputs": _JSON,
        "execution_count": _JSON,
        "id": _JSON,
        "input": st.text() | st.lists(st.text(), max_size=3),
    },
)
_NOTEBOOK = st.one_of(
    st.fixed_dictionaries(
        {
            "nbformat": st.just(4) | _JSON,
            "nbformat_minor": st.integers(0, 5),
            "cells": st.lists(_CELL, max_size=4) | _JSON,
        },
        optional={"metadata": _JSON},
    ),
    st.fixed_dictionaries(
        {
            "nbformat": st.just(3),
            "nbformat_minor": st.just(0),
            "metadata": st.just({}),
            "worksheets": st.lists(st.fixed_dictionaries({"cells": st.lists(_CELL, max_size=3)}), max_size=2) | _JSON,
        }
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NOTEBOOK, st.sampled_from([None, 1, 2]), st.booleans())
def test_any_notebook_like_json_parses_or_is_a_format_error(data: Any, indent: int | None, bom: bool) -> None:
    raw = (b"\xef\xbb\xbf" if bom else b"") + json.dumps(data, indent=indent).encode()
    try:
        notebook = parse_notebook(raw, PATH)
    except NotebookFormatError:
        return
    for cell in notebook.cells:
        for number in range(len(cell.lines) + 2):
            line = notebook.file_line(cell.index, number)
            assert line is None or 1 <= line <= raw.count(b"\n") + 1
    if notebook.original_nbformat == 4:
        assert json.loads(dump_notebook(notebook.data, notebook.raw).removeprefix(b"\xef\xbb\xbf")) == data


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_parse_or_are_a_format_error(raw: bytes) -> None:
    with contextlib.suppress(NotebookFormatError):  # and nothing else
        parse_notebook(raw, PATH)


_V3_TEXT = st.sampled_from(["", "x", "a\nb", "# t", "{}"]) | st.lists(
    st.sampled_from(["a\n", "b", "x = 1\n", "\r", "", "# h\n", "c\r\n"]), max_size=4
)
_V3_OUTPUT = st.fixed_dictionaries(
    {"output_type": st.sampled_from(["pyout", "display_data", "pyerr", "stream", "other"])},
    optional={
        "text": _V3_TEXT,
        "png": st.text(max_size=4),
        "html": _V3_TEXT,
        "json": st.sampled_from(['{"a": 1}', "[]", "bad"]),
        "metadata": st.fixed_dictionaries({}, optional={"png": _JSON, "text": _JSON}) | _JSON,
        "prompt_number": _JSON,
        "stream": st.sampled_from(["stdout", "stderr"]) | _JSON,
        "latex": _V3_TEXT,
        "ename": st.text(max_size=3),
        "traceback": _V3_TEXT,
    },
)
_V3_CELL = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "heading", "html", "raw"]) | _JSON},
    optional={
        "input": _V3_TEXT | _JSON,
        "source": _V3_TEXT | _JSON,
        "outputs": st.lists(_V3_OUTPUT, max_size=3) | _JSON,
        "language": st.just("python"),
        "collapsed": st.booleans() | _JSON,
        "prompt_number": _JSON,
        "metadata": st.fixed_dictionaries({}, optional={"tags": _JSON, "collapsed": _JSON}) | _JSON,
        "level": st.integers(-1, 7) | _JSON,
        "rendered": _V3_TEXT,
        "id": _JSON,
    },
)
_V3 = st.fixed_dictionaries(
    {"worksheets": st.lists(st.fixed_dictionaries({"cells": st.lists(_V3_CELL, max_size=4)}), max_size=2) | _JSON},
    optional={
        "nbformat": st.sampled_from([3, 3.0, None]),
        "nbformat_minor": st.sampled_from([0, 1, -1]) | _JSON,
        "metadata": st.fixed_dictionaries({}, optional={"name": _JSON, "signature": _JSON, "orig_nbformat": _JSON})
        | _JSON,
        "orig_nbformat": _JSON,
        "orig_nbformat_minor": _JSON,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_V3)
def test_any_nbformat_3_upgrades_as_nbformat_upgrades_it(data: dict[str, Any]) -> None:
    assert upgrades_agree(data)


def test_an_unsupported_version_is_named_briefly() -> None:
    # Found by the fuzzer (tests/fuzz): a structure as "nbformat" was repeated whole in the message.
    error = format_error(json.dumps({"nbformat": [None, {"k" * 300: None}], "cells": []}).encode())
    assert error.reason.startswith("unsupported nbformat version [None, {'kkk")
    assert error.reason.endswith("... (dsquality reads 3 and 4)")
    assert len(error.reason) < 100
