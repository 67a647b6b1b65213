"""Frames per second of the app's window while it plays, with the map and loss plot live.

The default scene in a 1600x900 window, played at 60 steps a second (every frame a new
step); frames drawn are counted over a few seconds, after a warm-up, three times: the
median, with every core free and with one core kept busy by another process (as on a
desktop where something else runs).

    xvfb-run -s "-screen 0 1920x1080x24" python bench/window.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from dataclasses import replace

from fogwalk.render.context import create_application


def _burn(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def measure(app, seconds: float) -> float:
    """Frames the window shows per second while it plays."""
    from PySide6.QtCore import QEventLoop, QTimer

    from fogwalk.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    window.apply(replace(window.scene, speed=60.0, steps=20_000))  # never settles in time
    shown: list[float] = []
    window.frame_shown.connect(lambda _step: shown.append(time.perf_counter()))
    loop = QEventLoop()
    QTimer.singleShot(int((2.0 + seconds) * 1000), loop.quit)  # 2 s of warm-up
    loop.exec()
    window.close()
    end = shown[-1] if shown else time.perf_counter()
    counted = [t for t in shown if t >= end - seconds]
    return len(counted) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds counted per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = create_application()
    from OpenGL import GL

    from fogwalk.render.view import TerrainView

    probe = TerrainView()
    probe.show()
    app.processEvents()
    probe.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode()
    probe.doneCurrent()
    probe.close()
    print(f"renderer: {renderer}; {multiprocessing.cpu_count()} cores; window 1600x900")
    for busy in (False, True):
        stop = multiprocessing.Event()
        burner = multiprocessing.Process(target=_burn, args=(stop,)) if busy else None
        if burner:
            burner.start()
        try:
            rates = [measure(app, args.seconds) for _ in range(args.runs)]
        finally:
            if burner:
                stop.set()
                burner.join()
        label = "one core busy" if busy else "cores idle"
        print(f"{label:>14}: {statistics.median(rates):5.1f} fps (runs: {rates})")


if __name__ == "__main__":
    main()
