"""A zoom into a basin map: regions diving steadily into the target, each frame labelled as
the first, so that every basin keeps its colour."""

import numpy as np
import pytest

from fogwalk.core.above.basins import compute_basins
from fogwalk.core.above.zoom import basin_zoom, zoom_regions
from fogwalk.core.errors import FogwalkError
from fogwalk.core.scene import Hiker, Scene

START, END = (-5.0, 5.0, -5.0, 5.0), (-1.7, -1.3, -1.6, -1.4)


def test_the_regions_shrink_steadily_from_the_start_into_the_end():
    regions = np.array(zoom_regions(START, END, 9))
    np.testing.assert_allclose(regions[0], START)
    np.testing.assert_allclose(regions[-1], END)
    widths, heights = regions[:, 1] - regions[:, 0], regions[:, 3] - regions[:, 2]
    np.testing.assert_allclose(widths[1:] / widths[:-1], (0.4 / 10) ** (1 / 8))
    np.testing.assert_allclose(heights[1:] / heights[:-1], (0.2 / 10) ** (1 / 8))
    # The end's centre stays inside every region: the dive heads for it throughout.
    assert ((regions[:, 0] < -1.5) & (regions[:, 1] > -1.5)).all()
    assert ((regions[:, 2] < -1.5) & (regions[:, 3] > -1.5)).all()


@pytest.mark.parametrize(
    ("start", "end", "frames", "message"),
    [
        (START, END, 1, "at least 2 frames"),
        (START, (1.0, 1.0, 0.0, 1.0), 5, r"the zoom's end region \(1.0, 1.0, 0.0, 1.0\)"),
        ((0.0, 1.0, 2.0, 1.0), END, 5, "the zoom's start region"),
    ],
)
def test_a_bad_zoom_says_what_is_wrong(start, end, frames, message):
    with pytest.raises(FogwalkError, match=message):
        zoom_regions(start, end, frames)


def test_every_frame_keeps_the_first_frames_places_and_tolerance():
    scene = Scene(surface="himmelblau", hikers=(Hiker("newton", "#ff5a36"),), steps=60)
    regions = zoom_regions(START, END, 3)
    maps = list(basin_zoom(scene, (48, 48), regions))
    first = maps[0]
    assert {a.kind for a in first.attractors} == {"minimum", "saddle", "maximum"}
    for bmap, region in zip(maps, regions, strict=True):
        assert bmap.attractors[: len(first.attractors)] == first.attractors
        assert bmap.tol == first.tol
        assert (bmap.x[0], bmap.x[-1], bmap.y[0], bmap.y[-1]) == pytest.approx(region)
    # Deep in the zoom the same walkers end at the same places as in a map of that region
    # alone, but under the first frame's labels: a minimum of the first keeps its index.
    alone = compute_basins(scene, (48, 48), region=regions[-1], tol=first.tol)
    np.testing.assert_array_equal(maps[-1].end, alone.end)
    minima = [i for i, a in enumerate(first.attractors) if a.known]
    for i in minima:
        np.testing.assert_array_equal(maps[-1].labels == i, alone.labels == i)


def test_a_sweep_zoom_dives_each_axis_on_its_own_scale() -> None:
    from fogwalk.core.above.sweep import make_axis
    from fogwalk.core.above.zoom import zoom_axes
    from fogwalk.core.optimizers import make_optimizer

    adam = make_optimizer("adam")
    axes = [make_axis(adam, "lr", 1e-4, 1.0, 9, None), make_axis(adam, "betas.0", 0, 0.9, 5, None)]
    frames = zoom_axes(adam, axes, [(1e-3, 1e-2), (0.8, 0.9)], 5)
    lr = [frame[0] for frame in frames]
    assert all(axis.log and len(axis.values) == 9 for axis in lr)  # the registry's log scale
    assert (lr[0].values[0], lr[0].values[-1]) == pytest.approx((1e-4, 1.0))
    assert (lr[-1].values[0], lr[-1].values[-1]) == pytest.approx((1e-3, 1e-2))
    # decades shrink by one factor from frame to frame: 4, 2.83, 2, 1.41, 1 decades wide
    decades = [np.log10(axis.values[-1] / axis.values[0]) for axis in lr]
    np.testing.assert_allclose(np.diff(np.log(decades)), np.log(0.25) / 4)
    beta = frames[-1][1]
    assert not beta.log and (beta.values[0], beta.values[-1]) == pytest.approx((0.8, 0.9))
