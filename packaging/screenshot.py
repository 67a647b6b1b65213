"""Screenshot of the real app for the README: the default scene after a few seconds' walk.

xvfb-run -s "-screen 0 1920x1080x24" python packaging/screenshot.py resources/screenshots/app.png
"""

from __future__ import annotations

import sys
from dataclasses import replace

from fogwalk.render.context import create_application


def grab(window):
    """The window as the screen shows it (QWidget.grab leaves out what the 3-D view paints
    over its GL picture, such as the legend)."""
    return window.screen().grabWindow(window.winId())


def main(target: str, step: int = 160) -> None:
    app = create_application()
    from PySide6.QtCore import QTimer

    from fogwalk.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 820)
    window.show()

    def on_frame_shown(shown: int) -> None:
        if shown >= step:
            window.frame_shown.disconnect(on_frame_shown)
            window.controller.set_playing(False)
            window.controller.position = float(step)
            window._draw(force=True)
            QTimer.singleShot(300, lambda: (grab(window).save(target), app.quit()))

    window.frame_shown.connect(on_frame_shown)
    window.apply(replace(window.scene, speed=120.0))  # get there sooner
    app.exec()
    window.close()


if __name__ == "__main__":
    main(sys.argv[1])
