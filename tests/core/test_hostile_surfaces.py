"""Hostile surface sources: each ends in one line naming the input and the reason, or loads,
in seconds. Every input is generated here (no checked-in bombs); headers claim what files do
not hold, so nothing big is ever written."""

import os
import time
import warnings

import h5py
import numpy as np
import pytest
from PIL import Image

from fogwalk.core import session
from fogwalk.core.errors import FogwalkError
from fogwalk.core.surfaces.formula import MAX_NODES
from fogwalk.core.surfaces.loaders import MAX_CELLS


def refusal(source: str) -> str:
    """The one-line message opening ``source`` ends in, within seconds."""
    began = time.perf_counter()
    with pytest.raises(FogwalkError) as info:
        session.resolve_surface(session.open_source(source).scene)
    assert time.perf_counter() - began < 10
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def loaded(source: str):
    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "shrunk" note is also a warning
        surface = session.resolve_surface(session.open_source(source).scene)
    assert time.perf_counter() - began < 10
    return surface


def npy_header(path, shape, descr="<f8") -> None:
    """A .npy file whose header claims ``shape`` and which holds no data."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)


# --- paths ---------------------------------------------------------------------------------
def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "grid.npy"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    assert f"{fifo} is a FIFO (named pipe), not a regular file" in refusal(str(fifo))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused(device):
    assert f"{device} is a device, not a regular file" in refusal(device)


def test_stdin_is_a_device_or_pipe_not_a_formula():
    message = refusal("/dev/stdin")
    assert "bad formula" not in message and "not a regular file" in message


def test_a_symlink_loop_is_named(tmp_path):
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    (tmp_path / "b.npy").symlink_to(tmp_path / "a.npy")
    assert "a loop of symbolic links" in refusal(str(tmp_path / "a.npy"))


def test_a_home_that_is_unset_is_no_crash(monkeypatch):
    monkeypatch.delenv("HOME", raising=False)
    assert "no such file" in refusal("~/nowhere-in-particular.npy")


# --- grids: the smallest usable and the largest readable --------------------------------------
@pytest.mark.parametrize(
    ("shape", "kept"), [((2, 3000), (2, 1000)), ((3, 2049), (3, 683)), ((3000, 2), (1000, 2))]
)
def test_long_thin_grids_shrink_along_their_long_side_only(tmp_path, shape, kept):
    path = tmp_path / "thin.npy"
    np.save(path, np.random.default_rng(1).random(shape))
    surface = loaded(str(path))
    assert surface.z.shape == kept
    assert any("along its long side" in note for note in surface.notes)
    xmin, xmax, ymin, ymax = surface.domain
    middle = np.array([(xmin + xmax) / 2]), np.array([(ymin + ymax) / 2])
    values, gx, gy = surface.value_and_grad(*middle)
    assert np.isfinite([values, gx, gy]).all()


def test_a_long_thin_png_loads(tmp_path):
    path = tmp_path / "thin.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (3, 5000), np.uint8)).save(path)
    assert loaded(str(path)).z.shape == (3, 1000)


def test_a_csv_of_one_enormous_line_is_one_row_not_a_grid(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text(",".join(["0.5"] * 200_000) + "\n")
    assert "a grid needs at least 2 x 2 nodes, got 200000 x 1" in refusal(str(path))


def test_two_enormous_lines_are_a_grid(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(("\n".join([",".join(["0.5"] * 200_000)] * 2)) + "\n")
    assert loaded(str(path)).z.shape[0] == 2


def test_an_npy_that_claims_more_cells_than_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.npy"
    npy_header(path, (50_000, 50_000))  # 20 GB claimed, 128 bytes on disk
    message = refusal(str(path))
    assert f"50000 x 50000 = 2,500,000,000 cells, more than the {MAX_CELLS:,}" in message


def test_an_npy_with_a_broken_header_is_named(tmp_path):
    path = tmp_path / "broken.npy"
    npy_header(path, (3, 3))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"(3, 3)", b"(3, 3 "))  # an unclosed tuple: a TokenError once
    assert "not a valid NumPy array file (the array has a broken header" in refusal(str(path))


def test_an_npy_of_strings_is_not_heights(tmp_path):
    path = tmp_path / "text.npy"
    np.save(path, np.array([["a", "b"], ["c", "d"]]))
    assert "not real numbers" in refusal(str(path))


def test_an_npz_whose_z_claims_too_much_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "huge.npz"
    npy_header(tmp_path / "z.npy", (40_000, 40_000))
    np.save(tmp_path / "x.npy", np.arange(3.0))
    with zipfile.ZipFile(path, "w") as archive:
        for key in "xyz":
            archive.write(tmp_path / ("x.npy" if key == "y" else f"{key}.npy"), f"{key}.npy")
    assert "z has 40000 x 40000" in refusal(str(path))


@pytest.mark.parametrize("value", ["1e999", "-5", "2.5", "nan"])
def test_an_asc_header_with_impossible_sizes_is_named(tmp_path, value):
    path = tmp_path / "land.asc"
    path.write_text(f"ncols {value}\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n")
    assert "ncols, nrows and cellsize must be positive" in refusal(str(path))


def test_an_asc_header_that_claims_too_many_cells_is_refused(tmp_path):
    path = tmp_path / "land.asc"
    path.write_text("ncols 100000\nnrows 100000\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n")
    assert "100000 x 100000 = 10,000,000,000 cells" in refusal(str(path))


def test_a_png_that_claims_too_many_pixels_is_refused(tmp_path):
    path = tmp_path / "tall.png"
    Image.new("L", (9000, 8000)).save(path)  # compresses to a few kB
    message = refusal(str(path))
    assert "8000 x 9000" in message or "decompression bomb" in message.lower()


def test_an_h5_loop_of_soft_links_is_named(tmp_path):
    path = tmp_path / "loop.h5"
    with h5py.File(path, "w") as file:
        file["xcoordinates"] = np.linspace(-1, 1, 5)
        file["ycoordinates"] = np.linspace(-1, 1, 5)
        file["a"], file["b"] = h5py.SoftLink("/b"), h5py.SoftLink("/a")
        file["train_loss"] = h5py.SoftLink("/a")
    assert "train_loss' (a link that leads to no dataset)" in refusal(str(path))


def test_an_h5_dataset_off_the_grid_is_refused_unread_with_its_shape(tmp_path):
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as file:
        file["xcoordinates"] = np.linspace(-1, 1, 5)
        file["ycoordinates"] = np.linspace(-1, 1, 5)
        file.create_dataset("train_loss", (50_000, 50_000), "f8", chunks=(100, 100))
    assert "(train_loss is 50000 x 50000, not the 5 x 5 of the coordinates)" in refusal(str(path))


def test_h5_axes_that_claim_too_large_a_grid_are_refused(tmp_path):
    path = tmp_path / "wide.h5"
    with h5py.File(path, "w") as file:
        file["xcoordinates"] = np.linspace(-1, 1, 50_000)
        file["ycoordinates"] = np.linspace(-1, 1, 50_000)
    assert "50000 x 50000 = 2,500,000,000 cells" in refusal(str(path))


# --- formulas: explicit limits, and what is within them works --------------------------------
def product(count: int) -> str:
    return "*".join(f"sin(x+{i}*y)" for i in range(count))


def test_a_product_within_the_size_limit_works_and_one_beyond_is_refused():
    assert np.isfinite(loaded(product(15)).value(np.array([0.3]), np.array([0.2]))).all()
    assert f"its gradient has more than {MAX_NODES} nodes" in refusal(product(40))


def test_a_formula_too_long_for_a_file_name_is_a_formula_error():
    assert "longer than 2000 characters" in refusal("x+" * 1500 + "x")
