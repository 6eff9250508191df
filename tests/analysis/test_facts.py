"""Tests for dsquality.analysis.facts: name events in evaluation order, imports, calls, strings, definitions."""

from __future__ import annotations

import ast
import textwrap

import pytest

from dsquality.analysis.facts import (
    CallFact,
    CellFacts,
    DefinitionFact,
    ImportFact,
    NameEvent,
    NameKind,
    StringFact,
    collect,
    dotted_name,
)

READ, BIND, STAR = NameKind.READ, NameKind.BIND, NameKind.STAR_IMPORT


def facts(source: str) -> CellFacts:
    return collect(ast.parse(textwrap.dedent(source)))


def flow(source: str) -> list[tuple[str, str]]:
    """Name events as ``("read" | "bind" | "star-import", name)``; deferred ones end in ``*``."""
    return [(event.kind.value, event.name + ("*" if event.deferred else "")) for event in facts(source).names]


def r(name: str) -> tuple[str, str]:
    return ("read", name)


def b(name: str) -> tuple[str, str]:
    return ("bind", name)


# --- evaluation order -----------------------------------------------------------------------------------


def test_read_before_bind_with_positions() -> None:
    assert facts("x = x + 1").names == [NameEvent("x", READ, 1, 5), NameEvent("x", BIND, 1, 1)]


def test_chained_and_tuple_assignment() -> None:
    assert flow("a = b = c") == [r("c"), b("a"), b("b")]
    assert flow("p, (q, *rest) = pair") == [r("pair"), b("p"), b("q"), b("rest")]


def test_stores_into_attributes_and_subscripts_read_the_container() -> None:
    assert flow("d[key] = value") == [r("value"), r("d"), r("key")]
    assert flow("obj.attr = value") == [r("value"), r("obj")]
    assert flow("del d[k]") == [r("d"), r("k")]


def test_augmented_assignment_reads_then_binds() -> None:
    assert facts("total += f(x)").names == [
        NameEvent("total", READ, 1, 1),
        NameEvent("f", READ, 1, 10),
        NameEvent("x", READ, 1, 12),
        NameEvent("total", BIND, 1, 1),
    ]
    assert flow("obj.count += step") == [r("obj"), r("step")]
    assert flow("grid[i] *= 2") == [r("grid"), r("i")]


def test_annotated_assignment() -> None:
    assert flow("n: int = size") == [r("size"), b("n"), r("int")]  # assigns, then evaluates the annotation
    assert flow("n: int") == [r("int")]  # an annotation alone binds nothing


def test_walrus() -> None:
    assert flow("if (n := len(data)) > 3:\n    print(n)") == [r("len"), r("data"), b("n"), r("print"), r("n")]


def test_walrus_in_a_comprehension_binds_in_the_enclosing_scope() -> None:
    assert flow("found = [y := f(x) for x in data]\nprint(y)") == [
        r("data"),
        r("f"),
        b("y"),
        b("found"),
        r("print"),
        r("y"),
    ]
    # inside a function, the function's local
    assert flow("def g():\n    ys = [y := h(v) for v in vals]\n    return y") == [b("g"), r("vals*"), r("h*")]


def test_for_loop_with_else() -> None:
    source = """\
        for i, row in enumerate(rows):
            total = i + offset
        else:
            done = total
    """
    assert flow(source) == [
        r("enumerate"),
        r("rows"),
        b("i"),
        b("row"),
        r("i"),
        r("offset"),
        b("total"),
        r("total"),
        b("done"),
    ]


def test_while_loop() -> None:
    assert flow("while n > 0:\n    n -= step") == [r("n"), r("n"), r("step"), b("n")]


def test_with_statement() -> None:
    source = """\
        with open(path) as fh, lock:
            data = fh.read()
    """
    assert flow(source) == [r("open"), r("path"), b("fh"), r("lock"), r("fh"), b("data")]


def test_try_except_as_else_finally() -> None:
    source = """\
        try:
            x = risky()
        except (ValueError, KeyError) as err:
            log(err)
        except Exception:
            pass
        else:
            y = x
        finally:
            done = True
    """
    assert flow(source) == [
        r("risky"),
        b("x"),
        r("ValueError"),
        r("KeyError"),
        b("err"),
        r("log"),
        r("err"),
        r("Exception"),
        r("x"),
        b("y"),
        b("done"),
    ]


# --- imports ---------------------------------------------------------------------------------------------


def test_imports() -> None:
    source = """\
        import os, numpy as np
        import os.path
        import a.b.c as abc
        from collections import OrderedDict as OD, deque
        from . import sibling
        from ..pkg.mod import thing
        from math import *
    """
    found = facts(source)
    assert found.imports == [
        ImportFact("os", (), 1, 1, is_from=False),
        ImportFact("numpy", (), 1, 1, is_from=False),
        ImportFact("os.path", (), 2, 1, is_from=False),
        ImportFact("a.b.c", (), 3, 1, is_from=False),
        ImportFact("collections", ("OrderedDict", "deque"), 4, 1, is_from=True),
        ImportFact(".", ("sibling",), 5, 1, is_from=True),
        ImportFact("..pkg.mod", ("thing",), 6, 1, is_from=True),
        ImportFact("math", ("*",), 7, 1, is_from=True),
    ]
    assert found.names == [
        NameEvent("os", BIND, 1, 1),
        NameEvent("np", BIND, 1, 1),
        NameEvent("os", BIND, 2, 1),
        NameEvent("abc", BIND, 3, 1),
        NameEvent("OD", BIND, 4, 1),
        NameEvent("deque", BIND, 4, 1),
        NameEvent("sibling", BIND, 5, 1),
        NameEvent("thing", BIND, 6, 1),
        NameEvent("*", STAR, 7, 1),
    ]


def test_imports_inside_a_function_are_local() -> None:
    found = facts("def f():\n    import json\n    return json.dumps(1)")
    assert found.imports == [ImportFact("json", (), 2, 5, is_from=False)]
    assert flow("def f():\n    import json\n    return json.dumps(1)") == [b("f")]


class _NamesInVisitOrder(ast.NodeVisitor):
    """Names read, in the order of ``ast.NodeVisitor``'s generic walk (fields in order)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        self.names.append(node.id)


@pytest.mark.parametrize(
    "expression",
    [
        "f(a, *b, c=d, **e)(g)[h]",
        "obj.attr.method(arg).other[index:upper:step]",
        "-a ** +b if not c else ~d",
        "a < b <= c.d != e[f] in g is not h",
        "(a, [b, *c], {d: e, **f}, {g, h}, i[j, k:l])",
        "lambda_result(x for x in items if x > limit)",
        'f"{value!r:>{width}} {other}" + text % (a, b)',
        "a and b or not c and d",
        "await_(a)[b][c](d)(e=f)",
        "{**base, key: value, None: other}",
    ],
)
def test_expressions_are_walked_as_ast_nodevisitor_walks_them(expression: str) -> None:
    walker = _NamesInVisitOrder()
    walker.visit(ast.parse(expression))
    reads = [event.name for event in facts(expression).names if event.kind is READ]
    comprehension_locals = {"x"}
    assert reads == [name for name in walker.names if name not in comprehension_locals]


def test_stores_in_a_function_are_local_except_through_subscripts_and_attributes() -> None:
    source = """        def f(param):
            (a, [b, *c]) = param
            d[key] = obj.attr = 1
            for e in range(3):
                with open(path) as g:
                    pass
            try:
                pass
            except Exception as h:
                pass
            import i.j as k, m.n
            if (o := 1):
                pass
            def p(): q = 1
            class R: s = 1
            t = lambda u: v
            w = [x for x in y]
            return a, b, c, d, e, g, h, k, m, o, p, q, R, s, t, u, v, w, x
    """
    assert [name for kind, name in flow(source) if kind == "read"] == [
        "d*",
        "key*",
        "obj*",
        "range*",
        "open*",
        "path*",
        "Exception*",
        "v*",
        "y*",
        "d*",
        "q*",
        "s*",
        "u*",
        "v*",
        "x*",
    ]


# --- functions --------------------------------------------------------------------------------------------


def test_function_definition_reads_at_def_time_and_defers_the_body() -> None:
    source = """\
        @decorate(level)
        def f(a, b=default, *args, c: int = kw_default, **kwargs) -> Ret:
            local = a + b + c + outer
            return local, args, kwargs
    """
    assert facts(source).names == [
        NameEvent("decorate", READ, 1, 2),
        NameEvent("level", READ, 1, 11),
        NameEvent("default", READ, 2, 12),
        NameEvent("kw_default", READ, 2, 37),
        NameEvent("int", READ, 2, 31),
        NameEvent("Ret", READ, 2, 62),
        NameEvent("f", BIND, 2, 1),
        NameEvent("outer", READ, 3, 25, deferred=True),
    ]


def test_local_read_before_its_assignment_is_still_local() -> None:
    assert flow("def f():\n    print(x)\n    x = 1") == [b("f"), r("print*")]


def test_global_names_are_bound_at_the_definition() -> None:
    source = """\
        def setup():
            global CONFIG, counter
            CONFIG = load()
            counter += 1
            return CONFIG
    """
    assert facts(source).names == [
        NameEvent("setup", BIND, 1, 1),
        NameEvent("CONFIG", BIND, 1, 1),
        NameEvent("counter", BIND, 1, 1),
        NameEvent("load", READ, 3, 14, deferred=True),
        NameEvent("counter", READ, 4, 5, deferred=True),
    ]


def test_nonlocal_names_belong_to_the_enclosing_function() -> None:
    source = """\
        def outer():
            count = 0
            def inner():
                nonlocal count
                count += 1
                return count
            return inner
    """
    assert flow(source) == [b("outer")]


def test_global_in_a_nested_function() -> None:
    source = """\
        def outer():
            def inner():
                global STATE
                STATE = 1
            return inner
    """
    assert flow(source) == [b("outer"), b("STATE*")]


def test_locals_found_past_nones_and_strings_in_lists_of_nodes() -> None:
    # A dict display with ** (a None key), a keyword-only parameter without default (a None
    # default), global names and a class pattern's attribute names (strings) in one body.
    source = """\
        def f(*, a, b=1):
            global seen
            merged = {**base, "k": a}
            match merged:
                case Point(x=px, y=py):
                    found = px + py
            try:
                pass
            except ValueError as error:
                raise
            return [item for item in merged], lambda q: q, unknown
    """
    # merged, px, py, found, error, item and q are local: only the globals are read.
    assert flow(source) == [b("f"), b("seen"), r("base*"), r("Point*"), r("ValueError*"), r("unknown*")]


def test_async_function() -> None:
    assert flow("async def fetch(url=base):\n    async with session.get(url) as r:\n        return await r.text()") == [
        r("base"),
        b("fetch"),
        r("session*"),
    ]


def test_lambdas() -> None:
    assert flow("key = lambda item: item[1] + offset") == [r("offset*"), b("key")]
    assert flow("f = lambda x=default, *a, **k: (x, a, k)") == [r("default"), b("f")]


# --- comprehensions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "events"),
    [
        ("squares = [x * x for x in values if x > limit]", [r("values"), r("limit"), b("squares")]),
        ("flat = [a for row in matrix for a in row]", [r("matrix"), b("flat")]),
        ("pairs = [(a, c) for a in xs for c in ys]", [r("xs"), r("ys"), b("pairs")]),
        ("d = {k: v * w for k, v in items.items()}", [r("items"), r("w"), b("d")]),
        ("s = {len(t) for t in texts}", [r("texts"), r("len"), b("s")]),
        ("total = sum(v for v in vals)", [r("sum"), r("vals"), b("total")]),
        ("m = [x for x in x]", [r("x"), b("m")]),  # the first iterable is the enclosing scope's x
    ],
)
def test_comprehension_variables_are_local(source: str, events: list[tuple[str, str]]) -> None:
    assert flow(source) == events


def test_comprehension_in_a_function_is_deferred() -> None:
    assert flow("def f():\n    return [g(v) for v in vals]") == [b("f"), r("vals*"), r("g*")]


# --- classes ----------------------------------------------------------------------------------------------


def test_class_body_names_are_class_local() -> None:
    source = """\
        @register
        class Model(Base, metaclass=Meta):
            rate = default_rate
            scaled = rate * 2
            def fit(self, X):
                return X * rate
        model = Model()
    """
    assert flow(source) == [
        r("register"),
        r("Base"),
        r("Meta"),
        r("default_rate"),
        r("rate*"),  # a method does not see the class body's names: this is the module's rate
        b("Model"),
        r("Model"),
        b("model"),
    ]


def test_class_names_are_not_visible_in_comprehensions_of_the_body() -> None:
    source = """\
        class A:
            xs = [1, 2]
            ys = [x for x in xs]
            zs = [x + y for x in xs for y in xs]
    """
    assert flow(source) == [r("xs"), b("A")]  # only the second generator's xs is a module-level read


def test_nested_class_names() -> None:
    source = """\
        class Outer:
            size = 1
            class Inner:
                value = size
    """
    assert flow(source) == [r("size"), b("Outer")]


# --- match statements -------------------------------------------------------------------------------------


def test_match_statement() -> None:
    source = """\
        match command:
            case ["go", direction]:
                move(direction)
            case {"x": px, **rest}:
                pass
            case Point(x=0, y=yy) as pt:
                pass
            case Color.RED | Color.BLUE:
                pass
            case [first, *others] if first > limit:
                pass
            case _:
                pass
    """
    assert flow(source) == [
        r("command"),
        b("direction"),
        r("move"),
        r("direction"),
        b("px"),
        b("rest"),
        r("Point"),
        b("yy"),
        b("pt"),
        r("Color"),
        r("Color"),
        b("first"),
        b("others"),
        r("first"),
        r("limit"),
    ]


# --- calls ------------------------------------------------------------------------------------------------


def test_calls_with_dotted_names_and_keywords() -> None:
    source = """\
        np.random.seed(42)
        model.fit(X, y, epochs=3, verbose=0, **extra)
        f()()
        getattr(obj, "m")(1, *rest)
        data["col"].mean()
    """
    calls = [(c.func, c.keywords, c.n_args, c.line, c.column) for c in facts(source).calls]
    assert calls == [
        ("np.random.seed", frozenset(), 1, 1, 1),
        ("model.fit", frozenset({"epochs", "verbose"}), 2, 2, 1),
        ("f", frozenset(), 0, 3, 1),
        ("getattr", frozenset(), 2, 4, 1),
    ]


def test_call_fact_keeps_the_node_out_of_comparisons() -> None:
    found = facts("train_test_split(X, y, random_state=0)")
    (call,) = found.calls
    assert isinstance(call.node, ast.Call)
    assert call == CallFact("train_test_split", frozenset({"random_state"}), 2, 1, 1, ast.Call())
    assert "node" not in repr(call)


def test_calls_in_function_bodies_and_lambdas_are_collected() -> None:
    found = facts("def f():\n    return g.h(k=1)\nsq = lambda v: math.sqrt(v)")
    assert [(c.func, c.line) for c in found.calls] == [("g.h", 2), ("math.sqrt", 3)]


def test_dotted_name() -> None:
    def expression(text: str) -> ast.expr:
        statement = ast.parse(text).body[0]
        assert isinstance(statement, ast.Expr)
        return statement.value

    assert dotted_name(expression("a.b.c")) == "a.b.c"
    assert dotted_name(expression("a")) == "a"
    assert dotted_name(expression("a().b")) is None
    assert dotted_name(expression("a[0].b")) is None


# --- strings ----------------------------------------------------------------------------------------------


def test_string_facts_with_assigned_to() -> None:
    source = """\
        path = "/home/me/data.csv"
        cfg.path = "C:\\\\data"
        d["key"] = "value"
        password: str = "hunter2"
        a = b = "same"
        x, y = "xy"
        open("/data/f", mode="r")
    """
    assert facts(source).strings == [
        StringFact("/home/me/data.csv", 1, 8, "path"),
        StringFact("C:\\data", 2, 12, "cfg.path"),
        StringFact("value", 3, 12),
        StringFact("key", 3, 3),
        StringFact("hunter2", 4, 17, "password"),
        StringFact("same", 5, 9, "a"),
        StringFact("xy", 6, 8),
        StringFact("/data/f", 7, 6),
        StringFact("r", 7, 22),
    ]


def test_no_duplicate_string_facts() -> None:
    found = facts('x = "a"\ny = ("b", "b")\nz: str = "c"')
    assert [(s.value, s.line, s.column, s.assigned_to) for s in found.strings] == [
        ("a", 1, 5, "x"),
        ("b", 2, 6, None),
        ("b", 2, 11, None),
        ("c", 3, 10, "z"),
    ]


def test_every_literal_part_of_an_f_string_is_a_fact() -> None:
    values = [s.value for s in facts('p = f"/home/{user}/data.csv"\nq = f"a{x}a"').strings]
    assert values == ["/home/", "/data.csv", "a", "a"]


def test_docstrings_and_bare_strings_are_not_string_facts() -> None:
    source = '''\
        """Module docstring."""
        def f():
            """Function docstring."""
            return "returned"
        class C:
            """Class docstring."""
            name = "attr"
        "a bare string"
    '''
    assert [s.value for s in facts(source).strings] == ["returned", "attr"]


def test_bytes_and_numbers_are_not_strings() -> None:
    assert facts('x = b"bytes"\ny = 1.5').strings == []


# --- definitions ------------------------------------------------------------------------------------------


def test_definitions_and_fully_typed() -> None:
    source = """\
        def typed(a: int, /, b: str, *args: str, c: int = 1, **kw: float) -> None: ...
        def no_return(a: int): ...
        def untyped_param(a, b: int) -> int: ...
        def untyped_varargs(*args) -> None: ...
        def untyped_kwargs(**kwargs) -> None: ...
        def no_params() -> int: ...
        def self_outside_a_class(self) -> None: ...
        async def fetch(url: str) -> bytes: ...
        class Model:
            def fit(self, X: list) -> "Model": ...
            @classmethod
            def load(cls, path: str) -> "Model": ...
            def untyped(self, X): ...
            def other_first(this, X: int) -> None: ...
            class Inner:
                def method(self) -> None: ...
        def outer() -> None:
            def inner(x): ...
            class Hidden: ...
    """
    assert facts(source).definitions == [
        DefinitionFact("typed", "function", 1, 1, fully_typed=True),
        DefinitionFact("no_return", "function", 2, 1, fully_typed=False),
        DefinitionFact("untyped_param", "function", 3, 1, fully_typed=False),
        DefinitionFact("untyped_varargs", "function", 4, 1, fully_typed=False),
        DefinitionFact("untyped_kwargs", "function", 5, 1, fully_typed=False),
        DefinitionFact("no_params", "function", 6, 1, fully_typed=True),
        DefinitionFact("self_outside_a_class", "function", 7, 1, fully_typed=False),
        DefinitionFact("fetch", "function", 8, 1, fully_typed=True),
        DefinitionFact("Model", "class", 9, 1, fully_typed=True),
        DefinitionFact("fit", "function", 10, 5, fully_typed=True, parent="Model"),
        DefinitionFact("load", "function", 12, 5, fully_typed=True, parent="Model"),
        DefinitionFact("untyped", "function", 13, 5, fully_typed=False, parent="Model"),
        DefinitionFact("other_first", "function", 14, 5, fully_typed=False, parent="Model"),
        DefinitionFact("Inner", "class", 15, 5, fully_typed=True, parent="Model"),
        DefinitionFact("method", "function", 16, 9, fully_typed=True, parent="Inner"),
        DefinitionFact("outer", "function", 17, 1, fully_typed=True),
    ]


def test_definitions_inside_blocks_are_module_level() -> None:
    found = facts("if ready:\n    def f(x: int) -> int:\n        return x\nelse:\n    class K: ...")
    assert found.definitions == [
        DefinitionFact("f", "function", 2, 5, fully_typed=True),
        DefinitionFact("K", "class", 5, 5, fully_typed=True),
    ]


# --- robustness -------------------------------------------------------------------------------------------


def test_a_long_chain_of_operators_does_not_exhaust_the_stack() -> None:
    terms = [f"t{i}" for i in range(2500)]
    found = facts("total = " + " + ".join(terms))
    assert [event.name for event in found.names] == [*terms, "total"]


def test_empty_module() -> None:
    assert facts("") == CellFacts()
