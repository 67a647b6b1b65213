"""Soak: the app animating nine split cells for minutes; does its memory grow?

Opens the window on a scene of nine hikers in the split layout (a cell each),
plays the walk over and over (rewinding at its end) on a virtual display, and
samples the process's resident memory every few seconds. Prints each sample
and the growth after the first minute's warm-up (caches, GL buffers, fonts).

    python bench/soak.py [--minutes 10] [--every 5]
"""

from __future__ import annotations

import argparse
import os
import time


def rss_mb() -> float:
    """This process's resident memory in MB (Linux /proc)."""
    with open("/proc/self/statm") as stream:
        pages = int(stream.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to animate")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--steps", type=int, default=2000, help="steps of each walk")
    args = parser.parse_args()

    from fogwalk.render.context import create_application, virtual_display

    with virtual_display() as display:
        app = create_application()
        from PySide6.QtCore import QTimer

        from fogwalk.core.defaults import HIKER_COLORS
        from fogwalk.core.optimizers import optimizer_names
        from fogwalk.core.scene import Hiker, Scene
        from fogwalk.ui.main_window import MainWindow

        names = optimizer_names()[:9]  # sgd ... nadam: nine first-order hikers
        hikers = tuple(
            Hiker(name, HIKER_COLORS[i % len(HIKER_COLORS)]) for i, name in enumerate(names)
        )
        scene = Scene(hikers=hikers, steps=args.steps, layout="split", speed=300.0)
        window = MainWindow(scene)
        window.resize(1600, 900)
        window.show()
        print(
            f"display {display or os.environ.get('DISPLAY')}: {len(scene.hikers)} hikers, "
            f"split, {args.steps} steps at {scene.speed:g} steps/s, {args.minutes:g} min"
        )

        started = time.monotonic()
        samples: list[tuple[float, float]] = []
        frames = [0]
        window.frame_shown.connect(lambda _step: frames.__setitem__(0, frames[0] + 1))

        def on_sample() -> None:
            elapsed = time.monotonic() - started
            samples.append((elapsed, rss_mb()))
            print(f"{elapsed:7.1f} s  RSS {samples[-1][1]:8.1f} MB  frames {frames[0]}", flush=True)
            if elapsed >= args.minutes * 60:
                app.quit()

        def on_loop() -> None:  # at the end of the walk, play it again from the start
            controller = window.controller
            if not controller.playing:
                controller.toggle_play()

        sampler, looper = QTimer(), QTimer()
        sampler.timeout.connect(on_sample)
        looper.timeout.connect(on_loop)
        sampler.start(int(args.every * 1000))
        looper.start(500)
        on_sample()
        app.exec()
        window.close()
        app.shutdown()

    warm = [s for s in samples if s[0] >= min(60.0, samples[-1][0] / 2)]
    first, last = warm[0], warm[-1]
    minutes = max((last[0] - first[0]) / 60, 1e-9)
    print(
        f"RSS {samples[0][1]:.1f} MB at start, {first[1]:.1f} MB after warm-up "
        f"({first[0]:.0f} s), {last[1]:.1f} MB at the end: {last[1] - first[1]:+.1f} MB "
        f"({(last[1] - first[1]) / minutes:+.2f} MB/min) over {minutes:.1f} min; "
        f"peak {max(s[1] for s in samples):.1f} MB; {frames[0]} frames drawn"
    )


if __name__ == "__main__":
    main()
