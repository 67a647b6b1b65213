"""Sampled surfaces: the bicubic spline, its holes, and every file format, written for real."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest
from PIL import Image

from fogwalk.core import Status, simulate
from fogwalk.core.errors import FogwalkError
from fogwalk.core.surfaces import (
    GridSurface,
    Surface,
    get_surface,
    list_datasets,
    load_projection,
    load_surface,
    loader_filters,
)

STEP = 1e-5  # central differences of a cubic: error ~ STEP^2 times the third derivative


def _field(x, y):
    return np.sin(1.3 * x) * np.cos(0.7 * y) + 0.2 * x * y + 2.0


def _grid(nx=9, ny=6, seed=0):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.2, 0.6, nx)) - 2.0  # uneven spacing
    y = np.cumsum(rng.uniform(0.3, 0.8, ny)) - 1.5
    return x, y, _field(*np.meshgrid(x, y))


def _assert_nodes(surface, x, y, z):
    """Every valid node's value is exactly the data there."""
    gx, gy = np.meshgrid(x, y)
    valid = np.isfinite(z)
    np.testing.assert_allclose(surface.value(gx, gy)[valid], z[valid], rtol=1e-12, atol=1e-13)


# ---- GridSurface ----------------------------------------------------------------------------


def test_spline_interpolates_and_is_a_surface():
    x, y, z = _grid()
    surface = GridSurface(x, y, z, name="field")
    assert isinstance(surface, Surface)
    assert surface.domain == (x[0], x[-1], y[0], y[-1])
    assert surface.minima == () and surface.notes == ()
    _assert_nodes(surface, x, y, z)
    sx, sy = surface.start
    assert x[0] < sx < x[-1] and y[0] < sy < y[-1]
    assert np.isfinite(surface.value(sx, sy))
    assert np.shape(surface.value(0.1, 0.2)) == ()  # scalars in, 0-d out, as for formulas


def test_gradient_and_hessian_are_the_splines_own():
    x, y, z = _grid()
    surface = GridSurface(x, y, z)
    rng = np.random.default_rng(1)
    px = rng.uniform(x[0] + 0.01, x[-1] - 0.01, 40)
    py = rng.uniform(y[0] + 0.01, y[-1] - 0.01, 40)
    f, gx, gy = surface.value_and_grad(px, py)
    np.testing.assert_array_equal(f, surface.value(px, py))
    np.testing.assert_array_equal(gx, surface.grad(px, py)[0])
    fd_x = (surface.value(px + STEP, py) - surface.value(px - STEP, py)) / (2 * STEP)
    fd_y = (surface.value(px, py + STEP) - surface.value(px, py - STEP)) / (2 * STEP)
    np.testing.assert_allclose(gx, fd_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gy, fd_y, rtol=1e-6, atol=1e-7)
    hxx, hxy, hyy = surface.hessian(px, py)
    gxp, gyp = surface.grad(px + STEP, py)
    gxm, gym = surface.grad(px - STEP, py)
    np.testing.assert_allclose(hxx, (gxp - gxm) / (2 * STEP), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hxy, (gyp - gym) / (2 * STEP), rtol=1e-5, atol=1e-5)
    gxp, gyp = surface.grad(px, py + STEP)
    gxm, gym = surface.grad(px, py - STEP)
    np.testing.assert_allclose(hyy, (gyp - gym) / (2 * STEP), rtol=1e-5, atol=1e-5)
    # ... and the spline honours the smooth field it samples, roughly.
    np.testing.assert_allclose(f, _field(px, py), atol=0.05)


def test_holes_have_no_value_but_a_finite_slope():
    x, y, z = _grid(12, 10)
    z[4, 5] = np.nan
    z[0, :3] = np.inf  # non-finite is missing too
    surface = GridSurface(x, y, z)
    _assert_nodes(surface, x, y, z)
    assert surface.missing.sum() == 4
    hole = np.array([x[5], x[5] + 0.3 * (x[6] - x[5])]), np.array([y[4], y[4]])
    assert np.isnan(surface.value(*hole)).all()
    f, gx, gy = surface.value_and_grad(*hole)
    assert np.isnan(f).all() and np.isfinite(gx).all() and np.isfinite(gy).all()
    assert np.isfinite(surface.hessian(*hole)).all()
    assert np.isnan(surface.value(x[1], y[0]))
    # The neighbours of a hole keep their data.
    assert surface.value(x[6], y[4]) == pytest.approx(z[4, 6], rel=1e-12)


def test_off_the_map_and_non_finite_points():
    x, y, z = _grid()
    surface = GridSurface(x, y, z)
    f, gx, gy = surface.value_and_grad(
        np.array([x[0] - 0.5, x[-1] + 1e-14, np.nan, np.inf]), np.array([y[1], y[2], 0.0, 0.0])
    )
    assert np.isnan(f[0]) and np.isfinite(gx[0]) and np.isfinite(gy[0])
    assert np.isfinite(f[1])  # a rounding error past the edge is still on the map
    assert np.isnan(f[2:]).all() and np.isnan(gx[2:]).all() and np.isnan(gy[2:]).all()


def test_walker_that_steps_into_a_hole_freezes():
    x = np.linspace(0, 10, 21)
    y = np.linspace(-1, 1, 5)
    z = np.tile(-x, (5, 1))  # a slope down towards +x ...
    z[:, 15:] = np.nan  # ... into a hole
    surface = GridSurface(x, y, z, name="cliff")
    run = simulate(surface, ["sgd:lr=3"], starts=[(1.0, 0.0)], steps=10)
    assert run.status[0, 0] == Status.DIVERGED
    assert np.isfinite(run.loss).all() and np.isfinite(run.xy).all()
    assert run.xy[-1, 0, 0, 0] < 7.25  # frozen at its last point with data


def test_small_grids_are_refined_linearly():
    surface = GridSurface([0, 1], [0, 1, 2], [[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]])
    _assert_nodes(surface, np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]), surface.z)
    # Along a two-node axis the surface is linear: the slope is the difference.
    np.testing.assert_allclose(surface.grad(np.array([0.2, 0.7]), np.array([1.0, 1.0]))[0], 2.0)
    assert np.isfinite(surface.hessian(0.5, 0.5)).all()


def test_huge_grids_are_shrunk_with_a_notice():
    x, y = np.arange(2100.0), np.arange(300.0)
    z = np.add.outer(np.sin(y / 40), np.cos(x / 50))
    z[:, :4] = np.nan  # a fully missing block stays missing; a partial one averages the rest
    z[0, 4] = np.nan
    with pytest.warns(UserWarning, match="2100 x 300 nodes shrunk 3 times to 700 x 100"):
        surface = GridSurface(x, y, z, name="big")
    assert surface.z.shape == (100, 700)
    assert "shrunk 3 times" in surface.notes[0]
    np.testing.assert_allclose(surface.x[:3], [1.0, 4.0, 7.0])
    assert np.isnan(surface.z[0, 0]) and np.isfinite(surface.z[0, 1])
    assert surface.z[0, 1] == pytest.approx(np.nanmean(z[0:3, 3:6]))


@pytest.mark.parametrize(
    ("x", "y", "z", "message"),
    [
        ([0, 1, 1], [0, 1], np.zeros((2, 3)), "strictly increasing"),
        ([0, 1, 2], [0, 1], np.zeros((3, 2)), "shape (len(y), len(x)) = (2, 3)"),
        ([0], [0, 1], np.zeros((2, 1)), "at least 2 x 2"),
        ([0, 1], [0, 1], np.full((2, 2), np.nan), "no finite height"),
    ],
)
def test_bad_grids(x, y, z, message):
    with pytest.raises(FogwalkError) as info:
        GridSurface(x, y, z)
    assert message in str(info.value)


# ---- files ----------------------------------------------------------------------------------


def test_npy_default_domain_is_node_indices(tmp_path):
    _, _, z = _grid(7, 5)
    np.save(tmp_path / "z.npy", z)
    surface = get_surface("z.npy", base_dir=tmp_path)
    assert surface.name == str(tmp_path / "z.npy") and surface.label == "z.npy"
    assert surface.domain == (0.0, 6.0, 0.0, 4.0)
    _assert_nodes(surface, np.arange(7.0), np.arange(5.0), z)
    shifted = load_surface(tmp_path / "z.npy", domain=(-3, 3, -1, 1), height_scale=2)
    _assert_nodes(shifted, np.linspace(-3, 3, 7), np.linspace(-1, 1, 5), 2 * z)


def test_npz_with_axes_meshgrids_and_a_reversed_axis(tmp_path):
    x, y, z = _grid(8, 5)
    np.savez(tmp_path / "a.npz", x=x, y=y, z=z)
    _assert_nodes(load_surface(tmp_path / "a.npz"), x, y, z)
    gx, gy = np.meshgrid(x, y)
    np.savez(tmp_path / "b.npz", X=gx[::-1], Y=gy[::-1], Z=z[::-1])  # stored north to south
    surface = load_surface(tmp_path / "b.npz")
    assert surface.domain == (x[0], x[-1], y[0], y[-1])
    _assert_nodes(surface, x, y, z)
    np.savez(tmp_path / "c.npz", x=x, y=y, z=z.T)
    with pytest.raises(FogwalkError, match=r"c\.npz: z has shape \(8, 5\) = \(len\(x\), len"):
        load_surface(tmp_path / "c.npz")
    np.savez(tmp_path / "d.npz", a=z)
    with pytest.raises(FogwalkError, match=r"d\.npz: needs arrays x, y and z; it has a"):
        load_surface(tmp_path / "d.npz")


def test_csv_matrix_and_xyz_rows_in_any_order(tmp_path):
    x, y, z = _grid(6, 4)
    np.savetxt(tmp_path / "m.csv", z, delimiter=",")
    surface = load_surface(tmp_path / "m.csv", domain=(0, 5, 0, 3))
    _assert_nodes(surface, np.arange(6.0), np.arange(4.0), z)
    gx, gy = np.meshgrid(x, y)
    rows = np.column_stack([gx.ravel(), gy.ravel(), z.ravel()])
    rows = rows[np.random.default_rng(2).permutation(24)]
    body = "\n".join(",".join(repr(float(v)) for v in row) for row in rows)
    (tmp_path / "h.csv").write_text("X,Y,loss\n" + body + "\n")
    (tmp_path / "n.txt").write_text(body.replace(",", " ") + "\n")  # no header, spaces
    for name in ("h.csv", "n.txt"):
        surface = load_surface(tmp_path / name)
        assert surface.domain == (x[0], x[-1], y[0], y[-1])
        _assert_nodes(surface, x, y, z)
    with pytest.raises(FogwalkError, match="domain does not apply to x, y, z rows"):
        load_surface(tmp_path / "h.csv", domain=(0, 1, 0, 1))
    (tmp_path / "holes.csv").write_text("1;2;3\n4;;6\n7;8;NA\n")
    surface = load_surface(tmp_path / "holes.csv")
    assert surface.missing.tolist() == [[False] * 3, [False, True, False], [False, False, True]]
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(FogwalkError, match=r"ragged\.csv: line 2 has 2 fields, not 3"):
        load_surface(tmp_path / "ragged.csv")
    (tmp_path / "word.csv").write_text("1,2\n3,four\n")
    with pytest.raises(FogwalkError, match=r"word\.csv: line 2, field 2: 'four' is not a number"):
        load_surface(tmp_path / "word.csv")


def test_16_bit_png_heightmap_north_up(tmp_path):
    grey = np.arange(20, dtype=np.uint16).reshape(4, 5) * 3000 + 7
    Image.fromarray(grey).save(tmp_path / "h.png")
    assert Image.open(tmp_path / "h.png").mode == "I;16"
    surface = load_surface(tmp_path / "h.png", height_scale=10)
    assert surface.domain == (0.0, 1.0, 0.0, 0.75)  # square pixels, the long side [0, 1]
    # Row 0 of the image is the north edge: the largest y.
    _assert_nodes(surface, np.linspace(0, 1, 5), np.linspace(0, 0.75, 4), grey[::-1] / 65535 * 10)


def test_8_bit_png_with_a_domain_and_transparent_holes(tmp_path):
    grey = np.array([[0, 128, 255], [10, 20, 30]], dtype=np.uint8)
    alpha = np.array([[255, 0, 255], [255, 255, 255]], dtype=np.uint8)
    Image.fromarray(np.dstack([grey, alpha]), mode="LA").save(tmp_path / "g.png")
    surface = load_surface(tmp_path / "g.png", domain=(-1, 1, -2, 2))
    z = np.where(alpha == 0, np.nan, grey / 255.0)[::-1]
    _assert_nodes(surface, np.linspace(-1, 1, 3), np.linspace(-2, 2, 2), z)
    assert np.isnan(surface.value(0.0, 2.0))


def test_float_tiff_keeps_heights_and_nan_holes(tmp_path):
    z = np.arange(12, dtype=np.float32).reshape(3, 4) - 3.5
    z[1, 2] = np.nan
    Image.fromarray(z).save(tmp_path / "dem.tif")
    surface = load_surface(tmp_path / "dem.tif", height_scale=0.5)
    step = 1 / 3
    _assert_nodes(surface, np.arange(4) * step, np.arange(3) * step, 0.5 * z[::-1])
    assert surface.missing.sum() == 1


def test_esri_ascii_grid_with_nodata(tmp_path):
    text = (
        "NCOLS 4\nNROWS 3\nXLLCORNER 100.0\nYLLCORNER 200\nCELLSIZE 10\nNODATA_value -9999\n"
        "1 2 3 4\n5 -9999 7 8\n9 10 11 12\n"
    )
    (tmp_path / "dem.asc").write_text(text)
    surface = load_surface(tmp_path / "dem.asc")
    assert surface.domain == (105.0, 135.0, 205.0, 225.0)  # cell centres, in map units
    north_up = np.array([[1, 2, 3, 4], [5, np.nan, 7, 8], [9, 10, 11, 12]], dtype=float)
    _assert_nodes(surface, [105, 115, 125, 135], [205, 215, 225], north_up[::-1])
    assert np.isnan(surface.value(115.0, 215.0))
    assert np.isfinite(surface.grad(115.0, 215.0)).all()
    (tmp_path / "c.asc").write_text(text.replace("XLLCORNER", "xllcenter"))
    assert load_surface(tmp_path / "c.asc").domain[:2] == (100.0, 130.0)
    (tmp_path / "short.asc").write_text(text[:-10])
    with pytest.raises(FogwalkError, match=r"short\.asc: 9 values for 3 x 4 cells"):
        load_surface(tmp_path / "short.asc")


def _crunch_like_loss_landscape(path, x, y, loss, computed):
    """Write a surface file exactly as loss-landscape's plot_surface.crunch lays it out."""
    with h5py.File(path, "w") as f:
        f["dir_file"] = "directions.h5"
        f["xcoordinates"] = x
        f["ycoordinates"] = y
        shape = (len(x), len(y))  # crunch: shape = (len(xcoordinates), len(ycoordinates))
        losses, accuracies = -np.ones(shape), -np.ones(shape)
        xmesh, ymesh = np.meshgrid(x, y)  # scheduler.get_unplotted_indices
        for ind in range(losses.size):
            if computed(ind):
                losses.ravel()[ind] = loss(xmesh.ravel()[ind], ymesh.ravel()[ind])
                accuracies.ravel()[ind] = 90.0
        f["train_loss"] = losses
        f["train_acc"] = accuracies
        f["test_loss"] = 2 * losses


def test_loss_landscape_non_square_with_uncomputed_cells(tmp_path):
    x, y = np.linspace(-1, 1, 7), np.linspace(-0.5, 0.5, 4)

    def loss(a, b):
        return 1 + a**2 + 3 * b + a * b

    path = tmp_path / "surf.h5"
    _crunch_like_loss_landscape(path, x, y, loss, computed=lambda ind: ind not in (3, 20))
    assert list_datasets(path) == ["test_loss", "train_acc", "train_loss"]
    surface = get_surface(str(path))
    assert surface.domain == (-1.0, 1.0, -0.5, 0.5)
    gx, gy = np.meshgrid(x, y)
    expected = loss(gx, gy)
    expected.ravel()[[3, 20]] = np.nan
    _assert_nodes(surface, x, y, expected)
    assert surface.missing.ravel().nonzero()[0].tolist() == [3, 20]
    assert any("2 cells not computed yet" in note for note in surface.notes)
    test = load_surface(path, dataset="test_loss")
    assert test.label == "surf.h5 [test_loss]"
    _assert_nodes(test, x, y, 2 * expected)
    with pytest.raises(FogwalkError, match="no 2-D dataset 'val_loss'; it has: test_loss, train"):
        load_surface(path, dataset="val_loss")
    with pytest.raises(FogwalkError, match=r"domain does not apply to a Loss landscape"):
        load_surface(path, domain=(0, 1, 0, 1))


def test_loss_landscape_projection(tmp_path):
    with h5py.File(tmp_path / "proj.h5", "w") as f:  # as projection.project_trajectory
        f["proj_xcoord"] = np.array([0.9, 0.5, 0.1])
        f["proj_ycoord"] = np.array([-0.3, -0.1, 0.0])
    points = load_projection(tmp_path / "proj.h5")
    np.testing.assert_array_equal(points, [[0.9, -0.3], [0.5, -0.1], [0.1, 0.0]])
    with pytest.raises(FogwalkError, match=r"proj\.h5: a projected training trajectory"):
        load_surface(tmp_path / "proj.h5")
    _crunch_like_loss_landscape(tmp_path / "s.h5", [0, 1], [0, 1], lambda a, b: a, lambda i: 1)
    with pytest.raises(FogwalkError, match=r"s\.h5: not a projection file"):
        load_projection(tmp_path / "s.h5")
    with pytest.raises(FogwalkError, match="no such file"):
        load_projection(tmp_path / "none.h5")


def test_sniffing_beats_the_name_and_filters_come_from_the_registry(tmp_path):
    Image.fromarray(np.full((3, 3), 255, dtype=np.uint8)).save(tmp_path / "img.png")
    (tmp_path / "really_png.npy").write_bytes((tmp_path / "img.png").read_bytes())
    assert load_surface(tmp_path / "really_png.npy").value(0.5, 0.5) == pytest.approx(1.0)
    filters = loader_filters()
    assert filters[0].startswith("All surfaces (") and "*.h5" in filters[0]
    assert "Heightmap image (*.png *.tif *.tiff)" in filters
    assert filters[-1] == "All files (*)"


class _Explode:
    def __reduce__(self):
        import os

        return (os.system, ("touch PWNED",))


def _broken_files(tmp_path):
    np.save(tmp_path / "good.npy", np.ones((3, 3)))
    noise = np.random.default_rng(0).integers(0, 65535, (32, 32), dtype=np.uint16)
    Image.fromarray(noise).save(tmp_path / "good.png")
    _crunch_like_loss_landscape(tmp_path / "good.h5", [0, 1], [0, 1], lambda a, b: a, lambda i: 1)
    files = {
        "empty.npy": b"",
        "text.npy": b"this is not numpy",
        "cut.npy": (tmp_path / "good.npy").read_bytes()[:-20],
        "cut.png": (tmp_path / "good.png").read_bytes()[:1000],
        "cut.h5": (tmp_path / "good.h5").read_bytes()[:900],
        "zip.npz": b"PK\x03\x04" + b"\x00" * 40,
        "nan.npy": None,
        "cube.npy": None,
        "pickle.npy": None,
        "text.png": b"hello, this is text",
        "binary.asc": b"ncols \xff\xfe",
        "none.csv": b"# only a comment\n",
    }
    for name, data in files.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
    np.save(tmp_path / "nan.npy", np.full((3, 3), np.nan))
    np.save(tmp_path / "cube.npy", np.ones((2, 2, 2)))
    np.save(tmp_path / "pickle.npy", np.array([_Explode()], dtype=object), allow_pickle=True)
    return list(files)


def test_broken_files_are_clear_errors_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in _broken_files(tmp_path):
        with pytest.raises(FogwalkError) as info, warnings.catch_warnings():
            warnings.simplefilter("error")  # and no library warning leaks out
            load_surface(tmp_path / name)
        assert name in str(info.value), info.value
        assert "\n" not in str(info.value)
    assert not (tmp_path / "PWNED").exists()
    with pytest.raises(FogwalkError, match="no such file"):
        get_surface("missing.npy", base_dir=tmp_path)


def test_get_surface_resolution_order(tmp_path):
    np.save(tmp_path / "rosenbrock.npy", np.zeros((3, 3)))
    assert get_surface("rosenbrock", base_dir=tmp_path).name == "rosenbrock"  # built-in first
    (tmp_path / "x").write_text("1,2\n3,4\n")  # a file beats a formula
    assert isinstance(get_surface("x", base_dir=tmp_path), GridSurface)
    assert not isinstance(get_surface("x"), GridSurface)  # elsewhere, x is a formula
    first = get_surface(tmp_path / "rosenbrock.npy")
    assert get_surface(str(tmp_path / "rosenbrock.npy")) is first  # read once
    wide = get_surface("booth", domain=(-20, 20, -20, 20))
    assert wide.domain == (-20.0, 20.0, -20.0, 20.0) and wide.start == get_surface("booth").start
    with pytest.raises(FogwalkError, match="cannot be set"):
        get_surface(first, domain=(0, 1, 0, 1))
