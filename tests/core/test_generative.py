"""The generative-model surfaces: exact image losses, flat versus sloped ground, the ELBO."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fogwalk.core import simulate
from fogwalk.core.surfaces import Surface, get_surface
from fogwalk.core.surfaces import generative as gen

NAMES = ["pixel_loss", "perceptual_loss", "gan_bilinear", "gan_regularized", "vae_elbo"]
STEP = np.finfo(float).eps ** (1 / 3)


def _points(surface: Surface, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Seeded points over the domain plus a few near the first minimum (the curved part)."""
    xmin, xmax, ymin, ymax = surface.domain
    rng = np.random.default_rng(7)
    x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
    if surface.minima:
        m = surface.minima[0]
        x = np.concatenate([x, m.x + rng.normal(0, 0.5, 10)])
        y = np.concatenate([y, m.y + rng.normal(0, 0.5, 10)])
    return x, y


@pytest.mark.parametrize("name", NAMES)
def test_gradient_and_hessian_match_finite_differences(name: str) -> None:
    surface = get_surface(name)
    x, y = _points(surface)
    hx, hy = STEP * np.maximum(1.0, np.abs(x)), STEP * np.maximum(1.0, np.abs(y))
    gx, gy = surface.grad(x, y)
    g_scale = max(np.abs(gx).max(), np.abs(gy).max())
    for fd, exact in [
        ((surface.value(x + hx, y) - surface.value(x - hx, y)) / (2 * hx), gx),
        ((surface.value(x, y + hy) - surface.value(x, y - hy)) / (2 * hy), gy),
    ]:
        np.testing.assert_allclose(fd, exact, rtol=1e-5, atol=1e-7 * g_scale)
    hxx, hxy, hyy = surface.hessian(x, y)
    h_scale = max(np.abs(hxx).max(), np.abs(hxy).max(), np.abs(hyy).max())
    (gx_px, gy_px), (gx_mx, gy_mx) = surface.grad(x + hx, y), surface.grad(x - hx, y)
    (gx_py, gy_py), (gx_my, gy_my) = surface.grad(x, y + hy), surface.grad(x, y - hy)
    for fd, exact in [
        ((gx_px - gx_mx) / (2 * hx), hxx),
        ((gy_px - gy_mx) / (2 * hx), hxy),
        ((gx_py - gx_my) / (2 * hy), hxy),
        ((gy_py - gy_my) / (2 * hy), hyy),
    ]:
        np.testing.assert_allclose(fd, exact, rtol=1e-5, atol=1e-7 * h_scale)
    alone = (surface.value(x, y), gx, gy)
    for a, b in zip(surface.value_and_grad(x, y), alone, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name: str) -> None:
    surface = get_surface(name)
    assert isinstance(surface, Surface) and surface.name == name
    assert surface.label and surface.source
    assert surface.description.count(". ") + 1 == 2  # two sentences
    assert getattr(surface, "game", False) == name.startswith("gan_")


def _blob(centre: tuple[float, float], level: gen._Level) -> np.ndarray:
    u = level.centres
    ax = np.exp(-((u - centre[0]) ** 2) / (2 * level.width**2))
    ay = np.exp(-((u - centre[1]) ** 2) / (2 * level.width**2))
    return (gen.WIDTH / level.width) ** 2 * np.outer(ay, ax)  # rows are y, columns x


def _brute_force(centre: tuple[float, float], levels: int) -> float:
    """The loss from the images themselves: blurred blobs on every pyramid level."""
    total = 0.0
    for index in range(levels):
        level = gen._Level.build(index, 1.0)
        weight = 4.0**index / gen.LEVELS if levels > 1 else 1.0
        total += weight * np.mean((_blob(centre, level) - _blob(gen.TARGET, level)) ** 2)
    return total


def test_image_losses_are_mean_squared_pixel_differences() -> None:
    pixel, perceptual = get_surface("pixel_loss"), get_surface("perceptual_loss")
    assert _blob((0.0, 0.0), gen._Level.build(0, 1.0)).shape == (64, 64)
    for x, y in [(-2.5, 2.5), (1.4, -0.8), (3.9, -3.9), (0.0, 0.0)]:
        np.testing.assert_allclose(pixel.value(x, y), _brute_force((x, y), 1), rtol=1e-12)
        expected = _brute_force((x, y), gen.LEVELS)
        np.testing.assert_allclose(perceptual.value(x, y), expected, rtol=1e-12)


def test_pixel_ground_is_flat_far_away_and_perceptual_slopes() -> None:
    pixel, perceptual = get_surface("pixel_loss"), get_surface("perceptual_loss")
    assert pixel.start == perceptual.start
    grid = np.meshgrid(np.linspace(-4, 4, 81), np.linspace(-4, 4, 81))
    start = (np.array(pixel.start[0]), np.array(pixel.start[1]))
    pixel_max = np.hypot(*pixel.grad(*grid)).max()
    assert np.hypot(*pixel.grad(*start)) < 1e-6 * pixel_max
    perceptual_max = np.hypot(*perceptual.grad(*grid)).max()
    assert np.hypot(*perceptual.grad(*start)) > 0.05 * perceptual_max
    # Everywhere, the perceptual slope leads toward the target: one basin, no false valleys.
    gx, gy = perceptual.grad(*grid)
    to_x, to_y = gen.TARGET[0] - grid[0], gen.TARGET[1] - grid[1]
    far = np.hypot(to_x, to_y) > 0.05
    assert (-(gx * to_x + gy * to_y))[far].min() > 0


def test_the_story_pixel_stalls_where_perceptual_arrives() -> None:
    run = simulate("pixel_loss", ["sgd:lr=100"], steps=300)
    assert np.hypot(*(run.xy[-1, 0, 0] - run.xy[0, 0, 0])) < 1e-5
    run = simulate("perceptual_loss", ["sgd:lr=100"], steps=300)
    np.testing.assert_allclose(run.xy[-1, 0, 0], gen.TARGET, atol=1e-6)


@pytest.mark.parametrize("name", ["pixel_loss", "perceptual_loss", "vae_elbo"])
def test_the_listed_minimum_is_the_lowest_point(name: str) -> None:
    surface = get_surface(name)
    (m,) = surface.minima
    assert m.is_global
    np.testing.assert_allclose(surface.value(m.x, m.y), m.value, atol=1e-15)
    assert np.hypot(*surface.grad(np.array(m.x), np.array(m.y))) < 1e-15
    hxx, hxy, hyy = (float(h) for h in surface.hessian(np.array(m.x), np.array(m.y)))
    assert np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]]).min() > 0
    xmin, xmax, ymin, ymax = surface.domain
    grid = np.meshgrid(np.linspace(xmin, xmax, 121), np.linspace(ymin, ymax, 121))
    assert surface.value(*grid).min() >= m.value - 1e-15


def test_image_losses_keep_shapes_and_work_in_chunks() -> None:
    pixel = get_surface("pixel_loss")
    x = np.linspace(-4, 4, 3 * gen.CHUNK + 3).reshape(3, -1)  # rows straddle chunks
    y = x[::-1].copy()
    hessian = pixel.hessian(x, y)
    assert all(h.shape == x.shape for h in hessian)
    np.testing.assert_array_equal(hessian[0][1], pixel.hessian(x[1], y[1])[0])
    assert pixel.value(1.0, 2.0).shape == ()


def test_vae_elbo_is_reconstruction_plus_kl() -> None:
    """Against the ELBO's expectation by Gauss-Hermite quadrature and the Gaussian KL."""
    surface = get_surface("vae_elbo")
    nodes, weights = np.polynomial.hermite_e.hermegauss(20)
    for mean, log_std in [(-2.0, -2.5), (1.0, 0.0), (3.0, 1.0)]:
        z = mean + math.exp(log_std) * nodes
        nll = 0.5 * math.log(2 * math.pi) + 0.5 * (gen.VAE_OBSERVATION - z) ** 2
        reconstruction = weights @ nll / weights.sum()
        kl = 0.5 * (mean**2 + math.exp(2 * log_std) - 1) - log_std
        np.testing.assert_allclose(surface.value(mean, log_std), reconstruction + kl, rtol=1e-12)
    # The bowl's bottom: the exact posterior N(1, 1/2), where the loss is -log N(2; 0, 2).
    (m,) = surface.minima
    assert (m.x, math.exp(2 * m.y)) == pytest.approx((1.0, 0.5))
    assert m.value == pytest.approx(0.5 * math.log(2 * math.pi * 2) + 2.0**2 / (2 * 2))


def test_game_surfaces_are_the_named_games() -> None:
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    np.testing.assert_allclose(get_surface("gan_bilinear").value(x, y), x * y)
    a = gen.GAN_REGULARIZATION
    expected = x * y + a / 2 * (x**2 - y**2)
    np.testing.assert_allclose(get_surface("gan_regularized").value(x, y), expected)
    for name in ("gan_bilinear", "gan_regularized"):
        surface = get_surface(name)
        assert surface.minima == ()  # the equilibrium at the origin is a saddle of f
        assert surface.grad(np.array(0.0), np.array(0.0)) == (0.0, 0.0)
