"""Video export speed: FogWalk against matplotlib's 3-D plot_surface + FuncAnimation.

The default scene (the fog mountain, four hikers), 300 frames at 1280x720 to
MP4. FogWalk renders with its OpenGL terrain view and encodes with the FFmpeg
that imageio-ffmpeg bundles; the baseline is what most people would write
instead: ``plot_surface`` of the same 256² grid with the four trajectories,
animated with ``FuncAnimation`` and saved with matplotlib's FFMpegWriter (the
same FFmpeg binary, H.264). Both run in this one process; the ratio is printed.

    pip install matplotlib
    xvfb-run -s "-screen 0 1920x1080x24" python bench/export.py [--frames 300] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from fogwalk.render.context import create_application

WIDTH, HEIGHT, FPS = 1280, 720, 30


def fogwalk_export(scene, frames: int, path: str) -> float:
    from fogwalk.core.export import VideoSettings
    from fogwalk.render.exporter import export_video

    begin = time.perf_counter()
    settings = VideoSettings(width=WIDTH, height=HEIGHT, fps=FPS, frames=frames)
    export_video(scene, settings, path, overwrite=True)
    return time.perf_counter() - begin


def matplotlib_export(scene, run, frames: int, path: str) -> float:
    import imageio_ffmpeg
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import animation

    from fogwalk.core.export import VideoSettings, frame_steps
    from fogwalk.core.surfaces import get_surface
    from fogwalk.render.mesh import sample

    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    begin = time.perf_counter()
    surface = get_surface(scene.surface)
    xs, ys, loss = sample(surface, scene.resolution)
    gx, gy = np.meshgrid(xs, ys)
    figure = plt.figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    axes = figure.add_subplot(projection="3d")
    axes.plot_surface(
        gx, gy, loss, cmap="viridis", rstride=1, cstride=1, linewidth=0, antialiased=False
    )
    lines = [axes.plot([], [], [], color=h.color, lw=2)[0] for h in scene.walking]
    points = [axes.plot([], [], [], "o", color=h.color, ms=8)[0] for h in scene.walking]
    steps = frame_steps(VideoSettings(frames=frames), run.steps)

    def update(index: int):
        step = steps[index]
        for k, (line, point) in enumerate(zip(lines, points, strict=True)):
            path = run.xy[: step + 1, k, 0]
            line.set_data_3d(path[:, 0], path[:, 1], run.loss[: step + 1, k, 0])
            point.set_data_3d(path[-1:, 0], path[-1:, 1], run.loss[step : step + 1, k, 0])
        return [*lines, *points]

    movie = animation.FuncAnimation(figure, update, frames=len(steps), blit=False)
    movie.save(path, writer=animation.FFMpegWriter(fps=FPS, codec="libx264"), dpi=100)
    plt.close(figure)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (median)")
    args = parser.parse_args()
    create_application()
    from fogwalk.core.scene import Scene
    from fogwalk.core.session import compute_run

    scene = Scene(steps=args.frames - 1)
    run = compute_run(scene)
    times: dict[str, list[float]] = {"fogwalk": [], "matplotlib": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            times["fogwalk"].append(fogwalk_export(scene, args.frames, f"{folder}/fw.mp4"))
            times["matplotlib"].append(
                matplotlib_export(scene, run, args.frames, f"{folder}/mpl.mp4")
            )
    fogwalk, baseline = (statistics.median(times[k]) for k in ("fogwalk", "matplotlib"))
    print(
        f"{args.frames} frames {WIDTH}x{HEIGHT} MP4, {os.cpu_count()} cores, median of "
        f"{args.repeat}"
    )
    print(f"  fogwalk     {fogwalk:8.1f} s  ({args.frames / fogwalk:5.1f} frames/s)")
    print(f"  matplotlib  {baseline:8.1f} s  ({args.frames / baseline:5.1f} frames/s)")
    print(f"  fogwalk is {baseline / fogwalk:.1f}x faster  (target >= 5x)")


if __name__ == "__main__":
    main()
