"""Typed formulas: the restricted grammar, exact derivatives, clear errors, and no code run."""

from __future__ import annotations

import builtins
import contextlib
import os
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fogwalk.core import simulate
from fogwalk.core.errors import FogwalkError
from fogwalk.core.surfaces import formula_surface, get_surface, parse_formula
from fogwalk.core.surfaces.base import X, Y
from fogwalk.core.surfaces.formula import FormulaError, FormulaSurface

STEP = np.finfo(float).eps ** (1 / 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2 + 1", X**2 + 1),  # ^ is a power, binding tighter than +
        ("x**2 + 1", X**2 + 1),
        ("-x^2", -(X**2)),
        ("2^3^2", sp.Integer(512)),  # right-associative, as in mathematics
        ("(x + y) * (x - y) / 2", (X + Y) * (X - Y) / 2),
        ("sin(x) + cos(y) - tan(x*y)", sp.sin(X) + sp.cos(Y) - sp.tan(X * Y)),
        ("exp(-x) * log(y) + sqrt(abs(x))", sp.exp(-X) * sp.log(Y) + sp.sqrt(sp.Abs(X))),
        ("tanh(x) + sinh(y) + cosh(x)", sp.tanh(X) + sp.sinh(Y) + sp.cosh(X)),
        ("arctan(x) + atan(y)", sp.atan(X) + sp.atan(Y)),
        ("arcsin(x/4) + arccos(y/4)", sp.asin(X / 4) + sp.acos(Y / 4)),
        ("log10(x)", sp.log(X) / sp.log(10)),
        ("pi * e", sp.pi * sp.E),
        ("  1.5e-1 * x  ", sp.Float(0.15) * X),
        ("7", sp.Integer(7)),
        ("+x", X),
    ],
)
def test_grammar(text, expected):
    assert sp.simplify(parse_formula(text) - expected) == 0


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x + foo(y)", "unknown function 'foo' at column 5; known functions: sin", 5),
        ("x + bar", "unknown name 'bar' at column 5; known: x, y, pi, e, sin", 5),
        ("2x", "write 2*x for a product", 1),
        ("  é + 2x", "write 2*x for a product", 7),  # columns count characters, not bytes
        ("x^2 + abs(ÿ)", "unknown name 'ÿ'", 11),
        ("sin(x", "never closed", 4),
        ("x^2 +", "ends too soon", 6),
        ("x.real", "attribute access", 1),
        ("x[0]", "subscripts", 1),
        ("sin(x=1)", "no keyword arguments", 1),
        ("sin(x, y)", "exactly one argument, got 2", 1),
        ("lambda: 1", "lambda is not allowed", 1),
        ("[x for x in y]", "comprehensions are not allowed", 1),
        ("x if y else 1", "if/else is not allowed", 1),
        ("x // 2", "the operator // is not allowed", 1),
        ("x < y", "comparisons are not allowed", 1),
        ("'x'", "'x' is not a number", 1),
        ("1j * x", "1j is not a number", 1),
        ("1 / 0", "division by zero", 5),
        ("9**9**9**9", "a power too large", 4),
        ("(2*x)**100000", "a power too large", 1),
        ("1e400 * x", "a number too large", 1),
        ("sin", "needs an argument", 1),
    ],
)
def test_errors_name_what_and_where(text, message, column):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    error = info.value
    assert isinstance(error, FogwalkError)
    assert message in str(error) and "\n" not in str(error)
    assert error.column == column
    assert error.pointer.splitlines()[1] == " " * (column - 1) + "^"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x\n+1", "one line"),
        ("x" + "+x" * 1000, "longer than 2000"),
        ("-(" * 70 + "x" + ")" * 70, "nested more than 64"),
        ("(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
        ("sin(" * 70 + "x" + ")" * 70, "nested more than 64"),
        ("log(0)", "infinite or undefined"),
        ("sqrt(-1) * x", "complex values"),
        ("10**400 * x", "beyond 1e300"),
    ],
)
def test_whole_formula_errors(text, message):
    with pytest.raises(FogwalkError, match=None) as info:
        parse_formula(text)
    assert message in str(info.value)


def test_long_sums_are_not_deep():
    # 991 terms are one chain, not 991 levels: no recursion limit, no nesting error.
    assert parse_formula("x+" * 990 + "x") == 991 * X
    assert parse_formula("x*" * 990 + "x") == X**991


def test_huge_powers_are_refused_at_once():
    began = time.perf_counter()
    for text in ["9**9**9**9", "2^2^2^2^2^2", "(1025/1024)^1000000", "sqrt(2)^100000"]:
        with pytest.raises(FormulaError):
            parse_formula(text)
    assert time.perf_counter() - began < 1.0


def test_formula_surface_has_exact_derivatives():
    surface = formula_surface("x^2 * sin(y) + exp(x*y/4) + abs(x - 1)")
    assert isinstance(surface, FormulaSurface)
    assert surface.name == "x^2 * sin(y) + exp(x*y/4) + abs(x - 1)"
    assert surface.label == "f(x, y) = x^2 * sin(y) + exp(x*y/4) + abs(x - 1)"
    assert surface.domain == (-3.0, 3.0, -3.0, 3.0)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-2, 2, 40), rng.uniform(-2, 2, 40)
    x = x[np.abs(x - 1) > 1e-3][:30]
    y = y[: x.size]
    h = STEP * np.maximum(1.0, np.abs(x))
    gx, gy = surface.grad(x, y)
    fd_x = (surface.value(x + h, y) - surface.value(x - h, y)) / (2 * h)
    fd_y = (surface.value(x, y + h) - surface.value(x, y - h)) / (2 * h)
    np.testing.assert_allclose(gx, fd_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gy, fd_y, rtol=1e-6, atol=1e-6)
    hxx, hxy, hyy = surface.hessian(x, y)
    (gxp, gyp), (gxm, gym) = surface.grad(x + h, y), surface.grad(x - h, y)
    np.testing.assert_allclose(hxx, (gxp - gxm) / (2 * h), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hxy, (gyp - gym) / (2 * h), rtol=1e-5, atol=1e-5)
    (gxp, gyp), (gxm, gym) = surface.grad(x, y + h), surface.grad(x, y - h)
    np.testing.assert_allclose(hyy, (gyp - gym) / (2 * h), rtol=1e-5, atol=1e-5)
    # The kink of abs: a Dirac delta in SymPy's Hessian, zero here.
    assert np.isfinite(surface.hessian(np.array([1.0]), np.array([0.5]))).all()


def test_flat_and_complex_formulas_give_float_arrays():
    flat = formula_surface("pi")
    f, gx, gy = flat.value_and_grad(np.zeros(3), np.ones(3))
    assert f.shape == gx.shape == gy.shape == (3,)
    np.testing.assert_allclose(f, np.pi)
    assert not gx.any() and not gy.any()
    assert flat.start == (0.0, 0.0)  # no slope anywhere: the centre
    # (-2)**x is real only at integers, and its derivative never is: NaN, never complex.
    branch = formula_surface("(-2)^x + y")
    f, gx, gy = branch.value_and_grad(np.array([2.0, 2.5]), np.zeros(2))
    assert f.dtype == gx.dtype == np.float64
    assert f[0] == 4.0 and np.isnan(f[1]) and np.isnan(gx).all()


def test_domain_and_start():
    surface = formula_surface("x^2 + y^2", domain=(-1, 2, 0, 4))
    assert surface.domain == (-1.0, 2.0, 0.0, 4.0)
    xmin, xmax, ymin, ymax = surface.domain
    sx, sy = surface.start
    assert xmin < sx < xmax and ymin < sy < ymax
    assert np.hypot(*surface.grad(sx, sy)) > 0.1  # up a slope, not on a peak or a floor
    with pytest.raises(FogwalkError, match="XMIN < XMAX"):
        formula_surface("x", domain=(1, 0, 0, 1))
    with pytest.raises(FogwalkError, match="four finite numbers"):
        formula_surface("x", domain=(0, 1, 0))


def test_get_surface_resolves_formulas_and_the_engine_walks_them():
    assert get_surface("rosenbrock").name == "rosenbrock"  # a built-in name comes first
    surface = get_surface("  (x - 1)^2 + 2*(y + 0.5)^2 ", domain=(-2, 2, -2, 2))
    assert surface.name == "(x - 1)^2 + 2*(y + 0.5)^2"
    assert get_surface("(x - 1)^2 + 2*(y + 0.5)^2", domain=(-2, 2, -2, 2)) is surface
    run = simulate(surface, ["adam:lr=0.1"], starts=[(0.0, 0.0)], steps=300)
    np.testing.assert_allclose(run.xy[-1, 0, 0], [1.0, -0.5], atol=1e-3)
    with pytest.raises(FogwalkError, match="unknown surface 'rosenbrok'; known surfaces: fog"):
        get_surface("rosenbrok")


# ---- nothing a user types ever runs ------------------------------------------------------

_SENTINEL = Path(tempfile.gettempdir()) / f"fogwalk-formula-pwned-{os.getpid()}"
_ATTACKS = [
    f"__import__('os').system('touch {_SENTINEL}')",
    f"open('{_SENTINEL}', 'w')",
    f"exec(\"open('{_SENTINEL}', 'w')\")",
    f"eval(\"open('{_SENTINEL}', 'w')\")",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: __import__('os'))()",
    "[c for c in ().__class__.__mro__]",
    "x.__class__",
    "sin.__globals__",
    "globals()",
]


def _forbidden(*args, **kwargs):
    raise AssertionError("the formula parser evaluated text")


def _parse_without_eval(text: str) -> None:
    """Parse with eval, exec and SymPy's string parser booby-trapped."""
    with (
        mock.patch.object(builtins, "eval", _forbidden),
        mock.patch.object(builtins, "exec", _forbidden),
        mock.patch("sympy.parsing.sympy_parser.parse_expr", _forbidden),
        contextlib.suppress(FogwalkError),
    ):
        parse_formula(text)


@pytest.mark.parametrize("text", _ATTACKS)
def test_code_is_never_run(text):
    _parse_without_eval(text)
    with pytest.raises(FogwalkError):
        get_surface(text)
    assert not _SENTINEL.exists()


_TOKENS = st.sampled_from(
    [
        "x", "y", "pi", "e", "0", "1", "2.5", "1e3", "9", "10", "-", "+", "*", "/", "**", "^",
        "(", ")", "(", ")", ",", " ", "sin", "cos", "tan", "exp", "log", "log10", "sqrt",
        "abs", "tanh", "arctan", "atan", "arcsin", "arccos", "sinh", "cosh", ".", "[", "]",
        "=", ":", "'", '"', "__import__", "'os'", "system", "lambda", "open", "if", "else",
        "for", "in", "not", "<", "%", "//", "@", "j", "_", "0x1f", "1_000", "nan", "inf",
    ]
)  # fmt: skip


def _surface_or_error(text: str) -> None:
    try:
        surface = formula_surface(text)
    except FogwalkError:
        return
    f, gx, gy = surface.value_and_grad(np.array([0.5, -1.5]), np.array([1.0, 2.0]))
    assert f.dtype.kind == gx.dtype.kind == gy.dtype.kind == "f"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=14).map("".join))
def test_random_token_soup_gives_a_surface_or_a_clear_error(text):
    _surface_or_error(text)
    _parse_without_eval(text)
    assert not _SENTINEL.exists()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_random_text_gives_a_surface_or_a_clear_error(text):
    _surface_or_error(text)
    _parse_without_eval(text)
