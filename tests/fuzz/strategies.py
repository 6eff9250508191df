"""Hypothesis strategies that build notebook files, valid and subtly broken, for the fuzz tests.

Three families, all ending in the bytes of a ``.ipynb`` file:

- :func:`documents`: notebook JSON built cell by cell (nbformat 4.0 to 4.5, and 3): ``source`` as a
  string, a list, or neither; odd ``execution_count``s; duplicate, missing and ill-typed cell ids;
  code fragments with IPython magics, syntax errors, deep nesting, surrogates and odd line breaks;
  now and then a huge cell; then, for some, deleted keys and values of the wrong type.
- :func:`notebook_bytes`: such a document serialised in one of the styles found in real
  repositories (indent, ASCII escapes, CRLF, a byte-order mark) or broken on the way (latin-1,
  raw surrogates, a stray byte, truncation).
- :func:`mutated`: bytes of a real notebook (the project's own, or the shared corpus) with flipped
  bytes, a truncation, an insertion, or a key deleted from its JSON.

The benchmark ``benchmarks/fuzz_long.py`` draws from the same strategies.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
# The project's own notebooks: the fuzz tests work without the corpus.
PROJECT_NOTEBOOKS = tuple(sorted([*REPO.glob("notebooks/*.ipynb"), *REPO.glob("templates/*.ipynb")]))
# Corpus notebooks larger than this are left out of mutation: each example re-lints the whole file.
CORPUS_MAX_BYTES = 400_000

# --- cell sources ---------------------------------------------------------------------------------

FRAGMENTS = (
    "import pandas as pd\n",
    "import numpy as np\nfrom pathlib import Path\n",
    "df = pd.read_csv('data.csv')\n",
    "df.head()\n",
    "from sklearn.model_selection import train_test_split\n",
    "X_train, X_test, y_train, y_test = train_test_split(X, y)\n",
    "model.fit(X_test, y_test)\n",
    "scaler.fit(X)\nX = scaler.transform(X)\n",
    "alpha: float = 0.5  # regularisation\n",
    "data_path: Path\n",
    "n: int = '3'\n",
    "mode: Literal['a', 'b'] = 'c'\n",
    "seed = np.random.randint(10)\n",
    "def f(x: int) -> int:\n    return x + 1\n",
    "class A:\n    pass\n",
    "assert f(1) == 2\n",
    "# dsq: export\n",
    "%matplotlib inline\n",
    "%%time\n",
    "%%bash\necho hi\n",
    "!pip install numpy\n",
    "x = !ls\n",
    "df?\n",
    "await asyncio.sleep(0)\n",
    "return 1\n",
    "yield 2\n",
    "def g(:\n",
    '"""unterminated\n',
    "    indented = 1\n",
    "\tx = 1\n",
    "\\\n",
    "x = (" * 60 + ")" * 60 + "\n",
    "[" * 120 + "]" * 120 + "\n",
    "1" * 5000 + "\n",
    "f'{x!r:>{w}}'\n",
    "lambda: (yield)\n",
    "del x\nglobal y\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "match x:\n    case [1, *rest]:\n        pass\n",
    "type X = list[int]\n",
    "\r\n",
    "\r",
    "\n",
    "\x0c",
    "\x00",
    "\u2028",
    "\x85",
    "\ud800",
    "\udcff",
    "\ufeff",
    "é😀数据",
    "# noqa: DSQ101\n",
    "# dsq: ignore\n",
)
_SHORT_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\ud800\udfff\r\n\t\x00"), max_size=12)
SOURCES = st.lists(st.sampled_from(FRAGMENTS) | _SHORT_TEXT, max_size=8).map("".join)
# A huge cell: many lines, or one very long line.
HUGE_SOURCES = st.sampled_from(
    [
        "x = 1\n" * 20_000,
        "y = " + "1 + " * 30_000 + "1\n",
        "# " + "a" * 300_000 + "\n",
        "".join(f"v{i} = v{i - 1} + 1\n" for i in range(1, 5_000)),
    ]
)
WRONG_TYPES: tuple[Any, ...] = (None, 0, -1, 1.5, True, "", "x", "heading", [], [1], {}, {"a": 1})
SCALAR_JSON = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | _SHORT_TEXT
ANY_JSON = st.recursive(
    SCALAR_JSON,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_SHORT_TEXT, children, max_size=3),
    max_leaves=8,
)


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws.

    Not ``integers(0, n) == 0``: hypothesis favours 0 and the bounds, so test a value in between.
    """
    return draw(st.integers(0, one_in - 1)) == one_in // 2


def _source_value(text: str, style: str) -> object:
    """``text`` stored as nbformat allows (a string or a list of lines) or as it does not."""
    if style == "list":
        return text.splitlines(keepends=True)
    if style == "list-no-breaks":  # what nbformat 3 writers sometimes saved
        return text.splitlines()
    if style == "bad-element":
        return [*text.splitlines(keepends=True), 7]
    return text


SOURCE_STYLES = st.sampled_from(["str"] * 8 + ["list"] * 10 + ["list-no-breaks", "bad-element"])
EXECUTION_COUNTS = st.none() | st.integers(-3, 2**64) | st.sampled_from([None, 1, True, 1.0, "3", [], {}])
TAGS = st.lists(
    st.sampled_from(["parameters", "export", "test", "keep-output", "injected-parameters", "skip"]) | _SHORT_TEXT,
    max_size=3,
)
CELL_IDS = st.sampled_from(["a", "a", "b", "cell-1", "", "x" * 65, "bad id!", 3, None])


@st.composite
def outputs(draw: st.DrawFn) -> dict[str, Any]:
    """One code-cell output (nbformat 4), now and then of an unknown type."""
    kind = draw(st.sampled_from(["stream", "execute_result", "display_data", "error", "unknown"]))
    if kind == "stream":
        return {"output_type": kind, "name": draw(st.sampled_from(["stdout", "stderr", 1])), "text": draw(SOURCES)}
    if kind == "error":
        return {"output_type": kind, "ename": "ValueError", "evalue": draw(_SHORT_TEXT), "traceback": ["tb"]}
    output: dict[str, Any] = {
        "output_type": kind,
        "data": {"text/plain": draw(SOURCES), "image/png": "iVBORw0KGgo="},
        "metadata": {},
    }
    if kind == "execute_result":
        output["execution_count"] = draw(EXECUTION_COUNTS)
    return output


@st.composite
def cells(draw: st.DrawFn, *, huge: bool = False) -> dict[str, Any]:
    """One nbformat-4 cell (code, markdown, raw, or of an unknown type)."""
    kind = draw(st.sampled_from(["code"] * 6 + ["markdown"] * 3 + ["raw"]))
    text = draw(HUGE_SOURCES) if huge else draw(SOURCES)
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": _source_value(text, draw(SOURCE_STYLES))}
    tags = draw(TAGS)
    if tags:
        cell["metadata"]["tags"] = tags
    if draw(st.booleans()):
        cell["metadata"].update(
            draw(st.dictionaries(st.sampled_from(["collapsed", "ExecuteTime", "jupyter", "scrolled", "x"]), ANY_JSON))
        )
    if kind == "code":
        cell["execution_count"] = draw(EXECUTION_COUNTS)
        cell["outputs"] = draw(st.lists(outputs(), max_size=3))
    if draw(st.booleans()):
        cell["id"] = draw(CELL_IDS)
    return cell


@st.composite
def metadata(draw: st.DrawFn) -> dict[str, Any]:
    """Notebook metadata: usually a Python kernel, sometimes another language, junk, or promote targets."""
    kernel = draw(st.sampled_from(["python3", "python3", "ir", "julia", None]))
    meta: dict[str, Any] = {}
    if kernel is not None:
        language = {"python3": "python", "ir": "R", "julia": "julia"}[kernel]
        meta["kernelspec"] = {"display_name": kernel, "language": language, "name": kernel}
        meta["language_info"] = {"name": language}
    if draw(st.booleans()):
        meta["dsquality"] = draw(
            st.sampled_from([{"promote": {"module": "pkg/mod.py"}}, {"promote": {"module": 3}}, {"promote": []}, 7])
        )
    if draw(st.booleans()):
        meta.update(draw(st.dictionaries(st.sampled_from(["widgets", "papermill", "signature", "other"]), ANY_JSON)))
    return meta


@st.composite
def v4_documents(draw: st.DrawFn) -> dict[str, Any]:
    """An nbformat 4.0-4.5 notebook; ids whether or not the minor version allows them."""
    count = draw(st.integers(0, 6))
    huge_at = draw(st.integers(0, 5)) if rarely(draw, 40) else -1  # one notebook in ~40 has a huge cell
    built = [draw(cells(huge=index == huge_at)) for index in range(count)]
    return {
        "cells": built,
        "metadata": draw(metadata()),
        "nbformat": 4,
        "nbformat_minor": draw(st.integers(0, 5) | st.sampled_from([6, -1, "5", None])),
    }


@st.composite
def v3_cells(draw: st.DrawFn) -> dict[str, Any]:
    """One nbformat-3 cell (code with ``input`` and ``prompt_number``, markdown, heading, raw, html)."""
    kind = draw(st.sampled_from(["code", "code", "markdown", "heading", "raw", "html"]))
    text = draw(SOURCES)
    style = draw(SOURCE_STYLES)
    if kind != "code":
        cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": _source_value(text, style)}
        if kind == "heading":
            cell["level"] = draw(st.integers(0, 7) | st.sampled_from(["1", None]))
        return cell
    v3_outputs: list[dict[str, Any]] = draw(
        st.lists(
            st.sampled_from(
                [
                    {"output_type": "pyout", "prompt_number": 1, "text": ["1"], "metadata": {}},
                    {"output_type": "stream", "stream": "stdout", "text": ["a\n", "b"]},
                    {"output_type": "pyerr", "ename": "E", "evalue": "v", "traceback": []},
                    {"output_type": "display_data", "png": "iVBORw0KGgo=", "metadata": {}},
                    {"output_type": "display_data", "json": '{"a": 1}', "metadata": {}},
                    {"output_type": "display_data", "json": "not json", "metadata": {}},
                ]
            ),
            max_size=3,
        )
    )
    return {
        "cell_type": "code",
        "collapsed": draw(st.booleans()),
        "input": _source_value(text, style),
        "language": "python",
        "metadata": {},
        "outputs": copy.deepcopy(v3_outputs),
        "prompt_number": draw(EXECUTION_COUNTS),
    }


@st.composite
def v3_documents(draw: st.DrawFn) -> dict[str, Any]:
    """An nbformat 3 notebook (worksheets); now and then an odd minor version or no ``nbformat`` at all."""
    document: dict[str, Any] = {
        "metadata": {"name": draw(_SHORT_TEXT)},
        "nbformat": 3,
        "nbformat_minor": draw(st.sampled_from([0] * 8 + [1, "0"])),
        "worksheets": [
            {"cells": draw(st.lists(v3_cells(), max_size=5)), "metadata": {}} for _ in range(draw(st.integers(0, 2)))
        ],
    }
    if rarely(draw, 10):
        del document["nbformat"]
    return document


def _containers(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every list and object inside ``value`` (itself included)."""
    found = []
    if isinstance(value, dict):
        found.append(path)
        for key, item in value.items():
            found.extend(_containers(item, (*path, key)))
    elif isinstance(value, list):
        found.append(path)
        for index, item in enumerate(value):
            found.extend(_containers(item, (*path, index)))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


@st.composite
def broken(draw: st.DrawFn, document: dict[str, Any], *, max_changes: int = 3) -> dict[str, Any]:
    """``document`` with up to ``max_changes`` keys deleted or values replaced by one of the wrong type."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_changes))):
        paths = [path for path in _containers(document) if _at(document, path)]
        if not paths:
            break
        container = _at(document, draw(st.sampled_from(paths)))
        key = draw(
            st.sampled_from(sorted(container, key=str) if isinstance(container, dict) else range(len(container)))
        )
        if draw(st.booleans()):
            del container[key]
        else:
            container[key] = copy.deepcopy(draw(st.sampled_from(WRONG_TYPES) | ANY_JSON))  # never shared
    return document


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A notebook document: valid v4, v3, either with keys broken, another nbformat, or not an object."""
    kind = draw(st.sampled_from(["v4"] * 6 + ["v4-broken"] * 3 + ["v3"] * 2 + ["v3-broken", "version", "junk"]))
    if kind.startswith("v4"):
        document = draw(v4_documents())
    elif kind.startswith("v3"):
        document = draw(v3_documents())
    elif kind == "version":
        document = draw(v4_documents())
        document["nbformat"] = draw(st.sampled_from([1, 2, 5, "4", 4.0, None, True]))
    else:
        return draw(ANY_JSON)
    return draw(broken(document)) if kind.endswith("broken") else document


# A notebook worth promoting: exported definitions and test cells, with some of the fragments above.
EXPORTABLE = (
    "import math\n",
    "from pathlib import Path\n",
    '"""Statistics helpers."""\n',
    "SCALE: float = 2.0\n",
    "def scale(x: float) -> float:\n    return x * SCALE\n",
    "def name() -> str:\n    return 'é😀数据'\n",
    "class Box:\n    def __init__(self, value: int) -> None:\n        self.value = value\n",
    'def area(r: float) -> float:\n    """Area."""\n    return math.pi * r**2\n',
    "_private = 1\n",
    "print('import-time work')\n",
)


@st.composite
def promotable_documents(draw: st.DrawFn) -> dict[str, Any]:
    """An nbformat-4 notebook whose cells are mostly exported definitions and tests (reaches ruff)."""
    built = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["export", "export", "test", "plain"]))
        parts = draw(st.lists(st.sampled_from(EXPORTABLE) | st.sampled_from(FRAGMENTS), min_size=1, max_size=3))
        if kind == "test":
            parts = ["assert scale(1.0) == 2.0\n", *parts[:1]]
        cell: dict[str, Any] = {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{len(built)}",
            "metadata": {"tags": [kind]} if kind != "plain" else {},
            "outputs": [],
            "source": _source_value("".join(parts), draw(SOURCE_STYLES)),
        }
        built.append(cell)
    meta = draw(metadata()) if rarely(draw, 4) else {"kernelspec": {"name": "python3", "language": "python"}}
    return {"cells": built, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


# --- bytes -----------------------------------------------------------------------------------------

ENCODINGS = ("plain",) * 8 + ("bom", "crlf", "bom-crlf", "latin-1", "utf-16")


def serialise(document: object, *, indent: int | str | None, ensure_ascii: bool, encoding: str) -> bytes:
    """``document`` as the bytes of a file in one of :data:`ENCODINGS`."""
    text = json.dumps(document, indent=indent, ensure_ascii=ensure_ascii)
    if encoding in {"crlf", "bom-crlf"}:
        text = text.replace("\n", "\r\n")
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    if encoding == "utf-16":
        return text.encode("utf-16", errors="surrogatepass")
    data = text.encode("utf-8", errors="surrogatepass")
    return b"\xef\xbb\xbf" + data if encoding.startswith("bom") else data


@st.composite
def notebook_bytes(draw: st.DrawFn, document_strategy: st.SearchStrategy[Any] | None = None) -> bytes:
    """A notebook file's bytes: a drawn document in a drawn style, sometimes damaged on the way."""
    document = draw(document_strategy if document_strategy is not None else documents())
    data = serialise(
        document,
        indent=draw(st.sampled_from([1, 1, 2, 4, None, "\t"])),
        ensure_ascii=draw(st.booleans()),
        encoding=draw(st.sampled_from(ENCODINGS)),
    )
    return draw(damaged(data)) if rarely(draw, 8) else data


# --- mutations of real files -------------------------------------------------------------------------


def _flip(data: bytes, positions: Sequence[int], values: Sequence[int]) -> bytes:
    mutable = bytearray(data)
    for position, value in zip(positions, values, strict=False):
        mutable[position % len(mutable)] = value
    return bytes(mutable)


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with flipped bytes, a truncation, an insertion, a duplicated or a deleted slice."""
    if not data:
        return draw(st.binary(max_size=20))
    kind = draw(st.sampled_from(["flip", "flip", "truncate", "insert", "duplicate", "delete", "structural"]))
    size = len(data)
    at = draw(st.integers(0, size - 1))
    if kind == "flip":
        count = draw(st.integers(1, 8))
        positions = [at, *draw(st.lists(st.integers(0, size - 1), min_size=count - 1, max_size=count - 1))]
        return _flip(data, positions, draw(st.lists(st.integers(0, 255), min_size=count, max_size=count)))
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    end = min(size, at + draw(st.integers(1, 200)))
    if kind == "duplicate":
        return data[:end] + data[at:]
    if kind == "delete":
        return data[:at] + data[end:]
    # a JSON-significant character replaced by another: the file often still parses, differently
    return (
        data[:at] + draw(st.sampled_from([b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"null"])) + data[at + 1 :]
    )


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[Path]) -> tuple[str, bytes]:
    """``(name, bytes)``: one of ``seeds`` damaged as bytes, or with its JSON broken (keys deleted, wrong types)."""
    path = draw(st.sampled_from(seeds))
    data = path.read_bytes()
    if draw(st.booleans()):
        return path.name, draw(damaged(data))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except ValueError:
        return path.name, draw(damaged(data))
    return path.name, json.dumps(draw(broken(document)), indent=1, ensure_ascii=False).encode(
        "utf-8", errors="surrogatepass"
    )


def corpus_seeds(limit: int = CORPUS_MAX_BYTES) -> tuple[Path, ...]:
    """The shared corpus's notebooks of at most ``limit`` bytes (empty when the corpus is absent)."""
    if not CORPUS.is_dir():
        return ()
    return tuple(path for path in sorted(CORPUS.rglob("*.ipynb")) if path.stat().st_size <= limit)
