"""Start patterns: counts, shapes, clipping to the domain, determinism, bad input."""

import numpy as np
import pytest

from fogwalk.core import FogwalkError
from fogwalk.core.start_patterns import START_KINDS, start_pattern

DOMAIN = (-2.0, 2.0, -1.0, 3.0)  # Rosenbrock's: a tenth of the longer side is 0.4


@pytest.mark.parametrize(
    ("kind", "count", "expected"),
    [
        ("single", 7, 1),
        ("row", 1, 1),
        ("row", 5, 5),
        ("grid", 1, 1),
        ("grid", 4, 4),
        ("grid", 5, 9),
        ("grid", 64, 64),
        ("random", 10, 10),
    ],
)
def test_counts(kind, count, expected):
    points = start_pattern(kind, (0.0, 1.0), count, DOMAIN)
    assert len(points) == expected
    assert all(isinstance(v, float) for point in points for v in point)


def test_single_is_the_center():
    assert start_pattern("single", (0.25, -0.5), 9, DOMAIN) == ((0.25, -0.5),)


def test_row_is_horizontal_across_a_tenth_of_the_domain():
    points = np.array(start_pattern("row", (0.0, 1.0), 5, DOMAIN))
    np.testing.assert_allclose(points[:, 1], 1.0)
    np.testing.assert_allclose(points[:, 0], np.linspace(-0.2, 0.2, 5))


def test_grid_is_a_square_around_the_center():
    points = np.array(start_pattern("grid", (0.0, 1.0), 9, DOMAIN))
    assert sorted(set(np.round(points[:, 0], 12))) == pytest.approx([-0.2, 0.0, 0.2])
    assert sorted(set(np.round(points[:, 1], 12))) == pytest.approx([0.8, 1.0, 1.2])
    np.testing.assert_allclose(points.mean(axis=0), [0.0, 1.0], atol=1e-12)


def test_random_is_seeded_and_stays_in_its_square():
    first = start_pattern("random", (0.0, 1.0), 50, DOMAIN)
    assert start_pattern("random", (0.0, 1.0), 50, DOMAIN) == first
    assert start_pattern("random", (0.0, 1.0), 50, DOMAIN, seed=1) != first
    points = np.array(first)
    assert (np.abs(points - [0.0, 1.0]) <= 0.2).all()
    assert len(set(first)) == 50


@pytest.mark.parametrize("kind", START_KINDS)
def test_points_near_an_edge_are_clipped_into_the_domain(kind):
    points = np.array(start_pattern(kind, (2.0, -1.0), 25, DOMAIN))
    xmin, xmax, ymin, ymax = DOMAIN
    assert (points[:, 0] >= xmin).all() and (points[:, 0] <= xmax).all()
    assert (points[:, 1] >= ymin).all() and (points[:, 1] <= ymax).all()


@pytest.mark.parametrize(("kind", "count"), [("spiral", 3), ("row", 0), ("grid", -1), ("row", 2.5)])
def test_bad_input_is_a_clear_error(kind, count):
    with pytest.raises(FogwalkError, match="start pattern"):
        start_pattern(kind, (0.0, 0.0), count, DOMAIN)
