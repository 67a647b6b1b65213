"""The surface protocol and the SymPy-backed analytic surface behind every built-in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

X, Y = sp.symbols("x y", real=True)

Domain = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax


@dataclass(frozen=True, slots=True)
class Minimum:
    """A known minimum: where it is and the loss there."""

    x: float
    y: float
    value: float
    is_global: bool = True


@runtime_checkable
class Surface(Protocol):
    """What the engine and the renderer need from a loss surface.

    All functions are vectorised: ``x`` and ``y`` are arrays of one shape and
    every result has that shape.

    Optional attributes, read with ``getattr`` and a default: ``source`` (a
    citation), ``log_height`` (draw heights on a log scale) and ``game``. A
    game surface (``game = True``) is a two-player min-max game: x minimises
    ``value`` while y maximises it, so the engine walks it by simultaneous
    descent-ascent. Its equilibrium is a saddle, not a minimum: ``minima``
    stays empty and the description says where the equilibrium lies.
    """

    # Read-only properties, so that frozen dataclasses satisfy the protocol.
    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def domain(self) -> Domain: ...

    @property
    def minima(self) -> tuple[Minimum, ...]: ...

    @property
    def start(self) -> tuple[float, float]: ...

    @property
    def description(self) -> str: ...

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def value_and_grad(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def hessian(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def _broadcast(values: Iterable[Any], shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    # lambdify returns a Python scalar for a constant derivative: give it the input's shape.
    return tuple(
        v if np.shape(v) == shape else np.broadcast_to(np.asarray(v, dtype=float), shape).copy()
        for v in values
    )


@dataclass(frozen=True, eq=False)
class SymbolicSurface:
    """A surface given by a SymPy expression in ``x`` and ``y``.

    SymPy derives the exact gradient and Hessian once; ``lambdify`` with common
    sub-expression elimination turns them into vectorised NumPy code, compiled
    lazily on first use so that importing FogWalk stays fast.
    """

    name: str
    expr: sp.Expr
    domain: Domain
    minima: tuple[Minimum, ...] = ()
    start: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    description: str = ""
    source: str = ""
    log_height: bool = False  # huge value ranges (Rosenbrock) read better on a log scale
    game: bool = False  # a min-max game: x descends, y ascends (see Surface)
    _compiled: dict[str, Callable[..., Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " ").title())

    @cached_property
    def _gradient(self) -> tuple[sp.Expr, sp.Expr]:
        return sp.diff(self.expr, X), sp.diff(self.expr, Y)

    @cached_property
    def _hessian(self) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        gx, gy = self._gradient
        return sp.diff(gx, X), sp.diff(gx, Y), sp.diff(gy, Y)

    def _expressions(self, key: str) -> list[sp.Expr]:
        if key == "value":
            return [self.expr]
        if key == "grad":
            return list(self._gradient)
        if key == "value_and_grad":
            return [self.expr, *self._gradient]
        return list(self._hessian)

    def _function(self, key: str) -> Callable[..., Any]:
        fn = self._compiled.get(key)
        if fn is None:  # derive and compile only what is asked for, once
            fn = sp.lambdify((X, Y), self._expressions(key), modules="numpy", cse=True)
            self._compiled[key] = fn
        return fn

    def scalar_value_and_grad(self):
        """``(x, y) -> (value, gx, gy)`` on plain floats, with the ``math`` module: the
        form a compiler such as numba accepts (see ``fogwalk.core.compiled``)."""
        fn = self._compiled.get("scalar")
        if fn is None:
            expressions = tuple(self._expressions("value_and_grad"))
            fn = sp.lambdify((X, Y), expressions, modules="math", cse=True)
            self._compiled["scalar"] = fn
        return fn

    def _call(self, key: str, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, ...]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        with np.errstate(all="ignore"):
            values = self._function(key)(x, y)
        shape = x.shape if x.shape == y.shape else np.broadcast_shapes(x.shape, y.shape)
        if all(getattr(v, "shape", None) == shape for v in values):
            return tuple(values)
        return _broadcast(values, shape)

    def value(self, x: ArrayLike, y: ArrayLike) -> np.ndarray:
        return self._call("value", x, y)[0]

    def grad(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        gx, gy = self._call("grad", x, y)
        return gx, gy

    def value_and_grad(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f, gx, gy = self._call("value_and_grad", x, y)
        return f, gx, gy

    def hessian(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        hxx, hxy, hyy = self._call("hessian", x, y)
        return hxx, hxy, hyy
