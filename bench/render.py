"""Frame time of the terrain view on this machine's OpenGL (Mesa llvmpipe under Xvfb).

Median milliseconds to draw one frame (move the hikers, render, read the pixels
back) of the default scene with four hikers at 256² and 512² terrain detail,
and the same at steps 10, 1,000 and 10,000 to show that the frame time does
not grow with the number of steps already walked (trails are capped).

    xvfb-run -s "-screen 0 1920x1080x24" python bench/render.py [--size 1280x720]
"""

from __future__ import annotations

import argparse
import statistics
import time

from fogwalk.render.context import create_application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720", help="frame size WxH")
    parser.add_argument("--frames", type=int, default=30, help="frames per measurement")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    app = create_application()
    from OpenGL import GL

    import fogwalk
    from fogwalk.core.scene import Scene
    from fogwalk.render.frame import frame_at
    from fogwalk.render.view import TerrainView

    scene = Scene()
    view = TerrainView()
    view.resize(width, height)
    view.show()
    app.processEvents()
    view.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode()
    view.doneCurrent()
    run = fogwalk.simulate(scene.surface, [h.spec for h in scene.hikers], steps=10_000)
    view.set_hiker_colors([h.color for h in scene.hikers])

    def frame_ms(start: int) -> float:
        times = []
        for i in range(args.frames):
            begin = time.perf_counter()
            view.show_frame(frame_at(run, start + i))
            view.render_array(width, height)
            times.append(time.perf_counter() - begin)
        return statistics.median(times) * 1e3

    print(f"renderer: {renderer}; frame {width}x{height}, 4 hikers, median of {args.frames}")
    for resolution in (256, 512):
        view.set_terrain(fogwalk.get_surface(scene.surface), resolution)
        frame_ms(0)  # warm-up: terrain upload and shader compilation
        cells = ", ".join(
            f"step {step:>6}: {frame_ms(step - args.frames):6.1f} ms"
            for step in (40, 1_000, 10_000)
        )
        print(f"  overlay, terrain {resolution}²  {cells}")
    view.close()
    for count in (4, 9):
        split_ms = split_frame_ms(app, scene, count, width, height, args.frames)
        print(
            f"  split, {count} viewports, terrain 256²: {split_ms:6.1f} ms "
            f"({1000 / split_ms:.0f} frames per second)"
        )


def split_frame_ms(app, scene, count: int, width: int, height: int, frames: int) -> float:
    """One frame of the split layout: every cell moved and drawn, read back like an export."""
    from dataclasses import replace

    import fogwalk
    from fogwalk.core.defaults import DEFAULT_OPTIMIZERS, HIKER_COLORS
    from fogwalk.core.scene import Hiker
    from fogwalk.render.frame import frame_at
    from fogwalk.render.view import TerrainView

    specs = [DEFAULT_OPTIMIZERS[i % 4] for i in range(count)]
    colors = [HIKER_COLORS[i % len(HIKER_COLORS)] for i in range(count)]
    scene = replace(scene, hikers=tuple(Hiker(s, c) for s, c in zip(specs, colors, strict=True)))
    run = fogwalk.simulate(scene.surface, specs, steps=1000)
    view = TerrainView()
    view.resize(width, height)
    view.show()
    view.set_terrain(fogwalk.get_surface(scene.surface), 256, "auto")
    view.set_layout("split", [(s, c, 1) for s, c in zip(specs, colors, strict=True)])
    app.processEvents()
    times = []
    for i in range(frames + 3):
        begin = time.perf_counter()
        view.show_frame(frame_at(run, 100 + i), 1000)
        view.render_array(width, height)  # the cells drawn in turn, as paintGL does
        times.append(time.perf_counter() - begin)
    view.close()
    return statistics.median(times[3:]) * 1e3


if __name__ == "__main__":
    main()
