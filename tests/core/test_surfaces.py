"""Tests for the built-in surfaces: exact derivatives, listed minima, metadata and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core.errors import FogwalkError
from fogwalk.core.surfaces import Surface, get_surface, surface_names

NAMES = surface_names()
# Points where a surface is not differentiable: lambdify gives NaN derivatives there.
KINKS = {"ackley": [(0.0, 0.0)]}
# The optimal central-difference step is about eps^(1/3) times the coordinate's size.
STEP = np.finfo(float).eps ** (1 / 3)


def _random_points(surface, n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seeded points in the domain, none within 1e-3 of a kink."""
    xmin, xmax, ymin, ymax = surface.domain
    rng = np.random.default_rng(20240607)
    x = rng.uniform(xmin, xmax, 2 * n)
    y = rng.uniform(ymin, ymax, 2 * n)
    keep = np.ones(x.shape, dtype=bool)
    for kx, ky in KINKS.get(surface.name, []):
        keep &= np.hypot(x - kx, y - ky) > 1e-3
    return x[keep][:n], y[keep][:n]


def _near_kink(surface, x: float, y: float) -> bool:
    return any(np.hypot(x - kx, y - ky) <= 1e-3 for kx, ky in KINKS.get(surface.name, []))


def _slope_scale(surface) -> float:
    """A typical slope of the surface: its value range over the domain's diagonal."""
    xmin, xmax, ymin, ymax = surface.domain
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 101), np.linspace(ymin, ymax, 101))
    return max(1.0, float(np.ptp(surface.value(gx, gy))) / np.hypot(xmax - xmin, ymax - ymin))


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name: str) -> None:
    surface = get_surface(name)
    x, y = _random_points(surface)
    hx, hy = STEP * np.maximum(1.0, np.abs(x)), STEP * np.maximum(1.0, np.abs(y))
    fd_x = (surface.value(x + hx, y) - surface.value(x - hx, y)) / (2 * hx)
    fd_y = (surface.value(x, y + hy) - surface.value(x, y - hy)) / (2 * hy)
    gx, gy = surface.grad(x, y)
    scale = max(np.abs(gx).max(), np.abs(gy).max())
    np.testing.assert_allclose(fd_x, gx, rtol=1e-5, atol=1e-7 * scale)
    np.testing.assert_allclose(fd_y, gy, rtol=1e-5, atol=1e-7 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences(name: str) -> None:
    surface = get_surface(name)
    x, y = _random_points(surface)
    hx, hy = STEP * np.maximum(1.0, np.abs(x)), STEP * np.maximum(1.0, np.abs(y))
    gx_px, gy_px = surface.grad(x + hx, y)
    gx_mx, gy_mx = surface.grad(x - hx, y)
    gx_py, gy_py = surface.grad(x, y + hy)
    gx_my, gy_my = surface.grad(x, y - hy)
    hxx, hxy, hyy = surface.hessian(x, y)
    scale = max(np.abs(hxx).max(), np.abs(hxy).max(), np.abs(hyy).max(), 1e-12)
    for fd, exact in [
        ((gx_px - gx_mx) / (2 * hx), hxx),
        ((gy_px - gy_mx) / (2 * hx), hxy),
        ((gx_py - gx_my) / (2 * hy), hxy),
        ((gy_py - gy_my) / (2 * hy), hyy),
    ]:
        np.testing.assert_allclose(fd, exact, rtol=1e-5, atol=1e-7 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_listed_minima_are_minima(name: str) -> None:
    surface = get_surface(name)
    slope = _slope_scale(surface)
    for m in surface.minima:
        np.testing.assert_allclose(surface.value(m.x, m.y), m.value, rtol=1e-9, atol=1e-9)
        if _near_kink(surface, m.x, m.y):
            continue  # no gradient or curvature at a kink
        gx, gy = surface.grad(m.x, m.y)
        assert np.hypot(gx, gy) <= 1e-6 * slope, (m, gx, gy)
        hxx, hxy, hyy = surface.hessian(m.x, m.y)
        eigenvalues = np.linalg.eigvalsh(np.array([[hxx, hxy], [hxy, hyy]], dtype=float))
        assert eigenvalues.min() >= -1e-9 * np.abs(eigenvalues).max(), (m, eigenvalues)


@pytest.mark.parametrize("name", NAMES)
def test_global_minima_are_lowest(name: str) -> None:
    surface = get_surface(name)
    if not surface.minima:
        assert name in {"saddle", "monkey_saddle"} or getattr(surface, "game", False)
        return
    lowest = min(m.value for m in surface.minima)
    global_values = [m.value for m in surface.minima if m.is_global]
    assert global_values, "a surface with minima must mark its global one"
    np.testing.assert_allclose(global_values, lowest, rtol=1e-9, atol=1e-9)
    assert all(m.value > lowest + 1e-9 for m in surface.minima if not m.is_global)
    # Nothing in the domain lies below the listed global minimum.
    xmin, xmax, ymin, ymax = surface.domain
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 201), np.linspace(ymin, ymax, 201))
    assert surface.value(gx, gy).min() >= lowest - 1e-9 * max(1.0, abs(lowest))


@pytest.mark.parametrize("name", NAMES)
def test_minima_and_start_lie_inside_the_domain(name: str) -> None:
    surface = get_surface(name)
    xmin, xmax, ymin, ymax = surface.domain
    assert xmin < xmax and ymin < ymax
    for x, y in [surface.start, *((m.x, m.y) for m in surface.minima)]:
        assert xmin <= x <= xmax and ymin <= y <= ymax, (x, y)


@pytest.mark.parametrize("name", NAMES)
def test_results_keep_the_input_shape(name: str) -> None:
    surface = get_surface(name)
    xmin, xmax, ymin, ymax = surface.domain
    x = np.linspace(xmin, xmax, 12).reshape(3, 4)
    y = np.linspace(ymax, ymin, 12).reshape(3, 4)
    results = [
        surface.value(x, y),
        *surface.grad(x, y),
        *surface.value_and_grad(x, y),
        *surface.hessian(x, y),
    ]
    for result in results:
        assert isinstance(result, np.ndarray)
        assert result.shape == (3, 4)
        assert result.dtype == np.float64


def test_constant_hessians_broadcast() -> None:
    x, y = np.zeros((3, 4)), np.ones((3, 4))
    constant = {"booth": (10, 8, 10), "matyas": (0.52, -0.48, 0.52), "saddle": (2, 0, -2)}
    for name, expected in constant.items():
        for entry, value in zip(get_surface(name).hessian(x, y), expected, strict=True):
            np.testing.assert_allclose(entry, np.full((3, 4), value))


@pytest.mark.parametrize("name", NAMES)
def test_metadata_is_filled_in(name: str) -> None:
    surface = get_surface(name)
    assert isinstance(surface, Surface)
    assert surface.name == name
    assert surface.label and surface.description and surface.source


def test_log_height_marks_the_huge_ranges() -> None:
    assert {n for n in NAMES if get_surface(n).log_height} >= {
        "rosenbrock",
        "beale",
        "goldstein_price",
    }


def test_unknown_surface_lists_the_known_ones() -> None:
    with pytest.raises(FogwalkError) as error:
        get_surface("no_such_surface")
    message = str(error.value)
    assert "no_such_surface" in message
    assert all(name in message for name in NAMES)


def test_builtins_are_registered() -> None:
    assert len(NAMES) >= 15
    assert NAMES[0] == "fog_mountain"  # the default scene comes first
    assert get_surface("Six-Hump-Camel") is get_surface("six_hump_camel")
