"""Video export: real files in every format, decoded back; nothing left when it fails."""

import itertools
import os
import subprocess
import sys

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from fogwalk.core.errors import FogwalkError
from fogwalk.core.export import VideoSettings, frame_steps
from fogwalk.core.scene import Fog, Hiker, Scene
from fogwalk.core.session import compute_run
from fogwalk.render.encoder import VideoWriter
from fogwalk.render.exporter import FrameRenderer, export_video
from fogwalk.render.view import rgba

FOG_RGB = rgba(Fog().color)[:3] * 255
SCENE = Scene(steps=60)


def decode(path) -> tuple[list[np.ndarray], dict]:
    if os.path.isdir(path):
        names = sorted(os.listdir(path))
        return [np.asarray(Image.open(os.path.join(path, n)).convert("RGB")) for n in names], {}
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader], meta


def fog_share(frame: np.ndarray, tolerance: float) -> float:
    return float((np.abs(frame.astype(float) - FOG_RGB).max(axis=2) <= tolerance).mean())


@pytest.mark.parametrize(
    ("name", "tolerance"), [("walk.mp4", 6), ("walk.webm", 8), ("walk.gif", 12), ("frames", 1)]
)
def test_export_every_format_and_decode_it(qapp, tmp_path, name, tolerance):
    settings = VideoSettings(width=320, height=240, fps=12, frames=14, title="Fog")
    target = tmp_path / name
    assert export_video(SCENE, settings, target) == 14
    frames, meta = decode(target)
    assert len(frames) == 14
    assert all(f.shape == (240, 320, 3) for f in frames)
    if name.endswith((".mp4", ".webm")):
        assert meta["fps"] == pytest.approx(12)
    if name == "frames":
        assert sorted(os.listdir(target))[0] == "frame_00000.png"
    differences = [
        np.abs(a.astype(int) - b.astype(int)).mean() for a, b in itertools.pairwise(frames)
    ]
    assert min(differences) > 0.01  # the hikers move in every frame
    assert all(fog_share(f, tolerance) < 0.45 for f in frames)  # ground, not empty fog
    assert [p.name for p in tmp_path.iterdir()] == [name]  # and nothing else was left


def test_frames_depend_only_on_the_scene_and_their_index(qapp):
    settings = VideoSettings(width=200, height=150, frames=6, camera="orbit")
    run = compute_run(SCENE)
    first = FrameRenderer(SCENE, settings)
    second = FrameRenderer(SCENE, settings)
    try:
        late_first = first.render(5, run)
        early = [second.render(i, run) for i in range(6)]
        np.testing.assert_array_equal(late_first, early[5])
        np.testing.assert_array_equal(first.render(2, run), early[2])
        assert not np.array_equal(early[0], early[5])
    finally:
        first.close()
        second.close()


def test_fog_is_off_when_the_scene_says_so(qapp, tmp_path):
    settings = VideoSettings(width=320, height=240, frames=2)
    for name, fog in (("clear.mp4", Fog(enabled=False)), ("fogged.mp4", Fog(density=1.0))):
        export_video(Scene(steps=10, fog=fog), settings, tmp_path / name)
    clear, fogged = (decode(tmp_path / name)[0][0] for name in ("clear.mp4", "fogged.mp4"))
    assert fog_share(clear, 6) < 0.45  # the whole terrain shows
    assert fog_share(fogged, 6) > 0.6  # dense fog: only the hikers' ground


def test_frame_schedule():
    assert frame_steps(VideoSettings(frames=5), 100).tolist() == [0, 25, 50, 75, 100]
    assert frame_steps(VideoSettings(steps_per_frame=30), 100).tolist() == [0, 30, 60, 90]
    assert frame_steps(VideoSettings(first_step=10, last_step=12), 100).tolist() == [10, 11, 12]
    with pytest.raises(FogwalkError, match="beyond"):
        frame_steps(VideoSettings(last_step=200), 100)


def test_cancelled_export_leaves_nothing(qapp, tmp_path):
    calls = []
    with pytest.raises(FogwalkError, match="cancelled"):
        export_video(
            SCENE,
            VideoSettings(width=320, height=240, frames=30),
            tmp_path / "gone.mp4",
            progress=lambda done, total: calls.append(done),
            cancelled=lambda: len(calls) >= 5,
        )
    assert calls == [1, 2, 3, 4, 5]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["broken.mp4", "broken.gif", "broken"])
def test_failed_writer_leaves_nothing_and_keeps_the_old_file(tmp_path, name):
    target = tmp_path / name
    with pytest.raises(RuntimeError), VideoWriter(target, 64, 48, 10) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
        raise RuntimeError("the renderer crashed")
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"precious") if name != "broken" else target.mkdir()
    with pytest.raises(FogwalkError, match="already exists; pass --overwrite"):
        VideoWriter(target, 64, 48, 10)
    if name != "broken":
        assert target.read_bytes() == b"precious"


def test_bad_sizes_and_paths_are_clear_errors(tmp_path):
    with pytest.raises(FogwalkError, match="even width and height"):
        VideoWriter(tmp_path / "odd.mp4", 65, 48, 10)
    with pytest.raises(FogwalkError, match=r"folder .* does not exist"):
        VideoWriter(tmp_path / "no" / "such.mp4", 64, 48, 10)
    with pytest.raises(FogwalkError, match="cannot tell the video format"):
        VideoWriter(tmp_path / "clip.avi", 64, 48, 10)
    with pytest.raises(FogwalkError, match=r"cannot write /proc/clip\.mp4"):
        VideoWriter("/proc/clip.mp4", 64, 48, 10)


def cli(*args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "fogwalk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,
    )


def test_cli_exports_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    target = tmp_path / "nodisplay.mp4"
    result = cli(
        "export",
        "himmelblau",
        "-o",
        str(target),
        "-O",
        "adam:lr=0.1",
        "-O",
        "sgd",
        "--steps",
        "40",
        "--frames",
        "9",
        "--size",
        "320x240",
        "--fps",
        "24",
        "--camera",
        "follow",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    frames, meta = decode(target)
    assert len(frames) == 9 and meta["size"] == (320, 240) and meta["fps"] == pytest.approx(24)
    assert "9/9 frames" in result.stderr


def test_cli_refuses_to_overwrite_and_a_killed_export_leaves_nothing(tmp_path):
    target = tmp_path / "long.mp4"
    target.write_bytes(b"keep me")
    result = cli("export", "booth", "-o", str(target), "--steps", "5")
    assert result.returncode == 2 and "already exists" in result.stderr
    assert target.read_bytes() == b"keep me"
    target.unlink()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fogwalk",
            "export",
            "fog_mountain",
            "-o",
            str(target),
            "--steps",
            "2000",
            "--size",
            "640x480",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stderr:  # wait until frames are being encoded
        if "frames" in line:
            break
    process.kill()
    process.wait()
    assert list(tmp_path.iterdir()) == []


def test_the_cost_clock_holds_a_dear_hiker_back(qapp, tmp_path):
    """A damped Newton step costs a gradient and a Hessian (2): on the cost clock the hiker
    moves every third frame, on the step clock every frame."""
    hiker = (Hiker("newton:lr=0.1", "#4dabf7"),)
    settings = VideoSettings(
        width=320, height=240, last_step=12, title="", legend=False, counter=False
    )
    moves = {}
    for clock in ("steps", "cost"):
        scene = Scene(
            surface="himmelblau", hikers=hiker, starts=((0.5, 0.5),), steps=12, clock=clock
        )
        target = tmp_path / f"{clock}.mp4"
        assert export_video(scene, settings, target) == 13
        frames, _ = decode(target)
        moves[clock] = [
            int(np.abs(a.astype(int) - b.astype(int)).max() > 40)
            for a, b in itertools.pairwise(frames)
        ]
    assert moves["steps"] == [1] * 12
    assert moves["cost"] == [0, 0, 1] * 4  # still, still, a step: ticks 3, 6, 9, 12
